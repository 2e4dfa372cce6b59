"""Watch a backward pass: one picture per chain-rule step of a scalar graph, in the player.

`record_backward(root)` runs the engine's one backward loop with an observer
(`engine.backward(..., on_step=...)`) and keeps what each step did;
`watch_backward(root)` draws every step with `draw_graph` and returns a
`Player`. At step k the node whose gradient is complete (every node that uses
it is done) passes it on: each parent receives local derivative × g, and adds
it (+=) to what it has already received. `b = a + a` shows `a` receiving twice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .draw import _HIGHLIGHT, Diagram, _num, draw_graph, render_source
from .engine import backward, topological_order
from .player import Player
from .value import Value

_MAX_TERMS = 4  # a box lists at most this many of the contributions it received


@dataclass(frozen=True)
class Step:
    """One chain-rule step: `node` has its whole gradient `g` and passes it to its parents.

    `contributions[i]` = node.local_grads[i] * g goes to node.parents[i].
    """

    node: Value
    g: float
    contributions: tuple[float, ...]


def record_backward(root: Value) -> list[Step]:
    """The steps of a backward pass from `root` (d root / d root = 1), in the order the engine takes them.

    The pass runs on the side: every `.grad` is left as it was, so watching
    changes nothing (call `root.backward()` for the gradients themselves).
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"watch_backward: expects a scalar Value graph, got {type(root).__name__}; "
            "for a Tensor graph, draw_graph(loss) after loss.backward() shows each grad's norm"
        )
    nodes = topological_order(root)
    saved = [(node.grad, node.has_grad) for node in nodes]
    steps: list[Step] = []
    try:
        backward(
            root,
            1.0,
            on_step=lambda node, g, contributions: steps.append(Step(node, g, tuple(contributions))),
        )
    finally:
        for node, (grad, has_grad) in zip(nodes, saved):
            node.grad, node.has_grad = grad, has_grad
    return steps


def _name(node: Value) -> str:
    if node.label:
        return node.label
    return f"the {node.op} result" if node.op else f"the constant {_num(node.data)}"


def _caption(k: int, steps: list[Step]) -> str:
    step = steps[k]
    name = _name(step.node)
    if k == 0:
        head = f"backward starts at {name}: its gradient with respect to itself is g = 1."
    else:
        head = f"every node that uses {name} is done, so its gradient is complete: g = {_num(step.g)}."
    terms = [
        f"{_name(parent)} += {_num(local)} × {_num(step.g)} = {_num(c)}"
        for parent, local, c in zip(step.node.parents, step.node.local_grads, step.contributions)
    ]
    return (
        f"Step {k + 1} of {len(steps)}: {head}\n"
        f"Chain rule through {step.node.op}, each input gets local derivative × g:  " + ";  ".join(terms)
    )


def _annotations(steps: list[Step], root: Value) -> tuple[dict, dict, dict]:
    """What the graph shows after `steps`: grads so far, the += lines of each box, the edges' products."""
    received: dict[Value, list[float]] = {}
    edge_notes: dict[tuple[Value, Value], str] = {}
    for step in steps:
        for parent, local, c in zip(step.node.parents, step.node.local_grads, step.contributions):
            received.setdefault(parent, []).append(c)
            edge_notes[parent, step.node] = f"{_num(local)} × {_num(step.g)} = {_num(c)}"
    grads = {parent: sum(cs) for parent, cs in received.items()}
    notes = {parent: _sum_note(cs) for parent, cs in received.items()}
    grads[root], notes[root] = 1.0, "seed: 1"
    return grads, notes, edge_notes


def _sum_note(contributions: list[float]) -> str:
    """The += lines of a box: each contribution received so far."""
    lines = [f"+= {_num(c)}" for c in contributions[:_MAX_TERMS]]
    if len(contributions) > _MAX_TERMS:
        lines.append(f"… and {len(contributions) - _MAX_TERMS} more")
    return "\n".join(lines)


def _padded(note: str, lines: int) -> str:
    """`note` with blank lines added, up to `lines` lines."""
    have = note.split("\n") if note else []
    return "\n".join(have + [" "] * (lines - len(have)))


# ---- one layout for every frame -------------------------------------------------------
#
# Laid out afresh, each frame would move its boxes as their text changes. So dot lays
# out once the widest picture (every grad "not computed yet", every note and edge
# label of the last frame); each frame then draws its boxes at those places and
# sizes, and its edges along those routes (`neato -n2` draws what it is given).

_EDGE = re.compile(r"\t(\w+) -> (\w+)")
_BOX = re.compile(r"\t(\w+) \[label=<<table ")


