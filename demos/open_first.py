"""The end of `make demo`: the files the demos wrote, and which to open first.

    python demos/open_first.py out/.demo-started

Lists every file in the stamp's folder written since the stamp (`make demo` touches it
before the first demo), the players first: film.html (the seed's network learning) and
replay.html (one backward pass, step by step) open in any browser, with no server.
"""

from __future__ import annotations

import sys
from pathlib import Path

# What to open first, in this order, and what each shows; any other file follows, by name.
FIRST = {
    "film.html": "the seed's N=11 network learning, frame by frame: open this first, in a browser",
    "replay.html": "one backward pass, one chain-rule step per frame: open this second",
}


def written_since(stamp: Path) -> list[Path]:
    """The files beside `stamp` changed since it was touched, the players of FIRST first."""
    started = stamp.stat().st_mtime
    new = [p for p in stamp.parent.iterdir() if p.is_file() and p != stamp and p.stat().st_mtime >= started]
    order = list(FIRST)
    return sorted(new, key=lambda p: (order.index(p.name) if p.name in order else len(order), p.name))


def main(stamp: Path) -> None:
    files = written_since(stamp)
    print(f"\nmake demo wrote {len(files)} files into {stamp.parent}/:")
    width = max((len(str(path)) for path in files), default=0)
    for path in files:
        note = FIRST.get(path.name, "")
        print(f"  {path!s:<{width}}  <- {note}" if note else f"  {path}")
    print("The notebook notebooks/seed.ipynb shows all of it inline (pip install -e '.[notebook]').")


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent / "out" / ".demo-started"
    )
