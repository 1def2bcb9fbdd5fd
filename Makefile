# The two commands a new user needs: `make demo` and `make test`.
# Everything else here is what those two build on.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PORT ?= 8080
SERVE_ADDR ?= 127.0.0.1:8000
# pytest-xdist workers; the suite is mostly waiting on sockets and subprocesses.
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck unit browser-deps postgres-deps site-check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench,demo,postgres]'
	touch $(STAMP)

# Debian's Chromium drives the browser tests; Playwright is only the driver.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "note: /usr/bin/chromium is missing; run 'sudo apt-get install chromium' for the browser tests"; \
		fi; \
	fi

# The history tests run a throwaway PostgreSQL server (initdb/pg_ctl as an unprivileged user);
# Debian's `postgresql` package puts them under /usr/lib/postgresql/<version>/bin.
postgres-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get -o DPkg::Lock::Timeout=600 update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql >/dev/null; \
		else \
			echo "note: PostgreSQL is missing; run 'sudo apt-get install postgresql' for the history tests"; \
		fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check plugins tests scripts $(wildcard bench)
	$(BIN)/ruff format --check plugins tests scripts $(wildcard bench)

typecheck: $(STAMP)
	$(BIN)/mypy

# The project's own site is built first, alone: its checks time real targets, and on two
# cores a parallel test run beside it would show up in their latencies.
unit: $(STAMP) browser-deps postgres-deps
	$(BIN)/pytest -m site
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not site"

test: lint typecheck unit

demo: $(STAMP)
	$(BIN)/python -m mkdocs_runbook.demo.serve_site --port $(DEMO_PORT) --addr $(SERVE_ADDR)

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) site .cache
