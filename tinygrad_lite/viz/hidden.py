"""The hidden space: where each input lands among the hidden neurons, and where each output wins.

When input n fires alone, the hidden layer outputs its *code*, h_n = act(W1[:, n] + b1).
Output m's logit is then w_m . h_n + b_m, with w_m its row of W2: the output whose
weight vector points most nearly along the code (and is longest) wins. With H = 2
hidden neurons that is a picture: `draw_hidden_space(model)` draws the codes as
points in the tanh square [-1, 1]^2, each output's weights as an arrow, and
shades the region of the square where each output wins (exactly: each region is
the square cut by the half-planes where m beats every other output). The
network is right on input n when h_n lies in output n+1's region.
H = 1 draws each output's logit as a line over h (only the ends can win);
H >= 3 draws the three planes of hidden neurons 1, 2 and 3, without regions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import checks
from ..functional import activate
from ..tensor import Tensor
from .svg import Drawing, document, element

_INK, _GRID, _RIGHT, _WRONG = "#222", "#999", "#2ca02c", "#d62728"
_FONT, _SMALL = 14, 13  # px; nothing smaller, so it reads on a projector
_MARGIN = 30  # px around a plane, for the labels of points on its edge
_BOUNDS = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


def draw_hidden_space(
    model: Any, *, title: str = "", arrow_scale: float | None = None, size: float = 400
) -> Drawing:
    """The codes of a one-hidden-layer MLP's inputs and its outputs' winning regions, as SVG.

    `size` is the width in pixels. `arrow_scale` is the |w| drawn as an arrow
    reaching the edge of the square (default: the longest output weight
    vector); fix it to compare snapshots taken during training. Inputs are
    numbered from 1; a code is ringed green when output n+1 wins for input n
    (the shift task's rule), red when another does.
    """
    w_in, b_in, w_out, b_out, activation = _weights(model)
    codes = _codes(w_in, b_in, activation)
    scale = _arrow_scale(arrow_scale, w_out)
    space = _Space(_bounds(activation, codes), w_out, b_out, scale)
    hidden = w_in.shape[0]
    if hidden == 1:
        return Drawing(_line(space, codes, title, size))
    if hidden == 2:
        return Drawing(_plane_picture(space, codes, title, size))
    return Drawing(_planes(space, codes, title, size, hidden))


def codes_and_winners(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """(codes (n_in, H), winners (n_in,)): each input's hidden values when it fires alone, and the
    output (numbered from 1) whose logit is largest there: what `draw_hidden_space` draws."""
    w_in, b_in, w_out, b_out, activation = _weights(model)
    codes = _codes(w_in, b_in, activation)
    return codes, _winners(codes, w_out, b_out) + 1


def winning_region(w_out: np.ndarray, b_out: np.ndarray, m: int, square: tuple[float, float]) -> np.ndarray:
    """The corners (k, 2) of the part of `square` x `square` where output m (from 0) has the largest
    logit w . h + b: the square clipped by the half-plane (w_m - w_j) . h + b_m - b_j >= 0 of each j."""
    lo, hi = square
    polygon = np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]], dtype=np.float64)
    for j in range(len(w_out)):
        if j != m and len(polygon):
            polygon = _clip(polygon, w_out[m] - w_out[j], b_out[m] - b_out[j])
    return polygon


def _clip(polygon: np.ndarray, a: np.ndarray, c: float) -> np.ndarray:
    """The part of a convex polygon where a . p + c >= 0 (one step of Sutherland-Hodgman)."""
    side = polygon @ a + c
    kept = []
    for k in range(len(polygon)):
        p, q, sp, sq = polygon[k], polygon[(k + 1) % len(polygon)], side[k], side[(k + 1) % len(polygon)]
        if sp >= 0:
            kept.append(p)
        if (sp >= 0) != (sq >= 0):
            kept.append(p + (q - p) * sp / (sp - sq))
    return np.array(kept).reshape(-1, 2)


# ---- reading the model ---------------------------------------------------------------------


def _weights(model: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(W1 (H, n_in), b1 (H,), W2 (n_out, H), b2 (n_out,), activation), zeros for missing biases."""
    layers = getattr(model, "layers", None)
    if getattr(model, "copies", None) is not None or not layers or len(layers) != 2:
        raise TypeError(
            "draw_hidden_space: expects an MLP with one hidden layer (one network, such as "
            f"train_shift(...).model), got {_describe(model)}"
        )
    arrays = []
    for layer in layers:
        w = np.asarray(layer.weight.data, dtype=np.float64)
        b = np.zeros(len(w)) if layer.bias is None else np.asarray(layer.bias.data, dtype=np.float64)
        arrays += [w, b]
    return (*arrays, model.activation)


def _codes(w_in: np.ndarray, b_in: np.ndarray, activation: str) -> np.ndarray:
    """Each input's code h_n = act(W1[:, n] + b1), one row per input."""
    return np.asarray(activate(Tensor(w_in.T + b_in), activation).data, dtype=np.float64)


def _winners(codes: np.ndarray, w_out: np.ndarray, b_out: np.ndarray) -> np.ndarray:
    """For each code, the output (from 0) with the largest logit w_m . h + b_m."""
    return np.argmax(codes @ w_out.T + b_out, axis=1)


def _describe(model: Any) -> str:
    layers = getattr(model, "layers", None)
    copies = getattr(model, "copies", None)
    if copies is not None:
        return f"an MLP holding {copies} networks; draw one: model.copy(k)"
    return f"an MLP with {len(layers)} layers" if layers else type(model).__name__


def _arrow_scale(arrow_scale: float | None, w_out: np.ndarray) -> float:
    if arrow_scale is None:
        return float(np.linalg.norm(w_out, axis=1).max()) or 1.0
    return checks.positive_number("draw_hidden_space", "arrow_scale", arrow_scale)


def _bounds(activation: str, codes: np.ndarray) -> tuple[float, float]:
    """The square the codes live in: tanh's [-1, 1], sigmoid's [0, 1], else around the codes and 0."""
    if activation in _BOUNDS:
        return _BOUNDS[activation]
    reach = float(np.abs(codes[np.isfinite(codes)]).max(initial=0.0)) * 1.1 or 1.0
    return (0.0 if activation == "relu" else -reach), reach


class _Space:
    """The numbers every drawing of one model shares, and the map from hidden values to pixels."""

    def __init__(self, square, w_out, b_out, scale) -> None:
        self.square, self.w_out, self.b_out, self.scale = square, w_out, b_out, scale

    def hue(self, m: int) -> float:
        return 360.0 * m / len(self.w_out)


def _colour(space: _Space, m: int, dark: bool) -> str:
    return f"hsl({space.hue(m):.0f}, {'65%, 32%' if dark else '70%, 88%'})"


# ---- H = 2: the plane ----------------------------------------------------------------------


def _plane_picture(space: _Space, codes: np.ndarray, title: str, size: float) -> str:
    head = [title or "The hidden space (h1, h2)"]
    side = size - 2 * _MARGIN
    top = 14 + 20 * len(head)
    parts = [
        element(
            "text", line, x=size / 2, y=18 + 20 * k, text_anchor="middle", font_weight="bold", font_size=_FONT
        )
        for k, line in enumerate(head)
    ]
    parts += _plane(space, codes, (0, 1), _MARGIN, top + _MARGIN, side, regions=True)
    notes = [
        "shade: where output m wins; arrow: its weights",
        "dot: input n's code; green ring: output n+1 wins",
    ]
    bottom = top + side + 3 * _MARGIN - 2
    parts += [
        element("text", note, x=size / 2, y=bottom + 16 * k, text_anchor="middle", font_size=_SMALL)
        for k, note in enumerate(notes)
    ]
    return document(size, bottom + 16 * len(notes), parts)


def _plane(space, codes, pair, left, top, side, *, regions: bool) -> list[str]:
    """One plane of hidden neurons `pair` at (left, top), `side` pixels square: regions, arrows, codes."""
    lo, hi = space.square

    def px(p: np.ndarray) -> tuple[float, float]:
        return left + (p[0] - lo) / (hi - lo) * side, top + (hi - p[1]) / (hi - lo) * side

    parts = [element("rect", x=left, y=top, width=side, height=side, fill="#fafafa", stroke=_GRID)]
    w_out = space.w_out[:, list(pair)]
    if regions:
        for m in range(len(w_out)):
            parts += _region(space, m, px)
    parts += _axes(space, pair, px, left, top, side)
    for m in range(len(w_out)):
        parts += _arrow(space, m, w_out[m], px, side)
    winners = _winners(codes, space.w_out, space.b_out)
    for n in range(len(codes)):
        parts += _code(codes[n, list(pair)], n, winners[n], len(codes), px, space)
    return parts


def _region(space: _Space, m: int, px) -> list[str]:
    polygon = winning_region(space.w_out, space.b_out, m, space.square)
    if len(polygon) < 3:
        return []
    corners = [px(p) for p in polygon]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)
    parts = [element("polygon", points=points, fill=_colour(space, m, False), stroke="white")]
    x, y = _label_place(polygon, space.square, px)
    area = 0.5 * abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(corners, corners[1:] + corners[:1])))
    if area > 900:  # room for a label (about 30 x 30 px)
        parts.append(
            element(
                "text",
                f"out {m + 1}",
                x=f"{x:.1f}",
                y=f"{y + 5:.1f}",
                text_anchor="middle",
                fill=_colour(space, m, True),
                font_size=_SMALL,
            )
        )
    return parts


