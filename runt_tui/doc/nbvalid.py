"""Validating a v4.5 notebook as nbformat does, without running the schema over every cell.

nbformat's validator (compiled with fastjsonschema) costs ~60 µs a cell: 0.6 s of
a 10,000-cell notebook's first open. Most cells have one of a few plain shapes
that the schema certainly accepts; `certainly_valid_cell` recognises exactly those
(it may say no to a valid cell, never yes to an invalid one). When every cell is
certainly valid the schema still checks the notebook without its cells (the
metadata); otherwise the whole notebook goes through nbformat, so every refusal
and its message are nbformat's own. tests/test_doc_fast_read.py checks the
claim against nbformat on the corpus and on many mutated cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]+$")
_JSON_MIME = re.compile(r"^application/(.*\+)?json$")
# Keys nbformat defines somewhere; others (the user's own) are not validated (see ipynb).
NB_KEYS = frozenset({"cells", "metadata", "nbformat", "nbformat_minor"})
CELL_KEYS = frozenset({"id", "cell_type", "source", "metadata", "attachments", "execution_count", "outputs"})
OUTPUT_KEYS = frozenset({"output_type", "name", "text", "data", "metadata", "execution_count", "ename", "evalue",
                         "traceback"})
_CODE_KEYS = frozenset({"id", "cell_type", "metadata", "source", "outputs", "execution_count"})
_TEXT_KEYS = frozenset({"id", "cell_type", "metadata", "source"})
_OUTPUT_KEYS = {
    "stream": frozenset({"output_type", "name", "text"}),
    "display_data": frozenset({"output_type", "data", "metadata"}),
    "execute_result": frozenset({"output_type", "data", "metadata", "execution_count"}),
    "error": frozenset({"output_type", "ename", "evalue", "traceback"}),
}


def _str_list(value: Any) -> bool:
    return type(value) is list and all(type(x) is str for x in value)


def _multiline(value: Any) -> bool:
    return type(value) is str or _str_list(value)


def _count(value: Any) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _tags(value: Any) -> bool:
    return _str_list(value) and all(x and "," not in x for x in value) and len(set(value)) == len(value)


def _name(value: Any) -> bool:
    # The schema's pattern is ^.+$ (no newline may come first); strings with one are left to it.
    return type(value) is str and value != "" and "\n" not in value and "\r" not in value


def _metadata(meta: Any, cell_type: str) -> bool:
    """Cell metadata whose constrained keys (per cell type) have plainly valid values."""
    if not isinstance(meta, dict):
        return False
    for key, value in meta.items():
        if key == "tags":
            ok = _tags(value)
        elif key == "name":
            ok = _name(value)
        elif key == "jupyter":
            ok = isinstance(value, dict)
        elif cell_type == "code" and key == "collapsed":
            ok = type(value) is bool
        elif cell_type == "code" and key == "scrolled":
            ok = type(value) is bool or value == "auto"
        elif cell_type == "code" and key == "execution":
            ok = isinstance(value, dict) and all(type(v) is str for v in value.values())
        elif cell_type == "raw" and key == "format":
            ok = type(value) is str
        else:
            ok = True
        if not ok:
            return False
    return True


def _mimebundle(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    for key, value in data.items():
        if type(key) is not str or "\n" in key:
            return False
        if not _JSON_MIME.search(key) and not _multiline(value):
            return False
    return True


def _output(out: Any) -> bool:
    if not isinstance(out, dict):
        return False
    kind = out.get("output_type")
    keys = _OUTPUT_KEYS.get(kind) if type(kind) is str else None
    if keys is None or out.keys() & OUTPUT_KEYS != keys:
        return False
    if kind == "stream":
        return type(out["name"]) is str and _multiline(out["text"])
    if kind == "error":
        return type(out["ename"]) is str and type(out["evalue"]) is str and _str_list(out["traceback"])
    if kind == "execute_result" and not _count(out["execution_count"]):
        return False
    return isinstance(out["metadata"], dict) and _mimebundle(out["data"])


def certainly_valid_cell(cell: Mapping[str, Any]) -> bool:
    """True only when nbformat's v4.5 schema accepts this cell, once its unknown keys are dropped."""
    if not isinstance(cell, dict):
        return False
    known = cell.keys() & CELL_KEYS
    kind = cell.get("cell_type")
    cid = cell.get("id")
    if type(cid) is not str or not 1 <= len(cid) <= 64 or not _CELL_ID.search(cid):
        return False
    if not _multiline(cell.get("source")) or not _metadata(cell.get("metadata"), str(kind)):
        return False
    if kind == "code":
        outputs = cell.get("outputs")
        return (known == _CODE_KEYS and _count(cell["execution_count"])
                and type(outputs) is list and all(_output(o) for o in outputs))
    return kind in ("markdown", "raw") and known == _TEXT_KEYS


def validate_v4(nb: Mapping[str, Any], known_only: Callable[[Any], Any]) -> None:
    """nbformat.validate(known_only(nb)), the cells that are certainly valid skipped (nbformat's errors).

    `known_only` drops the keys nbformat does not define (ipynb._without_unknown_keys).
    """
    import nbformat

    cells = nb.get("cells")
    if (nb.get("nbformat") == 4 and nb.get("nbformat_minor") == 5 and type(cells) is list
            and all(certainly_valid_cell(c) for c in cells)):
        nbformat.validate(known_only({**nb, "cells": []}))
    else:
        nbformat.validate(known_only(nb))
