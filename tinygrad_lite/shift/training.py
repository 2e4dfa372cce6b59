"""Training the seed's network on the shift task: an ordinary training loop on a batched MLP.

Several seeds train as one model, `MLP(..., copies=K)`: one graph, one optimizer,
and each copy's numbers exactly those it gets when trained alone (the copies
share nothing; the optimizers update each number on its own).
"""

from __future__ import annotations

import copy
import importlib.util
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import numpy as np

from .. import checks, compiler
from ..functional import check_activation, cross_entropy
from ..nn import MLP
from ..optim import SGD, Adam
from ..tensor import Tensor
from .task import INITS, initial_weights, node_count, shift_task

OPTIMIZERS = {"adam": Adam, "sgd": SGD}
OUTPUTS = ("softmax", "sigmoid")
REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True)
class ShiftConfig:
    """How to train the seed's network on the shift task: everything but the seed.

    The defaults are the seed's run: N=11 nodes, H=2 tanh neurons, softmax output
    with cross-entropy, full-batch Adam at lr 0.05. `output="sigmoid"` puts
    independent sigmoids on the outputs with a squared error (the ablation
    without softmax); `activation="linear"` drops the tanh. `init` picks the
    starting weights (`initial_weights`); `reduction="sum"` trains on the summed
    loss over the n-1 examples instead of the mean, so an SGD lr is per example,
    like the seed's online back-propagation. With `stop_when_solved`, a network's
    result is frozen at the update that solved it, and training ends once every
    network is solved. With `record_every=k`,
    each result keeps its weights every k updates and at its last step.
    """

    n: int = 11
    hidden: int = 2
    _: KW_ONLY
    steps: int = 3000
    lr: float = 0.05
    optimizer: str = "adam"
    activation: str = "tanh"
    output: str = "softmax"
    bias: bool = False
    init: str = "normal"
    reduction: str = "mean"
    stop_when_solved: bool = False
    record_every: int | None = None

    def __post_init__(self) -> None:
        node_count("ShiftConfig", self.n)
        checks.positive_int("ShiftConfig", "hidden", self.hidden)
        checks.non_negative_int("ShiftConfig", "steps", self.steps)
        checks.positive_number("ShiftConfig", "lr", self.lr)
        checks.one_of("ShiftConfig", "optimizer", self.optimizer, tuple(OPTIMIZERS))
        check_activation("ShiftConfig", self.activation)
        checks.one_of("ShiftConfig", "output", self.output, OUTPUTS)
        checks.one_of("ShiftConfig", "init", self.init, INITS)
        checks.one_of("ShiftConfig", "reduction", self.reduction, REDUCTIONS)
        checks.boolean("ShiftConfig", "bias", self.bias)
        checks.boolean("ShiftConfig", "stop_when_solved", self.stop_when_solved)
        if self.record_every is not None:
            checks.positive_int("ShiftConfig", "record_every", self.record_every)


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

    def summary(self) -> str:
        """One line: the accuracy, when all examples were first right, the final loss (or "diverged")."""
        solved = "never" if self.solved_at is None else f"after {self.solved_at} updates"
        line = f"N={self.n} H={self.hidden}: accuracy {self.accuracy:.0%}, all examples right {solved}, "
        if not np.isfinite(self.losses[-1]):
            return line + f"training diverged (final loss {self.losses[-1]}); try a smaller lr"
        return line + f"final loss {self.losses[-1]:.6f}"


def train_shift(
    config: ShiftConfig, seed: int = 0, *, progress: bool = True, start: dict[str, np.ndarray] | None = None
) -> ShiftResult:
    """Train the seed's network (n -> hidden -> n) on the shift task, full batch, from `seed`'s
    starting weights (`initial_weights`), or from `start`, a state_dict of such a network (what
    `io.load` reads back from `train --save`) to train on from there. Always one ShiftResult;
    several seeds: `train_shift_seeds`."""
    seed = checks.non_negative_int("train_shift", "seed", seed)
    return _train(config, [seed], progress, "train_shift", start=start)[0]


def train_shift_seeds(
    config: ShiftConfig,
    seeds: Sequence[int],
    *,
    lrs: Sequence[float] | None = None,
    progress: bool = True,
) -> list[ShiftResult]:
    """`train_shift` for each of `seeds`, trained together as one batched model: a list of
    results in the order of `seeds`, each the same, bit for bit, as training that seed alone.

    With `lrs`, every (lr, seed) pair is one copy of the model, stepped with its own
    learning rate: the results come lr by lr, seeds within (`lrs[i]`, `seeds[j]` at
    `i * len(seeds) + j`), each the same as `train_shift(replace(config, lr=lrs[i]), seeds[j])`.
    """
    owner = "train_shift_seeds"
    seeds = checks.non_empty_list(owner, "seeds", seeds, _is_seed, "non-negative ints")
    if lrs is not None:
        lrs = list(map(float, checks.non_empty_list(owner, "lrs", lrs, _is_lr, "positive finite numbers")))
    return _train(config, seeds, progress, owner, lrs)


