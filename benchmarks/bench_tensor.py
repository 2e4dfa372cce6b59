"""Benchmark 2: the Tensor engine against the numpy floor and PyTorch, one training step at a time.

One full-batch training step (forward, backward, Adam) of the seed's network
(N inputs -> H tanh -> N logits, no biases, softmax cross-entropy) on the shift
task at N=5 H=2, N=11 H=2, N=30 H=3, N=100 H=4, and of a matmul-bound MLP
256-512-256 at batch 256. float64 and one thread everywhere.

The floor is the same model written by hand in numpy in this file: forward,
backward and Adam with no graph at all. The contenders:

- tinygrad_lite nn.MLP: the model as a learner writes it (nn.MLP(bias=False,
  dtype=float64) loaded with the same weights, nn.cross_entropy, optim.Adam);
- tinygrad_lite stacked: a stack of one model written out by hand (x @ W1 with W1
  of shape (1, N, H), per-model losses summed), as train_shift built it before
  MLP(copies=K); without its bookkeeping;
- shift.train_shift: the library's training loop itself, time per update
  (it also records loss, accuracy and weight norms every step);
- PyTorch eager, if installed (the same model with F.cross_entropy and
  torch.optim.Adam).

The trajectory check trains each from W = normal(shape) * 0.5 of
numpy.random.default_rng(0) (W1 first, then W2) with Adam(lr=0.05) on N=11,
H=2: every peer reaches 100% accuracy after 244 updates, and its loss after
2000 updates is 0.012439.
"""

import _common  # noqa: I001  (first: pins BLAS threads before numpy loads)

import argparse
import math
from types import ModuleType

import numpy as np

from _common import Contender, check, fmt_ratio, heading, paired_ratio, run_interleaved, timing_table
import tinygrad_lite
from tinygrad_lite import Tensor, nn, optim, shift

SHIFT_CONFIGS = [(5, 2), (11, 2), (30, 3), (100, 4)]
BEFORE = {  # µs per Adam step measured before issue 8 on this machine class: (floor, PyTorch eager)
    (5, 2): (36.5, 216),
    (11, 2): (38.5, 225),
    (30, 3): (44.5, 274),
    (100, 4): (80.2, 331),
}
BETAS, EPS = (0.9, 0.999), 1e-8


def shift_problem(n: int, hidden: int) -> dict:
    """X, y of the shift task and the seed's starting weights W1 (n, hidden), W2 (hidden, n)."""
    X, y = shift.shift_task(n)
    rng = np.random.default_rng(0)
    W1 = rng.normal(size=(n, hidden)) * 0.5
    W2 = rng.normal(size=(hidden, n)) * 0.5
    return {"X": X, "y": y, "W1": W1, "W2": W2, "lr": 0.05}


def matmul_problem(n_in: int = 256, hidden: int = 512, n_out: int = 256, batch: int = 256) -> dict:
    """A matmul-bound MLP n_in -> hidden (tanh) -> n_out on random data."""
    rng = np.random.default_rng(1)
    return {
        "X": rng.normal(size=(batch, n_in)),
        "y": rng.integers(0, n_out, batch),
        "W1": rng.normal(size=(n_in, hidden)) / math.sqrt(n_in),
        "W2": rng.normal(size=(hidden, n_out)) / math.sqrt(hidden),
        "lr": 1e-3,
    }


# ---- the contenders: step() does one update and returns (loss, logits) ------------------


