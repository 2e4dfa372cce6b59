"""Tests for shapes.py: reshape, transpose (and .T), indexing, concatenate and stack, gradient-checked in
float64 and compared with numpy, with PyTorch where installed; a 200,000-op chain of them; their errors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error, t23
from tinygrad_lite import Tensor, gradcheck

from .conftest import assert_matches_torch, constant, param, random_array

# ---- indexing -------------------------------------------------------------------------------------

INDEXES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, 3),
    "column": (slice(None), 1),
    "step": slice(None, None, 2),
    "reversed row": (1, slice(None, None, -1)),
    "ellipsis": (Ellipsis, 2),
    "int array with repeats": np.array([0, 0, 3, 0]),
    "int list with repeats": [2, 2, 2],
    "pairs of int arrays": (np.array([0, 1, 1, 1]), np.array([2, 2, 0, 2])),
    "2-D int array": np.array([[0, 1], [1, 1]]),
    "index tensor": Tensor(np.array([3, 3])),
    "boolean mask": np.array([True, False, True, True]),
}


@pytest.mark.parametrize("name", INDEXES)
def test_getitem(name):
    index = INDEXES[name]
    x = random_array(4, 3)
    plain = index.data if isinstance(index, Tensor) else index
    np.testing.assert_array_equal(param(x)[index].data, x[plain])
    assert gradcheck(lambda t: t[index], [param(x)])


def test_getitem_scatter_adds_repeated_indices():
    x = param([10.0, 20.0, 30.0, 40.0])
    x[[1, 1, 1, 3]].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 3.0, 0.0, 1.0])  # picked three times: 3x the gradient


# ---- concatenate and stack ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shapes_", "axis"),
    [
        ([(1, 3), (2, 3), (3, 3)], 0),
        ([(2, 3), (2, 1), (2, 2)], 1),
        ([(2, 3), (2, 1), (2, 2)], -1),
        ([(4,), (2,)], 0),
    ],
)
def test_concatenate(shapes_, axis):
    arrays_ = [random_array(*s, seed=i) for i, s in enumerate(shapes_)]
    out = Tensor.concatenate([param(a) for a in arrays_], axis=axis)
    np.testing.assert_array_equal(out.data, np.concatenate(arrays_, axis=axis))
    # The last input is a constant: it must not stop the others' gradients.
    inputs = [param(a) for a in arrays_[:-1]] + [constant(arrays_[-1])]
    assert gradcheck(lambda *ts: Tensor.concatenate(ts, axis=axis), inputs)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(axis):
    arrays_ = [random_array(2, 3, seed=i) for i in range(3)]
    out = Tensor.stack([param(a) for a in arrays_], axis=axis)
    np.testing.assert_array_equal(out.data, np.stack(arrays_, axis=axis))
    inputs = [param(arrays_[0]), constant(arrays_[1]), param(arrays_[2])]
    assert gradcheck(lambda *ts: Tensor.stack(ts, axis=axis), inputs)


# ---- reshape and transpose ------------------------------------------------------------------------


@pytest.mark.parametrize("new_shape", [(4, -1), (-1,), (2, -1, 2), (24,), ((6, 4),), (1, 24, 1)], ids=repr)
def test_reshape(new_shape):
    x = random_array(2, 3, 4)
    out = param(x).reshape(*new_shape)
    assert out.shape == x.reshape(*new_shape).shape
    assert gradcheck(lambda t: t.reshape(*new_shape) * np.arange(24.0).reshape(out.shape), [param(x)])


@pytest.mark.parametrize("axes", [(), (1, 0, 2), (2, 0, 1), (-1, 0, 1), ((0, 2, 1),)], ids=repr)
def test_transpose(axes):
    x = random_array(2, 3, 4)
    expected = x.transpose(*axes) if axes else x.T
    np.testing.assert_array_equal(param(x).transpose(*axes).data, expected)
    assert gradcheck(lambda t: t.transpose(*axes) * np.arange(24.0).reshape(expected.shape), [param(x)])


def test_dot_t_reverses_the_axes():
    x = random_array(2, 3)
    np.testing.assert_array_equal(param(x).T.data, x.T)
    assert gradcheck(lambda t: t.T @ np.arange(2.0), [param(x)])


# ---- a long chain -----------------------------------------------------------------------------------


def test_a_200000_op_chain_of_shape_ops():
    # 50,000 rounds of four ops that move elements around. numpy makes the same moves
    # on the element numbers 0..5, which says where each input element ended up, and so
    # where its gradient must come from.
    x = param(np.zeros((2, 3)))
    y, where = x, np.arange(6).reshape(2, 3)
    for _ in range(50_000):
        y = y.T.reshape(2, 3)[:, ::-1] + 1.0
        where = where.T.reshape(2, 3)[:, ::-1]
    weights = np.arange(6.0).reshape(2, 3)
    (y * weights).sum().backward()
    expected = np.zeros(6)
    expected[where.ravel()] = weights.ravel()
    np.testing.assert_array_equal(x.grad, expected.reshape(2, 3))
    np.testing.assert_array_equal(y.data, np.full((2, 3), 50_000.0))


# ---- against PyTorch, where installed -------------------------------------------------------

TORCH = {  # name: (ours, torch's) on X
    "transpose": (lambda x: x.T, lambda x: x.T),
    "reshape": (lambda x: x.reshape(3, -1), lambda x: x.reshape(3, -1)),
    "getitem with repeats": (lambda x: x[:, [0, 0, 2]], lambda x: x[:, [0, 0, 2]]),
}
X = np.array([[0.5, 2.0, 2.0], [1.5, 0.7, 1.5]])


@pytest.mark.parametrize("name", TORCH)
def test_matches_pytorch(name):
    assert_matches_torch(*TORCH[name], X, rtol=1e-12)


# ---- bad input gets a clear error ------------------------------------------------------------


# fmt: off
BAD_INPUT = [
    ("reshape-size", lambda: t23().reshape(4, 2), ValueError,
     r"^reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4, 2\)"),
    ("reshape-float", lambda: t23().reshape(1.5), ValueError, r"^reshape: cannot reshape .* into \(1.5,\)"),
    ("reshape-str", lambda: t23().reshape("a"), ValueError, r"^reshape: cannot reshape .* into \('a',\)"),
    ("transpose-repeat", lambda: t23().transpose(0, 0), ValueError,
     r"^transpose: axes \(0, 0\) are not a permutation of the axes of shape \(2, 3\)"),
    ("transpose-range", lambda: t23().transpose(2, 1),
     ValueError, r"^transpose: axes \(2, 1\) are not a permutation"),
    ("transpose-str", lambda: t23().transpose("a"),
     ValueError, r"^transpose: axes \('a',\) are not a permutation"),
    ("transpose-float", lambda: t23().transpose(1.5),
     ValueError, r"^transpose: axes \(1.5,\) are not a permutation"),
    ("getitem-range", lambda: t23()[5],
     IndexError, r"^getitem: index 5 is out of bounds .*\(tensor shape \(2, 3\)\)"),
    ("getitem-str", lambda: t23()["a"],
     IndexError, r"^getitem: only integers, slices .*\(tensor shape \(2, 3\)\)"),
    ("getitem-depth", lambda: t23()[0, 0, 0], IndexError, r"^getitem: too many indices"),
    ("getitem-float", lambda: t23()[Tensor([0.5])],
     IndexError, r"^getitem: arrays used as indices must be of integer"),
    ("concatenate-empty", lambda: Tensor.concatenate([]),
     ValueError, r"^concatenate: needs at least one tensor"),
    ("concatenate-None", lambda: Tensor.concatenate(None), TypeError,
     r"^concatenate: expects a list of Tensors, got NoneType"),
    ("concatenate-array", lambda: Tensor.concatenate([t23(), np.ones(3)]), TypeError,
     r"^concatenate: expects a list of Tensors, got a ndarray"),
    ("concatenate-shapes", lambda: Tensor.concatenate([t23(), Tensor(np.ones((2, 2)))]), ValueError,
     r"^concatenate: cannot join shapes \(2, 3\), \(2, 2\) along axis 0"),
    ("concatenate-axis", lambda: Tensor.concatenate([t23(), t23()], axis=2), ValueError,
     r"^concatenate: cannot join shapes .* along axis 2"),
    ("concatenate-axis-str", lambda: Tensor.concatenate([t23(), t23()], axis="a"), ValueError,
     r"^concatenate: cannot join shapes .* along axis a"),
    ("stack-shapes", lambda: Tensor.stack([t23(), Tensor(np.ones((3, 2)))]), ValueError,
     r"^stack: cannot stack shapes \(2, 3\), \(3, 2\) along axis 0 \(all shapes must match\)"),
    ("stack-axis", lambda: Tensor.stack([t23(), t23()], axis=3), ValueError, r"^stack: cannot stack shapes"),
    ("stack-axis-str", lambda: Tensor.stack([t23(), t23()], axis="a"),
     ValueError, r"^stack: cannot stack shapes"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
