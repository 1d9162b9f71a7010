"""Peers of a room: who is connected, their sync state and presence."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from runt_tui.doc import NotebookDoc, SyncPeer
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.payloads import PeerInfo, Presence

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

    def send_event(self, header: JSONDict, payload: bytes = b"") -> None:
        """Send an event (its header: see protocol/payloads.py); raises when the peer is too slow."""

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
    presence: Presence = field(default_factory=Presence)
    kind: str = "tui"

    def describe(self) -> PeerInfo:
        """The public view of this peer."""
        p = self.presence
        return PeerInfo(
            self.peer_id, self.name, self.colour, self.kind, self.joined_at, p.cell, p.cursor, p.mode, p.selection
        )


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
