"""Counting the changes in a sync message (how the daemon tells a viewer's edit from its acks)."""

from __future__ import annotations

from runt_tui.doc import NotebookDoc, SyncPeer
from runt_tui.doc.syncmsg import change_count


def _round(a: SyncPeer, b: SyncPeer) -> list[bytes]:
    """Sync a and b to rest; every message a sends."""
    sent = []
    for _ in range(10):
        m = a.generate()
        if m is not None:
            sent.append(m)
            b.receive(m)
        r = b.generate()
        if r is not None:
            a.receive(r)
        if m is None and r is None:
            break
    return sent


def test_messages_with_and_without_changes() -> None:
    daemon = NotebookDoc.new()
    daemon.insert_cell(0, "code", "x", cell_id="c")
    viewer = NotebookDoc.load(daemon.save())
    d_side, v_side = SyncPeer(daemon), SyncPeer(viewer)
    quiet = _round(v_side, d_side)
    assert quiet and all(change_count(m) == 0 for m in quiet)  # only heads and Bloom filters
    viewer.insert_cell(1, "code", "edit", cell_id="d")
    sent = _round(v_side, d_side)
    assert any((change_count(m) or 0) > 0 for m in sent)
    daemon.set_source("c", "y")
    assert all(change_count(m) == 0 for m in _round(v_side, d_side))  # receiving is not editing


def test_malformed_messages() -> None:
    assert change_count(b"") is None
    assert change_count(b"\x00\x01") is None
    assert change_count(b"\x42\x05") is None  # five heads announced, none there
    assert change_count(b"\x42\x00\x00\x00\x02") == 2
