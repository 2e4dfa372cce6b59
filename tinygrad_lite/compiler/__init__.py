"""Compiling: trace a loss function once, then replay it as generated straight-line Python.

`tinygrad_lite.compile(fn)` runs `fn`, reads the graph it built (`trace`),
writes each op as a line of Python and its derivative as a line of the
backward (`lowering`, `codegen`), and replays that code on later calls
(`compiled`), without building a node per op, sorting the graph or looking up
gradients in a dict.
"""

from .compiled import CompiledFunction, GraphChangedError, compile
from .trace import TraceError

__all__ = ["CompiledFunction", "GraphChangedError", "TraceError", "compile"]