def _is_seed(seed: Any) -> bool:
    return checks.is_int(seed) and seed >= 0


def _is_lr(lr: Any) -> bool:
    return checks.is_number(lr) and 0 < lr < math.inf


def _train(
    config: ShiftConfig,
    seeds: list[int],
    progress: bool,
    owner: str,
    lrs: Sequence[float] | None = None,
    start: dict[str, np.ndarray] | None = None,
) -> list[ShiftResult]:
    if not isinstance(config, ShiftConfig):
        raise TypeError(f"{owner}: expects a ShiftConfig such as ShiftConfig(n=11, hidden=2), got {config!r}")
    x, y = shift_task(config.n)  # every example at once: row k is input k+1 firing alone
    x = Tensor(x)
    runs = [(seed, lr) for lr in lrs or [config.lr] for seed in seeds]  # one copy of the model each
    model = _stacked_model(config, [seed for seed, _ in runs], start)
    loss_per_copy = _loss_function(config, y, len(runs))
    optimizer = _optimizer(config, model, [lr for _, lr in runs])
    recorder = Recorder(config, model)
    step_losses = compiler.compile(_losses)  # traced again for a new model (copies frozen) or loss
    with (
        np.errstate(all="ignore"),
        _progress_bar(config, progress) as bar,
    ):  # a diverging run reports, never warns
        for step in bar:
            total, loss, logits = step_losses(model, loss_per_copy, x)  # compiled: see _losses
            if recorder.record(step, loss, logits):
                break
            optimizer.zero_grad()
            total.backward()  # each copy's loss depends on its own weights only
            optimizer.step()
            unsolved = recorder.unsolved()
            if config.stop_when_solved and len(unsolved) < model.copies:  # the solved ones are frozen
                model, optimizer = _keep_copies(model, optimizer, unsolved)
                loss_per_copy = _loss_function(config, y, model.copies)
                recorder.keep(model, unsolved)
            if progress and step % 50 == 0:
                bar.set_postfix(recorder.postfix(step), refresh=False)
    return recorder.results([seed for seed, _ in runs])


def _stacked_model(config: ShiftConfig, seeds: list[int], start: dict[str, np.ndarray] | None) -> MLP:
    """One MLP with a copy per seed, each starting from `initial_weights(n, hidden, seed)` (or from
    `start`), in float64."""
    nets = []
    for seed in seeds:
        net = MLP(config.n, config.hidden, config.n, config.activation, config.bias, dtype=np.float64)
        weights = initial_weights(config.n, config.hidden, seed, config.bias, config.init)
        net.load_state_dict(weights if start is None else start)
        nets.append(net)
    return MLP.stack(nets)


def _losses(model: MLP, loss_per_copy: Callable[[Tensor], Tensor], x: Tensor) -> tuple[Tensor, ...]:
    """(the sum of the copies' losses, each copy's loss, the logits) on the examples x: one step's graph,
    which `_train` compiles (tinygrad_lite.compile: the same numbers, bit for bit, without a node per op)."""
    logits = model(x)  # (copies, n-1, n)
    loss = loss_per_copy(logits)  # (copies,)
    return loss.sum(), loss, logits


def _loss_function(config: ShiftConfig, y: np.ndarray, copies: int) -> Callable[[Tensor], Tensor]:
    """logits (copies, n-1, n) -> each copy's loss, the mean (or the sum) over the n-1 examples:
    softmax cross-entropy, or the squared error of independent sigmoids (a mean over the outputs)."""
    if config.output == "softmax":
        targets = np.broadcast_to(y, (copies, len(y)))
        if config.reduction == "mean":
            return lambda logits: cross_entropy(logits, targets, reduction="none").mean(axis=1)
        return lambda logits: cross_entropy(logits, targets, reduction="none").sum(axis=1)
    one_hot = np.eye(len(y) + 1)[y]
    if config.reduction == "mean":
        return lambda logits: ((logits.sigmoid() - one_hot) ** 2).mean(axis=(1, 2))
    return lambda logits: ((logits.sigmoid() - one_hot) ** 2).mean(axis=2).sum(axis=1)


def _optimizer(config: ShiftConfig, model: MLP, lrs: list[float]):
    """The optimizer of `config`, stepping copy k of the model with learning rate lrs[k]."""
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), lr=config.lr)
    if any(lr != config.lr for lr in lrs):
        # SGD and Adam only multiply by lr, so an array (copies, 1, 1) broadcasts over each
        # parameter's copies axis and steps copy k exactly as a scalar lrs[k] would.
        optimizer.lr = np.array(lrs).reshape(-1, 1, 1)
    return optimizer


