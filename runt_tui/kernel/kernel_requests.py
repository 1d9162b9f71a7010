"""Shell requests other than execute: completion, inspection, and the comm messages of a frontend.

A mixin of `KernelSession`: the comm half sends `comm_open` / `comm_msg` /
`comm_close` (with binary buffers) the way a Jupyter frontend does, and asks
`comm_info_request`; comm messages *from* the kernel arrive on iopub and go to
the session's iopub tap (see `Router.tap`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient

from runt_tui.kernel.router import Message, Router


class KernelRequests:
    """complete / inspect / is_complete and the frontend side of comms."""

    _router: Router

    def _require_client(self) -> AsyncKernelClient:
        raise NotImplementedError

    async def complete(
        self, code: str, cursor_pos: int | None = None, *, timeout: float = 10.0
    ) -> Message:
        """Return the complete_reply content (TimeoutError while the kernel is busy)."""
        kc = self._require_client()
        return await self._request(kc.complete(code, cursor_pos), timeout)

    async def inspect(
        self, code: str, cursor_pos: int | None = None, *, detail_level: int = 0,
        timeout: float = 10.0,
    ) -> Message:
        """Return the inspect_reply content (TimeoutError while the kernel is busy)."""
        kc = self._require_client()
        return await self._request(kc.inspect(code, cursor_pos, detail_level), timeout)

    async def is_complete(self, code: str, *, timeout: float = 10.0) -> Message:
        """Return the is_complete_reply content."""
        kc = self._require_client()
        return await self._request(kc.is_complete(code), timeout)

    async def comm_info(self, target_name: str | None = None, *, timeout: float = 10.0) -> Message:
        """Return the comm_info_reply content: the kernel's open comms (of one target)."""
        kc = self._require_client()
        content: dict[str, Any] = {} if target_name is None else {"target_name": target_name}
        return await self._request(self._send_shell(kc, "comm_info_request", content, ()), timeout)

    def send_comm(self, msg_type: str, content: dict[str, Any], buffers: Sequence[bytes] = ()) -> str:
        """Send comm_open / comm_msg / comm_close on the shell channel; return its msg_id.

        The kernel answers nothing on shell: what follows (echoes, state, outputs
        of callbacks) comes on iopub with this msg_id as parent.
        """
        if msg_type not in ("comm_open", "comm_msg", "comm_close"):
            raise ValueError(f"not a comm message: {msg_type!r}")
        return self._send_shell(self._require_client(), msg_type, content, buffers)

    @staticmethod
    def _send_shell(kc: AsyncKernelClient, msg_type: str, content: dict[str, Any], buffers: Sequence[bytes]) -> str:
        msg = kc.session.msg(msg_type, content)
        # jupyter_client's channel.send takes no buffers: the session does.
        kc.session.send(kc.shell_channel.socket, msg, buffers=list(buffers) or None)
        msg_id: str = msg["header"]["msg_id"]
        return msg_id

    async def _request(self, msg_id: str, timeout: float) -> Message:
        fut = self._router.add_request(msg_id)
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._router.requests.pop(msg_id, None)
