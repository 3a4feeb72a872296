# Two commands set everything up on a fresh machine:
#   make run   — venv, install, seed data/rapport.duckdb with the sample portfolio if empty, start the dashboard
#   make test  — venv, install test dependencies and Chromium, run every test (browser tests included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/rapport.duckdb
PORT   ?= 8501

.PHONY: run test install install-dev browser seed bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

browser:
	@bash scripts/install-chromium.sh

seed: install
	RAPPORT_DB=$(DB) $(BIN)/python -m analytics seed-if-empty

run: seed
	RAPPORT_DB=$(DB) $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

# Two workers (pytest-xdist); each test file runs whole on one worker, handed out in collection order
# (tests/conftest.py puts the costliest files first, and hands the four browser files that share the
# sample server to one worker together).
TEST_WORKERS ?= 2

test: install-dev browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

bench: install-dev
	$(BIN)/python bench/queries.py
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis screenshots
