"""CellOutputWriter: logical outputs in, chunked document entries out (no kernel, no daemon)."""

from __future__ import annotations

import json
from typing import Any

from runt_tui.daemon.outputs_writer import CHUNK, CellOutputWriter
from runt_tui.doc import NotebookDoc
from runt_tui.doc.schema import CONT_KEY


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text}


def display(text: str) -> dict[str, Any]:
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}


def setup() -> tuple[NotebookDoc, str, CellOutputWriter]:
    doc = NotebookDoc.new()
    cid = doc.insert_cell(0, "code", "")
    return doc, cid, CellOutputWriter(doc, cid, None, 1 << 20)


def stored(doc: NotebookDoc, cid: str) -> list[dict[str, Any]]:
    return [json.loads(e) for e in doc.stored_outputs(cid)]


def logical(doc: NotebookDoc, cid: str) -> list[dict[str, Any]]:
    return doc.cell(cid).outputs


def test_growing_stream_is_chunked_and_rejoins() -> None:
    doc, cid, w = setup()
    text = ""
    for step in range(50):
        text += "".join(f"{step}:{i}\n" for i in range(200))
        w.apply(1, {0: stream(text)}, step == 0 and 1)
    assert logical(doc, cid) == [stream(text)]
    entries = stored(doc, cid)
    assert len(entries) > 1
    assert not entries[0].get(CONT_KEY) and all(e.get(CONT_KEY) for e in entries[1:])
    # Chunks end at line boundaries, and are a few KiB each.
    assert all(e["text"].endswith("\n") for e in entries)
    assert all(len(e["text"]) <= CHUNK + 64 for e in entries)
    assert doc.cell(cid).execution_count == 1


def test_document_grows_linearly_with_a_stream() -> None:
    doc, cid, w = setup()
    before = len(doc.save())
    text = ""
    for step in range(200):
        text += "".join(f"{step * 500 + i}\n" for i in range(500))
        w.apply(1, {0: stream(text)})
    assert logical(doc, cid) == [stream(text)]
    # Rewriting the whole text at each step would make this ~100x the text.
    assert len(doc.save()) - before < 2 * len(text)


def test_clear_then_same_length_text_is_not_stale() -> None:
    doc, cid, w = setup()
    block = "".join(f"line {i}\n" for i in range(2000))
    w.apply(1, {0: stream("A\n" + block)})
    w.forget_streams()  # what the room does on clear_output
    w.apply(1, {0: stream("B\n" + block)})
    assert logical(doc, cid) == [stream("B\n" + block)]


def test_carriage_return_rewrites_only_the_open_line() -> None:
    doc, cid, w = setup()
    head = "".join(f"{i}\n" for i in range(3000))
    for pct in range(0, 101, 5):
        w.apply(1, {0: stream(head + f"{pct}%")})
    assert logical(doc, cid) == [stream(head + "100%")]


def test_mixed_outputs_updates_and_shrinking() -> None:
    doc, cid, w = setup()
    big = "".join(f"x{i}\n" for i in range(3000))
    w.apply(3, {0: stream(big), 1: display("d1"), 2: stream("err\n", "stderr")})
    assert logical(doc, cid) == [stream(big), display("d1"), stream("err\n", "stderr")]
    # A display update in the middle, and the stream after it grows.
    w.apply(3, {1: display("d2"), 2: stream("err\nmore\n", "stderr")})
    assert logical(doc, cid) == [stream(big), display("d2"), stream("err\nmore\n", "stderr")]
    # The stream at 0 grows while later outputs exist.
    w.apply(3, {0: stream(big + "tail\n")})
    assert logical(doc, cid) == [stream(big + "tail\n"), display("d2"), stream("err\nmore\n", "stderr")]
    # A clear, then a display where the stream was, then a stream again.
    w.forget_streams()
    w.apply(1, {0: display("only")})
    assert logical(doc, cid) == [display("only")]
    w.forget_streams()
    w.apply(1, {0: stream("again\n")})
    assert logical(doc, cid) == [stream("again\n")]
    w.apply(0, {})
    assert logical(doc, cid) == []


def test_stream_name_change_at_an_index() -> None:
    doc, cid, w = setup()
    w.apply(1, {0: stream("a" * 10000 + "\n" + "b\n")})
    w.forget_streams()
    w.apply(1, {0: stream("c\n", "stderr")})
    assert logical(doc, cid) == [stream("c\n", "stderr")]


def test_reset_clears_outputs_and_count() -> None:
    doc, cid, w = setup()
    w.apply(1, {0: stream("x\n")}, 5)
    w.reset()
    cell = doc.cell(cid)
    assert cell.outputs == [] and cell.execution_count is None
    w.apply(1, {0: stream("y\n")}, 6)
    assert logical(doc, cid) == [stream("y\n")] and doc.cell(cid).execution_count == 6


def test_same_count_again_makes_no_change() -> None:
    # The execute_reply repeats the count execute_input set: no new change
    # (one would cost every client a sync round and the daemon an fsync).
    doc, cid, w = setup()
    w.begin()
    w.apply(1, {0: display("2")}, 7)
    heads = doc.heads()
    w.apply(1, {}, 7)
    assert doc.heads() == heads
    w.apply(1, {}, 8)
    assert doc.heads() != heads and doc.cell(cid).execution_count == 8
    # A new execution writes its count even when it is the same number.
    w.begin()
    w.apply(0, {}, 8)
    assert doc.cell(cid).outputs == [] and doc.cell(cid).execution_count == 8


def test_count_zero_is_written() -> None:
    doc, cid, w = setup()
    w.apply(0, {}, 0)
    assert doc.cell(cid).execution_count == 0
