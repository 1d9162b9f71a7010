"""What the Session API's mixins (reads, writes, kernel) need from AsyncSession, which has it all."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.payloads import PeerInfo
from runt_tui.protocol.requests import Request
from runt_tui.protocol.runtime import RuntimeState

if TYPE_CHECKING:
    from runt_tui.client.cells import Cell
    from runt_tui.client.replica import Replica
    from runt_tui.doc import CellView


class SessionHost(Protocol):
    """AsyncSession as its mixins see it."""

    replica: Replica | None
    state: RuntimeState
    peer_list: list[PeerInfo]
    _closing: bool
    _blob_task: asyncio.Task[None] | None
    _scan_blobs: bool

    async def request(
        self, rtype: str, payload: bytes = b"", timeout: float | None = 60.0, **fields: object
    ) -> tuple[JSONDict, bytes]: ...

    async def ask(self, req: Request, payload: bytes = b"", timeout: float | None = 60.0) -> tuple[JSONDict, bytes]: ...

    def _replica(self) -> Replica: ...

    def _emit(self, event: JSONDict) -> None: ...

    def _fetch_blobs_soon(self, all_refs: bool = False) -> None: ...

    async def _fetch_blobs(self) -> None: ...

    async def fetch_blob(self, digest: str) -> bytes: ...

    async def wait_blobs(self) -> None: ...

    def get_cell(self, cell_id: str) -> Cell: ...

    def _to_cell(self, v: CellView) -> Cell: ...

    async def sync_now(self, timeout: float = 10.0) -> None: ...

    async def prepare_sources(self, cell_ids: list[str], timeout: float = 10.0, force: bool = False) -> None: ...

    async def _wait_for_heads(self, heads: list[bytes], timeout: float = 10.0) -> None: ...
