"""Tests for viz/rendering.py: DOT to SVG/PNG with the system `dot` and with graphviz-pure, and Picture."""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tests.viz_helpers import dot_counts, expression, svg_parts
from tinygrad_lite import Tensor, Value
from tinygrad_lite.functional import cross_entropy
from tinygrad_lite.nn import MLP
from tinygrad_lite.viz import Picture, RenderError, draw_graph, render
from tinygrad_lite.viz import rendering as render_module
from tinygrad_lite.viz.rendering import MAX_PIXELS, find_renderer, layout

PURE = render_module.find_graphviz_pure()
SYSTEM_DOT = shutil.which("dot")
needs_pure = pytest.mark.skipif(PURE is None, reason="graphviz-pure is not installed")
needs_dot = pytest.mark.skipif(SYSTEM_DOT is None, reason="the system Graphviz (dot) is not installed")


@pytest.fixture
def no_system_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PATH holds only graphviz-pure: what a learner has after `pip install`."""
    if PURE is None:
        pytest.skip("graphviz-pure is not installed")
    (tmp_path / "bin").mkdir()
    os.symlink(PURE, tmp_path / "bin" / Path(PURE).name)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert shutil.which("dot") is None


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of a PNG, from its header."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


# ---- both programs, and a learner's machine without Graphviz ----------------------------


@needs_pure
def test_svg_from_graphviz_pure_is_well_formed_with_every_node_and_edge() -> None:
    c = expression()
    c.backward()
    source = draw_graph(c).source
    svg = render(source, program="graphviz-pure").decode("utf-8")
    assert svg_parts(svg)[:2] == dot_counts(source)


@needs_dot
def test_svg_from_system_dot_is_well_formed_with_every_node_and_edge() -> None:
    mlp = MLP(5, 2, 5, rng=0)
    loss = cross_entropy(mlp(Tensor(np.eye(5)[:4], dtype=np.float32)), np.arange(1, 5))
    loss.backward()
    picture = draw_graph(loss, params=mlp)
    assert find_renderer()[0] == "dot"
    assert svg_parts(render(picture.source, program="dot").decode("utf-8"))[:2] == dot_counts(picture.source)
    assert svg_parts(picture.svg())[:2] == dot_counts(picture.source)


@pytest.mark.usefixtures("no_system_dot")
def test_without_dot_on_path_pictures_and_notebooks_still_give_svg(tmp_path: Path) -> None:
    picture = draw_graph(expression())
    counts = dot_counts(picture.source)
    assert isinstance(picture, Picture) and find_renderer()[0] == "graphviz-pure"
    assert svg_parts(picture.svg())[:2] == counts
    assert svg_parts(picture.pipe("svg").decode("utf-8"))[:2] == counts
    assert svg_parts(picture._repr_mimebundle_()["image/svg+xml"])[:2] == counts
    assert svg_parts(picture._repr_svg_())[:2] == counts
    path = picture.save(tmp_path / "computation")  # no suffix: SVG
    assert path == tmp_path / "computation" and svg_parts(path.read_text("utf-8"))[:2] == counts
    path = picture.save(tmp_path / "new folder" / "pic.svg")  # the folder is made
    assert svg_parts(path.read_text("utf-8"))[:2] == counts
    assert sorted(p.name for p in (tmp_path / "new folder").iterdir()) == ["pic.svg"]  # no temp file left


@pytest.mark.usefixtures("no_system_dot")
def test_png_works_without_system_graphviz(tmp_path: Path) -> None:
    picture = draw_graph(expression())
    assert picture.pipe("png").startswith(b"\x89PNG\r\n\x1a\n") and picture.png().startswith(b"\x89PNG")
    assert picture.save(tmp_path / "pic.png").read_bytes().startswith(b"\x89PNG")
    assert picture.save(tmp_path / "pic", format="png").read_bytes().startswith(b"\x89PNG")
    assert render(picture.source, "png").startswith(b"\x89PNG")


@pytest.mark.usefixtures("no_system_dot")
def test_pdf_without_system_graphviz_is_one_clear_error(tmp_path: Path) -> None:
    picture = draw_graph(expression())
    with pytest.raises(RenderError, match=r"PDF needs the system Graphviz.*install Graphviz.*SVG and PNG"):
        picture.pipe("pdf")
    with pytest.raises(RenderError, match="PDF needs the system Graphviz"):
        picture.save(tmp_path / "out" / "pic.pdf")
    assert not (tmp_path / "out").exists()  # nothing half-written, no folder made


def test_graphviz_pure_is_found_beside_python_when_its_folder_is_not_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    beside = [Path(sys.executable).parent / name for name in ("graphviz-pure", "graphviz-pure.exe")]
    if not any(p.is_file() for p in beside):
        pytest.skip("graphviz-pure is not installed beside this Python")
    monkeypatch.setenv("PATH", str(tmp_path))  # an unactivated venv, or a Jupyter kernel
    name, path = find_renderer()
    assert name == "graphviz-pure" and Path(path).parent == Path(sys.executable).parent
    assert svg_parts(draw_graph(expression()).svg())[0] == 10


def test_no_renderer_at_all_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(render_module, "find_graphviz_pure", lambda: None)
    with pytest.raises(RenderError, match=r"pip install graphviz-pure.*install Graphviz"):
        render("digraph { a -> b }")


@needs_pure
def test_a_broken_graph_reports_the_programs_error() -> None:
    with pytest.raises(RenderError, match="graphviz-pure -Kdot -Tsvg failed"):
        render("digraph { a -> }", program="graphviz-pure")


def test_asking_for_a_program_that_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    with pytest.raises(RenderError, match="cannot draw with 'dot': it is not installed"):
        render("digraph { a -> b }", program="dot")


# ---- what a picture may cost (issue 14, item 18) -----------------------------------------


def test_a_big_png_is_drawn_at_a_lower_resolution_within_the_pixel_budget() -> None:
    # A 500-box chain is ~85,000 x 5,500 points: ~800 million pixels at 96 dpi, ~6.5 GB in graphviz-pure.
    v = Value(1.0)
    for _ in range(200):
        v = v * 1.5 + 1.0
    picture = draw_graph(v, max_nodes=500)
    x0, y0, x1, y1 = picture.layout().bounds
    assert (x1 - x0) * (y1 - y0) * (96 / 72) ** 2 > 20 * MAX_PIXELS
    width, height = png_size(picture.png())
    assert width * height <= MAX_PIXELS and width > 1000  # scaled down, not cut off
    assert abs(width / height - (x1 - x0) / (y1 - y0)) < 0.05 * (x1 - x0) / (y1 - y0)


def test_a_small_png_keeps_96_dpi() -> None:
    picture = draw_graph(expression())
    x0, y0, x1, y1 = picture.layout().bounds
    width, height = png_size(picture.png())
    # 96 dots per inch of 72 points, and Graphviz's margin of 4 points on each side
    assert abs(width - (x1 - x0 + 8) * 96 / 72) <= 1 and abs(height - (y1 - y0 + 8) * 96 / 72) <= 1


# ---- layouts -----------------------------------------------------------------------------


def test_layout_gives_every_node_a_place_and_size_and_every_edge_its_route() -> None:
    laid = layout('digraph { a -> b [label="x"]; a -> b; b [shape=box] }')
    assert set(laid.nodes) == {"a", "b"} and len(laid.edges["a", "b"]) == 2
    x0, y0, x1, y1 = laid.bounds
    for x, y, width, height in laid.nodes.values():
        assert x0 <= x <= x1 and y0 <= y <= y1 and width > 0 and height > 0
    assert laid.edges["a", "b"][0]["pos"].startswith("e,") and "lp" in laid.edges["a", "b"][0]


# ---- bad input ---------------------------------------------------------------------------

# fmt: off
BAD_INPUT = [
    ("pipe-format", lambda: draw_graph(Value(1.0)).pipe(format="nope"), ValueError,
     r"^pipe: unknown format 'nope'; Graphviz writes e.g. 'svg', 'png' or 'pdf'"),
    ("save-format", lambda: draw_graph(Value(1.0)).save("x.nope"), ValueError,
     r"^save: unknown format 'nope'"),
    ("save-format-arg", lambda: draw_graph(Value(1.0)).save("x.svg", format=3), ValueError,
     r"^save: unknown format 3"),
    ("save-path", lambda: draw_graph(Value(1.0)).save(""), ValueError, r"^save: path is empty"),
    ("render-format", lambda: render("digraph {}", "nope"), ValueError, r"^render: unknown format 'nope'"),
    ("render-source", lambda: render(3), TypeError, r"^render: source must be DOT text \(a str\), got int"),
    ("render-options", lambda: render("digraph {}", options="-n2"), TypeError,
     r"^render: options must be a list of flags such as \['-n2'\], got '-n2'"),
    ("layout-source", lambda: layout(b"digraph {}"), TypeError,
     r"^layout: source must be DOT text \(a str\), got bytes"),
    ("render-format-None", lambda: render("digraph {}", None), ValueError, r"^render: unknown format None"),
    ("render-program", lambda: render("digraph {}", program="neato"), RenderError,
     r"^cannot draw with 'neato': it is not installed \(expected 'dot' or 'graphviz-pure'\)"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
