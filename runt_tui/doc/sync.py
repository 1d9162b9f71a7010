"""Automerge sync sessions, wrapped so that no layer but doc/ touches automerge."""

from __future__ import annotations

from automerge.core import Message, SyncState

from runt_tui.doc.notebook import NotebookDoc
from runt_tui.doc.schema import DocError


class SyncPeer:
    """The sync state this replica keeps for one remote replica."""

    def __init__(self, doc: NotebookDoc) -> None:
        self.doc = doc
        self._state = SyncState()

    def reset(self, doc: NotebookDoc | None = None) -> None:
        """Forget what the remote has (after a reconnect), optionally switching document."""
        if doc is not None:
            self.doc = doc
        self._state = SyncState()

    def generate(self) -> bytes | None:
        """The next sync message for the remote, or None when it is up to date."""
        msg = self.doc.automerge.generate_sync_message(self._state)
        return None if msg is None else msg.encode()

    def receive(self, data: bytes) -> None:
        """Apply a sync message from the remote; DocError on malformed bytes."""
        try:
            msg = Message.decode(data)
        except Exception as e:  # the bindings raise bare Exception
            raise DocError(f"malformed sync message: {e}") from None
        try:
            self.doc.automerge.receive_sync_message(self._state, msg)
        except Exception as e:
            raise DocError(f"sync message rejected: {e}") from None
