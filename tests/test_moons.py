"""demos/moons.py, micrograd's demo on our engines: the data, the same numbers on every engine, 100%."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

DEMO = Path(__file__).resolve().parent.parent / "demos" / "moons.py"


@pytest.fixture(scope="module")
def moons():
    spec = importlib.util.spec_from_file_location("moons_demo", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_two_moons_are_the_notebook_s_hundred_points(moons):
    X, y = moons.make_moons()
    assert X.shape == (100, 2) and sorted(set(y)) == [-1.0, 1.0] and (y == 1).sum() == 50
    # without noise each point lies on its unit half circle: the noise is what remains
    upper = np.hypot(X[y == -1, 0], X[y == -1, 1])
    lower = np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5)
    assert all(r.min() > 0.7 and r.max() < 1.3 for r in (upper, lower))
    np.testing.assert_array_equal(moons.make_moons()[0], X)  # seeded: the same points every run


def test_the_starting_weights_are_micrograd_s(moons):
    weights = moons.initial_weights()
    assert {k: v.shape for k, v in weights.items()} == {
        "layers.0.weight": (16, 2), "layers.0.bias": (16,), "layers.1.weight": (16, 16),
        "layers.1.bias": (16,), "layers.2.weight": (1, 16), "layers.2.bias": (1,),
    }  # fmt: skip
    assert np.abs(weights["layers.1.weight"]).max() <= 1 and not weights["layers.2.bias"].any()


def test_the_tensor_engine_reaches_the_notebook_s_100_percent_in_its_100_steps(moons):
    X, y = moons.make_moons()
    _, losses, accuracy = moons.train_tensor(X, y, steps=100)
    assert accuracy == 1.0
    assert losses[-1] < losses[0] / 10


def test_the_value_engine_takes_the_same_steps_as_the_tensor_engine(moons):
    X, y = moons.make_moons()
    _, value_losses, _ = moons.train_value(X[:20], y[:20], steps=3)
    _, tensor_losses, _ = moons.train_tensor(X[:20], y[:20], steps=3)
    np.testing.assert_allclose(value_losses, tensor_losses, rtol=1e-12)
    assert value_losses[2] < value_losses[0]


def test_micrograd_takes_the_same_steps_where_installed(moons):
    pytest.importorskip("micrograd")
    X, y = moons.make_moons()
    _, micrograd_losses, _ = moons.train_micrograd(X[:10], y[:10], steps=2)
    _, value_losses, _ = moons.train_value(X[:10], y[:10], steps=2)
    np.testing.assert_allclose(value_losses, micrograd_losses, rtol=1e-12)


def test_the_demo_prints_each_engine_s_accuracy_and_draws_the_boundary(moons, tmp_path, capsys):
    results = moons.main([str(tmp_path), "--engines", "tensor"])
    out = capsys.readouterr().out
    assert results["tensor"][0] == 1.0
    assert "tinygrad_lite Tensor: accuracy 100%" in out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "no picture: matplotlib is missing" in out
    else:
        assert (tmp_path / "moons.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("argv, message", [
    (["--engines", "jax"], "--engines takes value, tensor, micrograd, got ['jax']"),
    (["--steps", "0"], "--steps must be >= 1"),
])  # fmt: skip
def test_the_demo_refuses_unknown_engines_and_no_steps(moons, tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit):
        moons.main([str(tmp_path), *argv])
    assert message in capsys.readouterr().err
