"""The player: SVG pictures shown one at a time in a browser, with a slider, previous, next and play.

`watch_backward` (viz/replay.py) and `training_film` (viz/film.py) both hand their
frames to a `Player`. In Jupyter it displays itself (`_repr_html_`); elsewhere
`save("x.html")` writes one self-contained file: inline HTML, CSS and
JavaScript, no server, no network, no ipywidgets. The frames travel gzipped
(consecutive frames are alike, so 200 of them fit in a few hundred KB) and the
browser unpacks them with its built-in `DecompressionStream`.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
import re
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from .. import checks
from ..files import atomic_write

_CSS = """
.tgl-player { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  color: #222; max-width: 100%; outline: none; }
.tgl-player h2 { font-size: 1.15em; margin: 0.2em 0; }
.tgl-player .tgl-intro { margin: 0.5em 0; max-width: 62em; line-height: 1.35; }
.tgl-player .tgl-controls { display: flex; align-items: center; gap: 0.5em; flex-wrap: wrap; }
.tgl-player button { font: inherit; padding: 0.2em 0.7em; min-width: 6.5em; cursor: pointer; }
.tgl-player .tgl-slider { flex: 1 1 12em; max-width: 40em; }
.tgl-player .tgl-counter { font-variant-numeric: tabular-nums; min-width: 7em; }
.tgl-player .tgl-caption { margin: 0.4em 0; padding: 0.3em 0.6em; background: #f4f4f4;
  border-left: 4px solid #d62728; line-height: 1.35; min-height: 1.35em; white-space: pre-wrap; }
.tgl-player .tgl-body { display: flex; align-items: flex-start; gap: 0.75em; flex-wrap: wrap; }
.tgl-player .tgl-frame { max-width: 100%; overflow-x: auto; }
.tgl-player .tgl-side svg { max-width: 100%; height: auto; }
"""

# The script has three placeholders: the player's id, its data (JSON) and the packed frames.
_JS = """
(function () {
  "use strict";
  // JupyterLab runs the script before the output is in the page: find the player from the script.
  var here = document.currentScript;
  var root = (here && here.closest(".tgl-player")) || document.getElementById(PLAYER_ID);
  var data = PLAYER_DATA;
  var packed = "PLAYER_FRAMES";
  var last = data.captions.length - 1;
  var picture = root.querySelector(".tgl-frame"), caption = root.querySelector(".tgl-caption");
  var slider = root.querySelector(".tgl-slider"), counter = root.querySelector(".tgl-counter");
  var play = root.querySelector(".tgl-play"), marks = root.querySelectorAll(".tgl-side .tgl-mark");
  var frames = null, current = 0, timer = null;

  // Shrink a wide frame to the room there is, but not below 90% (text stays >= 12 px): then scroll.
  function fit() {
    var svg = picture.querySelector("svg");
    if (!svg) return;
    var size = svg.getAttribute("width") || "";
    var width = parseFloat(size) * (/pt$/.test(size) ? 4 / 3 : 1);
    svg.style.width = Math.max(Math.min(width, root.clientWidth - 4), 0.9 * width) + "px";
    svg.style.height = "auto";
    var hot = data.focus && svg.querySelector(data.focus);
    if (hot && picture.scrollWidth > picture.clientWidth) {  // bring the focus into view
      var box = hot.getBoundingClientRect(), room = picture.getBoundingClientRect();
      picture.scrollLeft += box.left + box.width / 2 - (room.left + room.width / 2);
    }
  }
  function show(k) {
    current = Math.max(0, Math.min(last, k));
    if (frames) picture.innerHTML = frames[current];
    fit();
    caption.textContent = data.captions[current];
    slider.value = current;
    counter.textContent = "frame " + (current + 1) + " / " + (last + 1);
    root.setAttribute("data-frame", current);
    marks.forEach(function (mark) {
      mark.setAttribute("x1", data.marks[current]);
      mark.setAttribute("x2", data.marks[current]);
    });
  }
  function stop() {
    clearInterval(timer);
    timer = null;
    play.textContent = "\\u25B6 play";
  }
  function start() {
    if (current >= last) show(0);
    play.textContent = "\\u275A\\u275A pause";
    timer = setInterval(function () {
      if (current >= last) stop(); else show(current + 1);
    }, 1000 / data.fps);
  }
  function unpack(text) {
    var bytes = Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }
  function firstFrame() {  // file.html#frame=5 opens at frame 5 (counting from 1)
    var asked = /[#&]frame=(\\d+)/.exec(window.location.hash);
    return asked ? parseInt(asked[1], 10) - 1 : 0;
  }

  root.querySelector(".tgl-prev").addEventListener("click", function () { stop(); show(current - 1); });
  root.querySelector(".tgl-next").addEventListener("click", function () { stop(); show(current + 1); });
  play.addEventListener("click", function () { if (timer) stop(); else start(); });
  slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
  root.addEventListener("keydown", function (event) {
    var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: last };
    if (event.target === slider || !(event.key in moves)) return;
    event.preventDefault();
    stop();
    show(moves[event.key]);
  });
  counter.textContent = "unpacking " + (last + 1) + " frames\\u2026";
  unpack(packed).then(function (list) {
    frames = list;
    root.querySelectorAll("button, input").forEach(function (control) { control.disabled = false; });
    show(firstFrame());
    root.setAttribute("data-ready", "true");
  }, function (error) {
    counter.textContent = "cannot unpack the frames here (" + error + "); a current browser can";
    root.setAttribute("data-error", String(error));
  });
})();
"""


def inline_svg(svg: str) -> str:
    """An SVG document from Graphviz as an element to put inside HTML.

    Drops what HTML does not need: the XML prolog, the DOCTYPE, comments, and
    the <title> of every shape (Graphviz's internal names, shown as tooltips).
    """
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r"<title>.*?</title>\s*", "", svg, flags=re.S)
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("Player: a frame must be an SVG picture (no <svg> element found)")
    return svg[start:].strip()


def _script_json(value: object) -> str:
    """JSON safe to put inside <script>: no "<", ">" or "&" that HTML would read."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Player:
    """Frames (SVG pictures) with a caption each, played in the browser.

    `side` is an optional SVG shown beside the frames (the film's loss curve);
    its elements of class "tgl-mark" (lines) move to x = `marks[k]` at frame k.
    A frame too wide for the page scrolls so that the first element matching
    the CSS selector `focus` is in view. `fps` is the playing speed.
    `frames()` gives the SVGs back, `save(path)` writes the player as one HTML
    file, and Jupyter displays it by itself.
    """

    def __init__(
        self,
        frames: Sequence[str],
        captions: Sequence[str],
        *,
        title: str = "",
        intro: str = "",
        side: str = "",
        marks: Sequence[float] | None = None,
        focus: str = "",
        fps: float = 2.0,
    ) -> None:
        listed = isinstance(frames, Sequence) and not isinstance(frames, str)
        if not (listed and all(isinstance(svg, str) for svg in frames)):
            raise TypeError("Player: frames must be a list of SVG pictures (strs); for one write [svg]")
        if not frames:
            raise ValueError("Player: needs at least one frame, got none")
        if len(captions) != len(frames):
            raise ValueError(f"Player: got {len(frames)} frames but {len(captions)} captions; one each")
        if marks is not None and (len(marks) != len(frames) or not all(map(checks.is_number, marks))):
            raise ValueError(f"Player: marks must be {len(frames)} numbers, one per frame, got {marks!r}")
        self.fps = checks.positive_number("Player", "fps", fps)
        self._frames = list(frames)
        self._inline = [inline_svg(svg) for svg in self._frames]
        self.captions = [str(c) for c in captions]
        self.title, self.intro, self.side = title, intro, side
        self.marks = [float(x) for x in marks] if marks is not None else [0.0] * len(frames)
        self.focus = focus

    def __len__(self) -> int:
        return len(self._frames)

    def frames(self) -> Iterator[str]:
        """Each frame's SVG document, in order."""
        return iter(self._frames)

    def to_html(self, player_id: str = "tgl-player") -> str:
        """The player as an HTML fragment (a <div> and its <script>); `player_id` must be unique in a page."""
        packed = gzip.compress(json.dumps(self._inline).encode("utf-8"), 9, mtime=0)
        data = {"captions": self.captions, "marks": self.marks, "focus": self.focus, "fps": self.fps}
        values = {
            "ID": _script_json(player_id),
            "DATA": _script_json(data),
            "FRAMES": base64.b64encode(packed).decode("ascii"),
        }
        # One pass: no text filled in is read again.
        script = re.sub(r"PLAYER_(ID|DATA|FRAMES)", lambda m: values[m[1]], _JS)
        n = len(self)
        title = f"<h2>{html.escape(self.title)}</h2>" if self.title else ""
        intro = f'<div class="tgl-intro">{html.escape(self.intro)}</div>' if self.intro else ""
        side = f'<div class="tgl-side">{inline_svg(self.side)}</div>' if self.side else ""
        return (
            f'<div class="tgl-player" id="{html.escape(player_id)}" tabindex="0" '
            f'data-frames="{n}" data-frame="0">\n<style>{_CSS}</style>\n{title}\n'
            '<div class="tgl-controls">'
            '<button class="tgl-prev" disabled>\u25c0 previous</button>'
            '<button class="tgl-play" disabled>\u25b6 play</button>'
            '<button class="tgl-next" disabled>next \u25b6</button>'
            f'<input class="tgl-slider" type="range" min="0" max="{n - 1}" value="0" step="1" '
            'aria-label="frame" disabled>'
            f'<span class="tgl-counter">frame 1 / {n} (the player needs JavaScript)</span></div>\n'
            f'<div class="tgl-caption">{html.escape(self.captions[0])}</div>\n'
            f'<div class="tgl-body"><div class="tgl-frame">{self._inline[0]}</div>{side}</div>\n'
            f"{intro}\n<script>{script}</script>\n</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html(f"tgl-{uuid.uuid4().hex[:12]}")

    def save(self, path: str | os.PathLike) -> Path:
        """Write the player as one self-contained HTML file, all at once (making folders if needed)."""
        page = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(self.title or 'tinygrad_lite player')}</title>\n</head>\n"
            f'<body style="margin: 0.5em">\n{self.to_html()}\n</body>\n</html>\n'
        )
        return atomic_write(path, page, make_parents=True, owner="Player.save")
