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


# The layers, bottom up (docs/design.md): a module imports only from its own layer or the ones below.
LAYERS = {
    "core": ["engine", "numerics", "checks", "value", "tensor", "creation", "elementwise", "reductions",
             "shapes", "comparisons", "functional", "function", "gradcheck", "testing", "hints"],
    "compiler": ["compiler"],
    "library": ["module", "nn", "optim", "files", "io"],
    "experiment": ["shift"],
    "pictures": ["viz"],
    "top": ["cli"],
}  # fmt: skip
RANK = {module: rank for rank, modules in enumerate(LAYERS.values()) for module in modules}


def _imported_modules(path: Path) -> set[str]:
    """The package's top-level modules (or subpackages) that `path` imports from, lazily or not."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = parts[: len(parts) - node.level]
            found |= {
                (base + name.split("."))[0]
                for name in ([node.module] if node.module else [a.name for a in node.names])
            }
    return found


MODULES = [p for p in sorted(PACKAGE.rglob("*.py")) if p.relative_to(PACKAGE).parts[0] not in
           ("__init__.py", "__main__.py")]  # fmt: skip


def test_every_module_has_a_layer():
    assert sorted({p.relative_to(PACKAGE).with_suffix("").parts[0] for p in MODULES} - set(RANK)) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_layers(path):
    own = path.relative_to(PACKAGE).with_suffix("").parts[0]
    above = sorted(m for m in _imported_modules(path) if RANK[m] > RANK[own])
    assert not above, f"{path.relative_to(PACKAGE)} ({own}) imports {above} from a layer above it"
