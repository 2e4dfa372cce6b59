"""The live players the docs embed: each file in docs/players/ is written by this script.

    python demos/docs_players.py [--out DIR] [NAME ...]

The pages show them in an <iframe> (docs/index.md and docs/tutorial.md), which works
from the built site and from the files on disk. They are small versions of what
`make demo` writes into out/: the backward replay of the README's expression, and a
film of the seed's N=11 network over its first 2,000 updates in 40 frames (the full
film, 200 frames of 5,000 updates, is `python -m tinygrad_lite film`).
tests/test_docs.py regenerates them and checks the committed files are the same:
after a change to the pictures, run this script and commit what it writes.
"""

from __future__ import annotations

from pathlib import Path

from docs_images import write_outputs  # the same command line (this folder is on the path)

from tinygrad_lite import Value
from tinygrad_lite.shift import ShiftConfig, train_shift
from tinygrad_lite.viz import training_film, watch_backward

DOCS_PLAYERS = Path(__file__).resolve().parent.parent / "docs" / "players"


def replay(path: Path) -> None:
    """The backward pass of c = tanh(a*b + e^a), one chain-rule step per frame."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.label = "c"
    watch_backward(c).save(path)


def film(path: Path) -> None:
    """N=11, H=2 learning the shift task: 40 frames of 2,000 updates, where the learning is."""
    result = train_shift(ShiftConfig(11, 2, steps=2000, record_every=1), seed=0, progress=False)
    training_film(result, frames=40).save(path)


OUTPUTS = {"replay.html": replay, "film.html": film}


if __name__ == "__main__":
    write_outputs(OUTPUTS, DOCS_PLAYERS, "player")
