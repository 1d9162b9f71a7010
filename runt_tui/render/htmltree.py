"""A forgiving HTML tree builder on top of the stdlib html.parser."""

from __future__ import annotations

from html.parser import HTMLParser

from .common import words
from .sanitize import strip_controls

VOID = words("area base br col embed hr img input link meta param source track wbr")
# Tags whose start implicitly closes an open sibling, as browsers do; pandas and
# hand-written HTML both rely on this (e.g. <li> without </li>).
_AUTOCLOSE: dict[str, frozenset[str]] = {
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "tr": frozenset({"tr", "td", "th"}),
    "thead": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "tbody": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "tfoot": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "li": frozenset({"li"}),
    "p": frozenset({"p"}),
    "option": frozenset({"option"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
}
# Deeper nesting is flattened into the last open element, so that every later
# recursive walk stays far below Python's recursion limit.
MAX_DEPTH = 120


class Node:
    """An element: tag, attributes and children (nested Nodes or text strings)."""

    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []

    def iter(self, tag: str, *, stop: frozenset[str] = frozenset()) -> list[Node]:
        """Descendants with this tag, not descending into `stop` tags or matches."""
        found: list[Node] = []
        todo = list(reversed(self.children))
        while todo:
            child = todo.pop()
            if isinstance(child, str):
                continue
            if child.tag == tag:
                found.append(child)
            elif child.tag not in stop:
                todo.extend(reversed(child.children))
        return found

    def int_attr(self, name: str, default: int, lo: int, hi: int) -> int:
        """An integer attribute clamped to [lo, hi], or default if absent or bad."""
        try:
            value = int(self.attrs.get(name, "").strip())
        except ValueError:
            return default
        return max(lo, min(hi, value))


def _attrs(attrs: list[tuple[str, str | None]]) -> dict[str, str]:
    """Attribute values (href, alt, ...) without control characters."""
    return {k: strip_controls(v or "", one_line=True) for k, v in attrs}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack: list[Node] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = _AUTOCLOSE.get(tag)
        if closes:
            while len(self.stack) > 1 and self.stack[-1].tag in closes:
                self.stack.pop()
        node = Node(tag, _attrs(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, _attrs(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        # A stray end tag is ignored, as browsers do.

    def handle_data(self, data: str) -> None:
        # After entity decoding (&#27; is ESC): every string in the tree is clean.
        data = strip_controls(data)
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


def parse_html(source: str) -> Node:
    """Parse HTML into a Node tree; never raises on malformed markup."""
    builder = _Builder()
    try:
        builder.feed(source)
        builder.close()
    except Exception:
        # html.parser is lenient, but keep whatever was built before a failure.
        pass
    return builder.root
