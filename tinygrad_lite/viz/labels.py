"""Text in pictures: escaping any Python string for a Graphviz HTML-like label, and number formats.

Every label of every picture goes through `html_text`, every number through
`number` (or `signed`, `summary`), so all pictures write text the same way.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np


def _unprintable() -> re.Pattern:
    """Characters that XML or Graphviz cannot carry, or that would be invisible: shown as escapes.

    Control characters but the newline (C0, DEL, C1), lone surrogates, and the
    66 noncharacters (U+FDD0..U+FDEF, and the last two code points of every plane,
    such as U+FFFE and U+FFFF): XML 1.0 forbids most of them outright.
    """
    ranges = [
        ("\x00", "\x09"),
        ("\x0b", "\x1f"),
        ("\x7f", "\x9f"),
        ("\ud800", "\udfff"),
        ("\ufdd0", "\ufdef"),
    ]
    ranges += [(chr(plane + 0xFFFE), chr(plane + 0xFFFF)) for plane in range(0, 0x110000, 0x10000)]
    return re.compile("[" + "".join(f"{re.escape(a)}-{re.escape(b)}" for a, b in ranges) + "]")


_UNPRINTABLE = _unprintable()


def escape_char(c: str) -> str:
    """The escape shown for one character: \\x09, \\ud800, \\U0010ffff (as Python writes them)."""
    code = ord(c)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: Any) -> str:
    """`str(text)` with CRLF as one newline and every character XML or Graphviz cannot carry escaped."""
    return _UNPRINTABLE.sub(lambda m: escape_char(m[0]), str(text).replace("\r\n", "\n"))


def html_text(text: Any) -> str:
    """`text` for an HTML-like label, to be rendered literally; newlines become line breaks.

    Graphviz reads `\\N`, `\\G`, ... even in HTML-like labels (the node's name,
    the graph's name) and turns a doubled backslash into one, so backslashes
    are doubled; `html.escape` takes care of `<`, `>`, `&` and quotes.
    """
    return html.escape(visible(text).replace("\\", "\\\\")).replace("\n", "<br/>")


def number(x: float) -> str:
    """4 significant digits: 0.1235, -12.35, 1.235e+05, nan, inf."""
    return f"{float(x):.4g}"


def signed(w: float) -> str:
    """3 significant digits and always a sign, for weights: +0.5, -1.23."""
    return f"{float(w):+.3g}"


def summary(a: np.ndarray, small: int = 8) -> str:
    """The values of array `a` if there are at most `small`, else its min, max and mean."""
    if a.size == 0:
        return "empty"
    if a.size > small:
        return f"min {number(a.min())}  max {number(a.max())}  mean {number(a.mean())}"
    if a.ndim == 0:
        return number(a) if a.dtype.kind == "f" else str(a.item())
    return np.array2string(a, separator=", ", formatter={"float_kind": number}, max_line_width=60)
