"""Tests for viz/film.py, the snapshots it plays (`ShiftConfig(record_every=)`), and `tinygrad-lite film`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite.shift import ShiftConfig, initial_weights, train_shift, train_shift_seeds
from tinygrad_lite.viz import Player, training_film


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
    assert caption in list(film.frames())[3]  # the diagram's own title says it too
    assert film.marks == sorted(film.marks) and film.marks[0] < film.marks[-1]
    assert 'class="tgl-mark"' in film.side and "loss (log scale)" in film.side and "accuracy" in film.side


def test_line_widths_share_one_scale_over_the_whole_run(run) -> None:
    widest = [
        max(map(float, re.findall(r'stroke-width="([\d.]+)"', svg))) for svg in training_film(run).frames()
    ]
    assert widest == sorted(widest)  # the weights of this run only grow
    assert widest[0] < 0.5 * widest[-1] and widest[-1] == pytest.approx(4.0, abs=0.05)


def test_a_solved_run_marks_the_update_that_solved_it() -> None:
    solved = shift(5, 2, steps=60, record_every=20)
    assert solved.solved_at is not None
    assert f"all 4 right from update {solved.solved_at:,}" in training_film(solved).side


# ---- the command line ------------------------------------------------------------------


def test_film_command_5000_steps_about_200_frames_under_5_mb(tmp_path: Path, capsys) -> None:
    from tinygrad_lite.cli import main

    out = tmp_path / "new folder" / "film.html"
    assert main(["film", "--n", "11", "--hidden", "2", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "201 frames, every 25" in printed and str(out) in printed
    assert out.stat().st_size < 5_000_000
    assert 'data-frames="201"' in out.read_text("utf-8")


def test_film_command_rejects_bad_options_before_training(tmp_path: Path, capsys) -> None:
    from tinygrad_lite.cli import main

    assert main(["film", "--every", "0", "--out", str(tmp_path / "f.html")]) == 1
    assert "--every must be a positive number" in capsys.readouterr().err
    assert main(["film", "--fps", "0", "--out", str(tmp_path / "f.html")]) == 1
    assert "--fps must be a positive number" in capsys.readouterr().err
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
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
