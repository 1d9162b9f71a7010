"""The client library: the protocol client and the Session API (no Textual)."""

from __future__ import annotations

from runt_tui.client.blocking import Session
from runt_tui.client.cells import Cell
from runt_tui.client.kernel_api import ExecutionResult
from runt_tui.client.link import DaemonError, DaemonUnavailable, UnsafeDaemon
from runt_tui.client.session import AsyncSession
from runt_tui.doc import DocError

__all__ = [
    "AsyncSession", "Cell", "DaemonError", "DaemonUnavailable", "DocError", "ExecutionResult", "Session",
    "UnsafeDaemon",
]
