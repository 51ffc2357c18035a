# Backlot: `make run` serves the API on SQLite with seed data; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install lint format clean bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Backlot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## run: migrate var/backlot.db (or DATABASE_URL), seed it when empty, serve on 127.0.0.1:8000
run: install
	$(BIN)/backlot run --host $(HOST) --port $(PORT)

## test: the whole suite (PostgreSQL tests skip without a server unless BACKLOT_REQUIRE_PG=1)
test: install
	$(BIN)/python -m pytest -n 2

## lint: ruff (rules and formatting) and strict mypy; CI fails on any finding
lint: install
	$(BIN)/ruff check app scheduler seed tests benchmarks migrations
	$(BIN)/ruff format --check app scheduler seed tests benchmarks
	$(BIN)/mypy app scheduler seed

format: install
	$(BIN)/ruff format app scheduler seed tests benchmarks

## bench: the optimizer benchmark (every size, seeds 1-3; see docs/benchmarks.md)
bench: install
	$(BIN)/python -m benchmarks.run_optimizer

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
