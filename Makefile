# Two commands for people (README): `make drill` and `make test`. Everything else is setup.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: drill test lint typecheck bench servers compile clean

# The console's own dependencies only: `make drill` on a fresh machine waits for nothing else.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e .
	touch $(STAMP)

# The test tools (pytest, mypy, ruff, ...) on top, for `make test` and `make bench`.
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(TEST_STAMP)

# Byte-compile as an install would: with PYTHONDONTWRITEBYTECODE set, an editable install
# compiles every module again at each start (about 50 ms of the console's start-up).
compile: $(STAMP)
	@$(PY) -m compileall -q warroom benchmarks > /dev/null

drill: compile
	$(VENV)/bin/warroom drill

# The real servers the suite runs against (Prometheus, Alertmanager, dockerd, PostgreSQL, tmux).
servers:
	@bash .ci/install-servers

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check warroom tests benchmarks
	$(VENV)/bin/ruff format --check warroom tests benchmarks
	$(VENV)/bin/lint-imports

typecheck: $(TEST_STAMP)
	$(VENV)/bin/mypy warroom

test: $(TEST_STAMP) servers lint typecheck
	$(VENV)/bin/pytest -q -p no:cacheprovider

bench: compile $(TEST_STAMP) servers
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build dist
