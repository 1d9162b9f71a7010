"""Writing cell sources: preparing them for editing, replacing them, splicing editor edits.

Which representation a source takes (plain string, Text or line chunks) and
when it switches is explained in schema.py; the writes into each are in
source.py. Every write costs work proportional to what changed, plus one
linear diff when only the new text is given.
"""

from __future__ import annotations

from automerge.core import ObjType, ScalarType, Transaction

from runt_tui.doc.schema import BULK_INSERT, TEXT_LIMIT, DocError, NotPreparedError
from runt_tui.doc.source import (
    EditIds,
    apply_chunk_edits,
    apply_text_edits,
    fill_chunks,
    insert_text,
    splice_text_steps,
)
from runt_tui.doc.textdiff import Edit, apply_edits, text_edits
from runt_tui.doc.writer import DocWriter, _token


class SourceEditor(DocWriter):
    """The source-writing half of NotebookDoc."""

    # Whether this replica may turn a plain-string source into Text: only the
    # daemon's documents (and their forks) may; clients ask the daemon.
    prepares = True

    def prepare_sources(self, cell_ids: list[str]) -> bool:
        """Make plain-string sources editable (Text, or line chunks when long; daemon only)."""
        if not self.prepares:
            raise DocError("only the daemon prepares sources")
        todo = []
        for cid in cell_ids:
            c = self._obj(self._cells_obj(), cid)
            if c is not None and self._source_ref(c)[0] == "plain":
                todo.append((c, self._source_of(c)))
        if not todo:
            return False
        # The text does not change, so neither do the cells' tokens: nothing to redraw.
        with self.transaction() as tx:
            for c, current in todo:
                if len(current) > TEXT_LIMIT:
                    fill_chunks(tx, tx.put_object(c, "lines", ObjType.List), current)
                else:
                    insert_text(tx, tx.put_object(c, "text", ObjType.Text), current)
        return True

    def set_source(self, cell_id: str, text: str) -> bool:
        """Make a cell's source equal `text` by minimal edits; return whether anything changed.

        On a cell not yet prepared the daemon writes a new plain string (nobody can
        be typing there); a client replica writes line chunks when `text` is over
        the Text limit and otherwise raises NotPreparedError.
        """
        c = self._cell_obj(cell_id)
        old = self._source_of(c)
        if old == text:
            return False
        kind = self._source_ref(c)[0]
        edits = text_edits(old, text) if kind != "plain" else [Edit(0, len(old), text)]
        self._check_writable(cell_id, kind, old, edits)
        with self.transaction() as tx:
            self._write_source(tx, c, old, edits)
            tx.put(c, "rev", ScalarType.Str, _token())
            self._stamp(tx, cell_id)
        return True

    def splice_source(self, cell_id: str, edits: list[Edit]) -> None:
        """Apply precise editor edits (old coordinates, ascending) to a cell's source."""
        c = self._cell_obj(cell_id)
        old = self._source_of(c)
        last = 0
        for e in edits:
            if e.pos < last or e.delete < 0 or e.pos + e.delete > len(old):
                raise DocError("edits out of range or out of order")
            last = e.pos + e.delete
        kind = self._prepared_kind(cell_id, c)
        self._check_writable(cell_id, kind, old, edits)
        with self.transaction() as tx:
            self._write_source(tx, c, old, edits)
            tx.put(c, "rev", ScalarType.Str, _token())
            self._stamp(tx, cell_id)

    def splice_steps(self, cell_id: str, steps: list[Edit]) -> list[EditIds]:
        """Apply edits one after the other (each in the coordinates the previous left), as an
        editor made them; return each one's neighbour and inserted character ids while the
        source is a Text (an empty list otherwise: line chunks have no per-character ids)."""
        c = self._cell_obj(cell_id)
        old = self._source_of(c)
        new = old
        for e in steps:
            if e.pos < 0 or e.delete < 0 or e.pos + e.delete > len(new):
                raise DocError("edits out of range")
            new = new[: e.pos] + e.insert + new[e.pos + e.delete :]
        kind = self._prepared_kind(cell_id, c)
        edits = text_edits(old, new)
        self._check_writable(cell_id, kind, old, edits)
        ids: list[EditIds] = []
        with self.transaction() as tx:
            kind, obj = self._source_ref(c)
            if kind == "text" and not self._switches(kind, old, edits):
                assert obj is not None
                ids = splice_text_steps(tx, obj, steps)
            else:
                self._write_source(tx, c, old, edits)
            tx.put(c, "rev", ScalarType.Str, _token())
            self._stamp(tx, cell_id)
        return ids

    def creates_chunks(self, cell_id: str, text: str) -> bool:
        """Whether set_source(cell_id, text) would store the source as new line chunks: a
        write that needs no prepare from the daemon, whatever replica makes it."""
        c = self._cell_obj(cell_id)
        kind = self._source_ref(c)[0]
        if kind == "lines":
            return False
        old = self._source_of(c)
        return self._switches(kind, old, text_edits(old, text) if kind != "plain" else [Edit(0, len(old), text)])

    # ---- helpers ------------------------------------------------------------

    def _prepared_kind(self, cell_id: str, c: bytes) -> str:
        """The source's representation, preparing it first on the daemon's replicas."""
        kind = self._source_ref(c)[0]
        if kind == "plain" and self.prepares:
            self.prepare_sources([cell_id])
            kind = self._source_ref(c)[0]
        return kind

    def _switches(self, kind: str, old: str, edits: list[Edit]) -> bool:
        """Whether this write turns the source into line chunks (see schema)."""
        inserted = sum(len(e.insert) for e in edits)
        if len(old) + inserted - sum(e.delete for e in edits) <= TEXT_LIMIT:
            return False
        if kind == "text":
            return inserted > BULK_INSERT
        return kind == "plain" and not self.prepares

    def _check_writable(self, cell_id: str, kind: str, old: str, edits: list[Edit]) -> None:
        if kind == "plain" and not self.prepares and not self._switches(kind, old, edits):
            raise NotPreparedError(f"cell {cell_id!r} is not prepared for editing")

    def _write_source(self, tx: Transaction, c: bytes, old: str, edits: list[Edit]) -> None:
        """Write edits (ascending, old coordinates) into whatever holds the cell's source."""
        kind, obj = self._source_ref(c)
        if self._switches(kind, old, edits):
            fill_chunks(tx, tx.put_object(c, "lines", ObjType.List), apply_edits(old, edits))
        elif kind == "lines":
            assert obj is not None
            # As the joined text shows them: anything but a string reads as U+FFFC.
            chunks = [v[1] if isinstance(v, tuple) and isinstance(v[1], str) else "\ufffc" for v, _ in self._doc.values(obj)]
            apply_chunk_edits(tx, obj, chunks, edits)
        elif kind == "text":
            assert obj is not None
            apply_text_edits(tx, obj, edits)
        else:
            tx.put(c, "source", ScalarType.Str, apply_edits(old, edits))

    def _write_new_source(self, tx: Transaction, c: bytes, source: str) -> None:
        """Give a new cell (an object nobody else can be writing yet) an editable source."""
        tx.put(c, "source", ScalarType.Str, "")
        if len(source) > TEXT_LIMIT:
            fill_chunks(tx, tx.put_object(c, "lines", ObjType.List), source)
        else:
            insert_text(tx, tx.put_object(c, "text", ObjType.Text), source)
