"""Tests for replay.py and player.py: the backward pass step by step, and the HTML player.

The last test opens the players in a real browser (headless Chromium) and skips,
saying why, where none is installed (`.ci/run` installs Debian's `chromium`).
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tinygrad_lite import Player, Tensor, Value, watch_backward
from tinygrad_lite.draw import draw_graph
from tinygrad_lite.engine import backward, topological_order
from tinygrad_lite.film import training_film
from tinygrad_lite.nn import ValueMLP, value_cross_entropy
from tinygrad_lite.replay import record_backward
from tinygrad_lite.tasks import train_shift

SVG = "{http://www.w3.org/2000/svg}"


def expression() -> tuple[Value, Value, Value]:
    """(a, b, c) with c = tanh(a*b + e^a): `a` is used twice."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.label = "c"
    return a, b, c


def a_plus_a() -> tuple[Value, Value]:
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    return a, b


def boxes(svg: str) -> dict[str, list[str]]:
    """The lines of text of each labelled box in a graph picture, by its label (the first line)."""
    root = ET.fromstring(svg.encode("utf-8"))
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            lines = [t.text or "" for t in group.iter(f"{SVG}text")]
            if lines:
                found[lines[0]] = lines[1:]
    return found


def edge_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    return [
        t.text or "" for g in root.iter(f"{SVG}g") if g.get("class") == "edge" for t in g.iter(f"{SVG}text")
    ]


def contributions(lines: list[str]) -> list[float]:
    return [float(line.removeprefix("+= ")) for line in lines if line.startswith("+= ")]


# ---- the engine's observer ------------------------------------------------------------


def test_on_step_sees_every_chain_rule_step_once_and_changes_nothing() -> None:
    a, b, c = expression()
    seen = []
    backward(c, 1.0, on_step=lambda node, g, parts: seen.append((node, g, list(parts))))
    inner = [node for node in reversed(topological_order(c)) if node.parents]
    assert [node for node, _, _ in seen] == inner  # leaves take no step
    for node, g, parts in seen:
        assert g == node.grad and parts == [local * g for local in node.local_grads]
    plain_a, plain_b, plain_c = expression()
    plain_c.backward()
    assert (a.grad, b.grad) == (plain_a.grad, plain_b.grad)


# ---- record_backward ------------------------------------------------------------------


def test_steps_sum_to_every_leafs_grad_and_leave_the_graph_untouched() -> None:
    a, b, c = expression()
    steps = record_backward(c)
    assert len(steps) == 4 and steps[0].node is c and steps[0].g == 1.0
    assert a.grad == 0.0 and not a.has_grad and not c.has_grad  # watching ran on the side
    received = {a: 0.0, b: 0.0}
    for step in steps:
        for parent, part in zip(step.node.parents, step.contributions):
            if parent in received:
                received[parent] += part
    c.backward()
    assert received[a] == pytest.approx(a.grad) and received[b] == pytest.approx(b.grad)
    record_backward(c)  # after backward too: the grads stay as they were
    assert received[a] == pytest.approx(a.grad) and a.has_grad


def test_a_value_used_twice_receives_twice() -> None:
    a, b = a_plus_a()
    (step,) = record_backward(b)
    assert step.node.parents == (a, a) and step.contributions == (1.0, 1.0)


# ---- the frames -----------------------------------------------------------------------


def test_one_frame_per_step_and_the_shown_contributions_sum_to_each_leafs_grad() -> None:
    a, b, c = expression()
    player = watch_backward(c)
    frames = list(player.frames())
    assert len(player) == len(frames) == len(record_backward(c)) == 4
    c.backward()
    last = boxes(frames[-1])
    for leaf in (a, b):
        shown = last[leaf.label]
        assert f"grad {leaf.grad:.4g}" in shown
        assert sum(contributions(shown)) == pytest.approx(leaf.grad, rel=1e-3)
    assert len(contributions(last["a"])) == 2  # a*b and e^a both pass to a
    assert "grad not computed yet" in boxes(frames[0])["a"]  # backward has not reached a yet
    assert "Step 1 of 4: backward starts at c" in player.captions[0]


def test_a_plus_a_shows_two_contributions_to_a() -> None:
    _, b = a_plus_a()
    (frame,) = watch_backward(b).frames()
    assert contributions(boxes(frame)["a"]) == [1.0, 1.0] and "grad 2" in boxes(frame)["a"]
    assert edge_labels(frame).count("1 × 1 = 1") == 2