def _keep_copies(model: MLP, optimizer, positions: np.ndarray) -> tuple[MLP, Any]:
    """The model and optimizer with only the copies at `positions`: a solved copy, already frozen by
    the Recorder, stops costing work. The copies share nothing, so the others step on unchanged."""
    smaller = MLP.stack([model.copy(k) for k in positions])
    kept = copy.copy(optimizer)  # the same rule and settings, for the smaller model's parameters
    kept.params = smaller.parameters()
    for name in ("m", "v", "velocity"):  # per-parameter state with a copies axis (Adam, SGD's momentum)
        if hasattr(optimizer, name):
            setattr(
                kept,
                name,
                [None if state is None else state[positions] for state in getattr(optimizer, name)],
            )
    if hasattr(optimizer, "t"):  # Adam's step counts, one per parameter
        kept.t = list(optimizer.t)
    if isinstance(optimizer.lr, np.ndarray):  # one lr per copy
        kept.lr = optimizer.lr[positions]
    return smaller, kept


def _progress_bar(config: ShiftConfig, progress: bool):
    steps = range(config.steps + 1)
    bar = _tqdm()
    return bar(steps, desc=f"shift N={config.n} H={config.hidden}", disable=not progress, leave=False)


def _tqdm():
    """tqdm's widget in a Jupyter kernel that has ipywidgets, else its text bar. Never tqdm.auto,
    which in Jupyter without ipywidgets warns "IProgress not found" and then prints text anyway.
    Imported here, so that `import tinygrad_lite` never imports tqdm."""
    if "ipykernel" in sys.modules and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm
    else:
        from tqdm import tqdm
    return tqdm


class Recorder:
    """What training keeps, per step and per copy: loss, accuracy and weight norm before each update;
    when each copy first got every example right (its weights then, with `stop_when_solved`);
    and every `record_every` updates, each copy's weights."""

    def __init__(self, config: ShiftConfig, model: MLP) -> None:
        self.config, self.model, self.params = config, model, model.parameters()
        self.targets = shift_task(config.n)[1]
        copies = model.copies
        self.losses, self.accuracies, self.norms = (np.zeros((config.steps + 1, copies)) for _ in range(3))
        self.solved_at: list[int | None] = [None] * copies
        self.frozen: list[MLP | None] = [None] * copies
        self.snapshots: list[tuple[int, dict[int, dict[str, np.ndarray]]]] = []
        self.last = 0
        self.active = np.arange(copies)  # which copy each of the model's copies is (solved ones leave)

    def unsolved(self) -> np.ndarray:
        """The positions, in the model, of the copies not solved yet."""
        return np.array([pos for pos, k in enumerate(self.active) if self.solved_at[k] is None], dtype=int)

    def keep(self, model: MLP, positions: np.ndarray) -> None:
        """Follow the model when only its copies at `positions` go on training."""
        self.model, self.params, self.active = model, model.parameters(), self.active[positions]

    def record(self, step: int, loss: Tensor, logits: Tensor) -> bool:
        """Keep this step's numbers; True once training is over."""
        model, rows = self.model, self.active
        self.losses[step, rows] = loss.data
        self.accuracies[step, rows] = (logits.data.argmax(-1) == self.targets).mean(-1)
        self.norms[step, rows] = np.sqrt(
            sum((p.data**2).sum(axis=tuple(range(1, p.ndim))) for p in self.params)
        )
        for pos, k in enumerate(rows):
            if self.accuracies[step, k] == 1.0 and self.solved_at[k] is None:
                self.solved_at[k] = step
                self.frozen[k] = model.copy(pos) if self.config.stop_when_solved else None
        self.last = step
        all_solved = all(s is not None for s in self.solved_at)
        done = step == self.config.steps or (self.config.stop_when_solved and all_solved)
        every = self.config.record_every
        if every is not None and (step % every == 0 or done):
            self.snapshots.append((step, {k: model.copy(pos).state_dict() for pos, k in enumerate(rows)}))
        return done

    def postfix(self, step: int) -> dict[str, str]:
        """The progress bar's numbers: mean loss and accuracy over the copies."""
        rows = self.active
        return {
            "loss": f"{self.losses[step, rows].mean():.4g}",
            "acc": f"{self.accuracies[step, rows].mean():.2f}",
        }

    def results(self, seeds: list[int]) -> list[ShiftResult]:
        """One ShiftResult per copy, each ending at its own last step (the solving one, if frozen)."""
        position = {k: pos for pos, k in enumerate(self.active)}
        return [
            self._result(k, seed, self.frozen[k] or self.model.copy(position[k]))
            for k, seed in enumerate(seeds)
        ]

    def _result(self, k: int, seed: int, net: MLP) -> ShiftResult:
        last = self.last if self.frozen[k] is None else self.solved_at[k]
        snapshots = [(step, states[k]) for step, states in self.snapshots if step < last]
        if self.config.record_every is not None:
            snapshots.append((last, net.state_dict()))
        return ShiftResult(
            n=self.config.n,
            hidden=self.config.hidden,
            seed=seed,
            model=net,
            accuracy=float(self.accuracies[last, k]),
            solved_at=self.solved_at[k],
            losses=self.losses[: last + 1, k].copy(),
            accuracies=self.accuracies[: last + 1, k].copy(),
            weight_norms=self.norms[: last + 1, k].copy(),
            snapshots=snapshots,
        )