def _label_place(polygon: np.ndarray, square: tuple[float, float], px) -> tuple[float, float]:
    """Where a region's name goes: the middle of its corners on the square's edge, moved 24 px inward."""
    on_edge = [px(p) for p in polygon if np.isclose(p, square[0]).any() or np.isclose(p, square[1]).any()]
    points = np.array(on_edge or [px(p) for p in polygon])
    x, y = points.mean(axis=0)
    centre = np.mean([px(p) for p in polygon], axis=0)
    inward = centre - (x, y)
    x, y = np.array([x, y]) + inward / (np.linalg.norm(inward) or 1.0) * min(24, np.linalg.norm(inward))
    return x, y


def _axes(space: _Space, pair, px, left, top, side) -> list[str]:
    """Dashed lines through the origin, and the names and range of the two hidden neurons."""
    lo, hi = space.square
    x0, y0 = px(np.array([max(lo, 0.0), max(lo, 0.0)]))
    dashed = {"stroke": _GRID, "stroke_dasharray": "3 3"}
    return [
        element("line", x1=left, x2=left + side, y1=f"{y0:.1f}", y2=f"{y0:.1f}", **dashed),
        element("line", x1=f"{x0:.1f}", x2=f"{x0:.1f}", y1=top, y2=top + side, **dashed),
        element(
            "text",
            f"h{pair[0] + 1}: {lo:g} to {hi:g} \u2192",
            x=left + side,
            y=top + side + 36,
            text_anchor="end",
            font_size=_SMALL,
        ),
        element("text", f"\u2191 h{pair[1] + 1}", x=left - 2, y=top - 12, font_size=_SMALL),
    ]


