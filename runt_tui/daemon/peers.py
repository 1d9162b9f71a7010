"""Peers of a room: who is connected, their sync state and presence."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from runt_tui.doc import NotebookDoc, SyncPeer

PALETTE = (
    "#e06c75",
    "#61afef",
    "#98c379",
    "#e5c07b",
    "#c678dd",
    "#56b6c2",
    "#d19a66",
    "#ff79c6",
)


class Outbox(Protocol):
    """Where a room sends frames for one client connection."""

    def send_sync(self, room: str, data: bytes) -> None:
        """Send an Automerge sync message; raises when the peer is too slow."""

    def send_event(self, event: dict[str, Any], payload: bytes = b"") -> None:
        """Send an event; raises when the peer is too slow."""

    def drop(self, reason: str) -> None:
        """Close the connection (slow or misbehaving peer)."""


@dataclass
class PeerLink:
    """One client joined to one room."""

    peer_id: str
    name: str
    colour: str
    outbox: Outbox
    sync: SyncPeer
    joined_at: float = field(default_factory=time.time)
    presence: dict[str, Any] = field(default_factory=dict)
    kind: str = "tui"

    def describe(self) -> dict[str, Any]:
        """The public view of this peer."""
        return {
            "peer_id": self.peer_id,
            "name": self.name,
            "colour": self.colour,
            "kind": self.kind,
            "joined_at": self.joined_at,
            **{k: v for k, v in self.presence.items() if k in ("cell", "cursor", "mode", "selection", "follow", "active_at")},
        }


def new_link(doc: NotebookDoc, peer_id: str, name: str, colour: str | None, outbox: Outbox, index: int, kind: str) -> PeerLink:
    """A link with a fresh sync state and a colour from the palette."""
    return PeerLink(
        peer_id=peer_id,
        name=name,
        colour=colour or PALETTE[index % len(PALETTE)],
        outbox=outbox,
        sync=SyncPeer(doc),
        kind=kind,
    )