def _layout(diagram: Diagram) -> dict:
    """Where dot puts each node (and how big it makes each box), and each edge's route.

    Two invisible points mark the corners of the whole picture, so that every
    frame has the same size.
    """
    laid = json.loads(render_source(diagram.source, "json0", "dot"))  # json0: no drawing operations
    objects = laid.get("objects", [])
    names = {o["_gvid"]: o["name"] for o in objects}
    x0, y0, x1, y1 = laid["bb"].split(",")
    places = {o["name"]: o["pos"] for o in objects} | {"corner0": f"{x0},{y0}", "corner1": f"{x1},{y1}"}
    sizes = {o["name"]: (round(float(o["width"]) * 72), round(float(o["height"]) * 72)) for o in objects}
    routes: dict[tuple[str, str], list[str]] = {}
    for e in laid.get("edges", []):
        route = " ".join(f'{key}="{e[key]}"' for key in ("pos", "lp") if key in e)
        routes.setdefault((names[e["tail"]], names[e["head"]]), []).append(route)
    return {"places": places, "sizes": sizes, "routes": routes}


def _pinned_svg(diagram: Diagram, layout: dict) -> str:
    """The picture with every box and edge where, and as big as, `layout` made them."""
    used: dict[tuple[str, str], int] = {}
    body = []
    for line in diagram.body:
        edge, box = _EDGE.match(line), _BOX.match(line)
        if edge:  # a second attribute list: a -> b [pos=...] [label=...]
            key = (edge[1], edge[2])
            route = layout["routes"][key][used.get(key, 0)]
            used[key] = used.get(key, 0) + 1
            line = f"{line[: edge.end()]} [{route}]{line[edge.end() :]}"
        elif box:  # a table is at least as big as its width and height say
            width, height = layout["sizes"][box[1]]
            line = f'{line[: box.end()]}width="{width}" height="{height}" {line[box.end() :]}'
        body.append(line)
    body += [f'\t{name} [pos="{pos}"]\n' for name, pos in layout["places"].items()]
    body += [f"\t{name} [shape=point style=invis width=0 height=0]\n" for name in ("corner0", "corner1")]
    diagram.body = body
    return render_source(diagram.source, "svg", "neato", options=["-n2"]).decode("utf-8")


def watch_backward(root: Value, *, params: Any = None, fps: float = 1.0, max_frames: int = 300) -> Player:
    """The backward pass from `root`, one frame per chain-rule step, as a `Player`.

    Each frame is `draw_graph(root)` after one more step. In red: the node
    passing its gradient on and the edges it goes along to its inputs. Each
    edge says local derivative × upstream gradient = contribution; each box
    lists the contributions it has received (+=), whose sum is its grad; nodes
    backward has not reached say "grad not computed yet". `params` names
    parameters as in `draw_graph`. Display it in Jupyter, `.save("replay.html")`,
    or take `.frames()` (SVGs). The graph's own grads are not changed.
    """
    steps = record_backward(root)
    if not steps:
        raise ValueError(f"watch_backward: {_name(root)} is a leaf; there is no backward pass to watch")
    if len(steps) > max_frames:
        raise ValueError(
            f"watch_backward: the pass from {_name(root)} has {len(steps)} steps, more than "
            f"max_frames={max_frames}; watch a smaller graph, or raise max_frames"
        )
    _, last_notes, last_edge_notes = _annotations(steps, root)
    widest = draw_graph(root, params=params, grads={}, notes=last_notes, edge_notes=last_edge_notes)
    layout = _layout(widest)
    frames = []
    for k, step in enumerate(steps):
        grads, notes, edge_notes = _annotations(steps[: k + 1], root)
        # Blank lines keep each box as tall as it will be once every contribution is in.
        notes = {
            node: _padded(notes.get(node, ""), last.count("\n") + 1) for node, last in last_notes.items()
        }
        highlight = [step.node, *((parent, step.node) for parent in step.node.parents)]
        picture = draw_graph(
            root, params=params, grads=grads, notes=notes, edge_notes=edge_notes, highlight=highlight
        )
        frames.append(_pinned_svg(picture, layout))
    return Player(
        frames,
        [_caption(k, steps) for k in range(len(steps))],
        title=f"Backward pass of {_name(root)}, one chain-rule step per frame",
        intro=(
            "In red: the node whose gradient is complete, passing it along the edges to its inputs. On each "
            "edge: local derivative × upstream gradient = contribution. In each box: the contributions "
            "received so far (+=); their sum is the grad, so a value used twice receives twice. 'grad not "
            "computed yet': backward has not reached that node. The arrow keys step too."
        ),
        focus=f'[stroke="{_HIGHLIGHT}"]',
        fps=fps,
    )
