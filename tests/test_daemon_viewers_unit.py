"""The viewer rules on their own: which requests a viewer may make, which sync messages it may send."""

from __future__ import annotations

from runt_tui.daemon.viewers import adds_changes, sync_refusal, viewer_refusal
from runt_tui.doc import NotebookDoc, SyncPeer


def test_requests() -> None:
    for allowed in ("leave", "ack", "presence"):
        assert viewer_refusal("viewer", allowed) is None
    for refused in ("execute", "prepare", "save", "start_kernel", "clear_outputs", "interrupt", "input_reply"):
        message = viewer_refusal("viewer", refused)
        assert message is not None and "viewer" in message and "--view" in message
    assert viewer_refusal("tui", "execute") is None


def _message(sender: NotebookDoc, receiver: NotebookDoc) -> bytes:
    a, b = SyncPeer(sender), SyncPeer(receiver)
    for _ in range(10):
        m = a.generate()
        if m is None:
            break
        before = receiver.heads()
        b.receive(m)
        if receiver.heads() != before:
            return m
        r = b.generate()
        if r is not None:
            a.receive(r)
    raise AssertionError("no change was sent")


def test_sync_messages() -> None:
    room = NotebookDoc.new()
    room.insert_cell(0, "code", "x", cell_id="c")
    viewer = NotebookDoc.load(room.save())
    viewer.insert_cell(1, "code", "y", cell_id="d")
    copy = NotebookDoc.load(room.save())
    data = _message(viewer, copy)
    assert adds_changes(room, data)
    message = sync_refusal("viewer", room, data)
    assert message is not None and message.startswith("edit refused")
    assert "d" not in room  # reading it did not apply it
    assert sync_refusal("tui", room, data) is None
    room.merge(NotebookDoc.load(viewer.save()))
    assert not adds_changes(room, data)  # changes the room already has are harmless
    assert sync_refusal("viewer", room, b"\x42garbage") is not None
