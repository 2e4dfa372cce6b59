"""The training film: the seed's network and its hidden space while it learns, beside the curves.

`train_shift(ShiftConfig(..., record_every=1))` keeps the weights at every update;
`training_film(result)` picks about 200 of them where the learning is (`film_steps`:
many frames while the loss, the accuracy and the weights move fast, few on the
plateau), draws each with `draw_network` and `draw_hidden_space` (one scale for
the whole run, so frames compare) and plays them in the `Player` next to the
loss and accuracy curves, a red line marking the frame's step.
"""

from __future__ import annotations

import html

import numpy as np

from .. import checks
from ..nn import MLP
from ..shift.training import ShiftResult
from .hidden import draw_hidden_space
from .network import draw_network
from .player import Player
from .svg import side_by_side

# The curves: one panel for the loss (log scale), one for the accuracy, in pixels.
_WIDTH, _PANEL, _LEFT, _RIGHT, _TOP, _GAP = 270, 130, 46, 12, 26, 54
_MAX_POINTS = 800  # a long run's curve is thinned to this many points
_HIDDEN_SIZE = 350  # the hidden space's width in a frame, in pixels
# How the frames are shared out: each of the loss, the log loss, the accuracy and the weights (relative
# to their size) travels its whole way once in the run; a stretch of updates gets frames in proportion
# to the share of those ways it covers, and _TIME of the frames are spread evenly over the updates,
# so the plateau after the learning is not skipped.
_TIME = 0.2


def film_steps(result: ShiftResult, frames: int = 200) -> list[int]:
    """The steps of at most `frames` of `result.snapshots`, placed where the learning is.

    Between consecutive snapshots, the change is the distance covered by the loss,
    the log loss, the accuracy and the weights (|dW| / |W|), each as a share of its
    total over the run, averaged, with a fifth of the weight on the number of
    updates. Frames are spaced evenly in that cumulative change: dense while the
    network learns, sparse once it has. The first and last snapshot are always in.
    """
    frames = checks.positive_int("training_film", "frames", frames)
    steps = np.array([step for step, _ in result.snapshots])
    if len(steps) <= frames:
        return steps.tolist()
    covered = np.concatenate([[0.0], np.cumsum(_change(result, steps))])
    picked = _spread(covered, frames)
    for more in range(frames + 1, 8 * frames):  # a jump takes several frames' share: ask for more
        wider = _spread(covered, more)
        if len(wider) > frames:
            break
        picked = wider
    return steps[picked].tolist()


def _change(result: ShiftResult, steps: np.ndarray) -> np.ndarray:
    """How much changes between consecutive snapshots, as a share of the whole run's change."""
    weights = np.stack([np.concatenate([w.ravel() for w in state.values()]) for _, state in result.snapshots])
    with np.errstate(all="ignore"):
        losses = result.losses[steps]
        moves = [
            np.abs(np.diff(losses)),
            np.abs(np.diff(np.log10(losses))),
            np.abs(np.diff(result.accuracies[steps])),
            np.linalg.norm(np.diff(weights, axis=0), axis=1) / np.linalg.norm(weights[1:], axis=1),
        ]
        shares = [m / m.sum() for m in moves]
    learning = np.mean([s if np.isfinite(s).all() else np.zeros_like(s) for s in shares], axis=0)
    return (1 - _TIME) * learning + _TIME * np.diff(steps) / (steps[-1] - steps[0])


def _spread(covered: np.ndarray, count: int) -> np.ndarray:
    """The indices of `count` points evenly spaced in `covered` (cumulative change), first and last in."""
    picked = np.searchsorted(covered, np.linspace(0, covered[-1], count), side="left")
    return np.unique(np.concatenate([[0], np.minimum(picked, len(covered) - 1), [len(covered) - 1]]))


