"""Tests for viz/player.py: the self-contained HTML player, as a page, in a notebook and in a browser.

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

from tests.bad_input import as_params, assert_clear_error
from tests.viz_helpers import SVG, expression
from tinygrad_lite import Value
from tinygrad_lite.viz import Player, training_film, watch_backward

TINY = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


def a_plus_a() -> Value:
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    return b


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
    path = watch_backward(expression()).save(tmp_path / "replay.html")
    check_self_contained_page(path.read_text("utf-8"), 4)


def test_save_writes_the_whole_page_at_once_and_makes_its_folder(tmp_path: Path) -> None:
    player = Player([TINY, TINY], ["one", "two"], title="tiny")
    path = player.save(tmp_path / "new" / "tiny.html")
    check_self_contained_page(path.read_text("utf-8"), 2)
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["tiny.html"]  # no temporary file left
    path.write_text("the old page")
    assert player.save(path).read_text("utf-8").startswith("<!DOCTYPE html>")  # replaced whole


def test_notebook_display_is_an_inline_player_with_a_unique_id() -> None:
    player = watch_backward(a_plus_a())
    first, second = player._repr_html_(), player._repr_html_()
    ids = [re.search(r'<div class="tgl-player" id="([^"]+)"', h)[1] for h in (first, second)]
    assert ids[0] != ids[1] and f'getElementById("{ids[0]}")' in first
    assert "<script>" in first and "ipywidgets" not in first and "<svg" in first  # frame 1 without JS too


def test_captions_cannot_break_out_of_the_script() -> None:
    page = Player([TINY], ["</script><script>alert(1)</script> & <b> PLAYER_FRAMES"]).to_html()
    assert page.count("</script>") == 1 and "alert(1)</script>" not in page
    assert page.count("PLAYER_FRAMES") == 2  # the caption, shown and in the data; never filled in
    assert "&lt;/script&gt;" in page  # the caption shown before the script runs, escaped


def test_frames_come_back_as_given_and_lose_only_what_html_does_not_need() -> None:
    svg = f'<?xml version="1.0"?>\n<!-- made by dot -->\n{TINY[:-6]}<title>v0</title></svg>'
    player = Player([svg], ["one"])
    assert list(player.frames()) == [svg] and len(player) == 1
    assert packed_frames(player.to_html()) == [TINY]


# ---- bad input ----------------------------------------------------------------------------

# fmt: off
BAD_INPUT = [
    ("Player-no-frames", lambda: Player([], []), ValueError, r"^Player: needs at least one frame, got none"),
    ("Player-captions", lambda: Player([TINY, TINY], ["one"]), ValueError,
     r"^Player: got 2 frames but 1 captions; one each"),
    ("Player-marks", lambda: Player([TINY], ["one"], marks=[1.0, 2.0]), ValueError,
     r"^Player: marks must be 1 numbers, one per frame, got \[1.0, 2.0\]"),
    ("Player-marks-str", lambda: Player([TINY], ["one"], marks=["a"]), ValueError,
     r"^Player: marks must be 1 numbers, one per frame, got \['a'\]"),
    ("Player-one-svg", lambda: Player(TINY, ["one"]), TypeError,
     r"^Player: frames must be a list of SVG pictures \(strs\); for one write \[svg\]"),
    ("Player-numbers", lambda: Player([3], ["one"]), TypeError, r"^Player: frames must be a list of SVG"),
    ("Player-fps", lambda: Player([TINY], ["one"], fps=0), ValueError,
     r"^Player: fps must be a positive finite number, got 0"),
    ("Player-fps-nan", lambda: Player([TINY], ["one"], fps=float("nan")), ValueError,
     r"^Player: fps must be"),
    ("Player-fps-str", lambda: Player([TINY], ["one"], fps="8"), ValueError,
     r"^Player: fps must be a positive finite number, got '8'"),
    ("Player-not-svg", lambda: Player(["<p>not a picture</p>"], ["one"]), ValueError,
     r"^Player: a frame must be an SVG picture \(no <svg> element found\)"),
    ("Player.save-path", lambda: Player([TINY], ["one"]).save(""), ValueError,
     r"^Player.save: path is empty"),
    ("Player.save-directory", lambda: Player([TINY], ["one"]).save(tempfile.gettempdir()), IsADirectoryError,
     r"^Player.save: '.*' is a directory"),
    ("Player.save-None", lambda: Player([TINY], ["one"]).save(None), TypeError,
     r"^Player.save: path must be a str or a pathlib.Path, got NoneType"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)


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


# Loaded after the player: once it is ready, measures what a screen of the window's size shows.
MEASURE = """<script>
(function () {
  var root = document.querySelector(".tgl-player"), tries = 0;
  (function wait() {
    if (root.getAttribute("data-ready") !== "true" && tries++ < 400) return setTimeout(wait, 25);
    var out = {width: window.innerWidth, height: window.innerHeight, outside: [], small: [], captions: 0};
    var parts = {controls: ".tgl-controls", caption: ".tgl-caption", frame: ".tgl-frame svg",
                 side: ".tgl-side svg"};
    Object.keys(parts).forEach(function (name) {
      var found = root.querySelector(parts[name]);
      if (!found) return;
      var box = found.getBoundingClientRect();
      var off = box.left < 0 || box.top < 0 || box.right > out.width || box.bottom > out.height;
      if (off) out.outside.push(name);
    });
    out.scrolls = document.documentElement.scrollWidth > out.width;
    root.querySelectorAll(".tgl-frame text, .tgl-side text").forEach(function (text) {
      var size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;  // px on screen
      if (text.textContent.trim() && size < 11.95) out.small.push(text.textContent + " " + size.toFixed(1));
    });
    var caption = root.querySelector(".tgl-caption").textContent;
    out.captions = document.body.innerText.split(caption).length - 1;
    var report = document.createElement("pre");
    report.id = "test-report";
    report.textContent = JSON.stringify(out);
    document.body.appendChild(report);
  })();
})();
</script>"""


def run_in_browser(page: Path, driver: str = DRIVE, window: tuple[int, int] = (1366, 768)) -> dict:
    """Open `page` with `driver` added in headless Chromium in a window of that size; what it saw."""
    driven = page.with_name(f"driven_{page.name}")
    text = page.read_text("utf-8").replace("<head>", f"<head>\n{CATCH_ERRORS}", 1)
    driven.write_text(text.replace("</body>", f"{driver}\n</body>", 1), "utf-8")
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
            f"--window-size={window[0]},{window[1]}",
            "--hide-scrollbars",
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
    from tinygrad_lite.shift import ShiftConfig, train_shift

    replay = watch_backward(expression()).save(tmp_path / "replay.html")
    result = train_shift(ShiftConfig(5, 2, steps=60, record_every=10), seed=0, progress=False)
    film = training_film(result, fps=8).save(tmp_path / "film.html")
    for page, frames, fps in ((replay, 4, 1), (film, 7, 8)):
        seen = run_in_browser(page)
        assert seen["errors"] == [] and seen["ready"] == "true", page.name
        assert seen["frames"] == seen["sliderFrames"] == seen["distinct"] == frames
        assert seen["counter"] == f"frame {frames} / {frames}" and seen["pastEnd"] == frames - 1
        assert (seen["back"], seen["slid"], seen["home"]) == (frames - 3, 1, 0)
        assert seen["played"] == min(frames - 1, int(1.5 * fps))  # play advanced on its own


@pytest.mark.skipif(BROWSER is None, reason=f"no headless browser found (looked for {', '.join(BROWSERS)})")
def test_the_film_fits_a_laptop_screen_and_reads_on_a_projector(tmp_path: Path) -> None:
    from tinygrad_lite.shift import ShiftConfig, train_shift

    result = train_shift(ShiftConfig(11, 2, steps=300, record_every=1), seed=0, progress=False)
    film = training_film(result, frames=12).save(tmp_path / "film.html")
    for window in ((1366, 768), (1280, 720)):
        seen = run_in_browser(film, MEASURE, window)
        # Chromium keeps about 143 px of the window for its bars: the page gets less than a 768-high screen.
        assert seen["width"] == window[0] and seen["height"] >= window[1] - 150, seen
        assert seen["outside"] == [] and not seen["scrolls"], window  # all on screen, no scrolling
        assert seen["small"] == [], window  # no text under 12 px
        assert seen["captions"] == 1  # the step is said once
