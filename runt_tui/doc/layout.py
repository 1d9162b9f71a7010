"""Saving a notebook in the layout its file already has, and telling whether its content changed.

A file is the user's: what nobody changed is not rewritten, and what changed is
written the way the file was written (indent, key order, line lists or strings,
escapes, final newline), so a one-character edit is a one-line diff. Values equal
to what the file holds are copied from its text by span (`jsonspan`); changed ones
are written in the detected style. Whatever is written is validated in its own
nbformat version and read back to the same notebook, else nbformat's own layout is
used (as for files we cannot follow: not JSON we parse, nbformat 3 or older).
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from runt_tui.doc.ipynb import (
    CELL_ID_RE,
    NotebookFileError,
    _without_unknown_keys,
    parse_notebook,
    serialize_notebook,
    to_plain,
)
from runt_tui.doc.jsonspan import (
    Layout,
    Node,
    SpanError,
    detect_layout,
    is_split_mime,
    parse_spans,
    scanstring,
)

if TYPE_CHECKING:
    from nbformat import NotebookNode

MISSING: Final = object()
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


@dataclass
class Template:
    """A v4 file's text, parsed with spans, as nbformat's reader sees it (`canon`), and its layout."""

    prefix: str  # a byte-order mark, kept
    text: str
    root: Node
    canon: dict[str, Any]
    layout: Layout
    minor: int
    kept: list[bool]


@dataclass
class Baseline:
    """The notebook file as last read or written: its bytes, its content's digest, its layout."""

    data: bytes
    sha: str
    content: str
    kept: list[bool]  # per cell: the file's own id was kept on reading (else one was made up)
    template: Template | None


def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def kept_ids(raw: Any, n_cells: int) -> list[bool]:
    """Per cell of a file, whether reading it kept the file's id (see ipynb._repair)."""
    if not isinstance(raw, dict) or raw.get("nbformat") != 4 or not isinstance(raw.get("cells"), list):
        return [False] * n_cells
    seen: set[str] = set()
    out: list[bool] = []
    for cell in raw["cells"]:
        cid = cell.get("id") if isinstance(cell, dict) else None
        ok = isinstance(cid, str) and CELL_ID_RE.match(cid) is not None and cid not in seen
        if ok:
            seen.add(str(cid))
        out.append(ok)
    return out


def content_digest(plain: dict[str, Any], kept: list[bool]) -> str:
    """A digest of a v4.5 notebook's content; ids made up on reading (not `kept`) do not count."""
    norm = {k: v for k, v in plain.items() if k != "cells"}
    norm["cells"] = [
        c if (i < len(kept) and kept[i]) or not isinstance(c, dict) else {k: v for k, v in c.items() if k != "id"}
        for i, c in enumerate(plain.get("cells") or [])
    ]
    text = json.dumps(norm, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return sha256(text.encode("utf-8", "surrogatepass"))


def same_content(nb: Any, base: Baseline) -> bool:
    """True when the notebook `nb` holds what the file of `base` holds (so nothing needs writing)."""
    return content_digest(to_plain(nb), base.kept) == base.content


def canonical(raw: Any) -> Any:
    """A v4 notebook's raw JSON as nbformat's reader makes it: line lists joined, transient keys gone."""
    if not isinstance(raw, dict):
        return raw
    meta = raw.get("metadata")
    if isinstance(meta, dict):
        for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
            meta.pop(key, None)
    for cell in raw.get("cells") or []:
        if not isinstance(cell, dict):
            continue
        if _all_str(cell.get("source")):
            cell["source"] = "".join(cell["source"])
        if isinstance(cell.get("metadata"), dict):
            cell["metadata"].pop("trusted", None)
        attachments = cell.get("attachments")
        if isinstance(attachments, dict):
            for bundle in attachments.values():
                _rejoin_bundle(bundle)
        if cell.get("cell_type") != "code" or not isinstance(cell.get("outputs"), list):
            continue
        for out in cell["outputs"]:
            if not isinstance(out, dict):
                continue
            if out.get("output_type") in ("execute_result", "display_data"):
                _rejoin_bundle(out.get("data"))
            elif out.get("output_type") and _all_str(out.get("text")):
                out["text"] = "".join(out["text"])
    return raw


def _all_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _rejoin_bundle(bundle: Any) -> None:
    if not isinstance(bundle, dict):
        return
    for mime, value in list(bundle.items()):
        json_mime = mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))
        if not json_mime and _all_str(value):
            bundle[mime] = "".join(value)


