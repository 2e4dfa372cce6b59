"""Tests for the docs: every Python block in README.md and docs/ runs and prints what the page shows,
every picture a page shows was made by a script, and every public name has a docstring.

How a page runs: its ```python blocks are executed in order, in one fresh namespace
per page, with a temporary folder as the working directory (files a block writes
land there). A block followed by a ```text title="Output" block must print exactly
that text, trailing spaces aside. Each block is compiled with the page's path and
its own line numbers, so a traceback points at the Markdown line that failed.

After a deliberate change to what a block prints, refresh the Output blocks with
`UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_docs.py`, then read the diff.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import tinygrad_lite

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
IMAGES = DOCS / "images"
PAGES = sorted([ROOT / "README.md", *DOCS.rglob("*.md")])
SCRIPT_DIRS = (ROOT / "demos", ROOT / "benchmarks")

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)(?P<info>[^`\n]*)$")


@dataclass
class Block:
    lang: str
    info: str
    code: str
    first_line: int  # 1-based line of the first code line in the file
    last_line: int  # 1-based line of the closing fence


def fenced_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, indented ones (in admonitions) included."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        end = i + 1
        while end < len(lines) and not (
            lines[end].startswith(indent)
            and lines[end].strip().startswith(fence[0] * len(fence))
            and set(lines[end].strip()) == {fence[0]}
        ):
            end += 1
        body = [line.removeprefix(indent) for line in lines[i + 1 : end]]
        blocks.append(Block(opening["lang"], opening["info"].strip(), "\n".join(body), i + 2, end + 1))
        i = end + 1
    return blocks


def runnable(blocks: list[Block], text: str) -> list[tuple[Block, Block | None]]:
    """Each Python block with the Output block that follows it (only blank lines between), if any."""
    lines = text.splitlines()
    pairs = []
    for k, block in enumerate(blocks):
        if block.lang not in ("python", "py"):
            continue
        shown = None
        if k + 1 < len(blocks):
            after = blocks[k + 1]
            between = lines[block.last_line : after.first_line - 2]
            is_output = after.lang == "text" and 'title="Output"' in after.info
            if is_output and not any(line.strip() for line in between):
                shown = after
        pairs.append((block, shown))
    return pairs


def tidy(output: str) -> str:
    return "\n".join(line.rstrip() for line in output.strip("\n").splitlines())


def page_id(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


PAGES_WITH_CODE = [p for p in PAGES if runnable(fenced_blocks(p.read_text("utf-8")), p.read_text("utf-8"))]


def test_the_collector_finds_the_pages_and_their_blocks():
    names = {page_id(p) for p in PAGES_WITH_CODE}
    pages = {"README.md", "docs/index.md", "docs/tutorial.md", "docs/autodiff.md", "docs/gradcheck.md"}
    assert pages <= names
    text = (DOCS / "tutorial.md").read_text("utf-8")
    pairs = runnable(fenced_blocks(text), text)
    assert len(pairs) >= 10
    assert sum(shown is not None for _, shown in pairs) >= 8


def test_fences_inside_admonitions_and_outputs_are_paired():
    text = '!!! note\n    ```python\n    print(1)\n    ```\n\n    ```text title="Output"\n    1\n    ```\n'
    ((block, shown),) = runnable(fenced_blocks(text), text)
    assert block.code == "print(1)" and block.first_line == 3
    assert shown is not None and shown.code == "1"


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=page_id)
def test_page_code_runs_and_prints_what_the_page_shows(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = page.read_text("utf-8")
    namespace = {"__name__": "__docs__"}
    updates, mismatches = [], []
    print_options = np.get_printoptions()
    try:
        for block, shown in runnable(fenced_blocks(text), text):
            code = compile("\n" * (block.first_line - 1) + block.code, str(page), "exec")
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured):
                exec(code, namespace)
            if shown is None:
                continue
            actual, expected = tidy(captured.getvalue()), tidy(shown.code)
            if actual != expected:
                mismatches.append(
                    f"{page_id(page)}:{block.first_line}: the block printed\n{actual}\n"
                    f"but the page shows (line {shown.first_line})\n{expected}"
                )
                updates.append((shown, actual))
    finally:
        np.set_printoptions(**print_options)
    if updates and os.environ.get("UPDATE_DOCS") == "1":
        _rewrite_outputs(page, text, updates)
        pytest.skip(f"UPDATE_DOCS=1: rewrote {len(updates)} Output block(s) of {page_id(page)}")
    assert not mismatches, "\n\n".join(mismatches)


def _rewrite_outputs(page: Path, text: str, updates: list[tuple[Block, str]]) -> None:
    lines = text.splitlines()
    for shown, actual in sorted(updates, key=lambda u: -u[0].first_line):
        indent = re.match(r"[ \t]*", lines[shown.first_line - 2]).group(0)
        new = [indent + line if line else "" for line in actual.splitlines()]
        lines[shown.first_line - 1 : shown.last_line - 1] = new
    page.write_text("\n".join(lines) + "\n", "utf-8")


# ---- pictures: each one shown exists, and a script in the repo writes it ------------------

IMAGE_LINK = re.compile(r"!\[[^\]]*\]\((?P<path>[^)\s]+)|<img[^>]*\ssrc=\"(?P<src>[^\"]+)\"")
SNIPPET = re.compile(r"^[ \t]*--8<--[ \t]+\"(?P<path>[^\"]+)\"", re.MULTILINE)


def shown_files() -> dict[Path, list[str]]:
    """Every file under docs/ that a page shows (images) or includes (snippets), with the pages."""
    shown: dict[Path, list[str]] = {}
    for page in PAGES:
        text = page.read_text("utf-8")
        links = [m["path"] or m["src"] for m in IMAGE_LINK.finditer(text)]
        targets = [(page.parent / link).resolve() for link in links if "://" not in link]
        targets += [(DOCS / m["path"]).resolve() for m in SNIPPET.finditer(text)]
        for target in targets:
            shown.setdefault(target, []).append(page_id(page))
    return shown


def declared_outputs() -> dict[str, str]:
    """File name -> the script that writes it: each script lists its files in a module-level OUTPUTS."""
    declared = {}
    for folder in SCRIPT_DIRS:
        for script in sorted(folder.glob("*.py")):
            tree = ast.parse(script.read_text("utf-8"))
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                if not any(isinstance(t, ast.Name) and t.id == "OUTPUTS" for t in targets):
                    continue
                container = node.value
                items = container.keys if isinstance(container, ast.Dict) else getattr(container, "elts", [])
                for item in items:
                    if isinstance(item, ast.Constant) and isinstance(item.value, str):
                        declared[item.value] = script.relative_to(ROOT).as_posix()
    return declared


def test_every_picture_a_page_shows_exists_and_a_script_makes_it():
    shown, declared = shown_files(), declared_outputs()
    assert any(path.suffix == ".svg" for path in shown), "the docs show no pictures?"
    for path, pages in shown.items():
        where = ", ".join(sorted(set(pages)))
        assert path.is_file(), f"{where} shows {path.relative_to(ROOT)}, which does not exist"
        assert path.parent == IMAGES, f"{where}: {path.relative_to(ROOT)} must live in docs/images/"
        assert path.name in declared, (
            f"{where} shows images/{path.name}, but no script in demos/ or benchmarks/ lists it in its "
            f"OUTPUTS (known: {sorted(declared)})"
        )


def test_every_file_in_docs_images_is_shown_by_a_page():
    shown = shown_files()
    unused = sorted(p.name for p in IMAGES.iterdir() if p.resolve() not in shown)
    assert not unused, f"docs/images/ holds files no page shows (stale?): {unused}"


def test_the_picture_script_runs(tmp_path):
    """The cheapest picture, regenerated from scratch: the script works without matplotlib."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "docs_images.py"), "--out", str(tmp_path), "expression.svg"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "expression.svg").read_text("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "tanh" in svg


# ---- players: each <iframe> a page embeds is a committed player, up to date with its script -------

PLAYERS = DOCS / "players"
IFRAME = re.compile(r"<iframe[^>]*\ssrc=\"(?P<src>[^\"]+)\"")


def embedded_players() -> dict[Path, list[str]]:
    embedded: dict[Path, list[str]] = {}
    for page in PAGES:
        for match in IFRAME.finditer(page.read_text("utf-8")):
            embedded.setdefault((page.parent / match["src"]).resolve(), []).append(page_id(page))
    return embedded


def test_the_docs_embed_the_live_players():
    embedded = embedded_players()
    assert {p.name for p in embedded} >= {"replay.html", "film.html"}
    assert {p.name for p in PLAYERS.iterdir()} == {p.name for p in embedded}, "a player no page embeds"
    declared = declared_outputs()
    for path, pages in embedded.items():
        assert path.parent == PLAYERS and path.is_file(), f"{pages} embed {path}, not a file in docs/players/"
        assert declared.get(path.name) == "demos/docs_players.py", f"{path.name} is not in its OUTPUTS"


def test_the_committed_players_are_up_to_date(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "docs_players.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for path in sorted(tmp_path.iterdir()):
        committed = (PLAYERS / path.name).read_bytes()
        assert path.read_bytes() == committed, f"docs/players/{path.name} is stale: run demos/docs_players.py"


def test_the_site_works_opened_from_disk():
    """Pages build as page.html, not page/index.html, so links work without a server."""
    assert re.search(r"^use_directory_urls: false$", (ROOT / "mkdocs.yml").read_text("utf-8"), re.MULTILINE)


# ---- the API reference: a page per module, a docstring per public name -------------------


def modules() -> list[str]:
    """Every module of the package, those of its subpackages too ("viz.graph"), but not the __init__s."""
    package = ROOT / "tinygrad_lite"
    names = []
    for path in package.rglob("*.py"):
        parts = path.relative_to(package).with_suffix("").parts
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return sorted(names)


def test_every_module_has_an_api_page():
    pages = "\n".join(p.read_text("utf-8") for p in (DOCS / "api").glob("*.md"))
    missing = [
        m for m in modules() if not re.search(rf"^::: tinygrad_lite\.{re.escape(m)}$", pages, re.MULTILINE)
    ]
    assert not missing, f"no page in docs/api/ has '::: tinygrad_lite.NAME' for the modules {missing}"


def public_objects():
    for name in modules():
        module = importlib.import_module(f"tinygrad_lite.{name}")
        yield f"tinygrad_lite.{name}", module
        for attr, obj in vars(module).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield f"{module.__name__}.{attr}", obj
            if inspect.isclass(obj):
                for member, value in vars(obj).items():
                    if member.startswith("_"):
                        continue
                    if inspect.isfunction(value) or isinstance(value, (property, staticmethod, classmethod)):
                        yield f"{module.__name__}.{attr}.{member}", getattr(obj, member)


def test_every_public_name_has_a_docstring():
    """The API reference is built from docstrings; an override may inherit its base's docstring."""
    undocumented = []
    for path, obj in public_objects():
        doc = obj.__doc__ if isinstance(obj, property) else inspect.getdoc(obj)
        if not doc or not doc.strip():
            undocumented.append(path)
    assert not undocumented, f"public names without a docstring: {undocumented}"


def test_the_overview_lists_every_public_name():
    """docs/api/index.md has a row for each name in tinygrad_lite.__all__, and its module has a page."""
    overview = (DOCS / "api" / "index.md").read_text("utf-8")
    documented = set(modules()) | {m.rpartition(".")[0] for m in modules() if "." in m}  # and subpackages
    for name in tinygrad_lite.__all__:
        assert f"`{name}`" in overview, f"docs/api/index.md does not list tinygrad_lite.{name}"
        obj = getattr(tinygrad_lite, name)
        module = obj.__name__ if inspect.ismodule(obj) else obj.__module__
        assert module.removeprefix("tinygrad_lite.") in documented, f"{name} comes from {module}, no API page"


def test_every_test_the_reliability_page_names_exists():
    """docs/reliability.md promises only what is tested: each test it names is defined in tests/."""
    page = (DOCS / "reliability.md").read_text("utf-8")
    named = set(re.findall(r"`(test_\w+)`", page))
    defined = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        defined |= set(re.findall(r"^\s*def (test_\w+)", path.read_text("utf-8"), re.MULTILINE))
    assert named, "the page names no tests"
    assert not named - defined, (
        f"docs/reliability.md names tests that do not exist: {sorted(named - defined)}"
    )
