"""NotebookDoc: the notebook as an Automerge document, with one transaction per operation."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from automerge.core import ROOT, Document, ObjType, ScalarType, Transaction

from runt_tui.doc.authors import AUTHORS_KEY
from runt_tui.doc.editing import SourceEditor
from runt_tui.doc.fracindex import n_keys_between
from runt_tui.doc.ipynb import CELL_ID_RE, new_cell_id
from runt_tui.doc.reader import Heads
from runt_tui.doc.schema import (
    CELL_TYPES,
    SCHEMA_VERSION,
    DocError,
    dumps,
    map_key,
)
from runt_tui.doc.writer import _token


def put_json_map(
    tx: Transaction, obj: bytes, new: Mapping[str, Any], old: Mapping[str, Any]
) -> bool:
    """Make a map of JSON strings equal `new`, touching only keys that differ."""
    changed = False
    for k in old:
        if k not in new:
            tx.delete(obj, map_key(k))
            changed = True
    for k, v in new.items():
        if k not in old or old[k] != v:
            tx.put(obj, map_key(k), ScalarType.Str, dumps(v))
            changed = True
    return changed


class NotebookDoc(SourceEditor):
    """The canonical notebook document (daemon) or a replica of it (client)."""

    # ---- creation -------------------------------------------------------

    @classmethod
    def new(
        cls, metadata: Mapping[str, Any] | None = None, epoch: str | None = None
    ) -> NotebookDoc:
        """Create an empty notebook document with a fresh epoch (daemon only)."""
        doc = Document()
        with doc.transaction() as tx:
            tx.put(ROOT, "schema_version", ScalarType.Int, SCHEMA_VERSION)
            tx.put(ROOT, "epoch", ScalarType.Str, epoch or uuid.uuid4().hex)
            tx.put(ROOT, "nbformat", ScalarType.Int, 4)
            tx.put(ROOT, "nbformat_minor", ScalarType.Int, 5)
            meta = tx.put_object(ROOT, "metadata", ObjType.Map)
            for k, v in (metadata or {}).items():
                tx.put(meta, map_key(k), ScalarType.Str, dumps(v))
            tx.put_object(ROOT, "extra", ObjType.Map)
            tx.put_object(ROOT, "cells", ObjType.Map)
            tx.put_object(ROOT, "stamps", ObjType.Map)
            tx.put_object(ROOT, AUTHORS_KEY, ObjType.Map)
        return cls(doc)

    @classmethod
    def load(cls, data: bytes) -> NotebookDoc:
        """Load a document from `save()` bytes; DocError when they are not one of ours."""
        try:
            doc = Document.load(data)
        except Exception as e:  # the bindings raise bare Exception
            raise DocError(f"corrupt document bytes: {e}") from None
        nd = cls(doc)
        if nd._root_obj("cells") is None or not nd.epoch:
            raise DocError("the bytes are an Automerge document but not a runt-tui notebook")
        return nd

    def save(self) -> bytes:
        """Return the compact whole-document bytes (used to bootstrap replicas and persist)."""
        return self._doc.save()

    def fork(self) -> NotebookDoc:
        """Return an independent copy with a new actor id."""
        return self._forked(self._doc.fork())

    def _forked(self, doc: Document) -> NotebookDoc:
        fork = NotebookDoc(doc)
        fork.prepares = self.prepares
        return fork

    def merge(self, other: NotebookDoc) -> None:
        """Merge another replica of the same epoch into this one."""
        if other.epoch != self.epoch:
            raise DocError("refusing to merge documents of different epochs")
        self._doc.merge(other._doc)

    # ---- writes ---------------------------------------------------------

    def _new_positions(
        self, index: int, count: int, skip: str | None = None
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """Positions for `count` cells at `index`, plus cells re-keyed to undo position ties."""
        order = [(p, c) for p, c in self._order() if c != skip]
        index = max(0, min(index, len(order)))
        lo = order[index - 1][0] if index > 0 else None
        j = index
        # Cells tied with (or misordered before) the left neighbour must move after the new ones.
        while lo is not None and j < len(order) and order[j][0] <= lo:
            j += 1
        hi = order[j][0] if j < len(order) else None
        keys = n_keys_between(lo or None, hi, count + (j - index))
        rekeyed = [(order[index + i][1], keys[count + i]) for i in range(j - index)]
        return keys[:count], rekeyed

    def insert_cell(
        self,
        index: int,
        cell_type: str = "code",
        source: str = "",
        cell_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        """Insert a new cell at `index` (clamped); return its id."""
        if cell_type not in CELL_TYPES:
            raise DocError(f"unknown cell type {cell_type!r}")
        if cell_id is None:
            cell_id = new_cell_id()
            while cell_id in self:
                cell_id = new_cell_id()
        elif not CELL_ID_RE.match(cell_id) or cell_id in self:
            raise DocError(f"invalid or duplicate cell id {cell_id!r}")
        (pos,), rekeyed = self._new_positions(index, 1)
        with self.transaction() as tx:
            self._write_cell(tx, cell_id, cell_type, pos, source, metadata or {}, text=True)
            self._rekey(tx, rekeyed)
        return cell_id

    def _write_cell(
        self,
        tx: Transaction,
        cell_id: str,
        cell_type: str,
        pos: str,
        source: str,
        metadata: Mapping[str, Any],
        text: bool,
    ) -> bytes:
        c = tx.put_object(self._cells_obj(), cell_id, ObjType.Map)
        tx.put(c, "id", ScalarType.Str, cell_id)
        tx.put(c, "cell_type", ScalarType.Str, cell_type)
        tx.put(c, "position", ScalarType.Str, pos)
        self._stamp(tx, cell_id)
        # A new cell is a new object: nobody else can be creating its Text concurrently.
        if text:
            self._write_new_source(tx, c, source)
        else:
            tx.put(c, "source", ScalarType.Str, source)
        meta = tx.put_object(c, "metadata", ObjType.Map)
        for k, v in metadata.items():
            tx.put(meta, map_key(k), ScalarType.Str, dumps(v))
        tx.put_object(c, "extra", ObjType.Map)
        tx.put(c, "execution_count", ScalarType.Null, None)
        tx.put_object(c, "outputs", ObjType.List)
        tx.put(c, "rev", ScalarType.Str, _token())
        tx.put(c, "orev", ScalarType.Str, _token())
        return c

    def _rekey(self, tx: Transaction, rekeyed: list[tuple[str, str]]) -> None:
        cells = self._cells_obj()
        for cid, pos in rekeyed:
            c = self._obj(cells, cid)
            if c is not None:
                tx.put(c, "position", ScalarType.Str, pos)
                self._stamp(tx, cid)

    def insert_cell_at(self, position: str, cell_type: str, cell_id: str) -> None:
        """Insert an empty cell with an explicit position (merges only)."""
        if cell_type not in CELL_TYPES:
            cell_type = "raw"
        with self.transaction() as tx:
            self._write_cell(tx, cell_id, cell_type, position, "", {}, text=False)

    def set_position(self, cell_id: str, position: str) -> None:
        """Set a cell's position key directly (merges only)."""
        c = self._cell_obj(cell_id)
        with self.transaction() as tx:
            tx.put(c, "position", ScalarType.Str, position)
            self._stamp(tx, cell_id)

    def set_attachments(self, cell_id: str, attachments: dict[str, Any] | None) -> None:
        """Set or remove a markdown/raw cell's attachments."""
        c = self._cell_obj(cell_id)
        with self.transaction() as tx:
            if attachments is None:
                if self._doc.get(c, "attachments") is not None:
                    tx.delete(c, "attachments")
            else:
                tx.put(c, "attachments", ScalarType.Str, dumps(attachments))
            tx.put(c, "rev", ScalarType.Str, _token())
            self._stamp(tx, cell_id)

    def fork_at(self, heads: Heads) -> NotebookDoc:
        """An independent copy as the document was at `heads` (for three-way merges)."""
        return self._forked(self._doc.fork(heads))

    def delete_cell(self, cell_id: str) -> None:
        """Delete a cell."""
        self._cell_obj(cell_id)
        with self.transaction() as tx:
            tx.delete(self._cells_obj(), cell_id)
            stamps = self._root_obj("stamps")
            if stamps is not None:
                for key in self._stamp_keys(stamps, cell_id):
                    tx.delete(stamps, key)

    def move_cell(self, cell_id: str, index: int) -> None:
        """Move a cell to `index` in the order without it; rewrites `position` only."""
        c = self._cell_obj(cell_id)
        (pos,), rekeyed = self._new_positions(index, 1, skip=cell_id)
        with self.transaction() as tx:
            tx.put(c, "position", ScalarType.Str, pos)
            self._stamp(tx, cell_id)
            self._rekey(tx, rekeyed)

    def set_cell_type(self, cell_id: str, cell_type: str) -> None:
        """Change a cell's type; leaving code drops its outputs and count, as Jupyter does."""
        if cell_type not in CELL_TYPES:
            raise DocError(f"unknown cell type {cell_type!r}")
        c = self._cell_obj(cell_id)
        if self._scalar(c, "cell_type") == cell_type:
            return
        with self.transaction() as tx:
            tx.put(c, "cell_type", ScalarType.Str, cell_type)
            tx.put(c, "rev", ScalarType.Str, _token())
            self._stamp(tx, cell_id)
            if cell_type != "code":
                tx.put_object(c, "outputs", ObjType.List)
                tx.put(c, "execution_count", ScalarType.Null, None)
                tx.put(c, "orev", ScalarType.Str, _token())
                self._stamp(tx, cell_id)

    def set_cell_metadata(self, cell_id: str, metadata: Mapping[str, Any]) -> None:
        """Make a cell's metadata equal `metadata`, key by key."""
        c = self._cell_obj(cell_id)
        meta = self._obj(c, "metadata")
        old = self._json_map(meta)
        with self.transaction() as tx:
            if meta is None:
                meta = tx.put_object(c, "metadata", ObjType.Map)
            if put_json_map(tx, meta, metadata, old):
                tx.put(c, "rev", ScalarType.Str, _token())
                self._stamp(tx, cell_id)

    def set_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Make the notebook metadata equal `metadata`, key by key."""
        meta = self._root_obj("metadata")
        old = self._json_map(meta)
        with self.transaction() as tx:
            if meta is None:
                meta = tx.put_object(ROOT, "metadata", ObjType.Map)
            if put_json_map(tx, meta, metadata, old):
                tx.put(ROOT, "meta_rev", ScalarType.Str, _token())

    # ---- nbformat conversion -------------------------------------------

    @classmethod
    def from_notebook(
        cls, nb: Mapping[str, Any], blobs: Any = None, threshold: int | None = None
    ) -> NotebookDoc:
        """Build a new document (new epoch) from a v4 notebook; see convert.doc_from_notebook."""
        from runt_tui.doc.blobs import DEFAULT_THRESHOLD
        from runt_tui.doc.convert import doc_from_notebook

        return doc_from_notebook(dict(nb), blobs, threshold or DEFAULT_THRESHOLD)

    def to_notebook(self, blobs: Any = None) -> Any:
        """The document as an nbformat NotebookNode; see convert.doc_to_notebook."""
        from runt_tui.doc.convert import doc_to_notebook

        return doc_to_notebook(self, blobs)
