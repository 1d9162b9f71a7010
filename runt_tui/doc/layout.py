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
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from runt_tui.doc.emit import Emitter, same_json
from runt_tui.doc.ipynb import (
    CELL_ID_RE,
    NotebookFileError,
    _without_unknown_keys,
    parse_notebook_ids,
    serialize_notebook,
    to_plain,
)
from runt_tui.doc.jsonspan import Layout, Node, SpanError, detect_layout, parse_spans

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["Baseline", "adopt_ids", "align_cells", "content_digest", "load_baseline", "same_content",
           "same_json", "serialize_like"]


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
    # The file's text parsed with spans costs more than reading the notebook (10,000 cells:
    # seconds), and only a save that writes needs it: made on first use.
    _template_of: tuple[str, list[bool]] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def template(self) -> Template | None:
        """The file's template (see Template), or None when it is not a v4 notebook we can follow."""
        if self._template_of is None:
            return None
        text, kept = self._template_of
        raw: Any = None
        with contextlib.suppress(ValueError):
            raw = json.loads(text[1:] if text.startswith("\ufeff") else text)
        return _template(text, raw, kept)


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
    # NaN is let through here (a digest only); writing one is refused by serialize_like.
    text = json.dumps(norm, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
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
    nb, ids = parse_notebook_ids(data, name, validate)
    kept = kept_ids({"nbformat": 4, "cells": [{"id": i} for i in ids]} if ids is not None else None, len(nb.cells))
    digest = content_digest(nb, kept)  # a NotebookNode digests as the dict it is
    return Baseline(data, sha256(data), digest, kept, (data.decode("utf-8"), kept)), nb


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
            if text is not None and checked is not None:
                return text, checked
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
        body = Emitter(tpl.text, tpl.layout, pairs).emit(out, tpl.root, tpl.canon, "nb", 0)
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
    return Baseline(data, sha256(data), digest, kept, (text, kept))


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
