"""The layers: `import tinygrad_lite` loads the core with numpy alone, and imports point one way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_lite

PACKAGE = Path(tinygrad_lite.__file__).resolve().parent
HEAVY = ("graphviz", "tqdm", "matplotlib")


def test_importing_the_package_loads_no_picture_or_progress_library():
    code = (
        "import sys, tinygrad_lite\n"
        "from tinygrad_lite import Tensor, Value, nn, optim, shift, functional, gradcheck\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_pictures_load_on_first_use():
    code = "import sys, tinygrad_lite\ntinygrad_lite.draw_graph\nprint('graphviz' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module imported from the package, names taken) for each `from . import` / `from .x import` in path."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            found.append((node.module or "", [alias.name for alias in node.names]))
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_module_s_private_names(path):
    for module, names in _imports(path):
        private = [n for n in names if n.startswith("_")]
        assert not private, f"{path.name} imports {private} from .{module}"


def test_the_engine_imports_nothing_from_the_package():
    assert _imports(PACKAGE / "engine.py") == []


@pytest.mark.parametrize(
    "core",
    ["engine", "numerics", "checks", "value", "tensor", "creation", "elementwise", "reductions", "shapes",
     "comparisons", "functional", "function", "gradcheck"],
)  # fmt: skip
def test_the_core_never_imports_the_layers_above_it(core):
    above = {"module", "nn", "optim", "io", "files", "shift", "viz", "cli"}
    for module, names in _imports(PACKAGE / f"{core}.py"):
        assert module.split(".")[0] not in above and not (set(names) & above), f"{core}.py imports {module}"
