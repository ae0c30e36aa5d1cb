"""Load one descriptor file: safe, strict, and aware of where every value came from.

PyYAML's own loaders are too forgiving for a registry that CI must trust: they keep the
last of duplicate keys, expand aliases without limit and construct whatever tags they
know. Here we only *compose* (parse into nodes, with line/column marks) and construct the
plain JSON-like value ourselves, so every rule can point at the offending node.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from llm_registry.codegen.diagnostics import Diagnostic

# The libyaml-backed loader is several times faster; the pure-Python one behaves the same.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

JsonPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_INT = _TAG + "int"
_FLOAT = _TAG + "float"
_DECIMAL_NUMBER = re.compile(
    r"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "seq", "map")}
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

    def position_of(self, path: JsonPath, *, key: bool = False) -> Position:
        """Where path's value (or, with key=True, its key) is; the nearest parent if absent."""
        node, key_node = self.root, None
        for part in path:
            child = _child(node, part)
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


def _child(node: Node, part: str | int) -> tuple[Node | None, Node] | None:
    if isinstance(node, MappingNode) and isinstance(part, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == part:
                return key_node, value_node
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
            result[key] = self.build(value_node)
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        # Plain decimal integers are most of a registry's non-string scalars.
        if node.tag == _INT and node.value.isdigit() and node.value.isascii():
            return int(node.value)
        if node.tag in (_INT, _FLOAT) and not _DECIMAL_NUMBER.fullmatch(node.value):
            # YAML 1.1 also reads 1:30 as 90 (base 60), 0b101 as 5 and 0o17 as 15.
            self.error(
                node,
                "E204",
                f"{node.value!r} is a YAML 1.1 number form; write numbers in plain decimal",
            )
            return None
        try:
            value = self._scalars.construct_object(node)
        except (ConstructorError, ValueError) as error:
            self.error(node, "E204", f"cannot read {node.value!r}: {error}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(
                node,
                "E106",
                f"{node.value!r} is not a finite number; .nan and .inf are refused",
            )
            return None
        return value

    def _check_string(self, text: str, node: Node) -> None:
        if text.isascii() and "\x00" not in text:
            return
        if "\x00" in text:
            self.error(node, "E109", "NUL characters are not allowed in strings")
        elif _SURROGATE.search(text):
            self.error(
                node,
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


# Far deeper than any descriptor (about six levels), far shallower than what overflows the C
# stack of libyaml's recursive composer (tens of thousands of levels crash the interpreter).
MAX_DEPTH = 64
# Flow brackets a file may hold before its depth is measured exactly: more than any real
# descriptor (a few per model), fewer than the composer needs to overflow. Counting rather
# than estimating depth, because quoted brackets could hide real nesting from an estimate.
_BRACKETS_WITHOUT_DEPTH_CHECK = 4096
_DEEP_LINE_START = re.compile(rf"^[ \-?]{{{2 * MAX_DEPTH},}}", re.MULTILINE)


def _may_nest_deeply(text: str) -> bool:
    """Whether the exact depth check is needed: many flow brackets, or deep indentation (or a
    long run of compact `- ` / `? ` entries)."""
    brackets = text.count("[") + text.count("{")
    return brackets > _BRACKETS_WITHOUT_DEPTH_CHECK or _DEEP_LINE_START.search(text) is not None


def _too_deep(data: bytes) -> bool:
    """The exact depth, from libyaml's event stream (which, unlike composing, does not recurse)."""
    depth = 0
    for event in yaml.parse(data, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return False


def load_descriptor(data: bytes, path: str) -> tuple[LoadedDocument | None, list[Diagnostic]]:
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

    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        if _may_nest_deeply(text) and _too_deep(data):
            return None, [
                Diagnostic(path, 1, 1, "E110", f"refused: nested more than {MAX_DEPTH} levels deep")
            ]
        # libyaml reads the UTF-8 bytes directly, faster than a decoded str.
        documents = list(yaml.compose_all(data, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(part for part in (error.context, error.problem) if part)
        return None, [Diagnostic(path, line, column, "E102", f"YAML syntax error: {problem}")]
    except yaml.YAMLError as error:
        return None, [Diagnostic(path, 1, 1, "E102", f"YAML syntax error: {error}")]

    documents = [document for document in documents if document is not None]
    if not documents:
        return None, [
            Diagnostic(path, 1, 1, "E103", "file is empty; a descriptor is a YAML mapping")
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
        try:
            expanded = _expanded_size(root)
        except RecursionError:
            return None, [
                Diagnostic(path, 1, 1, "E110", f"refused: nested more than {MAX_DEPTH} levels deep")
            ]
        if expanded is None or expanded > MAX_EXPANDED_NODES:
            why = (
                "an alias refers to itself"
                if expanded is None
                else f"aliases expand past {MAX_EXPANDED_NODES:,} nodes"
            )
            return None, [Diagnostic(path, 1, 1, "E107", f"refused: {why}")]

    builder = _Builder(path)
    try:
        value = builder.build(root)
    except RecursionError:
        # Nesting below the exact check's trigger but past Python's recursion limit.
        return None, [
            Diagnostic(path, 1, 1, "E110", f"refused: nested more than {MAX_DEPTH} levels deep")
        ]
    return LoadedDocument(path, value, root), builder.diagnostics
