"""tinygrad_lite: a small reverse-mode autograd engine to learn from (Value and Tensor)."""

from . import nn, optim, tasks
from .draw import draw_graph, draw_network
from .engine import is_grad_enabled, no_grad
from .film import training_film
from .gradcheck import GradcheckError, gradcheck
from .io import CheckpointError, load, save
from .player import Player
from .replay import watch_backward
from .tensor import AnomalyError, Tensor, detect_anomaly
from .value import Value

__all__ = [
    "AnomalyError",
    "CheckpointError",
    "GradcheckError",
    "Player",
    "Tensor",
    "Value",
    "detect_anomaly",
    "draw_graph",
    "draw_network",
    "gradcheck",
    "is_grad_enabled",
    "load",
    "nn",
    "no_grad",
    "optim",
    "save",
    "tasks",
    "training_film",
    "watch_backward",
]
__version__ = "0.1.0"
