"""Tables, the way the seed shows its networks: the weights per node, a worked example, the sweep."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import checks
from ..nn import MLP
from .sweep import SweepResult
from .task import firing_input

# The seed post's claims, in its words: how large an N each hidden size learns.
SEED_CAPACITY = {1: "fails (N=5)", 2: "about 11", 3: "about 30", 4: "over 100"}


def _seed_weights(owner: str, model: MLP) -> tuple[np.ndarray, np.ndarray]:
    """(input side, output side), each (N, H): 10 * tanh(input weights) as the seed draws
    them (one input fires at a time, so its hidden neuron outputs tanh(w)), and the raw
    output weights."""
    if not isinstance(model, MLP):
        raise TypeError(f"{owner}: expects an MLP such as train_shift(...).model, got {type(model).__name__}")
    if len(model.layers) != 2 or model.layers[0].bias is not None or model.copies is not None:
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
        numbers_in = " ".join(f"{w:7.1f}" for w in row_in)
        lines.append(f"{n:>4} | {numbers_in} | " + " ".join(f"{w:7.1f}" for w in row_out))
    return "\n".join(lines)


def worked_example(model: MLP, k: int) -> str:
    """The seed's walk-through: input k fires; each output's score is sum_j in_j * out_j.

    in_j is 10 tanh(w), the seed's x10 scale, so a score is 10 x the output's logit
    (the logit `draw_network(model, x=k)` writes on the output); both are shown.
    """
    w_in, w_out = _seed_weights("worked_example", model)
    n = w_in.shape[0]
    k = firing_input("worked_example", k, n)
    scores = w_out @ w_in[k - 1]
    order = np.argsort(-scores)
    winner, runner_up = order[0] + 1, order[1] + 1
    # The terms are shown rounded, so their sum is only close to the score: hence "≈".
    terms = " + ".join(f"{a:.1f} * {b:.1f}" for a, b in zip(w_in[k - 1], w_out[winner - 1]))
    verdict = "right" if winner == k + 1 else f"WRONG (wanted {k + 1})"
    return (
        f"input {k} fires: output {winner} wins with score {scores[winner - 1]:.1f} ≈ {terms} "
        f"(x10 scale: logit {scores[winner - 1] / 10:.4g}); next best is output {runner_up} "
        f"with {scores[runner_up - 1]:.1f} (logit {scores[runner_up - 1] / 10:.4g}) -> {verdict}"
    )


def sweep_table(results: Sequence[SweepResult]) -> str:
    """The capacity sweep beside the seed's numbers."""
    results = checks.non_empty_list(
        "sweep_table", "results", results, SweepResult, "SweepResults (capacity_sweep)"
    )
    lines = [f"{'H':>2} | {'largest N learned':>17} | {'seed says':<12} | N tried (seeds that learned it)"]
    for r in results:
        largest = f">= {r.max_n}" if r.capped else str(r.max_n)
        tried = ", ".join(f"{n}:{k}/{r.seeds}" for n, k in sorted(r.solved_by.items()))
        lines.append(f"{r.hidden:>2} | {largest:>17} | {SEED_CAPACITY.get(r.hidden, '-'):<12} | {tried}")
    return "\n".join(lines)
