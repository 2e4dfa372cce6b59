"""Tests for tasks.py: the shift task, its training loop, the seed's claims and the capacity sweep.

The seed's claims are checked with fixed seeds, so every number here is reproducible;
where our numbers differ from the seed's, the test checks the qualitative claim and
says what we get.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tinygrad_lite import nn, tasks


def train(n: int, hidden: int, steps: int, **kwargs):
    return tasks.train_shift(n, hidden, steps=steps, progress=False, **kwargs)


def numpy_forward(state: dict[str, np.ndarray], x: np.ndarray):
    """(hidden outputs, logits) of the seed's network, from an MLP state_dict."""
    h = np.tanh(x @ state["layers.0.weight"].T)
    return h, h @ state["layers.1.weight"].T


def numpy_loss_and_grads(state: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray):
    """Mean cross-entropy and its gradient, by hand: d logits = (softmax - one_hot) / count."""
    h, logits = numpy_forward(state, x)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(len(y)), y].mean()
    d_logits = (np.exp(log_p) - np.eye(logits.shape[1])[y]) / len(y)
    d_w2 = d_logits.T @ h
    d_w1 = ((d_logits @ state["layers.1.weight"]) * (1 - h**2)).T @ x
    return loss, {"layers.0.weight": d_w1, "layers.1.weight": d_w2}


# ---- the data ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 11])
def test_shift_task_data(n):
    X, y = tasks.shift_task(n)
    assert X.shape == (n - 1, n) and X.dtype == np.float64
    assert y.shape == (n - 1,) and y.dtype.kind == "i"
    np.testing.assert_array_equal(X, np.eye(n)[: n - 1])  # row k: input k+1 fires alone
    np.testing.assert_array_equal(y, np.arange(1, n))  # input k+1 -> output k+2, zero-based k+1
    assert 0 not in y  # output 1 never fires
    assert (X[:, -1] == 0).all()  # input n never fires
    np.testing.assert_array_equal(X.argmax(axis=1) + 1, y)  # input n fires output n+1


def test_initial_weights_are_normal_times_half_w1_then_w2():
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(size=(11, 2)) * 0.5, rng.normal(size=(2, 11)) * 0.5
    state = tasks.initial_weights(11, 2, seed=0)
    assert list(state) == ["layers.0.weight", "layers.1.weight"]
    np.testing.assert_array_equal(state["layers.0.weight"], w1.T)  # PyTorch's (out, in) layout
    np.testing.assert_array_equal(state["layers.1.weight"], w2.T)
    with_bias = tasks.initial_weights(11, 2, seed=0, bias=True)
    assert list(with_bias) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    np.testing.assert_array_equal(with_bias["layers.0.bias"], rng.normal(size=2) * 0.5)


# ---- the training loop ---------------------------------------------------------------------


def test_zero_steps_returns_the_initial_network():
    r = train(11, 2, 0)
    for name, array in tasks.initial_weights(11, 2, 0).items():
        np.testing.assert_array_equal(r.weights[name], array)
    X, y = tasks.shift_task(11)
    loss, _ = numpy_loss_and_grads(r.weights, X, y)
    assert r.losses.shape == (1,)
    assert r.losses[0] == pytest.approx(loss, rel=1e-12)
    assert r.accuracies[0] == r.accuracy == np.mean(numpy_forward(r.weights, X)[1].argmax(1) == y)
    assert r.weight_norms[0] == pytest.approx(np.sqrt(sum((w**2).sum() for w in r.weights.values())))


def test_first_adam_update_matches_numpy():
    # Adam's first step moves each weight by lr * g / (|g| + eps), with g the gradient by hand.
    X, y = tasks.shift_task(11)
    start = tasks.initial_weights(11, 2, 0)
    _, grads = numpy_loss_and_grads(start, X, y)
    r = train(11, 2, 1, lr=0.05)
    for name, w in start.items():
        g = grads[name]
        np.testing.assert_allclose(r.weights[name], w - 0.05 * g / (np.abs(g) + 1e-8), rtol=1e-12, atol=1e-15)
    # Input 11 never fires, so its weights get no gradient and stay where they started.
    np.testing.assert_array_equal(r.weights["layers.0.weight"][:, -1], start["layers.0.weight"][:, -1])


