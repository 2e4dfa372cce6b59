"""The command line: `python -m tinygrad_lite train | sweep | draw | film ...` (also `tinygrad-lite`).

The options every command shares (-n/--n, -H/--hidden, -s/--steps, --lr, --seed,
-q/--quiet) are declared once, in SHARED, with their short flags; each command picks
those it takes, with its defaults (N is 11, the seed's headline case, everywhere).
`draw` and `film` take `--load model.npz`, what `train --save` wrote: the network's
N and H come from its weights. Each handler checks its output path, calls the
library, and prints.
A failure is one line on stderr (exit 1; 2 for a usage error); Ctrl-C is
`tinygrad-lite: interrupted` (exit 130); a closed pipe ends it quietly.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import checks, files, io, nn, shift

PROG = "tinygrad-lite"

# Each shared option once: (short flag, type, help). A command gives its default for each one it takes.
SHARED = {
    "n": ("-n", int, "number of input/output nodes (default %(default)s)"),
    "hidden": ("-H", int, "hidden tanh neurons (default %(default)s)"),
    "steps": ("-s", int, "full-batch updates (default %(default)s)"),
    "lr": (None, float, "learning rate (default %(default)s)"),
    "seed": (None, int, "the seed of the starting weights (default %(default)s)"),
}
NETWORK = {"n": 11, "hidden": 2}  # the seed's headline network: every command's default
DRAW_LOAD = "draw the network `train --save` wrote to PATH (.npz) instead of training one"
FILM_LOAD = "film the training on from the network `train --save` wrote to PATH (.npz)"


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument gives one line on stderr, not the usage block."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _shared(*, load: str | None = None, **defaults: Any) -> argparse.ArgumentParser:
    """A parent parser with the shared options named in `defaults`, with those defaults, and -q/--quiet.
    With `load` (its help), also --load PATH, and -n/-H default to the checkpoint's network (else to
    NETWORK's)."""
    parent = argparse.ArgumentParser(add_help=False)
    for name, default in defaults.items():
        short, kind, help = SHARED[name]
        if load and name in NETWORK:  # None: not given, so it comes from the checkpoint
            default, help = (
                None,
                help.replace("%(default)s", f"{NETWORK[name]}, or the checkpoint's with --load"),
            )
        parent.add_argument(*filter(None, (short, f"--{name}")), type=kind, default=default, help=help)
    if load:
        parent.add_argument("--load", metavar="PATH", help=load)
    parent.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return parent


def _network(args: argparse.Namespace) -> nn.MLP | None:
    """The network --load names (None without it), with args.n and args.hidden set from it; an
    -n or -H that disagrees with it is refused. Without --load they default to NETWORK's."""
    if args.load is None:
        args.n = NETWORK["n"] if args.n is None else args.n
        args.hidden = NETWORK["hidden"] if args.hidden is None else args.hidden
        return None
    try:
        model = shift.load_network(args.load)
    except (OSError, ValueError) as error:
        # No file or no checkpoint: write one there. A checkpoint of something else: write one elsewhere.
        target = args.load if isinstance(error, (OSError, io.CheckpointError)) else "model.npz"
        fix = f"write one with: tinygrad-lite train --save {target}"
        raise ValueError(f"--load: {_reason(error)}; {fix}") from None
    found = {"-n": model.layers[0].in_features, "-H": model.layers[0].out_features}
    for flag, given in (("-n", args.n), ("-H", args.hidden)):
        if given is not None and given != found[flag]:
            raise ValueError(
                f"--load: {args.load} holds an N={found['-n']}, H={found['-H']} network, but {flag} {given} "
                f"was given; drop {flag} or give {flag} {found[flag]}"
            )
    args.n, args.hidden = found["-n"], found["-H"]
    return model


def _reason(error: Exception) -> str:
    """The error's message without the library function's name: the flag names it instead."""
    return str(error).removeprefix("load: ").removeprefix("load_network: ")


def _config(args: argparse.Namespace, **settings: Any) -> shift.ShiftConfig:
    return shift.ShiftConfig(args.n, args.hidden, steps=args.steps, lr=args.lr, **settings)


# ---- the commands ---------------------------------------------------------------------