def training_film(result: ShiftResult, *, frames: int = 200, fps: float = 8.0) -> Player:
    """The snapshots `result` kept (`ShiftConfig(..., record_every=1)` for a film that follows the
    learning) as a `Player` of at most `frames` frames, chosen by `film_steps`.

    Each frame is the network diagram at one step (blue weights positive, red
    negative, line width |weight| on one scale per layer for the whole run) and
    its hidden space (`draw_hidden_space`, arrows on one scale for the run). The
    step, loss and accuracy are in the caption. Beside them, the loss and
    accuracy curves of the whole run, with the frame's step marked.
    """
    if not isinstance(result, ShiftResult):
        raise TypeError(f"training_film: expects a ShiftResult from train_shift, got {type(result).__name__}")
    if not result.snapshots:
        raise ValueError(
            "training_film: the result kept no snapshots; train with ShiftConfig(..., record_every=k)"
        )
    steps = film_steps(result, frames)
    states = dict(result.snapshots)
    model = _same_network(result)
    names = [f"layers.{k}.weight" for k in range(len(model.layers))]
    scale = [max(float(np.abs(states[step][name]).max()) for step in steps) or 1.0 for name in names]
    arrows = max(float(np.linalg.norm(states[step][names[-1]], axis=1).max()) for step in steps) or 1.0
    pictures, captions = [], []
    for step in steps:
        model.load_state_dict(states[step])
        diagram = draw_network(model, weight_scale=scale, legend=False, title=" ").svg()
        hidden = draw_hidden_space(model, arrow_scale=arrows, size=_HIDDEN_SIZE).svg()
        pictures.append(side_by_side([diagram, hidden]))
        captions.append(_caption(result, step, steps[-1]))
    chart, marks = _curves(result, steps)
    return Player(
        pictures,
        captions,
        title=f"The seed's network learning the shift task: N={result.n}, H={result.hidden}",
        intro=_intro(result, steps),
        side=chart,
        marks=marks,
        fps=fps,
    )


def _intro(result: ShiftResult, steps: list[int]) -> str:
    early = "" if result.solved_at is None else sum(step < result.solved_at for step in steps)
    pace = (
        f"The frames follow the learning: {early} of {len(steps)} come before update "
        f"{result.solved_at:,}, when every example is first right. "
        if result.solved_at is not None
        else f"{len(steps)} frames, dense where the loss, accuracy and weights move fast. "
    )
    return (
        f"{pace}Left: the network, blue lines positive weights, red negative, the thickest line of a "
        "layer its largest |weight| in the whole run; the numbers on an input are its weights into "
        "h1, h2; on an output, its weights from them. Middle: the hidden space, each input's code "
        "(h1, h2 when it fires alone) and the region where each output wins; the network is right on "
        "input n when its code lies in output n+1's region. Right: loss and accuracy of the whole run; "
        "the red line is the frame's step."
    )


def _same_network(result: ShiftResult) -> MLP:
    """A fresh MLP shaped like the one `result` trained, to load each snapshot into."""
    layer = result.model.layers[0]
    return MLP(
        result.n,
        result.hidden,
        result.n,
        activation=result.model.activation,
        bias=layer.bias is not None,
        dtype=layer.weight.dtype,
    )


def _caption(result: ShiftResult, step: int, last: int) -> str:
    right = round(float(result.accuracies[step]) * (result.n - 1))
    return (
        f"step {step:,} of {last:,}: loss {result.losses[step]:.4g}, "
        f"accuracy {result.accuracies[step]:.0%} ({right} of {result.n - 1} examples right)"
    )


# ---- the curves beside the film ----------------------------------------------------------


