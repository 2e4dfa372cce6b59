"""Tests for shift/training.py: the training loop on the batched MLP, its recorder, and the seed's claims.

The seed's claims are checked with fixed seeds, so every number here is reproducible;
where our numbers differ from the seed's, the test checks the qualitative claim and
says what we get.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import warnings
from dataclasses import replace

import numpy as np
import pytest

from tests.bad_input import INF, NAN, as_params, assert_clear_error
from tinygrad_lite.shift import (
    ShiftConfig,
    ShiftResult,
    initial_weights,
    shift_task,
    train_shift,
    train_shift_seeds,
)


def train(n: int, hidden: int, steps: int, seed: int | list[int] = 0, **settings):
    """train_shift for one seed, train_shift_seeds for a list of them."""
    config = ShiftConfig(n, hidden, steps=steps, **settings)
    if isinstance(seed, list):
        return train_shift_seeds(config, seed, progress=False)
    return train_shift(config, seed, progress=False)


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


# ---- the training loop ---------------------------------------------------------------------


def test_zero_steps_returns_the_initial_network():
    r = train(11, 2, 0)
    for name, array in initial_weights(11, 2, 0).items():
        np.testing.assert_array_equal(r.weights[name], array)
    X, y = shift_task(11)
    loss, _ = numpy_loss_and_grads(r.weights, X, y)
    assert r.losses.shape == (1,)
    assert r.losses[0] == pytest.approx(loss, rel=1e-12)
    assert r.accuracies[0] == r.accuracy == np.mean(numpy_forward(r.weights, X)[1].argmax(1) == y)
    assert r.weight_norms[0] == pytest.approx(np.sqrt(sum((w**2).sum() for w in r.weights.values())))


def test_first_adam_update_matches_numpy():
    # Adam's first step moves each weight by lr * g / (|g| + eps), with g the gradient by hand.
    X, y = shift_task(11)
    start = initial_weights(11, 2, 0)
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
    X, y = shift_task(11)
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


@pytest.mark.parametrize("optimizer, lrs", [("adam", [0.01, 0.05, 0.1]), ("sgd", [0.1, 0.5])])
def test_each_copy_its_own_lr_as_if_trained_alone(optimizer, lrs):
    # Copies solve at different updates and leave the batch (stop_when_solved); the others go on as alone.
    config = ShiftConfig(9, 2, steps=300, optimizer=optimizer, bias=True, init="uniform", reduction="sum",
                         stop_when_solved=True)  # fmt: skip
    together = train_shift_seeds(config, [0, 1], lrs=lrs, progress=False)
    assert len(together) == 2 * len(lrs)
    solved_at = set()
    for i, lr in enumerate(lrs):
        for j, seed in enumerate([0, 1]):
            r, alone = together[i * 2 + j], train_shift(replace(config, lr=lr), seed, progress=False)
            assert (r.seed, r.solved_at) == (seed, alone.solved_at)
            assert r.losses.tobytes() == alone.losses.tobytes() and r.accuracy == alone.accuracy
            assert all(r.weights[k].tobytes() == alone.weights[k].tobytes() for k in alone.weights)
            solved_at.add(r.solved_at)
    assert len(solved_at) > 2  # the batch really did shrink along the way


def test_sgd_on_the_summed_loss_adam_on_the_mean():
    mean, summed = (train(7, 2, 1, optimizer="sgd", lr=0.3, reduction=r) for r in ("mean", "sum"))
    assert summed.losses[0] == pytest.approx(6 * mean.losses[0], rel=1e-12)  # the sum over 6 examples
    # One SGD step on the sum is a step 6 times the size of one on the mean, from the same start.
    start = initial_weights(7, 2, 0)
    for name in start:
        step_mean = mean.weights[name] - start[name]
        np.testing.assert_allclose(summed.weights[name] - start[name], 6 * step_mean, rtol=1e-9, atol=1e-15)
    # Adam divides the scale away: the same updates (to rounding) on the mean and on the sum.
    adam_mean, adam_sum = (train(7, 2, 20, reduction=r) for r in ("mean", "sum"))
    for name in start:
        np.testing.assert_allclose(adam_sum.weights[name], adam_mean.weights[name], atol=1e-5)  # eps aside


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
    start = initial_weights(5, 2, 0)
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


# ---- one type back, a summary line, divergence, no tqdm on import ----------------------------------


def test_train_shift_returns_one_result_and_train_shift_seeds_a_list():
    config = ShiftConfig(5, 2, steps=20)
    one = train_shift(config, 3, progress=False)
    assert isinstance(one, ShiftResult) and one.seed == 3
    many = train_shift_seeds(config, range(2), progress=False)
    assert isinstance(many, list) and [r.seed for r in many] == [0, 1]
    assert [type(r) for r in train_shift_seeds(config, [4], progress=False)] == [ShiftResult]


def test_the_defaults_are_the_seeds_run():
    config = ShiftConfig()
    assert (config.n, config.hidden, config.lr, config.optimizer, config.output) == (
        11,
        2,
        0.05,
        "adam",
        "softmax",
    )
    with pytest.raises(TypeError):
        ShiftConfig(11, 2, 3000)  # everything after n and hidden is by keyword


def test_summary_line():
    r = train(5, 2, 300)
    assert r.summary() == "N=5 H=2: accuracy 100%, all examples right after 22 updates, final loss 0.003966"


def test_a_diverging_run_says_so_without_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would fail the test
        r = train(5, 2, 20, lr=1e308)
    assert not np.isfinite(r.losses[-1])
    assert r.summary().endswith("training diverged (final loss nan); try a smaller lr")


def test_recorder_snapshots_every_k_updates_and_the_last_step():
    r = train(5, 2, 25, record_every=10)
    assert [step for step, _ in r.snapshots] == [0, 10, 20, 25]
    assert list(r.snapshots[-1][1]) == list(r.weights)
    for name, array in r.snapshots[-1][1].items():
        np.testing.assert_array_equal(array, r.weights[name])
    for name, array in initial_weights(5, 2, 0).items():
        np.testing.assert_array_equal(r.snapshots[0][1][name], array)
    solved = train(5, 2, 100, record_every=10, stop_when_solved=True)  # frozen at update 22
    assert [step for step, _ in solved.snapshots] == [0, 10, 20, 22]


def test_importing_the_package_does_not_import_tqdm():
    code = "import sys, tinygrad_lite, tinygrad_lite.shift; print('tqdm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"n": 1}, r"n must be an int >= 2"),
        ({"hidden": 0}, r"ShiftConfig: hidden must be a positive int, got 0"),
        ({"steps": -1}, r"steps must be a non-negative int, got -1"),
        ({"steps": 1.5}, r"steps must be a non-negative int, got 1.5"),
        ({"lr": 0}, r"lr must be a positive finite number, got 0"),
        ({"optimizer": "rmsprop"}, r"optimizer must be one of \('adam', 'sgd'\), got 'rmsprop'"),
        ({"output": "tanh"}, r"output must be one of \('softmax', 'sigmoid'\), got 'tanh'"),
        ({"activation": "softmax"}, r"activation must be one of .*got 'softmax'"),
    ],
)
def test_shift_config_errors(settings, message):
    args = {"n": 5, "hidden": 2, "steps": 10, **settings}
    with pytest.raises(ValueError, match=message):
        ShiftConfig(**args)


@pytest.mark.parametrize("seed", [-1, 1.5, True, [0]])
def test_train_shift_seed_errors(seed):
    with pytest.raises(ValueError, match=r"train_shift: seed must be a non-negative int"):
        train_shift(ShiftConfig(5, 2, steps=10), seed, progress=False)


@pytest.mark.parametrize("seeds", [[-1], [1.5], [], 0, "01"])
def test_train_shift_seeds_errors(seeds):
    with pytest.raises(
        ValueError, match=r"train_shift_seeds: seeds must be a non-empty list of non-negative ints"
    ):
        train_shift_seeds(ShiftConfig(5, 2, steps=10), seeds, progress=False)


# ---- bad input: a clear error -------------------------------------------------------------------


# fmt: off
BAD_INPUT = [
    ("ShiftConfig-init", lambda: ShiftConfig(5, 2, init="zeros"), ValueError,
     r"^ShiftConfig: init must be one of \('normal', 'uniform'\), got 'zeros'"),
    ("ShiftConfig-bias", lambda: ShiftConfig(5, 2, bias="yes"), TypeError,
     r"^ShiftConfig: bias must be True or False, got 'yes'"),
    ("ShiftConfig-stop_when_solved", lambda: ShiftConfig(5, 2, stop_when_solved=1), TypeError,
     r"^ShiftConfig: stop_when_solved must be True or False, got 1"),
    ("ShiftConfig-reduction", lambda: ShiftConfig(5, 2, reduction="max"), ValueError,
     r"^ShiftConfig: reduction must be one of \('mean', 'sum'\), got 'max'"),
    ("ShiftConfig-n-str", lambda: ShiftConfig("5", 2), ValueError,
     r"^ShiftConfig: n must be an int >= 2 \(at least one example\), got '5'"),
    ("ShiftConfig-hidden-float", lambda: ShiftConfig(5, 2.0), ValueError,
     r"^ShiftConfig: hidden must be a positive int, got 2.0"),
    ("ShiftConfig-lr-str", lambda: ShiftConfig(5, 2, lr="0.1"), ValueError,
     r"^ShiftConfig: lr must be a positive finite number, got '0.1'"),
    ("train_shift_seeds-lrs", lambda: train_shift_seeds(ShiftConfig(5, 2), [0], lrs=[]), ValueError,
     r"^train_shift_seeds: lrs must be a non-empty list of positive finite numbers, got \[\]"),
    ("train_shift_seeds-lr", lambda: train_shift_seeds(ShiftConfig(5, 2), [0], lrs=[0.1, -1]), ValueError,
     r"^train_shift_seeds: lrs must be a non-empty list of positive finite numbers, got \[0.1, -1\]"),
    ("train_shift-n", lambda: ShiftConfig(1, 2), ValueError, r"^ShiftConfig: n must be an int >= 2"),
    ("train_shift-hidden", lambda: ShiftConfig(5, 0), ValueError,
     r"^ShiftConfig: hidden must be a positive int, got 0"),
    ("train_shift-steps", lambda: ShiftConfig(5, 2, steps=-1), ValueError,
     r"^ShiftConfig: steps must be a non-negative int, got -1"),
    ("train_shift-steps-float", lambda: ShiftConfig(5, 2, steps=1e3), ValueError,
     r"^ShiftConfig: steps must be a non-negative int, got 1000.0"),
    ("train_shift-lr-nan", lambda: ShiftConfig(5, 2, lr=NAN), ValueError,
     r"^ShiftConfig: lr must be a positive finite number, got nan"),
    ("train_shift-lr-inf", lambda: ShiftConfig(5, 2, lr=INF), ValueError,
     r"^ShiftConfig: lr must be a positive finite number, got inf"),
    ("train_shift-lr-zero", lambda: ShiftConfig(5, 2, lr=0.0), ValueError,
     r"^ShiftConfig: lr must be a positive finite number, got 0.0"),
    ("train_shift-optimizer", lambda: ShiftConfig(5, 2, optimizer="rmsprop"), ValueError,
     r"^ShiftConfig: optimizer must be one of \('adam', 'sgd'\), got 'rmsprop'"),
    ("train_shift-output", lambda: ShiftConfig(5, 2, output="tanh"), ValueError,
     r"^ShiftConfig: output must be one of \('softmax', 'sigmoid'\), got 'tanh'"),
    ("train_shift-activation", lambda: ShiftConfig(5, 2, activation="swish"), ValueError,
     r"^ShiftConfig: activation must be one of"),
    ("train_shift-record_every", lambda: ShiftConfig(5, 2, record_every=0), ValueError,
     r"^ShiftConfig: record_every must be a positive int, got 0"),
    ("train_shift-seed", lambda: train_shift(ShiftConfig(5, 2), seed=-1, progress=False), ValueError,
     r"^train_shift: seed must be a non-negative int, got -1"),
    ("train_shift-seed-float", lambda: train_shift(ShiftConfig(5, 2), seed=1.5, progress=False), ValueError,
     r"^train_shift: seed must be a non-negative int, got 1.5"),
    ("train_shift-seed-str", lambda: train_shift(ShiftConfig(5, 2), seed="a", progress=False), ValueError,
     r"^train_shift: seed must be a non-negative int"),
    ("train_shift-config", lambda: train_shift({"n": 5}, progress=False), TypeError,
     r"^train_shift: expects a ShiftConfig such as ShiftConfig\(n=11, hidden=2\), got \{'n': 5\}"),
    ("train_shift_seeds-empty", lambda: train_shift_seeds(ShiftConfig(5, 2), [], progress=False), ValueError,
     r"^train_shift_seeds: seeds must be a non-empty list of non-negative ints, got \[\]"),
    ("train_shift_seeds-negative", lambda: train_shift_seeds(ShiftConfig(5, 2), [0, -1], progress=False),
     ValueError, r"^train_shift_seeds: seeds must be .* got \[0, -1\]"),
    ("train_shift_seeds-int", lambda: train_shift_seeds(ShiftConfig(5, 2), 3, progress=False),
     ValueError, r"^train_shift_seeds: seeds must be a non-empty list of non-negative ints, got 3"),
    ("train_shift_seeds-config", lambda: train_shift_seeds(None, [0], progress=False), TypeError,
     r"^train_shift_seeds: expects a ShiftConfig such as ShiftConfig\(n=11, hidden=2\), got None"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
