"""Watch a backward pass: one picture per chain-rule step of a scalar graph, in the player.

`record_backward(root)` runs the engine's one backward loop with an observer
(`engine.backward(..., on_step=...)`) and keeps what each step did;
`watch_backward(root)` draws every step with `draw_graph` and returns a
`Player`. At step k the node whose gradient is complete (every node that uses
it is done) passes it on: each parent receives local derivative × g, and adds
it (+=) to what it has already received. `b = a + a` shows `a` receiving twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import checks
from ..engine import backward, topological_order
from ..value import Value
from .graph import HIGHLIGHT, draw_graph
from .labels import number
from .player import Player

_MAX_TERMS = 4  # a box lists at most this many of the contributions it received


@dataclass(frozen=True)
class Step:
    """One chain-rule step: `node` has its whole gradient `g` and passes it to its parents.

    `local[i]` = d node / d node.parents[i] (a Value op is linear in g, so it is
    `node.backward_fn(1.0)[i]`), and `contributions[i]` = local[i] * g goes to
    node.parents[i] (None where no gradient flows).
    """

    node: Value
    g: float
    contributions: tuple[float | None, ...]
    local: tuple[float | None, ...]


def record_backward(root: Value) -> list[Step]:
    """The steps of a backward pass from `root` (d root / d root = 1), in the order the engine takes them.

    The pass runs on the side: every `.grad` is left as it was, so watching
    changes nothing (call `root.backward()` for the gradients themselves).
    """
    _check_root("record_backward", root)
    nodes = topological_order(root)
    saved = [node.grad for node in nodes]
    steps: list[Step] = []

    def on_step(node: Value, g: float, contributions: Any) -> None:
        steps.append(Step(node, g, tuple(contributions), tuple(node.backward_fn(1.0))))

    try:
        backward(root, 1.0, on_step=on_step)
    finally:
        for node, grad in zip(nodes, saved):
            node.grad = grad
    return steps


def _check_root(owner: str, root: Any) -> None:
    if not isinstance(root, Value):
        raise TypeError(
            f"{owner}: expects a scalar Value graph, got {type(root).__name__}; "
            "for a Tensor graph, draw_graph(loss) after loss.backward() shows each grad's norm"
        )


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
    _check_root("watch_backward", root)
    max_frames = checks.positive_int("watch_backward", "max_frames", max_frames)
    steps = record_backward(root)
    if not steps:
        raise ValueError(f"watch_backward: {_name(root)} is a leaf; there is no backward pass to watch")
    if len(steps) > max_frames:
        raise ValueError(
            f"watch_backward: the pass from {_name(root)} has {len(steps)} steps, more than "
            f"max_frames={max_frames}; watch a smaller graph, or raise max_frames"
        )
    return Player(
        _frames(root, steps, params),
        [_caption(k, steps) for k in range(len(steps))],
        title=f"Backward pass of {_name(root)}, one chain-rule step per frame",
        intro=(
            "In red: the node whose gradient is complete, passing it along the edges to its inputs. On each "
            "edge: local derivative × upstream gradient = contribution. In each box: the contributions "
            "received so far (+=); their sum is the grad, so a value used twice receives twice. 'grad not "
            "computed yet': backward has not reached that node. The arrow keys step too."
        ),
        focus=f'[stroke="{HIGHLIGHT}"]',
        fps=fps,
    )


def _frames(root: Value, steps: list[Step], params: Any) -> list[str]:
    """The SVG of the graph after each step, every box and edge where they are in the last frame.

    Laid out afresh, each frame would move its boxes as their text changes. So
    dot lays out once the widest picture (every grad "not computed yet", every
    note and edge label of the last frame), and each frame is drawn on its layout.
    """
    _, last_notes, last_edge_notes = _annotations(steps, root)
    widest = draw_graph(root, params=params, grads={}, notes=last_notes, edge_notes=last_edge_notes)
    layout = widest.layout()
    frames = []
    for k, step in enumerate(steps):
        grads, notes, edge_notes = _annotations(steps[: k + 1], root)
        # Blank lines keep each box as tall as it will be once every contribution is in.
        notes = {
            node: _padded(notes.get(node, ""), last.count("\n") + 1) for node, last in last_notes.items()
        }
        highlight = [step.node, *((parent, step.node) for parent in step.node.parents)]
        picture = draw_graph(
            root,
            params=params,
            grads=grads,
            notes=notes,
            edge_notes=edge_notes,
            highlight=highlight,
            layout=layout,
        )
        frames.append(picture.svg())
    return frames


# ---- what a frame says ------------------------------------------------------------------


def _name(node: Value) -> str:
    if node.label:
        return node.label
    return f"the {node.op} result" if node.op else f"the constant {number(node.data)}"


def _flows(step: Step) -> list[tuple[Value, float, float]]:
    """(parent, local derivative, contribution) for each parent of the step's node that receives one."""
    parts = zip(step.node.parents, step.local, step.contributions)
    return [(parent, local, c) for parent, local, c in parts if c is not None]


def _caption(k: int, steps: list[Step]) -> str:
    step = steps[k]
    name = _name(step.node)
    if k == 0:
        head = f"backward starts at {name}: its gradient with respect to itself is g = 1."
    else:
        head = f"every node that uses {name} is done, so its gradient is complete: g = {number(step.g)}."
    terms = [
        f"{_name(parent)} += {number(local)} × {number(step.g)} = {number(c)}"
        for parent, local, c in _flows(step)
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
        for parent, local, c in _flows(step):
            received.setdefault(parent, []).append(c)
            edge_notes[parent, step.node] = f"{number(local)} × {number(step.g)} = {number(c)}"
    grads = {parent: sum(cs) for parent, cs in received.items()}
    notes = {parent: _sum_note(cs) for parent, cs in received.items()}
    grads[root], notes[root] = 1.0, "seed: 1"
    return grads, notes, edge_notes


def _sum_note(contributions: list[float]) -> str:
    """The += lines of a box: each contribution received so far."""
    lines = [f"+= {number(c)}" for c in contributions[:_MAX_TERMS]]
    if len(contributions) > _MAX_TERMS:
        lines.append(f"… and {len(contributions) - _MAX_TERMS} more")
    return "\n".join(lines)


def _padded(note: str, lines: int) -> str:
    """`note` with blank lines added, up to `lines` lines."""
    have = note.split("\n") if note else []
    return "\n".join(have + [" "] * (lines - len(have)))
