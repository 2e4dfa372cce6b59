"""Rendering: DOT text in, picture bytes out, with the system Graphviz or else graphviz-pure.

`render(source, "svg")` lays out DOT text and returns the picture. It runs the
system `dot` when it is on PATH, and otherwise graphviz-pure, a static `dot`
that pip installs from a wheel, so SVG and PNG work wherever pip does. Every
picture of `tinygrad_lite.viz` is a `Picture`: its DOT source, drawn on demand.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from ..files import as_path, atomic_write

INSTALL_GRAPHVIZ = (
    "install Graphviz (https://graphviz.org/download/: `apt install graphviz`, `brew install graphviz`, "
    "`conda install graphviz` or `winget install graphviz`)"
)

# A raster picture (PNG, JPEG, ...) is drawn at 96 dpi, or at fewer dots per inch if it would have
# more pixels than this (about 5,000 × 5,000): at 96 dpi a 500-node graph has ~800 million pixels,
# and graphviz-pure needs ~9 bytes for each.
MAX_PIXELS = 25_000_000
_DPI = 96.0
_RASTER = {
    "png",
    "jpg",
    "jpeg",
    "jpe",
    "gif",
    "bmp",
    "tif",
    "tiff",
    "webp",
    "ico",
    "tga",
    "wbmp",
    "gd",
    "gd2",
}


class RenderError(RuntimeError):
    """No program could lay the graph out, or it failed; the message says what to install."""


# ---- finding a program -----------------------------------------------------------------


def find_graphviz_pure() -> str | None:
    """The graphviz-pure program: on PATH, else beside this Python.

    An unactivated venv or a Jupyter kernel runs the venv's Python without its
    bin/ (Scripts\\ on Windows) on PATH, so look there and in pip's user scripts too.
    """
    found = shutil.which("graphviz-pure")
    if found:
        return found
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    folders.append(Path(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user"))))
    for folder in folders:
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return None


def find_renderer() -> tuple[str, str]:
    """("dot", path) when the system Graphviz is on PATH, else ("graphviz-pure", path)."""
    dot = shutil.which("dot")
    if dot:
        return "dot", dot
    pure = find_graphviz_pure()
    if pure:
        return "graphviz-pure", pure
    raise RenderError(
        "cannot draw: neither Graphviz's `dot` nor `graphviz-pure` was found. `pip install graphviz-pure` "
        f"(wheels for x86_64 and arm64 Linux, macOS, Windows) or {INSTALL_GRAPHVIZ}."
    )


def _program(name: str | None) -> tuple[str, str]:
    """(name, path) of the program asked for: "dot", "graphviz-pure", or None for the first found."""
    if name is None:
        return find_renderer()
    path = shutil.which("dot") if name == "dot" else find_graphviz_pure() if name == "graphviz-pure" else None
    if path is None:
        raise RenderError(
            f"cannot draw with {name!r}: it is not installed (expected 'dot' or 'graphviz-pure')"
        )
    return name, path


# ---- rendering -------------------------------------------------------------------------


def check_format(op: str, format: str) -> str:
    """`format` if Graphviz knows it (svg, png, pdf, ...; "png:cairo" style too), else a ValueError."""
    if not isinstance(format, str) or format.split(":")[0] not in graphviz.FORMATS:
        raise ValueError(f"{op}: unknown format {format!r}; Graphviz writes e.g. 'svg', 'png' or 'pdf'")
    return format


def render(
    source: str,
    format: str = "svg",
    engine: str = "dot",
    options: Sequence[str] = (),
    *,
    program: str | None = None,
) -> bytes:
    """Lay out the DOT `source` with layout `engine` and return the picture in `format`.

    `options` are extra command-line flags (e.g. `["-n2"]`). `program` is "dot"
    (the system Graphviz), "graphviz-pure", or None for the first one found.
    graphviz-pure writes SVG, PNG and JPEG but no PDF. A raster picture has at
    most `MAX_PIXELS` pixels: a larger one is drawn at a lower resolution.
    """
    check_format("render", format)
    options = _dot_input("render", source, options)
    name, path = _program(program)
    if format.split(":")[0] in _RASTER:
        options += _raster_dpi(layout(source, engine, options, program=name).bounds)
    return _run(name, path, source, format, engine, options)


def _dot_input(op: str, source: Any, options: Any) -> list[str]:
    """`options` as a list, once `source` is DOT text and each option a string."""
    if not isinstance(source, str):
        raise TypeError(f"{op}: source must be DOT text (a str), got {type(source).__name__}")
    if not isinstance(options, (list, tuple)) or not all(isinstance(o, str) for o in options):
        raise TypeError(f"{op}: options must be a list of flags such as ['-n2'], got {options!r}")
    return list(options)


def _run(name: str, path: str, source: str, format: str, engine: str, options: list[str]) -> bytes:
    """What the program writes for `source`, or a RenderError with its own error message."""
    done = subprocess.run(
        [path, f"-K{engine}", f"-T{format}", *options], input=source.encode("utf-8"), capture_output=True
    )
    errors = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode == 0:
        return done.stdout
    if name == "graphviz-pure" and "not recognized" in errors:
        kind = format.split(":")[0].upper()
        raise RenderError(
            f"{kind} needs the system Graphviz, and `dot` is not on PATH; to get {kind}, "
            f"{INSTALL_GRAPHVIZ}. SVG and PNG work without it: picture.svg(), picture.png(), "
            "picture.save('x.svg'), render(source, 'png')."
        )
    raise RenderError(f"{name} -K{engine} -T{format} failed (exit status {done.returncode}): {errors}")


def _raster_dpi(bounds: tuple[float, float, float, float]) -> list[str]:
    """[-Gdpi=d] that keeps a picture this big (in points) within MAX_PIXELS, or [] if 96 dpi does."""
    x0, y0, x1, y1 = bounds
    pixels = (x1 - x0 + 8) * (y1 - y0 + 8) * (_DPI / 72) ** 2  # Graphviz pads 4 points on each side
    if pixels <= MAX_PIXELS:
        return []
    scale = math.sqrt(0.99 * MAX_PIXELS / pixels)  # 1% to spare for rounding up to whole pixels
    return [f"-Gdpi={_DPI * scale:.3f}"]


# ---- a layout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where a layout program put the nodes and edges of a DOT graph, in points (72 to the inch).

    `nodes[name]` = (x, y, width, height): a node's centre and size. `edges[(tail, head)]`:
    the edges from tail to head, in the order the DOT source lists them, each as the
    attributes that draw it along the same route (`pos`, and `lp` for its label).
    `bounds` = (x0, y0, x1, y1), the corners of the whole picture.
    """

    bounds: tuple[float, float, float, float]
    nodes: dict[str, tuple[float, float, float, float]]
    edges: dict[tuple[str, str], list[dict[str, str]]]


