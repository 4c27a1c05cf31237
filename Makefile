# One Makefile for people and CI. `make run` and `make test` install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := web/static/vendor/htmx.min.js
CHROMIUM := /usr/bin/chromium
# The demo runs a billing day in two minutes; production leaves the default (86400 s).
DEMO_DAY_SECONDS ?= 120
# ... and its simulated payers answer in a tenth of their business days, so the first
# remittances (paid claims, denials to appeal) arrive minutes after the first claims.
DEMO_PAYER_DELAY_SCALE ?= 0.1

.PHONY: run test install lint types layers pytest lock clean-var browser

run: install
	IOPBILL_DAY_SECONDS=$${IOPBILL_DAY_SECONDS:-$(DEMO_DAY_SECONDS)} \
	IOPBILL_SIMULATOR_DELAY_SCALE=$${IOPBILL_SIMULATOR_DELAY_SCALE:-$(DEMO_PAYER_DELAY_SCALE)} \
	$(BIN)/iopbill dev

test: install browser
	$(MAKE) lint types layers pytest

install: $(STAMP) $(VENDOR)

# compileall: the workflow sandbox imports workflows/ afresh for every workflow it starts,
# and with PYTHONDONTWRITEBYTECODE set it would compile that source each time.
$(STAMP): requirements.lock pyproject.toml setup.py models/x12/_speedups.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m compileall -q workflows
	touch $(STAMP)

$(VENDOR): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	test -f $(VENDOR)

# Browser tests drive Debian's Chromium (never a downloaded browser).
browser:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types:
	$(BIN)/mypy

layers:
	$(BIN)/lint-imports

pytest:
	$(BIN)/pytest --cov=models --cov-branch --cov-report=term:skip-covered

# Re-pin after changing dependencies in pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean-var:
	rm -rf var/
