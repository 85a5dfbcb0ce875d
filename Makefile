# Two commands on a fresh machine: `make demo` and `make test`. Both use the virtualenv in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-external install install-dev lint format bench clean-data

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

# The browser tests (tests/e2e) drive Debian's Chromium through Playwright (never a browser download).
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests (tests/e2e)" >&2
	@sudo=""; if [ "$$(id -u)" -ne 0 ]; then sudo=sudo; fi; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null

## Install test dependencies (and Chromium) and run the whole suite (real Postgres, Redis, model, worker, browser).
test: $(VENV)/.installed-dev $(CHROMIUM)
	$(BIN)/ruff check .
	SHOPGUIDE_DATA_DIR=$${SHOPGUIDE_DATA_DIR:-$(CURDIR)/.data/test} $(BIN)/python -m pytest
	$(MAKE) test-external

## Part of the suite against a separate Postgres + pgvector and Redis reached by DATABASE_URL / REDIS_URL (as managed ones).
test-external: $(VENV)/.installed-dev
	.ci/test-external

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
