"""The seed's shift task: the data, the training loop, and the capacity sweep.

N one-hot inputs; input n must fire output n+1. Output 1 never fires and input
N never fires, so there are N-1 examples. The network is N inputs -> H tanh
neurons -> N softmax outputs, without biases.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .nn import MLP, _check_activation, _positive_int, cross_entropy
from .optim import SGD, Adam
from .tensor import Tensor, _rng

OPTIMIZERS = {"adam": Adam, "sgd": SGD}
OUTPUTS = ("softmax", "sigmoid")


def shift_task(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) for the shift task on n nodes.

    X is the (n-1, n) float64 matrix whose row k is the one-hot input k+1; y
    holds the targets 2..n as 0-based class indices (1..n-1).
    """
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 2:
        raise ValueError(f"shift_task: n must be an int >= 2 (at least one example), got {n!r}")
    return np.eye(n)[: n - 1], np.arange(1, n)


def initial_weights(n: int, hidden: int, seed: int, bias: bool = False) -> dict[str, np.ndarray]:
    """The starting weights for one seed: normal(0, 1) * 0.5 from numpy's default_rng(seed).

    W1 (n x hidden, input -> hidden) is drawn first, then W2 (hidden x n), then
    the biases if any. Stored in `MLP.state_dict()` form (weights transposed to
    PyTorch's (out, in) layout).
    """
    n, hidden = _positive_int("initial_weights", "n", n), _positive_int("initial_weights", "hidden", hidden)
    rng = _rng("initial_weights", seed)
    w1 = rng.normal(size=(n, hidden)) * 0.5
    w2 = rng.normal(size=(hidden, n)) * 0.5
    state = {"layers.0.weight": w1.T.copy(), "layers.1.weight": w2.T.copy()}
    if bias:
        state["layers.0.bias"] = rng.normal(size=hidden) * 0.5
        state["layers.1.bias"] = rng.normal(size=n) * 0.5
        state = {
            k: state[k] for k in ("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias")
        }
    return state


@dataclass
class ShiftResult:
    """What one training run of the shift task produced."""

    n: int
    hidden: int
    seed: int
    model: MLP
    accuracy: float  # on the n-1 examples, at the end
    solved_at: int | None  # updates made before all n-1 examples were first right
    losses: np.ndarray  # loss before each update
    accuracies: np.ndarray  # accuracy before each update
    weight_norms: np.ndarray  # norm of all weights before each update
    # (step, weights in state_dict form) every `record_every` updates and at the end, for a film
    snapshots: list[tuple[int, dict[str, np.ndarray]]] = field(default_factory=list)

    @property
    def solved(self) -> bool:
        """All n-1 examples right at the end."""
        return self.accuracy == 1.0

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """The trained weights, as `model.state_dict()`."""
        return self.model.state_dict()


def train_shift(
    n: int,
    hidden: int,
    steps: int = 3000,
    lr: float = 0.05,
    optimizer: str = "adam",
    bias: bool = False,
    seed: int | Sequence[int] = 0,
    activation: str = "tanh",
    output: str = "softmax",
    stop_when_solved: bool = False,
    progress: bool = True,
    record_every: int | None = None,
) -> ShiftResult | list[ShiftResult]:
    """Train the seed's network (n -> hidden -> n) on the shift task, full batch.

    `output="softmax"` is the seed's softmax output with cross-entropy;
    `"sigmoid"` puts independent sigmoids on the outputs with a squared error
    (the ablation without softmax). `activation="linear"` drops the tanh.

    With a list of seeds, the networks train together as one batched model (K
    networks stacked on a leading axis, trained with batched matmuls in one
    graph) and a list of results comes back, one per seed, the same as training
    each alone. With `stop_when_solved`, a network's result is frozen at the
    update that solved it, and training ends once every network is solved.

    With `record_every=k`, each result keeps `snapshots`: its weights before
    every k-th update and at its last step (`film.training_film` plays them).
    """
    one_seed = not isinstance(seed, (list, tuple, range, np.ndarray))
    seeds = [seed] if one_seed else list(seed)
    config = _Config(
        n, hidden, steps, lr, optimizer, bias, activation, output, stop_when_solved, progress, record_every
    )
    results = _train_together(config, seeds)
    return results[0] if one_seed else results


