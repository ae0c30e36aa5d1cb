"""Load one descriptor file: safe, strict, and aware of where every value came from.

PyYAML's own loaders are too forgiving for a registry that CI must trust: they keep the
last of duplicate keys, expand aliases without limit and construct whatever tags they
know. Here we only *compose* (parse into nodes, with line/column marks) and construct the
plain JSON-like value ourselves, so every rule can point at the offending node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic

# The libyaml-backed loader is several times faster; the pure-Python one behaves the same.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

JsonPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {
    _TAG + name for name in ("str", "int", "float", "bool", "null", "seq", "map")
}
_NON_STRING_HINT = {
    _TAG + "bool": "a boolean",
    _TAG + "int": "an integer",
    _TAG + "float": "a number",
    _TAG + "null": "null",
    _TAG + "timestamp": "a date",
}

# Far above any real descriptor (the largest public catalogue provider has a few
# thousand nodes), far below what an alias bomb expands to.
MAX_EXPANDED_NODES = 250_000


@dataclass
class Position:
    line: int  # 1-based
    column: int  # 1-based
    # For scalars: how YAML read the text, used to explain surprises such as `yes`.
    source_text: str | None = None
    read_as: str | None = None


@dataclass
class LoadedDocument:
    """A descriptor's value plus where each part of it sits in the file."""

    path: str
    value: dict[str, Any]
    value_positions: dict[JsonPath, Position] = field(default_factory=dict)
    key_positions: dict[JsonPath, Position] = field(default_factory=dict)

    def position_of(self, path: JsonPath, *, key: bool = False) -> Position:
        """The closest known position for path (falling back to its parents)."""
        table = self.key_positions if key else self.value_positions
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if not key and probe in self.key_positions:
                return self.key_positions[probe]
            probe = probe[:-1]
        return self.value_positions.get((), Position(1, 1))


def _pos(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node tree into plain values, collecting diagnostics."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.value_positions: dict[JsonPath, Position] = {}
        self.key_positions: dict[JsonPath, Position] = {}
        self._scalars = SafeConstructor()

    def error(self, at: Position, code: str, message: str) -> None:
        self.diagnostics.append(
            Diagnostic(self.path, at.line, at.column, code, message)
        )

    def build(self, node: Node, path: JsonPath) -> Any:
        at = _pos(node)
        self.value_positions[path] = at
        if node.tag not in _PLAIN_TAGS and node.tag not in _NON_STRING_HINT:
            self.error(
                at,
                "E105",
                f"unsupported YAML tag {_short_tag(node.tag)}; descriptors hold plain data only",
            )
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [
                self.build(item, path + (index,))
                for index, item in enumerate(node.value)
            ]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, at)

    def _mapping(self, node: MappingNode, path: JsonPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Position] = {}
        for key_node, value_node in node.value:
            key_at = _pos(key_node)
            if key_node.tag == _TAG + "merge":
                self.error(
                    key_at,
                    "E105",
                    "merge keys (<<) are not supported; write the keys out",
                )
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != _TAG + "str":
                shown = (
                    key_node.value
                    if isinstance(key_node, ScalarNode)
                    else "a collection"
                )
                what = _NON_STRING_HINT.get(key_node.tag, "not a string")
                self.error(
                    key_at,
                    "E203",
                    f"key {shown!r} is read as {what}; quote it to make it a string key",
                )
                continue
            key = key_node.value
            if key in first_seen:
                self.error(
                    key_at,
                    "E104",
                    f"duplicate key {key!r} (first defined at line {first_seen[key].line});"
                    " YAML would silently keep only the last one",
                )
                continue
            first_seen[key] = key_at
            self._check_string(key, key_at)
            self.key_positions[path + (key,)] = key_at
            result[key] = self.build(value_node, path + (key,))
        return result

    def _scalar(self, node: ScalarNode, at: Position) -> Any:
        tag = node.tag
        if tag == _TAG + "str":
            self._check_string(node.value, at)
            return node.value
        at.source_text = node.value
        at.read_as = _NON_STRING_HINT.get(tag)
        try:
            value = self._scalars.construct_object(node)
        except (ConstructorError, ValueError) as error:
            self.error(at, "E204", f"cannot read {node.value!r}: {error}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(
                at,
                "E106",
                f"{node.value!r} is not a finite number; .nan and .inf are refused",
            )
            return None
        return value

    def _check_string(self, text: str, at: Position) -> None:
        if "\x00" in text:
            self.error(at, "E109", "NUL characters are not allowed in strings")
        elif any("\ud800" <= char <= "\udfff" for char in text):
            self.error(
                at,
                "E109",
                "lone surrogate code points are not allowed in strings (not valid UTF-8)",
            )


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _expanded_size(root: Node) -> int | None:
    """How many nodes the document has once aliases are expanded; None for a cycle.

    Aliased nodes are shared objects in the composed tree, so this is linear in the
    number of distinct nodes even when the expansion would be astronomically large.
    """
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: Node) -> int | None:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            return None
        in_progress.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            children: list[Node] = list(node.value)
        elif isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = []
        for child in children:
            child_size = size(child)
            if child_size is None:
                return None
            total = min(total + child_size, MAX_EXPANDED_NODES + 1)
        in_progress.discard(key)
        sizes[key] = total
        return total

    return size(root)


def _has_aliases(text: str) -> bool:
    return "*" in text and "&" in text


def load_descriptor(
    data: bytes, path: str
) -> tuple[LoadedDocument | None, list[Diagnostic]]:
    """Parse one descriptor file. Returns the document (None if unusable) and its problems."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        return None, [
            Diagnostic(
                path,
                line,
                column,
                "E101",
                "file is not valid UTF-8; descriptors must be UTF-8",
            )
        ]
    text = text.removeprefix("\ufeff")

    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(part for part in (error.context, error.problem) if part)
        return None, [
            Diagnostic(path, line, column, "E102", f"YAML syntax error: {problem}")
        ]
    except yaml.YAMLError as error:
        return None, [Diagnostic(path, 1, 1, "E102", f"YAML syntax error: {error}")]

    documents = [document for document in documents if document is not None]
    if not documents:
        return None, [
            Diagnostic(
                path, 1, 1, "E103", "file is empty; a descriptor is a YAML mapping"
            )
        ]
    if len(documents) > 1:
        at = _pos(documents[1])
        return None, [
            Diagnostic(
                path,
                at.line,
                at.column,
                "E108",
                "a descriptor file holds exactly one YAML document",
            )
        ]
    root = documents[0]
    if not isinstance(root, MappingNode):
        at = _pos(root)
        return None, [
            Diagnostic(
                path,
                at.line,
                at.column,
                "E103",
                "a descriptor must be a YAML mapping of keys to values",
            )
        ]
    if _has_aliases(text):
        expanded = _expanded_size(root)
        if expanded is None or expanded > MAX_EXPANDED_NODES:
            why = (
                "an alias refers to itself"
                if expanded is None
                else f"aliases expand past {MAX_EXPANDED_NODES:,} nodes"
            )
            return None, [Diagnostic(path, 1, 1, "E107", f"refused: {why}")]

    builder = _Builder(path)
    value = builder.build(root, ())
    document = LoadedDocument(
        path, value, builder.value_positions, builder.key_positions
    )
    return document, builder.diagnostics
