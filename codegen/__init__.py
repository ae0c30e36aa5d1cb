"""The registry compiler: provider descriptors (YAML) → validated → IR → rendered → written.

Stages, one module each: yaml_loader (safe, line-aware; yaml_limits bounds depth, nodes and
aliases), validate (the stage: registry_files finds and reads descriptors, schema_check applies the
JSON Schema, registry_rules the rules only code can check), ir (values escaped per target; pyvalues
turns descriptor values into Python source), render (Jinja templates; provider modules are emitted
directly in black's layout by pysource, without running black), typesgen (the descriptor
dataclasses, generated from the schema by datamodel-code-generator and formatted by black, cached
per schema and tool versions), writer (atomic). pipeline runs the stages in order; stamp lets a
generate that would change nothing stop before compiling. cli parses the ``llm-registry``
subcommands: commands runs those that compile the registry, authoring_commands the others,
command_base holds what they share (reporting prints diagnostics, scaffold is ``init``); importer/
turns the models.dev catalogue into descriptors.
"""
