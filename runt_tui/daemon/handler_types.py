"""What every request handler shares: its signature, its reply and its error (no heavy imports).

Kept apart from handlers.py so that the daemon answers its first requests
(hello, status, ping, stop) without loading the document and kernel layers.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol

from runt_tui.protocol import ErrorCode
from runt_tui.protocol.jsontypes import JSONDict

if TYPE_CHECKING:
    from runt_tui.daemon.client_conn import ClientConn
    from runt_tui.daemon.server import Daemon

# A request's header, as checked by protocol/fields.py before its handler runs.
Header = JSONDict
# A handler's answer: the response's fields (a shape of protocol/payloads.py, as JSON) and payload.
Reply = tuple[JSONDict, bytes]


class Handler(Protocol):
    """A request handler: the daemon, the asking connection, the request's header and payload."""

    def __call__(self, d: Daemon, c: ClientConn, h: Header, p: bytes, /) -> Awaitable[Reply]: ...


class RequestError(Exception):
    """A request failed; the client gets an error response with this code and message."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
