# kopiena: every target creates or reuses .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck format install bench bench-quick clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/kopiena demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check core plugins federation tests

typecheck: $(STAMP)
	$(BIN)/mypy core

format: $(STAMP)
	$(BIN)/ruff format core plugins federation tests

bench: $(STAMP)
	$(BIN)/python -m bench run

bench-quick: $(STAMP)
	$(BIN)/python -m bench run --quick

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
