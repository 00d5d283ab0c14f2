# arxiv-radar: `make digest` writes today's report, `make test` runs every check.
# The environment is built from uv.lock (exact versions); `make lock` updates it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# uv installs the locked environment; this version is also pinned in uv.lock (dev group).
UV_VERSION := 0.13.9
UV := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: install lock lock-upgrade digest test lint typecheck pytest bench clean

# A fresh environment each time pyproject.toml or uv.lock changes: exactly the lock,
# nothing left over from an earlier install.
$(STAMP): pyproject.toml uv.lock
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV) sync --locked --compile-bytecode --quiet
	touch $(STAMP)

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

install: $(STAMP)

# Re-resolve after editing dependencies in pyproject.toml (other pins stay as they are).
lock: $(UV)
	$(UV) lock

# Move every dependency to the newest version its range in pyproject.toml allows.
lock-upgrade: $(UV)
	$(UV) lock --upgrade

digest: $(STAMP)
	$(BIN)/arxiv-radar digest

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy bot handlers analysis

pytest: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
