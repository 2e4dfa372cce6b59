"""Tests for shift/task.py: the shift task's data, the starting weights, and one example as a scalar graph."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite import Tensor, Value, nn, save
from tinygrad_lite.shift import (
    ShiftConfig,
    example_loss,
    firing_input,
    initial_weights,
    load_network,
    shift_task,
    train_shift,
)


@pytest.mark.parametrize("n", [2, 5, 11])
def test_shift_task_data(n):
    X, y = shift_task(n)
    assert X.shape == (n - 1, n) and X.dtype == np.float64
    assert y.shape == (n - 1,) and y.dtype.kind == "i"
    np.testing.assert_array_equal(X, np.eye(n)[: n - 1])  # row k: input k+1 fires alone
    np.testing.assert_array_equal(y, np.arange(1, n))  # input k+1 -> output k+2, zero-based k+1
    assert 0 not in y  # output 1 never fires
    assert (X[:, -1] == 0).all()  # input n never fires
    np.testing.assert_array_equal(X.argmax(axis=1) + 1, y)  # input n fires output n+1


def test_initial_weights_are_normal_times_half_w1_then_w2():
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(size=(11, 2)) * 0.5, rng.normal(size=(2, 11)) * 0.5
    state = initial_weights(11, 2, seed=0)
    assert list(state) == ["layers.0.weight", "layers.1.weight"]
    np.testing.assert_array_equal(state["layers.0.weight"], w1.T)  # PyTorch's (out, in) layout
    np.testing.assert_array_equal(state["layers.1.weight"], w2.T)
    with_bias = initial_weights(11, 2, seed=0, bias=True)
    assert list(with_bias) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    np.testing.assert_array_equal(with_bias["layers.0.bias"], rng.normal(size=2) * 0.5)


def test_example_loss_is_the_scalar_twins_cross_entropy():
    model = train_shift(ShiftConfig(5, 2, steps=300), progress=False).model
    loss, twin = example_loss(model, 3)
    assert isinstance(twin, nn.ValueMLP) and loss.label == "loss"
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(twin.state_dict()[name], array)
    X, y = shift_task(5)
    per_example = nn.cross_entropy(model(Tensor(X)), y, reduction="none")
    assert loss.data == pytest.approx(per_example.data[2], rel=1e-12)  # input 3 is example 2
    assert isinstance(loss, Value) and any(p.grad != 0.0 for p in twin.parameters())  # backward ran


@pytest.mark.parametrize("n", [1, 0, -3, 2.0, True, "5"])
def test_shift_task_needs_n_of_at_least_2(n):
    with pytest.raises(ValueError, match=r"n must be an int >= 2"):
        shift_task(n)


def seed_model() -> nn.MLP:
    """The seed's network for N=5, as train_shift returns it."""
    return train_shift(ShiftConfig(5, 2, steps=0), progress=False).model


def test_initial_weights_uniform_follow_pytorchs_fan_in_rule():
    n, hidden = 400, 4
    state = initial_weights(n, hidden, seed=3, bias=True, init="uniform")
    rng = np.random.default_rng(3)  # the same draws, in the same order: W1, W2, b1, b2
    expected = {
        "layers.0.weight": rng.uniform(-1, 1, (n, hidden)).T,  # a one-hot input: fan-in 1
        "layers.1.weight": rng.uniform(-0.5, 0.5, (hidden, n)).T,  # fan-in hidden = 4: 1/sqrt(4)
        "layers.0.bias": rng.uniform(-1, 1, hidden),
        "layers.1.bias": rng.uniform(-0.5, 0.5, n),
    }
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    for name, array in expected.items():
        np.testing.assert_array_equal(state[name], array)
    w1, w2 = state["layers.0.weight"], state["layers.1.weight"]
    assert -1 <= w1.min() < -0.95 and 0.95 < w1.max() <= 1  # fills (-1, 1) ...
    assert -0.5 <= w2.min() < -0.47 and 0.47 < w2.max() <= 0.5  # ... and (-1/sqrt(H), 1/sqrt(H))
    assert abs(w1.std() - 1 / np.sqrt(3)) < 0.03 and abs(w2.std() - 0.5 / np.sqrt(3)) < 0.015  # flat
    again = initial_weights(n, hidden, seed=3, bias=True, init="uniform")
    assert all(again[name].tobytes() == state[name].tobytes() for name in state)  # seeded
    assert initial_weights(n, hidden, 4, init="uniform")["layers.0.weight"].tobytes() != w1.tobytes()


