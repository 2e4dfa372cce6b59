"""Tests for module.py: parameters found by attribute, state dicts, each sub-module once, the printed tree."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite import Tensor, Value, nn

# ---- Module: parameters found by attribute ------------------------------------------


class Block(nn.Module):
    """A module with every kind of attribute a parameter can hide in."""

    def __init__(self) -> None:
        self.scale = Tensor(np.ones(3), requires_grad=True)
        self.fixed = Tensor(np.ones(3))  # requires_grad=False: a constant, not a parameter
        self.inner = nn.Linear(3, 2, rng=0)
        self.layers = [nn.Linear(2, 2, rng=1), nn.Linear(2, 1, bias=False, rng=2)]
        self.offset = Value(0.5)
        self.name = "block"  # neither

    def forward(self, x: Tensor) -> Tensor:
        x = self.inner(x * self.scale + self.fixed)
        for layer in self.layers:
            x = layer(x).tanh()
        return x + self.offset.data


class Outer(nn.Module):
    def __init__(self) -> None:
        self.block = Block()
        self.head = nn.Linear(1, 1, rng=3)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.block(x))


BLOCK_NAMES = [
    "scale",
    "inner.weight",
    "inner.bias",
    "layers.0.weight",
    "layers.0.bias",
    "layers.1.weight",
    "offset",
]


def test_parameters_are_found_by_attribute_in_order():
    block = Block()
    named = list(block.named_parameters())
    assert [name for name, _ in named] == BLOCK_NAMES
    expected = [
        block.scale,
        block.inner.weight,
        block.inner.bias,
        block.layers[0].weight,
        block.layers[0].bias,
        block.layers[1].weight,
        block.offset,
    ]
    assert all(p is q for (_, p), q in zip(named, expected))
    assert all(p is q for p, q in zip(block.parameters(), expected))
    assert not any(p is block.fixed for p in block.parameters())


def test_nested_modules_get_dotted_names():
    outer = Outer()
    names = [name for name, _ in outer.named_parameters()]
    assert names == [f"block.{n}" for n in BLOCK_NAMES] + ["head.weight", "head.bias"]
    assert [name for name, _ in outer.named_children()] == ["block", "head"]
    assert [name for name, _ in outer.block.named_children()] == ["inner", "layers.0", "layers.1"]


def test_a_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()(1)


def test_zero_grad_clears_tensors_and_values():
    block = Block()
    x = Tensor(np.array([[0.1, -0.2, 0.3]]))
    block(x).sum().backward()
    block.offset.grad = 4.0
    assert all(p.grad is not None for p in block.parameters() if isinstance(p, Tensor))
    block.zero_grad()
    for p in block.parameters():
        assert p.grad == 0.0 if isinstance(p, Value) else p.grad is None


# ---- state_dict ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_state_dict_round_trip_is_bit_exact(dtype):
    model = nn.MLP(4, [3, 2], 4, bias=True, rng=0, dtype=dtype)
    # Values whose bits are easy to lose: -0.0, a subnormal, the largest float.
    model.layers[0].weight.data[0, :3] = [-0.0, np.finfo(dtype).smallest_subnormal, np.finfo(dtype).max]
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    other = nn.MLP(4, [3, 2], 4, bias=True, rng=1, dtype=dtype)
    other.load_state_dict(state)
    for (name, p), (_, q) in zip(model.named_parameters(), other.named_parameters()):
        assert q.data.dtype == dtype, name
        assert q.data.tobytes() == p.data.tobytes(), name
    x = Tensor(np.linspace(-1, 1, 8).reshape(2, 4).astype(dtype))
    assert model(x).data.tobytes() == other(x).data.tobytes()


def test_state_dict_copies_both_ways():
    model = nn.Linear(3, 2, rng=0)
    before = model.weight.data.copy()
    state = model.state_dict()
    state["weight"][:] = 7.0  # changing the copy leaves the model alone
    np.testing.assert_array_equal(model.weight.data, before)
    model.weight.data[:] = -1.0  # and changing the model leaves an earlier copy alone
    assert (state["weight"] == 7.0).all()
    model.load_state_dict(state)
    state["weight"][:] = 3.0  # load copies in: the dict is not shared afterwards
    assert (model.weight.data == 7.0).all()


def test_load_state_dict_refuses_missing_and_extra_names():
    model = nn.MLP(3, 2, 3, rng=0)
    state = model.state_dict()
    missing = {k: v for k, v in state.items() if k != "layers.1.weight"}
    with pytest.raises(ValueError, match=r"missing \['layers.1.weight'\], unexpected none"):
        model.load_state_dict(missing)
    extra = {**state, "layers.2.weight": np.zeros((3, 3), np.float32)}
    with pytest.raises(ValueError, match=r"missing none, unexpected \['layers.2.weight'\]"):
        model.load_state_dict(extra)
    with pytest.raises(TypeError, match="expects a dict"):
        model.load_state_dict(list(state.items()))


def test_load_state_dict_refuses_wrong_shape_and_dtype_and_changes_nothing():
    model = nn.MLP(3, 2, 3, rng=0)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    # The first entry is fine: a refused load must not have copied it in already.
    good_first = {"layers.0.weight": np.zeros((2, 3), np.float32)}
    with pytest.raises(ValueError, match=r"'layers.1.weight' is float32\[3, 3\].*expects float32\[3, 2\]"):
        model.load_state_dict({**good_first, "layers.1.weight": np.zeros((3, 3), np.float32)})
    with pytest.raises(ValueError, match=r"'layers.1.weight' is float64\[3, 2\].*expects float32\[3, 2\]"):
        model.load_state_dict({**good_first, "layers.1.weight": np.zeros((3, 2))})
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_repr_lists_the_layers():
    text = repr(nn.MLP(5, 2, 5))
    assert text == (
        "MLP(\n"
        "  activation='tanh'\n"
        "  (layers.0): Linear(in_features=5, out_features=2, bias=False)\n"
        "  (layers.1): Linear(in_features=2, out_features=5, bias=False)\n"
        ")"
    )
    nested = repr(Outer())
    assert "(block): Block(\n    (inner): Linear(in_features=3, out_features=2, bias=True)" in nested
    assert nested.endswith("(head): Linear(in_features=1, out_features=1, bias=True)\n)")


# ---- a module that holds its owner, or itself ---------------------------------------------


class Child(nn.Module):
    def __init__(self) -> None:
        self.layer = nn.Linear(2, 2, rng=0)


class Parent(nn.Module):
    def __init__(self) -> None:
        self.child = Child()
        self.child.owner = self  # a cycle
        self.me = self
        self.head = nn.Linear(2, 1, rng=1)


def test_each_module_is_visited_once():
    parent = Parent()
    names = [name for name, _ in parent.named_parameters()]
    assert names == ["child.layer.weight", "child.layer.bias", "head.weight", "head.bias"]
    assert list(parent.state_dict()) == names
    assert [name for name, _ in parent.child.named_parameters()] == [
        "layer.weight",
        "layer.bias",
        "owner.head.weight",
        "owner.head.bias",
    ]
    parent.load_state_dict(parent.state_dict())
    parent.head(parent.child.layer(Tensor(np.ones((1, 2), np.float32)))).sum().backward()
    parent.zero_grad()
    assert all(p.grad is None for p in parent.parameters())
    assert "(owner): Parent(...)" in repr(parent) and "(me): Parent(...)" in repr(parent)


class Net(nn.Module):
    def __init__(self) -> None:
        self.body = nn.MLP(4, 8, 8, rng=0)
        self.blocks = [nn.Dropout(0.5, rng=1), nn.Linear(8, 2, rng=2)]
        self.head = self.blocks[1]  # the same module twice: visited once


def test_train_and_eval_switch_every_submodule_and_return_self():
    net = Net()
    modules = list(net.modules())
    assert len(modules) == len({id(m) for m in modules}) == 6  # Net, MLP, 2 of its Linears, Dropout, Linear
    assert all(m.training for m in modules)
    assert net.eval() is net and not any(m.training for m in modules)
    assert net.train() is net and all(m.training for m in modules)
    assert net.train(False) is net and not net.blocks[0].training
    net.train(np.True_)  # numpy's bools are taken, and stored as Python's
    assert all(m.training is True for m in modules)
    assert "training" not in "".join(net.state_dict())  # a mode, not a parameter


# ---- bad input: a clear error ------------------------------------------------------------


def seeds_network() -> nn.MLP:
    return nn.MLP(3, 2, 3, rng=0)


# fmt: off
BAD_INPUT = [
    ("train-mode", lambda: nn.MLP(2, 2, 2).train("eval"),
     TypeError, r"^train: mode must be True or False, got 'eval'"),
    ("load_state_dict-None", lambda: seeds_network().load_state_dict(None), TypeError,
     r"^load_state_dict: expects a dict of name -> array, got NoneType"),
    ("load_state_dict-strings",
     lambda: seeds_network().load_state_dict(dict.fromkeys(seeds_network().state_dict(), "abc")), ValueError,
     r"^load_state_dict: 'layers.0.weight' is <U3\[\], the model expects float32\[2, 3\]"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