def _arrow(space: _Space, m: int, w: np.ndarray, px, side: float) -> list[str]:
    """Output m's weights as an arrow from the origin: length |w| / scale of the half-square."""
    lo, hi = space.square
    origin = np.array([max(lo, 0.0)] * 2)
    length = float(np.linalg.norm(w))
    if length == 0 or not np.isfinite(length):
        return []
    tip = origin + w / space.scale * (hi - lo) / 2
    (x0, y0), (x1, y1) = px(origin), px(tip)
    angle = math.atan2(y1 - y0, x1 - x0)
    head = [(x1, y1)] + [(x1 - 9 * math.cos(angle + s), y1 - 9 * math.sin(angle + s)) for s in (0.4, -0.4)]
    colour = _colour(space, m, True)
    return [
        element(
            "line",
            x1=f"{x0:.1f}",
            y1=f"{y0:.1f}",
            x2=f"{x1:.1f}",
            y2=f"{y1:.1f}",
            stroke=colour,
            stroke_width=2,
        ),
        element("polygon", points=" ".join(f"{x:.1f},{y:.1f}" for x, y in head), fill=colour),
    ]


def _code(point: np.ndarray, n: int, winner: int, count: int, px, space: _Space) -> list[str]:
    """Input n's code: a dot, ringed green or red by whether output n+1 wins, labelled with n."""
    x, y = px(point)
    has_target = n + 1 < len(space.w_out) and n + 1 < count
    ring = (_RIGHT if winner == n + 1 else _WRONG) if has_target else _GRID
    lo, hi = space.square
    centre = px(np.array([(lo + hi) / 2] * 2))
    away = np.array([x - centre[0], y - centre[1]])
    away = away / (np.linalg.norm(away) or 1.0) * 14
    return [
        element("circle", cx=f"{x:.1f}", cy=f"{y:.1f}", r=5, fill=_INK, stroke=ring, stroke_width=3),
        element(
            "text",
            str(n + 1),
            x=f"{x + away[0]:.1f}",
            y=f"{y + away[1] + 5:.1f}",
            text_anchor="middle",
            font_weight="bold",
            font_size=_FONT,
        ),
    ]


