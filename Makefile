# Latent Explorer: `make run` opens the app, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM_PLUGIN_PATH :=

.PHONY: run test lint format bench models clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# After installing, one import of umap-learn fills numba's cache of pynndescent's compiled
# functions (about 12 s, once per installation instead of in the first map of every process).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -c "import umap"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/latent-explorer

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# -n auto: one pytest-xdist worker per core; --dist loadgroup keeps the tests/gui group (see
# tests/conftest.py) in one worker, the other tests spread over all of them.
test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n auto --dist loadgroup --durations=15 $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The shipped models: trained with the CLI on mnist-5k (10% held out, seed 0). The VAE's
# settings were chosen by measured sample quality (README, "Shipped models").
TRAIN := $(BIN)/latent-explorer train --preset mnist --dataset mnist-5k --epochs 30 --seed 0 --overwrite
models: $(STAMP)
	$(TRAIN) --kind ae --out models/mnist_ae
	$(TRAIN) --kind vae --kl-weight 3 --dense-units 256 --epochs 80 --out models/mnist_vae
	$(TRAIN) --kind vae --kl-weight 1e-5 --out models/mnist_vae_tinykl
	$(TRAIN) --kind ae --z-dim 2 --out models/mnist_ae_z2
	$(TRAIN) --kind vae --kl-weight 1 --z-dim 2 --out models/mnist_vae_z2
	$(BIN)/latent-explorer classifier --dataset mnist-5k --epochs 20 --seed 0 --overwrite --out models/mnist_classifier
	$(BIN)/python scripts/model_table.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache
