"""Tests for hints.py: each familiar kind of wrong backward gets the hint that names it in check_op's
report."""

from __future__ import annotations

import numpy as np

from tests.test_testing import report, tanh_with
from tinygrad_lite import Function, op


def test_a_factor_of_two_is_named():
    message = report(tanh_with(lambda g, y: 2 * g * (1 - y**2)), reference=np.tanh)
    assert "check_op(WrongTanh): the backward disagrees with finite differences in 8 of 8 checks" in message
    assert "input 0, the value: analytic" in message
    assert "Hint: analytic = 2 * numeric everywhere: your backward is off by a factor of 2" in message


def test_a_flipped_sign_is_named():
    message = report(tanh_with(lambda g, y: -g * (1 - y**2)))
    assert "Hint: analytic = -numeric everywhere: the sign is flipped" in message


def test_a_zero_gradient_is_named():
    message = report(tanh_with(lambda g, y: 0 * g))
    assert "Hint: the gradient is zero everywhere" in message


def test_a_forgotten_g_is_named():
    message = report(tanh_with(lambda g, y: 1 - y**2))
    assert "forgets to multiply it by g" in message


def test_a_gradient_wrong_only_where_broadcast_is_named():
    class AddBias(Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, g):
            return g, g.reshape(-1, g.shape[-1]).mean(axis=0)  # the mean over the rows: wrong, sum them

    shapes = [((3,), (3,)), ((2, 3), (3,)), ((4, 3), (3,))]
    message = report(AddBias, shapes=shapes, reference=np.add)
    assert "in 4 of 6 checks" in message
    assert "Hint: input 1 is wrong only where it was broadcast (shape (3,) against (2, 3))" in message


def test_one_wrong_element_is_named():
    def square(x):
        mask = np.ones(x.shape)
        mask[..., 0] = 0.0  # forgets the first element of each row
        data = x.data
        return op("square", data**2, (x,), lambda g: (2 * g * data * mask,))

    message = report(square, shapes=[(3,), (4,)], reference=np.square)
    assert "input 0, element (0,)" in message
    assert "Hint: only element(s) (0,) of input 0 disagree, the others agree" in message
