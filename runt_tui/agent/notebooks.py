"""The agent's notebooks: one Session per notebook, opened on demand, always named by the caller."""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runt_tui.agent.tool_errors import AgentError
from runt_tui.client import AsyncSession, DaemonError, DaemonUnavailable
from runt_tui.client.link import DaemonClient, open_connection
from runt_tui.settings import state_dir

ID_PREFIX = "id:"


@dataclass(frozen=True)
class NotebookRef:
    """A notebook as the caller named it: a canonical file path, or a notebook id."""

    path: str | None = None
    notebook_id: str | None = None

    @property
    def key(self) -> str:
        """What list_notebooks shows and every tool accepts back."""
        return self.path if self.path is not None else ID_PREFIX + str(self.notebook_id)


def parse_ref(notebook: str, cwd: str | None = None) -> NotebookRef:
    """A path (ends in .ipynb, or has a '/' or a leading '~'), else a notebook id ('id:' optional)."""
    text = notebook.strip()
    if not text:
        raise AgentError("name the notebook: a .ipynb path, or a notebook id such as 'id:scratch'")
    if text.startswith(ID_PREFIX):
        nid = text[len(ID_PREFIX):]
        if not nid:
            raise AgentError("'id:' needs a notebook id after it, e.g. 'id:scratch'")
        return NotebookRef(notebook_id=nid)
    if text.endswith(".ipynb") or "/" in text or text.startswith("~"):
        expanded = os.path.expanduser(text)
        full = expanded if os.path.isabs(expanded) else os.path.join(cwd or os.getcwd(), expanded)
        return NotebookRef(path=os.path.realpath(full))
    return NotebookRef(notebook_id=text)


class NotebookPool:
    """Sessions by notebook, on one daemon, all under the agent's name."""

    def __init__(self, name: str, home: Path | None = None, autostart: bool = True, cwd: str | None = None) -> None:
        self.name = name
        self.home = home if home is not None else state_dir()
        self.autostart = autostart
        self.cwd = cwd
        self.sessions: dict[str, AsyncSession] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    async def daemon_rooms(self) -> list[dict[str, Any]] | None:
        """The daemon's open rooms (what `runt-tui ps` lists); None when no daemon runs (none is started)."""
        try:
            conn = await open_connection(self.home, autostart=False)
        except DaemonUnavailable:
            return None
        client = DaemonClient(conn)
        try:
            header, _ = await client.request("status", timeout=10)
        finally:
            await client.close()
        rooms = header.get("rooms")
        return [r for r in rooms if isinstance(r, dict)] if isinstance(rooms, list) else []

    async def session(self, notebook: str, create: bool = False) -> AsyncSession:
        """The connected session of a notebook, joining it first if this server has not yet."""
        ref = parse_ref(notebook, self.cwd)
        s = self.sessions.get(ref.key)
        if s is not None:
            return s
        lock = self._opening.setdefault(ref.key, asyncio.Lock())
        async with lock:
            s = self.sessions.get(ref.key)
            if s is None:
                s = await self._join(ref, create)
                self.sessions[ref.key] = s
        return s

    async def _join(self, ref: NotebookRef, create: bool) -> AsyncSession:
        if not create:
            await self._check_exists(ref)
        s = AsyncSession(path=ref.path, notebook_id=ref.notebook_id, name=self.name, home=self.home,
                         kind="agent", autostart=self.autostart)
        # A tool call fails within seconds while the daemon is away, rather than hanging.
        s.reconnect_wait = 5.0
        try:
            await s.connect()
        except BaseException as e:
            await s.close()
            if isinstance(e, DaemonError):
                raise AgentError(f"cannot open {ref.key}: {e.message}") from None
            if isinstance(e, DaemonUnavailable):
                raise AgentError(f"the runt-tui daemon is not reachable: {e}") from None
            raise
        return s

    async def _check_exists(self, ref: NotebookRef) -> None:
        if ref.path is not None:
            if not os.path.isfile(ref.path):
                raise AgentError(f"no notebook file at {ref.path}; call open_notebook with create=true to create it")
            return
        if not any(r.get("notebook_id") == ref.notebook_id for r in await self.daemon_rooms() or []):
            raise AgentError(f"no open notebook has the id {ref.notebook_id!r}; "
                             "call list_notebooks, or open_notebook with create=true to start one")

    async def close(self, notebook: str) -> bool:
        """Leave a notebook; False when this server did not have it open."""
        s = self.sessions.pop(parse_ref(notebook, self.cwd).key, None)
        if s is None:
            return False
        await s.close()
        return True

    async def close_all(self) -> None:
        """Leave every notebook (their rooms stay open for the other peers)."""
        sessions, self.sessions = list(self.sessions.values()), {}
        for s in sessions:
            with contextlib.suppress(Exception):
                await s.close()
