"""Reading a notebook document: cells in order, one cell, change detection."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from automerge.core import ROOT, Document, ObjType

from runt_tui.doc.schema import CellView, DocDelta, DocError, unmap_key
from runt_tui.doc.uleb import read_uleb

Heads = list[bytes]

_ID = r'Id\(\d+, ActorID\("[0-9a-f]+"\), \d+\)'
_PATCH_CELL = re.compile(r'path: \[\(Root, Map\("cells"\)\), \(' + _ID + r', Map\("([A-Za-z0-9_-]+)"\)\)')
_PATCH_CELLS_KEY = re.compile(r'path: \[\(Root, Map\("cells"\)\)\], action: \w+ \{ key: "([A-Za-z0-9_-]+)"')


def stable_id(raw: bytes) -> bytes:
    """An element id that is the same in every replica.

    The bindings' ids hold the actor, then that actor's index in *this* document
    (which differs between replicas), then the counter; the index is dropped.
    """
    try:
        n, off = read_uleb(raw, 1)
        _, after = read_uleb(raw, off + n)
    except ValueError:
        return raw
    return raw[: off + n] + raw[after:]


class DocReader:
    """Read access to the notebook document (the base of NotebookDoc)."""

    """The canonical notebook document (daemon) or a replica of it (client)."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc
        # Reads at fixed heads never change; consecutive change detections
        # share one end (this call's `before` is the last call's `after`).
        self._at_heads: dict[tuple[str, tuple[bytes, ...]], Any] = {}

    @property
    def automerge(self) -> Document:
        """The underlying Automerge document (doc layer only)."""
        return self._doc

    # ---- low-level reads ------------------------------------------------

    def _scalar(self, obj: bytes, key: str | int, heads: Heads | None = None) -> Any:
        got = self._doc.get(obj, key, heads)
        if got is None:
            return None
        value = got[0]
        if isinstance(value, ObjType):
            return None
        return value[1]

    def _obj(self, obj: bytes, key: str | int, heads: Heads | None = None) -> bytes | None:
        got = self._doc.get(obj, key, heads)
        if got is None or not isinstance(got[0], ObjType):
            return None
        return got[1]

    def _root_obj(self, key: str) -> bytes | None:
        return self._obj(ROOT, key)

    def _cells_obj(self) -> bytes:
        obj = self._root_obj("cells")
        if obj is None:
            raise DocError("document has no cells map")
        return obj

    def _cell_obj(self, cell_id: str, heads: Heads | None = None) -> bytes:
        obj = self._obj(self._cells_obj(), cell_id, heads)
        if obj is None:
            raise DocError(f"no cell {cell_id!r}")
        return obj

    def _json_map(self, obj: bytes | None, heads: Heads | None = None) -> dict[str, Any]:
        if obj is None:
            return {}
        out: dict[str, Any] = {}
        for k in self._doc.keys(obj, heads):
            raw = self._scalar(obj, k, heads)
            try:
                out[unmap_key(k)] = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                out[unmap_key(k)] = raw
        return out

    # ---- reads ----------------------------------------------------------

    @property
    def epoch(self) -> str:
        """The id of this document's lineage; replicas of another epoch are never merged."""
        value = self._scalar(ROOT, "epoch")
        return value if isinstance(value, str) else ""

    def heads(self) -> Heads:
        """The current heads (change hashes)."""
        return self._doc.get_heads()

    def changes_since(self, heads: Heads) -> list[bytes]:
        """Encoded changes made after `heads`; appended to a saved document they load as one."""
        return [c.bytes for c in self._doc.get_changes(heads)]

    def has_heads(self, heads: Heads) -> bool:
        """True when every change named by `heads` is in this document."""
        mine = set(self._doc.get_heads())
        # Reading the epoch as of one change answers None when that change is
        # unknown: far cheaper than copying the document with fork(heads).
        return all(h in mine or self._doc.get(ROOT, "epoch", [h]) is not None for h in heads)

    def metadata(self, heads: Heads | None = None) -> dict[str, Any]:
        """The notebook metadata."""
        return self._json_map(self._obj(ROOT, "metadata", heads), heads)

    def extra(self) -> dict[str, Any]:
        """Unknown top-level notebook keys kept from the file."""
        return self._json_map(self._root_obj("extra"))

    def _order(self, heads: Heads | None = None) -> list[tuple[str, str]]:
        cells = self._obj(ROOT, "cells", heads)
        if cells is None:
            return []
        order = []
        for cid in self._doc.keys(cells, heads):
            cobj = self._obj(cells, cid, heads)
            pos = self._scalar(cobj, "position", heads) if cobj is not None else None
            order.append((pos if isinstance(pos, str) else "", cid))
        order.sort()
        return order

    def cell_ids(self, heads: Heads | None = None) -> list[str]:
        """Cell ids in notebook order (position, ties broken by id)."""
        return [cid for _, cid in self._order(heads)]

    def __len__(self) -> int:
        return self._doc.length(self._cells_obj())

    def __contains__(self, cell_id: object) -> bool:
        return isinstance(cell_id, str) and self._obj(self._cells_obj(), cell_id) is not None

    def _source_ref(self, c: bytes, heads: Heads | None = None) -> tuple[str, bytes | None]:
        """Where a cell's source lives: ("lines", list), ("text", Text) or ("plain", None)."""
        # Checked by type: a peer's document could hold anything under these keys.
        obj = self._obj(c, "lines", heads)
        if obj is not None and self._doc.object_type(obj) == ObjType.List:
            return "lines", obj
        for key in ("text", "source"):  # schema 1: `source` itself is the Text
            obj = self._obj(c, key, heads)
            if obj is not None and self._doc.object_type(obj) == ObjType.Text:
                return "text", obj
        return "plain", None

    def _text_obj(self, c: bytes, heads: Heads | None = None) -> bytes | None:
        """The Text object holding a cell's source, or None (a plain string or line chunks)."""
        kind, obj = self._source_ref(c, heads)
        return obj if kind == "text" else None

    def _source_of(self, c: bytes, heads: Heads | None = None) -> str:
        obj = self._source_ref(c, heads)[1]
        if obj is not None:
            # For a list of chunks this joins its strings too.
            return self._doc.text(obj, heads)
        value = self._scalar(c, "source", heads)
        return value if isinstance(value, str) else ""

    def source(self, cell_id: str, heads: Heads | None = None) -> str:
        """One cell's source, optionally as it was at `heads`."""
        return self._source_of(self._cell_obj(cell_id, heads), heads)

    def source_editable(self, cell_id: str) -> bool:
        """True when the cell's source is a Text or line chunks any replica may edit (see schema)."""
        return self._source_ref(self._cell_obj(cell_id))[0] != "plain"

    def source_kind(self, cell_id: str) -> str:
        """How the cell's source is stored: "text", "lines" or "plain" (see schema)."""
        return self._source_ref(self._cell_obj(cell_id))[0]

    def source_ref(self, cell_id: str) -> tuple[str, bytes | None]:
        """Which object holds the source: its kind and its id (the same in every replica)."""
        kind, obj = self._source_ref(self._cell_obj(cell_id))
        return kind, stable_id(obj) if obj is not None else None

    def source_ids(self, cell_id: str) -> list[bytes] | None:
        """Stable ids of the source's characters (one per code point) while it is a Text, else None."""
        kind, obj = self._source_ref(self._cell_obj(cell_id))
        if kind != "text" or obj is None:
            return None
        return [stable_id(raw) for _, raw in self._doc.values(obj)]

    def cell(self, cell_id: str, heads: Heads | None = None) -> CellView:
        """A snapshot of one cell."""
        c = self._cell_obj(cell_id, heads)
        outs = self._obj(c, "outputs", heads)
        outputs: tuple[str, ...] = ()
        if outs is not None:
            outputs = tuple(
                v[1]
                for v, _ in self._doc.values(outs, heads)
                if not isinstance(v, ObjType) and isinstance(v[1], str)
            )
        att = self._scalar(c, "attachments", heads)
        count = self._scalar(c, "execution_count", heads)
        return CellView(
            id=cell_id,
            cell_type=str(self._scalar(c, "cell_type", heads) or "code"),
            source=self._source_of(c, heads),
            position=str(self._scalar(c, "position", heads) or ""),
            metadata=self._json_map(self._obj(c, "metadata", heads), heads),
            execution_count=count
            if isinstance(count, int) and not isinstance(count, bool)
            else None,
            outputs_json=outputs,
            attachments=json.loads(att) if isinstance(att, str) else None,
            extra=self._json_map(self._obj(c, "extra", heads), heads),
            rev=str(self._scalar(c, "rev", heads) or ""),
            orev=str(self._scalar(c, "orev", heads) or ""),
        )

    def blob_digests(self) -> set[str]:
        """Every blob digest any stored output refers to (only outputs naming blobs are parsed)."""
        found: set[str] = set()
        for part in self.blob_digest_parts():
            found |= part
        return found

    def blob_digest_parts(self, cells_per_part: int = 1000) -> Iterator[set[str]]:
        """blob_digests in parts of `cells_per_part` cells: a caller on an event loop yields between them."""
        cells = self._obj(ROOT, "cells")
        if cells is None:
            return
        ids = self._doc.keys(cells)
        for start in range(0, len(ids), cells_per_part):
            found: set[str] = set()
            for cid in ids[start : start + cells_per_part]:
                c = self._obj(cells, cid)  # None for a cell deleted since the scan began
                outs = self._obj(c, "outputs") if c is not None else None
                if outs is not None:
                    found.update(self._blob_refs(outs))
            yield found

    def _blob_refs(self, outs: bytes) -> Iterator[str]:
        for value, _ in self._doc.values(outs):
            raw = value[1] if not isinstance(value, ObjType) else None
            if isinstance(raw, str) and '"runt_blobs"' in raw:
                try:
                    refs = json.loads(raw).get("runt_blobs") or {}
                except (ValueError, AttributeError):
                    continue
                yield from (str(r).split(":", 1)[0] for r in refs.values())

    def cells(self, heads: Heads | None = None) -> list[CellView]:
        """Snapshots of every cell, in order."""
        return [self.cell(cid, heads) for cid in self.cell_ids(heads)]

    def stamps(self, heads: Heads | None = None) -> dict[str, str] | None:
        """cell id -> token rewritten by every change to that cell (None in documents without it)."""
        obj = self._obj(ROOT, "stamps", heads)
        if obj is None:
            return None
        values = self._doc.values(obj, heads)
        return {k: str(v[0][1]) if not isinstance(v[0], ObjType) else "" for k, v in zip(self._doc.keys(obj, heads), values, strict=True)}

    def _has_stamps(self) -> bool:
        return self._obj(ROOT, "stamps") is not None

    def _cached(self, what: str, heads: Heads, read: Any) -> Any:
        key = (what, tuple(heads))
        if key in self._at_heads:
            return self._at_heads[key]
        value = read()
        if len(self._at_heads) >= 8:
            del self._at_heads[next(iter(self._at_heads))]
        self._at_heads[key] = value
        return value

    def _cell_keys(self, heads: Heads) -> set[str] | None:
        cells = self._obj(ROOT, "cells", heads)
        return None if cells is None else set(self._doc.keys(cells, heads))

    def _stamped(self, before: Heads, after: Heads) -> tuple[set[str], bool] | None:
        """Cells changed between two heads, from the stamps map (about a millisecond for 1,000 cells)."""
        s0 = self._cached("stamps", before, lambda: self.stamps(before))
        s1 = self._cached("stamps", after, lambda: self.stamps(after))
        k0 = self._cached("cell_keys", before, lambda: self._cell_keys(before))
        k1 = self._cached("cell_keys", after, lambda: self._cell_keys(after))
        if s0 is None or s1 is None or k0 is None or k1 is None:
            return None
        # A delete concurrent with an edit leaves the edit's stamp behind, so
        # added and removed cells come from the cells map itself.
        created_or_deleted = k0 ^ k1
        changed = {k.partition(":")[0] for k in s0.keys() | s1.keys() if s0.get(k) != s1.get(k)}
        return changed | created_or_deleted, True

    def _touched(self, before: Heads, after: Heads) -> tuple[set[str], bool] | None:
        """Cells and whether root metadata were touched, read off Automerge's patches.

        The bindings expose patches only through their repr, so this parses it;
        anything unexpected returns None and the caller scans every cell instead.
        """
        cells: set[str] = set()
        meta = False
        for patch in self._doc.diff(before, after):
            text = repr(patch)
            m = _PATCH_CELL.search(text)
            if m:
                cells.add(m.group(1))
                continue
            m = _PATCH_CELLS_KEY.search(text)
            if m:
                cells.add(m.group(1))
                continue
            if "path: [" not in text:
                return None
            meta = True
        return cells, meta

    def _fingerprints(self, heads: Heads | None, only: set[str] | None = None) -> dict[str, tuple[str, str, str, str]]:
        cells = self._obj(ROOT, "cells", heads)
        if cells is None:
            return {}
        out = {}
        ids = self._doc.keys(cells, heads) if only is None else only
        for cid in ids:
            c = self._obj(cells, cid, heads)
            if c is None:
                continue
            out[cid] = (
                str(self._scalar(c, "position", heads) or ""),
                str(self._scalar(c, "cell_type", heads) or ""),
                str(self._scalar(c, "rev", heads) or ""),
                str(self._scalar(c, "orev", heads) or ""),
            )
        return out

    def changes_between(self, before: Heads, after: Heads | None = None, full_scan: bool = False) -> DocDelta:
        """What changed from `before` to `after` (default: now), comparing per-cell tokens."""
        if after is None:
            after = self.heads()
        if set(before) == set(after):
            return DocDelta()
        touched = None if full_scan else self._stamped(before, after)
        if touched is None and not full_scan:
            touched = self._touched(before, after)
        if touched is None:
            old, new = self._fingerprints(before), self._fingerprints(after)
        else:
            if not touched[0]:
                meta = self._scalar(ROOT, "meta_rev", before) != self._scalar(ROOT, "meta_rev", after)
                return DocDelta(metadata=meta or (touched[1] and not self._has_stamps()))
            old, new = self._fingerprints(before, touched[0]), self._fingerprints(after, touched[0])
        added = frozenset(new.keys() - old.keys())
        removed = frozenset(old.keys() - new.keys())
        common = old.keys() & new.keys()
        moved_or_typed = any(old[c][:2] != new[c][:2] for c in common)
        content = {c for c in common if old[c][1:3] != new[c][1:3]}
        outputs = {c for c in common if old[c][3] != new[c][3]}
        if touched is not None:
            # A stamp changed but every token looks the same: concurrent writes
            # whose token lost the last-writer-wins race. Report both, to be safe.
            hidden = {c for c in common if old[c] == new[c]}
            content |= hidden
            outputs |= hidden
        meta_before = self._scalar(ROOT, "meta_rev", before)
        meta_after = self._scalar(ROOT, "meta_rev", after)
        return DocDelta(
            structure=bool(added or removed or moved_or_typed),
            metadata=meta_before != meta_after,
            added=added,
            removed=removed,
            content=frozenset(content),
            outputs=frozenset(outputs),
        )
