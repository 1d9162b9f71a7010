"""The fast notebook reader (doc/nbread.py, doc/nbvalid.py) against nbformat's own path.

Reading builds NotebookNodes while parsing and re-joins lines in place instead of
nbformat's `to_notebook_json`, and skips the schema over cells that are certainly
valid: on every notebook of the corpus (bad ones included) the result, or the
refusal and its message, must be what nbformat's path gives; and no mutated cell
the shortcut accepts may be one the schema refuses.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from runt_tui.doc import NotebookFileError, doc_from_notebook, doc_to_notebook, ipynb
from runt_tui.doc.layout import load_baseline
from runt_tui.doc.nbvalid import certainly_valid_cell

TESTS = Path(__file__).parent
FILES = sorted(p for p in (TESTS / "corpus").rglob("*.ipynb"))


def _counter_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = itertools.count()
    monkeypatch.setattr(ipynb, "new_cell_id", lambda: f"made{next(counter)}")


def _nbformat_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read as before the shortcuts: nbformat's reader, full validation, the full surrogate check."""
    monkeypatch.setattr(ipynb, "read_v4_in_place", lambda raw: None)
    monkeypatch.setattr(ipynb, "validate_v4", lambda nb, known_only: nbformat.validate(known_only(nb)))
    monkeypatch.setattr(ipynb, "may_hold_surrogates", lambda text: True)


