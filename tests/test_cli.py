"""Tests for cli.py: train, sweep and draw from the command line; one-line errors, Ctrl-C, closed pipes."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

from tinygrad_lite import Tensor, cli, draw_network, load, nn, save, shift
from tinygrad_lite.shift import ShiftConfig


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
    expected = shift.weight_table(shift.train_shift(ShiftConfig(5, 2, steps=300), progress=False).model)
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
    config = ShiftConfig(4, 2, steps=50, lr=0.3, optimizer="sgd", activation="linear", output="sigmoid")
    r = shift.train_shift(config, 2, progress=False)
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
    X, y = shift.shift_task(5)
    assert (model(Tensor(X)).data.argmax(axis=1) == y).all()


# ---- sweep ----------------------------------------------------------------------------------------


def test_sweep_prints_the_table(capsys):
    assert cli.main(["sweep", "--hidden", "1", "--max-n", "5", "--steps", "300", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "bias | optimizer    |      H=1",
        "no   | adam 0.05    |        3",
    ]


def test_sweep_options_reach_the_table_and_the_json(tmp_path, capsys):
    path = tmp_path / "table.json"
    args = ["sweep", "--hidden", "1", "2", "--optimizers", "adam:0.1", "sgd:0.5", "--bias", "both",
            "--seeds", "2", "--steps", "200", "--criterion", "any", "--max-n", "6", "--init", "normal",
            "--jobs", "1", "--json", str(path), "--quiet"]  # fmt: skip
    assert cli.main(args) == 0
    out = capsys.readouterr().out.splitlines()
    table = shift.capacity_table(
        [1, 2], [("adam", 0.1), ("sgd", 0.5)], bias=[False, True], seeds=2, steps=200,
        criterion="any", max_n=6, init="normal", jobs=1, progress=False,
    )  # fmt: skip
    assert out == [*shift.capacity_text(table).splitlines(), f"wrote {path}"]
    assert len(out) == 1 + 4 + 1  # header, (no bias, bias) x (adam, sgd), the file
    assert json.loads(path.read_text()) == [row.record() for row in table]


def test_sweep_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "capacity.svg"
    args = ["sweep", "--hidden", "1", "2", "--max-n", "4", "--steps", "100", "--plot", str(path), "--quiet"]
    assert cli.main(args) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {path}"
    assert path.read_text("utf-8").lstrip().startswith("<?xml")


# ---- draw ---------------------------------------------------------------------------------------


def test_draw_writes_the_graph_and_the_network(tmp_path, capsys):
    out = tmp_path / "new" / "pictures"  # made at write time
    assert cli.main(["draw", "--n", "4", "--steps", "50", "--input", "2", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    names = sorted(p.name for p in out.iterdir())
    assert names == ["graph_n4_h2_input2.svg", "network_n4_h2.svg"]
    assert sorted(printed) == sorted(str(out / name) for name in names)
    assert all((out / name).read_text("utf-8").lstrip().startswith("<?xml") for name in names)


# ---- --load, short flags, one default N ----------------------------------------------------------


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory) -> str:
    """What `train -n 5 -s 300 --save` writes."""
    path = tmp_path_factory.mktemp("saved") / "model.npz"
    assert cli.main(["train", "-n", "5", "-s", "300", "-q", "-o", str(path)]) == 0
    return str(path)


def test_draw_load_draws_the_saved_network_without_training(saved_model, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shift, "train_shift", lambda *a, **k: pytest.fail("--load must not train"))
    assert cli.main(["draw", "--load", saved_model, "-i", "3", "-o", str(tmp_path), "-q"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        str(tmp_path / "graph_n5_h2_input3.svg"),
        str(tmp_path / "network_n5_h2.svg"),
    ]
    model = nn.MLP(5, 2, 5, dtype=np.float64)
    model.load_state_dict(load(saved_model))
    assert (tmp_path / "network_n5_h2.svg").read_text("utf-8") == draw_network(model, x=3).svg()


def test_film_load_trains_on_from_the_saved_network(saved_model, tmp_path, capsys):
    out = tmp_path / "film.html"
    assert cli.main(["film", "--load", saved_model, "-s", "20", "--every", "10", "-o", str(out), "-q"]) == 0
    printed = capsys.readouterr().out.splitlines()
    state = load(saved_model)
    result = shift.train_shift(ShiftConfig(5, 2, steps=20, record_every=10), progress=False, start=state)
    assert printed[0].startswith(f"{result.summary()};") and printed[-1] == str(out)
    assert result.solved_at == 0 and result.losses[0] < 0.01  # it starts from the trained weights
    np.testing.assert_array_equal(result.snapshots[0][1]["layers.0.weight"], state["layers.0.weight"])
    assert out.read_text("utf-8").lstrip().lower().startswith("<!doctype html>")


def test_film_load_keeps_the_biases_of_a_network_that_has_them(tmp_path, capsys):
    path, out = tmp_path / "biased.npz", tmp_path / "film.html"
    save(nn.MLP(5, 2, 5, bias=True, rng=0, dtype=np.float64).state_dict(), path)
    assert cli.main(["film", "--load", str(path), "-s", "10", "--every", "5", "-o", str(out), "-q"]) == 0
    config = ShiftConfig(5, 2, steps=10, record_every=5, bias=True)
    result = shift.train_shift(config, progress=False, start=load(path))
    assert capsys.readouterr().out.splitlines()[0].startswith(f"{result.summary()};")
    assert "layers.0.bias" in result.snapshots[-1][1]


@pytest.mark.parametrize(
    "args, pattern",
    [
        (["-n", "11"], r"holds an N=5, H=2 network, but -n 11 was given; drop -n or give -n 5$"),
        (["-H", "3"], r"holds an N=5, H=2 network, but -H 3 was given; drop -H or give -H 2$"),
    ],
)
@pytest.mark.parametrize("command", ["draw", "film"])
def test_load_refuses_a_different_n_or_h(saved_model, command, args, pattern, capsys):
    status, out, err = run_cli([command, "--load", saved_model, *args, "-q"], capsys)
    assert_one_line(status, out, err, rf"^tinygrad-lite {command}: error: --load: .*model.npz {pattern}")


def test_load_refuses_what_is_not_a_saved_network(tmp_path, capsys):
    other = tmp_path / "other.npz"
    save({"w": np.ones(3)}, other)
    status, out, err = run_cli(["draw", "--load", str(other), "-q"], capsys)
    fix = "write one with: tinygrad-lite train --save model.npz"
    assert_one_line(
        status,
        out,
        err,
        rf"--load: .*other.npz holds no network n -> hidden -> n \(it holds \['w'\]\); {fix}$",
    )
    status, out, err = run_cli(["film", "--load", str(tmp_path / "none.npz"), "-q"], capsys)
    fix = f"write one with: tinygrad-lite train --save {tmp_path / 'none.npz'}"
    assert_one_line(
        status, out, err, rf"^tinygrad-lite film: error: --load: no checkpoint at .*; {re.escape(fix)}$"
    )


def test_every_command_defaults_to_the_seeds_n_and_h(tmp_path, capsys):
    assert cli.main(["train", "-s", "0", "-q"]) == 0
    assert capsys.readouterr().out.startswith("N=11 H=2: ")
    assert cli.main(["film", "-s", "2", "-o", str(tmp_path / "film.html"), "-q"]) == 0
    assert capsys.readouterr().out.startswith("N=11 H=2: ")
    assert cli.main(["draw", "-s", "0", "-o", str(tmp_path), "-q"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == str(tmp_path / "network_n11_h2.svg")


def test_short_flags_are_the_long_ones():
    parser = cli.build_parser()
    short = parser.parse_args(
        ["draw", "-n", "7", "-H", "3", "-s", "9", "-q", "-i", "2", "-f", "png", "-o", "x"]
    )
    long = parser.parse_args(
        ["draw", "--n", "7", "--hidden", "3", "--steps", "9", "--quiet", "--input", "2", "--format", "png",
         "--out", "x"]
    )  # fmt: skip
    assert vars(short) == vars(long)
    assert parser.parse_args(["train", "-o", "m.npz"]).save == "m.npz"
    assert parser.parse_args(["film", "-o", "f.html"]).out == "f.html"


def test_pdf_without_graphviz_suggests_the_command_line_fix(monkeypatch, capsys):
    from tinygrad_lite.viz import rendering

    monkeypatch.setattr(rendering, "find_renderer", lambda: ("graphviz-pure", "/x/graphviz-pure"))
    monkeypatch.setattr(shift, "train_shift", lambda *a, **k: pytest.fail("refuse before training"))
    status, out, err = run_cli(["draw", "-f", "pdf", "-q"], capsys)
    assert_one_line(
        status, out, err, r"--format pdf needs Graphviz's `dot` on PATH .* use --format svg or --format png$"
    )
    assert "picture." not in err and "render(" not in err  # no Python calls


@pytest.mark.parametrize(
    "args, flag",
    [
        (["train", "-n", "1"], "(set by -n/--n)"),
        (["train", "-H", "0"], "(set by -H/--hidden)"),
        (["train", "-s", "-1"], "(set by -s/--steps)"),
        (["train", "--lr", "0"], "(set by --lr)"),
        (["film", "--seed", "-2"], "(set by --seed)"),
    ],
)
def test_a_refused_value_names_its_option(args, flag, capsys):
    status, out, err = run_cli([*args, "-q"], capsys)
    assert_one_line(status, out, err, re.escape(flag) + "$")


# ---- bad arguments: one line on stderr, no traceback ------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--n", "x"], "tinygrad-lite train: error: argument -n/--n: invalid int value: 'x'"),
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
        (["train", "--n", "1"], "tinygrad-lite train: error: ShiftConfig: n must be an int >= 2"),
        (
            ["train", "--hidden", "0"],
            "tinygrad-lite train: error: ShiftConfig: hidden must be a positive int",
        ),
        (["train", "--steps", "-1"], "steps must be a non-negative int, got -1"),
        (["train", "--lr", "0"], "lr must be a positive finite number, got 0.0"),
        (["train", "--save", "/no/such/dir/x.npz"], "--save: the directory '/no/such/dir' does not exist"),
        (
            ["sweep", "--seeds", "0"],
            "tinygrad-lite sweep: error: capacity_table: seeds must be a positive int",
        ),
        (["sweep", "--max-n", "1"], "capacity_table: max_n must be an int >= 2"),
        (["sweep", "--hidden", "2", "0"], "capacity_table: hidden size must be a positive int, got 0"),
        (["sweep", "--jobs", "0"], "capacity_table: jobs must be a positive int, got 0"),
        (["sweep", "--optimizers", "adam"], "--optimizers: expected NAME:LR such as adam:0.05, got 'adam'"),
        (
            ["sweep", "--optimizers", "rmsprop:0.1"],
            "capacity_table: optimizer must be one of ('adam', 'sgd')",
        ),
        (
            ["sweep", "--optimizers", "sgd:0"],
            "capacity_table: the lr of sgd must be a positive finite number",
        ),
        (["sweep", "--optimizers", "sgd:0.1", "--lr", "0.1"], "--lr and --optimizers: give one of them"),
        (["sweep", "--json", "/no/such/dir/t.json"], "capacity_table: the directory '/no/such/dir' does not"),
        (["sweep", "--plot", "/no/such/dir/t.svg"], "--plot: the directory '/no/such/dir' does not exist"),
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


# ---- more bad arguments: non-zero exit, one line on stderr, nothing on stdout ----------------------

TMP = tempfile.gettempdir()  # an existing directory, for "path is a directory"


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    try:
        status = cli.main(args)
    except SystemExit as exit_:  # argparse's usage errors
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line(status: int, out: str, err: str, pattern: str) -> None:
    assert status != 0
    assert out == "", out  # refused before any training or printing
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    assert re.search(pattern, err), err


@pytest.mark.parametrize(
    "args, pattern",
    [
        (["train", "--lr", "nan"], r"ShiftConfig: lr must be a positive finite number, got nan"),
        (["train", "--lr", "inf"], r"ShiftConfig: lr must be a positive finite number, got inf"),
        (["train", "--n", "-3"], r"ShiftConfig: n must be an int >= 2"),
        (["train", "--hidden", "-1"], r"ShiftConfig: hidden must be a positive int, got -1"),
        (["train", "--seed", "-1"], r"train_shift: seed must be a non-negative int"),
        (["train", "--steps", "1e3"], r"argument -s/--steps: invalid int value: '1e3'"),
        (["train", "--save", TMP], r"--save: '.*' is a directory"),
        (["train", "--save", ""], r"--save: path is empty; give a file name"),
        (
            ["draw", "--input", "0"],
            r"draw: input must be one of the inputs that fire, 1..10, got 0 \(set by -i/--input\)$",
        ),
        (
            ["draw", "-n", "5", "-i", "5"],
            r"draw: input must be one of the inputs that fire, 1..4, got 5 \(set by -i/--input\)$",
        ),
        (["draw", "--n", "1"], r"ShiftConfig: n must be an int >= 2"),
        (["draw", "--hidden", "0"], r"ShiftConfig: hidden must be a positive int"),
        (["draw", "--format", "gif"], r"argument -f/--format: invalid choice: 'gif'"),
        (
            ["sweep", "--lr", "-1", "--max-n", "3"],
            r"capacity_table: the lr of adam must be a positive finite number, got -1.0",
        ),
        (["sweep", "--steps", "-5", "--max-n", "3"], r"capacity_table: steps must be a non-negative int"),
        (["sweep", "--hidden", "x"], r"argument --hidden: invalid int value: 'x'"),
        (["sweep", "--criterion", "most"], r"argument --criterion: invalid choice: 'most'"),
        (["sweep", "--init", "zeros"], r"argument --init: invalid choice: 'zeros'"),
        (["sweep", "--bias", "maybe"], r"argument --bias: invalid choice: 'maybe'"),
        (["film", "--every", "0"], r"film: every must be a positive int, got 0 \(set by --every\)$"),
        (["film", "--fps", "nan"], r"film: fps must be a positive finite number, got nan \(set by --fps\)$"),
    ],
)
def test_the_cli_refuses_bad_input_with_one_line(args, pattern, capsys):
    status, out, err = run_cli([*args, "--quiet"], capsys)
    assert_one_line(status, out, err, rf"^tinygrad-lite {args[0]}: error: {pattern}")


def test_the_cli_refuses_a_file_as_the_picture_folder(tmp_path, capsys):
    taken = tmp_path / "pictures"
    taken.write_text("not a folder")
    status, out, err = run_cli(["draw", "--out", str(taken), "--quiet"], capsys)
    assert_one_line(status, out, err, r"^tinygrad-lite draw: error: --out: '.*pictures' is a file")


@pytest.mark.parametrize(
    "error, pattern",
    [
        (MemoryError("Unable to allocate 74.5 GiB for an array"), r"error: Unable to allocate 74.5 GiB"),
        (MemoryError(), r"error: MemoryError$"),
        (ValueError("first line\nsecond line"), r"error: first line second line$"),
    ],
)
def test_the_cli_reports_out_of_memory_and_long_messages_on_one_line(error, pattern, capsys, monkeypatch):
    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(shift, "train_shift", fails)
    assert_one_line(*run_cli(["train", "--quiet"], capsys), pattern)


def test_a_bug_is_not_hidden_as_a_one_line_error(monkeypatch):
    def fails(*args, **kwargs):
        raise RecursionError("a bug")

    monkeypatch.setattr(shift, "train_shift", fails)
    with pytest.raises(RecursionError):
        cli.main(["train", "--quiet"])


# ---- a run that diverges, Ctrl-C, a closed pipe ------------------------------------------------------


def test_a_diverging_run_says_so_and_leaks_no_numpy_warning():
    result = run_module("train", "--n", "5", "--steps", "20", "--lr", "1e308", "--quiet")
    assert result.returncode == 0 and result.stderr == ""
    assert "training diverged (final loss nan); try a smaller lr" in result.stdout.splitlines()[0]


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path):
    save = tmp_path / "model.npz"
    # What `python -m tinygrad_lite` runs, saying when its imports are done: a Ctrl-C that lands
    # while numpy is still loading (a slow, loaded machine) can hang numpy's own start-up. Ctrl-C
    # gets Python's own handler, as in a terminal: a shell's background job (a CI script run
    # with `&`) starts with it ignored, and Python keeps it ignored.
    run_cli = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from tinygrad_lite import cli; print(flush=True); sys.exit(cli.main(sys.argv[1:]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", run_cli, "train", "--steps", "100000000", "--quiet", "--save", str(save)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "\n"  # imported
    time.sleep(1.0)  # well into training
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()  # not left training if it did not stop
    assert process.returncode == 130
    assert (out, err) == ("", "tinygrad-lite: interrupted\n")
    assert list(tmp_path.iterdir()) == []  # no partial output


def test_a_closed_pipe_ends_quietly():
    # 2,000 rows of weights (80 kB) overflow the pipe's buffer after `head` has left.
    command = (
        f"{sys.executable} -m tinygrad_lite train --n 2000 --steps 0 --quiet | head -1; exit $PIPESTATUS"
    )
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("N=2000 H=2: accuracy") and len(result.stdout.splitlines()) == 1
    assert result.stderr == ""
    assert result.returncode == 141  # 128 + SIGPIPE, as a program killed by the signal reports


def test_film_places_its_frames_where_the_learning_is_and_films_a_run_of_no_updates(tmp_path, capsys):
    out = tmp_path / "film.html"
    assert cli.main(["film", "-n", "5", "-s", "300", "-q", "-o", str(out)]) == 0
    assert "placed where the learning is" in capsys.readouterr().out
    assert cli.main(["film", "-n", "5", "-s", "0", "-q", "-o", str(out)]) == 0
    assert "1 frames" in capsys.readouterr().out and out.exists()