def _curves(result: ShiftResult, steps: list[int]) -> tuple[str, list[float]]:
    """The SVG of the loss and accuracy curves, and the x of each frame's step on it."""
    last = len(result.losses) - 1  # 0 for a run of no updates: one point
    # A square-root scale of updates: the early updates, where most is learned, get room.
    xs = _LEFT + (_WIDTH - _LEFT - _RIGHT) * np.sqrt(np.arange(len(result.losses)) / max(last, 1))
    log_loss = np.log10(np.maximum(result.losses, 1e-12))
    low, high = float(np.floor(log_loss.min())), float(np.ceil(log_loss.max()))
    high = max(high, low + 1)
    bottom = _TOP + 2 * _PANEL + _GAP
    parts = [
        *_panel("loss (log scale)", xs, log_loss, (low, high), (f"1e{low:.0f}", f"1e{high:.0f}"), _TOP),
        *_panel("accuracy", xs, result.accuracies, (0.0, 1.0), ("0%", "100%"), _TOP + _PANEL + _GAP),
        *_ticks(xs, last, bottom),
        f'<text x="{_WIDTH - _RIGHT}" y="{bottom + 34}" text-anchor="end">update (square-root scale)</text>',
    ]
    if result.solved_at is not None:
        parts += _solved_line(result, xs[result.solved_at], bottom)
    marks = [round(float(xs[step]), 1) for step in steps]
    parts.append(
        f'<line class="tgl-mark" x1="{marks[0]}" x2="{marks[0]}" y1="{_TOP}" y2="{bottom}" '
        'stroke="#d62728" stroke-width="2"/>'
    )
    height = bottom + 40
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" font-size="13">'
        + "".join(parts)
        + "</svg>"
    )
    return svg, marks


def _ticks(xs: np.ndarray, last: int, bottom: float) -> list[str]:
    """Update numbers under the curves: 0, the powers of ten that fit, and the last update."""
    shown = [0]
    for step in (10**k for k in range(1, 7)):  # 40 px apart, so that the numbers never touch
        if step < last and xs[step] - xs[shown[-1]] >= 40 and xs[last] - xs[step] >= 40:
            shown.append(step)
    if last > 0:
        shown.append(last)
    anchors = ["start"] + ["middle"] * (len(shown) - 2) + ["end"] * (len(shown) > 1)
    return [
        f'<text x="{xs[step]:.1f}" y="{bottom + 16}" text-anchor="{anchor}">{step:,}</text>'
        for step, anchor in zip(shown, anchors)
    ]


def _solved_line(result: ShiftResult, x: float, bottom: float) -> list[str]:
    """A dashed green line at the update from which every example is right."""
    anchor, dx = ("start", 4) if x < _WIDTH / 2 else ("end", -4)
    return [
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_TOP}" y2="{bottom}" stroke="#2ca02c" '
        'stroke-dasharray="4 3"/>',
        f'<text x="{x + dx:.1f}" y="{bottom - 6}" fill="#2ca02c" text-anchor="{anchor}">'
        f"all right from {result.solved_at:,}</text>",
    ]


def _panel(
    name: str, xs: np.ndarray, values: np.ndarray, limits: tuple, ticks: tuple, top: float
) -> list[str]:
    """One curve in a box _PANEL high with its top edge at `top`; `limits`: the values at bottom and top."""
    low, high = limits
    ys = top + _PANEL * (1 - (np.asarray(values, dtype=float) - low) / (high - low))
    keep = np.unique(np.linspace(0, len(xs) - 1, min(len(xs), _MAX_POINTS)).round().astype(int))
    points = " ".join(f"{xs[i]:.1f},{ys[i]:.1f}" for i in keep)
    right = _WIDTH - _RIGHT
    return [
        f'<text x="{_LEFT}" y="{top - 8}" font-weight="bold">{html.escape(name)}</text>',
        f'<rect x="{_LEFT}" y="{top}" width="{right - _LEFT}" height="{_PANEL}" fill="#fafafa" '
        'stroke="#999"/>',
        f'<text x="{_LEFT - 4}" y="{top + 4}" text-anchor="end">{ticks[1]}</text>',
        f'<text x="{_LEFT - 4}" y="{top + _PANEL + 4}" text-anchor="end">{ticks[0]}</text>',
        f'<polyline points="{points}" fill="none" stroke="#1f5fbf" stroke-width="1.5"/>',
    ]
