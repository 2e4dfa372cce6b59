"""Benchmark 5: memory. Peak RSS over a 10,000-step training run, and bytes per scalar node.

Each training run goes in a fresh child process (peak RSS only grows, so one
process per run), which records its resident set (now, from /proc/self/statm)
and its peak (resource.getrusage) at a few steps. "Flat" means the peak after
10,000 steps is within 1 MiB of the peak after 1,000: no graph, gradient or
optimizer state is kept alive from one step to the next.

Bytes per node: tracemalloc counts what Python allocates to build one graph
and run backward through it (the graph kept alive, the collector off), divided
by the nodes the graph adds; the same graphs as bench_scalar.py in both
engines.
"""

import _common  # noqa: I001  (first: pins BLAS threads before numpy loads)

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc

from _common import check, heading, table

STEPS = 10_000
SAMPLES = (100, 1_000, 2_500, 5_000, 7_500, 10_000)
FLAT_BYTES = 1 << 20


def rss_now() -> int:
    """Resident set size of this process now, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def rss_peak() -> int:
    """Peak resident set size of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ---- what the child processes run --------------------------------------------------------


def tensor_step(kind: str):
    from bench_tensor import OursMLP, Torch, shift_problem

    trainer = {"tensor-mlp": OursMLP, "torch": Torch}[kind]
    if kind == "torch":
        import torch

        torch.set_num_threads(1)
    return trainer(shift_problem(11, 2)).step


def scalar_step(kind: str):
    import numpy as np
    from bench_scalar import SeedNet, micrograd_value

    from tinygrad_lite import Value, shift

    value_cls = Value if kind == "value-ours" else micrograd_value()
    examples = [(int(np.argmax(x)), int(t)) for x, t in zip(*shift.shift_task(5))]
    return SeedNet(value_cls, 5, 2, examples).train_step


def child(kind: str, steps: int) -> None:
    """Train `steps` steps and print the RSS samples as one JSON line."""
    start = time.perf_counter()
    if kind.startswith("train-shift"):
        from tinygrad_lite import shift

        shift.train_shift(shift.ShiftConfig(11, 2, steps=steps), progress=False)
        samples = [(steps, rss_now(), rss_peak())]
    else:
        step = scalar_step(kind) if kind.startswith("value") else tensor_step(kind)
        samples = []
        for k in range(1, steps + 1):
            step()
            if k in SAMPLES or k == steps:
                samples.append((k, rss_now(), rss_peak()))
    print(json.dumps({"samples": samples, "seconds": time.perf_counter() - start}))


def run_child(kind: str, steps: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(steps)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the parent ------------------------------------------------------------------------------


def mib(n: float) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def rss_runs() -> list[str]:
    kinds = {
        "tinygrad_lite nn.MLP, Tensor N=11 H=2": "tensor-mlp",
        "tinygrad_lite Value, 5-2-5 full batch": "value-ours",
    }
    if _common.installed("micrograd"):
        kinds["micrograd (as shipped), 5-2-5 full batch"] = "value-micrograd"
    else:
        _common.skip_note("micrograd", "micrograd", "pip install micrograd, or make bench")
    if _common.installed("torch"):
        kinds["PyTorch eager, N=11 H=2"] = "torch"
    else:
        _common.skip_note("PyTorch eager", "torch", "make bench installs the CPU build torch==2.13.0+cpu")
    rows, verdicts = [], []
    for name, kind in kinds.items():
        run = run_child(kind, STEPS)
        peaks = {k: peak for k, _, peak in run["samples"]}
        growth = peaks[STEPS] - peaks[1_000]
        cells = [mib(peak) for _, _, peak in run["samples"]]
        end = mib(run["samples"][-1][1])
        rows.append([name, *cells, end, f"{growth / 1024:+.0f} KiB", f"{run['seconds']:.1f} s"])
        verdicts.append(check(f"{name}: peak RSS flat over {STEPS:,} steps", growth <= FLAT_BYTES))
    short, long_ = run_child("train-shift", 1_000), run_child("train-shift", STEPS)
    growth = long_["samples"][0][2] - short["samples"][0][2]
    rows.append(
        ["shift.train_shift(11, 2), steps=1,000 vs 10,000 (separate processes)"]
        + [""] * (len(SAMPLES) - 1)
        + [mib(long_["samples"][0][2]), mib(long_["samples"][0][1]), f"{growth / 1024:+.0f} KiB", ""]
    )
    verdicts.append(
        check(
            "shift.train_shift: peak RSS of 10,000 steps within 1 MiB of 1,000 steps "
            "(it keeps 3 floats per step of history)",
            growth <= FLAT_BYTES,
        )
    )
    heading(f"5. Memory: peak RSS during a {STEPS:,}-step training run")
    header = ["run", *(f"peak @ {k:,}" for k in SAMPLES), "RSS at end", "peak growth 1k→10k", "run time"]
    print(table(header, rows))
    return verdicts


def traced_bytes(build) -> tuple[int, object]:
    """Bytes Python allocates while `build()` makes a graph and backward runs through it."""
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        root = build()
        root.backward()
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        gc.enable()
    return used, root


def bytes_per_node() -> list[str]:
    import numpy as np
    from bench_scalar import SeedNet, count_nodes, engines, random_program, run_program

    from tinygrad_lite import shift

    program = random_program(700)
    examples = [(int(np.argmax(x)), int(t)) for x, t in zip(*shift.shift_task(11))]
    rows, per = [], {}
    for name, value_cls, gc_off in engines():
        if gc_off:
            continue
        net = SeedNet(value_cls, 11, 2, examples)
        for graph, build, existing in (
            ("random expression tree", lambda v=value_cls: run_program(v, program)[0], 0),
            ("11-2-11 full batch", net.loss, len(net.params)),
        ):
            used, root = traced_bytes(build)
            nodes = count_nodes(root) - existing
            per[name, graph] = used / nodes
            rows.append([name, graph, nodes, f"{used / 1024:.0f} KiB", f"{used / nodes:.0f}"])
            del root
    heading("5. Memory: bytes per scalar node (graph built and backward run, kept alive)")
    print(table(["engine", "graph", "new nodes", "allocated", "bytes per node"], rows))
    verdicts = []
    for graph in ("random expression tree", "11-2-11 full batch"):
        if ("micrograd (as shipped)", graph) in per:
            ours, theirs = per["tinygrad_lite", graph], per["micrograd (as shipped)", graph]
            verdicts.append(
                check(f"{graph}: fewer bytes per node than micrograd", ours < theirs, f"{ours / theirs:.2f}x")
            )
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("KIND", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    verdicts = rss_runs() + bytes_per_node()
    heading("5. Targets")
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
