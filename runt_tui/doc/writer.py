"""Writing primitives of the notebook document: transactions, change stamps, daemon-written outputs."""

from __future__ import annotations

import bisect
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from automerge.core import ROOT, ObjType, ScalarType, Transaction

from runt_tui.doc.authors import AUTHORS_KEY, authors_obj, needs_signature, now, sign
from runt_tui.doc.reader import DocReader
from runt_tui.doc.schema import dumps


def _token() -> str:
    return os.urandom(6).hex()


class DocWriter(DocReader):
    """Transactions and the fields only the daemon writes (outputs, execution counts)."""

    # The name this writer signs its changes with in the `authors` map (authors.py);
    # None: it does not sign (forks, tests, the bare document).
    author: str | None = None

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One Automerge transaction: committed on success, rolled back on error."""
        _ = self._actor
        signature = self._signature_due()
        with self._doc.transaction() as tx:
            yield tx
            if signature is not None and self.author is not None:
                sign(tx, signature[0], self.__dict__["_actor_full"], self.author, signature[1])
                self.__dict__["_signed_at"] = signature[1]

    def ensure_authors(self) -> bool:
        """Create the root `authors` map in a document made before it existed (daemon only)."""
        if authors_obj(self._doc) is not None:
            return False
        with self._doc.transaction() as tx:
            tx.put_object(ROOT, AUTHORS_KEY, ObjType.Map)
        return True

    def _signature_due(self) -> tuple[bytes, float] | None:
        """(authors map, time) when this transaction should refresh our authors entry."""
        if self.author is None:
            return None
        t = now()
        if not needs_signature(self.__dict__.get("_signed_at"), t):
            return None
        authors = authors_obj(self._doc)
        if authors is None:
            return None
        self.__dict__.setdefault("_actor_full", self._doc.get_actor().hex())
        return authors, t

    def _stamp(self, tx: Transaction, cell_id: str) -> None:
        """Mark a cell as changed in the root `stamps` map, read by change detection."""
        stamps = self._root_obj("stamps")
        # Only the daemon creates the map (with the document): two replicas
        # creating it concurrently would lose one side's stamps.
        if stamps is None:
            return
        # One key per writer (`cell:actor`), so concurrent writers never hide
        # each other's stamp; keys of earlier writers we have seen are dropped.
        mine = f"{cell_id}:{self._actor}"
        for key in self._stamp_keys(stamps, cell_id):
            if key != mine:
                tx.delete(stamps, key)
        tx.put(stamps, mine, ScalarType.Str, _token())

    def _stamp_keys(self, stamps: bytes, cell_id: str) -> list[str]:
        keys = self._doc.keys(stamps)
        lo = bisect.bisect_left(keys, cell_id)
        out = []
        for key in keys[lo:]:
            if not key.startswith(cell_id):
                break
            if key == cell_id or key.startswith(cell_id + ":"):
                out.append(key)
        return out

    @property
    def _actor(self) -> str:
        # Read once, outside transactions (the bindings refuse it inside one).
        actor: str | None = self.__dict__.get("_actor_hex")
        if actor is None:
            actor = self.__dict__["_actor_hex"] = self._doc.get_actor().hex()[:12]
        return actor

    # ---- daemon-written fields -----------------------------------------

    def set_outputs(
        self,
        cell_id: str,
        outputs: list[dict[str, Any]],
        execution_count: int | bool | None = False,
    ) -> None:
        """Replace a cell's outputs (and its count unless `execution_count` is False)."""
        c = self._cell_obj(cell_id)
        with self.transaction() as tx:
            outs = tx.put_object(c, "outputs", ObjType.List)
            for i, o in enumerate(outputs):
                tx.insert(outs, i, ScalarType.Str, dumps(o))
            if execution_count is not False:
                self._put_count(tx, c, execution_count)
            tx.put(c, "orev", ScalarType.Str, _token())
            self._stamp(tx, cell_id)

    def replace_outputs_tail(
        self,
        cell_id: str,
        keep: int,
        entries: list[str],
        execution_count: int | bool | None = False,
    ) -> None:
        """Keep the first `keep` stored entries, replace the rest with `entries` (JSON strings)."""
        c = self._cell_obj(cell_id)
        outs = self._obj(c, "outputs")
        with self.transaction() as tx:
            if outs is None:
                outs = tx.put_object(c, "outputs", ObjType.List)
            n = self._doc.length(outs)
            keep = max(0, min(keep, n))
            for i in range(n - 1, keep - 1, -1):
                tx.delete(outs, i)
            for j, e in enumerate(entries):
                tx.insert(outs, keep + j, ScalarType.Str, e)
            if execution_count is not False:
                self._put_count(tx, c, execution_count)
            tx.put(c, "orev", ScalarType.Str, _token())
            self._stamp(tx, cell_id)

    def stored_outputs(self, cell_id: str) -> list[str]:
        """The raw stored output entries of a cell (JSON strings, stream chunks separate)."""
        return list(self.cell(cell_id).outputs_json)

    def append_output(self, cell_id: str, output: dict[str, Any]) -> None:
        """Append one output."""
        # A `keep` past the end keeps every stored entry: the new one goes last.
        self.replace_outputs_tail(cell_id, sys.maxsize, [dumps(output)])

    def clear_outputs(self, cell_id: str) -> None:
        """Remove every output of a cell."""
        self.set_outputs(cell_id, [])

    def set_execution_count(self, cell_id: str, count: int | None) -> None:
        """Set a cell's execution count."""
        c = self._cell_obj(cell_id)
        with self.transaction() as tx:
            self._put_count(tx, c, count)
            tx.put(c, "orev", ScalarType.Str, _token())
            self._stamp(tx, cell_id)

    @staticmethod
    def _put_count(tx: Transaction, c: bytes, count: int | bool | None) -> None:
        if isinstance(count, int) and not isinstance(count, bool):
            tx.put(c, "execution_count", ScalarType.Int, count)
        else:
            tx.put(c, "execution_count", ScalarType.Null, None)