def test_the_trajectory_n11_h2():
    # The pinned fact: default init, Adam lr=0.05, N=11, H=2.
    r = train(11, 2, 2000, lr=0.05, optimizer="adam", seed=0)
    assert r.solved_at == 244
    assert r.accuracies[243] < 1.0 and r.accuracies[244] == 1.0
    assert r.solved and r.accuracy == 1.0
    assert len(r.losses) == 2001  # before each update, and after the last
    assert round(float(r.losses[-1]), 6) == 0.012439
    # Near the seed's limit for H=2 the network wobbles once: one example is lost again for
    # updates 294-366 (90%), then all stay right.
    wrong = np.flatnonzero(r.accuracies[244:] < 1.0) + 244
    np.testing.assert_array_equal(wrong, np.arange(294, 367))
    assert r.accuracies[294] == 0.9
    assert r.model.layers[0].weight.dtype == np.float64
    X, y = tasks.shift_task(11)
    assert numpy_loss_and_grads(r.weights, X, y)[0] == pytest.approx(r.losses[-1], rel=1e-12)


def test_training_is_deterministic():
    a, b = train(5, 2, 200, seed=3), train(5, 2, 200, seed=3)
    assert a.losses.tobytes() == b.losses.tobytes()
    for name in a.weights:
        assert a.weights[name].tobytes() == b.weights[name].tobytes()
    assert train(5, 2, 200, seed=4).losses.tobytes() != a.losses.tobytes()


@pytest.mark.parametrize("stop_when_solved", [False, True])
def test_batched_seeds_match_training_each_alone(stop_when_solved):
    seeds = [0, 1, 2]
    together = train(11, 2, 400, seed=seeds, stop_when_solved=stop_when_solved)
    assert [r.seed for r in together] == seeds
    for seed, r in zip(seeds, together):
        alone = train(11, 2, 400, seed=seed, stop_when_solved=stop_when_solved)
        assert r.solved_at == alone.solved_at is not None
        assert r.accuracy == alone.accuracy
        for field in ("losses", "accuracies", "weight_norms"):
            assert getattr(r, field).tobytes() == getattr(alone, field).tobytes(), (seed, field)
        for name in alone.weights:
            assert r.weights[name].tobytes() == alone.weights[name].tobytes(), (seed, name)
        if stop_when_solved:  # frozen at the update that solved it
            assert len(r.losses) == r.solved_at + 1
        else:
            assert len(r.losses) == 401


def test_stop_when_solved_freezes_only_the_solved_seeds():
    # N=11 H=2 in 100 updates: seed 2 solves it after 69, seed 0 needs 244.
    solved, unsolved = train(11, 2, 100, seed=[2, 0], stop_when_solved=True)
    assert (solved.solved_at, len(solved.losses), solved.accuracy) == (69, 70, 1.0)
    assert (unsolved.solved_at, len(unsolved.losses)) == (None, 101) and not unsolved.solved


def test_sgd_and_bias_options_train():
    r = train(5, 2, 300, optimizer="sgd", lr=0.5)
    assert r.losses[-1] < r.losses[0] / 2
    r = train(5, 2, 100, bias=True)
    assert [name for name, _ in r.model.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
    ]
    assert r.losses[-1] < r.losses[0]


# ---- the seed's claims ---------------------------------------------------------------------


def test_one_hidden_neuron_cannot_learn_n5():
    # Everything goes through one number h: output j scores v_j * h, so only the largest v_j
    # (h > 0) or the smallest (h < 0) can ever win. At most 2 of the 4 examples are right.
    for r in train(5, 1, 1500, seed=[0, 1, 2]):
        assert r.solved_at is None
        assert r.accuracies.max() <= 0.5


