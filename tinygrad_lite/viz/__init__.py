"""Pictures of tinygrad_lite: the computation graph, the network diagram, a backward replay, a film.

The graphs and diagrams are DOT text rendered by the system Graphviz or by graphviz-pure
(`render`, in viz/rendering.py); `draw_graph` and `draw_network` return a `Picture`.
`draw_hidden_space` writes its SVG itself and returns a `Drawing`; `watch_backward`
and `training_film` return a `Player` of SVG frames.
"""

from .film import training_film
from .graph import draw_graph
from .hidden import draw_hidden_space
from .network import draw_network
from .player import Player
from .rendering import Picture, RenderError, render
from .replay import record_backward, watch_backward
from .svg import Drawing

__all__ = [
    "Drawing",
    "Picture",
    "Player",
    "RenderError",
    "draw_graph",
    "draw_hidden_space",
    "draw_network",
    "record_backward",
    "render",
    "training_film",
    "watch_backward",
]
