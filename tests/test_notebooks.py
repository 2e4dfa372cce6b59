"""The notebooks in notebooks/ run top to bottom in a Jupyter kernel, as a learner runs them, and show their
pictures and players inline; none is committed with outputs; training in Jupyter never warns.

Each notebook runs with nbclient in a fresh kernel (`python3`, the kernelspec ipykernel installs), in its
own folder, as Jupyter would run it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def execute(notebook, folder: Path):
    """Run every cell of `notebook` (changed in place) in a fresh kernel with `folder` as the cwd."""
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return notebook


def outputs(notebook) -> list[dict]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def text_of(output: dict) -> str:
    return output.get("text", "") + "".join(str(v) for v in output.get("data", {}).values())


def test_the_notebooks_are_found():
    assert "seed.ipynb" in [path.name for path in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear the outputs"


@pytest.fixture(scope="module")
def run() -> dict[str, list[dict]]:
    """Each notebook's outputs, by name, from one run of it."""
    return {path.name: outputs(execute(nbformat.read(path, as_version=4), path.parent)) for path in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_runs_top_to_bottom_without_warnings(path, run):
    shown = run[path.name]
    assert not [o for o in shown if o.output_type == "error"]
    assert not [text_of(o) for o in shown if "Warning" in text_of(o) or "IProgress" in text_of(o)]


def test_the_seed_notebook_shows_its_pictures_and_players_inline(run):
    shown = run["seed.ipynb"]
    svgs = [o for o in shown if "image/svg+xml" in o.get("data", {})]
    players = [o for o in shown if "<script" in o.get("data", {}).get("text/html", "")]
    assert len(svgs) >= 4  # the network, a graph, the hidden space trained and built by hand
    assert len(players) == 2  # the backward replay and the training film
    bars = [o for o in shown if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(bars) == 2  # the two training runs' progress bars, as widgets (ipywidgets is in dev)
    text = "".join(o.get("text", "") for o in shown)
    assert (
        "N=11 H=2: accuracy 100%" in text and "accuracy 100%, every right output ahead by at least 10" in text
    )


def test_training_in_jupyter_without_ipywidgets_prints_a_text_bar_and_no_warning(tmp_path):
    """tqdm.auto, in such a kernel, warns "IProgress not found"; the training loop's bar does not."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import sys\nsys.modules['ipywidgets'] = None  # as if not installed"),
        nbformat.v4.new_code_cell(
            "from tinygrad_lite import shift\n"
            "print(shift.train_shift(shift.ShiftConfig(5, 2, steps=60)).summary())"
        ),
        nbformat.v4.new_code_cell("import tqdm.auto"),
    ]
    ours, tqdm_auto = [cell.outputs for cell in execute(notebook, tmp_path).cells[1:]]
    assert any("IProgress not found" in text_of(o) for o in tqdm_auto)  # the kernel reproduces the warning
    assert not any("IProgress" in text_of(o) or "Warning" in text_of(o) for o in ours)
    assert any(o.name == "stdout" and "N=5 H=2: accuracy 100%" in o.text for o in ours if "name" in o)
    assert any(o.name == "stderr" and "shift N=5 H=2" in o.text for o in ours if o.output_type == "stream")
