"""Load one descriptor file: safe, strict, and aware of where every value came from.

PyYAML's own loaders are too forgiving for a registry that CI must trust: they keep the
last of duplicate keys, expand aliases without limit and construct whatever tags they
know. Here we only *compose* (parse into nodes, with line/column marks) and construct the
plain JSON-like value ourselves, so every rule can point at the offending node.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.yaml_limits import SAFE_LOADER, TOO_DEEP, alias_problem, size_problem

JsonPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_INT = _TAG + "int"
_FLOAT = _TAG + "float"
_DECIMAL_NUMBER = re.compile(
    r"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
# Refused in every string: NUL and C0/C1 controls (but tab and line breaks), lone surrogates,
# and the bidirectional controls that make text display in another order than it is stored.
_FORBIDDEN_CHARACTER = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Keys whose values are shown to people as one line: no tab or line break either.
_DISPLAYED_KEYS = frozenset({"display_name", "placeholder"})
_LINE_BREAK_OR_TAB = re.compile("[\t\n\r]")
# Integers are stored as SQLite's and JavaScript-safe-enough 64-bit values at most.
_MAX_INTEGER = 2**63 - 1
_PLAIN_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "seq", "map")}
# A collection's tag must be its own kind's: `!!str` on a mapping is refused, not built.
_COLLECTION_TAGS = {"mapping": _TAG + "map", "sequence": _TAG + "seq"}
_NON_STRING_HINT = {
    _TAG + "bool": "a boolean",
    _TAG + "int": "an integer",
    _TAG + "float": "a number",
    _TAG + "null": "null",
    _TAG + "timestamp": "a date",
}


@dataclass
class Position:
    line: int  # 1-based
    column: int  # 1-based
    # For scalars that are not strings: their text, and what YAML read it as, to explain
    # surprises such as `yes` (a boolean) or `2024-01-01` (a date).
    source_text: str | None = None
    read_as: str | None = None


@dataclass
class LoadedDocument:
    """A descriptor's value plus its YAML node tree, which knows where each part sits.

    Positions are looked up only when a diagnostic needs one: recording them for every
    node up front would cost more than the rest of loading.
    """

    path: str
    value: dict[str, Any]
    root: Node
    # Each mapping's keys, indexed the first time a position inside it is asked for, so that
    # a file with N problems in one mapping costs N lookups, not N scans of the mapping.
    _keys: dict[int, dict[str, tuple[Node, Node]]] = field(default_factory=dict, repr=False)

    def position_of(self, path: JsonPath, *, key: bool = False) -> Position:
        """Where path's value (or, with key=True, its key) is; the nearest parent if absent."""
        node, key_node = self.root, None
        for part in path:
            child = self._child(node, part)
            if child is None:
                break
            key_node, node = child
        else:
            if key and key_node is not None:
                return _pos(key_node)
            if isinstance(node, ScalarNode) and node.tag in _NON_STRING_HINT:
                position = _pos(node)
                position.source_text, position.read_as = (
                    node.value,
                    _NON_STRING_HINT[node.tag],
                )
                return position
        return _pos(node)

    def _child(self, node: Node, part: str | int) -> tuple[Node | None, Node] | None:
        if isinstance(node, MappingNode) and isinstance(part, str):
            keys = self._keys.get(id(node))
            if keys is None:
                keys = self._keys[id(node)] = {}
                for key_node, value_node in node.value:
                    if isinstance(key_node, ScalarNode):
                        keys.setdefault(key_node.value, (key_node, value_node))
            return keys.get(part)
        if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            return None, node.value[part]
        return None


