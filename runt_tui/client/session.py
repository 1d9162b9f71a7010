"""AsyncSession: join a notebook through the daemon, read locally, write with acknowledgement."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from runt_tui.client.env_api import EnvAPI
from runt_tui.client.kernel_api import KernelAPI
from runt_tui.client.link import DaemonClient, DaemonError, DaemonUnavailable, open_connection
from runt_tui.client.pushed import Pushed
from runt_tui.client.reads import ReadAPI
from runt_tui.client.replica import Replica
from runt_tui.client.ssh import SSHTransport, ssh_transport
from runt_tui.client.sshurl import is_ssh_url, peer_name
from runt_tui.client.widget_mirror import WidgetAPI
from runt_tui.client.writes import WriteAPI
from runt_tui.doc import DocError, NotebookDoc
from runt_tui.protocol import InvalidPayload
from runt_tui.protocol.codec import decode
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.payloads import (
    JoinReply,
)
from runt_tui.protocol.requests import Ack, Join, Leave, Ping, Request
from runt_tui.settings import state_dir

if TYPE_CHECKING:
    from runt_tui.daemon.server import Daemon

T = TypeVar("T")

log = logging.getLogger("runt_tui.client")


# Requests that only keep things up to date: they never bring a stopped daemon back.
PASSIVE_REQUESTS = frozenset({"presence", "ping", "blob"})


def default_name() -> str:
    """The user name, used as the peer name when none is given."""
    try:
        return getpass.getuser()
    except Exception:
        return "user"


class AsyncSession(Pushed, ReadAPI, WriteAPI, KernelAPI, WidgetAPI, EnvAPI):
    """One client's view of one notebook room (a file path, or a notebook_id)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        notebook_id: str | None = None,
        name: str | None = None,
        embedded: bool = False,
        home: str | os.PathLike[str] | None = None,
        kind: str = "script",
        autostart: bool = True,
        url: str | None = None,
        ssh_command: str | None = None,
        remote_command: str | None = None,
    ) -> None:
        if sum(x is not None for x in (path, notebook_id, url)) != 1:
            raise ValueError("give exactly one of path=, notebook_id= or url=")
        if url is not None and not is_ssh_url(url):
            path, url = url, None  # a plain path given as the address
        self.home = Path(home) if home is not None else state_dir()
        self.transport: SSHTransport | None = None
        if url is not None:
            if embedded:
                raise ValueError("an ssh:// notebook uses the server's daemon: embedded=True does not apply")
            self.transport = ssh_transport(url, self.home, ssh_command, remote_command)
            # The remote daemon resolves it (and `~`) on its side; the join answer holds the result.
            self.path: str | None = self.transport.target.path
        else:
            self.path = os.path.realpath(os.fspath(path)) if path is not None else None
        self.url = url
        self.notebook_id = notebook_id
        self.name = name or default_name()
        if self.transport is not None:
            # Everyone in a remote room joins from somewhere: presence shows the machine.
            self.name = peer_name(self.name, socket.gethostname())
        self.embedded = embedded
        self.kind = kind
        self.autostart = autostart
        self.client: DaemonClient | None = None
        self.replica: Replica | None = None
        self.room = ""
        self.peer_id = ""
        self.colour = ""
        self.epoch = ""
        self._init_pushed()
        self.connection_state = "disconnected"
        self._closing = False
        self._reconnect_task: asyncio.Task[None] | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._heartbeat_interval = 5.0
        # How long a request waits for a lost connection to come back before failing.
        self.reconnect_wait = 10.0
        self._flush_scheduled = False
        self._embedded_daemon: Daemon | None = None
        self._embedded_lock: contextlib.ExitStack | None = None
        self._blob_task: asyncio.Task[None] | None = None
        self._scan_blobs = False

    # ---- connecting ------------------------------------------------------

    async def prepare_transport(self) -> None:
        """For ssh://: start the remote daemon and the forward now (ssh may prompt on the terminal)."""
        if self.transport is not None:
            await self.transport.prepare()

    async def __aenter__(self) -> AsyncSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _start_embedded(self) -> None:
        from runt_tui.daemon.lifecycle import daemon_lock
        from runt_tui.daemon.server import Daemon
        from runt_tui.settings import load_settings

        stack = contextlib.ExitStack()
        if stack.enter_context(daemon_lock(self.home)):
            daemon = Daemon(self.home, load_settings())
            await daemon.start()
            self._embedded_daemon = daemon
            self._embedded_lock = stack
        else:
            stack.close()  # a daemon already runs for this user: use it

    async def connect(self) -> None:
        """Connect (auto-starting or embedding the daemon), join the room, load the replica."""
        if self.embedded and self._embedded_daemon is None:
            with contextlib.suppress(DaemonUnavailable):
                conn = await open_connection(self.home, autostart=False)
                conn.close()
                self.embedded = False
            if self.embedded:
                await self._start_embedded()
        await self._connect_once()
        self._heartbeat_task = asyncio.get_running_loop().create_task(self._heartbeat(), name="runt-heartbeat")

    async def _connect_once(self) -> None:
        if self.transport is not None:
            conn = await self.transport.connect()
        else:
            conn = await open_connection(self.home, autostart=self.autostart and not self.embedded)
        client = DaemonClient(conn)
        client.event_handlers.append(self._on_event)
        where = {"path": self.path} if self.path is not None else {"notebook_id": self.notebook_id}
        try:
            header, data = await client.ask(Join(**where, name=self.name, kind=self.kind))
        except BaseException:
            await client.close()
            raise
        # Only a joined connection reconnects when lost: a failed join is the caller's error.
        if client.closed:
            raise DaemonUnavailable("the connection to the daemon was lost while joining")
        client.on_close.append(self._on_lost)
        self.client = client
        try:
            joined = decode(JoinReply, header, "join reply")
        except InvalidPayload:
            await client.close()
            raise
        self.room = joined.room
        self.peer_id = joined.peer_id
        self.colour = joined.colour
        self._set_state(joined.runtime)
        self.peer_list = joined.peers
        if self.transport is not None and joined.path is not None:
            self.path = joined.path
        if joined.heartbeat_interval > 0:
            self._heartbeat_interval = joined.heartbeat_interval
        epoch = joined.epoch
        if self.replica is None:
            self.replica = Replica(NotebookDoc.load(data), author=self.name)
            if self.transport is not None:
                self.replica.blobs = self.transport.blob_cache()
        elif epoch != self.epoch:
            log.warning("the daemon's document has a new epoch: replaying unsynced edits")
            self.replica.replace(NotebookDoc.load(data))
        else:
            self.replica.sync.reset()
        self.epoch = epoch
        self.stopped_reason = None
        client.sync_handlers[self.room] = lambda _room, payload: self._on_sync(payload)
        self.replica.attach(lambda msg: client.send_sync(self.room, msg, self.epoch))
        self.replica.flush()
        if self.replica.unreplayed:
            await self._replay_unprepared()
        self._set_connection("connected")
        self._fetch_blobs_soon(all_refs=True)
        self._on_reconnected()

    def _set_connection(self, state: str) -> None:
        self.connection_state = state
        self._emit({"type": "connection", "state": state})

    def _on_sync(self, payload: bytes) -> None:
        if self.replica is None:
            return
        # Apply now (listeners see the change at once); answer once per loop iteration.
        self.replica.receive(payload, flush=False)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_replica)
        if self.replica.missing_blobs:
            self._fetch_blobs_soon()

    def _flush_replica(self) -> None:
        self._flush_scheduled = False
        if self.replica is not None:
            self.replica.flush()

    def _on_lost(self) -> None:
        if self.replica is not None:
            self.replica.attach(None)
        if self._closing:
            return
        if self.stopped_reason is not None:
            # Stopped on purpose: starting another daemon is for the user to decide
            # (reconnect(), an edit, or a request that needs the daemon).
            self._set_connection("stopped")
            return
        self._start_reconnect()

    def reconnect(self) -> None:
        """After a daemon stop: reconnect now, starting a daemon if none runs (no-op otherwise)."""
        if self.connection_state == "stopped" and not self._closing:
            self._start_reconnect()

    def _start_reconnect(self) -> None:
        self._set_connection("reconnecting")
        if self._reconnect_task is None or self._reconnect_task.done():
            self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect(), name="runt-reconnect")

    def edit(self, fn: Callable[[NotebookDoc], T]) -> T:
        """Apply an edit to the replica and send it; after a daemon stop, reconnect to deliver it."""
        result = super().edit(fn)
        if self.connection_state == "stopped":
            self.reconnect()
        return result

    async def _reconnect(self) -> None:
        delay = 0.05
        while not self._closing:
            await asyncio.sleep(delay)
            try:
                if self.embedded and self._embedded_daemon is None:
                    await self._start_embedded()
                await self._connect_once()
                return
            except (DaemonUnavailable, DaemonError, InvalidPayload, OSError, DocError) as e:
                log.info("reconnect failed: %s", e)
                delay = min(delay * 2, 2.0)

    async def _heartbeat(self) -> None:
        while not self._closing:
            await asyncio.sleep(self._heartbeat_interval)
            client = self.client
            if client is not None and not client.closed:
                with contextlib.suppress(Exception):
                    await client.ask(Ping(), timeout=10.0)

    async def close(self) -> None:
        """Leave the room and disconnect (the embedded daemon, if ours, saves and stops)."""
        self._closing = True
        for task in (self._reconnect_task, self._heartbeat_task, self._blob_task):
            if task is not None:
                task.cancel()
        if self.client is not None and not self.client.closed:
            with contextlib.suppress(Exception):
                await self.sync_now(timeout=5.0)
            with contextlib.suppress(Exception):
                await self.client.ask(Leave(), timeout=5.0, room=self.room)
            await self.client.close()
        if self._embedded_daemon is not None:
            await self._embedded_daemon.shutdown()
            self._embedded_daemon = None
        if self._embedded_lock is not None:
            self._embedded_lock.close()
            self._embedded_lock = None
        if self.transport is not None:
            self.transport.close()
        self.connection_state = "closed"

    # ---- requests ---------------------------------------------------------

    async def request(
        self, rtype: str, payload: bytes = b"", timeout: float | None = 60.0, **fields: object
    ) -> tuple[JSONDict, bytes]:
        """A request about this room (waits up to `reconnect_wait` s for a reconnect in progress;
        after a daemon stop, a request that needs the daemon starts that reconnect)."""
        if self.connection_state == "stopped":
            if rtype in PASSIVE_REQUESTS:
                raise DaemonUnavailable(f"the daemon was stopped ({self.stopped_reason})")
            self.reconnect()
        deadline = asyncio.get_running_loop().time() + self.reconnect_wait
        while asyncio.get_running_loop().time() < deadline:
            if self.client is not None and not self.client.closed:
                break
            if self._closing:
                raise DaemonUnavailable("the session is closed")
            await asyncio.sleep(0.1)
        if self.client is None or self.client.closed:
            raise DaemonUnavailable("not connected to the daemon")
        return await self.client.request(rtype, payload, timeout=timeout, room=self.room, **fields)

    async def ask(self, req: Request, payload: bytes = b"", timeout: float | None = 60.0) -> tuple[JSONDict, bytes]:
        """A typed request about this room (see `request`)."""
        return await self.request(req.TYPE, payload, timeout, **req.to_json())

    async def sync_now(self, timeout: float = 10.0) -> None:
        """Return once the daemon holds (and has persisted) every local change."""
        replica = self._replica()
        for attempt in range(2):
            replica.flush()
            heads = replica.doc.heads()
            try:
                await self.ask(Ack([h.hex() for h in heads], wait=timeout, epoch=self.epoch), timeout=timeout + 1)
            except DaemonError as e:
                # The document was compacted meanwhile: its event came first, so the
                # replica is the new one, with our unsynced edits replayed: ask again.
                if e.code != "EPOCH_CHANGED" or attempt:
                    raise
                continue
            replica.acked_heads = heads
            return

    def _replica(self) -> Replica:
        if self.replica is None:
            raise RuntimeError("not connected: call connect() first")
        return self.replica
