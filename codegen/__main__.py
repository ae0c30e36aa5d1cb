import sys

from llm_registry.codegen.cli import main

sys.exit(main())
