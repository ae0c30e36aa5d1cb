"""``python -m runtime``: see :mod:`runtime._cli`."""

import sys

from runtime._cli import main

sys.exit(main())
