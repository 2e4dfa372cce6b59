"""Optimizers: SGD, Adam, AdamW and RMSprop, with PyTorch's update rules.

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
        raise NotImplementedError(
            f"{type(self).__name__}.step: Optimizer is the base class; use SGD, Adam, AdamW or RMSprop, "
            "or define step() in your subclass"
        )


def _zeros_like(p: Any) -> Any:
    return np.zeros_like(p.data) if isinstance(p.data, np.ndarray) else 0.0


def _fraction(owner: str, name: str, x: Any) -> float:
    """x as a float in [0, 1)."""
    if not checks.is_number(x) or not 0 <= x < 1:
        raise ValueError(f"{owner}: {name} must be in [0, 1), got {x!r}")
    return float(x)


def _decayed(g: Any, p: Any, weight_decay: float) -> Any:
    """The gradient with L2 weight decay added, g + weight_decay * p (PyTorch's `weight_decay`)."""
    return g + weight_decay * p.data if weight_decay else g


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, weight decay and Nesterov (PyTorch's form):

    g = grad + weight_decay * p
    v = momentum * v + g   (v = g on the first step)
    p = p - lr * (g + momentum * v)  with nesterov, else  p = p - lr * v
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _fraction("SGD", "momentum", momentum)
        self.weight_decay = checks.non_negative_number("SGD", "weight_decay", weight_decay)
        self.nesterov = checks.boolean("SGD", "nesterov", nesterov)
        if self.nesterov and not self.momentum:
            raise ValueError(f"SGD: nesterov=True needs a momentum > 0, got momentum={momentum!r}")
        self.velocity: list[Any] = [None] * len(self.params)

    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = _decayed(p.grad, p, self.weight_decay)
            if self.momentum:
                v = self.velocity[i]
                if v is None:
                    self.velocity[i] = v = g * 1.0  # a copy: the velocity is updated in place below
                else:  # momentum * v + g, in place for arrays (for floats `*=` rebinds)
                    v *= self.momentum
                    v += g
                    self.velocity[i] = v
                g = g + self.momentum * v if self.nesterov else v
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
            raise ValueError(f"{type(self).__name__}: betas must be two numbers in [0, 1), got {betas!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = checks.non_negative_number(type(self).__name__, "eps", eps)
        self.t = [0] * len(self.params)
        self.m = [_zeros_like(p) for p in self.params]
        self.v = [_zeros_like(p) for p in self.params]

    def step(self) -> None:
        b1, b2 = self.betas
        c1, c2, lr, eps, ts, ms, vs = 1 - b1, 1 - b2, self.lr, self.eps, self.t, self.m, self.v
        last_t = step_size = root_bias2 = 0
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            ts[i] = t = ts[i] + 1
            if t != last_t:  # the bias corrections, once per step count (usually once per step)
                last_t, step_size, root_bias2 = t, lr / (1 - b1**t), math.sqrt(1 - b2**t)
            m = ms[i]
            if type(m) is float:  # a Value: the rule on floats
                ms[i] = m = m * b1 + c1 * g
                vs[i] = v = vs[i] * b2 + c2 * (g * g)
                p.data -= step_size * m / (v**0.5 / root_bias2 + eps)
            else:
                _adam_arrays(p.data, g, m, vs[i], self.betas, step_size, root_bias2, eps)


def _adam_arrays(
    data: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, betas: tuple[float, float],
    step_size: float, root_bias2: float, eps: float,
) -> None:  # fmt: skip
    """Adam's update of an array parameter, in place: the float rule's operations in its order,
    with four temporaries instead of eight (each in-place op gives the bits its fresh-array form gives)."""
    b1, b2 = betas
    m *= b1
    m += (1 - b1) * g
    v *= b2
    g2 = g * g
    g2 *= 1 - b2
    v += g2
    denominator = np.sqrt(v)  # the same bits as v ** 0.5
    denominator /= root_bias2
    denominator += eps
    update = m * step_size
    update /= denominator
    data -= update


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch's AdamW:

    p = p * (1 - lr * weight_decay), then the Adam step from the gradient alone.

    Unlike L2 decay added to the gradient, the shrinking does not pass through
    Adam's division by sqrt(v), so every weight decays at the same rate.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps)
        self.weight_decay = checks.non_negative_number("AdamW", "weight_decay", weight_decay)

    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.data *= 1 - self.lr * self.weight_decay
        super().step()


class RMSprop(Optimizer):
    """RMSprop (Hinton), as PyTorch computes it. For each parameter:

    g = grad + weight_decay * p
    s = alpha * s + (1 - alpha) * g^2
    centered: a = alpha * a + (1 - alpha) * g,  d = sqrt(s - a^2) + eps;  else d = sqrt(s) + eps
    momentum: b = momentum * b + g / d,  p = p - lr * b;  else  p = p - lr * g / d
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _fraction("RMSprop", "alpha", alpha)
        self.eps = checks.non_negative_number("RMSprop", "eps", eps)
        self.weight_decay = checks.non_negative_number("RMSprop", "weight_decay", weight_decay)
        self.momentum = _fraction("RMSprop", "momentum", momentum)
        self.centered = checks.boolean("RMSprop", "centered", centered)
        self.square_avg = [_zeros_like(p) for p in self.params]
        self.grad_avg = [_zeros_like(p) for p in self.params] if centered else []
        self.buffer = [_zeros_like(p) for p in self.params] if self.momentum else []

    def step(self) -> None:
        alpha = self.alpha
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = _decayed(p.grad, p, self.weight_decay)
            self.square_avg[i] = s = alpha * self.square_avg[i] + (1 - alpha) * (g * g)
            if self.centered:
                a = self.grad_avg[i]
                self.grad_avg[i] = a = a + (1 - alpha) * (
                    g - a
                )  # alpha * a + (1 - alpha) * g, as torch's lerp
                d = (s - a * a) ** 0.5 + self.eps
            else:
                d = s**0.5 + self.eps
            if self.momentum:
                self.buffer[i] = b = self.momentum * self.buffer[i] + g / d
                p.data -= self.lr * b
            else:
                p.data -= self.lr * (g / d)
