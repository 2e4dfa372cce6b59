"""Tests for film.py, `train_shift(record_every=)` and `python -m tinygrad_lite film`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tinygrad_lite import Player, training_film
from tinygrad_lite.cli import main
from tinygrad_lite.tasks import initial_weights, train_shift


@pytest.fixture(scope="module")
def run():
    return train_shift(5, 2, steps=95, seed=0, progress=False, record_every=10)


# ---- record_every ----------------------------------------------------------------------


def test_snapshots_every_k_updates_and_at_the_end(run) -> None:
    assert [step for step, _ in run.snapshots] == [*range(0, 95, 10), 95]
    first, last = run.snapshots[0][1], run.snapshots[-1][1]
    start = initial_weights(5, 2, 0)
    assert all(np.array_equal(first[name], start[name]) for name in start)
    assert all(np.array_equal(last[name], run.weights[name]) for name in last)
    assert not np.array_equal(first["layers.0.weight"], run.snapshots[1][1]["layers.0.weight"])


def test_recording_changes_nothing_and_is_off_by_default(run) -> None:
    plain = train_shift(5, 2, steps=95, seed=0, progress=False)
    assert plain.snapshots == []
    assert np.array_equal(plain.losses, run.losses)
    assert all(np.array_equal(plain.weights[k], run.weights[k]) for k in plain.weights)


def test_each_seed_keeps_its_own_snapshots_up_to_its_last_step() -> None:
    together = train_shift(
        7, 2, steps=400, seed=[0, 1], progress=False, record_every=10, stop_when_solved=True
    )
    for r in together:
        steps = [step for step, _ in r.snapshots]
        assert steps[-1] == r.solved_at == len(r.losses) - 1 and steps[:-1] == list(range(0, steps[-1], 10))
        assert all(np.array_equal(r.snapshots[-1][1][k], r.weights[k]) for k in r.weights)
    alone = train_shift(7, 2, steps=400, seed=1, progress=False, record_every=10)
    assert len(together[1].snapshots) > 2 and alone.snapshots[2][0] == together[1].snapshots[2][0] == 20
    for name, w in alone.snapshots[2][1].items():
        assert np.allclose(w, together[1].snapshots[2][1][name])


@pytest.mark.parametrize("every", [0, -5, 2.5, True])
def test_record_every_must_be_a_positive_int(every) -> None:
    with pytest.raises(ValueError, match="record_every must be a positive int"):
        train_shift(5, 2, steps=5, progress=False, record_every=every)


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


def test_a_film_needs_snapshots() -> None:
    with pytest.raises(ValueError, match="record_every"):
        training_film(train_shift(3, 1, steps=3, progress=False))
    with pytest.raises(TypeError, match="ShiftResult"):
        training_film("not a result")


# ---- the command line ------------------------------------------------------------------


def test_film_command_5000_steps_about_200_frames_under_5_mb(tmp_path: Path, capsys) -> None:
    out = tmp_path / "new folder" / "film.html"
    assert main(["film", "--n", "11", "--hidden", "2", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "201 frames, every 25" in printed and str(out) in printed
    assert out.stat().st_size < 5_000_000
    assert 'data-frames="201"' in out.read_text("utf-8")


def test_film_command_rejects_bad_options_before_training(tmp_path: Path, capsys) -> None:
    assert main(["film", "--every", "0", "--out", str(tmp_path / "f.html")]) == 1
    assert "--every must be a positive number" in capsys.readouterr().err
    assert main(["film", "--fps", "0", "--out", str(tmp_path / "f.html")]) == 1
    assert "--fps must be a positive number" in capsys.readouterr().err
    assert not (tmp_path / "f.html").exists()
