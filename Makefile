# Two commands on a fresh machine: `make demo` and `make test`. Both use the virtualenv in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-dev lint format bench clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Install, start embedded Postgres + Redis, migrate, load and embed the demo catalog, serve on $PORT.
demo: $(VENV)/.installed
	$(BIN)/python -m shopguide.demo

## Install test dependencies and run the whole suite (real Postgres, Redis, model and worker).
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	SHOPGUIDE_DATA_DIR=$${SHOPGUIDE_DATA_DIR:-$(CURDIR)/.data/test} $(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/ingest.py

clean-data:
	rm -rf .data
