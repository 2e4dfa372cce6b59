"""Pictures written as SVG by hand (no Graphviz): the hidden space, the film's curves, and their frame.

A `Drawing` holds one SVG document, sized in CSS pixels (1 unit = 1 px), so a
font size written here is the size on screen. `element` writes one tag.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from ..files import as_path, atomic_write

FONT = "Helvetica, Arial, sans-serif"


def element(tag: str, text: str = "", **attrs: object) -> str:
    """One SVG element: `element("text", "a<b", x=1, font_size=13)` gives
    <text x="1" font-size="13">a&lt;b</text>.

    Underscores in attribute names become hyphens; attributes that are None are left out.
    """
    written = " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{html.escape(str(value))}"'
        for name, value in attrs.items()
        if value is not None
    )
    opening = f"<{tag} {written}" if written else f"<{tag}"
    return f"{opening}>{html.escape(text)}</{tag}>" if text else f"{opening}/>"


def document(width: float, height: float, parts: list[str], font_size: float = 13) -> str:
    """An SVG document `width` x `height` pixels holding `parts`."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" font-family="{FONT}" font-size="{font_size:g}">'
        + "".join(parts)
        + "</svg>"
    )


def size(svg: str) -> tuple[float, float]:
    """(width, height) in CSS pixels of an SVG document (Graphviz writes points: 1 pt = 4/3 px)."""
    root = re.search(r"<svg\b[^>]*>", svg)
    if root is None:
        raise ValueError("size: not an SVG picture (no <svg> element found)")
    found = []
    for name in ("width", "height"):
        value = re.search(rf'\b{name}="([\d.]+)(pt|px)?"', root[0])
        if value is None:
            raise ValueError(f"size: the SVG has no {name}")
        found.append(float(value[1]) * (4 / 3 if value[2] == "pt" else 1))
    return found[0], found[1]


def side_by_side(pictures: list[str], gap: float = 12) -> str:
    """One SVG document with `pictures` (SVG documents) in a row, tops aligned, each at its own size."""
    parts, x, tallest = [], 0.0, 0.0
    for svg in pictures:
        width, height = size(svg)
        inner = svg[svg.find("<svg") :]
        inner = re.sub(r"^<svg\b", f'<svg x="{x:.1f}" y="0"', inner, count=1)
        inner = re.sub(r'(<svg[^>]*?)\bwidth="[^"]*"', rf'\1width="{width:.1f}"', inner, count=1)
        inner = re.sub(r'(<svg[^>]*?)\bheight="[^"]*"', rf'\1height="{height:.1f}"', inner, count=1)
        parts.append(inner)
        x, tallest = x + width + gap, max(tallest, height)
    return document(round(x - gap, 1), round(tallest, 1), parts)


class Drawing:
    """An SVG picture made without Graphviz. `svg()` gives the document, `save(path)` writes it
    (SVG only), and Jupyter displays it by itself."""

    def __init__(self, svg: str) -> None:
        self._svg = svg

    def svg(self) -> str:
        """The picture as an SVG document."""
        return self._svg

    def save(self, path: str | os.PathLike) -> Path:
        """Write the SVG to `path` (a .svg file) all at once, making its folder if needed."""
        path = as_path("save", path)
        if path.suffix.lower() not in (".svg", ""):
            raise ValueError(f"save: this picture is drawn as SVG only; got {str(path)!r}, save it as .svg")
        return atomic_write(path, self._svg, make_parents=True, owner="save")

    def _repr_svg_(self) -> str:
        return self._svg

    def __repr__(self) -> str:
        width, height = size(self._svg)
        return f"<Drawing: SVG {width:g} x {height:g} px>"
