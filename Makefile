# The two commands in the README: `make demo` and `make test`; `make bench` runs benchmarks/.
# Each creates (or reuses) .venv and installs the project into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench docs docs-serve docs-check docs-images clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,docs]"
	touch $(STAMP)

# Ends by listing what it wrote into out/ and which file to open first (demos/open_first.py).
demo: $(STAMP)
	@mkdir -p out && touch out/.demo-started
	$(BIN)/python demos/shift_task.py
	$(BIN)/python demos/draw_graph.py
	$(BIN)/python demos/watch_it_learn.py
	# micrograd's demo on the Tensor engine (a second); all engines, micrograd too: python demos/moons.py
	$(BIN)/python demos/moons.py --engines tensor
	@$(BIN)/python demos/open_first.py out/.demo-started

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint docs-check
	$(BIN)/python -m pytest

# The documentation site (mkdocs.yml, docs/): built into site/, or served with live reload.
# NO_MKDOCS_2_WARNING silences Material's banner about MkDocs 2.0 (we pin mkdocs<2).
MKDOCS := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

docs: $(STAMP)
	$(MKDOCS) build --strict

docs-serve: $(STAMP)
	$(MKDOCS) serve

# Part of `make test`: a broken link, a missing page or an unrenderable docstring fails.
# Not --quiet: it hides the warnings from --strict, which then passes anything (mkdocs issue 4126).
docs-check: $(STAMP)
	$(MKDOCS) build --strict --site-dir $(VENV)/site-check

# Redraw every picture in docs/images/ (the plots need matplotlib, the `plot` extra).
docs-images: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[plot]"
	$(BIN)/python demos/docs_images.py --out docs/images
	$(BIN)/python demos/capacity.py --out docs/images

# One BLAS thread; PyTorch's CPU build only (a plain `pip install torch` pulls a multi-GB CUDA build).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m pip install --quiet "torch==2.13.0+cpu" \
		|| echo "bench: PyTorch's CPU build (torch==2.13.0+cpu) is not installable here; its rows are skipped"
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python benchmarks/run_all.py

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) out site .pytest_cache .hypothesis .ruff_cache
