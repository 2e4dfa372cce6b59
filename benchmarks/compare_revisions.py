"""Two versions of tinygrad_lite in one process: did a change make the engine faster or slower?

    .venv/bin/python benchmarks/compare_revisions.py bcc9bb5            # that commit against the working tree
    .venv/bin/python benchmarks/compare_revisions.py bcc9bb5 HEAD       # two commits

On a shared virtual machine, separate processes run up to 20% apart from one
run to the next, which hides a change of a few percent. Here both versions live
in one process, each a copy of its `tinygrad_lite` package under a name of its
own, and the shared timer (`_common.run_interleaved`) times their steps round
by round: the ratio is taken per round, and its quartiles are a few percent
wide. (Both versions' code shares the processor's caches, so a change that
only adds code shows less here than in a process of its own.)

The steps use what every version since 0.1 has: one Adam step of the seed's
network as Tensors (`bench_tensor.OursMLP`, N=5 and N=11) and as Values
(`bench_scalar.SeedNet`, 11-2-11 on its 10 examples), each with its own
version's optimizer. The Value step's samples last as long as `bench_scalar`'s
(SAMPLE_S, a quarter second, about 150 steps): a scalar graph makes thousands of
objects, and a 30 ms sample that starts right after `gc.collect()` would leave
out most of what the garbage collector costs each version.
"""

import _common  # noqa: F401, I001  (first: pins BLAS threads before numpy loads)

import argparse
import importlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import ModuleType

from _common import Contender, heading, machine, run_interleaved, timing_table
from bench_scalar import SAMPLE_S, SeedNet
from bench_tensor import OursMLP, shift_problem

REPO = Path(__file__).resolve().parent.parent


def package_copy(revision: str | None, name: str, into: Path) -> ModuleType:
    """`tinygrad_lite` at `revision` (None: the working tree), imported as the package `name`."""
    target = into / name
    if revision is None:
        shutil.copytree(REPO / "tinygrad_lite", target, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        archive = git("archive", "--format=tar", commit(revision), "tinygrad_lite", text=False)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    path = target / Path(member.name).relative_to("tinygrad_lite")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(tar.extractfile(member).read())
    for source in target.rglob("*.py"):  # its absolute imports name the copy, not the installed package
        source.write_text(source.read_text().replace("tinygrad_lite", name))
    sys.path.insert(0, str(into))
    package = importlib.import_module(name)
    for module in ("nn", "optim"):  # early versions did not import them in __init__
        importlib.import_module(f"{name}.{module}")
    return package


def commit(revision: str) -> str:
    """The short hash `revision` names (HEAD, a branch or a tag as the commit it was at)."""
    return git("rev-parse", "--short", "--verify", f"{revision}^{{commit}}").strip()


def git(*args: str, text: bool = True) -> str | bytes:
    """What `git args` prints, or exit with git's own message."""
    result = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=text)
    if result.returncode:
        error = result.stderr if text else result.stderr.decode(errors="replace")
        sys.exit(f"compare_revisions: git {' '.join(args)} failed: {error.strip()}")
    return result.stdout


def contenders(label: str, lib: ModuleType) -> dict[str, Contender]:
    """One contender per step, built with `lib`."""
    seed_net = SeedNet(lib.Value, 11, 2, [(i, i + 1) for i in range(10)], lib.optim.Adam)
    return {
        "Tensor step, N=5 H=2": Contender(label, OursMLP(shift_problem(5, 2), lib).step),
        "Tensor step, N=11 H=2": Contender(label, OursMLP(shift_problem(11, 2), lib).step),
        "Value step, 11-2-11": Contender(label, seed_net.train_step),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="a git revision (commit, tag, branch)")
    parser.add_argument("new", nargs="?", help="a git revision (default: the working tree)")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:  # kept while the steps run: a package may import lazily
        old = contenders(f"old ({commit(args.old)})", package_copy(args.old, "tinygrad_lite_old", Path(tmp)))
        new_label = f"new ({commit(args.new) if args.new else 'working tree'})"
        new = contenders(new_label, package_copy(args.new, "tinygrad_lite_new", Path(tmp)))
        print("# Two revisions, one process\n")
        print(machine())
        for step in old:
            pair = [old[step], new[step]]
            longer = {"sample_s": SAMPLE_S} if step.startswith("Value") else {}
            run_interleaved(pair, repeats=args.repeats, **longer)
            heading(step)
            print(timing_table(pair, [old[step]]))


if __name__ == "__main__":
    main()