def _template(text: str, raw: Any, kept: list[bool], canon: Any = None) -> Template | None:
    """The template of a file's text, or None when it is not a v4 notebook we can follow.

    `raw` is the text as json.loads reads it, `canon` (made when not given) as nbformat does.
    """
    if not isinstance(raw, dict) or raw.get("nbformat") != 4 or not isinstance(raw.get("nbformat_minor"), int):
        return None
    prefix = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(prefix) :]
    try:
        root = parse_spans(body)
    except SpanError:
        return None
    if root.kind != "o":
        return None
    if canon is None:
        canon = canonical(json.loads(body))
    return Template(prefix, body, root, canon, detect_layout(body, root, raw), raw["nbformat_minor"], kept)


def load_baseline(
    data: bytes, name: str | os.PathLike[str], validate: bool = True
) -> tuple[Baseline, NotebookNode]:
    """Read a notebook file's bytes as a baseline (and the notebook); NotebookFileError if it is none."""
    nb = parse_notebook(data, name, validate)
    text = data.decode("utf-8")
    raw: Any = None
    with contextlib.suppress(ValueError):
        raw = json.loads(text[1:] if text.startswith("\ufeff") else text)
    kept = kept_ids(raw, len(nb.cells))
    digest = content_digest(to_plain(nb), kept)
    return Baseline(data, sha256(data), digest, kept, _template(text, raw, kept)), nb


# ---- matching cells ------------------------------------------------------------------


def align_cells(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """Pairs (i, j) of cells of `a` and `b` (type, source) that continue each other, in order.

    Equal runs pair up, and so do cells in the same place of a changed run (an edit).
    The common head and tail pair first, in place: cells with equal content (two
    empty cells) then cannot pair across an edit.
    """
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    pairs = [(i, i) for i in range(head)]
    matcher = difflib.SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):
            pairs.extend(zip(range(head + i1, head + i2), range(head + j1, head + j2), strict=False))
    pairs.extend((len(a) - tail + k, len(b) - tail + k) for k in range(tail))
    return pairs


def _key(cell: Any) -> tuple[str, str]:
    if not isinstance(cell, dict):
        return ("", json.dumps(cell))
    source = cell.get("source")
    return (str(cell.get("cell_type")), source if isinstance(source, str) else json.dumps(source))


def adopt_ids(cells: list[Any], kept: list[bool], base: list[tuple[str, str, str]]) -> None:
    """Give cells read without ids of their own the ids of the `base` cells (id, type, source) they continue.

    A file without cell ids (nbformat < 4.5) gets new ids at every read; merging it
    by those would replace every cell. Aligning by content keeps concurrent typing.
    """
    taken = {str(c.get("id")) for c, k in zip(cells, kept, strict=False) if k and isinstance(c, dict)}
    free = [b for b in base if b[0] not in taken]
    loose = [i for i in range(len(cells)) if (i >= len(kept) or not kept[i]) and isinstance(cells[i], dict)]
    pairs = align_cells([_key(cells[i]) for i in loose], [(t, s) for _, t, s in free])
    used = set(taken) | {str(cells[i].get("id")) for i in loose}
    for li, bj in pairs:
        cid = free[bj][0]
        if cid not in used or cid == cells[loose[li]].get("id"):
            used.add(cid)
            cells[loose[li]]["id"] = cid


def _pair_cells(cells: list[Any], tpl: Template) -> list[int | None]:
    """For each cell to write, the index of the file's cell it continues (by id, else by content)."""
    old = tpl.canon.get("cells") or []
    by_id: dict[str, int] = {}
    for j, cell in enumerate(old):
        if j < len(tpl.kept) and tpl.kept[j]:
            by_id[str(cell["id"])] = j
    pairs: list[int | None] = [None] * len(cells)
    used: set[int] = set()
    for i, cell in enumerate(cells):
        found = by_id.get(str(cell.get("id")))
        if found is not None and found not in used:
            pairs[i] = found
            used.add(found)
    li = [i for i in range(len(cells)) if pairs[i] is None]
    lj = [j for j in range(len(old)) if j not in used]
    for a, b in align_cells([_key(cells[i]) for i in li], [_key(old[j]) for j in lj]):
        pairs[li[a]] = lj[b]
    return pairs


