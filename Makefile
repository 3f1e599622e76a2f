# roomwatch — make help lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test check lint types bench bench-snmp bench-rules bench-records bench-instructions wheel-smoke screenshot system-deps clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml setup.py agent/_ber.c core/_slots.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[demo,dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install roomwatch with its demo and dev extras (idempotent)

run: install ## Run the demo: server, agent and a simulated machine room on http://127.0.0.1:8080
	$(BIN)/roomwatch demo

system-deps: ## Install what the tests need from Debian (Chromium for e2e, net-snmp tools) when missing
	@bash scripts/system-deps.sh

test: install system-deps ## Run the whole test suite, then the wheel smoke test
	$(BIN)/python -m pytest
	bash scripts/wheel-smoke.sh

lint: install ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install ## mypy on the core packages
	$(BIN)/mypy

check: lint types ## Lint, types and tests
	$(BIN)/python -m pytest

bench: install system-deps ## All benchmarks, with the peers' figures from the same run
	$(BIN)/python -m bench

bench-snmp: install system-deps ## SNMP polling of a simulated fleet vs snmpbulkwalk and snmp_exporter
	$(BIN)/python -m bench snmp

bench-rules: install ## Rule tick over 100,000 series; fault-to-alarm/notification latency
	$(BIN)/python -m bench rules

bench-records: install ## Signing into the journal and verifying its chain vs a bare sqlite3+sha256 floor
	$(BIN)/python -m bench records

bench-instructions: install system-deps ## Instructions per varbind of the polling pipeline (valgrind): A/B of the hot path
	$(BIN)/python -m bench instructions

wheel-smoke: install ## Build the wheel, install it in a clean venv, run --version and demo --check
	bash scripts/wheel-smoke.sh

screenshot: install system-deps ## Take the docs/img/ screenshots from a running demo with headless Chromium
	$(BIN)/python scripts/screenshot.py docs/img/overview.png docs/img/alarms.png=/alarms/ \
	  docs/img/handover.png=/handover/1 docs/img/roster.png=/roster/ \
	  docs/img/inspection.png=/inspection/1 docs/img/ledger.png=/ledger/

clean: ## Remove build output (keeps .venv and var/)
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
