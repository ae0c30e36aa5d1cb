# Every target bootstraps .venv from the exact pins in pyproject.toml first,
# and re-installs whenever pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: all generate validate check test typecheck bench clean-venv golden

all: generate

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check \
		$$($(PYTHON) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print(" ".join(p["dependencies"] + [d for extra in p["optional-dependencies"].values() for d in extra]))')
	@touch $(STAMP)

generate: $(STAMP)
	$(PY) -m codegen generate

validate: $(STAMP)
	$(PY) -m codegen validate

check: $(STAMP)
	$(PY) -m codegen check

typecheck: $(STAMP)
	$(PY) -m mypy codegen generated runtime

test: $(STAMP)
	$(PY) -m codegen check
	$(PY) -m mypy codegen generated runtime
	$(PY) -m pytest

# Rewrites the expected outputs of the golden tests from their registries.
golden: $(STAMP)
	$(PY) -m tests.codegen.regenerate_golden

bench: $(STAMP)
	$(PY) -m bench

clean-venv:
	rm -rf $(VENV)
