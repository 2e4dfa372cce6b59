"""tinygrad_lite: a small reverse-mode autograd engine to learn from (Value and Tensor).

The core (engine, Value, Tensor, functional, Function, gradcheck) loads with numpy
alone. The pictures (`draw_graph`, `draw_network`, `watch_backward`,
`training_film`, `Player`) live in `tinygrad_lite.viz` and load graphviz only
when you first use one of them.
"""

from typing import Any

from . import functional, nn, optim, shift
from .comparisons import allclose, isclose
from .compiler import compile  # shadows the builtin only as tinygrad_lite.compile, as torch.compile does
from .elementwise import maximum, minimum, where
from .engine import AnomalyError, detect_anomaly, is_grad_enabled, no_grad, op
from .function import Context, Function
from .gradcheck import GradcheckError, gradcheck
from .io import CheckpointError, load, save
from .tensor import Tensor
from .value import Value

_PICTURES = ("Player", "draw_graph", "draw_network", "training_film", "watch_backward")


def __getattr__(name: str) -> Any:
    """The picture functions, imported from `viz` on first use (so graphviz loads only then)."""
    if name in _PICTURES:
        from . import viz

        return getattr(viz, name)
    raise AttributeError(f"module 'tinygrad_lite' has no attribute {name!r}")


__all__ = [
    "AnomalyError",
    "CheckpointError",
    "Context",
    "Function",
    "GradcheckError",
    "Player",
    "Tensor",
    "Value",
    "allclose",
    "compile",
    "detect_anomaly",
    "draw_graph",
    "draw_network",
    "functional",
    "gradcheck",
    "is_grad_enabled",
    "isclose",
    "load",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "op",
    "optim",
    "save",
    "shift",
    "training_film",
    "watch_backward",
    "where",
]
__version__ = "0.1.0"
