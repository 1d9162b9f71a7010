"""Merging a notebook changed on disk into the live document, against the last-saved baseline.

The document is forked at the heads it had when the file was last saved (or
loaded); the disk version is written into that fork as ordinary edits (text by
minimal diff, cells by id); the fork is then merged back. Automerge does the
three-way work, so typing that happened since the save survives, in the same
cell or elsewhere, with no interleaved garbage.

A cell whose source was a plain string at the baseline and has changed live
since (prepared as Text and typed in) gets the disk text as a new plain string
in the fork, which the live Text hides; its three-way merge is then done on
the text alone (`merge_text`) and written into the live document.
"""

from __future__ import annotations

import bisect
from typing import Any

from automerge.core import ROOT, Document, ObjType

from runt_tui.doc.blobs import DEFAULT_THRESHOLD, BlobSink, externalize_output, inline_output
from runt_tui.doc.fracindex import FracIndexError, n_keys_between
from runt_tui.doc.ipynb import to_plain
from runt_tui.doc.notebook import NotebookDoc, apply_text_edits, insert_text
from runt_tui.doc.reader import Heads
from runt_tui.doc.textdiff import fine_edits


def merge_text(base: str, ours: str, theirs: str) -> str:
    """Three-way merge of one text, by Automerge: both sides' minimal edits from `base`."""
    if ours in (base, theirs):
        return theirs
    if theirs == base:
        return ours
    doc = Document()
    with doc.transaction() as tx:
        obj = tx.put_object(ROOT, "t", ObjType.Text)
        insert_text(tx, obj, base)
    other = doc.fork()
    for d, text in ((doc, ours), (other, theirs)):
        with d.transaction() as tx:
            apply_text_edits(tx, obj, fine_edits(base, text))
    doc.merge(other)
    return str(doc.text(obj))


def _lis(seq: list[int]) -> set[int]:
    """Indices (into seq) of one longest increasing subsequence."""
    tails: list[int] = []
    tails_idx: list[int] = []
    prev = [-1] * len(seq)
    for i, v in enumerate(seq):
        j = bisect.bisect_left(tails, v)
        if j == len(tails):
            tails.append(v)
            tails_idx.append(i)
        else:
            tails[j] = v
            tails_idx[j] = i
        prev[i] = tails_idx[j - 1] if j > 0 else -1
    out: set[int] = set()
    k = tails_idx[-1] if tails_idx else -1
    while k >= 0:
        out.add(k)
        k = prev[k]
    return out


def merge_external(
    doc: NotebookDoc,
    base_heads: Heads | None,
    disk_nb: Any,
    blobs: BlobSink | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Heads:
    """Merge `disk_nb` (a v4.5 notebook) into `doc`; return the heads that equal the disk version."""
    fork = doc.fork_at(base_heads if base_heads and doc.has_heads(base_heads) else doc.heads())
    disk_cells = list(disk_nb.get("cells", []))
    disk_ids = [str(c["id"]) for c in disk_cells]
    disk_set = set(disk_ids)
    for cid in fork.cell_ids():
        if cid not in disk_set:
            fork.delete_cell(cid)
    fork.set_metadata(to_plain(disk_nb.get("metadata") or {}))

    current = {cid: i for i, cid in enumerate(fork.cell_ids())}
    common = [cid for cid in disk_ids if cid in current]
    keep_idx = _lis([current[cid] for cid in common])
    keep = {common[i] for i in keep_idx}
    positions = {c.id: c.position for c in fork.cells()}
    _place(fork, disk_cells, keep, positions)

    hidden: list[tuple[str, str, str, str]] = []
    for cell in disk_cells:
        cid = str(cell["id"])
        view = fork.cell(cid)
        if view.cell_type != cell.get("cell_type"):
            fork.set_cell_type(cid, str(cell.get("cell_type")))
        text = _join(cell.get("source", ""))
        if text != view.source and not fork.source_editable(cid) and cid in doc:
            ours = doc.source(cid)
            # A live Text (even unchanged) hides the plain string the fork writes.
            if ours != view.source or doc.source_editable(cid):
                hidden.append((cid, view.source, ours, text))
        fork.set_source(cid, text)
        meta = to_plain(cell.get("metadata") or {})
        if meta != view.metadata:
            fork.set_cell_metadata(cid, meta)
        if cell.get("attachments") != view.attachments:
            fork.set_attachments(cid, to_plain(cell.get("attachments")))
        if cell.get("cell_type") == "code":
            disk_outputs = to_plain(cell.get("outputs") or [])
            try:
                mine = [inline_output(o, blobs) for o in view.outputs]
            except KeyError:
                mine = []
            count = cell.get("execution_count")
            if mine != disk_outputs or view.execution_count != count:
                stored = [externalize_output(o, blobs, threshold) for o in disk_outputs]
                fork.set_outputs(cid, stored, count if isinstance(count, int) else None)
    heads = fork.heads()
    doc.merge(fork)
    for cid, base, ours, theirs in hidden:
        if cid in doc:
            doc.set_source(cid, merge_text(base, ours, theirs))
    return heads


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _place(fork: NotebookDoc, disk_cells: list[Any], keep: set[str], positions: dict[str, str]) -> None:
    """Insert new cells and move out-of-order ones between the cells that stay put."""
    disk_ids = [str(c["id"]) for c in disk_cells]
    by_id = {str(c["id"]): c for c in disk_cells}
    try:
        pending: list[str] = []
        prev: str | None = None
        plan: list[tuple[str, str]] = []
        for cid in [*disk_ids, None]:
            if cid is not None and cid not in keep:
                pending.append(cid)
                continue
            hi = positions[cid] if cid is not None else None
            if pending:
                keys = n_keys_between(prev, hi, len(pending))
                plan.extend(zip(pending, keys, strict=True))
                pending = []
            prev = hi
    except FracIndexError:
        # Tied positions leave no room: lay every cell out afresh in disk order.
        plan = list(zip(disk_ids, n_keys_between(None, None, len(disk_ids)), strict=True))
    for cid, pos in plan:
        if cid in positions:
            fork.set_position(cid, pos)
        else:
            cell = by_id[cid]
            fork.insert_cell_at(pos, str(cell.get("cell_type", "code")), cid)
