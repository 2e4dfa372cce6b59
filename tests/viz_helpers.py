"""What the picture tests share: a small graph, and counting what a DOT source or an SVG holds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tinygrad_lite import Value

SVG = "{http://www.w3.org/2000/svg}"


def expression() -> Value:
    """c = tanh(a*b + e^a): 6 Values, 4 ops; `a` is used twice."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.label = "c"
    return c


def svg_parts(svg: str) -> tuple[int, int, str]:
    """(nodes, edges, all text) of an SVG from Graphviz; fails if it is not well-formed XML."""
    root = ET.fromstring(svg.encode("utf-8"))
    groups = list(root.iter(f"{SVG}g"))
    nodes = sum(g.get("class") == "node" for g in groups)
    edges = sum(g.get("class") == "edge" for g in groups)
    return nodes, edges, "\n".join(t.text or "" for t in root.iter(f"{SVG}text"))


def dot_counts(source: str) -> tuple[int, int]:
    """(node statements, edge statements) in DOT written by the graphviz package."""
    nodes = len(re.findall(r"^\t(?!graph |node |edge )\w+ \[", source, re.M))
    edges = len(re.findall(r"^\t\w+(?::\w+)? -> \w+", source, re.M))
    return nodes, edges
