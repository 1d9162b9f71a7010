"""Large sources: a linear diff whose size follows the change, writes whose Automerge work
follows the change too, and sources over the Text limit stored as line chunks."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from automerge.core import ROOT, Document, ObjType
from hypothesis import given, settings
from hypothesis import strategies as st

from runt_tui.doc import NotebookDoc, NotPreparedError, apply_edits, merge_text
from runt_tui.doc.schema import TEXT_LIMIT
from runt_tui.doc.seqdiff import diff_blocks
from runt_tui.doc.source import (
    CHUNK_MAX,
    apply_chunk_edits,
    apply_text_edits,
    chunk_text,
    fill_chunks,
)
from runt_tui.doc.textdiff import Edit, fine_edits, text_edits

LINES = st.lists(st.sampled_from(["a = 1\n", "b = 2\n", "print(x)\n", "\n", "# é🐍\n", "x"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=80), st.lists(st.integers(0, 5), max_size=80))
def test_diff_blocks_describe_b_from_a(a: list[int], b: list[int]) -> None:
    blocks = diff_blocks(a, b)
    out: list[int] = []
    i = 0
    for blk in blocks:
        assert blk.i1 >= i and blk.i1 <= blk.i2 and blk.j1 <= blk.j2
        out += a[i : blk.i1] + b[blk.j1 : blk.j2]
        i = blk.i2
    assert out + a[i:] == b


@settings(max_examples=200, deadline=None)
@given(LINES, LINES, st.integers(0, 2**32))
def test_text_and_fine_edits_turn_old_into_new(old_lines: list[str], new_lines: list[str], seed: int) -> None:
    old, new = "".join(old_lines), "".join(new_lines)
    for fn in (text_edits, fine_edits):
        edits = fn(old, new)
        assert apply_edits(old, edits) == new
        assert all(a.pos + a.delete <= b.pos for a, b in itertools.pairwise(edits))


def _program(lines: int, seed: int) -> str:
    r = random.Random(seed)
    return "".join(f"v{r.randrange(10**9)} = f({r.randrange(1000)})\n" for _ in range(lines))


def _change(text: str, edits: int, seed: int) -> tuple[str, int]:
    """Change `edits` random lines; return the new text and how many characters changed."""
    r = random.Random(seed)
    lines = text.splitlines(keepends=True)
    changed = 0
    for i in r.sample(range(len(lines)), edits):
        kind = r.randrange(3)
        if kind == 0:
            lines[i] = lines[i][:3] + "XY" + lines[i][3:]
            changed += 2
        elif kind == 1:
            changed += len(lines[i])
            lines[i] = ""
        else:
            lines[i] = "inserted = 1\n" + lines[i]
            changed += 13
    return "".join(lines), changed


def test_diff_size_follows_the_change_not_the_text() -> None:
    for size_lines in (2_000, 40_000):
        old = _program(size_lines, 1)
        new, changed = _change(old, 25, 2)
        for fn in (text_edits, fine_edits):
            edits = fn(old, new)
            assert apply_edits(old, edits) == new
            assert len(edits) <= 25
            assert sum(e.delete + len(e.insert) for e in edits) <= 2 * changed


def test_repetitive_text_still_diffs_correctly() -> None:
    old = "x = 1\n" * 20_000
    new, _ = _change(old, 40, 3)
    assert apply_edits(old, text_edits(old, new)) == new
    assert apply_edits(old, fine_edits(old, new)) == new


class Recorder:
    """Records the calls a Transaction would get (apply_text_edits is pure call sequencing)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def insert(self, obj: bytes, pos: int, kind: Any, value: str) -> None:
        self.calls.append(("insert", pos))

    def delete(self, obj: bytes, pos: int) -> None:
        self.calls.append(("delete", pos))


def test_a_replacement_inserts_before_it_deletes() -> None:
    """Automerge walks over the deleted elements next to an insertion point: deleting first
    made every insert of a replacement walk the run just deleted (40k -> 80k took 36 s)."""
    tx = Recorder()
    apply_text_edits(tx, b"", [Edit(2, 3, "xy")])  # type: ignore[arg-type]
    assert tx.calls == [("insert", 2), ("insert", 3), ("delete", 4), ("delete", 4), ("delete", 4)]


def _ops(doc: NotebookDoc, since: list[bytes]) -> int:
    return sum(len(c) for c in doc.automerge.get_changes(since))


