# MotCua Queue — the two commands of the quick start, and a few more.
#   make run    create .venv, install, start the hall server on the demo hall (SQLite)
#   make test   install what the tests need and run them all

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8080
DB     ?= sqlite:///data/hall.db
CONFIG ?= config/demo_hall.toml

.PHONY: run test test-fast bench system-deps clean help

help:
	@echo "make run   - start the hall server on http://$(HOST):$(PORT) (demo hall, SQLite in data/)"
	@echo "make test  - install test dependencies and run the whole test suite"
	@echo "make bench - run the benchmarks in bench/ (figures go to docs/performance.md)"

$(VENV)/bin/activate:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: apt-get install python3-venv"; exit 1; }
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate setup.cfg pyproject.toml
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/bin/activate setup.cfg pyproject.toml
	$(PIP) install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	@mkdir -p data
	$(VENV)/bin/motcua serve --config $(CONFIG) --db $(DB) --host $(HOST) --port $(PORT)

system-deps:
	@bash scripts/system-deps.sh

test: $(VENV)/.installed-dev system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
