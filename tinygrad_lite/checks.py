"""Validators: each kind of argument is checked here, once, with the error text it gets everywhere.

Every check takes the name of the op or class asking (`owner`), so the message
says who refused what: "Linear: in_features must be a positive int, got 0".
Each returns the value in the form the caller wants (an int, a dtype, a tuple
of axes), so a call site is one line and the op's math stays on top.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def is_int(n: Any) -> bool:
    """An integer that is not a bool (True is an int to Python, never a size to us)."""
    return isinstance(n, numbers.Integral) and not isinstance(n, bool)


def is_number(x: Any) -> bool:
    """A real number that is not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def positive_int(owner: str, name: str, n: Any) -> int:
    """n as an int >= 1."""
    if not is_int(n) or n < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {n!r}")
    return int(n)


def non_negative_int(owner: str, name: str, n: Any) -> int:
    """n as an int >= 0."""
    if not is_int(n) or n < 0:
        raise ValueError(f"{owner}: {name} must be a non-negative int, got {n!r}")
    return int(n)


def positive_number(owner: str, name: str, x: Any) -> float:
    """x as a finite float > 0."""
    if not is_number(x) or not 0 < x < math.inf:
        raise ValueError(f"{owner}: {name} must be a positive finite number, got {x!r}")
    return float(x)


def non_negative_number(owner: str, name: str, x: Any) -> float:
    """x as a finite float >= 0."""
    if not is_number(x) or not 0 <= x < math.inf:
        raise ValueError(f"{owner}: {name} must be a non-negative finite number, got {x!r}")
    return float(x)


def non_empty_list(
    owner: str, name: str, values: Any, item: Callable[[Any], bool] | type, items: str
) -> list:
    """values as a list, if they are a non-empty list (or any iterable but a string) of `item`s: instances of
    that class, or things that function accepts. `items` names them in the error."""
    is_item = (lambda x: isinstance(x, item)) if isinstance(item, type) else item
    try:
        listed = None if isinstance(values, (str, bytes)) else list(values)
    except TypeError:  # not iterable
        listed = None
    if not listed or not all(map(is_item, listed)):
        raise ValueError(f"{owner}: {name} must be a non-empty list of {items}, got {values!r}")
    return listed


def is_boolean(x: Any) -> bool:
    """True or False, Python's or numpy's (not 1, "yes" or None)."""
    return isinstance(x, (bool, np.bool_))


def boolean(owner: str, name: str, value: Any) -> bool:
    """value as a bool, if it is True or False (numpy's too; not 1, "yes" or None)."""
    if not is_boolean(value):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


def one_of(owner: str, name: str, value: Any, choices: Sequence[Any]) -> Any:
    """value, if it is one of `choices`."""
    if value not in tuple(choices):
        raise ValueError(f"{owner}: {name} must be one of {tuple(choices)}, got {value!r}")
    return value


def rng(owner: str, seed_or_generator: Any, name: str = "rng") -> np.random.Generator:
    """np.random.default_rng(seed_or_generator): a Generator is used as it is, an int seeds a new one."""
    try:
        return np.random.default_rng(seed_or_generator)
    except (TypeError, ValueError):
        raise TypeError(
            f"{owner}: {name} must be a numpy Generator, a non-negative int seed or None, "
            f"got {seed_or_generator!r}"
        ) from None


def dtype(owner: str, given: Any) -> np.dtype | None:
    """np.dtype(given), or None for None."""
    try:
        return None if given is None else np.dtype(given)
    except TypeError:
        raise TypeError(f"{owner}: dtype must be a numpy dtype such as np.float32, got {given!r}") from None


def float_dtype(owner: str, given: Any) -> np.dtype | None:
    """A floating-point dtype (or None): parameters need gradients."""
    checked = dtype(owner, given)
    if checked is not None and checked.kind != "f":
        raise TypeError(f"{owner}: dtype must be a floating-point dtype such as np.float32, got {checked}")
    return checked


def class_indices(owner: str, name: str, values: np.ndarray, n: int) -> np.ndarray:
    """`values`, if they are integers in [0, n): class indices for n classes."""
    if values.dtype.kind not in "iu":
        raise TypeError(f"{owner}: {name} must be integer class indices, got dtype {values.dtype}")
    if not values.size:
        return values
    if np.minimum.reduce(values, axis=None) < 0 or np.maximum.reduce(values, axis=None) >= n:
        low, high = values.min(), values.max()
        raise ValueError(
            f"{owner}: {name} must be class indices in [0, {n}), got values from {low} to {high}"
        )
    return values


def clip_bounds(owner: str, lo: Any, hi: Any) -> None:
    """lo and hi are numbers or None, not both None."""
    for name, bound in (("lo", lo), ("hi", hi)):
        if bound is not None and not is_number(bound):
            raise TypeError(f"{owner}: {name} must be a number or None, got {bound!r}")
    if lo is None and hi is None:
        raise ValueError(f"{owner}: at least one of lo and hi must be a number, got None for both")


