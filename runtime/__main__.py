"""``python -m llm_registry.runtime``: the ``llm-registry`` command (see runtime/_cli/main.py)."""

import sys

from llm_registry.runtime._cli.main import main

sys.exit(main())
