"""A JSON parser that keeps where each value is in the text, and the layout a notebook file uses.

Saving a notebook keeps the file's own layout (see `layout.py`): unchanged values are
copied from the original text by their spans, and changed ones are written in the
style detected here (indent, separators, newline, key order, line lists, escapes).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The C string scanner json uses (not in the type stubs): (value, end) of the string at an index.
scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
# A string, a bracket or separator, or a bare scalar (number, true, false, null); whitespace between.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],:]|[^\s{}\[\],:"]+')
# A \uXXXX escape of a printable character (not a control character) that is not
# itself an escaped backslash: the mark of a writer that escapes non-ASCII text.
_ASCII_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u(?!00[01])[0-9a-fA-F]{4}")
# Mime types nbformat writes as lists of lines (see nbformat.v4.rwbase._split_mimebundle).
_SPLIT_MIMES = ("application/javascript", "image/svg+xml")


class SpanError(ValueError):
    """The text is not JSON this parser can follow."""


@dataclass(slots=True)
class Node:
    """One JSON value: its kind ('o'bject, 'a'rray, 's'tring, or 'x' for other scalars) and span."""

    kind: str
    start: int
    end: int
    # Objects: (key, key_start, key_end, value); arrays: values.
    members: list[tuple[str, int, int, Node]] | None = None
    items: list[Node] | None = None

    def member(self, key: str) -> Node | None:
        """The value of `key` in an object node (the last one, the one json.loads keeps)."""
        found = None
        for k, _, _, v in self.members or ():
            if k == key:
                found = v
        return found


def parse_spans(text: str) -> Node:
    """Parse JSON text into Nodes with spans; SpanError when it does not hold one JSON value.

    Meant for text json.loads accepts: one pass of a token regex (strings scanned in C),
    no recursion, little checking of the grammar beyond the nesting.
    """
    stack: list[Node] = []
    root: Node | None = None
    want_key = False
    key, kstart, kend = "", 0, 0

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            if root is not None:
                raise SpanError("extra data after the JSON value")
            root = node
        elif (members := stack[-1].members) is not None:
            members.append((key, kstart, kend, node))
        elif (items := stack[-1].items) is not None:
            items.append(node)

    for m in _TOKEN.finditer(text):
        c = text[m.start()]
        if c in "{[":
            node = Node("o", m.start(), -1, members=[]) if c == "{" else Node("a", m.start(), -1, items=[])
            attach(node)
            stack.append(node)
            want_key = c == "{"
        elif c in "}]":
            if not stack or stack[-1].kind != ("o" if c == "}" else "a"):
                raise SpanError(f"unbalanced {c!r} at {m.start()}")
            stack.pop().end = m.end()
        elif c == ",":
            want_key = bool(stack) and stack[-1].kind == "o"
        elif c == ":":
            continue
        elif c == '"' and want_key:
            key, kstart, kend = scanstring(text, m.start() + 1, True)[0], m.start(), m.end()
            want_key = False
        else:
            attach(Node("s" if c == '"' else "x", m.start(), m.end()))
    if root is None or stack:
        raise SpanError("not one complete JSON value")
    return root


# ---- layout ---------------------------------------------------------------------


def is_split_mime(mime: str) -> bool:
    """True for mime types nbformat writes as a list of lines."""
    return mime.startswith("text/") or mime in _SPLIT_MIMES


@dataclass
class Layout:
    """How a notebook file is written, as far as a writer needs to know to write alike."""

    indent: str | None = " "  # None: everything on one line
    newline: str = "\n"
    key_sep: str = ": "
    item_sep: str = ","  # before the newline (indented) or between items (one line)
    ensure_ascii: bool = False
    sorted_keys: bool = True
    # Multi-line strings (sources, stream text, text-like mime data) as lists of lines.
    source_lines: bool = True
    text_lines: bool = True
    data_lines: bool = True
    # Lines split at "\n" only (JavaScript writers) rather than by str.splitlines.
    newline_split: bool = False
    # Reference key orders for new dicts of a kind: "nb", "cell", "cell:<type>", "output", "output:<type>".
    orders: dict[str, list[str]] = field(default_factory=dict)


def detect_layout(text: str, root: Node, raw: dict[str, Any]) -> Layout:
    """The layout of a notebook's JSON text (`raw` is the same text loaded by json)."""
    lay = Layout()
    members = root.members or []
    if members:
        _, kstart, kend, value = members[0]
        lead = text[root.start + 1 : kstart]
        if "\n" in lead:
            lay.newline = "\r\n" if "\r\n" in lead else "\n"
            lay.indent = lead.rsplit("\n", 1)[1]
        else:
            lay.indent = None
        lay.key_sep = text[kend : value.start]
        if len(members) > 1:
            between = text[value.end : members[1][1]]
            lay.item_sep = between.split("\n", 1)[0].rstrip("\r") if lay.indent is not None else between
    elif "\n" not in text[root.start : root.end]:
        lay.indent = None
        lay.item_sep = ", "
    if not text.isascii():
        lay.ensure_ascii = False
    else:
        lay.ensure_ascii = _ASCII_ESCAPE.search(text) is not None
    lay.sorted_keys = _all_sorted(raw)
    _detect_lines(lay, raw)
    lay.orders = _orders(raw)
    return lay


def _all_sorted(value: Any) -> bool:
    """True when every object in `value` has its keys in sorted order."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            keys = list(v)
            if keys != sorted(keys):
                return False
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return True


def _cells(raw: dict[str, Any]) -> list[dict[str, Any]]:
    cells = raw.get("cells")
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def _outputs(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        o
        for c in _cells(raw)
        if isinstance(c.get("outputs"), list)
        for o in c["outputs"]
        if isinstance(o, dict)
    ]


def _detect_lines(lay: Layout, raw: dict[str, Any]) -> None:
    votes: dict[str, Counter[bool]] = {"source": Counter(), "text": Counter(), "data": Counter()}
    line_lists: list[list[Any]] = []

    def vote(kind: str, value: Any) -> None:
        if isinstance(value, list):
            votes[kind][True] += 1
            line_lists.append(value)
        elif isinstance(value, str) and "\n" in value.rstrip("\n"):
            votes[kind][False] += 1  # a one-line string says nothing: both styles write it alike

    for cell in _cells(raw):
        vote("source", cell.get("source"))
    for out in _outputs(raw):
        if out.get("output_type") == "stream":
            vote("text", out.get("text"))
        data = out.get("data")
        if isinstance(data, dict):
            for mime, value in data.items():
                if is_split_mime(str(mime)):
                    vote("data", value)
    for kind, counter in votes.items():
        if counter:
            setattr(lay, f"{kind}_lines", counter[True] >= counter[False])
    lay.newline_split = any(
        isinstance(line, str) and len(line.splitlines(True)) > 1
        for lines in line_lists
        for line in lines
    )


def _order_of(dicts: list[dict[str, Any]]) -> list[str]:
    """The commonest key order among `dicts`, followed by keys only others have."""
    if not dicts:
        return []
    common = Counter(tuple(d) for d in dicts).most_common(1)[0][0]
    order = list(common)
    for d in dicts:
        for k in d:
            if k not in order:
                order.append(k)
    return order


def _orders(raw: dict[str, Any]) -> dict[str, list[str]]:
    orders = {"nb": list(raw), "cell": _order_of(_cells(raw)), "output": _order_of(_outputs(raw))}
    for kind, type_key, dicts in (("output", "output_type", _outputs(raw)), ("cell", "cell_type", _cells(raw))):
        by_type: dict[str, list[dict[str, Any]]] = {}
        for d in dicts:
            by_type.setdefault(str(d.get(type_key)), []).append(d)
        for dtype, group in by_type.items():
            orders[f"{kind}:{dtype}"] = _order_of(group)
    return orders


def encode_string(s: str, ensure_ascii: bool) -> str:
    """A JSON string literal as Python's json writes it with that ensure_ascii."""
    return json.dumps(s, ensure_ascii=ensure_ascii)
