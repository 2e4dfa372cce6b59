"""Tests for viz/film.py, the snapshots it plays (`ShiftConfig(record_every=)`), and `tinygrad-lite film`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite.shift import ShiftConfig, initial_weights, train_shift, train_shift_seeds
from tinygrad_lite.viz import Player, training_film
from tinygrad_lite.viz.film import film_steps


def shift(n: int, hidden: int, steps: int, seed: int = 0, **options) -> object:
    return train_shift(ShiftConfig(n, hidden, steps=steps, **options), seed=seed, progress=False)


@pytest.fixture(scope="module")
def run():
    return shift(5, 2, steps=95, record_every=10)


# ---- the snapshots a film plays -----------------------------------------------------------


def test_snapshots_every_k_updates_and_at_the_end(run) -> None:
    assert [step for step, _ in run.snapshots] == [*range(0, 95, 10), 95]
    first, last = run.snapshots[0][1], run.snapshots[-1][1]
    start = initial_weights(5, 2, 0)
    assert all(np.array_equal(first[name], start[name]) for name in start)
    assert all(np.array_equal(last[name], run.weights[name]) for name in last)
    assert not np.array_equal(first["layers.0.weight"], run.snapshots[1][1]["layers.0.weight"])


def test_recording_changes_nothing_and_is_off_by_default(run) -> None:
    plain = shift(5, 2, steps=95)
    assert plain.snapshots == []
    assert np.array_equal(plain.losses, run.losses)
    assert all(np.array_equal(plain.weights[k], run.weights[k]) for k in plain.weights)


def test_each_seed_keeps_its_own_snapshots_up_to_its_last_step() -> None:
    config = ShiftConfig(7, 2, steps=400, record_every=10, stop_when_solved=True)
    together = train_shift_seeds(config, [0, 1], progress=False)
    for r in together:
        steps = [step for step, _ in r.snapshots]
        assert steps[-1] == r.solved_at == len(r.losses) - 1 and steps[:-1] == list(range(0, steps[-1], 10))
        assert all(np.array_equal(r.snapshots[-1][1][k], r.weights[k]) for k in r.weights)
    alone = shift(7, 2, steps=400, seed=1, record_every=10)
    assert len(together[1].snapshots) > 2 and alone.snapshots[2][0] == together[1].snapshots[2][0] == 20
    for name, w in alone.snapshots[2][1].items():
        assert np.allclose(w, together[1].snapshots[2][1][name])


@pytest.mark.parametrize("every", [0, -5, 2.5, True])
def test_record_every_must_be_a_positive_int(every) -> None:
    with pytest.raises(ValueError, match="record_every must be a positive int"):
        ShiftConfig(5, 2, steps=5, record_every=every)


# ---- training_film ---------------------------------------------------------------------


def test_one_frame_per_snapshot_with_step_loss_and_accuracy(run) -> None:
    film = training_film(run)
    assert isinstance(film, Player) and len(film) == len(run.snapshots) == 11
    step = run.snapshots[3][0]
    caption = f"step {step} of 95: loss {run.losses[step]:.4g}, accuracy {run.accuracies[step]:.0%}"
    assert film.captions[3].startswith(caption)
    assert "loss" not in texts(diagram(list(film.frames())[3]))  # the caption is said once, not twice
    assert film.marks == sorted(film.marks) and film.marks[0] < film.marks[-1]
    assert 'class="tgl-mark"' in film.side and "loss (log scale)" in film.side and "accuracy" in film.side


def diagram(frame: str) -> str:
    """The network diagram of a film's frame (the first picture in it; the hidden space is the second)."""
    return re.findall(r"<svg\b.*?</svg>", frame[1:], re.S)[0]


def texts(svg: str) -> str:
    return " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def test_each_frame_shows_the_network_and_its_hidden_space(run) -> None:
    frame = list(training_film(run).frames())[-1]
    assert frame.count("<svg") == 3  # the frame, the diagram and the hidden space
    assert "in 5" in texts(diagram(frame)) and "The hidden space (h1, h2)" in texts(frame)
    fonts = [float(f) for f in re.findall(r'font-size="([\d.]+)"', frame)]  # px, or pt (x 4/3) in the diagram
    assert min(fonts) >= 10


