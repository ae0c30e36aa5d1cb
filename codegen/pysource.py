"""Python source for descriptor values, laid out exactly as black lays it out.

Running black over every provider module costs far more than the rest of a compile for a
large registry (it parses everything it formats). The constructs here are few — calls with
keyword arguments, lists, dicts and literals, each with a trailing comma — so we emit them
in black's own layout (literals come from the IR with black's own quote normalisation). The
tests check that black leaves every emitted module unchanged.
"""

from __future__ import annotations

from llm_registry.codegen.pyvalues import PyCall, PyDict, PyList, PyValue

LINE_LENGTH = 88  # black's default, which the small modules are formatted with
_INDENT = "    "


def format_python(source: str) -> str:
    """black, in-process, for the module that is not laid out here (the schema's types)."""
    import black  # only needed when that module is generated anew

    return black.format_str(
        source, mode=black.Mode(target_versions={black.mode.TargetVersion.PY311})
    )


def expression(value: PyValue, depth: int = 0, line_start: int = 0) -> str:
    """Source for value, starting at indentation depth, after line_start characters of its
    line (e.g. `    name=`); every collection is exploded one item a line with a trailing
    comma, which is how black treats a "magic trailing comma"."""
    inner = _INDENT * (depth + 1)
    closing = _INDENT * depth
    if isinstance(value, PyCall):
        if not value.arguments:
            return f"{value.class_name}()"
        lines = "".join(
            f"{inner}{name}={expression(item, depth + 1, len(inner) + len(name) + 1)},\n"
            for name, item in value.arguments
        )
        return f"{value.class_name}(\n{lines}{closing})"
    if isinstance(value, PyList):
        if not value.items:
            return "()"
        if len(value.items) == 1:
            # A one-item tuple's comma is not "magic": black joins it when the line fits.
            only = expression(value.items[0], depth + 1, line_start + 1)
            joined = f"({only},)"
            if "\n" not in only and line_start + len(joined) + len(",") <= LINE_LENGTH:
                return joined
        lines = "".join(
            f"{inner}{expression(item, depth + 1, len(inner))},\n" for item in value.items
        )
        return f"(\n{lines}{closing})"
    if isinstance(value, PyDict):
        if not value.items:
            return "{}"
        lines = "".join(
            f"{inner}{key}: {expression(item, depth + 1, len(inner) + len(key) + 2)},\n"
            for key, item in value.items
        )
        return f"{{\n{lines}{closing}}}"
    return value


def subscript(name: str, items: tuple[str, ...]) -> str:
    """`Name[a]`, or `Name[` with one item a line: black keeps a one-item subscript on one line
    (its trailing comma would make a tuple) and explodes longer ones that end in a comma."""
    if len(items) == 1:
        return f"{name}[{items[0]}]"
    lines = "".join(f"{_INDENT}{item},\n" for item in items)
    return f"{name}[\n{lines}]"


def import_statement(module: str, names: tuple[str, ...]) -> str:
    """`from module import a, b` on one line when it fits, else one name a line."""
    single = f"from {module} import {', '.join(names)}"
    if len(single) <= LINE_LENGTH:
        return single
    lines = "".join(f"{_INDENT}{name},\n" for name in names)
    return f"from {module} import (\n{lines})"
