# Two commands on a fresh machine:  make run   and   make test   (see README.md)
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV     := .venv
PY       := $(VENV)/bin/python
BUN_DIR  := .tools/bun
BUN      := $(BUN_DIR)/node_modules/.bin/bun
BUN_VERSION := 1.4.5

export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_DIR := $(CURDIR)/.tools/reflex
export PATH := $(CURDIR)/$(BUN_DIR)/node_modules/.bin:$(PATH)
# Use the registry npm is configured with (never a hard-coded host).
export NPM_CONFIG_REGISTRY := $(shell npm config get registry 2>/dev/null)

.PHONY: run run-scaled test setup migrate chromium lint bench clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	@touch $@

$(BUN):
	npm install --silent --prefix $(BUN_DIR) bun@$(BUN_VERSION)

setup: $(VENV)/.installed $(BUN)

migrate: setup
	$(PY) -m services.persistence.migrate

# The demo EHR gets each notification both as JSON and as CertificateStatusUpdateForCare v3.
run: migrate
	WEBCERT_DEMO_EHR_NOTIFICATION_FORMAT=$${WEBCERT_DEMO_EHR_NOTIFICATION_FORMAT:-both} \
	  $(PY) scripts/serve.py

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

test: setup chromium
	$(PY) -m ruff check .
	# Playwright's sync API keeps an event loop running in the test process, so the browser
	# tests run in a pytest process of their own.
	$(PY) -m pytest -q -p no:cacheprovider tests/unit tests/integration tests/security \
		--ignore=tests/security/e2e $(PYTEST_ARGS)
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)
	$(PY) -m pytest -q -p no:cacheprovider tests/security/e2e $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf .web .states var
