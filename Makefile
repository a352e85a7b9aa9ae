# Two commands on a fresh machine:  make run   and   make test   (see README.md)
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV     := .venv
PY       := $(VENV)/bin/python
BUN_DIR  := .tools/bun
BUN      := $(BUN_DIR)/node_modules/.bin/bun
BUN_VERSION := 1.4.5
UV_DIR   := .tools/uv
UV       := $(UV_DIR)/bin/uv
UV_VERSION := 0.13.9
# uv with the index pip is configured with (uv does not read pip's configuration).
UV_PIP   := python3 scripts/uv_env.py $(UV) pip

export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_DIR := $(CURDIR)/.tools/reflex
export PATH := $(CURDIR)/$(BUN_DIR)/node_modules/.bin:$(PATH)
# uv uses the machine's python3 and never downloads an interpreter.
export UV_PYTHON_DOWNLOADS := never

.PHONY: run run-scaled test setup setup-dev lock migrate chromium lint bench clean

$(UV):
	python3 -m pip install -q --disable-pip-version-check --target $(UV_DIR) uv==$(UV_VERSION)

$(PY): | $(UV)
	$(UV) venv -q --python python3 $(VENV)

# make run: the runtime packages only (requirements.txt). Inexact: keeps the dev tools that
# make test added, so switching between the two installs nothing.
$(VENV)/.runtime: requirements.txt | $(PY)
	$(UV_PIP) install -q --python $(PY) -r requirements.txt
	@touch $@

# make test / lint / bench: runtime + dev group (requirements-dev.txt), exactly what is locked.
$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(UV_PIP) sync -q --python $(PY) requirements.txt requirements-dev.txt
	@touch $@ $(VENV)/.runtime

$(BUN):
	npm install --silent --prefix $(BUN_DIR) bun@$(BUN_VERSION)

setup: $(VENV)/.runtime $(BUN)

setup-dev: $(VENV)/.dev $(BUN)

# After changing the dependencies in pyproject.toml: re-resolve both lock files (pins kept where
# they still fit; `make lock UPGRADE=--upgrade` moves everything to the newest versions).
LOCK := compile -q --universal --python-version 3.11 --annotation-style line $(UPGRADE)
lock: | $(UV)
	$(UV_PIP) $(LOCK) pyproject.toml --group dev -o requirements-dev.txt
	$(UV_PIP) $(LOCK) pyproject.toml -c requirements-dev.txt -o requirements.txt

migrate: setup
	$(PY) -m services.persistence.migrate

# The demo EHR gets each notification both as JSON and as CertificateStatusUpdateForCare v3.
# serve.py migrates (skipped when the SQLite database already has the newest schema) and reuses
# the compiled frontend when its sources are unchanged (scripts/reflex_prod.py).
run: setup
	WEBCERT_DEMO_EHR_NOTIFICATION_FORMAT=$${WEBCERT_DEMO_EHR_NOTIFICATION_FORMAT:-both} \
	  $(PY) scripts/serve.py --migrate $(SERVE_ARGS)

# Scale-out mode (README "Several workers and hosts"): the machine's PostgreSQL and Redis,
# WORKERS backend workers (default: the number of cores). SERVE_ARGS e.g. --port 3001
# --no-simulators for a second process using the first one's simulators.
WORKERS ?= $(shell nproc)
run-scaled: setup
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || \
	  { echo "run-scaled needs DATABASE_URL (PostgreSQL) and REDIS_URL"; exit 2; }
	$(PY) -m services.persistence.migrate
	$(PY) scripts/serve.py --workers $(WORKERS) $(SERVE_ARGS)

/usr/bin/chromium /usr/bin/pdftoppm:
	apt-get update -q && apt-get install -y -q chromium poppler-utils

chromium: /usr/bin/chromium /usr/bin/pdftoppm

test: setup-dev chromium
	$(PY) -m ruff check .
	# Playwright's sync API keeps an event loop running in the test process, so the browser
	# tests run in a pytest process of their own.
	$(PY) -m pytest -q -p no:cacheprovider tests/unit tests/integration tests/security \
		--ignore=tests/security/e2e $(PYTEST_ARGS)
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)
	$(PY) -m pytest -q -p no:cacheprovider tests/security/e2e $(PYTEST_ARGS)

lint: setup-dev
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

bench: setup-dev
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf .web .states var
