# Every target bootstraps .venv first: the exact pins of pyproject.toml (every extra), then
# this checkout installed editable, so `llm_registry.*` and the `llm-registry` command work
# here as they do from the wheel. It re-installs whenever pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LLM_REGISTRY := $(VENV)/bin/llm-registry
STAMP := $(VENV)/.installed
# mypy cannot follow the editable install's import hook, so it reads the same folders through
# a tree of symbolic links named as they are installed (llm_registry/runtime -> runtime/, …).
TYPECHECK_ROOT := $(VENV)/typecheck
LINTED := codegen runtime tests bench

.PHONY: all generate validate check test lint format typecheck bench clean-venv golden browser node-modules

all: generate

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check \
		$$($(PYTHON) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print(" ".join(p["dependencies"] + [d for extra in p["optional-dependencies"].values() for d in extra]))')
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --editable .
	@rm -rf $(TYPECHECK_ROOT) && mkdir -p $(TYPECHECK_ROOT)/llm_registry
	@for pair in codegen:codegen runtime:runtime curated:generated templates:templates; do \
		ln -s "$(CURDIR)/$${pair#*:}" "$(TYPECHECK_ROOT)/llm_registry/$${pair%%:*}"; done
	@touch $(STAMP)

generate: $(STAMP)
	$(LLM_REGISTRY) generate

validate: $(STAMP)
	$(LLM_REGISTRY) validate

check: $(STAMP)
	$(LLM_REGISTRY) check

lint: $(STAMP)
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)

# Rewrites hand-written code in the project's one layout and import order.
format: $(STAMP)
	$(PY) -m ruff check --fix --select I $(LINTED)
	$(PY) -m ruff format $(LINTED)

typecheck: $(STAMP)
	MYPYPATH=$(TYPECHECK_ROOT) $(PY) -m mypy -p llm_registry.codegen -p llm_registry.curated -p llm_registry.runtime
	MYPYPATH=$(TYPECHECK_ROOT) $(PY) -m mypy tests bench

# The settings page's browser tests drive Debian's chromium, never a browser a test tool
# downloads: installed here when missing and the machine allows it (root with apt-get, as in
# CI). Elsewhere those tests skip, unless LLM_REGISTRY_REQUIRE_BROWSER is set.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || { \
		echo "installing Debian's chromium for the browser tests…"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q chromium >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; }

# The TypeScript target's checks (tests/codegen/test_typescript.py) run the tsc pinned in
# package-lock.json: installed with npm ci when node is on the machine, again when the lockfile
# changes. Without node those tests skip, saying so.
NODE_MODULES_STAMP := node_modules/.package-lock.json
node-modules:
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		test $(NODE_MODULES_STAMP) -nt package-lock.json || \
		npm ci --no-audit --no-fund --loglevel=error; \
	else echo "node not found: the TypeScript target's checks will skip"; fi

test: $(STAMP) lint check typecheck browser node-modules
	$(PY) -m pytest

# Rewrites the expected outputs of the golden tests from their registries, and the importer's
# expected descriptors from its fixture catalogue.
golden: $(STAMP)
	$(PY) -m tests.codegen.regenerate_golden
	$(PY) -m tests.importer.regenerate_expected

bench: $(STAMP)
	$(PY) -m bench

clean-venv:
	rm -rf $(VENV)