def test_two_hidden_neurons_learn_n5_and_n11():
    # N=5 is solved after 22 updates and stays solved; N=11 (above) after 244, with a dip.
    r = train(5, 2, 300, seed=0)
    assert r.solved_at == 22 and r.accuracies[22:].min() == 1.0


def test_long_training_grows_the_weights_and_saturates_tanh():
    # The seed saw input weights of about +-9 and output weights of about +-26. Ours, on
    # N=5 H=2, seed 0, for inputs 1-4 and outputs 2-5: |input weights| 1.9-2.3 after 300
    # updates, 2.3-2.7 after 4000 (3.0-3.4 after 30000); |output weights| 3.0-3.8, then
    # 5.3-6.0 (11.6-12.1). Not the seed's numbers, but its picture: both keep growing, and
    # tanh of the input weights saturates (0.95, then 0.98).
    early, late = train(5, 2, 300), train(5, 2, 4000)
    assert early.weight_norms.tobytes() == late.weight_norms[:301].tobytes()
    checkpoints = late.weight_norms[[300, 1000, 2000, 4000]]
    assert (np.diff(checkpoints) > 0).all()
    firing_in = [r.weights["layers.0.weight"][:, :4] for r in (early, late)]  # inputs 1..4
    targets_out = [r.weights["layers.1.weight"][1:] for r in (early, late)]  # outputs 2..5
    assert np.abs(firing_in[1]).min() > np.abs(firing_in[0]).min() > 1.5
    assert np.abs(targets_out[1]).min() > np.abs(targets_out[0]).min() > 2.5
    assert np.abs(targets_out[1]).min() > 5
    assert np.abs(np.tanh(firing_in[1])).min() > max(0.98, np.abs(np.tanh(firing_in[0])).min())
    # The seed's picture: the four inputs use the four sign combinations of the two hidden
    # neurons, and output n+1 listens with the signs of input n.
    signs_in = np.sign(firing_in[1].T)
    assert {tuple(s) for s in signs_in} == set(itertools.product([-1.0, 1.0], repeat=2))
    np.testing.assert_array_equal(np.sign(targets_out[1]), signs_in)
    # Input 5 never fires: its weights never move. Output 1 never fires: its weights stay small.
    start = tasks.initial_weights(5, 2, 0)
    np.testing.assert_array_equal(late.weights["layers.0.weight"][:, 4], start["layers.0.weight"][:, 4])
    assert np.abs(late.weights["layers.1.weight"][0]).max() < 0.5


def test_without_tanh_the_weights_keep_growing_as_the_loss_keeps_shrinking():
    # The seed: "if you just use softmax your weights will explode". With activation="linear"
    # (N=5 H=2, seed 0) the weight norm grows 8.1 -> 10.3 between updates 100 and 3000 while
    # the loss falls 1.6e-3 -> 7.1e-6, and neither ever turns around.
    r = train(5, 2, 3000, activation="linear")
    checkpoints = [100, 300, 1000, 2000, 3000]
    assert (np.diff(r.weight_norms[checkpoints]) > 0).all()
    assert (np.diff(r.losses[checkpoints]) < 0).all()
    assert (np.diff(r.weight_norms[100:]) > 0).all() and (np.diff(r.losses[100:]) < 0).all()
    assert r.solved


def test_without_softmax_learning_stalls():
    # output="sigmoid": independent sigmoids and a squared error instead of softmax.
    # N=11 H=2: softmax solves seeds 0-2 within 250 updates and ends solved; sigmoid
    # reaches no better than 70-90% in 3000 updates.
    # N=5 H=2 (the seed's claim): here sigmoid does reach 100% at times, but cannot hold
    # it; seeds 0, 3 and 4 end at 75% while softmax solves all five and stays solved.
    for n, seeds, steps in [(11, [0, 1, 2], 3000), (5, [0, 1, 2, 3, 4], 3000)]:
        softmax = train(n, 2, steps, seed=seeds)
        sigmoid = train(n, 2, steps, seed=seeds, output="sigmoid")
        for r in softmax:
            assert r.solved_at is not None and r.accuracies[-500:].min() == 1.0
        assert not all(r.solved for r in sigmoid), n
        if n == 11:
            assert all(r.solved_at is None for r in sigmoid)
            assert max(r.accuracies.max() for r in sigmoid) <= 0.9