@dataclass(frozen=True)
class _Config:
    """What train_shift was asked to do (all but the seeds)."""

    n: int
    hidden: int
    steps: int
    lr: float
    optimizer: str
    bias: bool
    activation: str
    output: str
    stop_when_solved: bool
    progress: bool
    record_every: int | None

    def check(self, seeds: list) -> None:
        _check_training_args(self.n, self.hidden, seeds, self.steps, self.lr, self.optimizer, self.output)
        _check_activation("train_shift", self.activation)
        if self.record_every is not None:
            _positive_int("train_shift", "record_every", self.record_every)


def _check_training_args(n: Any, hidden: Any, seeds: list, steps: Any, lr: Any, optimizer: Any, output: Any):
    shift_task(n)
    _positive_int("train_shift", "hidden", hidden)
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"train_shift: steps must be a non-negative int, got {steps!r}")
    if not isinstance(lr, numbers.Real) or not 0 < lr < float("inf"):
        raise ValueError(f"train_shift: lr must be a positive number, got {lr!r}; a finite one such as 0.05")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"train_shift: optimizer must be one of {tuple(OPTIMIZERS)}, got {optimizer!r}")
    if output not in OUTPUTS:
        raise ValueError(f"train_shift: output must be one of {OUTPUTS}, got {output!r}")
    if not seeds or not all(isinstance(s, numbers.Integral) and s >= 0 for s in seeds):
        raise ValueError(f"train_shift: seed must be a non-negative int or a list of them, got {seeds!r}")


def _train_together(config: _Config, seeds: list[int]) -> list[ShiftResult]:
    config.check(seeds)
    n, hidden, bias, activation = config.n, config.hidden, config.bias, config.activation
    steps, stop_when_solved, record_every = config.steps, config.stop_when_solved, config.record_every
    X, y = shift_task(n)
    starts = [initial_weights(n, hidden, s, bias) for s in seeds]
    # One stacked parameter per layer: row k of each belongs to seed k. Weights
    # are kept as (K, in, out) so that x @ W needs no transpose.
    params = {
        name: Tensor(
            np.stack([s[name].T if name.endswith("weight") else s[name][None] for s in starts]), True
        )
        for name in starts[0]
    }
    opt = OPTIMIZERS[config.optimizer](params.values(), lr=config.lr)
    x = Tensor(X)
    one_hot_targets = Tensor(np.eye(n)[y])
    k = len(seeds)
    targets = np.broadcast_to(y, (k, n - 1))
    losses, accuracies, norms = np.zeros((steps + 1, k)), np.zeros((steps + 1, k)), np.zeros((steps + 1, k))
    solved_at: list[int | None] = [None] * k
    frozen: list[dict | None] = [None] * k
    recorded: list[tuple[int, list[dict]]] = []  # (step, every seed's weights)
    bar = tqdm(range(steps + 1), desc=f"shift N={n} H={hidden}", disable=not config.progress, leave=False)
    for step in bar:
        h = x @ params["layers.0.weight"]
        if bias:
            h = h + params["layers.0.bias"]
        if activation != "linear":
            h = getattr(h, activation)()
        logits = h @ params["layers.1.weight"]
        if bias:
            logits = logits + params["layers.1.bias"]
        if config.output == "softmax":
            per_model = cross_entropy(logits, targets, reduction="none").mean(axis=1)
        else:
            per_model = ((logits.sigmoid() - one_hot_targets) ** 2).mean(axis=(1, 2))
        losses[step] = per_model.data
        accuracies[step] = (logits.data.argmax(-1) == y).mean(-1)
        norms[step] = np.sqrt(sum((p.data**2).sum(axis=tuple(range(1, p.ndim))) for p in params.values()))
        for i in np.flatnonzero(accuracies[step] == 1.0):
            if solved_at[i] is None:
                solved_at[i] = step
                if stop_when_solved:
                    frozen[i] = _unstack(params, i)
        if config.progress and step % 50 == 0:
            bar.set_postfix(
                loss=f"{losses[step].mean():.4g}", acc=f"{accuracies[step].mean():.2f}", refresh=False
            )
        done = step == steps or (stop_when_solved and all(s is not None for s in solved_at))
        if record_every is not None and (step % record_every == 0 or done):
            recorded.append((step, [_unstack(params, i) for i in range(k)]))
        if done:
            break
        opt.zero_grad()
        per_model.sum().backward()
        opt.step()
    bar.close()
    results = []
    for i, seed_i in enumerate(seeds):
        last = step if frozen[i] is None else solved_at[i]  # the step the result describes
        model = MLP(n, hidden, n, activation=activation, bias=bias, dtype=np.float64)
        state = frozen[i] or _unstack(params, i)
        model.load_state_dict(state)
        snapshots = [(s, states[i]) for s, states in recorded if s < last]
        if record_every is not None:
            snapshots.append((last, state))
        results.append(
            ShiftResult(
                n=n,
                hidden=hidden,
                seed=seed_i,
                model=model,
                accuracy=float(accuracies[last, i]),
                solved_at=solved_at[i],
                losses=losses[: last + 1, i].copy(),
                accuracies=accuracies[: last + 1, i].copy(),
                weight_norms=norms[: last + 1, i].copy(),
                snapshots=snapshots,
            )
        )
    return results