def layout(
    source: str, engine: str = "dot", options: Sequence[str] = (), *, program: str | None = None
) -> Layout:
    """The `Layout` that `engine` makes of the DOT `source` (Graphviz's `-Tjson0` output, read)."""
    options = _dot_input("layout", source, options)
    name, path = _program(program)
    laid = json.loads(_run(name, path, source, "json0", engine, options))
    objects = laid.get("objects", [])
    names = {o["_gvid"]: o["name"] for o in objects}
    nodes = {
        o["name"]: (*map(float, o["pos"].split(",")), float(o["width"]) * 72, float(o["height"]) * 72)
        for o in objects
        if "pos" in o  # a cluster has no place of its own
    }
    edges: dict[tuple[str, str], list[dict[str, str]]] = {}
    for e in laid.get("edges", []):
        route = {key: e[key] for key in ("pos", "lp") if key in e}
        edges.setdefault((names[e["tail"]], names[e["head"]]), []).append(route)
    return Layout(tuple(map(float, laid["bb"].split(","))), nodes, edges)


# ---- a picture -------------------------------------------------------------------------


class Picture:
    """A picture as DOT text (`source`), rendered when asked: as SVG, PNG, or any format Graphviz writes.

    `engine` is the Graphviz layout program ("dot" for graphs, "neato" for
    pictures that place their own nodes) and `options` extra flags for it.
    Jupyter displays a Picture as SVG by itself.
    """

    def __init__(self, source: str, engine: str = "dot", options: Sequence[str] = ()) -> None:
        self.source, self.engine, self.options = source, engine, tuple(options)

    def pipe(self, format: str = "svg") -> bytes:
        """The picture in `format` (svg, png, pdf, ...), as bytes."""
        check_format("pipe", format)
        return render(self.source, format, self.engine, self.options)

    def svg(self) -> str:
        """The picture as an SVG document."""
        return self.pipe("svg").decode("utf-8")

    def png(self) -> bytes:
        """The picture as PNG bytes (at most MAX_PIXELS pixels)."""
        return self.pipe("png")

    def save(self, path: str | os.PathLike, format: str | None = None) -> Path:
        """Write the picture to `path` in `format` (default: from the file's suffix, else SVG); its path.

        The picture is rendered first, so nothing is written (no folder made) if that fails; then
        it is written all at once, in a folder made if needed.
        """
        path = as_path("save", path)
        format = check_format("save", format or path.suffix.lstrip(".").lower() or "svg")
        return atomic_write(path, self.pipe(format), make_parents=True, owner="save")

    def layout(self) -> Layout:
        """Where this picture's nodes and edges go; `draw_graph(..., layout=)` keeps them there."""
        return layout(self.source, self.engine, self.options)

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"image/svg+xml": self.svg()}

    def __repr__(self) -> str:
        return f"<Picture: {self.source.count(chr(10))} lines of DOT, engine {self.engine!r}>"