def _nb(source: str) -> dict[str, Any]:
    cell = {"id": "c1", "cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}


def _client(daemon: NotebookDoc) -> NotebookDoc:
    client = NotebookDoc.load(daemon.save())
    client.prepares = False
    return client


def test_a_large_source_costs_ops_per_line_not_per_character() -> None:
    daemon = NotebookDoc.new()
    cid = daemon.insert_cell(0, "code", "")
    client = _client(daemon)
    big = _program(2_000, 4)  # ~50k characters, 2,000 lines
    assert len(big) > TEXT_LIMIT
    before = client.heads()
    client.set_source(cid, big)
    assert client.source(cid) == big and client.source_kind(cid) == "lines"
    assert _ops(client, before) < 2_100
    # An edit costs the lines it touches.
    edited, _ = _change(big, 10, 5)
    before = client.heads()
    client.set_source(cid, edited)
    assert client.source(cid) == edited
    assert _ops(client, before) < 60
    # The daemon prepares a long plain source as chunks too.
    plain = NotebookDoc.from_notebook(_nb(big))
    before = plain.heads()
    plain.prepare_sources(["c1"])
    assert plain.source("c1") == big and plain.source_kind("c1") == "lines"
    assert _ops(plain, before) < 2_100


def test_typing_never_switches_a_text_but_a_big_paste_does() -> None:
    doc = NotebookDoc.new()
    cid = doc.insert_cell(0, "code", "x" * (TEXT_LIMIT - 1))
    client = _client(doc)
    for ch in "abc":
        client.splice_source(cid, [Edit(0, 0, ch)])
    assert client.source_kind(cid) == "text" and len(client.source(cid)) == TEXT_LIMIT + 2
    client.splice_source(cid, [Edit(5, 0, "paste\n" * 300)])
    assert client.source_kind(cid) == "lines"
    assert client.source(cid) == "cba" + "xx" + "paste\n" * 300 + "x" * (TEXT_LIMIT - 3)


def test_a_client_writes_a_long_source_into_an_unprepared_cell_itself() -> None:
    doc = NotebookDoc.from_notebook(_nb("short"))
    client = _client(doc)
    with pytest.raises(NotPreparedError):
        client.set_source("c1", "still short")  # a short write needs the daemon to prepare
    assert client.creates_chunks("c1", "y\n" * TEXT_LIMIT)
    client.set_source("c1", "y\n" * TEXT_LIMIT)
    doc.merge(client)
    assert doc.source("c1") == "y\n" * TEXT_LIMIT


def test_concurrent_edits_of_a_large_cell_merge_by_line() -> None:
    doc = NotebookDoc.new()
    big = _program(1_000, 6)
    cid = doc.insert_cell(0, "code", big)
    a, b = _client(doc), _client(doc)
    lines = big.splitlines(keepends=True)
    a.set_source(cid, "".join(["A\n", *lines[:500], "A2\n", *lines[500:]]))
    b.set_source(cid, "".join([*lines[:999], "B\n", lines[999]]))
    a.merge(b)
    b.merge(a)
    assert a.source(cid) == b.source(cid) == "".join(["A\n", *lines[:500], "A2\n", *lines[500:999], "B\n", lines[999]])


@settings(max_examples=150, deadline=None)
@given(LINES, st.lists(st.tuples(st.integers(0, 400), st.integers(0, 30), st.text("ab\nc", max_size=40)), max_size=6))
def test_chunk_edits_write_exactly_the_edited_text(lines: list[str], raw: list[tuple[int, int, str]]) -> None:
    text = "".join(lines) + "z" * (CHUNK_MAX + 5)  # one line longer than a chunk
    edits: list[Edit] = []
    last = 0
    for pos, delete, insert in sorted(raw):
        pos = max(pos, last)
        if pos > len(text):
            break
        delete = min(delete, len(text) - pos)
        edits.append(Edit(pos, delete, insert))
        last = pos + delete
    am = Document()
    with am.transaction() as tx:
        obj = tx.put_object(ROOT, "l", ObjType.List)
        fill_chunks(tx, obj, text)
    assert am.text(obj) == text and all(len(c) <= CHUNK_MAX for c in chunk_text(text))
    with am.transaction() as tx:
        apply_chunk_edits(tx, obj, chunk_text(text), edits)
    assert am.text(obj) == apply_edits(text, edits)


def test_merge_text_of_large_texts_keeps_both_sides() -> None:
    base = _program(3_000, 7)
    lines = base.splitlines(keepends=True)
    ours = "".join(["OURS\n", *lines])
    theirs = "".join([*lines[:-1], "THEIRS\n", lines[-1]])
    assert merge_text(base, ours, theirs) == "".join(["OURS\n", *lines[:-1], "THEIRS\n", lines[-1]])


def test_texts_are_still_merged_by_character_below_the_limit() -> None:
    assert merge_text("line one\n", "line ONE\n", "line one!\n") == "line ONE!\n"


def test_a_wrong_object_under_a_source_key_is_ignored() -> None:
    """A peer's document could put anything under `lines` or `text`: reads and writes go on."""
    doc = NotebookDoc.new()
    cid = doc.insert_cell(0, "code", "abc")
    with doc.transaction() as tx:
        tx.put_object(doc._cell_obj(cid), "lines", ObjType.Map)
    assert doc.source(cid) == "abc" and doc.source_kind(cid) == "text"
    doc.set_source(cid, "abcd")
    assert doc.source(cid) == "abcd"
