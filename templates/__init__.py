"""The compiler's Jinja templates, shipped as package data of ``llm_registry.templates``."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent
