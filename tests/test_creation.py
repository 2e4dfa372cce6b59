"""Tests for creation.py: zeros, ones, eye, randn, uniform and one_hot, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bad_input import INF, NAN, as_params, assert_clear_error
from tinygrad_lite import Tensor


@pytest.mark.parametrize(("make", "fill"), [(Tensor.zeros, 0.0), (Tensor.ones, 1.0)], ids=["zeros", "ones"])
def test_zeros_and_ones_take_ints_or_one_tuple(make, fill):
    for t in (make(2, 3), make((2, 3))):
        assert t.shape == (2, 3) and t.dtype == np.float32 and not t.requires_grad
        assert (t.data == fill).all() and t.parents == ()
    wide = make(4, requires_grad=True, dtype=np.float64)
    assert wide.dtype == np.float64 and wide.requires_grad and make().shape == ()


def test_eye_is_square_unless_told_otherwise():
    np.testing.assert_array_equal(Tensor.eye(3).data, np.eye(3, dtype=np.float32))
    np.testing.assert_array_equal(Tensor.eye(2, 4, dtype=np.float64).data, np.eye(2, 4))


@pytest.mark.parametrize("make", [Tensor.randn, Tensor.uniform], ids=["randn", "uniform"])
def test_random_tensors_follow_their_seed_bit_for_bit(make):
    a, b = make(3, 4, rng=7), make(3, 4, rng=np.random.default_rng(7))
    assert a.shape == (3, 4) and a.dtype == np.float32
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, make(3, 4, rng=8).data)


def test_randn_and_uniform_draw_what_numpy_draws():
    np.testing.assert_array_equal(
        Tensor.randn(5, rng=0, dtype=np.float64).data, np.random.default_rng(0).standard_normal(5)
    )
    u = Tensor.uniform(1000, low=-2.0, high=3.0, rng=1, dtype=np.float64).data
    np.testing.assert_array_equal(u, np.random.default_rng(1).uniform(-2.0, 3.0, 1000))
    assert u.min() >= -2.0 and u.max() < 3.0


def test_one_hot_picks_rows_of_the_identity():
    np.testing.assert_array_equal(Tensor.one_hot([2, 0], 3).data, [[0, 0, 1], [1, 0, 0]])
    assert Tensor.one_hot(Tensor(np.array([1])), 2, dtype=np.float64).dtype == np.float64
    assert Tensor.one_hot(np.zeros((2, 2), int), 4).shape == (2, 2, 4)


# ---- bad input gets a clear error ---------------------------------------------------------------


# fmt: off
BAD_INPUT = [
    ("zeros-negative", lambda: Tensor.zeros(2, -1),
     ValueError, r"^zeros: sizes must be non-negative ints, got \(2, -1\)"),
    ("ones-float", lambda: Tensor.ones(2.5),
     ValueError, r"^ones: sizes must be non-negative ints, got \(2.5,\)"),
    ("ones-dtype", lambda: Tensor.ones(2, dtype="foo"), TypeError, r"^ones: dtype must be a numpy dtype"),
    ("eye-negative", lambda: Tensor.eye(-2), ValueError, r"^eye: sizes must be non-negative ints"),
    ("randn-size", lambda: Tensor.randn(2, "a"), ValueError, r"^randn: sizes must be non-negative ints"),
    ("randn-rng", lambda: Tensor.randn(2, rng="seed"), TypeError,
     r"^randn: rng must be a numpy Generator, a non-negative int seed or None, got 'seed'"),
    ("randn-rng-negative", lambda: Tensor.randn(2, rng=-1), TypeError, r"^randn: rng must be .* got -1"),
    ("uniform-nan", lambda: Tensor.uniform(2, low=NAN), ValueError,
     r"^uniform: low and high must be finite numbers with low <= high, got low=nan"),
    ("uniform-inf", lambda: Tensor.uniform(2, high=INF),
     ValueError, r"^uniform: low and high must be finite"),
    ("uniform-reversed", lambda: Tensor.uniform(2, low=1.0, high=0.0), ValueError,
     r"^uniform: .*low <= high, got low=1.0, high=0.0"),
    ("uniform-str", lambda: Tensor.uniform(2, low="a"), ValueError, r"^uniform: low and high must be finite"),
    ("one_hot-range", lambda: Tensor.one_hot([0, 3], 3), ValueError,
     r"^one_hot: indices must be class indices in \[0, 3\), got values from 0 to 3"),
    ("one_hot-negative", lambda: Tensor.one_hot([-1], 3),
     ValueError, r"^one_hot: indices must be class indices in \[0, 3\)"),
    ("one_hot-nan", lambda: Tensor.one_hot([NAN, 1.0], 3), TypeError,
     r"^one_hot: indices must be integer class indices, got dtype float64"),
    ("one_hot-n", lambda: Tensor.one_hot([0], -1), ValueError, r"^one_hot: sizes must be non-negative ints"),
    ("one_hot-dtype", lambda: Tensor.one_hot([0], 3, dtype="foo"), TypeError,
     r"^one_hot: dtype must be a numpy dtype"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
