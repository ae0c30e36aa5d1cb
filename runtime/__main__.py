"""``python -m runtime``: see :mod:`runtime._cli`."""

import sys

from llm_registry.runtime._cli.main import main

sys.exit(main())