class Floor:
    """Hand-written numpy: forward, backward and Adam (PyTorch's update rule), no graph."""

    name = "numpy floor"

    def __init__(self, p: dict) -> None:
        self.X, self.y, self.lr = p["X"], p["y"], p["lr"]
        self.rows = np.arange(len(self.y))
        self.params = [p["W1"].copy(), p["W2"].copy()]
        self.m = [np.zeros_like(w) for w in self.params]
        self.v = [np.zeros_like(w) for w in self.params]
        self.t = 0

    def step(self) -> tuple:
        X, y, rows = self.X, self.y, self.rows
        W1, W2 = self.params
        h = np.tanh(X @ W1)
        z = h @ W2
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_p[rows, y].mean()
        dz = np.exp(log_p)  # d loss / d z = (softmax - one_hot) / batch
        dz[rows, y] -= 1
        dz /= len(y)
        dh = dz @ W2.T
        grads = [X.T @ (dh * (1 - h * h)), h.T @ dz]
        self.adam(grads)
        return loss, z

    def adam(self, grads: list) -> None:
        self.t += 1
        b1, b2 = BETAS
        step_size = self.lr / (1 - b1**self.t)
        root_bias2 = math.sqrt(1 - b2**self.t)
        for w, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            w -= step_size * m / (np.sqrt(v) / root_bias2 + EPS)

    @staticmethod
    def numbers(out: tuple) -> tuple[float, np.ndarray]:
        return float(out[0]), out[1]


