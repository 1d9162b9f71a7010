"""Merging a notebook changed on disk into the live document, against the last-saved baseline.

The document is forked at the heads it had when the file was last saved (or
loaded); the disk version is written into that fork as ordinary edits (text by
minimal diff, cells by id); the fork is then merged back. Automerge does the
three-way work, so typing that happened since the save survives, in the same
cell or elsewhere, with no interleaved garbage.

A cell whose source was a plain string at the baseline and has changed live
since (prepared as Text and typed in) gets the disk text as a new plain string
in the fork, which the live Text hides; its three-way merge is then done on
the text alone (`merge_text`) and written into the live document. The same
holds when the fork switches a Text to line chunks (a large disk change) while
the live Text was typed in, or when the two sides hold different objects.

A merge runs in three parts so that the daemon can do the long one off its
event loop: begin_merge (fork and read the live side), write_disk (only the
fork), finish_merge (merge back, fix up hidden cells); merge_external chains them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from automerge.core import ROOT, Document, ObjType

from runt_tui.doc.blobs import DEFAULT_THRESHOLD, BlobSink, externalize_output, inline_output
from runt_tui.doc.fracindex import FracIndexError, n_keys_between
from runt_tui.doc.ipynb import to_plain
from runt_tui.doc.notebook import NotebookDoc
from runt_tui.doc.reader import Heads
from runt_tui.doc.schema import TEXT_LIMIT
from runt_tui.doc.seqdiff import lis
from runt_tui.doc.source import (
    apply_chunk_edits,
    apply_text_edits,
    chunk_text,
    fill_chunks,
    insert_text,
)
from runt_tui.doc.textdiff import fine_edits


def merge_text(base: str, ours: str, theirs: str) -> str:
    """Three-way merge of one text, by Automerge: both sides' minimal edits from `base`.

    Texts over the Text limit are merged as line chunks (as such cells are stored):
    the same line changed on both sides keeps one side's version of it.
    """
    if ours in (base, theirs):
        return theirs
    if theirs == base:
        return ours
    big = max(len(base), len(ours), len(theirs)) > TEXT_LIMIT
    doc = Document()
    with doc.transaction() as tx:
        if big:
            obj = tx.put_object(ROOT, "t", ObjType.List)
            fill_chunks(tx, obj, base)
        else:
            obj = tx.put_object(ROOT, "t", ObjType.Text)
            insert_text(tx, obj, base)
    other = doc.fork()
    chunks = chunk_text(base)
    for d, text in ((doc, ours), (other, theirs)):
        with d.transaction() as tx:
            if big:
                apply_chunk_edits(tx, obj, chunks, fine_edits(base, text))
            else:
                apply_text_edits(tx, obj, fine_edits(base, text))
    doc.merge(other)
    return str(doc.text(obj))


# A cell's source on the live side when a merge starts: where it is stored, and what it says.
LiveSource = tuple[tuple[str, bytes | None], str]


@dataclass
class DiskMerge:
    """A disk version written into a fork of the document, ready to be merged back."""

    fork: NotebookDoc
    heads: Heads
    # Cells whose disk text Automerge would hide, or that would hide live typing:
    # cell id -> (live source when the merge began, three-way merged text).
    hidden: dict[str, tuple[str, str]] = field(default_factory=dict)


def begin_merge(
    doc: NotebookDoc, base_heads: Heads | None, disk_nb: Any
) -> tuple[NotebookDoc, dict[str, LiveSource]]:
    """The fork the disk version is written into, and the live sources it is merged with.

    Reads the live document, so it runs where the document is used (the daemon's
    event loop); write_disk then touches nothing but the fork.
    """
    fork = doc.fork_at(base_heads if base_heads and doc.has_heads(base_heads) else doc.heads())
    live = {}
    for cell in disk_nb.get("cells", []):
        cid = str(cell["id"])
        if cid in doc:
            live[cid] = (doc.source_ref(cid), doc.source(cid))
    return fork, live


def merge_external(
    doc: NotebookDoc,
    base_heads: Heads | None,
    disk_nb: Any,
    blobs: BlobSink | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Heads:
    """Merge `disk_nb` (a v4.5 notebook) into `doc`; return the heads that equal the disk version."""
    fork, live = begin_merge(doc, base_heads, disk_nb)
    return finish_merge(doc, write_disk(fork, live, disk_nb, blobs, threshold))


def write_disk(
    fork: NotebookDoc,
    live: dict[str, LiveSource],
    disk_nb: Any,
    blobs: BlobSink | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> DiskMerge:
    """Write the disk version into the fork: the long part of a merge, safe off the event loop."""
    disk_cells = list(disk_nb.get("cells", []))
    disk_ids = [str(c["id"]) for c in disk_cells]
    disk_set = set(disk_ids)
    for cid in fork.cell_ids():
        if cid not in disk_set:
            fork.delete_cell(cid)
    fork.set_metadata(to_plain(disk_nb.get("metadata") or {}))

    current = {cid: i for i, cid in enumerate(fork.cell_ids())}
    common = [cid for cid in disk_ids if cid in current]
    keep = {common[i] for i in lis([current[cid] for cid in common])}
    positions = {c.id: c.position for c in fork.cells()}
    _place(fork, disk_cells, keep, positions)

    result = DiskMerge(fork, [])
    for cell in disk_cells:
        cid = str(cell["id"])
        view = fork.cell(cid)
        if view.cell_type != cell.get("cell_type"):
            fork.set_cell_type(cid, str(cell.get("cell_type")))
        text = _join(cell.get("source", ""))
        if text != view.source:
            fork.set_source(cid, text)
            if cid in live:
                ref, ours = live[cid]
                written = fork.source_ref(cid)
                # Another object than the live one (a plain string under a live Text, a
                # Text turned into chunks while typed in), or two plain strings: Automerge
                # would keep one side, so the text is merged here.
                if written != ref or (written[0] == "plain" and ours != view.source):
                    result.hidden[cid] = (ours, merge_text(view.source, ours, text))
        _write_cell_fields(fork, cid, cell, view, blobs, threshold)
    result.heads = fork.heads()
    return result


def finish_merge(doc: NotebookDoc, merge: DiskMerge) -> Heads:
    """Merge the fork back (where the document is used); return the disk version's heads."""
    doc.merge(merge.fork)
    for cid, (ours, merged) in merge.hidden.items():
        if cid not in doc:
            continue
        now = doc.source(cid)
        if now not in (ours, merged, merge.fork.source(cid)):
            # Typing went on in that cell while the disk version was being written.
            merged = merge_text(ours, now, merged)
        doc.set_source(cid, merged)
    return merge.heads


def _write_cell_fields(
    fork: NotebookDoc, cid: str, cell: Any, view: Any, blobs: BlobSink | None, threshold: int
) -> None:
    """A cell's metadata, attachments, outputs and count, as on disk."""
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
