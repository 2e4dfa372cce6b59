"""The command line: `python -m tinygrad_lite train | sweep | draw | film ...` (also `tinygrad-lite`)."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from . import draw, film, io, nn, tasks


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument gives one line on stderr, not the usage block."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _train(args: argparse.Namespace) -> None:
    if args.save and not Path(args.save).parent.is_dir():  # say so before training, not after
        raise FileNotFoundError(f"--save: the directory {str(Path(args.save).parent)!r} does not exist")
    if args.save and Path(args.save).is_dir():
        raise IsADirectoryError(f"--save: {args.save!r} is a directory; give a file name such as model.npz")
    result = tasks.train_shift(
        args.n,
        args.hidden,
        steps=args.steps,
        lr=args.lr,
        optimizer=args.optimizer,
        seed=args.seed,
        activation=args.activation,
        output=args.output,
        progress=not args.quiet,
    )
    solved = "never" if result.solved_at is None else f"after {result.solved_at} updates"
    print(
        f"N={args.n} H={args.hidden}: accuracy {result.accuracy:.0%}, all examples right {solved}, "
        f"final loss {result.losses[-1]:.6f}"
    )
    if args.activation == "tanh":
        print(tasks.weight_table(result.model))
    if args.save:
        io.save(result.model.state_dict(), args.save)
        print(f"saved the weights to {args.save}")


def _sweep(args: argparse.Namespace) -> None:
    results = tasks.capacity_sweep(
        args.hidden, seeds=args.seeds, steps=args.steps, lr=args.lr, max_n=args.max_n, progress=not args.quiet
    )
    print(tasks.sweep_table(results))


def _draw(args: argparse.Namespace) -> None:
    tasks.shift_task(args.n)  # a bad --n is reported as such, not as a bad --input
    if Path(args.out).exists() and not Path(args.out).is_dir():  # say so before training, not after
        raise NotADirectoryError(f"--out: {args.out!r} is a file; give a folder for the pictures")
    if not 1 <= args.input < args.n:
        raise ValueError(f"--input must be one of the inputs that fire, 1..{args.n - 1}, got {args.input}")
    result = tasks.train_shift(args.n, args.hidden, steps=args.steps, seed=args.seed, progress=not args.quiet)
    twin = nn.ValueMLP.from_mlp(result.model)
    k = args.input
    one_hot = [1.0 if i == k - 1 else 0.0 for i in range(args.n)]
    loss = nn.value_cross_entropy(twin(one_hot), k)  # input k must fire output k+1 (index k)
    loss.label = "loss"
    loss.backward()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pictures = {
        f"graph_n{args.n}_h{args.hidden}_input{k}": draw.draw_graph(loss, params=twin),
        f"network_n{args.n}_h{args.hidden}": draw.draw_network(result.model, x=k),
    }
    for name, picture in pictures.items():
        print(picture.render(outfile=out / f"{name}.{args.format}", cleanup=True))


def _film(args: argparse.Namespace) -> None:
    if args.every is not None and args.every < 1:  # say so before training, not after
        raise ValueError(f"--every must be a positive number of updates, got {args.every}")
    if not args.fps > 0:
        raise ValueError(f"--fps must be a positive number, got {args.fps}")
    every = args.every or max(1, math.ceil(args.steps / 200))  # about 200 frames
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = tasks.train_shift(
        args.n,
        args.hidden,
        steps=args.steps,
        lr=args.lr,
        seed=args.seed,
        progress=not args.quiet,
        record_every=every,
    )
    player = film.training_film(result, fps=args.fps)
    player.save(out)
    print(f"N={args.n} H={args.hidden}: accuracy {result.accuracy:.0%}; {len(player)} frames, every {every}")
    print(out)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `train`, `sweep`, `draw` and `film`, each with its options and defaults."""
    parser = _Parser(prog="tinygrad-lite", description="Train and inspect the seed's shift-task networks.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train N -> H -> N on the shift task")
    train.add_argument("--n", type=int, default=11, help="number of input/output nodes (default 11)")
    train.add_argument("--hidden", type=int, default=2, help="hidden tanh neurons (default 2)")
    train.add_argument("--steps", type=int, default=3000, help="full-batch updates (default 3000)")
    train.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    train.add_argument("--optimizer", choices=tuple(tasks.OPTIMIZERS), default="adam")
    train.add_argument("--activation", choices=("tanh", "linear"), default="tanh", help="hidden layer")
    train.add_argument("--output", choices=tasks.OUTPUTS, default="softmax", help="output layer")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--save", metavar="PATH", help="write the trained weights to PATH (.npz)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)

    sweep = commands.add_parser("sweep", help="the largest N each hidden size learns")
    sweep.add_argument("--hidden", type=int, nargs="+", default=[1, 2, 3, 4], help="hidden sizes to try")
    sweep.add_argument("--seeds", type=int, default=3, help="seeds per N (default 3)")
    sweep.add_argument("--steps", type=int, default=5000, help="update budget per run (default 5000)")
    sweep.add_argument("--lr", type=float, default=0.05)
    sweep.add_argument("--max-n", type=int, default=256, help="largest N to try (default 256)")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(run=_sweep)

    pictures = commands.add_parser(
        "draw", help="draw one example's computation graph and the trained network"
    )
    pictures.add_argument("--n", type=int, default=5, help="number of input/output nodes (default 5)")
    pictures.add_argument("--hidden", type=int, default=2, help="hidden tanh neurons (default 2)")
    pictures.add_argument("--steps", type=int, default=3000, help="training updates first (default 3000)")
    pictures.add_argument("--seed", type=int, default=0)
    pictures.add_argument(
        "--input", type=int, default=1, help="which input fires in the drawn example (1-based)"
    )
    pictures.add_argument("--format", choices=("svg", "png", "pdf"), default="svg")
    pictures.add_argument("--out", default="out", help="folder for the pictures (default out/)")
    pictures.add_argument("--quiet", action="store_true", help="no progress bar")
    pictures.set_defaults(run=_draw)

    movie = commands.add_parser("film", help="a film of the network learning, as one HTML file")
    movie.add_argument("--n", type=int, default=11, help="number of input/output nodes (default 11)")
    movie.add_argument("--hidden", type=int, default=2, help="hidden tanh neurons (default 2)")
    movie.add_argument("--steps", type=int, default=5000, help="full-batch updates (default 5000)")
    movie.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    movie.add_argument("--seed", type=int, default=0)
    movie.add_argument("--every", type=int, help="updates between frames (default: steps / 200)")
    movie.add_argument("--fps", type=float, default=8.0, help="frames per second when playing (default 8)")
    movie.add_argument("--out", default="out/film.html", help="the HTML file (default out/film.html)")
    movie.add_argument("--quiet", action="store_true", help="no progress bar")
    movie.set_defaults(run=_film)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ValueError, TypeError, OSError, MemoryError, draw.RenderError) as error:
        message = str(error).replace("\n", " ") or type(error).__name__  # one line, never empty
        print(f"{parser.prog} {args.command}: error: {message}", file=sys.stderr)
        return 1
    return 0
