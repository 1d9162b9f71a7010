"""Conversion between nbformat notebooks and NotebookDoc, both ways, losslessly."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from automerge.core import ROOT, Document, ObjType, ScalarType

if TYPE_CHECKING:
    from nbformat import NotebookNode

from runt_tui.doc.authors import AUTHORS_KEY
from runt_tui.doc.blobs import (
    DEFAULT_THRESHOLD,
    BlobSink,
    BlobSource,
    externalize_output,
    inline_output,
)
from runt_tui.doc.fracindex import n_keys_between
from runt_tui.doc.notebook import NotebookDoc
from runt_tui.doc.schema import SCHEMA_VERSION, CellView, dumps, map_key

_NB_KEYS = {"cells", "metadata", "nbformat", "nbformat_minor"}
_CELL_KEYS = {"id", "cell_type", "source", "metadata", "attachments", "execution_count", "outputs"}


def _join(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def doc_from_notebook(
    nb: NotebookNode | dict[str, Any],
    blobs: BlobSink | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    epoch: str | None = None,
) -> NotebookDoc:
    """Build a new document (new epoch) from a v4 notebook; only the daemon does this.

    Values are serialized as they are (a NotebookNode is a dict): a plain copy first
    would serialize the same text at twice the cost (10,000 cells: ~1 s).
    """
    doc = Document()
    cells = list(nb.get("cells", []))
    positions = n_keys_between(None, None, len(cells))
    with doc.transaction() as tx:
        tx.put(ROOT, "schema_version", ScalarType.Int, SCHEMA_VERSION)
        tx.put(ROOT, "epoch", ScalarType.Str, epoch or uuid.uuid4().hex)
        tx.put(ROOT, "nbformat", ScalarType.Int, int(nb.get("nbformat", 4)))
        tx.put(ROOT, "nbformat_minor", ScalarType.Int, int(nb.get("nbformat_minor", 5)))
        meta = tx.put_object(ROOT, "metadata", ObjType.Map)
        for k, v in (nb.get("metadata") or {}).items():
            tx.put(meta, map_key(k), ScalarType.Str, dumps(v))
        extra = tx.put_object(ROOT, "extra", ObjType.Map)
        for k, v in nb.items():
            if k not in _NB_KEYS:
                tx.put(extra, map_key(k), ScalarType.Str, dumps(v))
        cells_obj = tx.put_object(ROOT, "cells", ObjType.Map)
        stamps = tx.put_object(ROOT, "stamps", ObjType.Map)
        tx.put_object(ROOT, AUTHORS_KEY, ObjType.Map)
        for cell, pos in zip(cells, positions, strict=True):
            cid = str(cell["id"])
            c = tx.put_object(cells_obj, cid, ObjType.Map)
            tx.put(c, "id", ScalarType.Str, cid)
            tx.put(c, "cell_type", ScalarType.Str, str(cell.get("cell_type", "code")))
            tx.put(c, "position", ScalarType.Str, pos)
            known = cell.get("cell_type") in ("code", "markdown", "raw")
            # A plain string: Text is made when someone first edits the cell (see schema).
            # Cells of types we do not know also keep their source verbatim in `extra`.
            tx.put(c, "source", ScalarType.Str, _join(cell.get("source", "")))
            cmeta = tx.put_object(c, "metadata", ObjType.Map)
            for k, v in (cell.get("metadata") or {}).items():
                tx.put(cmeta, map_key(k), ScalarType.Str, dumps(v))
            if "attachments" in cell:
                tx.put(c, "attachments", ScalarType.Str, dumps(cell["attachments"]))
            # Most cells have no keys of their own: no empty map for them (10,000 fewer objects to build and save).
            extras = [(k, v) for k, v in cell.items() if k not in _CELL_KEYS or (k == "source" and not known)]
            if extras:
                cextra = tx.put_object(c, "extra", ObjType.Map)
                for k, v in extras:
                    tx.put(cextra, map_key(k), ScalarType.Str, dumps(v))
            count = cell.get("execution_count")
            if isinstance(count, int) and not isinstance(count, bool):
                tx.put(c, "execution_count", ScalarType.Int, count)
            else:
                tx.put(c, "execution_count", ScalarType.Null, None)
            outs = tx.put_object(c, "outputs", ObjType.List)
            for i, o in enumerate(cell.get("outputs") or []):
                stored = externalize_output(o, blobs, threshold)
                tx.insert(outs, i, ScalarType.Str, dumps(stored))
            tx.put(c, "rev", ScalarType.Str, "0")
            tx.put(stamps, cid, ScalarType.Str, "0")
            tx.put(c, "orev", ScalarType.Str, "0")
    return NotebookDoc(doc)


def cell_to_dict(cell: CellView, blobs: BlobSource | None = None) -> dict[str, Any]:
    """One cell as an nbformat v4.5 cell dict (outputs inlined)."""
    out: dict[str, Any] = dict(cell.extra)
    out["id"] = cell.id
    out["cell_type"] = cell.cell_type
    out["metadata"] = cell.metadata
    if cell.cell_type in ("code", "markdown", "raw"):
        out["source"] = cell.source
    if cell.attachments is not None and cell.cell_type in ("markdown", "raw"):
        out["attachments"] = cell.attachments
    if cell.cell_type == "code":
        out["execution_count"] = cell.execution_count
        out["outputs"] = [inline_output(o, blobs) for o in cell.outputs]
    return out


def doc_to_notebook(doc: NotebookDoc, blobs: BlobSource | None = None) -> NotebookNode:
    """The document as an nbformat v4.5 NotebookNode, every blob inlined."""
    raw: dict[str, Any] = dict(doc.extra())
    raw["nbformat"] = int(doc._scalar(ROOT, "nbformat") or 4)
    raw["nbformat_minor"] = max(5, int(doc._scalar(ROOT, "nbformat_minor") or 5))
    raw["metadata"] = doc.metadata()
    raw["cells"] = [cell_to_dict(c, blobs) for c in doc.cells()]
    import nbformat

    node: NotebookNode = nbformat.from_dict(raw)
    return node
