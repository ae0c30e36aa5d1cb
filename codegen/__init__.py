"""The registry compiler: provider descriptors (YAML) → validated → IR → rendered → generated/.

Stages, one module each: yaml_loader (safe, line-aware), validate (JSON Schema and registry
rules), ir (values escaped per target), render (Jinja templates and black), writer (atomic).
"""
