"""The demos `make demo` runs: each finishes, says what it should and writes its pictures."""

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def run_demo(name: str, out: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(DEMOS / name), str(out)], capture_output=True, text=True, timeout=300, check=True
    )
    return done.stdout


def assert_svgs(out: Path, names: list[str]) -> None:
    for name in names:
        root = ElementTree.parse(out / name).getroot()
        assert root.tag.endswith("svg"), name


def test_shift_task_demo_learns_both_networks_and_draws_them(tmp_path: Path) -> None:
    stdout = run_demo("shift_task.py", tmp_path)
    assert "all 4 examples right after 22 updates" in stdout
    assert "all 10 examples right after 244 updates" in stdout
    assert stdout.count("-> right") == 6 and "WRONG" not in stdout
    assert_svgs(tmp_path, ["shift_n5_h2.svg", "shift_n11_h2.svg"])


def test_draw_graph_demo_writes_its_four_pictures(tmp_path: Path) -> None:
    stdout = run_demo("draw_graph.py", tmp_path)
    names = ["expression.svg", "scalar_network_graph.svg", "tensor_step_graph.svg", "network_11_2.svg"]
    assert all(str(tmp_path / name) in stdout for name in names)
    assert_svgs(tmp_path, names)


@pytest.fixture(scope="module")
def watch_it_learn_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("watch")
    return out, run_demo("watch_it_learn.py", out)


@pytest.mark.parametrize("name", ["replay.html", "film.html"])
def test_watch_it_learn_demo_writes_the_players(watch_it_learn_out: tuple[Path, str], name: str) -> None:
    out, stdout = watch_it_learn_out
    assert str(out / name) in stdout
    html = (out / name).read_text()
    assert html.lstrip().lower().startswith("<!doctype html>") and "<script" in html


def test_open_first_lists_what_the_demo_wrote_players_first(tmp_path: Path) -> None:
    import os

    old = tmp_path / "old.svg"
    old.write_text("from an earlier run")
    os.utime(old, (1_000_000, 1_000_000))
    (tmp_path / ".demo-started").touch()
    for name in ("shift_n5_h2.svg", "replay.html", "film.html", "moons.png"):
        (tmp_path / name).write_text(name)
    done = subprocess.run(
        [sys.executable, str(DEMOS / "open_first.py"), str(tmp_path / ".demo-started")],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines[0] == f"make demo wrote 4 files into {tmp_path}/:"
    listed = [line.split()[0] for line in lines[1:5]]
    assert listed == [str(tmp_path / n) for n in ("film.html", "replay.html", "moons.png", "shift_n5_h2.svg")]
    assert "open this first" in lines[1] and "open this second" in lines[2] and "old.svg" not in done.stdout
