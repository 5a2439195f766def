# Two entry points for a fresh clone: `make serve` and `make test`.
# Each installs exactly the locked versions into .venv first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint typecheck imports pytest bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: requirements/app.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/app.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The dev venv also holds the Python client (clients/python; httpx, its one dependency, is
# in dev.lock), for its tests and type checks.
$(VENV)/.installed-dev: requirements/dev.lock pyproject.toml clients/python/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip install --quiet --no-deps -e ./clients/python
	touch $@

serve: $(VENV)/.installed-app
	$(BIN)/altpay serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev lint typecheck imports pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench clients
	$(BIN)/ruff format --check src tests bench clients

# The client under its own pyproject's mypy --strict (no server plugin); its tests, which use
# the repository's test support, under the server's.
typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy src bench clients/python/tests
	$(BIN)/mypy --config-file clients/python/pyproject.toml clients/python/src

# The layers of pyproject.toml's [tool.importlinter]: the kit imports no domain.
imports: $(VENV)/.installed-dev
	$(BIN)/lint-imports --no-logo --no-cache

# Two workers (the machine's two cores): the fault and soak tests wait on real processes, so
# they overlap with the rest. The client's suite runs against `altpay serve` processes of its own.
pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 2
	$(BIN)/python -m pytest clients/python/tests

$(VENV)/.installed-bench: requirements/bench.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/bench.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The benchmark (python -m bench.run, docs/performance.md): PROFILE=quick (100k customers, about
# ten minutes) or PROFILE=full (1M customers, one and two workers, the soak; under an hour).
# It installs wrk (apt-get) and Prism (npm, into bench/.prism) when they are missing.
PROFILE ?= quick
BENCH_ARGS ?=
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench.run --profile $(PROFILE) $(BENCH_ARGS)

# Regenerate the lock files after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements/app.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements/dev.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 --generate-hashes -q -o requirements/bench.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
