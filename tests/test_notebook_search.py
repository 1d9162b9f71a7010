"""Searching the whole notebook from the document: sources, outputs, unmounted cells, cell numbers and ids."""

from __future__ import annotations

from typing import Any

from runt_tui.doc import NotebookDoc
from runt_tui.tui.notebook_search import (
    SOURCE,
    NotebookSearch,
    SearchIndex,
    find_cell,
    next_hit,
    output_text,
)


def _doc() -> NotebookDoc:
    doc = NotebookDoc.new()
    doc.insert_cell(0, "code", "x = 1\nprint('Needle')", cell_id="a")
    doc.insert_cell(1, "markdown", "# A needle in *markdown*", cell_id="b")
    doc.insert_cell(2, "code", "y = 2", cell_id="c")
    outputs: list[dict[str, Any]] = [
        {"output_type": "stream", "name": "stdout", "text": "haystack with a needle\n"},
        {"output_type": "error", "ename": "ValueError", "evalue": "bad needle",
         "traceback": ["\x1b[31mValueError\x1b[0m: bad needle"]},
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/plain": ["no match", " here"], "image/png": "aaaa"}},
    ]
    doc.set_outputs("c", outputs, 1)
    return doc


def test_output_text_is_what_a_reader_sees() -> None:
    assert output_text({"output_type": "stream", "text": ["a\x1b[1mb", "c"]}) == "abc"
    assert output_text({"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["\x1b[31mT\x1b[0m"]}) == "E: v\nT"
    assert output_text({"output_type": "display_data", "data": {"text/markdown": "**m**"}}) == "**m**"
    assert output_text({"output_type": "display_data", "data": {"image/png": "x"}}) == ""
    assert output_text({"output_type": "weird"}) == ""


def test_search_sources_and_outputs_in_order() -> None:
    doc = _doc()
    order = doc.cell_ids()
    index = SearchIndex()
    index.refresh(doc, order)
    hits = index.search("needle", order)
    assert [(h.cell_id, h.part) for h in hits] == [("a", SOURCE), ("b", SOURCE), ("c", 0), ("c", 1), ("c", 1)]
    first = hits[0]
    text = index.text("a")
    assert text is not None and text.part(SOURCE)[first.start : first.end] == "Needle"
    assert [h.cell_id for h in index.search("Needle", order)] == ["a"]  # a capital: case-sensitive
    assert index.search("", order) == []
    assert index.search("needle", order, limit=2) == hits[:2]


def test_index_reads_again_only_cells_that_changed() -> None:
    doc = _doc()
    order = doc.cell_ids()
    index = SearchIndex()
    index.refresh(doc, order)
    before_a, before_b = index.text("a"), index.text("b")
    doc.set_source("b", "nothing here")
    doc.set_outputs("c", [], 2)
    index.refresh(doc, order)
    assert index.text("a") is before_a  # not read again
    assert index.text("b") is not before_b
    assert [h.cell_id for h in index.search("needle", order)] == ["a"]
    doc.delete_cell("a")
    order = doc.cell_ids()
    index.refresh(doc, order)
    assert index.text("a") is None and index.search("needle", order) == []


def test_next_hit_wraps_and_starts_from_the_selected_cell() -> None:
    doc = _doc()
    order = doc.cell_ids()
    index = SearchIndex()
    index.refresh(doc, order)
    hits = index.search("needle", order)
    assert next_hit(hits, None, True, from_index=1) == 1
    assert next_hit(hits, None, False, from_index=1) == 0
    assert next_hit(hits, None, True, from_index=9) == 0
    assert next_hit(hits, len(hits) - 1, True) == 0
    assert next_hit(hits, 0, False) == len(hits) - 1
    assert next_hit([], None, True) is None


def test_find_cell_by_number_or_id() -> None:
    order = ["abc123", "abd456", "xyz"]
    assert find_cell("2", order) == "abd456"
    assert find_cell(":3", order) == "xyz"
    assert find_cell("0", order) is None and find_cell("4", order) is None
    assert find_cell("xyz", order) == "xyz"
    assert find_cell("abc", order) == "abc123"
    assert find_cell("ab", order) is None  # ambiguous
    assert find_cell("", order) is None


def test_notebook_search_steps_through_hits_as_the_document_changes() -> None:
    doc = _doc()
    search = NotebookSearch()
    order = doc.cell_ids()
    first = search.start(doc, order, "needle", from_index=1)
    assert first is not None and (first.cell_id, first.part) == ("b", SOURCE)
    assert search.describe() == "/needle: match 2 of 5, cell 2 (source)"
    nxt = search.step(doc, order, True)
    assert nxt is not None and (nxt.cell_id, nxt.part) == ("c", 0)
    doc.set_source("a", "needle needle")  # two hits before the current one now
    prev = search.step(doc, order, False)
    assert prev is not None and prev.cell_id == "b"
    assert search.describe().startswith("/needle: match 3 of 6")
    last = search.step(doc, order, False)
    back = search.step(doc, order, False)
    assert last is not None and back is not None and (last.cell_id, back.cell_id) == ("a", "a")
    wrapped = search.step(doc, order, False)
    assert wrapped is not None and wrapped.cell_id == "c"  # wrapped to the last hit
    assert search.start(doc, order, "absent", 0) is None
    assert search.describe() == "/absent: not found"
