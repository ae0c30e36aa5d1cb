"""One of several processes refreshing the same model database at once (see test_concurrency).

python -m tests.discovery.hammer_worker DB BASE_URL ITERATIONS KEY
with the test registry's package importable (tests/fixture_registry.py). Prints one JSON
object: the source of every discovery and the models this worker hid.
"""

from __future__ import annotations

import asyncio
import json
import sys

from llm_registry.runtime._discovery.service import discover_models
from llm_registry.runtime._registry import get_provider, load_registry
from llm_registry.runtime._store.store import ModelStore
from tests.discovery.conftest import with_base_url
from tests.fixture_registry import TEST_REGISTRY_PACKAGE


def main() -> int:
    db, base_url, iterations, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    registry = load_registry(TEST_REGISTRY_PACKAGE)
    store = ModelStore(db, registry=registry)
    # The server is the provider's own base URL here, so that each listing updates the rows.
    openai = with_base_url(get_provider("wire-openai", registry=registry), base_url)
    sources: list[str] = []
    hidden: list[str] = []
    for iteration in range(iterations):
        result = asyncio.run(
            discover_models(
                openai,
                refresh=True,
                api_keys={"wire-openai": key},
                store=store,
                timeout=10,
            )
        )
        sources.append(
            result.source if result.error is None else f"{result.source}: {result.error}"
        )
        # The user hides the model that only this listing had, while others keep refreshing.
        unique = [m.id for m in result.models if m.model_id.startswith("unique-")]
        for model_id in unique:
            if store.set_hidden(model_id, True):
                hidden.append(model_id)
        if iteration % 4 == 3:
            store.apply_seed()
    print(json.dumps({"sources": sources, "hidden": hidden}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