def test_line_widths_share_one_scale_over_the_whole_run(run) -> None:
    widest = [
        max(map(float, re.findall(r'stroke-width="([\d.]+)"', diagram(svg))))
        for svg in training_film(run).frames()
    ]
    assert widest == sorted(widest)  # the weights of this run only grow
    assert widest[0] < 0.5 * widest[-1] and widest[-1] == pytest.approx(4.0, abs=0.05)


def test_a_solved_run_marks_the_update_that_solved_it() -> None:
    solved = shift(5, 2, steps=60, record_every=20)
    assert solved.solved_at is not None
    assert f"all right from {solved.solved_at:,}" in training_film(solved).side


# ---- where the frames go -----------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_run():
    """The seed's headline run, every update kept: N=11, H=2, seed 0, 5,000 updates (solved at 244)."""
    return shift(11, 2, steps=5000, record_every=1)


def test_frames_follow_the_learning_a_third_before_every_example_is_right(seed_run) -> None:
    steps = film_steps(seed_run)
    assert seed_run.solved_at == 244 and len(seed_run.snapshots) == 5001
    assert 190 <= len(steps) <= 200 and steps[0] == 0 and steps[-1] == 5000 and steps == sorted(set(steps))
    before = sum(step < seed_run.solved_at for step in steps)
    assert before >= len(steps) / 3  # 244 of 5,000 updates (5%) get a third of the film
    gaps = np.diff(steps)
    assert np.median(gaps[: before - 1]) <= 3 and np.median(gaps[before:]) >= 20  # dense, then sparse
    assert sum(step > 1000 for step in steps) >= 40  # the plateau is not skipped


def test_frame_spacing_is_even_when_nothing_changes_but_time() -> None:
    result = shift(5, 2, steps=400, record_every=1, lr=1e-12)  # a learning rate too small to learn
    steps = film_steps(result, frames=41)
    assert len(steps) == 41 and np.ptp(np.diff(steps)) <= 2  # about every 10 updates


def test_a_film_with_fewer_snapshots_than_frames_plays_them_all(run) -> None:
    assert film_steps(run, frames=200) == [step for step, _ in run.snapshots]
    assert len(training_film(run, frames=5)) <= 5


# ---- the command line ------------------------------------------------------------------


def test_film_command_5000_steps_about_200_frames_under_5_mb(tmp_path: Path, capsys) -> None:
    from tinygrad_lite.cli import main

    out = tmp_path / "new folder" / "film.html"
    assert main(["film", "--n", "11", "--hidden", "2", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    frames = int(re.search(r"(\d+) frames", printed)[1])
    assert 150 <= frames <= 201 and str(out) in printed
    assert out.stat().st_size < 5_000_000
    assert f'data-frames="{frames}"' in out.read_text("utf-8")


def test_film_command_rejects_bad_options_before_training(tmp_path: Path, capsys) -> None:
    from tinygrad_lite.cli import main

    assert main(["film", "--every", "0", "--out", str(tmp_path / "f.html")]) == 1
    assert "film: every must be a positive int, got 0 (set by --every)" in capsys.readouterr().err
    assert main(["film", "--fps", "0", "--out", str(tmp_path / "f.html")]) == 1
    assert "film: fps must be a positive finite number, got 0.0 (set by --fps)" in capsys.readouterr().err
    assert not (tmp_path / "f.html").exists()


# ---- bad input ---------------------------------------------------------------------------

# fmt: off
BAD_INPUT = [
    ("training_film-type", lambda: training_film("not a result"), TypeError,
     r"^training_film: expects a ShiftResult from train_shift, got str"),
    ("training_film-no-snapshots", lambda: training_film(shift(3, 1, steps=3)), ValueError,
     r"^training_film: the result kept no snapshots; train with ShiftConfig\(\.\.\., record_every=k\)"),
    ("training_film-fps", lambda: training_film(shift(3, 1, steps=3, record_every=1), fps=0), ValueError,
     r"^Player: fps must be a positive finite number, got 0"),
    ("training_film-frames", lambda: training_film(shift(3, 1, steps=3, record_every=1), frames=0),
     ValueError,
     r"^training_film: frames must be a positive int, got 0"),
    ("training_film-frames-str", lambda: training_film(shift(3, 1, steps=3, record_every=1), frames="a"),
     ValueError, r"^training_film: frames must be a positive int, got 'a'"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
