"""Tests for shift/handbuilt.py: the hand-built network is right, by running it; where floats stop it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bad_input import as_params, assert_clear_error
from tinygrad_lite import Tensor, nn
from tinygrad_lite.functional import cross_entropy
from tinygrad_lite.shift import (
    ShiftConfig,
    float_limit,
    handbuilt_codes,
    handbuilt_network,
    shift_task,
    task_margin,
    train_shift,
)


@pytest.mark.parametrize("hidden", [2, 3, 4, 8])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 11, 37, 100, 500])
def test_the_handbuilt_network_gets_every_example_right_with_its_margin(n, hidden):
    model = handbuilt_network(n, hidden)
    X, y = shift_task(n)
    logits = model(Tensor(X)).data
    assert (logits.argmax(axis=1) == y).all()
    accuracy, margin = task_margin(model)
    assert accuracy == 1.0 and margin == pytest.approx(10.0, rel=1e-9)
    right = logits[np.arange(n - 1), y]
    wrong = np.where(np.eye(n, dtype=bool)[y], -np.inf, logits).max(axis=1)
    assert np.min(right - wrong) == pytest.approx(10.0, rel=1e-9)  # task_margin, computed another way


def test_the_margin_sets_the_lead_and_softmax_follows(capsys):
    X, y = shift_task(11)
    for margin in (1.0, 5.0, 20.0):
        model = handbuilt_network(11, margin=margin)
        assert task_margin(model)[1] == pytest.approx(margin, rel=1e-9)
        loss = cross_entropy(model(Tensor(X)), y).item()
        # every wrong output is at least `margin` behind, so the loss is at most log(1 + 10 e^-margin)
        assert 0 < loss <= np.log1p(10 * np.exp(-margin)) * (1 + 1e-12)


def test_each_input_fires_its_code_into_the_hidden_layer():
    model = handbuilt_network(11, 2, radius=0.8)
    codes = handbuilt_codes(11, 2, radius=0.8)
    X, _ = shift_task(11)
    hidden = np.tanh(model.layers[0](Tensor(X)).data)
    np.testing.assert_allclose(hidden, codes, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.hypot(codes[:, 0], codes[:, 1]), 0.8)  # on the circle
    angles = np.degrees(np.arctan2(codes[:, 1], codes[:, 0])) % 360
    np.testing.assert_allclose(angles, np.arange(10) * 36.0, atol=1e-9)  # evenly spaced
    out = model.layers[1].weight.data
    assert (out[0] == 0).all() and (model.layers[0].weight.data[:, -1] == 0).all()  # output 1, input N
    cosines = (out[1:] * codes).sum(1) / np.linalg.norm(out[1:], axis=1) / 0.8
    np.testing.assert_allclose(cosines, 1.0)  # output k+1 aims at input k's code


def test_three_hidden_neurons_put_the_codes_on_a_sphere():
    codes = handbuilt_codes(200, 4)
    np.testing.assert_allclose(np.linalg.norm(codes, axis=1), 0.9)
    assert (codes[:, 3] == 0).all()  # the fourth neuron is not needed
    gram = codes @ codes.T
    np.fill_diagonal(gram, -np.inf)
    assert gram.max() < 0.81 * np.cos(np.radians(10))  # no two codes within 10 degrees


def test_task_margin_reads_a_trained_network_too():
    five = train_shift(ShiftConfig(5, 2, steps=100), progress=False).model
    accuracy, margin = task_margin(five)
    assert accuracy == 1.0 and margin > 0
    one = train_shift(ShiftConfig(5, 1, steps=300), progress=False).model
    accuracy, margin = task_margin(one)
    assert accuracy == 0.5 and margin < 0


def test_float16_stops_the_handbuilt_network_where_float_limit_says():
    limit = float_limit(np.float16, max_n=1024)
    assert limit.dtype == "float16" and limit.hidden == 2
    ns = [n for n, _, _ in limit.tried]
    assert ns[:3] == [4, 5, 6] and all(b == max(a + 1, round(a * 2 ** (1 / 16))) for a, b in zip(ns, ns[1:]))
    assert all(accuracy == 1.0 for _, accuracy, _ in limit.tried[:-1]) and limit.tried[-1][1] < 1.0
    assert (limit.largest_n, limit.first_failure) == (ns[-2], ns[-1])
    assert task_margin(handbuilt_network(limit.largest_n, dtype=np.float16)) == (1.0, limit.margin_left)
    assert task_margin(handbuilt_network(limit.first_failure, dtype=np.float16))[0] < 1.0
    assert task_margin(handbuilt_network(limit.first_failure, dtype=np.float64))[0] == 1.0
    assert 0 < limit.margin_left < 10.0  # rounding has eaten into the margin it was built with
    assert str(limit).startswith(f"float16, H=2: every N tried up to {limit.largest_n} 100% right")


def test_float64_has_no_limit_within_reach():
    limit = float_limit(np.float64, 3, max_n=600, ratio=2)
    assert [n for n, _, _ in limit.tried] == [4, 8, 16, 32, 64, 128, 256, 512]
    assert (limit.largest_n, limit.first_failure) == (512, None)
    assert limit.margin_left == pytest.approx(10.0, rel=1e-6)
    assert "none wrong (8 N tried)" in str(limit)


# fmt: off
BAD_INPUT = [
    ("handbuilt_network-n", lambda: handbuilt_network(1), ValueError,
     r"^handbuilt_network: n must be an int >= 2 .*got 1"),
    ("handbuilt_network-hidden", lambda: handbuilt_network(11, 1), ValueError,
     r"^handbuilt_network: hidden must be at least 2; one tanh neuron .*got 1"),
    ("handbuilt_network-margin", lambda: handbuilt_network(11, margin=0), ValueError,
     r"^handbuilt_network: margin must be a positive finite number, got 0"),
    ("handbuilt_network-radius", lambda: handbuilt_network(11, radius=1.0), ValueError,
     r"^handbuilt_network: radius must be in \(0, 1\), inside tanh's range, got 1.0"),
    ("handbuilt_codes-hidden", lambda: handbuilt_codes(11, 0), ValueError,
     r"^handbuilt_codes: hidden must be a positive int, got 0"),
    ("handbuilt_codes-one-neuron", lambda: handbuilt_codes(11, 1), ValueError,
     r"^handbuilt_codes: hidden must be at least 2; one tanh neuron"),
    ("handbuilt_codes-radius", lambda: handbuilt_codes(11, radius=0), ValueError,
     r"^handbuilt_codes: radius must be in \(0, 1\), inside tanh's range, got 0"),
    ("float_limit-dtype", lambda: float_limit(np.int32), TypeError,
     r"^float_limit: dtype must be a floating-point dtype"),
    ("float_limit-max_n", lambda: float_limit(np.float32, max_n=1), ValueError,
     r"^float_limit: max_n must be an int >= 2"),
    ("float_limit-ratio", lambda: float_limit(np.float32, ratio=1), ValueError,
     r"^float_limit: ratio must be a number > 1, got 1"),
    ("task_margin-model", lambda: task_margin("net"), TypeError,
     r"^task_margin: expects one MLP such as handbuilt_network\(11\), got 'net'"),
    ("task_margin-copies", lambda: task_margin(nn.MLP(5, 2, 5, copies=2)), TypeError,
     r"^task_margin: expects one MLP such as handbuilt_network\(11\), got MLP\("),
    ("task_margin-outputs", lambda: task_margin(nn.MLP(4, 2, 3)), ValueError,
     r"^task_margin: the shift task needs as many outputs as inputs, got 4 -> 3"),
]
# fmt: on


@pytest.mark.parametrize("call, expected, pattern", as_params(BAD_INPUT))
def test_bad_input_gets_a_clear_error(call, expected, pattern):
    assert_clear_error(call, expected, pattern)
