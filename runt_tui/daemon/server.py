"""The daemon: a Unix-socket server owning every room of one user.

Importing this module loads the protocol and nothing heavier: the document,
kernel, environment and file-watching layers are imported when the first room
opens (or by the warm-up that runs once the socket answers, see warmup.py), so
a fresh daemon listens and answers hello/status within a few hundred ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from runt_tui import __version__
from runt_tui.daemon.client_conn import ClientConn
from runt_tui.daemon.dispatch import answer_request
from runt_tui.daemon.silence import ListeningClock
from runt_tui.daemon.warmup import warm_up
from runt_tui.protocol import (
    Connection,
    ConnectionClosed,
    ErrorCode,
    Frame,
    FrameKind,
    InvalidMessage,
    ProtocolError,
    TruncatedFrame,
    make_error_frame,
    make_error_response,
    server_handshake,
)
from runt_tui.settings import Settings, ensure_private_dir

if TYPE_CHECKING:
    from runt_tui.daemon.room import Room
    from runt_tui.daemon.watcher import FileWatcher
    from runt_tui.doc.blobs import FileBlobStore
    from runt_tui.env import EnvManager

log = logging.getLogger("runt_tui.daemon")


class Daemon:
    """Owns the socket, the rooms, the blob store and the file watcher."""

    def __init__(self, home: Path, settings: Settings) -> None:
        self.home = home
        self.settings = settings
        self.socket_path = home / "daemon.sock"
        self.rooms: dict[str, Room] = {}
        self.clients: dict[int, ClientConn] = {}
        self._opening: dict[str, asyncio.Task[Room]] = {}
        self._closing_rooms: dict[str, asyncio.Task[None]] = {}
        self._server: asyncio.AbstractServer | None = None
        self._stop = asyncio.Event()
        # Why we were asked to stop; clients are told before they are disconnected.
        self._stop_reason: str | None = None
        self._next_conn_id = 0
        self.started_at = time.time()
        self._blobs: FileBlobStore | None = None
        self.rooms_dir = home / "rooms"
        self._watcher: FileWatcher | None = None
        # Set once a request was answered: the warm-up imports start then, not before.
        self.answered = asyncio.Event()
        self._idle_since: float | None = time.monotonic()
        # Silence is measured on this clock, so our own loop's stalls never count against peers.
        self.listening = ListeningClock(self.housekeeping_interval(), time.monotonic())
        self._bg: set[asyncio.Task[object]] = set()
        # Notebook environments, shared by every room (daemon/env_handlers.env_manager).
        self.envs: EnvManager | None = None

    @property
    def blobs(self) -> FileBlobStore:
        """The blob store of every room (created, and its layer imported, on first use)."""
        if self._blobs is None:
            from runt_tui.doc.blobs import FileBlobStore

            self._blobs = FileBlobStore(self.home / "blobs")
        return self._blobs

    @property
    def watcher(self) -> FileWatcher:
        """The watcher of open files' directories (created, and watchfiles imported, on first use)."""
        if self._watcher is None:
            from runt_tui.daemon.watcher import FileWatcher

            self._watcher = FileWatcher(self._on_file_event)
        return self._watcher

    # ---- lifecycle -------------------------------------------------------

    async def start(self) -> None:
        """Bind the socket (0600) inside the private state dir."""
        ensure_private_dir(self.home)
        ensure_private_dir(self.rooms_dir)
        ensure_private_dir(self.home / "kernels")
        ensure_private_dir(self.home / "blobs")  # refused here, at start, not at the first room
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._handle, path=str(self.socket_path), limit=1 << 20)
        finally:
            os.umask(old)
        os.chmod(self.socket_path, 0o600)
        self._spawn(self._housekeeping())
        self._spawn(warm_up(self.answered))
        log.info("daemon %s listening on %s (pid %d)", __version__, self.socket_path, os.getpid())

    def request_stop(self, reason: str | None = None) -> None:
        """Ask serve() to return; rooms are saved on the way out. With a `reason` (a stop
        someone asked for), clients are told, so they do not start another daemon."""
        if reason is not None and self._stop_reason is None:
            self._stop_reason = reason
        self._stop.set()

    async def serve(self) -> None:
        """Run until stopped (request, signal or idle timeout), then shut down cleanly."""
        try:
            await self._stop.wait()
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        """Stop accepting, save and close every room, close every client."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._stop_reason is not None:
            from runt_tui.protocol.payloads import DaemonStopping, event_header

            stopping = Frame(FrameKind.EVENT, event_header(DaemonStopping(self._stop_reason)))
            for client in list(self.clients.values()):
                self._safe_send(client, stopping)
        if self._watcher is not None:
            await self._watcher.stop()
        if self._closing_rooms:
            await asyncio.wait(list(self._closing_rooms.values()))
        for room in list(self.rooms.values()):
            try:
                await room.close()
            except Exception:
                log.exception("closing room %s", room.key)
        self.rooms.clear()
        if self.envs is not None:
            await self.envs.close()
        for client in list(self.clients.values()):
            client.conn.close()
        for t in list(self._bg):
            t.cancel()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        log.info("daemon stopped")

    def _spawn(self, coro: Coroutine[object, object, object]) -> asyncio.Task[object]:
        task = asyncio.get_running_loop().create_task(coro)
        self._bg.add(task)
        task.add_done_callback(self._bg.discard)
        return task

    def housekeeping_interval(self) -> float:
        """Seconds between housekeeping rounds (silence checks among them)."""
        return min(1.0, self.settings.heartbeat_interval)

    async def _housekeeping(self) -> None:
        """Drop silent clients, close rooms nobody uses, exit when idle."""
        while True:
            await asyncio.sleep(self.housekeeping_interval())
            try:
                await self._housekeep_once()
            except Exception:  # one bad room must not end heartbeats, cleanup and idle exit
                log.exception("housekeeping failed")

    async def _housekeep_once(self) -> None:
        """One round of housekeeping (see _housekeeping)."""
        now = time.monotonic()
        late = self.listening.tick(now)
        if late > self.settings.heartbeat_timeout:
            log.info("housekeeping ran %.1f s late: that stall is not counted as clients' silence", late)
        listening_now = self.listening.read(now)
        for client in list(self.clients.values()):
            if client.silent_for(listening_now) > self.settings.heartbeat_timeout:
                client.drop("heartbeat timeout")
        for room in list(self.rooms.values()):
            room.maybe_compact()
            if room.peers or room.last_left is None:
                continue
            if now - room.last_left >= self.room_linger(room):
                await self.close_room(room)
        if self.rooms or self.clients:
            self._idle_since = None
        elif self._idle_since is None:
            self._idle_since = now
        elif now - self._idle_since >= self.settings.idle_exit:
            log.info("idle for %.0f s: exiting", now - self._idle_since)
            self.request_stop()

    def room_linger(self, room: Room) -> float:
        """How long a room stays open after its last peer leaves (the kernel's keep-alive, if it runs)."""
        if room.kernel is not None and room.kernel.alive:
            return max(self.settings.room_cleanup_delay, self.settings.kernel_keepalive)
        return self.settings.room_cleanup_delay

    async def close_room(self, room: Room) -> None:
        """Save and forget a room."""
        self.rooms.pop(room.key, None)
        if room.path is not None:
            self.watcher.unwatch(room.path)
        # A join arriving meanwhile waits for this (see _load_room), so that the closing
        # room's last snapshot cannot truncate the change log of the room loaded after it.
        task = asyncio.get_running_loop().create_task(room.close())
        self._closing_rooms[room.key] = task

        def _closed(t: asyncio.Task[None], key: str = room.key) -> None:
            if self._closing_rooms.get(key) is t:
                del self._closing_rooms[key]

        task.add_done_callback(_closed)
        await asyncio.shield(task)
        log.info("room %s: closed %s", room.key, room.path or f"notebook_id {room.notebook_id!r}")

    # ---- rooms -----------------------------------------------------------

    async def open_room(self, path: Path | None, notebook_id: str | None) -> Room:
        """The room for a path or id, loading it exactly once however many clients ask at once."""
        from runt_tui.daemon.persist import room_key
        from runt_tui.daemon.room_files import same_inode

        key = room_key(path, notebook_id)
        room = self.rooms.get(key)
        if room is not None:
            return room
        if path is not None:  # another name (hard link) of a file a room already has
            for other in list(self.rooms.values()):
                if other.path is not None and same_inode(other.path, path):
                    return other
        task = self._opening.get(key)
        if task is None:
            # The load registers the room itself: a first asker that goes away mid-load
            # (cancelled) must not leave the room loaded but unknown, to be loaded again.
            task = asyncio.get_running_loop().create_task(self._load_room(key, path, notebook_id))
            self._opening[key] = task
        return await asyncio.shield(task)

    async def _load_room(self, key: str, path: Path | None, notebook_id: str | None) -> Room:
        try:
            closing = self._closing_rooms.get(key)
            if closing is not None:
                await asyncio.wait([closing])
            started = time.monotonic()
            from runt_tui.daemon.room import Room

            room = await Room.open(key, path, notebook_id, self.rooms_dir, self.settings, self.blobs)
            self.rooms[key] = room
            log.info("room %s: opened %s (%d cells, %.0f ms)", key, path or f"notebook_id {notebook_id!r}",
                     len(room.doc), (time.monotonic() - started) * 1000)
            if path is not None:
                self.watcher.watch(path)
            return room
        finally:
            self._opening.pop(key, None)

    def _on_file_event(self, path: Path) -> None:
        for room in self.rooms.values():
            if room.path == path:
                self._spawn(room.on_file_changed())

    # ---- connections -----------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._next_conn_id += 1
        conn_id = self._next_conn_id
        try:
            await server_handshake(reader, writer, timeout=5.0)
        except (ProtocolError, OSError, TimeoutError) as e:
            log.info("client %d: handshake failed: %s", conn_id, e)
            writer.close()
            return
        client = ClientConn(self, Connection(reader, writer), conn_id)
        self.clients[conn_id] = client
        try:
            await self._serve_client(client)
        finally:
            self.forget_client(client)
            client.conn.close()

    def forget_client(self, client: ClientConn) -> None:
        """Remove a client from the daemon and its peers from their rooms (idempotent)."""
        self.clients.pop(client.conn_id, None)
        links, client.rooms = client.rooms, {}
        for key, link in links.items():
            room = self.rooms.get(key)
            if room is not None:
                room.remove_peer(link.peer_id)
                log.info("room %s: %s left (disconnected)", key, link.name)
        for t in list(client.tasks):
            t.cancel()

    async def _serve_client(self, client: ClientConn) -> None:
        while True:
            try:
                frame = await client.conn.recv()
            except InvalidMessage as e:
                # A well-framed message we refuse (e.g. a lone surrogate): answer it, go on.
                self._refuse_frame(client, e)
                continue
            except ProtocolError as e:
                if not client.conn.closed and not _is_eof(e):
                    with contextlib.suppress(Exception):
                        client.conn.send(make_error_frame(ErrorCode.BAD_REQUEST, str(e)))
                log.info("client %d: %s", client.conn_id, e)
                return
            except (OSError, asyncio.IncompleteReadError):
                return
            client.heard()
            if frame.kind == FrameKind.SYNC:
                self._on_sync(client, frame)
            elif frame.kind == FrameKind.REQUEST:
                task = asyncio.get_running_loop().create_task(self._on_request(client, frame))
                client.tasks.add(task)
                task.add_done_callback(client.tasks.discard)
            else:
                client.conn.send(make_error_frame(ErrorCode.BAD_REQUEST, f"unexpected frame kind {frame.kind}"))

    def _refuse_frame(self, client: ClientConn, e: InvalidMessage) -> None:
        log.info("%s: refused a frame: %s", client.label(), e)
        client.heard()
        if e.request_id is not None:
            self._safe_send(client, make_error_response(e.request_id, ErrorCode.BAD_REQUEST, str(e)))
        else:
            self._safe_send(client, make_error_frame(ErrorCode.BAD_REQUEST, str(e)))

    def _on_sync(self, client: ClientConn, frame: Frame) -> None:
        from runt_tui.doc.schema import DocError, is_panic  # loaded with the first room

        given = frame.header.get("room")
        key = given if isinstance(given, str) else ""
        room = self.rooms.get(key)
        link = client.rooms.get(key)
        if room is None or link is None:
            self._safe_send(client, _error_event(None, ErrorCode.NOT_JOINED, f"sync for unknown room {given!r}"))
            return
        epoch = frame.header.get("epoch")
        if epoch is not None and epoch != room.doc.epoch:
            return  # sent before the client adopted the compacted document: it replays its edits
        try:
            room.receive_sync(link.peer_id, frame.payload)
        except DocError as e:
            log.warning("%s: bad sync message: %s", client.label(), e)
            self._safe_send(client, _error_event(key, ErrorCode.BAD_REQUEST, str(e)))
        except Exception as e:
            log.exception("%s: sync message failed", client.label())
            self._safe_send(client, _error_event(key, ErrorCode.INTERNAL, str(e)))
        except BaseException as e:
            if not is_panic(e):
                raise
            log.error("%s: sync message made the document layer panic: %s", client.label(), e)
            self._safe_send(client, _error_event(key, ErrorCode.BAD_REQUEST, "sync message rejected"))

    def _safe_send(self, client: ClientConn, frame: Frame) -> None:
        try:
            client.conn.send(frame)
        except Exception as e:
            client.drop(str(e))

    async def _on_request(self, client: ClientConn, frame: Frame) -> None:
        with client.answering(frame):
            await answer_request(self, client, frame)
        self.answered.set()


def _error_event(room: str | None, code: ErrorCode, message: str) -> Frame:
    from runt_tui.protocol.payloads import ErrorEvent, event_header

    return Frame(FrameKind.EVENT, event_header(ErrorEvent(code.value, message), room))


def _is_eof(e: ProtocolError) -> bool:
    """A clean end of the connection (between frames): nothing to tell the peer."""
    return isinstance(e, ConnectionClosed) and not isinstance(e, TruncatedFrame)

