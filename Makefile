# Seller Sync. `make demo` and `make test` set everything up themselves (Python 3.13 venv via uv).
SHELL := /bin/bash
.DEFAULT_GOAL := help
BIN := .venv/bin
STAMP := .venv/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup system-deps demo test check lint format typecheck unit integration infra-test browser-test synth \
	layer cdk-cli cdk-synth deploy bench bench-cli local-up clean

# The suite runs on parallel workers (pytest-xdist; tests/conftest.py groups what must share a worker).
# PYTEST_WORKERS=0 runs it in this process, e.g. to debug.
PYTEST_WORKERS ?= 2
PARALLEL := -n $(PYTEST_WORKERS) --dist loadgroup

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml uv.lock .ci/setup.sh .ci/find-python.sh
	@bash .ci/setup.sh
	@touch $@

setup: $(STAMP) ## Create .venv (Python 3.13, uv pinned inside) with the locked dependencies

# Debian packages, installed when their command is missing (apt-get as root, sudo -n, or one line naming them).
system-deps: ## Node.js (the CDK's jsii runtime) and Chromium (the browser tests)
	@bash .ci/system-deps.sh node=nodejs chromium=chromium

demo: $(STAMP) ## Run the main job end to end on the embedded default and print what happened
	@bash .ci/system-deps.sh node=nodejs
	$(BIN)/sellersync demo

test: $(STAMP) system-deps lint typecheck ## Lint, type-check and run every test suite (prints the 15 slowest tests)
	$(BIN)/pytest $(PARALLEL) --durations=15

check: lint typecheck ## The inner loop: lint, types, unit and infra tests
	$(BIN)/pytest $(PARALLEL) tests/unit tests/infra

lint: $(STAMP) ## ruff check + format check + the import contracts of pyproject.toml (the layers of shared/)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy
	$(BIN)/mypy

unit: $(STAMP) ## Unit tests only
	$(BIN)/pytest tests/unit

integration: $(STAMP) ## Integration tests (embedded AWS + local Amazon sandbox)
	$(BIN)/pytest $(PARALLEL) tests/integration

infra-test: $(STAMP) ## CDK assertions, cdk-nag, cfn-lint
	$(BIN)/pytest tests/infra

layer: $(STAMP) ## Build the Lambda dependency layer (arm64, cp313, binary wheels; cached by lock hash)
	$(BIN)/python -m infra.layer

synth: $(STAMP) ## Synthesize the CDK app into cdk.out/ (offline, no Docker)
	$(BIN)/python -m infra.app

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

cdk-cli: node_modules/.installed ## Install the pinned Node CDK CLI (package.json)

cdk-synth: $(STAMP) cdk-cli ## Synthesize with the pinned CDK CLI
	npx cdk synth --quiet

deploy: $(STAMP) cdk-cli ## Deploy to the AWS account of your current credentials (see docs/deploying.md)
	npx cdk deploy

local-up: $(STAMP) ## Keep the embedded AWS (and the Amazon sandbox) running
	$(BIN)/sellersync local up

bench: $(STAMP) ## Benchmarks: print figures (not part of make test)
	$(BIN)/pytest tests/benchmarks -s -p no:randomly -o testpaths=tests/benchmarks -o 'python_files=bench_*.py' \
		--ignore=tests/benchmarks/bench_inventory.py
	$(BIN)/python -m tests.benchmarks.bench_inventory $(INVENTORY_BENCH_ARGS)

bench-cli: $(STAMP) ## CLI start-up figures only (also part of make bench)
	$(BIN)/python -m tests.benchmarks.bench_cli

clean: ## Remove build outputs (keeps .venv)
	rm -rf cdk.out .build .pytest_cache .mypy_cache .ruff_cache