# ---- the capacity sweep ----------------------------------------------------------------------


def test_capacity_sweep_small():
    results = tasks.capacity_sweep([1, 2], seeds=2, steps=1000, max_n=8, progress=False)
    one, two = results
    # H=1 learns N=3 (two examples: h > 0 and h < 0) and nothing bigger.
    assert (one.hidden, one.max_n, one.capped, one.seeds) == (1, 3, False, 2)
    assert one.solved_by == {3: 2, 6: 0, 4: 0, 5: 0}
    # H=2 learns everything up to the cap: doubling 3 -> 6, then the cap 8.
    assert (two.hidden, two.max_n, two.capped) == (2, 8, True)
    assert two.solved_by == {3: 2, 6: 2, 8: 2}
    table = tasks.sweep_table(results)
    assert " 1 |                 3 | fails (N=5)  | 3:2/2, 4:0/2, 5:0/2, 6:0/2" in table
    assert " 2 |              >= 8 | about 11     | 3:2/2, 6:2/2, 8:2/2" in table


def largest(learned, max_n: int) -> tuple[int, list[int]]:
    """_largest_learned with a fake `learns`; also returns which N it asked about, in order."""
    asked = []

    def learns(n: int) -> bool:
        asked.append(n)
        return learned(n)

    return tasks._largest_learned(learns, max_n), asked


@pytest.mark.parametrize("max_n", [2, 3, 5, 8, 13, 64, 100])
def test_largest_learned_monotone(max_n):
    for limit in range(2, 70):
        answer, asked = largest(lambda n, limit=limit: n <= limit, max_n)
        assert answer == min(limit, max_n), (limit, max_n)
        assert all(3 <= n <= max_n for n in asked)
        assert len(set(asked)) <= 2 * int(np.log2(max_n)) + 5  # a search, not a scan


def test_largest_learned_cap_and_order():
    answer, asked = largest(lambda n: True, 100)
    assert answer == 100 and asked == [3, 6, 12, 24, 48, 96, 100]
    answer, asked = largest(lambda n: n <= 20, 100)
    assert answer == 20 and asked == [3, 6, 12, 24, 18, 21, 19, 20, 21, 22, 23]


def test_largest_learned_not_monotone():
    # Success after a failure, within three above the answer, moves it up ...
    assert largest(lambda n: n in {3, 4, 5, 7, 8}, 100)[0] == 8
    assert largest(lambda n: n in {3, 5}, 100)[0] == 5
    # ... but a gap of three failures ends the search.
    assert largest(lambda n: n in {3, 4, 5, 9}, 100)[0] == 5
    # Nothing learned above 2: N=2 (one example) is always learned.
    assert largest(lambda n: False, 100) == (2, [3, 3, 4, 5])
    # The confirmation never goes past the cap.
    answer, asked = largest(lambda n: n != 6, 7)
    assert answer == 7 and max(asked) == 7


# ---- tables --------------------------------------------------------------------------------


def model_with(w1: list[list[float]], w2: list[list[float]]) -> nn.MLP:
    """The seed's network with given weights: w1[n] into the hidden neurons, w2[n] out of them."""
    w1, w2 = np.array(w1, float), np.array(w2, float)
    model = nn.MLP(w1.shape[0], w1.shape[1], w1.shape[0], dtype=np.float64)
    model.load_state_dict({"layers.0.weight": w1.T.copy(), "layers.1.weight": w2.copy()})
    return model


A = np.arctanh(0.5)  # 10 tanh(A) = 5


def test_weight_table():
    model = model_with([[A, -A], [-A, A], [0.0, 0.0]], [[0.0, 0.0], [4.0, -4.0], [-26.0, 26.0]])
    lines = tasks.weight_table(model).splitlines()
    assert lines[0].startswith("input side: 10 tanh(w)")
    assert lines[1] == "node |  in->h1  in->h2 | h1->out h2->out"
    assert lines[2:] == [
        "   1 |     5.0    -5.0 |     0.0     0.0",
        "   2 |    -5.0     5.0 |     4.0    -4.0",
        "   3 |     0.0     0.0 |   -26.0    26.0",
    ]