def _unstack(params: dict[str, Tensor], i: int) -> dict[str, np.ndarray]:
    """Seed i's weights in MLP.state_dict() form."""
    return {
        name: p.data[i].T.copy() if name.endswith("weight") else p.data[i, 0].copy()
        for name, p in params.items()
    }


@dataclass
class SweepResult:
    """How far one hidden size goes: the largest N learned, and every N tried."""

    hidden: int
    max_n: int  # the largest N that at least one seed learned to 100% accuracy
    capped: bool  # True when max_n is the search limit, so the real limit may be higher
    seeds: int
    solved_by: dict[int, int] = field(default_factory=dict)  # N -> how many seeds learned it


def capacity_sweep(
    hidden_sizes: Sequence[int],
    seeds: int = 3,
    steps: int = 5000,
    lr: float = 0.05,
    max_n: int = 256,
    progress: bool = True,
) -> list[SweepResult]:
    """For each hidden size H, the largest N whose shift task H tanh neurons learn.

    "Learns N" means at least one of `seeds` networks reaches 100% accuracy
    within `steps` Adam updates. The search grows N (doubling from 3) until a
    failure, bisects between the last success and the first failure, then tries
    the next three N above the answer, because success is not monotone in N;
    any that succeed move the answer up and the check repeats. The seeds of one
    N train together as one batched model.
    """
    if not isinstance(seeds, numbers.Integral) or seeds < 1:
        raise ValueError(f"capacity_sweep: seeds must be a positive int, got {seeds!r}")
    if _positive_int("capacity_sweep", "max_n", max_n) < 2:
        raise ValueError(f"capacity_sweep: max_n must be at least 2 (the smallest shift task), got {max_n}")
    if isinstance(hidden_sizes, numbers.Integral):
        hidden_sizes = [hidden_sizes]
    if not hasattr(hidden_sizes, "__iter__"):
        raise TypeError(f"capacity_sweep: hidden_sizes must be a list of ints, got {hidden_sizes!r}")
    hidden_sizes = [_positive_int("capacity_sweep", "hidden size", h) for h in hidden_sizes]
    bar = tqdm(desc="capacity sweep", unit="run", disable=not progress)
    results = []
    for hidden in hidden_sizes:
        solved_by: dict[int, int] = {}

        def learns(n: int, hidden: int = hidden, solved_by: dict = solved_by) -> bool:
            if n not in solved_by:
                bar.set_postfix(H=hidden, N=n)
                runs = train_shift(
                    n, hidden, steps, lr, seed=list(range(seeds)), stop_when_solved=True, progress=False
                )
                solved_by[n] = sum(r.solved for r in runs)
                bar.update()
            return solved_by[n] > 0

        results.append(SweepResult(hidden, _largest_learned(learns, max_n), False, seeds, solved_by))
        results[-1].capped = results[-1].max_n == max_n
    bar.close()
    return results