def _pos(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node tree into plain values, collecting diagnostics."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._scalars = SafeConstructor()

    def error(self, node: Node, code: str, message: str) -> None:
        at = _pos(node)
        self.diagnostics.append(Diagnostic(self.path, at.line, at.column, code, message))

    def build(self, node: Node) -> Any:
        tag = node.tag
        if tag == _STR and type(node) is ScalarNode:
            self._check_string(node.value, node)
            return node.value
        if tag not in _PLAIN_TAGS and tag not in _NON_STRING_HINT:
            self.error(
                node,
                "E105",
                f"unsupported YAML tag {_short_tag(tag)}; descriptors hold plain data only",
            )
            return None
        kind = _collection_kind(node)
        if kind is not None and tag != _COLLECTION_TAGS[kind]:
            self.error(node, "E105", f"the YAML tag {_short_tag(tag)} cannot be put on a {kind}")
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node)
        if isinstance(node, SequenceNode):
            return [self.build(item) for item in node.value]
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _mapping(self, node: MappingNode) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.error(
                    key_node,
                    "E105",
                    "merge keys (<<) are not supported; write the keys out",
                )
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR:
                shown = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                what = _NON_STRING_HINT.get(key_node.tag, "not a string")
                self.error(
                    key_node,
                    "E203",
                    f"key {shown!r} is read as {what}; quote it to make it a string key",
                )
                continue
            key = key_node.value
            if key in first_line:
                self.error(
                    key_node,
                    "E104",
                    f"duplicate key {key!r} (first defined at line {first_line[key]});"
                    " YAML would silently keep only the last one",
                )
                continue
            first_line[key] = key_node.start_mark.line + 1
            self._check_string(key, key_node)
            value = self.build(value_node)
            displayed = key in _DISPLAYED_KEYS and isinstance(value, str)
            if displayed and _LINE_BREAK_OR_TAB.search(value):
                message = f"{key} is shown on one line: no tab or line break"
                self.error(value_node, "E109", message)
            result[key] = value
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag == _INT:
            digits = node.value.lstrip("+-").replace("_", "")
            if len(digits) > 1 and digits.startswith("0") and digits.isdigit():
                self.error(
                    node,
                    "E204",
                    f"{_echo(node.value)} has a leading zero, which YAML 1.1 reads as octal;"
                    f" write {_echo(digits.lstrip('0') or '0')} (or quote it for a string)",
                )
                return None
            if len(digits) > 19:  # past 64 bits; also keeps int() clear of Python's digit limit
                self.error(
                    node,
                    "E204",
                    f"{_echo(node.value)} is too large: the maximum integer is {_MAX_INTEGER}",
                )
                return None
        # Plain decimal integers are most of a registry's non-string scalars.
        if node.tag == _INT and node.value.isdigit() and node.value.isascii():
            return self._integer(node, int(node.value))
        if node.tag in (_INT, _FLOAT) and not _DECIMAL_NUMBER.fullmatch(node.value):
            # YAML 1.1 also reads 1:30 as 90 (base 60), 0b101 as 5 and 0o17 as 15.
            self.error(
                node,
                "E204",
                f"{_echo(node.value)} is a YAML 1.1 number form; write numbers in plain decimal",
            )
            return None
        try:
            value = self._scalars.construct_object(node)
        except (ConstructorError, ValueError) as error:
            self.error(node, "E204", f"cannot read {_echo(node.value)}: {_echo(str(error))}")
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return self._integer(node, value)
        if isinstance(value, float) and not math.isfinite(value):
            self.error(
                node,
                "E106",
                f"{_echo(node.value)} is not a finite number; .nan and .inf are refused",
            )
            return None
        return value

    def _integer(self, node: ScalarNode, value: int) -> int | None:
        if abs(value) > _MAX_INTEGER:
            self.error(
                node,
                "E204",
                f"{_echo(node.value)} is too large: the maximum integer is {_MAX_INTEGER}",
            )
            return None
        return value

    def _check_string(self, text: str, node: Node) -> None:
        found = _FORBIDDEN_CHARACTER.search(text)
        if found is None:
            return
        character = found.group()
        if character == "\x00":
            self.error(node, "E109", "NUL characters are not allowed in strings")
        elif "\ud800" <= character <= "\udfff":
            self.error(
                node,
                "E109",
                "lone surrogate code points are not allowed in strings (not valid UTF-8)",
            )
        else:
            self.error(
                node,
                "E109",
                f"control character U+{ord(character):04X} is not allowed in strings"
                " (it changes how the text displays)",
            )


# Values are echoed in diagnostics; a megabyte value must not become a megabyte line.
_MAX_ECHO = 80


def _echo(text: str) -> str:
    """repr(text), cut to a readable length with an ellipsis."""
    if len(text) > _MAX_ECHO:
        return repr(text[:_MAX_ECHO]) + "…"
    return repr(text)


def _collection_kind(node: Node) -> str | None:
    if isinstance(node, MappingNode):
        return "mapping"
    if isinstance(node, SequenceNode):
        return "sequence"
    return None


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def load_descriptor(data: bytes, path: str) -> tuple[LoadedDocument | None, list[Diagnostic]]:
    """Parse one descriptor file. Returns the document (None if unusable) and its problems."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        message = "file is not valid UTF-8; descriptors must be UTF-8"
        return None, [Diagnostic(path, line, column, "E101", message)]
    root_or_refusal = _compose(data.removeprefix(b"\xef\xbb\xbf"), path)
    if isinstance(root_or_refusal, Diagnostic):
        return None, [root_or_refusal]
    root = root_or_refusal
    refused = alias_problem(root, text)
    if refused is not None:
        return None, [Diagnostic(path, 1, 1, *refused)]
    builder = _Builder(path)
    try:
        value = builder.build(root)
    except RecursionError:
        # Nesting below the exact check's trigger but past Python's recursion limit.
        return None, [Diagnostic(path, 1, 1, "E110", TOO_DEEP)]
    return LoadedDocument(path, value, root), builder.diagnostics


def _compose(data: bytes, path: str) -> MappingNode | Diagnostic:
    """The document's root mapping node, or why there is none."""
    try:
        refused = size_problem(data)
        if refused is not None:
            return Diagnostic(path, 1, 1, *refused)
        # libyaml reads the UTF-8 bytes directly, faster than a decoded str.
        documents = [
            node for node in yaml.compose_all(data, Loader=SAFE_LOADER) if node is not None
        ]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(part for part in (error.context, error.problem) if part)
        return Diagnostic(path, line, column, "E102", f"YAML syntax error: {problem}")
    except yaml.YAMLError as error:
        return Diagnostic(path, 1, 1, "E102", f"YAML syntax error: {error}")
    if not documents:
        return Diagnostic(path, 1, 1, "E103", "file is empty; a descriptor is a YAML mapping")
    if len(documents) > 1:
        at = _pos(documents[1])
        message = "a descriptor file holds exactly one YAML document"
        return Diagnostic(path, at.line, at.column, "E108", message)
    root = documents[0]
    if not isinstance(root, MappingNode):
        at = _pos(root)
        message = "a descriptor must be a YAML mapping of keys to values"
        return Diagnostic(path, at.line, at.column, "E103", message)
    return root
