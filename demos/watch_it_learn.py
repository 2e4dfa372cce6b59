"""Watch it learn: a backward pass step by step, and a film of the seed's network learning.

Writes two self-contained HTML players (open them in any browser; no server,
no internet) into out/, or the folder given as the first argument, and prints
their paths:

- replay.html: the backward pass of c = tanh(a*b + e^a), one chain-rule step per
  frame; `a` is used twice, so it receives two contributions that add up;
- film.html: the N=11, H=2 network of the seed learning the shift task and its
  hidden space, 200 frames of 5,000 updates placed where the learning is (dense
  before update 244, when every example is first right), beside the curves.

    python demos/watch_it_learn.py [out_dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

from tinygrad_lite import Value
from tinygrad_lite.shift import ShiftConfig, train_shift
from tinygrad_lite.viz import training_film, watch_backward


def replay(out: Path) -> Path:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.label = "c"
    return watch_backward(c).save(out / "replay.html")


def film(out: Path, n: int = 11, hidden: int = 2, steps: int = 5000) -> Path:
    result = train_shift(ShiftConfig(n, hidden, steps=steps, record_every=1), seed=0)  # film_steps picks
    print(
        f"trained N={n} H={hidden}: accuracy {result.accuracy:.0%}, all right from update {result.solved_at}"
    )
    return training_film(result).save(out / "film.html")


def main(out: Path) -> None:
    print(replay(out))
    print(film(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "out")
