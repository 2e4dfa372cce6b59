"""The training film: the seed's network diagram while it learns, beside its loss and accuracy curves.

`train_shift(ShiftConfig(..., record_every=k))` keeps the weights every k updates;
`training_film(result)` draws each snapshot with `draw_network` (one line
width scale for the whole run, so frames compare) and plays them in the
`Player` next to the curves, a red line marking the frame's step.
"""

from __future__ import annotations

import html

import numpy as np

from ..nn import MLP
from ..shift.training import ShiftResult
from .network import draw_network
from .player import Player

# The curves: one panel for the loss (log scale), one for the accuracy, in SVG units.
_WIDTH, _PANEL, _LEFT, _RIGHT, _TOP, _GAP = 360, 150, 52, 14, 28, 48
_MAX_POINTS = 800  # a long run's curve is thinned to this many points


def training_film(result: ShiftResult, *, fps: float = 8.0) -> Player:
    """The snapshots `result` kept (`ShiftConfig(..., record_every=k)`) as a `Player`.

    Each frame is the network diagram at one step: blue weights positive, red
    negative, line width |weight| on one scale per layer for the whole run;
    the step, loss and accuracy are in its title and caption. Beside it, the
    loss and accuracy curves of the whole run, with the frame's step marked.
    """
    if not isinstance(result, ShiftResult):
        raise TypeError(f"training_film: expects a ShiftResult from train_shift, got {type(result).__name__}")
    if not result.snapshots:
        raise ValueError(
            "training_film: the result kept no snapshots; train with ShiftConfig(..., record_every=k)"
        )
    model = _same_network(result)
    names = [f"layers.{k}.weight" for k in range(len(model.layers))]
    scale = [max(float(np.abs(state[name]).max()) for _, state in result.snapshots) or 1.0 for name in names]
    last = result.snapshots[-1][0]
    frames, captions = [], []
    for step, state in result.snapshots:
        model.load_state_dict(state)
        caption = _caption(result, step, last)
        frames.append(draw_network(model, weight_scale=scale, title=caption).svg())
        captions.append(caption)
    chart, marks = _curves(result, [step for step, _ in result.snapshots])
    pace = f"One frame every {result.snapshots[1][0]:,} updates. " if len(result.snapshots) > 1 else ""
    return Player(
        frames,
        captions,
        title=f"The seed's network learning the shift task: N={result.n}, H={result.hidden}",
        intro=(
            f"{pace}Blue lines are positive weights, red negative; the thickest "
            "line of a layer is the largest |weight| it reaches in the whole run, so widths compare across "
            "frames. The numbers on an input or output neuron are its weights to or from the hidden neurons, "
            "as in the seed. Right: loss and accuracy of the whole run; the red line is the frame's step."
        ),
        side=chart,
        marks=marks,
        fps=fps,
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
    last = max(len(result.losses) - 1, 1)
    xs = _LEFT + (_WIDTH - _LEFT - _RIGHT) * np.arange(len(result.losses)) / last
    log_loss = np.log10(np.maximum(result.losses, 1e-12))
    low, high = float(np.floor(log_loss.min())), float(np.ceil(log_loss.max()))
    high = max(high, low + 1)
    bottom = _TOP + 2 * _PANEL + _GAP
    parts = [
        *_panel("loss (log scale)", xs, log_loss, (low, high), (f"1e{low:.0f}", f"1e{high:.0f}"), _TOP),
        *_panel("accuracy", xs, result.accuracies, (0.0, 1.0), ("0%", "100%"), _TOP + _PANEL + _GAP),
        f'<text x="{_LEFT}" y="{bottom + 16}" text-anchor="middle">0</text>',
        f'<text x="{(_LEFT + _WIDTH - _RIGHT) / 2}" y="{bottom + 16}" text-anchor="middle">update</text>',
        f'<text x="{_WIDTH - _RIGHT}" y="{bottom + 16}" text-anchor="middle">{last:,}</text>',
    ]
    if result.solved_at is not None:
        parts += _solved_line(result, xs[result.solved_at], bottom)
    marks = [round(float(xs[step]), 1) for step in steps]
    parts.append(
        f'<line class="tgl-mark" x1="{marks[0]}" x2="{marks[0]}" y1="{_TOP}" y2="{bottom}" '
        'stroke="#d62728" stroke-width="2"/>'
    )
    height = bottom + 24
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" font-size="11">'
        + "".join(parts)
        + "</svg>"
    )
    return svg, marks


def _solved_line(result: ShiftResult, x: float, bottom: float) -> list[str]:
    """A dashed green line at the update from which every example is right."""
    return [
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_TOP}" y2="{bottom}" stroke="#2ca02c" '
        'stroke-dasharray="4 3"/>',
        f'<text x="{x + 4:.1f}" y="{bottom - 6}" fill="#2ca02c">'
        f"all {result.n - 1} right from update {result.solved_at:,}</text>",
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
