"""The client library: the protocol client and the Session API (no Textual)."""

from __future__ import annotations

from runt_tui.client.blocking import Session
from runt_tui.client.cells import Cell
from runt_tui.client.kernel_api import ExecutionResult
from runt_tui.client.link import DaemonError, DaemonUnavailable, UnsafeDaemon
from runt_tui.client.session import AsyncSession
from runt_tui.doc import DocError
from runt_tui.protocol.payloads import PeerInfo
from runt_tui.protocol.runtime import (
    ExecError,
    ExecutionSummary,
    FileState,
    InputRequest,
    KernelState,
    PersistState,
    QueueEntry,
    Requester,
    RuntimeState,
    SaveState,
)

__all__ = [
    "AsyncSession", "Cell", "DaemonError", "DaemonUnavailable", "DocError", "ExecError", "ExecutionResult",
    "ExecutionSummary", "FileState", "InputRequest", "KernelState", "PeerInfo", "PersistState", "QueueEntry",
    "Requester", "RuntimeState", "SaveState", "Session", "UnsafeDaemon",
]