def _train(args: argparse.Namespace) -> None:
    config = _config(args, optimizer=args.optimizer, activation=args.activation, output=args.output)
    if args.save is not None:  # refuse a path that cannot be written before training, not after
        files.output_path("--save", args.save, example="model.npz")
    result = shift.train_shift(config, args.seed, progress=not args.quiet)
    print(result.summary())
    if args.activation == "tanh":
        print(shift.weight_table(result.model))
    if args.save is not None:
        io.save(result.model.state_dict(), args.save)
        print(f"saved the weights to {args.save}")


def _sweep(args: argparse.Namespace) -> None:
    if args.optimizers and args.lr is not None:
        raise ValueError("--lr and --optimizers: give one of them (--optimizers adam:0.05 names its lr)")
    optimizers = [
        _optimizer(text) for text in args.optimizers or [f"adam:{0.05 if args.lr is None else args.lr}"]
    ]
    if args.plot is not None:  # refuse before the long run, not after it
        files.output_path("--plot", args.plot, example="capacity.svg")
        if importlib.util.find_spec("matplotlib") is None:
            raise ValueError("--plot needs matplotlib: pip install 'tinygrad_lite[plot]'")
    table = shift.capacity_table(
        args.hidden,
        optimizers,
        bias={"no": [False], "yes": [True], "both": [False, True]}[args.bias],
        seeds=args.seeds,
        steps=args.steps,
        criterion=args.criterion,
        max_n=args.max_n,
        init=args.init,
        jobs=args.jobs,
        json_path=args.json,
        progress=not args.quiet,
    )
    print(shift.capacity_text(table))
    if args.json is not None:
        print(f"wrote {args.json}")
    if args.plot is not None:
        print(f"wrote {shift.capacity_plot(table, args.plot)}")


def _optimizer(text: str) -> tuple[str, float]:
    """'adam:0.05' -> ("adam", 0.05)."""
    name, _, lr = text.partition(":")
    try:
        return name, float(lr)
    except ValueError:
        raise ValueError(f"--optimizers: expected NAME:LR such as adam:0.05, got {text!r}") from None


def _draw(args: argparse.Namespace) -> None:
    from . import viz  # graphviz loads only for the pictures

    loaded, config = _network(args), _config(args)  # the config checks -n, -H, -s, --lr
    shift.firing_input("draw", args.input, args.n)  # say so before training, not after
    out, name = Path(args.out), f"n{args.n}_h{args.hidden}"
    files.output_path("--out", out / f"network_{name}.{args.format}", make_parents=True)
    if args.format == "pdf" and viz.rendering.find_renderer()[0] != "dot":  # say so before training
        raise ValueError(
            "--format pdf needs Graphviz's `dot` on PATH (apt install graphviz, brew install graphviz, "
            "or graphviz.org/download); without it use --format svg or --format png"
        )
    model = loaded or shift.train_shift(config, args.seed, progress=not args.quiet).model
    loss, twin = shift.example_loss(model, args.input)
    pictures = {
        f"graph_{name}_input{args.input}": viz.draw_graph(loss, params=twin),
        f"network_{name}": viz.draw_network(model, x=args.input),
    }
    for file_name, picture in pictures.items():
        print(picture.save(out / f"{file_name}.{args.format}"))


def _film(args: argparse.Namespace) -> None:
    from . import viz  # graphviz loads only for the pictures

    # Say so before training, not after.
    every = 1 if args.every is None else checks.positive_int("film", "every", args.every)
    checks.positive_number("film", "fps", args.fps)
    loaded = _network(args)
    start = None if loaded is None else loaded.state_dict()
    # Every update recorded by default: the film places its frames where the learning is.
    config = _config(args, record_every=every, bias=loaded is not None and loaded.layers[0].bias is not None)
    files.output_path("--out", args.out, make_parents=True, example="film.html")
    result = shift.train_shift(config, args.seed, progress=not args.quiet, start=start)
    player = viz.training_film(result, fps=args.fps)
    path = player.save(args.out)
    spacing = f"one every {every} updates" if args.every else "placed where the learning is"
    print(f"{result.summary()}; {len(player)} frames, {spacing}")
    print(path)


