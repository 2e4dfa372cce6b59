"""The command line: `python -m tinygrad_lite train | sweep | draw ...` (also `tinygrad-lite`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import io, tasks


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument gives one line on stderr, not the usage block."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _train(args: argparse.Namespace) -> None:
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


def build_parser() -> argparse.ArgumentParser:
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ValueError, TypeError, OSError) as error:
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0
