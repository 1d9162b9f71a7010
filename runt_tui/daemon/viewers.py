"""Read-only peers (`runt-tui --view`): a viewer watches a room and may change nothing in it.

A client joins with kind "viewer". The daemon then refuses its requests that
change the notebook or use the kernel, and any sync message that would add a
change to the document (a viewer's replica answers sync messages with heads
and Bloom filters only; a message carrying changes is read on a fork, so
changes the room already has are harmless). Other peers see the kind in the
peer list.
"""

from __future__ import annotations

from runt_tui.doc import NotebookDoc, SyncPeer
from runt_tui.doc.syncmsg import change_count

VIEWER = "viewer"
# Room requests a viewer may make: staying in the room and saying where it looks.
VIEWER_REQUESTS = frozenset({"leave", "ack", "presence"})
REFUSED = "this terminal joined as a viewer (runt-tui --view): it cannot change the notebook or use the kernel"


def viewer_refusal(kind: str, request_type: str) -> str | None:
    """Why a peer of `kind` may not make this room request (None: it may)."""
    if kind != VIEWER or request_type in VIEWER_REQUESTS:
        return None
    return f"{request_type} refused: {REFUSED}"


def adds_changes(doc: NotebookDoc, data: bytes) -> bool:
    """True when applying this sync message would change the document."""
    count = change_count(data)
    if count == 0:
        return False
    fork = doc.fork()
    try:
        SyncPeer(fork).receive(data)
    except Exception:
        return True  # unreadable: never applied for a viewer
    return fork.heads() != doc.heads()


def sync_refusal(kind: str, doc: NotebookDoc, data: bytes) -> str | None:
    """Why a sync message from a peer of `kind` is not applied (None: apply it)."""
    if kind != VIEWER or not adds_changes(doc, data):
        return None
    return f"edit refused: {REFUSED}"

