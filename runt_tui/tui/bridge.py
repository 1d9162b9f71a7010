"""From session callbacks to Textual messages, coalesced so bursts cost one redraw.

Document deltas and events arrive from the client library on the app's own
event loop, possibly hundreds per second while a cell streams output. The
bridge merges them and posts at most one `SessionUpdate` per frame. The one
thing done synchronously is handing a remote change of the cell being edited
to its editor, so that local typing and remote edits are never reordered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump

from runt_tui.client import AsyncSession
from runt_tui.doc import DocDelta

FRAME = 1 / 60


@dataclass
class Pending:
    """Everything that changed since the last SessionUpdate."""

    structure: bool = False
    metadata: bool = False
    cells: set[str] = field(default_factory=set)
    runtime: bool = False
    presence: bool = False
    blobs: bool = False
    connection: str | None = None
    notices: list[tuple[str, str]] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    prompts: list[dict[str, Any]] = field(default_factory=list)

    def document(self) -> bool:
        """Whether the document changed (not only who is where, or the kernel's state)."""
        return self.structure or self.metadata or bool(self.cells)

    def empty(self) -> bool:
        return not (
            self.structure or self.metadata or self.cells or self.runtime or self.presence
            or self.blobs or self.connection or self.notices or self.inputs or self.prompts
        )


class SessionUpdate(Message):
    """A coalesced batch of changes from the session."""

    def __init__(self, pending: Pending) -> None:
        super().__init__()
        self.pending = pending


class SessionBridge:
    """Listens to one AsyncSession and posts SessionUpdate messages to `target`."""

    def __init__(
        self,
        session: AsyncSession,
        target: MessagePump,
        edited_cell: Callable[[], str | None],
        on_edited_change: Callable[[], None],
    ) -> None:
        self.session = session
        self.target = target
        self.edited_cell = edited_cell
        self.on_edited_change = on_edited_change
        self.pending = Pending()
        self._flush_at: asyncio.Handle | None = None  # the pending flush (call_soon or call_later)
        self._due = 0.0
        self._last = 0.0
        self._last_document = 0.0
        self.attached = False

    def attach(self) -> None:
        """Start listening (after connect)."""
        if self.attached or self.session.replica is None:
            return
        self.session.replica.listeners.append(self._on_delta)
        self.session.event_listeners.append(self._on_event)
        self.attached = True

    def detach(self) -> None:
        """Stop listening."""
        if not self.attached:
            return
        replica = self.session.replica
        if replica is not None and self._on_delta in replica.listeners:
            replica.listeners.remove(self._on_delta)
        if self._on_event in self.session.event_listeners:
            self.session.event_listeners.remove(self._on_event)
        self.attached = False

    def _on_delta(self, delta: DocDelta) -> None:
        edited = self.edited_cell()
        if edited is not None and (edited in delta.content or edited in delta.removed or delta.structure):
            self.on_edited_change()
        p = self.pending
        p.structure |= delta.structure or bool(delta.added or delta.removed)
        p.metadata |= delta.metadata
        p.cells |= delta.content | delta.outputs | delta.added
        self._schedule()

    def _on_event(self, event: dict[str, Any]) -> None:
        etype = event.get("type")
        p = self.pending
        if etype == "runtime":
            p.runtime = True
        elif etype == "presence":
            p.presence = True
        elif etype == "connection":
            p.connection = str(event.get("state") or "")
        elif etype == "notice":
            p.notices.append((str(event.get("level") or "info"), str(event.get("message") or "")))
        elif etype == "blobs":
            p.blobs = True
        elif etype == "input_request":
            p.inputs.append(event)
        elif etype == "input_prompt":
            p.prompts.append(event)
        else:
            return
        self._schedule()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        # Leading edge: the first change after a quiet frame goes out at once (typing
        # latency); a burst is then throttled to one update per frame. A document change
        # is throttled only by the last update that carried one: a peer's cursor moving
        # a moment before its keystroke arrives must not hold the keystroke back.
        last = self._last_document if self.pending.document() else self._last
        now = loop.time()
        due = max(now, last + FRAME)
        if self._flush_at is not None:
            if due >= self._due:
                return
            self._flush_at.cancel()
        self._due = due
        self._flush_at = loop.call_soon(self._flush) if due <= now else loop.call_later(due - now, self._flush)

    def _flush(self) -> None:
        self._flush_at = None
        self._last = asyncio.get_running_loop().time()
        if self.pending.document():
            self._last_document = self._last
        pending, self.pending = self.pending, Pending()
        if not pending.empty():
            self.target.post_message(SessionUpdate(pending))
