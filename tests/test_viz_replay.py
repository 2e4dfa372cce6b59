"""Tests for viz/replay.py: the backward pass step by step, and the engine's observer it builds on."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tests.viz_helpers import SVG
from tinygrad_lite import Tensor, Value, op
from tinygrad_lite.engine import backward, topological_order
from tinygrad_lite.functional import value_cross_entropy
from tinygrad_lite.nn import ValueMLP
from tinygrad_lite.viz import record_backward, watch_backward


def expression() -> tuple[Value, Value, Value]:
    """(a, b, c) with c = tanh(a*b + e^a): `a` is used twice."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.label = "c"
    return a, b, c


def a_plus_a() -> tuple[Value, Value]:
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    return a, b


def boxes(svg: str) -> dict[str, list[str]]:
    """The lines of text of each labelled box in a graph picture, by its label (the first line)."""
    root = ET.fromstring(svg.encode("utf-8"))
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            lines = [t.text or "" for t in group.iter(f"{SVG}text")]
            if lines:
                found[lines[0]] = lines[1:]
    return found


def edge_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    return [
        t.text or "" for g in root.iter(f"{SVG}g") if g.get("class") == "edge" for t in g.iter(f"{SVG}text")
    ]


def contributions(lines: list[str]) -> list[float]:
    return [float(line.removeprefix("+= ")) for line in lines if line.startswith("+= ")]


# ---- the engine's observer ------------------------------------------------------------


def test_on_step_sees_every_chain_rule_step_once() -> None:
    a, b, c = expression()
    seen = []
    backward(c, 1.0, on_step=lambda node, g, parts: seen.append((node, g, list(parts))))
    inner = [node for node in reversed(topological_order(c)) if node.parents]
    assert [node for node, _, _ in seen] == inner  # leaves take no step
    for node, g, parts in seen:
        assert g == node.grad and parts == [local * g for local in node.backward_fn(1.0)]
    plain_a, plain_b, plain_c = expression()
    plain_c.backward()
    assert (a.grad, b.grad) == (plain_a.grad, plain_b.grad)


# ---- record_backward ------------------------------------------------------------------


def test_steps_sum_to_every_leafs_grad_and_leave_the_graph_untouched() -> None:
    a, b, c = expression()
    steps = record_backward(c)
    assert len(steps) == 4 and steps[0].node is c and steps[0].g == 1.0
    assert all(node.grad == 0.0 for node in topological_order(c))  # watching ran on the side
    received = {a: 0.0, b: 0.0}
    for step in steps:
        assert step.contributions == pytest.approx([local * step.g for local in step.local])
        for parent, part in zip(step.node.parents, step.contributions):
            if parent in received:
                received[parent] += part
    c.backward()
    assert received[a] == pytest.approx(a.grad) and received[b] == pytest.approx(b.grad)
    grads = [node.grad for node in topological_order(c)]
    record_backward(c)  # after backward too: the grads stay as they were
    assert [node.grad for node in topological_order(c)] == grads


def test_a_value_used_twice_receives_twice() -> None:
    a, b = a_plus_a()
    (step,) = record_backward(b)
    assert step.node.parents == (a, a) and step.contributions == (1.0, 1.0) and step.local == (1.0, 1.0)


def test_a_user_defined_op_is_watched_like_a_built_in_one() -> None:
    x = Value(0.5, label="x")
    y = op("sin", float(np.sin(x.data)), (x,), lambda g: (g * float(np.cos(x.data)),))
    (step,) = record_backward(y)
    assert step.local == (pytest.approx(np.cos(0.5)),)
    (frame,) = watch_backward(y).frames()
    assert "sin" in boxes(frame) and "+= 0.8776" in boxes(frame)["x"]  # the oval, and what x received


# ---- the frames -----------------------------------------------------------------------


