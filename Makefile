# Crowdset: `make run` sets up and starts the platform; `make test` sets up and runs the tests.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.crowdset-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test test-fast lint bench migrate demo clean screenshots

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/crowdset migrate
	$(BIN)/crowdset demo
	$(BIN)/crowdset serve --host $(HOST) --port $(PORT)

migrate: $(STAMP)
	$(BIN)/crowdset migrate

demo: $(STAMP)
	$(BIN)/crowdset demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/pytest

# The quick loop while coding: no slow suites.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow" -x -q

# Re-take the screenshots under docs/screenshots/ (needs a Chinese font, e.g. fonts-wqy-microhei).
screenshots: $(STAMP)
	CROWDSET_SCREENSHOTS=1 $(BIN)/pytest -m browser -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
