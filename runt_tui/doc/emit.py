"""Writing JSON values over a file's text: what the file holds is copied, the rest written alike.

`Emitter.emit` walks a new value together with the file's parsed text (`jsonspan.Node`)
and the file's value as nbformat reads it (`canon`): a value equal to the file's is
None (its original text is copied), a changed one is written in the file's layout,
spaced as the container it replaces was.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from runt_tui.doc.jsonspan import Layout, Node, is_split_mime, scanstring

MISSING: Final = object()
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


def _child_ctx(ctx: str, key: str) -> str:
    """What a member of a dict of kind `ctx` is (the kinds that matter: cells, sources, outputs, mime data)."""
    if ctx == "nb":
        return "cells" if key == "cells" else "any"
    if ctx == "cell":
        return {"source": "source", "outputs": "outputs", "attachments": "attachments"}.get(key, "any")
    if ctx == "output":
        return {"text": "text", "data": "bundle"}.get(key, "any")
    if ctx == "attachments":
        return "bundle"
    if ctx == "bundle":
        return "mime:" + key
    return "any"


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values, telling true from 1 and 1 from 1.0 (unlike ==)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class Emitter:
    """Writes a value over a file's text: None for a value the file already holds as is, else its text."""

    def __init__(self, text: str, layout: Layout, cell_pairs: list[int | None]) -> None:
        self.text = text
        self.lay = layout
        # For each cell written, the index of the file's cell it continues (None: a new one).
        self.cell_pairs = cell_pairs

    def span(self, node: Node) -> str:
        """The original text of a value."""
        return self.text[node.start : node.end]

    def enc(self, value: Any) -> str:
        """A scalar (or a key) written fresh, escaped as the file escapes."""
        return json.dumps(value, ensure_ascii=self.lay.ensure_ascii, allow_nan=False)

    def emit(self, value: Any, node: Node | None, canon: Any, ctx: str, depth: int) -> str | None:
        """`value` over the file's `node` (its value read as `canon`): None when unchanged, else its text."""
        if isinstance(value, dict):
            return self._dict(value, node if node is not None and node.kind == "o" else None, canon, ctx, depth)
        if isinstance(value, list):
            return self._list(value, node if node is not None and node.kind == "a" else None, canon, ctx, depth)
        if isinstance(value, str) and (ctx in ("source", "text") or ctx.startswith("mime:")):
            return self._lines(value, node, canon, ctx, depth)
        if node is not None and canon is not MISSING and same_json(value, canon):
            return None
        return self.enc(value)

    def _dict(self, value: dict[str, Any], node: Node | None, canon: Any, ctx: str, depth: int) -> str | None:
        cdict = canon if isinstance(canon, dict) else None
        unchanged = node is not None and cdict is not None and value.keys() == cdict.keys()
        parts: dict[str, str] = {}
        for key, v in value.items():
            child = node.member(key) if node is not None else None
            sub = self.emit(v, child, cdict.get(key, MISSING) if cdict is not None else MISSING, _child_ctx(ctx, key), depth + 1)
            if sub is None and child is not None:
                parts[key] = self.span(child)
            else:
                parts[key] = sub if sub is not None else self.enc(v)
                unchanged = False
        if unchanged:
            return None
        keys = {m[0]: self.text[m[1] : m[3].start] for m in node.members or ()} if node is not None else {}
        sep = self.lay.key_sep
        order = self._order(list(value), node, ctx, value)
        return self._container("{", "}", [(keys.get(k) or self.enc(k) + sep) + parts[k] for k in order], depth, node)

    def _list(self, value: list[Any], node: Node | None, canon: Any, ctx: str, depth: int) -> str | None:
        items = node.items if node is not None else None
        clist = canon if isinstance(canon, list) else None
        if ctx == "cells":
            pairing = self.cell_pairs
        else:
            pairing = [i if items is not None and i < len(items) else None for i in range(len(value))]
        unchanged = (
            items is not None and clist is not None and len(value) == len(clist) == len(items)
            and pairing == list(range(len(value)))
        )
        item_ctx = {"cells": "cell", "outputs": "output"}.get(ctx, "any")
        parts = []
        for v, j in zip(value, pairing, strict=True):
            child = items[j] if items is not None and j is not None and j < len(items) else None
            cc = clist[j] if clist is not None and j is not None and j < len(clist) else MISSING
            sub = self.emit(v, child, cc, item_ctx, depth + 1)
            if sub is None and child is not None:
                parts.append(self.span(child))
            else:
                parts.append(sub if sub is not None else self.enc(v))
                unchanged = False
        return None if unchanged else self._container("[", "]", parts, depth, node)

    def _lines(self, value: str, node: Node | None, canon: Any, ctx: str, depth: int) -> str | None:
        if node is not None and isinstance(canon, str) and canon == value:
            return None
        if node is not None and node.kind in ("a", "s"):
            as_list = node.kind == "a"
        elif ctx == "source":
            as_list = self.lay.source_lines
        elif ctx == "text":
            as_list = self.lay.text_lines
        else:
            as_list = is_split_mime(ctx[5:]) and self.lay.data_lines
        if not as_list:
            return self.enc(value)
        old: dict[str, str] = {}
        for item in (node.items or []) if node is not None else []:
            if item.kind == "s":
                old.setdefault(scanstring(self.text, item.start + 1, True)[0], self.span(item))
        lines = _LINE.findall(value) if self.lay.newline_split else value.splitlines(True)
        frame = node if node is not None and node.kind == "a" else None
        return self._container("[", "]", [old.get(line) or self.enc(line) for line in lines], depth, frame)

    def _container(self, opening: str, closing: str, parts: list[str], depth: int, node: Node | None) -> str:
        """The parts between brackets, spaced as the original container was (else as the layout says)."""
        if not parts:
            return opening + closing
        lay = self.lay
        if lay.indent is None:
            lead, sep, tail = "", lay.item_sep, ""
        else:
            lead = sep = lay.newline + lay.indent * (depth + 1)
            sep = lay.item_sep + sep
            tail = lay.newline + lay.indent * depth
        seps: list[str] = []
        frame = _frame(self.text, node) if node is not None else None
        if frame is not None:
            lead, seps, tail = frame
            sep = seps[0] if seps else sep
        if len(seps) != len(parts) - 1:
            seps = [sep] * (len(parts) - 1)
        out = [opening, lead, parts[0]]
        for s, part in zip(seps, parts[1:], strict=True):
            out += [s, part]
        out += [tail, closing]
        return "".join(out)

    def _order(self, keys: list[str], node: Node | None, ctx: str, value: dict[str, Any]) -> list[str]:
        """Keys in the file's order: sorted if it sorts, else as this dict had them, new keys placed as its kind has them."""
        if self.lay.sorted_keys:
            return sorted(keys)
        wanted = set(keys)
        orders = self.lay.orders
        if ctx in ("output", "cell"):
            ref = orders.get(f"{ctx}:{value.get(ctx + '_type')}") or orders.get(ctx, [])
        else:
            ref = orders.get(ctx, []) if ctx == "nb" else []
        out: list[str] = []
        for k, _, _, _ in (node.members or []) if node is not None else []:
            if k in wanted and k not in out:
                out.append(k)
        if not out:
            out = [k for k in ref if k in wanted]
        for k in keys:
            if k in out:
                continue
            if k not in ref:
                out.append(k)
                continue
            before = [p for p in ref[: ref.index(k)] if p in out]
            out.insert(out.index(before[-1]) + 1 if before else 0, k)
        return out


def _frame(text: str, node: Node) -> tuple[str, list[str], str] | None:
    """A non-empty container's spacing: before its first child, between children, after the last."""
    if node.members:
        starts = [m[1] for m in node.members]
        ends = [m[3].end for m in node.members]
    elif node.items:
        starts = [n.start for n in node.items]
        ends = [n.end for n in node.items]
    else:
        return None
    seps = [text[e:s] for e, s in zip(ends, starts[1:], strict=False)]
    return text[node.start + 1 : starts[0]], seps, text[ends[-1] : node.end - 1]
