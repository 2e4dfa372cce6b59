"""The network diagram: an MLP drawn the way the seed post draws it, neurons in columns.

`draw_network(mlp)` places every neuron itself (Graphviz's `neato` keeps the
places) and draws one line per weight: blue positive, red negative, thicker
for a larger |weight|. `x=k` adds the seed's worked example: what each neuron
computes when input k fires.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import Any

import graphviz
import numpy as np

from .. import checks
from ..engine import no_grad
from ..functional import activate
from ..numerics import log_softmax
from ..tensor import Tensor
from .labels import html_text, number, signed
from .rendering import Picture

_FONT = "Helvetica"
_BLUE, _RED = "#1f5fbf", "#d62728"
_FIRES_FILL, _WINS_FILL = "#fff1b8", "#cdeccd"
_PER_NEURON_MAX = 8  # a neuron lists at most this many weights; a layer that needs more lists none
_PER_LINE = 4  # weights written on one line of a neuron
_NUMBERS_MAX = 200  # by default, weights are written down for networks with at most this many
_CHAR_WIDTH = 0.07  # inches: about the width of a character of Helvetica 10, for a column's width


def draw_network(
    model: Any,
    x: Any = None,
    *,
    numbers: bool | None = None,
    weight_scale: float | Sequence[float] | None = None,
    title: str = "",
    legend: bool = True,
) -> Picture:
    """The MLP as the seed post draws it: neurons in columns, inputs left, outputs right.

    Neurons are numbered from 1, as in the seed. One line per weight: blue for
    positive, red for negative, thicker for a larger |w|; the thickest line of
    a layer is its largest |w|, or `weight_scale` (one number, or one per
    layer: fix it to compare snapshots taken during training). Lines leave a
    neuron on its right and end on the left of the next, so none passes under
    a box. With `numbers` (default: at most 200 weights) the weights are written
    on the neurons, as in the seed: an input lists its weights into the first
    hidden layer, every other neuron the weights coming into it, in order. A
    layer that would put more than 8 on a neuron is not written, and the title
    says so. `x` adds what each neuron computes for one input: an int k means
    "input k fires" (`x=3` draws the seed's worked example; it is shaded yellow),
    or give all n_in numbers. The output with the largest logit wins (green).
    `legend=False` leaves out the lines that explain the colours and numbers.
    """
    layers = _weights(model)
    sizes = [layers[0][0].shape[1]] + [w.shape[0] for w, _ in layers]
    numbers = sum(w.size for w, _ in layers) <= _NUMBERS_MAX if numbers is None else numbers
    written = [numbers and _per_neuron(sizes, k) <= _PER_NEURON_MAX for k in range(len(layers))]
    scales = _scales(weight_scale, [w for w, _ in layers])
    sums, outs = _activations(model, _input_vector(x, sizes[0])) if x is not None else (None, None)
    dot = graphviz.Digraph("network")
    text = _title(model, sizes, x, outs, title, (numbers, written), legend)
    if text:
        dot.attr(label=f"<{html_text(text)}>", labelloc="t", fontname=_FONT)
    dot.attr(outputorder="edgesfirst", splines="false", overlap="true")
    dot.attr("node", fontname=_FONT, fontsize="10", style="filled", fillcolor="white")
    dot.attr("edge", dir="none")
    labels = [
        [_neuron_text(model, layers, written, col, i, sums, outs) for i in range(n)]
        for col, n in enumerate(sizes)
    ]
    _add_neurons(dot, sizes, labels, numbers)
    for k, (w, _) in enumerate(layers):
        _add_weights(dot, k, w, scales[k], numbers, None if outs is None else outs[k])
    return Picture(dot.source, engine="neato")


# ---- what is drawn: the weights, and the activations for one input ----------------------


def _weights(model: Any) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """(weight, bias) arrays of each layer; weight has shape (out_features, in_features)."""
    copies = getattr(model, "copies", None)
    if copies is not None:
        raise TypeError(
            f"draw_network: this MLP holds {copies} networks (copies={copies}); draw one of them: "
            "draw_network(mlp.copy(k))"
        )
    layers = getattr(model, "layers", None)
    if not layers or not all(_is_one_linear(layer) for layer in layers):
        raise TypeError(
            "draw_network: expects an MLP (a model whose .layers are Linear layers with a Tensor .weight), "
            f"got {type(model).__name__}"
        )
    return [(layer.weight.data, None if layer.bias is None else layer.bias.data) for layer in layers]


def _is_one_linear(layer: Any) -> bool:
    """A Linear layer of one network: a Tensor weight of shape (out_features, in_features)."""
    weight = getattr(layer, "weight", None)
    return isinstance(weight, Tensor) and weight.ndim == 2


def _input_vector(x: Any, n_in: int) -> np.ndarray:
    """x as an input vector: an int k means "input k fires", counting from 1 as the seed does."""
    if checks.is_int(x):
        if not 1 <= x <= n_in:
            raise ValueError(f"draw_network: x={x} names no input; inputs are numbered 1 to {n_in}")
        return np.eye(n_in)[x - 1]
    try:
        vector = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"draw_network: x must be an input's number or {n_in} numbers, got {x!r}") from None
    if vector.shape != (n_in,):
        raise ValueError(f"draw_network: x must be an input's number or {n_in} numbers, got {vector.shape}")
    return vector


@no_grad()
def _activations(model: Any, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """What each column computes for input x: its inputs to the activation and its outputs."""
    a = Tensor(x[None].astype(model.layers[0].weight.dtype))  # a batch of one
    sums, outs = [x], [x]
    for k, layer in enumerate(model.layers):
        z = layer(a)
        a = z if k == len(model.layers) - 1 else activate(z, model.activation)
        sums.append(z.data[0])
        outs.append(a.data[0])
    return sums, outs


def _scales(weight_scale: float | Sequence[float] | None, weights: list[np.ndarray]) -> list[float]:
    """The |w| drawn with the thickest line, per layer."""
    if weight_scale is None:
        return [float(np.abs(w).max()) or 1.0 for w in weights]
    scales = [weight_scale] * len(weights) if checks.is_number(weight_scale) else weight_scale
    if not _positive_numbers(scales, len(weights)):
        raise ValueError(
            f"draw_network: weight_scale must be a positive number or {len(weights)} of them "
            f"(one per layer), got {weight_scale!r}"
        )
    return [float(s) for s in scales]


def _positive_numbers(xs: Any, n: int) -> bool:
    """Is xs a list (tuple, array) of n finite numbers > 0?"""
    if isinstance(xs, str) or not isinstance(xs, (Sequence, np.ndarray)) or len(xs) != n:
        return False
    return all(checks.is_number(x) and 0 < x < math.inf for x in xs)


# ---- how it is drawn ---------------------------------------------------------------------


def _colour(w: float, faded: bool = False) -> str:
    return (_BLUE if w >= 0 else _RED) + ("40" if faded else "")


def _per_neuron(sizes: list[int], k: int) -> int:
    """How many of layer k's weights one neuron lists: an input its weights out (layer 0),
    any other neuron its weights in."""
    return sizes[1] if k == 0 else sizes[k]


def _add_neurons(dot: graphviz.Digraph, sizes: list[int], labels: list[list], numbers: bool) -> None:
    """Each column of neurons at its place, all columns spread over the same height."""
    if numbers:  # tall enough for the tallest label of each column (about 0.17 inch a line)
        tallest = [max(text.count("<br/>") + 1 for text, _ in column) for column in labels]
        height = max(n * (0.17 * lines + 0.2) for n, lines in zip(sizes, tallest))
        widths = [_CHAR_WIDTH * max(_longest_line(text) for text, _ in column) + 0.15 for column in labels]
        attrs = {"shape": "box", "style": "rounded,filled", "margin": "0.05,0.03", "height": "0.25"}
    else:
        row = max(0.12, min(0.5, 10 / max(sizes)))  # inches between neurons
        height = row * max(sizes)
        widths = [min(0.4, row * 0.7)] * len(sizes)
        attrs = {"shape": "circle", "fixedsize": "true"}
    gap = max(1.1, 0.27 * height)  # inches between the columns' facing edges
    x = 0.0
    for col, (n, column) in enumerate(zip(sizes, labels)):
        x += widths[col] / 2 + (gap + widths[col - 1] / 2 if col else 0)
        for i, (text, fill) in enumerate(column):
            # Each column spreads over the same height: two hidden neurons sit high and low.
            pos = f"{x:.2f},{(n / 2 - i - 0.5) * height / n:.2f}!"
            text = text if numbers or height / max(sizes) >= 0.3 else ""
            # One width for the whole column: a line that ends on its left edge passes under no box.
            size = {"width": f"{widths[col]:.2f}"}
            dot.node(f"c{col}n{i}", f"<{text}>" if text else "", pos=pos, fillcolor=fill, **attrs, **size)


def _longest_line(label: str) -> int:
    """The characters of the longest line of an HTML-like label, tags left out."""
    return max(len(html.unescape(re.sub(r"<[^>]*>", "", line))) for line in label.split("<br/>"))


def _add_weights(dot: graphviz.Digraph, k: int, w: np.ndarray, scale: float, numbers: bool, inputs) -> None:
    """One line per weight of layer k, from the right edge of a neuron to the left edge of the next;
    lines from neurons that output 0 for this input fade."""
    thin, thick = (0.3, 3.7) if numbers else (0.1, 1.4)
    for j, i in np.ndindex(*w.shape):
        faded = inputs is not None and inputs[i] == 0
        width = f"{thin + thick * min(abs(w[j, i]) / scale, 1.0):.2f}"
        dot.edge(f"c{k}n{i}:e", f"c{k + 1}n{j}:w", color=_colour(w[j, i], faded), penwidth=width)


def _title(model, sizes, x, outs, title: str, numbers_written: tuple, legend: bool) -> str:
    numbers, written = numbers_written
    lines = [title or f"MLP {'-'.join(map(str, sizes))} ({model.activation} hidden, softmax out)"]
    if outs is not None:
        fired = f"input {x} fires" if checks.is_int(x) else "for the given input"
        lines.append(f"{fired}: output {int(np.argmax(outs[-1])) + 1} wins")
    if not legend:
        return "\n".join(line for line in lines if line.strip())
    lines.append("blue: positive weight, red: negative, thicker: larger |weight| (within a layer)")
    if outs is not None:
        lines.append("yellow: the input that fires; green: the output that wins (largest logit)")
    if any(written):
        lines.append("numbers on an input: its weights out, in order; on a later neuron: its weights in")
    for k, done in enumerate(written):
        if numbers and not done:
            lines.append(
                f"layer {k + 1}'s weights ({sizes[k]} -> {sizes[k + 1]}) not written: "
                f"{_per_neuron(sizes, k)} per neuron, more than {_PER_NEURON_MAX}"
            )
    return "\n".join(lines)


def _neuron_text(model, layers, written, col, i, sums, outs) -> tuple[str, str]:
    """The HTML label and fill colour of neuron i in column col."""
    last = len(layers)
    if col in (0, last):
        name = f"{'in' if col == 0 else 'out'} {i + 1}"
    else:
        name = f"h{i + 1}" if last == 2 else f"h{col}.{i + 1}"  # h2.1: hidden layer 2, neuron 1
    lines, fill = [f"<b>{name}</b>"], "white"
    if outs is not None:
        if col == 0:
            lines.append(f"x = {number(outs[0][i])}")
            fill = _FIRES_FILL if outs[0][i] != 0 else fill
        elif col == last:
            p = np.exp(log_softmax(outs[col].astype(np.float64)))
            lines.append(f"logit {number(outs[col][i])}  p {p[i]:.3g}")
            fill = _WINS_FILL if i == int(np.argmax(outs[col])) else fill
        else:
            lines.append(f"{model.activation}({number(sums[col][i])}) = {number(outs[col][i])}")
    weights = _weights_on_neuron(layers, written, col, i)
    if weights:  # the name and the first weights share a line, as in the seed
        lines[0] += "&#160;" + weights.pop(0)
    return "<br/>".join(lines + weights), fill


def _weights_on_neuron(layers, written, col, i) -> list[str]:
    """The seed's numbers: an input's weights out, a neuron after the first hidden layer its weights
    in (the first hidden layer's are on the inputs), and any neuron's bias; _PER_LINE to a line."""
    k = 0 if col == 0 else col - 1
    weights = [] if not written[k] or col == 1 else layers[0][0][:, i] if col == 0 else layers[k][0][i]
    # Graphviz places each <font> element by Helvetica's widths; a browser without Helvetica draws
    # wider text, so two no-break spaces before each number keep the numbers apart there too.
    texts = [f'<font color="{_colour(w)}">&#160;&#160;{signed(w)}</font>' for w in weights]
    lines = ["".join(texts[s : s + _PER_LINE]) for s in range(0, len(texts), _PER_LINE)]
    if col > 0 and layers[k][1] is not None:
        lines.append(f"bias {signed(layers[k][1][i])}")
    return lines
