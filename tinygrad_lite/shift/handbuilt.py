"""The seed's network built by hand: weights set, not trained, for any N and H >= 2, and where floats stop it.

The seed's author doubted he could set the weights of the eleven-input network by hand. In exact
arithmetic two tanh neurons carry any N: give each input that fires its own code (the hidden values
when it fires alone) on a circle, point output n+1's weights at input n's code, and output n+1
wins for input n, because among points on a circle the dot product is largest for the point itself.
Floating point is what stops it: the winner's lead shrinks like 1/N^2 next to the logits' size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import checks
from ..nn import MLP
from ..tensor import Tensor
from . import task

GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))  # turn between consecutive points of a Fibonacci sphere


def handbuilt_codes(n: int, hidden: int = 2, radius: float = 0.9) -> np.ndarray:
    """The code of each input that fires, as an (n-1, hidden) array of hidden values.

    H = 2: the n-1 codes are evenly spaced on the circle of `radius`, input k at angle
    2*pi*(k-1)/(n-1). H >= 3: they lie on the sphere of `radius` in the first three hidden
    neurons, spread as a Fibonacci sphere (point i at height 1 - 2(i + 1/2)/(n-1), turned by the
    golden angle each step); further neurons stay 0, since three already separate any N.
    """
    n, hidden = _check("handbuilt_codes", n, hidden, radius)
    m, codes = n - 1, np.zeros((n - 1, hidden))
    i = np.arange(m)
    if hidden == 2:
        angle = 2 * np.pi * i / m
        codes[:, 0], codes[:, 1] = np.cos(angle), np.sin(angle)
    else:
        height = 1 - 2 * (i + 0.5) / m
        ring, turn = np.sqrt(1 - height**2), GOLDEN_ANGLE * i
        codes[:, 0], codes[:, 1], codes[:, 2] = ring * np.cos(turn), ring * np.sin(turn), height
    return radius * codes


def handbuilt_network(
    n: int, hidden: int = 2, *, margin: float = 10.0, radius: float = 0.9, dtype: Any = np.float64
) -> MLP:
    """The seed's network n -> hidden tanh -> n, with weights set by hand to solve the shift task.

    Input k's weights are arctanh of its code c_k (`handbuilt_codes`), so when input k fires
    alone the hidden neurons output exactly c_k. Output k+1's weights are s * c_k, so its logit
    for input k is s * (c_k . c_k), and for any other output j it is s * (c_{j-1} . c_k), smaller
    (0 for output 1, whose weights are 0; input n never fires and gets 0 too). The scale s makes
    the smallest lead of the right logit over the best wrong one exactly `margin` (in exact
    arithmetic); softmax then gives every other output at most exp(-margin) times the winner's
    probability. Built in float64, then rounded to `dtype`.
    """
    if not (isinstance(margin, (int, float)) and 0 < margin < math.inf):
        raise ValueError(f"handbuilt_network: margin must be a positive finite number, got {margin!r}")
    n, hidden = _check("handbuilt_network", n, hidden, radius)
    codes = handbuilt_codes(n, hidden, radius)
    scale = margin / _smallest_lead(codes)
    w_in, w_out = np.zeros((hidden, n)), np.zeros((n, hidden))
    w_in[:, : n - 1] = np.arctanh(codes).T
    w_out[1:] = scale * codes
    model = MLP(n, hidden, n, dtype=dtype)
    model.load_state_dict({"layers.0.weight": w_in.astype(dtype), "layers.1.weight": w_out.astype(dtype)})
    return model


def _smallest_lead(codes: np.ndarray) -> float:
    """min over codes c of c.c - max(0, c'.c for every other code c'): the lead at scale 1."""
    m, leads = len(codes), []
    for start in range(0, m, _rows(m)):
        gram = codes[start : start + _rows(m)] @ codes.T
        rows = np.arange(len(gram))
        own = gram[rows, start + rows].copy()
        gram[rows, start + rows] = -np.inf
        leads.append(own - np.maximum(gram.max(axis=1), 0.0))
    return float(np.concatenate(leads).min())


def task_margin(model: MLP) -> tuple[float, float]:
    """(accuracy, margin) of a shift-task network, computed by running it in its own dtype.

    The margin is the smallest lead, over the n-1 examples, of the right output's logit over the
    best wrong one: positive when every example is right, and how far each is from going wrong.
    The examples run in chunks, so a network with tens of thousands of inputs fits in memory.
    """
    if not isinstance(model, MLP) or model.copies is not None:
        raise TypeError(f"task_margin: expects one MLP such as handbuilt_network(11), got {model!r}")
    n = model.layers[0].in_features
    if model.layers[-1].out_features != n:
        outputs = model.layers[-1].out_features
        raise ValueError(f"task_margin: the shift task needs as many outputs as inputs, got {n} -> {outputs}")
    dtype, rows, leads = model.layers[0].weight.dtype, _rows(n), []
    for start in range(0, n - 1, rows):
        k = np.arange(start, min(start + rows, n - 1))  # inputs k+1 fire; output k+2 (index k+1) should win
        x = np.zeros((len(k), n), dtype)
        x[np.arange(len(k)), k] = 1
        logits = model(Tensor(x)).data
        right = logits[np.arange(len(k)), k + 1].copy()
        logits[np.arange(len(k)), k + 1] = -np.inf
        leads.append(right - logits.max(axis=1))
    lead = np.concatenate(leads)
    return float((lead > 0).mean()), float(lead.min())


def _rows(n: int) -> int:
    """How many rows of n numbers to take at a time: about 4 million numbers."""
    return max(1, 2**22 // n)


@dataclass(frozen=True)
class FloatLimit:
    """Where a hand-built network stops being 100% right in one float type."""

    dtype: str
    hidden: int
    largest_n: int  # the largest N tried below the first failure (every N tried up to it was right)
    margin_left: float  # task_margin's margin at largest_n (it was built for `margin`)
    first_failure: int | None  # the first N tried that got an example wrong; None if none up to max_n
    tried: tuple[tuple[int, float, float], ...]  # (N, accuracy, margin) for each N tried

    def __str__(self) -> str:
        failure = "none wrong" if self.first_failure is None else f"first wrong at N={self.first_failure}"
        return (
            f"{self.dtype}, H={self.hidden}: every N tried up to {self.largest_n} 100% right "
            f"(margin left {self.margin_left:.3g}); {failure} ({len(self.tried)} N tried)"
        )


def float_limit(
    dtype: Any, hidden: int = 2, *, margin: float = 10.0, max_n: int = 2**15, ratio: float = 2 ** (1 / 16)
) -> FloatLimit:
    """Where `handbuilt_network(N, hidden, dtype=dtype)` stops getting every example right.

    Tries N from 4 up, each about `ratio` times the last (4% apart by default), until the network
    gets an example wrong or N passes `max_n`. Each try runs the whole network on all N-1 examples
    (`task_margin`), so the cost grows as N^2. Near the limit, rounding decides each N on its own
    (a tie between two logits one unit in the last place apart), so the failures start as a band
    in which some N are right and some wrong: `largest_n` is where every N tried was still right.
    """
    dtype = np.dtype(checks.float_dtype("float_limit", dtype))
    max_n = task.node_count("float_limit", max_n, "max_n")
    hidden = checks.positive_int("float_limit", "hidden", hidden)
    if not (checks.is_number(ratio) and 1 < ratio < math.inf):
        raise ValueError(f"float_limit: ratio must be a number > 1, got {ratio!r}")
    tried, n = [], 4
    while n <= max_n:
        accuracy, lead = task_margin(handbuilt_network(n, hidden, margin=margin, dtype=dtype))
        tried.append((n, accuracy, lead))
        if accuracy < 1.0:
            break
        n = max(n + 1, round(n * ratio))
    good = [t for t in tried if t[1] == 1.0]
    first_failure = tried[-1][0] if tried[-1][1] < 1.0 else None
    return FloatLimit(dtype.name, hidden, good[-1][0], good[-1][2], first_failure, tuple(tried))


def _check(owner: str, n: Any, hidden: Any, radius: Any) -> tuple[int, int]:
    """n and hidden as ints, if the network they describe can be built by hand."""
    n = task.node_count(owner, n)
    hidden = checks.positive_int(owner, "hidden", hidden)
    if hidden < 2:
        raise ValueError(
            f"{owner}: hidden must be at least 2; one tanh neuron lets only two outputs ever win "
            f"(tutorial, section 2), got {hidden}"
        )
    if not (checks.is_number(radius) and 0 < radius < 1):
        raise ValueError(f"{owner}: radius must be in (0, 1), inside tanh's range, got {radius!r}")
    return n, hidden
