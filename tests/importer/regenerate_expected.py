"""Rewrite tests/importer/fixtures/expected/ from the fixture catalogue (`make golden` runs it).

Review the diff before committing it: the expectation is only as good as that review.
"""

from __future__ import annotations

import shutil

from llm_registry.codegen.importer import import_models_dev
from tests.importer.conftest import CATALOGUE_FIXTURE, EXPECTED

if __name__ == "__main__":
    shutil.rmtree(EXPECTED, ignore_errors=True)
    print(import_models_dev(CATALOGUE_FIXTURE, EXPECTED).summary())
