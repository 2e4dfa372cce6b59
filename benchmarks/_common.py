"""What every benchmark shares: one BLAS thread, the interleaved timer, and markdown tables.

Import this module first, before numpy: it pins the BLAS libraries to one
thread, which they only read when they load.

The timer runs contenders side by side in one process. Each round times every
contender once, in an order that rotates from round to round, after a few
warm-up rounds; a sample is the mean of `inner` back-to-back calls, with
`inner` chosen so that a sample lasts about `sample_s` seconds. The garbage
collector runs (untimed) before each sample, so no contender pays for the
garbage another left behind, and then one untimed call: the first call after a
collection runs with cold caches (100-500 µs more for a 40-100 µs step, 3-4 ms
more for PyTorch's). Ratios are taken round by round (contender /
reference in the same round) and then summarised, so a slow stretch of a
shared machine slows both sides of a ratio alike.
"""

from __future__ import annotations

import gc
import importlib.metadata
import importlib.util
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
if "numpy" in sys.modules:
    raise RuntimeError("benchmarks/_common.py must be imported before numpy, or BLAS may use every core")

MARKDOWN_NOTE = "Times are the median over rounds; the spread is the interquartile range (q1-q3)."


def installed(module: str) -> bool:
    """True if `module` can be imported (without importing it)."""
    return importlib.util.find_spec(module) is not None


def skip_note(contender: str, package: str, how: str) -> None:
    """The one-line note for a contender that is not installed."""
    print(f"> skipped: {contender} ({package} is not installed; {how})\n")


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


# ---- the interleaved timer ------------------------------------------------------


@dataclass
class Contender:
    """One side of a comparison: `step()` is timed; `gc_off` switches the collector off meanwhile."""

    name: str
    step: Callable[[], object]
    gc_off: bool = False
    per: float = 1.0  # the sample is divided by this (e.g. updates per call)
    inner: int = 1
    samples: list[float] = field(default_factory=list)  # seconds per call / per


def _timed(c: Contender) -> float:
    gc.collect()
    if c.gc_off:
        gc.disable()
    try:
        c.step()  # untimed: the first call after a collection runs with cold caches
        start = time.perf_counter()
        for _ in range(c.inner):
            c.step()
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    return elapsed / c.inner / c.per


def _calibrate(c: Contender, sample_s: float) -> None:
    """Pick `inner` so that one sample of `c` takes about `sample_s` seconds."""
    c.inner = 1
    c.step()  # untimed: a first call (PyTorch's takes milliseconds) would make `inner` too small
    calls, start = 0, time.perf_counter()
    while True:
        c.step()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed > sample_s / 4 or calls >= 10_000:
            break
    c.inner = max(1, math.ceil(sample_s / (elapsed / calls)))


def run_interleaved(
    contenders: Sequence[Contender], repeats: int = 15, warmup: int = 2, sample_s: float = 0.03
) -> None:
    """Fill each contender's `samples`, timing them round-robin (see the module docstring)."""
    for c in contenders:
        _calibrate(c, sample_s)
    for round_ in range(warmup + repeats):
        shift = round_ % len(contenders)
        for c in list(contenders[shift:]) + list(contenders[:shift]):
            seconds = _timed(c)
            if round_ >= warmup:
                c.samples.append(seconds)


# ---- summaries and tables --------------------------------------------------------


def quartiles(xs: Sequence[float]) -> tuple[float, float, float]:
    """(q1, median, q3)."""
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


def paired_ratio(c: Contender, ref: Contender) -> tuple[float, float, float]:
    """(q1, median, q3) of c's time over ref's, round by round."""
    return quartiles([a / b for a, b in zip(c.samples, ref.samples)])


def fmt_time(seconds: float) -> str:
    """A time in the unit that suits it (ns, µs, ms, s), three significant digits."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_spread(q1: float, q3: float) -> str:
    return f"{fmt_time(q1)} – {fmt_time(q3)}"


def fmt_ratio(q: tuple[float, float, float]) -> str:
    """A ratio and its interquartile range, e.g. `0.41x (0.40–0.43)`."""
    return f"{q[1]:.2f}x ({q[0]:.2f}–{q[2]:.2f})"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def timing_table(
    contenders: Sequence[Contender],
    refs: Sequence[Contender],
    extra: dict[str, Callable[[Contender], str]] | None = None,
) -> str:
    """Median, IQR and min per contender, extra columns, and the ratio of times to each reference."""
    extra = extra or {}
    header = ["contender", "median", "IQR", "min", *extra, *(f"time / {r.name}" for r in refs)]
    rows = []
    for c in contenders:
        q1, med, q3 = quartiles(c.samples)
        row = [c.name, fmt_time(med), fmt_spread(q1, q3), fmt_time(min(c.samples))]
        row += [fn(c) for fn in extra.values()]
        row += ["1 (reference)" if c is r else fmt_ratio(paired_ratio(c, r)) for r in refs]
        rows.append(row)
    return table(header, rows)


def heading(text: str) -> None:
    print(f"\n## {text}\n")


def check(label: str, ok: bool, detail: str = "") -> str:
    """A target line: MET or NOT MET, with what was measured."""
    return f"- {'MET' if ok else '**NOT MET**'}: {label}" + (f" ({detail})" if detail else "")


def machine() -> str:
    """The machine, as a markdown list: CPU model, cores, Python and library versions."""
    info: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    cpu = info.get("model name", platform.processor() or platform.machine())
    if "cpu family" in info:
        cpu += f" (family {info['cpu family']}, model {info.get('model', '?')}"
        cpu += f", {info.get('cpu MHz', '?')} MHz"
        cpu += ", virtual machine)" if "hypervisor" in info.get("flags", "").split() else ")"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return "\n".join(
        [
            f"- CPU: {cpu}, {cores} cores available ({os.cpu_count()} online)",
            f"- OS: {platform.system()} {platform.release()}",
            f"- Python {platform.python_version()} ({platform.python_implementation()})",
            f"- numpy {version('numpy')}, micrograd {version('micrograd')}, torch {version('torch')}",
            "- BLAS threads: OMP/OPENBLAS/MKL_NUM_THREADS=1 (torch.set_num_threads(1))",
        ]
    )
