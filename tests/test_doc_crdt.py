"""Replicas of one document converge: random concurrent edits, random delivery order."""

from __future__ import annotations

import random

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runt_tui.doc import DocError, NotebookDoc, SyncPeer, serialize_notebook


def _base() -> NotebookDoc:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import os\nprint(1)"),
            nbformat.v4.new_markdown_cell("# Title ✨"),
            nbformat.v4.new_code_cell("x = 'é你'"),
        ]
    )
    return NotebookDoc.from_notebook(nb)


def _replicas(n: int) -> list[NotebookDoc]:
    """Client replicas of a daemon document whose cells are prepared for editing."""
    base = _base()
    base.prepare_sources(base.cell_ids())
    data = base.save()
    replicas = [NotebookDoc.load(data) for _ in range(n)]
    for r in replicas:
        r.prepares = False
    return replicas


def _sync_all(docs: list[NotebookDoc]) -> None:
    """Exchange sync messages pairwise until nothing is left to send."""
    peers = {
        (i, j): SyncPeer(docs[i]) for i in range(len(docs)) for j in range(len(docs)) if i != j
    }
    for _ in range(50):
        moved = False
        for (i, j), peer in peers.items():
            msg = peer.generate()
            if msg is not None:
                peers[(j, i)].receive(msg)
                moved = True
        if not moved:
            return
    raise AssertionError("sync did not quiesce")


def _random_op(doc: NotebookDoc, rng: random.Random) -> None:
    ids = doc.cell_ids()
    op = rng.choice(["insert", "delete", "move", "type", "source", "source", "source", "meta"])
    try:
        if op == "insert" or not ids:
            doc.insert_cell(
                rng.randint(0, len(ids)),
                rng.choice(["code", "markdown"]),
                rng.choice(["", "a", "é👩‍👧"]),
            )
        elif op == "delete":
            doc.delete_cell(rng.choice(ids))
        elif op == "move":
            doc.move_cell(rng.choice(ids), rng.randint(0, len(ids)))
        elif op == "type":
            doc.set_cell_type(rng.choice(ids), rng.choice(["code", "markdown", "raw"]))
        elif op == "meta":
            doc.set_cell_metadata(rng.choice(ids), {"tags": [rng.choice("abc")]})
        else:
            cid = rng.choice(ids)
            src = doc.source(cid)
            i = rng.randint(0, len(src))
            j = rng.randint(i, min(len(src), i + 5))
            doc.set_source(
                cid, src[:i] + rng.choice(["", "x", "你好", "\n", "e\u0301", "🙂"]) + src[j:]
            )
    except DocError:
        pass


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=6))
def test_three_replicas_converge(seed: int, rounds: int) -> None:
    rng = random.Random(seed)
    docs = _replicas(3)
    peers = {(i, j): SyncPeer(docs[i]) for i in range(3) for j in range(3) if i != j}
    for _ in range(rounds):
        for d in docs:
            for _ in range(rng.randint(0, 4)):
                _random_op(d, rng)
        # Deliver a random subset of messages in random order (partial syncs).
        pairs = list(peers)
        rng.shuffle(pairs)
        for i, j in pairs[: rng.randint(0, len(pairs))]:
            msg = peers[(i, j)].generate()
            if msg is not None:
                peers[(j, i)].receive(msg)
    before = docs[0].heads()
    _sync_all(docs)
    # Stamp-based change detection finds at least what a scan of every cell finds.
    fast, full = docs[0].changes_between(before), docs[0].changes_between(before, full_scan=True)
    assert fast.structure == full.structure and fast.added == full.added and fast.removed == full.removed
    assert fast.content >= full.content and fast.outputs >= full.outputs
    texts = [serialize_notebook(d.to_notebook()) for d in docs]
    assert texts[0] == texts[1] == texts[2]
    ids = docs[0].cell_ids()
    assert len(ids) == len(set(ids))
    nbformat.validate(nbformat.reads(texts[0], 4))


def test_concurrent_moves_of_one_cell_keep_one_copy() -> None:
    a, b = _replicas(2)
    target = a.cell_ids()[0]
    a.move_cell(target, 3)
    b.move_cell(target, 2)
    _sync_all([a, b])
    assert a.cell_ids() == b.cell_ids()
    assert a.cell_ids().count(target) == 1
    assert len(a.cell_ids()) == 3


def test_move_concurrent_with_edit_keeps_edit() -> None:
    a, b = _replicas(2)
    target = a.cell_ids()[0]
    a.move_cell(target, 3)
    b.set_source(target, b.source(target) + "\nprint('kept')")
    _sync_all([a, b])
    assert a.cell_ids()[-1] == target
    assert a.source(target).endswith("print('kept')")
    assert a.to_notebook() == b.to_notebook()


def test_concurrent_inserts_at_same_index_then_insert_between() -> None:
    a, b = _replicas(2)
    x = a.insert_cell(1, source="from a")
    y = b.insert_cell(1, source="from b")
    _sync_all([a, b])
    assert a.cell_ids() == b.cell_ids()
    # Both got the same position; inserting between the tied cells must still work.
    order = a.cell_ids()
    i = order.index(x) if order.index(x) < order.index(y) else order.index(y)
    z = a.insert_cell(i + 1, source="middle")
    assert a.cell_ids()[i + 1] == z
    _sync_all([a, b])
    assert a.cell_ids() == b.cell_ids()


def test_concurrent_typing_in_one_cell_interleaves_cleanly() -> None:
    a, b = _replicas(2)
    cid = a.cell_ids()[2]
    a.set_source(cid, "AAA" + a.source(cid))
    b.set_source(cid, b.source(cid) + "BBB")
    _sync_all([a, b])
    assert a.source(cid) == "AAAx = 'é你'BBB"


def test_changes_between_reports_cells() -> None:
    (a,) = _replicas(1)
    ids = a.cell_ids()
    h0 = a.heads()
    a.set_source(ids[0], "changed")
    d = a.changes_between(h0)
    assert d.content == {ids[0]} and not d.structure
    h1 = a.heads()
    new = a.insert_cell(0)
    d = a.changes_between(h1)
    assert d.structure and d.added == {new}
    h2 = a.heads()
    a.set_outputs(ids[0], [{"output_type": "stream", "name": "stdout", "text": "x"}], 3)
    d = a.changes_between(h2)
    assert d.outputs == {ids[0]} and not d.content
    assert a.changes_between(a.heads()).empty


def test_source_at_heads_and_epochs() -> None:
    a, b = _replicas(2)
    cid = a.cell_ids()[0]
    h = a.heads()
    a.set_source(cid, "new")
    assert a.source(cid, h) == "import os\nprint(1)"
    assert a.has_heads(h) and not _base().has_heads(a.heads())
    other = _base()
    with pytest.raises(DocError):
        a.merge(other)
    assert a.epoch == b.epoch != other.epoch