def _largest_learned(learns: Any, max_n: int) -> int:
    """Grow, bisect, then confirm the neighbours above (see capacity_sweep)."""
    good, bad, n = 2, None, 3  # N=2 has a single example: always learned
    while n <= max_n:
        if not learns(n):
            bad = n
            break
        good = n
        n = max_n if n < max_n < 2 * n else 2 * n
    if bad is None:
        return good
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if learns(mid) else (good, mid)
    above = good + 1
    while above <= min(good + 3, max_n):
        if learns(above):
            good = above
        above += 1
    return good


# ---- tables, the way the seed shows its networks -------------------------------------

SEED_CAPACITY = {1: "fails (N=5)", 2: "about 11", 3: "about 30", 4: "over 100"}


def _seed_weights(owner: str, model: MLP) -> tuple[np.ndarray, np.ndarray]:
    """(input side, output side), each (N, H): 10 * tanh(input weights) as the seed draws
    them (one input fires at a time, so its hidden neuron outputs tanh(w)), and the raw
    output weights."""
    if not isinstance(model, MLP):
        raise TypeError(f"{owner}: expects an MLP such as train_shift(...).model, got {type(model).__name__}")
    if len(model.layers) != 2 or model.layers[0].bias is not None:
        raise ValueError(f"{owner}: the seed's tables need a one-hidden-layer MLP without biases")
    return 10 * np.tanh(model.layers[0].weight.data.T), model.layers[1].weight.data


def weight_table(model: MLP) -> str:
    """Per node n: 10 tanh(weight) from input n into each hidden neuron, and the weight
    from each hidden neuron to output n, as in the seed's pictures."""
    w_in, w_out = _seed_weights("weight_table", model)
    hidden = range(1, w_in.shape[1] + 1)
    lines = [
        "input side: 10 tanh(w) (input n fires alone, so hidden j outputs tanh(w)); output side: raw w",
        "node | "
        + " ".join(f"{f'in->h{j}':>7}" for j in hidden)
        + " | "
        + " ".join(f"{f'h{j}->out':>7}" for j in hidden),
    ]
    for n, (row_in, row_out) in enumerate(zip(w_in, w_out), start=1):
        lines.append(
            f"{n:>4} | "
            + " ".join(f"{w:7.1f}" for w in row_in)
            + " | "
            + " ".join(f"{w:7.1f}" for w in row_out)
        )
    return "\n".join(lines)


def worked_example(model: MLP, k: int) -> str:
    """The seed's walk-through: input k fires; each output's score is sum_j in_j * out_j."""
    w_in, w_out = _seed_weights("worked_example", model)
    n = w_in.shape[0]
    if not isinstance(k, numbers.Integral) or not 1 <= k < n:
        raise ValueError(f"worked_example: input must be in 1..{n - 1}, got {k}")
    scores = w_out @ w_in[k - 1]
    order = np.argsort(-scores)
    winner, runner_up = order[0] + 1, order[1] + 1
    # The terms are shown rounded, so their sum is only close to the score: hence "≈".
    terms = " + ".join(f"{a:.1f} * {b:.1f}" for a, b in zip(w_in[k - 1], w_out[winner - 1]))
    verdict = "right" if winner == k + 1 else f"WRONG (wanted {k + 1})"
    return (
        f"input {k} fires: output {winner} wins with {scores[winner - 1]:.1f} ≈ {terms}; "
        f"next best is output {runner_up} with {scores[runner_up - 1]:.1f} -> {verdict}"
    )


def sweep_table(results: Sequence[SweepResult]) -> str:
    """The capacity sweep beside the seed's numbers."""
    lines = [f"{'H':>2} | {'largest N learned':>17} | {'seed says':<12} | N tried (seeds that learned it)"]
    for r in results:
        largest = f">= {r.max_n}" if r.capped else str(r.max_n)
        tried = ", ".join(f"{n}:{k}/{r.seeds}" for n, k in sorted(r.solved_by.items()))
        lines.append(f"{r.hidden:>2} | {largest:>17} | {SEED_CAPACITY.get(r.hidden, '-'):<12} | {tried}")
    return "\n".join(lines)