def test_one_frame_per_step_and_the_shown_contributions_sum_to_each_leafs_grad() -> None:
    a, b, c = expression()
    player = watch_backward(c)
    frames = list(player.frames())
    assert len(player) == len(frames) == len(record_backward(c)) == 4
    c.backward()
    last = boxes(frames[-1])
    for leaf in (a, b):
        shown = last[leaf.label]
        assert f"grad {leaf.grad:.4g}" in shown
        assert sum(contributions(shown)) == pytest.approx(leaf.grad, rel=1e-3)
    assert len(contributions(last["a"])) == 2  # a*b and e^a both pass to a
    assert "grad not computed yet" in boxes(frames[0])["a"]  # backward has not reached a yet
    assert "Step 1 of 4: backward starts at c" in player.captions[0]


def test_a_plus_a_shows_two_contributions_to_a() -> None:
    _, b = a_plus_a()
    (frame,) = watch_backward(b).frames()
    assert contributions(boxes(frame)["a"]) == [1.0, 1.0] and "grad 2" in boxes(frame)["a"]
    assert edge_labels(frame).count("1 × 1 = 1") == 2


def centres(svg: str) -> list[float]:
    """x, y of the centre of each box and oval of a graph picture, in drawing order."""
    found = []
    for group in ET.fromstring(svg.encode("utf-8")).iter(f"{SVG}g"):
        shape = next((e for e in group if e.tag in (f"{SVG}polygon", f"{SVG}ellipse")), None)
        if group.get("class") == "node" and shape is not None:
            if shape.get("points"):
                xs, ys = zip(*(map(float, p.split(",")) for p in shape.get("points").split()))
                found += [(min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2]
            else:
                found += [float(shape.get("cx")), float(shape.get("cy"))]
    return found


def test_frames_share_one_layout() -> None:
    _, _, c = expression()
    frames = list(watch_backward(c).frames())
    first = centres(frames[0])
    assert len(first) == 2 * 10  # 6 boxes, 4 ops
    for svg in frames[1:]:  # nothing moves from frame to frame
        assert centres(svg) == pytest.approx(first, abs=0.5)
    widths = {float(re.search(r'<svg width="([\d.]+)pt"', svg)[1]) for svg in frames}
    assert max(widths) - min(widths) <= 4


def test_a_network_replay_names_parameters() -> None:
    net = ValueMLP(3, 1, 2, rng=0, bias=False)
    loss = value_cross_entropy(net([1.0, 0.0, 0.0]), 1)
    loss.label = "loss"
    player = watch_backward(loss, params=net)
    assert len(player) == len(record_backward(loss))
    assert "layers.0.weight.0.0 (w1[0,0])" in boxes(list(player.frames())[-1])


# ---- bad input ---------------------------------------------------------------------------


def chain(n: int) -> Value:
    v = Value(1.0)
    for _ in range(n):
        v = v * 2.0
    return v


# fmt: off
BAD_INPUT = [
    ("watch_backward-tensor", lambda: watch_backward(Tensor([1.0], requires_grad=True).sum()), TypeError,
     r"^watch_backward: expects a scalar Value graph, got Tensor; for a Tensor graph, draw_graph\(loss\)"),
    ("watch_backward-leaf", lambda: watch_backward(Value(1.0, label="x")), ValueError,
     r"^watch_backward: x is a leaf; there is no backward pass to watch"),
    ("watch_backward-max_frames", lambda: watch_backward(chain(20), max_frames=5), ValueError,
     r"^watch_backward: the pass from the \* result has 20 steps, more than max_frames=5; watch a smaller"),
    ("watch_backward-max_frames-type", lambda: watch_backward(chain(2), max_frames=0), ValueError,
     r"^watch_backward: max_frames must be a positive int, got 0"),
    ("watch_backward-fps", lambda: watch_backward(chain(2), fps=-1), ValueError,
     r"^Player: fps must be a positive finite number, got -1"),
    ("record_backward-type", lambda: record_backward(3.0), TypeError,
     r"^record_backward: expects a scalar Value graph, got float"),
    ("record_backward-tensor", lambda: record_backward(Tensor([1.0], requires_grad=True).sum()), TypeError,
     r"^record_backward: expects a scalar Value graph, got Tensor; for a Tensor graph, draw_graph\(loss\)"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