# ---- the parser ------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `train`, `sweep`, `draw` and `film`, each with its options and defaults."""
    parser = _Parser(prog=PROG, description="Train and inspect the seed's shift-task networks.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add_command in (_add_train, _add_sweep, _add_draw, _add_film):
        add_command(commands)
    return parser


def _add_train(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train N -> H -> N on the shift task",
        parents=[_shared(**NETWORK, steps=3000, lr=0.05, seed=0)],
    )
    train.add_argument("--optimizer", choices=tuple(shift.OPTIMIZERS), default="adam")
    train.add_argument("--activation", choices=("tanh", "linear"), default="tanh", help="hidden layer")
    train.add_argument("--output", choices=shift.OUTPUTS, default="softmax", help="output layer")
    train.add_argument("-o", "--save", metavar="PATH", help="write the trained weights to PATH (.npz)")
    train.set_defaults(run=_train)


def _add_sweep(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep", help="the largest N each hidden size learns", parents=[_shared(steps=5000, lr=None)]
    )
    sweep.add_argument("--hidden", type=int, nargs="+", default=[1, 2, 3, 4], help="hidden sizes to try")
    sweep.add_argument(
        "--optimizers", nargs="+", metavar="NAME:LR", help="e.g. adam:0.05 sgd:0.5 (default adam at --lr)"
    )
    sweep.add_argument("--bias", choices=("no", "yes", "both"), default="no", help="biases in the network")
    sweep.add_argument("--seeds", type=int, default=3, help="seeds per N (default 3)")
    sweep.add_argument("--criterion", choices=shift.CRITERIA, default="all", help="which seeds must learn N")
    sweep.add_argument("--init", choices=shift.INITS, default="uniform", help="starting weights")
    sweep.add_argument("--max-n", type=int, default=256, help="largest N to try (default 256)")
    sweep.add_argument("--jobs", type=int, help="processes (default: every core)")
    sweep.add_argument("--json", metavar="PATH", help="write the table to PATH as JSON")
    sweep.add_argument(
        "--plot", metavar="PATH", help="plot the table to PATH (svg, png, pdf; needs matplotlib)"
    )
    sweep.set_defaults(run=_sweep)


def _add_draw(commands: Any) -> None:
    draw = commands.add_parser(
        "draw",
        help="draw one example's computation graph and the trained (or loaded) network",
        parents=[_shared(load=DRAW_LOAD, n=None, hidden=None, steps=3000, lr=0.05, seed=0)],
    )
    draw.add_argument(
        "-i", "--input", type=int, default=1, help="which input fires in the drawn example (1-based)"
    )
    draw.add_argument("-f", "--format", choices=("svg", "png", "pdf"), default="svg")
    draw.add_argument("-o", "--out", default="out", help="folder for the pictures (default out/)")
    draw.set_defaults(run=_draw)


def _add_film(commands: Any) -> None:
    film = commands.add_parser(
        "film",
        help="a film of the network learning (from the seed's weights or from --load), as one HTML file",
        parents=[_shared(load=FILM_LOAD, n=None, hidden=None, steps=5000, lr=0.05, seed=0)],
    )
    film.add_argument(
        "--every", type=int, help="updates between frames (default: 200 frames placed where the learning is)"
    )
    film.add_argument("--fps", type=float, default=8.0, help="frames per second when playing (default 8)")
    film.add_argument("-o", "--out", default="out/film.html", help="the HTML file (default out/film.html)")
    film.set_defaults(run=_film)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success)."""
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tinygrad-lite train | head`: the reader left, so stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 141
    except Exception as error:
        if not _reported(error):
            raise
        message = str(error).replace("\n", " ") or type(error).__name__  # one line, never empty
        print(f"{PROG} {args.command}: error: {message}{_flag_hint(message, args)}", file=sys.stderr)
        return 1
    return 0


def _flag_hint(message: str, args: argparse.Namespace) -> str:
    """ " (set by -n/--n)" when the library refused a value this command's option gave it, else ""."""
    refused = re.match(r"^\w+: (\w+) must", message)
    name = refused and refused.group(1)
    if not name or not hasattr(args, name) or name in ("command", "run"):
        return ""
    short = SHARED.get(name, (None,))[0] or {"input": "-i"}.get(name)
    flag = "--" + name.replace("_", "-")
    return f" (set by {short}/{flag})" if short else f" (set by {flag})"


def _reported(error: Exception) -> bool:
    """An error for the user or the system to fix (a bad value, a file, memory, a renderer): one line."""
    rendering = sys.modules.get(f"{__package__}.viz.rendering")  # loaded only if a picture was drawn
    render_error = getattr(rendering, "RenderError", ())
    return isinstance(error, (ValueError, TypeError, OSError, MemoryError, render_error))
