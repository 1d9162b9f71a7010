"""Plain-string sources, prepared into Text by the daemon only: reads, writes, merges, old documents."""

from __future__ import annotations

import copy
import itertools

import nbformat
import pytest
from automerge.core import ROOT, Document, ObjType, ScalarType
from hypothesis import given, settings
from hypothesis import strategies as st

from runt_tui.doc import NotebookDoc, NotPreparedError, SyncPeer, apply_edits, merge_text
from runt_tui.doc.merge import merge_external
from runt_tui.doc.textdiff import fine_edits


def _nb(n: int = 4) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_code_cell(f"cell {i}\nline two") for i in range(n)]
    for i, c in enumerate(cells):
        c.id = f"c{i}"
    return nbformat.v4.new_notebook(cells=cells)


def _client(daemon: NotebookDoc) -> NotebookDoc:
    doc = NotebookDoc.load(daemon.save())
    doc.prepares = False
    return doc


def _sync(a: NotebookDoc, b: NotebookDoc) -> None:
    pa, pb = SyncPeer(a), SyncPeer(b)
    for _ in range(20):
        moved = False
        for src, dst in ((pa, pb), (pb, pa)):
            msg = src.generate()
            if msg is not None:
                dst.receive(msg)
                moved = True
        if not moved:
            return


def _text_ops(doc: NotebookDoc) -> int:
    """How many Text objects the document holds under its cells."""
    am = doc.automerge
    cells = am.get(ROOT, "cells")
    assert cells is not None
    count = 0
    for cid in am.keys(cells[1]):
        c = am.get(cells[1], cid)
        assert c is not None
        for key in ("text", "source"):
            got = am.get(c[1], key)
            if got is not None and got[0] == ObjType.Text:
                count += 1
    return count


def test_loaded_notebook_has_plain_sources_read_as_before() -> None:
    doc = NotebookDoc.from_notebook(_nb())
    assert _text_ops(doc) == 0
    assert [c.source for c in doc.cells()] == [f"cell {i}\nline two" for i in range(4)]
    assert not doc.source_editable("c0")
    assert doc.to_notebook().cells[2].source == "cell 2\nline two"


def test_client_cannot_edit_an_unprepared_cell_but_can_edit_new_cells() -> None:
    daemon = NotebookDoc.from_notebook(_nb())
    client = _client(daemon)
    with pytest.raises(NotPreparedError):
        client.set_source("c0", "typed")
    with pytest.raises(NotPreparedError):
        client.splice_source("c0", [])
    new = client.insert_cell(0, "code", "fresh")
    assert client.source_editable(new)
    client.set_source(new, "fresh typed")
    assert client.source(new) == "fresh typed"
    # Forks of a client replica (the editor's rebase) keep the rule.
    with pytest.raises(NotPreparedError):
        client.fork().set_source("c1", "x")
    with pytest.raises(NotPreparedError):
        client.fork_at(client.heads()).set_source("c1", "x")


def test_prepare_keeps_text_and_tokens_and_reaches_clients() -> None:
    daemon = NotebookDoc.from_notebook(_nb())
    client = _client(daemon)
    before = client.heads()
    rev = daemon.cell("c1").rev
    assert daemon.prepare_sources(["c1", "nope"]) is True
    assert daemon.prepare_sources(["c1"]) is False  # already prepared: no change
    assert daemon.cell("c1").rev == rev
    assert daemon.source("c1") == "cell 1\nline two"
    _sync(daemon, client)
    assert client.source_editable("c1")
    # Nothing a reader shows changed, so change detection reports nothing.
    assert client.changes_between(before).empty
    with pytest.raises(Exception, match="only the daemon"):
        client.prepare_sources(["c2"])


def test_two_clients_type_in_one_prepared_cell_and_converge() -> None:
    daemon = NotebookDoc.from_notebook(_nb())
    daemon.prepare_sources(["c0"])
    a, b = _client(daemon), _client(daemon)
    a.set_source("c0", "AAA" + a.source("c0"))
    b.set_source("c0", b.source("c0") + "BBB")
    _sync(a, daemon)
    _sync(b, daemon)
    _sync(a, daemon)
    assert a.source("c0") == b.source("c0") == daemon.source("c0") == "AAAcell 0\nline twoBBB"


def test_daemon_writes_to_unprepared_cells_stay_plain() -> None:
    daemon = NotebookDoc.from_notebook(_nb())
    assert daemon.set_source("c2", "rewritten") is True
    assert daemon.set_source("c2", "rewritten") is False
    assert not daemon.source_editable("c2")
    assert daemon.source("c2") == "rewritten"
    daemon.splice_source("c3", [])  # the daemon may prepare on the way
    assert daemon.source_editable("c3")


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "merged"),
    [
        ("abc", "abc", "abX", "abX"),
        ("abc", "Xabc", "abc", "Xabc"),
        ("abc", "Xabc", "Xabc", "Xabc"),
        ("line 1\nline 2\n", "line 1 LIVE\nline 2\n", "line 1\nline 2 DISK\n", "line 1 LIVE\nline 2 DISK\n"),
        ("", "ours", "theirs", None),
    ],
)
def test_merge_text(base: str, ours: str, theirs: str, merged: str | None) -> None:
    out = merge_text(base, ours, theirs)
    if merged is not None:
        assert out == merged
    else:
        assert sorted([out[:4], out[4:]]) == ["ours", "theirs"] or sorted([out[:6], out[6:]]) == ["ours", "theirs"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=30))
