"""Disk changes merged against the last-saved baseline keep concurrent live edits."""

from __future__ import annotations

import copy

import nbformat

from runt_tui.doc import NotebookDoc, serialize_notebook
from runt_tui.doc.merge import merge_external


def _nb() -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_code_cell(f"cell {i}\nline two") for i in range(5)]
    for i, c in enumerate(cells):
        c.id = f"c{i}"
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})


def test_disk_edit_in_other_cell_keeps_live_typing() -> None:
    nb = _nb()
    doc = NotebookDoc.from_notebook(nb)
    base = doc.heads()
    doc.set_source("c0", "cell 0 typed live\nline two")
    disk = copy.deepcopy(nb)
    disk.cells[3].source = "cell 3 from git"
    merge_external(doc, base, disk)
    assert doc.source("c0") == "cell 0 typed live\nline two"
    assert doc.source("c3") == "cell 3 from git"


def test_disk_edit_in_same_cell_merges_text() -> None:
    nb = _nb()
    doc = NotebookDoc.from_notebook(nb)
    base = doc.heads()
    doc.set_source("c1", "cell 1 LIVE\nline two")
    disk = copy.deepcopy(nb)
    disk.cells[1].source = "cell 1\nline two EDITED ON DISK"
    merge_external(doc, base, disk)
    assert doc.source("c1") == "cell 1 LIVE\nline two EDITED ON DISK"


def test_disk_structure_changes() -> None:
    nb = _nb()
    doc = NotebookDoc.from_notebook(nb)
    base = doc.heads()
    disk = copy.deepcopy(nb)
    moved = disk.cells.pop(0)
    disk.cells.append(moved)
    del disk.cells[1]
    new = nbformat.v4.new_markdown_cell("# new")
    new.id = "fresh"
    disk.cells.insert(2, new)
    disk.cells[0].outputs = [nbformat.v4.new_output("stream", text="out\n")]
    disk.cells[0].execution_count = 7
    disk.metadata["extra"] = {"a": 1}
    heads = merge_external(doc, base, disk)
    assert doc.cell_ids() == [c.id for c in disk.cells]
    assert serialize_notebook(doc.to_notebook()) == serialize_notebook(disk)
    assert set(heads) == set(doc.heads())


def test_unchanged_disk_is_a_no_op() -> None:
    nb = _nb()
    doc = NotebookDoc.from_notebook(nb)
    before = serialize_notebook(doc.to_notebook())
    merge_external(doc, doc.heads(), copy.deepcopy(nb))
    assert serialize_notebook(doc.to_notebook()) == before
