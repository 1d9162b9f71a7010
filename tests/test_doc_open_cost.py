"""Opening a notebook does only what opening needs (issue 18: the daemon's open of 10,000 cells).

Counted, not timed: the span parse of a file's text (what a save in the file's
own layout needs) is made on the first save, not when the file is read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runt_tui.doc import NotebookFileError, layout
from runt_tui.doc.ipynb import to_plain
from runt_tui.doc.jsonspan import parse_spans
from runt_tui.doc.layout import content_digest, load_baseline, serialize_like

CORPUS = Path(__file__).parent / "corpus"


def _notebook() -> dict[str, Any]:
    cells: list[dict[str, Any]] = [
        {"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
         "source": [f"x = {i}\n", "x"]}
        for i in range(3)
    ]
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def test_reading_a_file_parses_no_spans_until_a_save_needs_them(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = parse_spans

    def counting(text: str) -> Any:
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(layout, "parse_spans", counting)
    text = json.dumps(_notebook(), indent=3) + "\n"  # a layout that is not nbformat's own
    base, nb = load_baseline(text.encode("utf-8"), "t.ipynb")
    assert calls == []
    nb.cells[1].source = "x = 10\nx"
    out, _ = serialize_like(nb, base, "t.ipynb")
    assert calls == [len(text)]  # parsed once, on the save (the saved text's baseline waits too)
    assert out == text.replace('"x = 1\\n"', '"x = 10\\n"')  # written in the file's own layout
    assert base.template is not None
    assert calls == [len(text)]  # kept, not parsed again


def test_building_the_document_serializes_each_value_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A plain copy (json round trip) of every value before serializing it doubled the build's cost.
    from runt_tui.doc import NotebookDoc, doc_from_notebook

    nb_dict = _notebook()
    nb_dict["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["a\n", "b"]}]
    nb_dict["cells"][0]["metadata"] = {"tags": ["x"], "collapsed": False}
    _, nb = load_baseline(json.dumps(nb_dict).encode("utf-8"), "t.ipynb")
    loads: list[int] = []
    real = json.loads

    def counting(s: Any, *a: Any, **k: Any) -> Any:
        loads.append(1)
        return real(s, *a, **k)

    monkeypatch.setattr(json, "loads", counting)
    doc = doc_from_notebook(nb)
    monkeypatch.setattr(json, "loads", real)
    assert loads == []
    back = NotebookDoc.load(doc.save())
    cell = back.cell("c0")
    assert cell.outputs == [{"output_type": "stream", "name": "stdout", "text": "a\nb"}]
    assert cell.metadata == {"tags": ["x"], "collapsed": False}


FILES = sorted(p for sub in ("real", "edge", "lenient") for p in (CORPUS / sub).rglob("*.ipynb"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_a_notebook_digests_as_its_plain_copy(path: Path) -> None:
    # load_baseline digests the NotebookNode itself; it must equal the digest of a plain copy.
    try:
        base, nb = load_baseline(path.read_bytes(), path.name)
    except NotebookFileError:
        pytest.skip("refused at load")
    assert base.content == content_digest(to_plain(nb), base.kept)


def test_a_v4_notebook_is_made_a_notebook_node_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # nbformat's v4 reader already converts every dict; converting its result again doubled the cost.
    import nbformat

    from runt_tui.doc.ipynb import parse_notebook

    nb_dict = _notebook()
    nb_dict["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["a\n", "b"]}]
    calls: list[int] = []
    real = nbformat.from_dict

    def counting(d: Any) -> Any:
        calls.append(1)
        return real(d)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(nbformat, "from_dict", counting)
    nb = parse_notebook(json.dumps(nb_dict), "t.ipynb")
    assert calls == []
    out = nb.cells[0].outputs[0]
    assert isinstance(out, nbformat.NotebookNode) and out.text == "a\nb"  # attribute access still works
    assert isinstance(nb.cells[0].metadata, nbformat.NotebookNode) and isinstance(nb.metadata.kernelspec, nbformat.NotebookNode)


def test_cells_without_keys_of_their_own_get_no_extra_map() -> None:
    # An empty map per cell was 10,000 more objects to build, save and load at 10,000 cells.
    from automerge.core import ROOT

    from runt_tui.doc import NotebookDoc, doc_from_notebook

    nb_dict = _notebook()
    nb_dict["cells"][1]["my_key"] = {"kept": True}
    _, nb = load_baseline(json.dumps(nb_dict).encode("utf-8"), "t.ipynb")
    doc = NotebookDoc.load(doc_from_notebook(nb).save())
    cells = doc._obj(ROOT, "cells")
    assert cells is not None
    has_extra = [doc._obj(doc._obj(cells, cid) or b"", "extra") is not None for cid in ("c0", "c1", "c2")]
    assert has_extra == [False, True, False]
    assert [doc.cell(cid).extra for cid in ("c0", "c1", "c2")] == [{}, {"my_key": {"kept": True}}, {}]
    assert doc_to_plain_cells(doc)[1]["my_key"] == {"kept": True}


def doc_to_plain_cells(doc: Any) -> list[dict[str, Any]]:
    from runt_tui.doc import doc_to_notebook

    return [dict(c) for c in to_plain(doc_to_notebook(doc))["cells"]]
