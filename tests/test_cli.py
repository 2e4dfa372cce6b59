"""Tests for cli.py: `python -m tinygrad_lite train | sweep`, and one-line errors for bad arguments."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tinygrad_lite import Tensor, cli, load, nn, tasks


def run_module(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_lite", *args], capture_output=True, text=True, timeout=120
    )


def assert_one_line_error(err: str) -> None:
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert "error:" in err


# ---- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        ([], ["usage: tinygrad-lite", "train", "sweep"]),
        (["train"], ["usage: tinygrad-lite train", "--n N", "--hidden HIDDEN", "--save PATH", "--quiet"]),
        (["sweep"], ["usage: tinygrad-lite sweep", "--hidden HIDDEN [HIDDEN ...]", "--max-n MAX_N"]),
    ],
)
def test_help(args, expected):
    result = run_module(*args, "--help")
    assert result.returncode == 0 and result.stderr == ""
    for text in expected:
        assert text in result.stdout


# ---- train ---------------------------------------------------------------------------------------


def test_train_prints_accuracy_and_the_weight_table(capsys):
    assert cli.main(["train", "--n", "5", "--hidden", "2", "--steps", "300", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "N=5 H=2: accuracy 100%, all examples right after 22 updates, final loss 0.003966"
    expected = tasks.weight_table(tasks.train_shift(5, 2, steps=300, progress=False).model)
    assert "\n".join(lines[1:]) == expected
    assert len(lines) == 1 + 2 + 5  # the summary, the table's two header lines, one row per node


def test_train_from_the_command_line_in_a_subprocess():
    result = run_module("train", "--n", "5", "--hidden", "2", "--steps", "300", "--quiet")
    assert result.returncode == 0 and result.stderr == ""
    assert "accuracy 100%" in result.stdout and "node |  in->h1  in->h2 | h1->out h2->out" in result.stdout


def test_train_options_reach_the_training(capsys):
    assert cli.main(["train", "--n", "4", "--steps", "50", "--optimizer", "sgd", "--lr", "0.3", "--seed", "2",
                     "--activation", "linear", "--output", "sigmoid", "--quiet"]) == 0  # fmt: skip
    out, _ = capsys.readouterr()
    r = tasks.train_shift(4, 2, 50, 0.3, "sgd", seed=2, activation="linear", output="sigmoid", progress=False)
    assert out.splitlines() == [
        f"N=4 H=2: accuracy {r.accuracy:.0%}, all examples right "
        f"{'never' if r.solved_at is None else f'after {r.solved_at} updates'}, final loss {r.losses[-1]:.6f}"
    ]  # no weight table without tanh


def test_train_save_writes_a_loadable_checkpoint(tmp_path, capsys):
    path = tmp_path / "shift.npz"
    assert cli.main(["train", "--n", "5", "--steps", "300", "--save", str(path), "--quiet"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"saved the weights to {path}"
    state = load(path)
    assert {name: a.shape for name, a in state.items()} == {
        "layers.0.weight": (2, 5),
        "layers.1.weight": (5, 2),
    }
    model = nn.MLP(5, 2, 5, dtype=np.float64)
    model.load_state_dict(state)
    X, y = tasks.shift_task(5)
    assert (model(Tensor(X)).data.argmax(axis=1) == y).all()


# ---- sweep ----------------------------------------------------------------------------------------


def test_sweep_prints_the_table(capsys):
    assert cli.main(["sweep", "--hidden", "1", "--max-n", "5", "--steps", "300", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        " H | largest N learned | seed says    | N tried (seeds that learned it)",
        " 1 |                 3 | fails (N=5)  | 3:3/3, 4:0/3, 5:0/3",
    ]


# ---- bad arguments: one line on stderr, no traceback ------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--n", "x"], "tinygrad-lite train: error: argument --n: invalid int value: 'x'"),
        (["frobnicate"], "tinygrad-lite: error: argument command: invalid choice: 'frobnicate'"),
        ([], "tinygrad-lite: error: the following arguments are required: command"),
        (["train", "--optimizer", "rmsprop"], "argument --optimizer: invalid choice: 'rmsprop'"),
        (["train", "--bogus"], "tinygrad-lite: error: unrecognized arguments: --bogus"),
        (["sweep", "--hidden"], "argument --hidden: expected at least one argument"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert_one_line_error(err)
    assert message in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--n", "1"], "tinygrad-lite train: error: shift_task: n must be an int >= 2"),
        (
            ["train", "--hidden", "0"],
            "tinygrad-lite train: error: train_shift: hidden must be a positive int",
        ),
        (["train", "--steps", "-1"], "steps must be a non-negative int, got -1"),
        (["train", "--lr", "0"], "lr must be a positive number, got 0.0"),
        (["train", "--save", "/no/such/dir/x.npz"], "--save: the directory '/no/such/dir' does not exist"),
        (
            ["sweep", "--seeds", "0"],
            "tinygrad-lite sweep: error: capacity_sweep: seeds must be a positive int",
        ),
        (["sweep", "--max-n", "1"], "capacity_sweep: max_n must be at least 2"),
        (["sweep", "--hidden", "2", "0"], "capacity_sweep: hidden size must be a positive int, got 0"),
    ],
)
def test_bad_values_exit_1_with_one_line(args, message, capsys):
    assert cli.main([*args, "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # refused before any training
    assert_one_line_error(err)
    assert message in err


@pytest.mark.parametrize("args", [["train", "--n", "x"], ["train", "--n", "1"], ["frobnicate"]])
def test_bad_arguments_in_a_subprocess(args):
    result = run_module(*args)
    assert result.returncode != 0 and result.stdout == ""
    assert_one_line_error(result.stderr)
