"""Function: PyTorch's way to define an op, on top of `op()`, the one door every op goes through.

    class Sin(Function):
        @staticmethod
        def forward(ctx, x):            # numpy arrays (Tensors) or floats (Values) in and out
            ctx.save_for_backward(x)
            return np.sin(x)

        @staticmethod
        def backward(ctx, g):           # one gradient per input of forward
            (x,) = ctx.saved_tensors
            return g * np.cos(x)        # d/dx sin(x) = cos(x)

    y = Sin.apply(t)

`apply` runs `forward` on the inputs' data and records the result with `op()`,
so it works everywhere a built-in op works: backward, gradcheck, no_grad,
detect_anomaly, draw_graph (the class name is on the oval).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import Node, op


class Context:
    """What `forward` keeps for `backward`: `save_for_backward(...)`, read back as `saved_tensors`.

    Any other attribute can be set too (`ctx.axis = 1`), as in PyTorch.
    """

    def __init__(self) -> None:
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (or floats) for backward.

        They are kept as they are, not copied: change an input's data in place
        before backward and backward sees the change (`detect_anomaly()` catches it).
        """
        self.saved_tensors = values


class Function:
    """A differentiable op defined by two static methods, `forward(ctx, *inputs)` and `backward(ctx, grad)`.

    Call it with `MyOp.apply(*inputs)`. Inputs that are Tensors (or Values)
    reach `forward` as their numpy arrays (or floats); anything else (a number,
    an axis) reaches it as it is and gets no gradient. `backward` returns one
    gradient per input of `forward` (a tuple, or a single value for one input),
    None where there is none; the engine sums broadcast axes back.
    """

    @staticmethod
    def forward(ctx: Context, *inputs: Any) -> Any:
        """The op's value, from the inputs' data."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:
        """d out / d input for each input of forward, given grad = d out / d result."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs: Any) -> Node:
        """Run forward on the inputs' data and record the result in the graph."""
        positions = [i for i, x in enumerate(inputs) if isinstance(x, Node)]
        if not positions:
            raise TypeError(f"{cls.__name__}.apply: needs at least one Tensor or Value input, got {inputs!r}")
        ctx = Context()
        data = cls.forward(ctx, *(x.data if isinstance(x, Node) else x for x in inputs))
        nodes = tuple(inputs[i] for i in positions)
        if np.asarray(data).dtype.kind not in "fc" and any(x.requires_grad for x in nodes):
            raise TypeError(
                f"{cls.__name__}.forward: returned dtype {np.asarray(data).dtype}; an op whose inputs "
                "require grad must return floating-point data (gradients are floats)"
            )
        shapes = [None if isinstance(x.data, float) else x.data.shape for x in nodes]  # None: a Value

        def backward(g: Any) -> tuple:
            # A copy (in g's own memory order, so sums over it keep their bits): PyTorch's backwards may
            # write into theirs (`grad_output[x < 0] = 0`), and the engine's g may be other nodes' too.
            grads = cls.backward(ctx, g.copy(order="K") if isinstance(g, np.ndarray) else g)
            grads = grads if isinstance(grads, (tuple, list)) else (grads,)
            if len(grads) != len(inputs):
                raise ValueError(
                    f"{cls.__name__}.backward: returned {len(grads)} gradient(s) for {len(inputs)} input(s) "
                    "of forward; return one per input (None where there is none)"
                )
            return tuple(_checked(cls.__name__, k, grads[i], shapes[k]) for k, i in enumerate(positions))

        return op(cls.__name__, data, nodes, backward)


def _checked(name: str, k: int, grad: Any, shape: tuple[int, ...] | None) -> Any:
    """A gradient from backward, if it fits its input (equal, or broadcast from it).

    A Value's gradient becomes a Python float, so `.grad` stays one.
    """
    if grad is None:
        return grad
    grad_shape = np.shape(grad)
    if shape is None:
        if grad_shape != ():
            raise ValueError(
                f"{name}.backward: the gradient for input {k} has shape {grad_shape}, "
                "expected one number (the input is a Value)"
            )
        return float(grad)
    try:
        fits = np.broadcast_shapes(grad_shape, shape) == grad_shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name}.backward: the gradient for input {k} has shape {grad_shape}, "
            f"expected {shape} (or a shape it broadcasts to)"
        )
    return grad
