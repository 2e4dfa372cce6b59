"""Shared test setup: hypothesis profiles and the strategies the op tests draw inputs from.

Two hypothesis profiles:

- "dev" (the default): a fresh random sample of examples on every run, no deadline
  (a shared machine can be slow, and a slow example is not a wrong one);
- "ci" (chosen when the environment has CI=true): the same settings, but
  derandomized, so a CI run is reproducible example for example.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_lite import Tensor, gradcheck

settings.register_profile("dev", deadline=None, max_examples=20)
settings.register_profile("ci", settings.get_profile("dev"), derandomize=True, database=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


# ---- numbers, with the domains of the ops -----------------------------------------


def param(array) -> Tensor:
    """A float64 Tensor that requires grad (a copy: gradcheck nudges its data in place)."""
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def constant(array) -> Tensor:
    """A float64 Tensor that needs no gradient (a copy)."""
    return Tensor(np.array(array, dtype=np.float64))


def random_array(*shape: int, seed: int = 0) -> np.ndarray:
    """Standard normal numbers of `shape`, the same for the same seed."""
    return np.random.default_rng(seed).standard_normal(shape)


def reals(bound: float = 2.0) -> st.SearchStrategy[float]:
    """Any float in [-bound, bound]: the domain of exp, tanh, sigmoid, +, *."""
    return st.floats(-bound, bound, allow_subnormal=False)


def positives(low: float = 0.2, high: float = 3.0) -> st.SearchStrategy[float]:
    """Floats in [low, high]: the domain of log and of x ** p for non-integer p."""
    return st.floats(low, high)


def away_from_zero(low: float = 0.2, high: float = 3.0) -> st.SearchStrategy[float]:
    """Floats with low <= |x| <= high, either sign: for division, and for relu's kink at 0.

    Finite differences step eps = 1e-6 either side of x, so x must not be that close to
    a point where the function has no derivative.
    """
    return st.floats(low, high) | st.floats(-high, -low)


# ---- float64 arrays ---------------------------------------------------------------

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


def arrays(shape: tuple[int, ...], elements: st.SearchStrategy[float] | None = None) -> st.SearchStrategy:
    """float64 arrays of `shape` (elements in [-2, 2] unless told otherwise)."""
    return hnp.arrays(np.float64, shape, elements=reals() if elements is None else elements)


@st.composite
def distinct_arrays(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """float64 arrays of `shape` whose elements differ by at least 0.5 (no ties, no near-ties).

    For max: where two elements tie it has no derivative, and a near-tie closer than the
    finite-difference step makes the numeric estimate meaningless.
    """
    size = int(np.prod(shape))
    order = draw(st.permutations(range(size)))
    return np.array(order, dtype=np.float64).reshape(shape) * 0.5 - 1.0


def avoiding(*kinks: float, bound: float = 2.0, gap: float = 0.05) -> st.SearchStrategy[float]:
    """Floats in [-bound, bound] at least `gap` from each kink: for ops with a corner there (clip, relu6)."""
    return reals(bound).filter(lambda x: all(abs(x - k) >= gap for k in kinks))


def grid(offset: float, bound: int = 4) -> st.SearchStrategy[float]:
    """Multiples of 0.5 shifted by `offset`: two grids with offsets 0 and 0.25 never tie (for maximum)."""
    return st.integers(-bound, bound).map(lambda k: k * 0.5 + offset)


# ---- PyTorch as the oracle, where it is installed -----------------------------------------------


def assert_matches_torch(ours, theirs, data: np.ndarray, rtol: float) -> None:
    """ours(Tensor) and theirs(torch tensor) agree on data, forward and backward (a random g), in float64."""
    torch = pytest.importorskip("torch")
    x = Tensor(np.array(data, dtype=np.float64), requires_grad=True)
    out = ours(x)
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(g)
    x_t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    out_t = theirs(x_t)
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=rtol, atol=1e-15)
    np.testing.assert_allclose(x.grad, x_t.grad.numpy(), rtol=rtol, atol=1e-15)


def check_elementwise(op, reference, domain: st.SearchStrategy[float], data: st.DataObject) -> None:
    """op on an array drawn from `domain`, any shape: float64 of that shape, the reference's values, and
    gradients that agree with central differences."""
    x = data.draw(arrays(data.draw(shapes, label="shape"), domain), label="x")
    out = op(param(x))
    assert out.shape == x.shape and out.dtype == np.float64
    np.testing.assert_allclose(out.data, reference(x), rtol=1e-12, atol=1e-15)
    assert gradcheck(op, [param(x)])
