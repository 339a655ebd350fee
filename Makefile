# Tandem's entry points. `make run` and `make test` work on a fresh machine that has only python3 and pip:
# uv (pinned) is bootstrapped from PyPI into .venv-tools/, then `uv sync --frozen` builds .venv/ from uv.lock.

UV_VERSION := 0.13.8
TOOLS := .venv-tools
# A uv already on PATH is used when it is the pinned version; otherwise the bootstrapped one.
UV := $(shell if command -v uv >/dev/null 2>&1 && uv --version 2>/dev/null | grep -qx 'uv $(UV_VERSION)\( .*\)\?'; \
	then command -v uv; else echo $(TOOLS)/bin/uv; fi)
RUN := $(UV) run --frozen
# CI checkouts are thrown away: no .pytest_cache there.
PYTEST_FLAGS ?= $(if $(CI),-p no:cacheprovider)

.DEFAULT_GOAL := help
.PHONY: help install run test lint format migrate migration migration-regenerate bench compose-config clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-22s %s\n", $$1, $$2}'

$(TOOLS)/bin/uv:
	@echo "bootstrapping uv==$(UV_VERSION) from PyPI into $(TOOLS)/"
	python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
		--target $(TOOLS) "uv==$(UV_VERSION)"

install: | $(UV) ## create .venv and install Tandem with its dev tools, exactly as locked
	$(UV) sync --frozen

run: install migrate ## install, migrate and start the backend on http://127.0.0.1:8400 (embedded: SQLite)
	$(RUN) tandem server

test: install ## run every test (finds or starts PostgreSQL and Redis; see README)
	$(RUN) pytest $(PYTEST_FLAGS) $(ARGS)

lint: install ## ruff check, ruff format --check, mypy --strict
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

format: install ## apply ruff's formatting and safe fixes
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

migrate: install ## upgrade the database (TANDEM_DATABASE_URL, default SQLite in the data dir) to head
	$(RUN) tandem db upgrade

migration: install ## write the next migration from backend/store/models.py: make migration m="what changed"
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	$(RUN) python -m backend.store.migrate new "$(m)"

migration-regenerate: install ## rewrite 0001 from the models (only until the first release)
	$(RUN) python -m backend.store.migrate regenerate

bench: install ## run the benchmarks in bench/ (scripts, and packages with a __main__), if any
	@set -e; found=; \
	for script in bench/*.py; do [ -f "$$script" ] || continue; found=1; \
		echo "== $$script"; $(RUN) python "$$script"; done; \
	for main in bench/*/__main__.py; do [ -f "$$main" ] || continue; found=1; \
		module=$$(dirname "$$main" | tr / .); echo "== python -m $$module"; $(RUN) python -m "$$module"; done; \
	[ -n "$$found" ] || echo "no benchmarks in bench/ yet"

compose-config: ## validate compose.yaml with `docker compose config` (needs the Docker compose plugin)
	docker compose -f compose.yaml config --quiet && echo "compose.yaml is valid"

clean: ## remove the virtual environments and caches (not your data directory)
	rm -rf .venv $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
