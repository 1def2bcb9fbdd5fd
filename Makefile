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
# A runner's install: this package alone, no theme, no other plugin, no test tools. The tests
# run `runbook` from it (tests/test_lean_install.py).
LEAN_STAMP := .venv-lean/.installed
# The other ends of the declared range (requires-python >=3.10): a fast subset of the suite
# (`-m pyversions`) runs on each, in .venv-py310 and .venv-py313. A missing interpreter is
# skipped with a note; point PY310/PY313 elsewhere to use another.
PYVERSIONS := 310 313
PY310 ?= $(HOME)/.pyenv/versions/3.10.13/bin/python
PY313 ?= $(HOME)/.pyenv/versions/3.13.0/bin/python
PYVERSIONS_FOUND := $(foreach v,$(PYVERSIONS),$(if $(wildcard $(PY$(v))),$(v)))
# Only the modules that hold such tests are collected: the others import the full test extras.
PYVERSIONS_TESTS = $(shell grep -l 'pytest.mark.pyversions' tests/test_*.py)

.PHONY: demo test lint typecheck unit pyversions browser-deps guard-deps postgres-deps site-check bench clean compat-venvs floor

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench,demo,postgres]'
	touch $(STAMP)

$(LEAN_STAMP): pyproject.toml
	$(PYTHON) -m venv .venv-lean
	.venv-lean/bin/pip install --quiet -e .
	touch $@

.venv-py%/.installed: pyproject.toml
	$(PY$*) -m venv .venv-py$*
	.venv-py$*/bin/pip install --quiet --upgrade pip
	.venv-py$*/bin/pip install --quiet -e '.[pyversions]'
	touch $@

# Debian's Chromium drives the browser tests; Playwright is only the driver.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null; \
		else \
			echo "note: /usr/bin/chromium is missing; run 'sudo apt-get install chromium' for the browser tests"; \
		fi; \
	fi

# Where users' docs live besides this MkDocs: the lowest versions we declare, Backstage
# TechDocs' core plugin (its pins), Zensical and ProperDocs, each in its own virtualenv,
# stamped so reruns are fast. tests/test_compat.py builds sites with them.
FLOOR_PINS := mkdocs==1.6.0 Markdown==3.6 pymdown-extensions==11.0.1
FLOOR_TESTS := tests/test_find.py tests/test_parse.py tests/test_catalog.py \
	tests/test_plugin_build.py tests/test_markdown_extension.py
COMPAT_STAMPS := .venv-floor/.installed .venv-techdocs/.installed .venv-zensical/.installed \
	.venv-properdocs/.installed

.venv-floor/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-floor
	.venv-floor/bin/pip install --quiet $(FLOOR_PINS) -e '.[test]'
	touch $@

.venv-techdocs/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-techdocs
	.venv-techdocs/bin/pip install --quiet mkdocs-techdocs-core==1.7.1 -e .
	touch $@

.venv-zensical/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-zensical
	.venv-zensical/bin/pip install --quiet zensical==0.0.73 -e .
	touch $@

.venv-properdocs/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-properdocs
	.venv-properdocs/bin/pip install --quiet properdocs==1.6.7 properdocs-theme-mkdocs -e .
	touch $@

compat-venvs: $(COMPAT_STAMPS)

# The finder, parser, plugin and Markdown extension on the lowest declared versions.
floor: .venv-floor/.installed
	.venv-floor/bin/pytest -q -n $(PYTEST_WORKERS) $(FLOOR_TESTS)

# nss_wrapper (LD_PRELOAD) gives test names addresses such as 169.254.169.254 in a subprocess,
# so the link-local guard is tested against real name resolution without editing /etc/hosts.
guard-deps:
	@if [ -z "$$(ls /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so 2>/dev/null)" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq libnss-wrapper >/dev/null; \
		else \
			echo "note: libnss_wrapper.so is missing; run 'sudo apt-get install libnss-wrapper' for the guard tests"; \
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
unit: $(STAMP) $(LEAN_STAMP) browser-deps guard-deps postgres-deps compat-venvs
	$(BIN)/pytest -m site
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not site"

pyversions: $(PYVERSIONS_FOUND:%=.venv-py%/.installed) $(LEAN_STAMP)
	@$(foreach v,$(filter-out $(PYVERSIONS_FOUND),$(PYVERSIONS)),echo "note: skipping the pyversions tests of PY$(v): no interpreter at $(PY$(v)) (set PY$(v)=/path/to/python)";)
	@set -e; for v in $(PYVERSIONS_FOUND); do \
		echo "== the pyversions tests on $$(.venv-py$$v/bin/python --version)"; \
		.venv-py$$v/bin/pytest -q -m pyversions $(PYVERSIONS_TESTS); \
	done

test: lint typecheck unit floor pyversions

demo: $(STAMP)
	$(BIN)/python -m mkdocs_runbook.demo.serve_site --port $(DEMO_PORT) --addr $(SERVE_ADDR)

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .venv-lean $(PYVERSIONS:%=.venv-py%) .venv-floor .venv-techdocs .venv-zensical .venv-properdocs site .cache