# ---- H >= 3: three planes; H = 1: the line --------------------------------------------------


def _planes(space: _Space, codes: np.ndarray, title: str, size: float, hidden: int) -> str:
    """Hidden neurons 1-3 seen along the planes (h1, h2), (h1, h3), (h2, h3), in a 2 x 2 grid."""
    side = (size - 3 * _MARGIN) / 2
    head = title or f"The hidden space of {hidden} neurons, along three planes"
    parts = [_heading(head, size)]
    for k, pair in enumerate([(0, 1), (0, 2), (1, 2)]):
        left = _MARGIN + (k % 2) * (side + _MARGIN)
        top = 34 + _MARGIN + (k // 2) * (side + 2 * _MARGIN)
        parts += _plane(space, codes, pair, left, top, side, regions=False)
    notes = [
        f"neurons 1-3{'' if hidden == 3 else f' of {hidden}'}, seen flat;",
        "the regions are not flat:",
        "they are not shaded.",
        "dot: input n's code;",
        "green ring:",
        "output n+1 wins",
    ]
    x, y = 1.5 * _MARGIN + side * 1.5, 34 + side + 3 * _MARGIN + 10
    parts += _notes(notes, x, y)
    return document(size, 34 + 2 * side + 5 * _MARGIN + 10, parts)


def _heading(text: str, size: float) -> str:
    return element("text", text, x=size / 2, y=18, text_anchor="middle", font_weight="bold", font_size=_FONT)


def _notes(lines: list[str], x: float, y: float) -> list[str]:
    return [
        element("text", line, x=f"{x:.1f}", y=f"{y + 17 * k:.1f}", text_anchor="middle", font_size=_SMALL)
        for k, line in enumerate(lines)
    ]


def _line(space: _Space, codes: np.ndarray, title: str, size: float) -> str:
    """H = 1: output m's logit v_m h + b_m is a line over h; the top line wins, so (without biases)
    only the outputs with the largest and the smallest v ever win: the two ends of the line."""
    lo, hi = space.square
    left, top, width, height = _MARGIN + 10, 52, size - 2 * _MARGIN - 10, size * 0.5
    reach = space.scale * max(abs(lo), abs(hi)) + float(np.abs(space.b_out).max(initial=0.0))

    def px(h: float, logit: float) -> tuple[float, float]:
        return left + (h - lo) / (hi - lo) * width, top + (reach - logit) / (2 * reach) * height

    parts = [
        _heading(title or "One hidden neuron: each logit is a line", size),
        element("rect", x=left, y=top, width=width, height=height, fill="#fafafa", stroke=_GRID),
        element("text", "\u2191 logit", x=left - 2, y=top - 10, font_size=_SMALL),
    ]
    hs = np.linspace(lo, hi, 400)  # an even count: h = 0, where every logit ties, is not among them
    winners = np.argmax(np.outer(hs, space.w_out[:, 0]) + space.b_out, axis=1)
    for m in range(len(space.w_out)):
        (x0, y0), (x1, y1) = (px(h, space.w_out[m, 0] * h + space.b_out[m]) for h in (lo, hi))
        line = {"x1": f"{x0:.1f}", "y1": f"{y0:.1f}", "x2": f"{x1:.1f}", "y2": f"{y1:.1f}"}
        width_px = 3 if (winners == m).any() else 1
        parts.append(element("line", stroke=_colour(space, m, True), stroke_width=width_px, **line))
    parts += _winning_stretches(space, hs, winners, px, top + height)
    labels, rows = _stacked_labels([px(float(h), 0.0)[0] for h in codes[:, 0]], top + height + 44)
    parts += labels
    biased = bool(np.any(space.b_out))
    notes = [
        f"h: {lo:g} to {hi:g}; the numbers: where each input lands",
        f"the top line wins: {len(set(winners.tolist()))} of {len(space.w_out)} outputs ever do",
        *(
            ["with biases, lines can take turns on top"]
            if biased
            else ["no bias: for h > 0 the steepest line up wins,", "for h < 0 the steepest line down"]
        ),
    ]
    bottom = top + height + 44 + 17 * rows + 8
    parts += _notes(notes, size / 2, bottom)
    return document(size, bottom + 17 * len(notes), parts)


def _stacked_labels(xs: list[float], y: float) -> tuple[list[str], int]:
    """Input numbers at `xs`, a label that would touch one to its left put on the next row down."""
    rows: list[float] = []  # the right end of the last label in each row
    parts = []
    for n in np.argsort(xs, kind="stable"):
        x = xs[n]
        row = next((r for r, end in enumerate(rows) if x - 10 > end), len(rows))
        rows[row : row + 1] = [x + 10]
        attrs = {"text_anchor": "middle", "font_weight": "bold", "font_size": _SMALL}
        parts.append(element("text", str(n + 1), x=f"{x:.1f}", y=f"{y + 17 * row:.1f}", **attrs))
    return parts, len(rows)


def _winning_stretches(space, hs, winners, px, y) -> list[str]:
    """A coloured bar under the plot for each stretch of h where one output wins, with its name."""
    parts, start = [], 0
    for k in range(1, len(hs) + 1):
        if k == len(hs) or winners[k] != winners[start]:
            (x0, _), (x1, _) = px(float(hs[start]), 0.0), px(float(hs[k - 1]), 0.0)
            m = int(winners[start])
            bar = {"x": f"{x0:.1f}", "y": f"{y + 4:.1f}", "width": f"{max(x1 - x0, 1):.1f}", "height": 18}
            parts.append(element("rect", fill=_colour(space, m, False), **bar))
            if x1 - x0 > 44:
                name = {"x": f"{(x0 + x1) / 2:.1f}", "y": f"{y + 18:.1f}", "text_anchor": "middle"}
                parts.append(
                    element("text", f"out {m + 1}", fill=_colour(space, m, True), font_size=_SMALL, **name)
                )
            start = k
    return parts