def test_worked_example():
    model = model_with([[A, -A], [-A, A], [0.0, 0.0]], [[0.0, 0.0], [4.0, -4.0], [-26.0, 26.0]])
    # Input 1 fires: hidden (5, -5); output 2 scores 5*4 + -5*-4 = 40, output 1 scores 0, output 3 -260.
    assert tasks.worked_example(model, 1) == (
        "input 1 fires: output 2 wins with 40.0 ≈ 5.0 * 4.0 + -5.0 * -4.0; "
        "next best is output 1 with 0.0 -> right"
    )
    assert tasks.worked_example(model, 2) == (
        "input 2 fires: output 3 wins with 260.0 ≈ -5.0 * -26.0 + 5.0 * 26.0; "
        "next best is output 1 with 0.0 -> right"
    )
    wrong = model_with([[A, -A], [-A, A], [0.0, 0.0]], [[0.0, 0.0], [-4.0, 4.0], [26.0, -26.0]])
    assert tasks.worked_example(wrong, 1).endswith("-> WRONG (wanted 2)")
    with pytest.raises(ValueError, match=r"input must be in 1..2, got 3"):
        tasks.worked_example(model, 3)
    with pytest.raises(ValueError, match="one-hidden-layer MLP without biases"):
        tasks.worked_example(nn.MLP(3, 2, 3, bias=True), 1)


def test_sweep_table_marks_capped_results():
    results = [tasks.SweepResult(5, 40, True, 3, {3: 3, 40: 1}), tasks.SweepResult(3, 29, False, 3, {29: 2})]
    lines = tasks.sweep_table(results).splitlines()
    assert lines[0].startswith(" H | largest N learned | seed says")
    assert lines[1] == f" 5 | {'>= 40':>17} | -            | 3:3/3, 40:1/3"
    assert lines[2] == f" 3 | {'29':>17} | about 30     | 29:2/3"


# ---- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 0, -3, 2.0, True, "5"])
def test_shift_task_needs_n_of_at_least_2(n):
    with pytest.raises(ValueError, match=r"n must be an int >= 2"):
        tasks.shift_task(n)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 1}, r"n must be an int >= 2"),
        ({"hidden": 0}, r"train_shift: hidden must be a positive int, got 0"),
        ({"steps": -1}, r"steps must be a non-negative int, got -1"),
        ({"steps": 1.5}, r"steps must be a non-negative int, got 1.5"),
        ({"lr": 0}, r"lr must be a positive number, got 0"),
        ({"optimizer": "rmsprop"}, r"optimizer must be one of \('adam', 'sgd'\), got 'rmsprop'"),
        ({"output": "tanh"}, r"output must be one of \('softmax', 'sigmoid'\), got 'tanh'"),
        ({"activation": "softmax"}, r"activation must be one of .*got 'softmax'"),
        ({"seed": -1}, r"seed must be a non-negative int or a list of them, got \[-1\]"),
        ({"seed": 1.5}, r"seed must be a non-negative int or a list of them, got \[1.5\]"),
        ({"seed": []}, r"seed must be a non-negative int or a list of them, got \[\]"),
    ],
)
def test_train_shift_errors(kwargs, message):
    args = {"n": 5, "hidden": 2, "steps": 10, "progress": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        tasks.train_shift(**args)


def test_capacity_sweep_errors():
    with pytest.raises(ValueError, match="seeds must be a positive int, got 0"):
        tasks.capacity_sweep([1], seeds=0, progress=False)
    with pytest.raises(ValueError, match="max_n must be at least 2"):
        tasks.capacity_sweep([1], max_n=1, progress=False)
    with pytest.raises(ValueError, match="hidden size must be a positive int, got 0"):
        tasks.capacity_sweep([1, 0], progress=False)
