# The two commands a newcomer needs:
#   make run   - builds the demo register (first time) and serves the portal on http://localhost:8501
#                and the read API on http://localhost:8502/api/v1 (another port: make run PORT=8600)
#   make test  - lint (ruff), types (mypy) and the whole test suite (pytest)
# and while working: make test-fast - ruff and the unit layer (no server, no register), < 1 min
# Both create .venv and install insyn into it the first time.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The port `make run` serves the portal on: make run PORT=8600
PORT ?= 8501

.PHONY: run test test-fast install lint demo clean browser

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@$(BIN)/insyn demo

run: demo
	@$(BIN)/insyn serve --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The browser tests drive Debian's Chromium; install it when missing (needs root and apt).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

test: lint browser
	INSYN_REQUIRE_BROWSER=1 $(BIN)/pytest -q

# The fast layer: ruff and the unit tests (no server, no sqlite register, no PostgreSQL).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q -m unit

clean:
	rm -rf .insyn build *.egg-info
