"""The limits a descriptor document must stay within before it is built into values.

A YAML file can be small and still expensive: aliases that expand exponentially, an alias that
refers to itself, nesting deep enough to overflow libyaml's recursive composer, or simply more
values than any descriptor holds. These checks refuse such documents with a code and a reason,
cheaply: the exact (event-stream) measurement runs only when quick byte counts say it might be
needed, and the alias expansion is counted over shared nodes, never expanded.
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

__all__ = ["MAX_DEPTH", "MAX_NODES", "SAFE_LOADER", "TOO_DEEP", "alias_problem", "size_problem"]

# The libyaml-backed loader is several times faster; the pure-Python one behaves the same.
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Nodes a document may hold, aliases expanded: far above any real descriptor (the largest
# public catalogue provider has a few thousand), and low enough that the composed tree stays
# within tens of MB whatever the file (a node costs about 300 bytes; "1," is two bytes of text).
MAX_NODES = 100_000

# Far deeper than any descriptor (about six levels), far shallower than what overflows the C
# stack of libyaml's recursive composer (tens of thousands of levels crash the interpreter).
MAX_DEPTH = 64
TOO_DEEP = f"refused: nested more than {MAX_DEPTH} levels deep"
# Flow brackets a file may hold before its depth is measured exactly: more than any real
# descriptor (a few per model), fewer than the composer needs to overflow. Counting rather
# than estimating depth, because quoted brackets could hide real nesting from an estimate.
_BRACKETS_WITHOUT_DEPTH_CHECK = 4096
_DEEP_LINE_START = re.compile(rb"^[ \-?]{%d,}" % (2 * MAX_DEPTH), re.MULTILINE)


def size_problem(data: bytes) -> tuple[str, str] | None:
    """(code, message) if the document nests too deeply or holds too many nodes; measured
    exactly only when cheap bounds cannot rule it out."""
    return _event_pass_problem(data) if _needs_event_pass(data) else None


def alias_problem(root: Node, text: str) -> tuple[str, str] | None:
    """(code, message) if the composed document's aliases refer to themselves or expand past
    :data:`MAX_NODES`; ``text`` is the document's text, which tells whether it has aliases."""
    if not _has_aliases(text):
        return None
    try:
        expanded = _expanded_size(root)
    except RecursionError:
        return "E110", TOO_DEEP
    if expanded is None:
        return "E107", "refused: an alias refers to itself"
    if expanded > MAX_NODES:
        return "E107", f"refused: aliases expand past {MAX_NODES:,} nodes"
    return None


def _needs_event_pass(data: bytes) -> bool:
    """Whether depth or node count must be measured exactly before composing.

    Cheap bounds first: every node but the first follows a separator (a comma, a line break,
    a "- ", "? " or ": ", an opening bracket), and each adds at most a key and a value; many
    flow brackets, or deep indentation (or a long run of compact "- " entries), may nest deeply.
    """
    separators = sum(data.count(mark) for mark in (b",", b"\n", b"-", b"?", b":", b"[", b"{"))
    if 2 * (separators + 1) > MAX_NODES:
        return True
    brackets = data.count(b"[") + data.count(b"{")
    return brackets > _BRACKETS_WITHOUT_DEPTH_CHECK or _DEEP_LINE_START.search(data) is not None


def _event_pass_problem(data: bytes) -> tuple[str, str] | None:
    """(code, message) if the document nests too deeply or holds too many nodes.

    Read from libyaml's event stream, which holds one event at a time and does not recurse
    (composing would build every node first, and overflows the C stack on deep nesting).
    """
    depth = nodes = 0
    for event in yaml.parse(data, Loader=SAFE_LOADER):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return "E110", TOO_DEEP
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            continue
        elif not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            continue
        nodes += 1
        if nodes > MAX_NODES:
            return "E111", f"refused: more than {MAX_NODES:,} values in one descriptor"
    return None


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
            total = min(total + child_size, MAX_NODES + 1)
        in_progress.discard(key)
        sizes[key] = total
        return total

    return size(root)


def _has_aliases(text: str) -> bool:
    return "*" in text and "&" in text