def _read(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    """("ok", (baseline digest, kept, notebook, notebook through the document)) or ("refused", message)."""
    with monkeypatch.context() as m:
        _counter_ids(m)
        try:
            base, nb = load_baseline(data, "t.ipynb")
        except NotebookFileError as e:
            return "refused", str(e)
        back = ipynb.to_plain(doc_to_notebook(doc_from_notebook(nb, epoch="e")))
        return "ok", (base.content, base.kept, _made_ids(ipynb.to_plain(nb), base.kept), _made_ids(back, base.kept))


def _made_ids(nb: dict[str, Any], kept: list[bool]) -> dict[str, Any]:
    """Ids made up on reading (nbformat's own upgrade draws random ones) replaced by their index."""
    for i, cell in enumerate(nb["cells"]):
        if i >= len(kept) or not kept[i]:
            cell["id"] = f"made-{i}"
    return nb


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(TESTS / "corpus")))
def test_the_fast_reader_reads_every_corpus_file_as_nbformat_does(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    fast = _read(data, monkeypatch)
    with monkeypatch.context() as m:
        _nbformat_path(m)
        slow = _read(data, m)
    assert fast == slow


def _notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": meta, "cells": cells}


def test_a_plain_notebook_is_validated_without_the_schema_over_its_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    cells = [
        {"id": "a", "cell_type": "markdown", "metadata": {"tags": ["x"]}, "source": ["# T\n", "text"]},
        {"id": "b", "cell_type": "code", "metadata": {"collapsed": False, "scrolled": "auto"}, "execution_count": 1,
         "source": "print(1)", "outputs": [
             {"output_type": "stream", "name": "stdout", "text": ["1\n"]},
             {"output_type": "execute_result", "execution_count": 1, "metadata": {},
              "data": {"text/plain": ["1"], "application/json": {"a": [1]}}},
             {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t"]}]},
        {"id": "c", "cell_type": "raw", "metadata": {"format": "text/x"}, "source": ""},
    ]
    seen: list[int] = []
    real = nbformat.validate

    def counting(nb: Any, *a: Any, **k: Any) -> Any:
        seen.append(len(nb["cells"]))
        return real(nb, *a, **k)

    monkeypatch.setattr(nbformat, "validate", counting)
    nb = ipynb.parse_notebook(json.dumps(_notebook(cells)), "t.ipynb")
    assert seen == [0]  # the metadata only: every cell is certainly valid
    assert nb.cells[1].outputs[0].text == "1\n"
    # One cell the shortcut is not sure of: the whole notebook goes through the schema.
    cells[2]["metadata"]["format"] = 3
    with pytest.raises(NotebookFileError, match="not a valid notebook"):
        ipynb.parse_notebook(json.dumps(_notebook(cells)), "t.ipynb")
    assert seen == [0, 3]


ODD_VALUES: list[Any] = [None, 0, -1, 1, True, False, 1.5, 2.0, "", "x", "a,b", "auto", "\nx", "x\n",
                         [], ["x"], ["x", 1], ["x", "x"], [""], {}, {"k": 1}, {"k": "v"}]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a cell: dict keys and list items, nested."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _mutants(cell: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The cell with one place set to each odd value, one key removed, or one key added."""
    extra_keys = ["tags", "name", "collapsed", "scrolled", "execution", "jupyter", "format", "attachments",
                  "outputs", "execution_count", "data", "metadata", "text", "ename", "application/json"]
    for path in _paths(cell):
        for value in ODD_VALUES:
            mut = copy.deepcopy(cell)
            target = mut
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = value
            yield mut
            if isinstance(target, dict):
                mut = copy.deepcopy(cell)
                target = mut
                for step in path[:-1]:
                    target = target[step]
                del target[path[-1]]
                yield mut
    for key in extra_keys:
        for value in ODD_VALUES:
            for where in ("cell", "metadata"):
                mut = copy.deepcopy(cell)
                (mut if where == "cell" else mut.setdefault("metadata", {}))[key] = value
                yield mut


def _schema_valid(cell: dict[str, Any]) -> bool:
    try:
        nbformat.validate(ipynb._without_unknown_keys(_notebook([cell])))
    except nbformat.ValidationError:
        return False
    return True


SAMPLES: list[dict[str, Any]] = [
    {"id": "c1", "cell_type": "code", "execution_count": 3, "source": ["a\n", "b"],
     "metadata": {"tags": ["t"], "name": "n", "collapsed": True, "scrolled": False, "jupyter": {},
                  "execution": {"iopub.status.busy": "2024"}},
     "outputs": [{"output_type": "stream", "name": "stdout", "text": "x"},
                 {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "p", "image/png": "AAA"}},
                 {"output_type": "execute_result", "execution_count": 3, "metadata": {},
                  "data": {"text/html": ["<b>", "</b>"], "application/vnd.x+json": {"k": [1]}}},
                 {"output_type": "error", "ename": "E", "evalue": "", "traceback": ["l1", "l2"]}]},
    {"id": "m1", "cell_type": "markdown", "source": "# h", "metadata": {"tags": [], "jupyter": {"source_hidden": True}}},
    {"id": "r1", "cell_type": "raw", "source": [], "metadata": {"format": "text/latex", "name": "r"}},
]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda c: str(c["cell_type"]))
def test_no_mutated_cell_the_shortcut_accepts_is_refused_by_the_schema(sample: dict[str, Any]) -> None:
    assert certainly_valid_cell(sample) and _schema_valid(sample)
    accepted = refused = 0
    for mut in _mutants(sample):
        if certainly_valid_cell(mut):
            accepted += 1
            assert _schema_valid(mut), json.dumps(mut)
        else:
            refused += 1
    assert accepted > 10 and refused > 10  # both sides were exercised


def test_corpus_cells_the_shortcut_accepts_are_valid() -> None:
    accepted = 0
    for path in FILES:
        try:
            nb = ipynb.parse_notebook(path.read_bytes(), path.name, validate=False)
        except NotebookFileError:
            continue
        for cell in nb.get("cells", []):
            if certainly_valid_cell(cell):
                accepted += 1
                assert _schema_valid(cell), (path.name, cell.get("id"))
    assert accepted > 50


def test_blob_references_are_scanned_in_parts() -> None:
    from runt_tui.doc import NotebookDoc
    from runt_tui.doc.blobs import MemoryBlobStore

    store = MemoryBlobStore()
    cells: list[dict[str, Any]] = [
        {"id": f"c{i}", "cell_type": "code", "metadata": {}, "execution_count": None, "source": "",
         "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"image/png": f"AAAA{i}" * 10}}]}
        for i in range(5)
    ]
    cells[2]["outputs"] = []
    nb = ipynb.parse_notebook(json.dumps(_notebook(cells)), "t.ipynb")
    doc = NotebookDoc.load(doc_from_notebook(nb, store, threshold=1).save())
    parts = list(doc.blob_digest_parts(2))
    assert [len(p) for p in parts] == [2, 1, 1]  # cells c0 c1 | c2 (no output) c3 | c4
    assert set().union(*parts) == doc.blob_digests() and len(doc.blob_digests()) == 4