class OursMLP:
    """tinygrad_lite as a learner writes it: nn.MLP + nn.cross_entropy + optim.Adam."""

    name = "tinygrad_lite nn.MLP"

    def __init__(self, p: dict, lib: ModuleType = tinygrad_lite) -> None:
        """`lib` is the package to build with: another version's copy in `compare_revisions.py`."""
        n_in, hidden = p["W1"].shape
        self.model = lib.nn.MLP(n_in, hidden, p["W2"].shape[1], bias=False, dtype=np.float64)
        # nn.Linear keeps weight as (out, in), the transpose of W.
        self.model.load_state_dict({"layers.0.weight": p["W1"].T.copy(), "layers.1.weight": p["W2"].T.copy()})
        self.opt = lib.optim.Adam(self.model.parameters(), lr=p["lr"])
        self.x, self.y = lib.Tensor(p["X"]), p["y"]
        self.cross_entropy = lib.nn.cross_entropy

    def step(self) -> tuple:
        logits = self.model(self.x)
        loss = self.cross_entropy(logits, self.y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss, logits

    @staticmethod
    def numbers(out: tuple) -> tuple[float, np.ndarray]:
        return out[0].item(), out[1].data


class OursStacked:
    """A stack of one model by hand: W1 (1, N, H), W2 (1, H, N), per-model losses (the old train_shift)."""

    name = "tinygrad_lite stacked"

    def __init__(self, p: dict) -> None:
        self.W1 = Tensor(p["W1"][None], requires_grad=True)
        self.W2 = Tensor(p["W2"][None], requires_grad=True)
        self.opt = optim.Adam([self.W1, self.W2], lr=p["lr"])
        self.x, self.y = Tensor(p["X"]), np.broadcast_to(p["y"], (1, len(p["y"])))

    def step(self) -> tuple:
        logits = (self.x @ self.W1).tanh() @ self.W2
        per_model = nn.cross_entropy(logits, self.y, reduction="none").mean(axis=1)
        self.opt.zero_grad()
        per_model.sum().backward()
        self.opt.step()
        return per_model, logits

    @staticmethod
    def numbers(out: tuple) -> tuple[float, np.ndarray]:
        return float(out[0].data[0]), out[1].data[0]


class Torch:
    """PyTorch eager: the same model, F.cross_entropy, torch.optim.Adam; float64, one thread."""

    name = "PyTorch eager"

    def __init__(self, p: dict) -> None:
        import torch

        self.torch = torch
        self.W1 = torch.tensor(p["W1"], requires_grad=True)
        self.W2 = torch.tensor(p["W2"], requires_grad=True)
        self.opt = torch.optim.Adam([self.W1, self.W2], lr=p["lr"], betas=BETAS, eps=EPS)
        self.x, self.y = torch.from_numpy(p["X"]), torch.from_numpy(p["y"])

    def step(self) -> tuple:
        logits = self.x.matmul(self.W1).tanh().matmul(self.W2)
        loss = self.torch.nn.functional.cross_entropy(logits, self.y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss, logits

    @staticmethod
    def numbers(out: tuple) -> tuple[float, np.ndarray]:
        return out[0].item(), out[1].detach().numpy()


def trainers() -> list[type]:
    found = [Floor, OursMLP, OursStacked]
    if _common.installed("torch"):
        import torch

        torch.set_num_threads(1)
        found.append(Torch)
    return found


class TrainShiftUpdates:
    """shift.train_shift itself: `updates` updates per call (plus one final forward)."""

    name = "shift.train_shift"

    def __init__(self, n: int, hidden: int, updates: int = 100) -> None:
        self.n, self.hidden, self.updates = n, hidden, updates

    def step(self) -> None:
        shift.train_shift(shift.ShiftConfig(self.n, self.hidden, steps=self.updates), progress=False)


# ---- the trajectory check ------------------------------------------------------------


def trajectory(trainer: type, p: dict, updates: int = 2000) -> tuple[int | None, float]:
    """(updates made before 100% accuracy was first reached, loss after `updates` updates)."""
    t = trainer(p)
    solved_at, loss = None, math.nan
    for k in range(updates + 1):
        loss, logits = t.numbers(t.step())  # the forward ran before update k+1
        if solved_at is None and (logits.argmax(-1) == p["y"]).all():
            solved_at = k
    return solved_at, loss


def trajectory_check() -> bool:
    heading("2. Trajectory check: N=11 H=2, Adam(lr=0.05), W = normal * 0.5 from default_rng(0)")
    p = shift_problem(11, 2)
    rows, ok = [], True
    for trainer in trainers():
        solved_at, loss = trajectory(trainer, p)
        rows.append((trainer.name, solved_at, f"{loss:.6f}"))
    result = shift.train_shift(shift.ShiftConfig(11, 2, steps=2000), progress=False)
    rows.append(("shift.train_shift", result.solved_at, f"{result.losses[2000]:.6f}"))
    for name, solved_at, loss in rows:
        same = solved_at == 244 and loss == "0.012439"
        ok &= same
        print(
            f"- {name}: 100% accuracy after {solved_at} updates, loss after 2000 updates {loss}"
            + ("" if same else "  **differs from 244 / 0.012439**")
        )
    return ok


# ---- timing ------------------------------------------------------------------------------


def bench_config(title: str, p: dict, repeats: int, shift: tuple[int, int] | None) -> dict:
    contenders = [Contender(t.name, t(p).step) for t in trainers()]
    if shift is not None:
        runs = TrainShiftUpdates(*shift)
        contenders.insert(3, Contender(runs.name, runs.step, per=runs.updates))
    run_interleaved(contenders, repeats=repeats)
    heading(f"2. Tensor Adam step: {title}")
    refs = [contenders[0]] + [c for c in contenders if c.name == Torch.name]
    print(timing_table(contenders, refs))
    if shift in BEFORE:
        floor, torch_before = BEFORE[shift]
        print(
            f"\nMeasured earlier on this machine class (the targets' baseline): "
            f"floor {floor} µs, PyTorch eager {torch_before} µs."
        )
    return {c.name: c for c in contenders}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    if not _common.installed("torch"):
        _common.skip_note("PyTorch eager", "torch", "make bench installs the CPU build torch==2.13.0+cpu")
    same = trajectory_check()
    results = {}
    for n, hidden in SHIFT_CONFIGS:
        results[f"N={n} H={hidden}"] = bench_config(
            f"shift task N={n} H={hidden}", shift_problem(n, hidden), args.repeats, (n, hidden)
        )
    results["MLP 256-512-256, batch 256"] = bench_config(
        "matmul-bound MLP 256-512-256, batch 256", matmul_problem(), args.repeats, None
    )
    heading("2. Targets")
    print(check("every contender follows the floor's trajectory (244 updates, 0.012439)", same))
    for title, by in results.items():
        floor, ours = by[Floor.name], by[OursMLP.name]
        limit = 1.15 if title.startswith("MLP") else 1.5
        ratio = paired_ratio(ours, floor)
        detail = f"{fmt_ratio(ratio)}; stacked {fmt_ratio(paired_ratio(by[OursStacked.name], floor))}"
        if Torch.name in by:
            detail += f"; nn.MLP / PyTorch {fmt_ratio(paired_ratio(ours, by[Torch.name]))}"
        print(check(f"{title}: nn.MLP step at most {limit}x the floor", ratio[1] <= limit, detail))


if __name__ == "__main__":
    main()
