"""Optimizers: SGD and Adam, with PyTorch's update rules.

They read `.data` and `.grad` and call `zero_grad()`, nothing else, so they
update Tensors (in place) and Values alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import checks


class Optimizer:
    """Holds the parameters; `step()` updates them from their `.grad`."""

    def __init__(self, params: Iterable[Any], lr: float) -> None:
        name = type(self).__name__
        if hasattr(params, "data"):  # a lone Tensor would be iterated row by row, into copies
            raise TypeError(
                f"{name}: expects an iterable of parameters such as model.parameters(), "
                f"got a single {type(params).__name__}; wrap it in a list"
            )
        try:
            self.params = list(params)
        except TypeError:  # a Module, None, a number
            hint = "; pass model.parameters()" if hasattr(params, "parameters") else ""
            raise TypeError(
                f"{name}: expects an iterable of parameters such as model.parameters(), "
                f"got {type(params).__name__}{hint}"
            ) from None
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list (did the model define any parameters?)")
        first: dict[int, int] = {}
        for i, p in enumerate(self.params):
            if not all(hasattr(p, attr) for attr in ("data", "grad", "zero_grad")):
                raise TypeError(f"{name}: parameters must be Tensors or Values, got {type(p).__name__}")
            if first.setdefault(id(p), i) != i:  # it would be stepped twice
                raise ValueError(f"{name}: parameter {i} is parameter {first[id(p)]} again; pass each once")
        self.lr = checks.positive_number(name, "lr", lr)

    def zero_grad(self) -> None:
        """Clear every parameter's gradient with its own `zero_grad()` (Tensor: None, Value: 0.0)."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter in place from its `.grad`; parameters without one are skipped."""
        raise NotImplementedError


def _zeros_like(p: Any) -> Any:
    return np.zeros_like(p.data) if isinstance(p.data, np.ndarray) else 0.0


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (PyTorch's form):

    v = momentum * v + grad   (v = grad on the first step)
    p = p - lr * v
    """

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        if not checks.is_number(momentum) or not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity: list[Any] = [None] * len(self.params)

    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad
            if self.momentum:
                v = self.velocity[i]
                v = g * 1.0 if v is None else self.momentum * v + g
                self.velocity[i] = g = v
            p.data -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), as PyTorch computes it. At step t, for each parameter:

    m = b1 * m + (1 - b1) * grad
    v = b2 * v + (1 - b2) * grad^2
    p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    As in PyTorch, t counts the steps in which that parameter had a gradient.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if (
            not isinstance(betas, (tuple, list))
            or len(betas) != 2
            or not all(checks.is_number(b) and 0 <= b < 1 for b in betas)
        ):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        if not checks.is_number(eps) or not 0 <= eps < math.inf:
            raise ValueError(f"Adam: eps must be a non-negative finite number, got {eps!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)
        self.t = [0] * len(self.params)
        self.m = [_zeros_like(p) for p in self.params]
        self.v = [_zeros_like(p) for p in self.params]

    def step(self) -> None:
        b1, b2 = self.betas
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            self.t[i] = t = self.t[i] + 1
            step_size = self.lr / (1 - b1**t)
            root_bias2 = math.sqrt(1 - b2**t)
            # In place for arrays (no new m and v each step); for floats `*=` just rebinds.
            m, v = self.m[i], self.v[i]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            self.m[i], self.v[i] = m, v
            denominator = v**0.5 / root_bias2 + self.eps
            p.data -= step_size * m / denominator