def shape(owner: str, sizes: tuple) -> tuple[int, ...]:
    """A shape given as ints or as one tuple, each size a non-negative int."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if not all(is_int(n) and n >= 0 for n in sizes):
        raise ValueError(f"{owner}: sizes must be non-negative ints, got {sizes}")
    return tuple(int(n) for n in sizes)


def axes(op: str, axis: int | Sequence[int] | None, shape: tuple[int, ...]) -> tuple[int, ...]:
    """axis as a sorted tuple of non-negative ints (None means every axis)."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    try:
        given = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}") from None
    for a in given:
        if not isinstance(a, numbers.Integral) or not -ndim <= a < ndim:
            raise ValueError(
                f"{op}: axis {a!r} is out of range for a tensor of shape {shape} ({ndim} dimensions)"
            )
    result = tuple(sorted(a % max(ndim, 1) for a in given))
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: axis {axis!r} repeats an axis")
    return result


def single_axis(op: str, axis: Any, shape: tuple[int, ...]) -> int:
    """One axis (an int) as a non-negative int, along which `op` normalizes: it must not be empty."""
    if not isinstance(axis, numbers.Integral):
        raise ValueError(f"{op}: axis must be a single int, got {axis!r}")
    (a,) = axes(op, axis, shape)
    not_empty(op, shape, a)
    return a


def not_empty(op: str, shape: tuple[int, ...], axis: int) -> None:
    """Axis `axis` of `shape` has at least one element."""
    if shape[axis] == 0:
        raise ValueError(f"{op}: axis {axis} of shape {shape} is empty; there is nothing to normalize over")


def broadcast(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape numpy broadcasts a and b to."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise ValueError(
            f"{op}: cannot broadcast shapes {a} and {b} "
            "(each dimension must match or be 1, counting from the right)"
        ) from None


def broadcasting(op: str, fn: Callable[[Any, Any], np.ndarray], a: Any, b: Any) -> np.ndarray:
    """fn(a.data, b.data) for two tensors, broadcast by numpy, or a ValueError naming `op` and the shapes."""
    try:
        return fn(a.data, b.data)
    except ValueError as error:
        broadcast(op, a.shape, b.shape)
        # Not the shapes: numpy refused the values, e.g. integers to a negative integer power.
        raise ValueError(f"{op}: {error} (dtypes {a.dtype} and {b.dtype})") from None


# ---- numpy calls whose errors would name numpy's internals, not the op ---------------------


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b, or an error naming both shapes and what does not fit."""
    if not a.shape or not b.shape:
        raise ValueError(
            f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}"
        )
    inner_a, inner_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: cannot multiply {a.shape} by {b.shape}: inner dimensions {inner_a} and {inner_b} differ"
        )
    try:
        return a @ b
    except ValueError:
        raise ValueError(
            f"matmul: cannot broadcast the batch dimensions of {a.shape} and {b.shape}"
        ) from None


def reshaped(op: str, x: np.ndarray, sizes: tuple) -> np.ndarray:
    """x in the shape `sizes` (ints, or one sequence; one entry may be -1)."""
    if len(sizes) == 1 and not isinstance(sizes[0], numbers.Integral):
        with contextlib.suppress(TypeError):  # reshape(1.5): not a shape; numpy refuses it below
            sizes = tuple(sizes[0])
    try:
        return x.reshape(sizes)
    except (ValueError, TypeError):
        raise ValueError(
            f"{op}: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {sizes}"
        ) from None


def permutation(op: str, order: tuple, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes given (ints, or one sequence) as a permutation of the axes of `shape`; none: reversed."""
    if len(order) == 1 and not isinstance(order[0], numbers.Integral):
        with contextlib.suppress(TypeError):  # transpose(1.5): refused below
            order = tuple(order[0])
    ndim = len(shape)
    if not order:
        return tuple(range(ndim - 1, -1, -1))
    in_range = all(isinstance(a, numbers.Integral) and -ndim <= a < ndim for a in order)
    if not in_range or sorted(a % ndim for a in order) != list(range(ndim)):
        raise ValueError(f"{op}: axes {order} are not a permutation of the axes of shape {shape}")
    return tuple(int(a) % ndim for a in order)


def joined(op: str, join: Any, arrays: list[np.ndarray], axis: Any) -> np.ndarray:
    """np.concatenate or np.stack of `arrays` along `axis`, or an error naming every shape."""
    try:
        return join(arrays, axis=axis)
    except (ValueError, TypeError):  # numpy's AxisError is a ValueError; axis="a" a TypeError
        shapes = ", ".join(str(a.shape) for a in arrays)
        same = " (all shapes must match)" if join is np.stack else ""
        verb = "stack" if join is np.stack else "join"
        raise ValueError(f"{op}: cannot {verb} shapes {shapes} along axis {axis}{same}") from None
