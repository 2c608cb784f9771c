# Two commands: `make run` opens the dashboard on the sample database; `make test` runs every test.
# While working: `make fast` (no browser tests), `make fix` (apply ruff's fixes and formatting).
# Both create the virtual environment .venv on first use (needs Python 3.11 or newer).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
AXE := node_modules/axe-core/axe.min.js

.PHONY: run test fast lint fix install clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT)

# axe-core for the browser tests' accessibility checks, pinned in package-lock.json; without npm they are skipped.
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm is not installed: the accessibility tests will be skipped (apt-get install npm)"; fi

# Lint and format first (pyproject.toml): a style slip fails in a second, not after the browser tests.
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fix: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Sources are compiled before the tests: CPython 3.11 before 3.11.8 can fail an ast.parse with "AST constructor
# recursion depth mismatch" when another thread compiles a module at the same moment (a page test parses its page
# while a board-pack thread imports), so nothing is left to compile on the fly.
COMPILE := $(BIN)/python -m compileall -q -j 0 app.py indicators pages tests bench

# Tests run in WORKERS processes (pytest-xdist). --dist loadgroup keeps each file's tests on one worker (a module's
# fixtures are built once), except the browser tests on the app server, which spread one by one over every worker,
# each worker with its own server; the costliest work goes first (tests/conftest.py).
WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup --durations=15

test: lint $(AXE)
	$(COMPILE)
	$(PYTEST)

# The inner loop: everything but the real-browser tests (tests/browser), which take most of the time.
fast: lint
	$(COMPILE)
	$(PYTEST) --ignore=tests/browser -q

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
