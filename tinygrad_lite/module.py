"""Module: the base class of every model, which finds its parameters by attribute, as in PyTorch.

A model sets its layers and tensors as attributes; `parameters()`, `state_dict()`,
`load_state_dict()`, `zero_grad()`, `train()`/`eval()` and the printed tree all
come from walking those attributes once: every Tensor that requires grad, every
Value, every sub-module, also inside lists. The layers themselves are in `nn`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import checks
from .tensor import Tensor
from .value import Value


class Module:
    """Base class: `model(x)` runs `model.forward(x)`.

    Parameters are found by attribute, as in PyTorch: every Tensor attribute with
    requires_grad=True, every Value, and those of sub-modules, also inside lists.
    A list (of lists) of Values is one entry of the state dict, an array of their
    numbers. Names are dotted paths such as "layers.0.weight". Each sub-module is
    visited once, so a module may hold its owner (`child.owner = parent`).
    """

    training = True  # switched with train() / eval(); only some modules (Dropout) behave differently

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any) -> Any:
        """The computation of the module; subclasses define it, `model(x)` calls it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def named_parameters(self) -> Iterator[tuple[str, Tensor | Value]]:
        """(name, parameter) pairs in the order the attributes were set; a parameter
        reachable under two names (tied weights) is listed once, as in PyTorch."""
        seen: set[int] = set()
        for name, entry in _entries(self):
            for param_name, p in _leaves(name, entry):
                if id(p) not in seen:
                    seen.add(id(p))
                    yield param_name, p

    def parameters(self) -> list[Tensor | Value]:
        """The parameters, in `named_parameters()` order: what an optimizer takes."""
        return [p for _, p in self.named_parameters()]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules, also those kept in a list."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                yield from ((f"{name}.{i}", m) for i, m in enumerate(value) if isinstance(m, Module))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, each once, parents before children."""
        seen, stack = set(), [self]
        while stack:
            module = stack.pop()
            if id(module) not in seen:
                seen.add(id(module))
                yield module
                stack.extend(reversed([child for _, child in module.named_children()]))

    def train(self, mode: bool = True) -> Module:
        """Set `training` to `mode` on this module and every sub-module, as PyTorch does; returns self."""
        mode = checks.boolean("train", "mode", mode)
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """`train(False)`: evaluation mode (dropout off); returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Clear every parameter's gradient (None for Tensors, 0.0 for Values)."""
        for p in self.parameters():
            p.zero_grad()

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's numbers, by name: an array per Tensor, Value or list of Values."""
        return {name: _numbers(entry) for name, entry in _entries(self)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy `state` into the parameters; names, shapes and dtypes must all match, or nothing is copied."""
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict: expects a dict of name -> array, got {type(state).__name__}")
        entries = dict(_entries(self))
        missing, extra = sorted(entries.keys() - state.keys()), sorted(state.keys() - entries.keys())
        if missing or extra:
            raise ValueError(
                f"load_state_dict: the names do not match {type(self).__name__}: "
                f"missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        arrays = {name: np.asarray(state[name]) for name in entries}
        for name, entry in entries.items():
            array, expected = arrays[name], _numbers(entry)
            if array.shape != expected.shape or array.dtype != expected.dtype:
                raise ValueError(
                    f"load_state_dict: '{name}' is {array.dtype}{list(array.shape)}, "
                    f"the model expects {expected.dtype}{list(expected.shape)}"
                )
        for name, entry in entries.items():
            _copy_into(entry, arrays[name])

    def extra_repr(self) -> str:
        """The settings `repr(module)` shows in its parentheses (none by default)."""
        return ""

    def __repr__(self) -> str:
        return _repr(self, set())


# ---- walking a module: each sub-module once --------------------------------------


def _entries(module: Module) -> Iterator[tuple[str, Any]]:
    """(name, entry) for every state entry: a Tensor that requires grad, a Value, or a
    rectangular list (of lists) of Values. Sub-modules and list items get dotted names;
    each module and each entry is visited once, so cycles end."""
    seen: set[int] = set()

    def walk(name: str, value: Any) -> Iterator[tuple[str, Any]]:
        if id(value) in seen:
            return
        if isinstance(value, Module):
            seen.add(id(value))
            for attr, item in vars(value).items():
                yield from walk(f"{name}.{attr}" if name else attr, item)
        elif _is_parameter(value) or _value_shape(value) is not None:
            seen.add(id(value))
            yield name, value
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                yield from walk(f"{name}.{i}", item)

    return walk("", module)


def _is_parameter(value: Any) -> bool:
    return isinstance(value, Value) or (isinstance(value, Tensor) and value.requires_grad)


def _leaves(name: str, entry: Any) -> Iterator[tuple[str, Tensor | Value]]:
    """The parameters in one entry: itself, or each Value of a list of Values ("weight.0.1")."""
    if isinstance(entry, (list, tuple)):
        for i, item in enumerate(entry):
            yield from _leaves(f"{name}.{i}", item)
    else:
        yield name, entry


def _value_shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a non-empty rectangular list (of lists) of Values, or None if it is not one."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    if all(isinstance(v, Value) for v in value):
        return (len(value),)
    inner = [_value_shape(v) for v in value]
    if inner[0] is None or any(s != inner[0] for s in inner):
        return None
    return (len(value), *inner[0])


def _numbers(entry: Any) -> np.ndarray:
    """A copy of an entry's numbers as an array (float64 for Values)."""
    if isinstance(entry, Tensor):
        return np.array(entry.data)
    floats = entry.data if isinstance(entry, Value) else [_numbers(item) for item in entry]
    return np.array(floats, dtype=np.float64)


def _copy_into(entry: Any, array: np.ndarray) -> None:
    if isinstance(entry, Tensor):
        np.copyto(entry.data, array)
    elif isinstance(entry, Value):
        entry.data = float(array)
    else:
        for item, row in zip(entry, array):
            _copy_into(item, row)


def _repr(module: Module, shown: set[int]) -> str:
    """`Name(settings)`, or the children indented below; a module already above is shown as `Name(...)`."""
    name = type(module).__name__
    if id(module) in shown:
        return f"{name}(...)"
    children = list(module.named_children())
    if not children:
        return f"{name}({module.extra_repr()})"
    shown = shown | {id(module)}
    lines = [module.extra_repr()] if module.extra_repr() else []
    lines += [f"({child_name}): {_repr(child, shown)}" for child_name, child in children]
    body = "\n".join(lines).replace("\n", "\n  ")
    return f"{name}(\n  {body}\n)"