def test_merge_text_keeps_each_side_when_the_other_did_nothing(base: str, ours: str, theirs: str) -> None:
    assert merge_text(base, ours, base) == ours
    assert merge_text(base, base, theirs) == theirs


def test_disk_change_to_a_cell_prepared_and_typed_in_since_the_save_keeps_both() -> None:
    nb = _nb()
    doc = NotebookDoc.from_notebook(nb)
    base = doc.heads()  # the file as loaded: sources are plain strings here
    doc.prepare_sources(["c1"])
    client = _client(doc)
    client.set_source("c1", "cell 1 LIVE\nline two")
    _sync(client, doc)
    disk = copy.deepcopy(nb)
    disk.cells[1].source = "cell 1\nline two EDITED ON DISK"
    disk.cells[2].source = "cell 2 from git"
    baseline = merge_external(doc, base, disk)
    assert doc.source("c1") == "cell 1 LIVE\nline two EDITED ON DISK"
    assert doc.source("c2") == "cell 2 from git"
    # The returned baseline is exactly the disk version.
    assert doc.fork_at(baseline).to_notebook().cells[1].source == "cell 1\nline two EDITED ON DISK"
    # The client, still typing in its Text, converges with the merged result.
    _sync(client, doc)
    assert client.source("c1") == "cell 1 LIVE\nline two EDITED ON DISK"
    client.set_source("c1", client.source("c1") + "!")
    _sync(client, doc)
    assert doc.source("c1") == client.source("c1") == "cell 1 LIVE\nline two EDITED ON DISK!"
    # A second disk change merges against that baseline.
    disk2 = copy.deepcopy(disk)
    disk2.cells[1].source = "cell 1\nline 2 EDITED ON DISK"
    merge_external(doc, baseline, disk2)
    assert doc.source("c1") == "cell 1 LIVE\nline 2 EDITED ON DISK!"


def test_disk_change_to_a_cell_prepared_but_not_typed_in_since_the_save_shows() -> None:
    nb = _nb()
    doc = NotebookDoc.from_notebook(nb)
    base = doc.heads()
    doc.prepare_sources(["c1"])  # someone opened the editor, typed nothing
    disk = copy.deepcopy(nb)
    disk.cells[1].source = "changed by git"
    merge_external(doc, base, disk)
    assert doc.source("c1") == "changed by git"
    client = _client(doc)
    assert client.source("c1") == "changed by git"


def test_disk_change_to_an_unprepared_cell_is_a_plain_write() -> None:
    nb = _nb()
    doc = NotebookDoc.from_notebook(nb)
    base = doc.heads()
    disk = copy.deepcopy(nb)
    disk.cells[0].source = "from disk"
    disk.cells.append(nbformat.v4.new_code_cell("new on disk", id="n1"))
    merge_external(doc, base, disk)
    assert doc.source("c0") == "from disk"
    assert doc.source("n1") == "new on disk"
    assert _text_ops(doc) == 0


def test_schema_1_documents_with_text_sources_still_read_and_edit() -> None:
    am = Document()
    with am.transaction() as tx:
        tx.put(ROOT, "schema_version", ScalarType.Int, 1)
        tx.put(ROOT, "epoch", ScalarType.Str, "e1")
        tx.put_object(ROOT, "metadata", ObjType.Map)
        cells = tx.put_object(ROOT, "cells", ObjType.Map)
        tx.put_object(ROOT, "stamps", ObjType.Map)
        c = tx.put_object(cells, "old", ObjType.Map)
        tx.put(c, "id", ScalarType.Str, "old")
        tx.put(c, "cell_type", ScalarType.Str, "code")
        tx.put(c, "position", ScalarType.Str, "a0")
        src = tx.put_object(c, "source", ObjType.Text)
        for i, ch in enumerate("x = 1"):
            tx.insert(src, i, ScalarType.Str, ch)
        tx.put_object(c, "outputs", ObjType.List)
    doc = NotebookDoc.load(am.save())
    client = _client(doc)
    assert client.source("old") == "x = 1"
    assert client.source_editable("old")
    client.set_source("old", "x = 12")
    assert client.source("old") == "x = 12"
    assert doc.prepare_sources(["old"]) is False


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab\nxé🐍", max_size=40), st.text(alphabet="ab\nxé🐍", max_size=40))
def test_fine_edits_turn_old_into_new(old: str, new: str) -> None:
    edits = fine_edits(old, new)
    assert apply_edits(old, edits) == new
    assert all(e.pos >= 0 and e.delete >= 0 for e in edits)
    assert all(a.pos + a.delete <= b.pos for a, b in itertools.pairwise(edits))
