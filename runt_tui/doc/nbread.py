"""nbformat v4's reader, done in place on the tree `json.loads` builds, for the shapes it can follow.

nbformat's `to_notebook_json` copies the whole tree into NotebookNodes (`from_dict`,
~300k calls at 10,000 cells: ~0.4 s) before it re-joins line lists and drops
transient keys. Here `json.loads` makes NotebookNodes as it parses (`object_hook`),
and the same re-joins and drops are done in place. A tree with a shape that
reader would stumble on (a line list holding a number, outputs that are not a
list of objects...) is left to nbformat, so every refusal and its message stay
nbformat's own. tests/test_doc_fast_read.py compares both on the whole corpus.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

_EXECUTE_OR_DISPLAY = ("execute_result", "display_data")
# In text decoded from UTF-8 a lone surrogate can only come from a \uD800-\uDFFF escape.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def notebook_node_hook() -> Any:
    """The `object_hook` that makes json.loads build NotebookNodes (nbformat's dict type)."""
    from nbformat.notebooknode import NotebookNode

    return NotebookNode


def may_hold_surrogates(text: str) -> bool:
    """False when JSON text decoded from UTF-8 certainly holds no lone surrogate (no escape of one)."""
    return _SURROGATE_ESCAPE.search(text) is not None


def _output_ok(out: Any) -> bool:
    if not isinstance(out, dict):
        return False
    kind = out.get("output_type", "")
    return type(kind) is str and (kind not in _EXECUTE_OR_DISPLAY or isinstance(out.get("data", {}), dict))


def _cell_ok(cell: Any) -> bool:
    """True when the objects nbformat's v4 reader walks through in this cell are objects and lists."""
    if not isinstance(cell, dict) or not isinstance(cell.get("metadata"), dict):
        return False
    attachments = cell.get("attachments", {})
    if not isinstance(attachments, dict) or not all(isinstance(b, dict) for b in attachments.values()):
        return False
    if cell.get("cell_type") != "code":
        return True
    outputs = cell.get("outputs", [])
    return type(outputs) is list and all(_output_ok(o) for o in outputs)


Joins = list[tuple[dict[str, Any], str, str]]


def _bundle_joins(bundle: dict[str, Any], joins: Joins) -> None:
    """Line lists of a mimebundle that nbformat joins: lists of strings only, and not JSON types."""
    for mime, value in bundle.items():
        json_mime = mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))
        if not json_mime and type(value) is list:
            with contextlib.suppress(TypeError):  # not all strings: kept as it is, as nbformat does
                joins.append((bundle, mime, "".join(value)))


def _cell_joins(cell: dict[str, Any], joins: Joins) -> None:
    """The joins nbformat makes in one cell; TypeError where it would fail (a line that is no string)."""
    source = cell.get("source")
    if type(source) is list:
        joins.append((cell, "source", "".join(source)))
    for bundle in cell.get("attachments", {}).values():
        _bundle_joins(bundle, joins)
    if cell.get("cell_type") != "code":
        return
    for out in cell.get("outputs", []):
        kind = out.get("output_type", "")
        if kind in _EXECUTE_OR_DISPLAY:
            _bundle_joins(out.get("data", {}), joins)
        elif kind and type(out.get("text", "")) is list:
            joins.append((out, "text", "".join(out["text"])))


def read_v4_in_place(nb: Any) -> Any | None:
    """What nbformat.v4's `to_notebook_json(nb)` returns, made in place; None when nbformat must do it.

    `nb` is the JSON tree of a v4 notebook (a dict with a list of cells), as
    json.loads made it with `notebook_node_hook()`. Nothing changes before
    every cell was found readable: a tree left to nbformat is as it was read.
    """
    cells = nb.get("cells")
    if not isinstance(nb.get("metadata"), dict) or type(cells) is not list:
        return None
    joins: Joins = []
    try:
        for cell in cells:
            if not _cell_ok(cell):
                return None
            _cell_joins(cell, joins)
    except TypeError:
        return None
    for obj, key, value in joins:
        # dict's own setitem: NotebookNode's would check every string for being a mapping.
        dict.__setitem__(obj, key, value)
    for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
        nb["metadata"].pop(key, None)
    for cell in cells:
        cell["metadata"].pop("trusted", None)
    return nb
