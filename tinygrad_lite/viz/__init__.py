"""Pictures of tinygrad_lite: the computation graph, the network diagram, a backward replay, a film.

Every picture is DOT text rendered by the system Graphviz or by graphviz-pure
(`render`, in viz/rendering.py); `draw_graph` and `draw_network` return a `Picture`, and
`watch_backward` and `training_film` a `Player` of SVG frames.
"""

from .film import training_film
from .graph import draw_graph
from .network import draw_network
from .player import Player
from .rendering import Picture, RenderError, render
from .replay import record_backward, watch_backward

__all__ = [
    "Picture",
    "Player",
    "RenderError",
    "draw_graph",
    "draw_network",
    "record_backward",
    "render",
    "training_film",
    "watch_backward",
]