def centres(svg: str) -> list[float]:
    """x, y of the centre of each box and oval of a graph picture, in drawing order."""
    found = []
    for group in ET.fromstring(svg.encode("utf-8")).iter(f"{SVG}g"):
        shape = next((e for e in group if e.tag in (f"{SVG}polygon", f"{SVG}ellipse")), None)
        if group.get("class") == "node" and shape is not None:
            if shape.get("points"):
                xs, ys = zip(*(map(float, p.split(",")) for p in shape.get("points").split()))
                found += [(min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2]
            else:
                found += [float(shape.get("cx")), float(shape.get("cy"))]
    return found


def test_frames_share_one_layout() -> None:
    _, _, c = expression()
    frames = list(watch_backward(c).frames())
    first = centres(frames[0])
    assert len(first) == 2 * 10  # 6 boxes, 4 ops
    for svg in frames[1:]:  # nothing moves from frame to frame
        assert centres(svg) == pytest.approx(first, abs=0.5)
    widths = {float(re.search(r'<svg width="([\d.]+)pt"', svg)[1]) for svg in frames}
    assert max(widths) - min(widths) <= 4


def test_a_network_replay_names_parameters() -> None:
    net = ValueMLP(3, 1, 2, rng=0, bias=False)
    loss = value_cross_entropy(net([1.0, 0.0, 0.0]), 1)
    loss.label = "loss"
    player = watch_backward(loss, params=net)
    assert len(player) == len(record_backward(loss))
    assert "layers.0.weight.0.0 (w1[0,0])" in boxes(list(player.frames())[-1])


def test_bad_roots_get_clear_errors() -> None:
    with pytest.raises(TypeError, match="scalar Value graph"):
        watch_backward(Tensor([1.0], requires_grad=True).sum())
    with pytest.raises(ValueError, match="is a leaf"):
        watch_backward(Value(1.0, label="x"))
    v = Value(1.0)
    for _ in range(20):
        v = v * 2.0
    with pytest.raises(ValueError, match="max_frames=5"):
        watch_backward(v, max_frames=5)


# ---- "not computed yet" ---------------------------------------------------------------


def test_draw_graph_says_not_computed_yet_node_by_node() -> None:
    a, _, c = expression()
    assert draw_graph(c).source.count("grad not computed yet") == 6
    c.backward()
    assert "not computed" not in draw_graph(c).source
    d = c * 2.0  # a graph grown after backward: only the new nodes wait for one
    assert draw_graph(d).source.count("grad not computed yet") == 2
    assert a.has_grad and not d.has_grad


# ---- the player's HTML ----------------------------------------------------------------

VOID = {"meta", "input", "br", "img", "link", "hr", "path", "polygon", "ellipse", "polyline", "line", "rect"}


class _TagChecker(HTMLParser):
    """Every element that is opened is closed, in order (void and self-closed elements aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.errors.append(f"unexpected </{tag}>")


def packed_frames(page: str) -> list[str]:
    packed = re.search(r'var packed = "([A-Za-z0-9+/=]*)"', page)[1]
    return json.loads(gzip.decompress(base64.b64decode(packed)))


def check_self_contained_page(page: str, frames: int) -> None:
    checker = _TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.open == []
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", page)
    assert not re.search(r"https?://|<link|@import|\bsrc=|url\(", without_namespaces), "an external resource"
    assert f'data-frames="{frames}"' in page and f'max="{frames - 1}"' in page
    inline = packed_frames(page)
    assert len(inline) == frames
    for svg in inline:  # each frame is well-formed SVG
        assert ET.fromstring(svg.encode("utf-8")).tag == f"{SVG}svg"


def test_saved_replay_is_one_well_formed_self_contained_file(tmp_path: Path) -> None:
    _, _, c = expression()
    path = watch_backward(c).save(tmp_path / "replay.html")
    check_self_contained_page(path.read_text("utf-8"), 4)


def test_notebook_display_is_an_inline_player_with_a_unique_id() -> None:
    _, b = a_plus_a()
    player = watch_backward(b)
    first, second = player._repr_html_(), player._repr_html_()
    ids = [re.search(r'<div class="tgl-player" id="([^"]+)"', h)[1] for h in (first, second)]
    assert ids[0] != ids[1] and f'getElementById("{ids[0]}")' in first
    assert "<script>" in first and "ipywidgets" not in first and "<svg" in first  # frame 1 without JS too


def test_captions_cannot_break_out_of_the_script() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    page = Player([svg], ["</script><script>alert(1)</script> & <b> PLAYER_FRAMES"]).to_html()
    assert page.count("</script>") == 1 and "alert(1)</script>" not in page
    assert page.count("PLAYER_FRAMES") == 2  # the caption, shown and in the data; never filled in
    assert "&lt;/script&gt;" in page  # the caption shown before the script runs, escaped


def test_player_checks_its_arguments() -> None:
    svg = "<svg></svg>"
    with pytest.raises(ValueError, match="at least one frame"):
        Player([], [])
    with pytest.raises(ValueError, match="2 frames but 1 captions"):
        Player([svg, svg], ["one"])
    with pytest.raises(ValueError, match="fps"):
        Player([svg], ["one"], fps=0)
    with pytest.raises(ValueError, match="no <svg> element"):
        Player(["<p>not a picture</p>"], ["one"])


# ---- in a real browser ----------------------------------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((found for name in BROWSERS if (found := shutil.which(name))), None)

# Loaded before the page's own scripts: records any error they throw.
CATCH_ERRORS = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
window.addEventListener("unhandledrejection", function (e) { window.__errors.push(String(e.reason)); });
</script>"""

# Loaded after the player: steps it every way a learner can, and writes what it saw into the page.
DRIVE = """<script>
(function () {
  var out = {}, root = document.querySelector(".tgl-player"), tries = 0;
  function frame() { return Number(root.getAttribute("data-frame")); }
  (function wait() {
    if (root.getAttribute("data-ready") !== "true" && !root.hasAttribute("data-error") && tries++ < 400)
      return setTimeout(wait, 25);
    out.ready = root.getAttribute("data-ready");
    var next = root.querySelector(".tgl-next"), prev = root.querySelector(".tgl-prev");
    var play = root.querySelector(".tgl-play"), slider = root.querySelector(".tgl-slider");
    out.frames = Number(root.getAttribute("data-frames"));
    out.sliderFrames = Number(slider.max) + 1;
    var seen = {};
    for (var k = 0; k < 1000; k++) {
      seen[root.querySelector(".tgl-frame svg").textContent] = true;
      if (frame() === out.frames - 1) break;
      next.click();
    }
    out.distinct = Object.keys(seen).length;
    out.counter = root.querySelector(".tgl-counter").textContent;
    next.click(); out.pastEnd = frame();
    prev.click(); prev.click(); out.back = frame();
    slider.value = 1; slider.dispatchEvent(new Event("input")); out.slid = frame();
    root.dispatchEvent(new KeyboardEvent("keydown", {key: "Home", bubbles: true})); out.home = frame();
    play.click();
    setTimeout(function () {
      out.played = frame();
      out.errors = window.__errors;
      var report = document.createElement("pre");
      report.id = "test-report";
      report.textContent = JSON.stringify(out);
      document.body.appendChild(report);
    }, 1500);
  })();
})();
</script>"""


def run_in_browser(page: Path) -> dict:
    """Open `page` with the driver added in headless Chromium; what the driver saw."""
    driven = page.with_name(f"driven_{page.name}")
    text = page.read_text("utf-8").replace("<head>", f"<head>\n{CATCH_ERRORS}", 1)
    driven.write_text(text.replace("</body>", f"{DRIVE}\n</body>", 1), "utf-8")
    with tempfile.TemporaryDirectory() as profile:
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",  # timers run on virtual time: play without waiting
            "--dump-dom",
        ]
        done = subprocess.run(
            [BROWSER, *flags, driven.as_uri()], capture_output=True, text=True, timeout=120, env=os.environ
        )
    report = re.search(r'<pre id="test-report">(.*?)</pre>', done.stdout, re.S)
    assert report, f"the driver wrote no report; Chromium said: {done.stderr[-2000:]}"
    return json.loads(html.unescape(report[1]))


@pytest.mark.skipif(BROWSER is None, reason=f"no headless browser found (looked for {', '.join(BROWSERS)})")
def test_players_work_in_a_real_browser(tmp_path: Path) -> None:
    _, _, c = expression()
    replay = watch_backward(c).save(tmp_path / "replay.html")
    result = train_shift(5, 2, steps=60, seed=0, progress=False, record_every=10)
    film = training_film(result, fps=8).save(tmp_path / "film.html")
    for page, frames, fps in ((replay, 4, 1), (film, 7, 8)):
        seen = run_in_browser(page)
        assert seen["errors"] == [] and seen["ready"] == "true", page.name
        assert seen["frames"] == seen["sliderFrames"] == seen["distinct"] == frames
        assert seen["counter"] == f"frame {frames} / {frames}" and seen["pastEnd"] == frames - 1
        assert (seen["back"], seen["slid"], seen["home"]) == (frames - 3, 1, 0)
        assert seen["played"] == min(frames - 1, int(1.5 * fps))  # play advanced on its own