def test_load_network_gives_back_the_saved_network_in_float64():
    for bias in (False, True):
        model = nn.MLP(5, 3, 5, bias=bias, rng=1)  # float32, as a learner makes it
        loaded = load_saved(model.state_dict())
        assert isinstance(loaded, nn.MLP) and repr(loaded) == repr(nn.MLP(5, 3, 5, bias=bias))
        for name, array in model.state_dict().items():
            got = loaded.state_dict()[name]
            assert got.dtype == np.float64 and np.array_equal(got, array.astype(np.float64))


def load_saved(state: dict) -> nn.MLP:
    """load_network on a checkpoint of `state`, saved in a fresh temporary directory."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "net.npz"
        save(state, path)
        return load_network(path)


# fmt: off
BAD_INPUT = [
    ("shift_task-1", lambda: shift_task(1), ValueError, r"^shift_task: n must be an int >= 2 .*got 1"),
    ("shift_task-negative", lambda: shift_task(-3), ValueError, r"^shift_task: n must be an int >= 2"),
    ("shift_task-float", lambda: shift_task(5.0),
     ValueError, r"^shift_task: n must be an int >= 2 .*got 5.0"),
    ("initial_weights-n", lambda: initial_weights(-1, 2, 0), ValueError,
     r"^initial_weights: n must be a positive int, got -1"),
    ("initial_weights-seed", lambda: initial_weights(5, 2, "x"),
     TypeError, r"^initial_weights: rng must be"),
    ("initial_weights-init", lambda: initial_weights(5, 2, 0, init="xavier"), ValueError,
     r"^initial_weights: init must be one of \('normal', 'uniform'\), got 'xavier'"),
    ("example_loss-range", lambda: example_loss(seed_model(), 5), ValueError,
     r"^example_loss: input must be one of the inputs that fire, 1..4, got 5"),
    ("example_loss-zero", lambda: example_loss(seed_model(), 0), ValueError,
     r"^example_loss: input must be one of the inputs that fire, 1..4, got 0"),
    ("example_loss-model", lambda: example_loss("x", 1), TypeError,
     r"^ValueMLP.from_mlp: expects an MLP, got str"),
    ("initial_weights-hidden", lambda: initial_weights(5, 0, 0), ValueError,
     r"^initial_weights: hidden must be a positive int, got 0"),
    ("example_loss-str", lambda: example_loss(seed_model(), "a"), ValueError,
     r"^example_loss: input must be one of the inputs that fire, 1..4, got 'a'"),
    ("firing_input-range", lambda: firing_input("draw", 5, 5), ValueError,
     r"^draw: input must be one of the inputs that fire, 1..4, got 5"),
    ("load_network-other", lambda: load_saved({"x": np.ones(3)}), ValueError,
     r"^load_network: .*net.npz holds no network n -> hidden -> n \(it holds \['x'\]\)"),
    ("load_network-deep", lambda: load_saved(nn.MLP(4, [2, 3], 4).state_dict()), ValueError,
     r"^load_network: .*net.npz holds no network n -> hidden -> n \(it holds \['layers.0.weight', .*\]\)"),
    ("load_network-misfit", lambda: load_saved({**nn.MLP(4, 2, 4).state_dict(), "extra": np.ones(3)}),
     ValueError, r"^load_network: .*net.npz does not fit an N=4, H=2 network: load_state_dict: the names do "
     r"not match MLP: missing none, unexpected \['extra'\]"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