# ---- writing -----------------------------------------------------------------------------


def serialize_like(
    nb: NotebookNode, base: Baseline | None, name: str | os.PathLike[str] = "<notebook>"
) -> tuple[str, Baseline]:
    """Validate and serialize `nb` in the layout of `base`'s file; also the baseline of the result.

    What is written is validated in its own nbformat version (4.0-4.4 files keep theirs).
    """
    if nb.get("nbformat") != 4 or nb.get("nbformat_minor", 0) < 5:
        raise NotebookFileError(name, "refusing to write: not an nbformat 4.5+ notebook")
    try:
        json.dumps(nb, allow_nan=False)
    except ValueError:
        raise NotebookFileError(name, "refusing to write: the notebook contains NaN or Infinity, which JSON does not allow") from None
    plain = to_plain(nb)
    tpl = base.template if base is not None else None
    if tpl is not None:
        own_ids = any(tpl.kept) or any("id" in c for c in tpl.canon.get("cells") or [] if isinstance(c, dict))
        for upgrade in (True,) if tpl.minor >= 5 or own_ids else (False, True):
            text = _emit_notebook(plain, tpl, upgrade)
            checked = _check(text, plain) if text is not None else None
            if checked is not None:
                return text, checked  # type: ignore[return-value]
    text = serialize_notebook(nb, name)  # validates, and says what is wrong
    return text, load_baseline(text.encode("utf-8"), name, validate=False)[0]


def _emit_notebook(plain: dict[str, Any], tpl: Template, upgrade: bool) -> str | None:
    cells = [dict(c) for c in plain.get("cells") or []]
    pairs = _pair_cells(cells, tpl)
    out = dict(plain)
    if not upgrade:
        for c in cells:
            c.pop("id", None)
        out["nbformat_minor"] = tpl.minor
    out["cells"] = cells
    try:
        body = _Emitter(tpl, pairs).emit(out, tpl.root, tpl.canon, "nb", 0)
    except (ValueError, TypeError, RecursionError):
        return None
    text = tpl.text
    return tpl.prefix + text[: tpl.root.start] + (body if body is not None else text[tpl.root.start : tpl.root.end]) + text[tpl.root.end :]


def _check(text: str, plain: dict[str, Any]) -> Baseline | None:
    """The baseline of `text` if it is valid in its own version and reads back as `plain`, else None.

    Reading back is done as nbformat reads (lines joined, transient keys dropped), which
    for a valid notebook is what parse_notebook gives, without its cost.
    """
    import nbformat

    body = text[1:] if text.startswith("\ufeff") else text
    try:
        raw = json.loads(body, parse_constant=_reject)
        if not isinstance(raw, dict):
            return None
        nbformat.validate(_without_unknown_keys(raw))
    except (ValueError, nbformat.ValidationError):
        return None
    canon = canonical(json.loads(body))
    cells = canon.get("cells") or []
    kept = kept_ids(raw, len(cells))
    read = {**canon, "nbformat_minor": max(5, int(canon.get("nbformat_minor") or 0))}
    digest = content_digest(plain, kept)
    if content_digest(read, kept) != digest:
        return None
    data = text.encode("utf-8")
    return Baseline(data, sha256(data), digest, kept, _template(text, raw, kept, canon))


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _child_ctx(ctx: str, key: str) -> str:
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


class _Emitter:
    """Writes a value over a template: None for a value the file already holds as is, else its text."""

    def __init__(self, tpl: Template, cell_pairs: list[int | None]) -> None:
        self.text = tpl.text
        self.lay = tpl.layout
        self.cell_pairs = cell_pairs

    def span(self, node: Node) -> str:
        return self.text[node.start : node.end]

    def enc(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=self.lay.ensure_ascii, allow_nan=False)

    def emit(self, value: Any, node: Node | None, canon: Any, ctx: str, depth: int) -> str | None:
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
