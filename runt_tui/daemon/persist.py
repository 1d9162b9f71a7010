"""Durable room state in the state dir: a document snapshot plus an append-only change log.

Every change the daemon acknowledges is first appended to the log and fsync'd,
so `kill -9` loses nothing acknowledged; the log is folded into a fresh
snapshot once it grows. An append that cannot be written whole (a full disk)
is cut off again and reported: the log only ever holds whole records.

Reading is forgiving: a torn final record (a crash mid-append, never
acknowledged) is cut; a damaged record in the middle is skipped and the reader
resynchronises on the next intact one. Whatever is damaged is copied aside
(`<name>.corrupt-<time>`) before anything is rewritten, and logged.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import struct
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from runt_tui.doc import write_bytes_atomic
from runt_tui.doc.history import MAGIC
from runt_tui.private import UnsafePath, open_private, read_private

log = logging.getLogger("runt_tui.daemon")

_RECORD = struct.Struct(">II")  # length, crc32
COMPACT_BYTES = 4 * 1024 * 1024
COMPACT_RECORDS = 2000


def room_key(path: Path | None, notebook_id: str | None) -> str:
    """A file-name-safe key for a room: a hash of the canonical path, or of the notebook id."""
    if path is not None:
        return "p-" + hashlib.sha256(str(path).encode()).hexdigest()[:24]
    assert notebook_id is not None
    return "n-" + hashlib.sha256(notebook_id.encode()).hexdigest()[:24]


@dataclass
class RoomMeta:
    """What the daemon remembers about a room besides its document."""

    path: str | None = None
    notebook_id: str | None = None
    baseline_sha256: str | None = None
    saved_heads: list[str] = field(default_factory=list)
    # A save in progress: what is being written and the heads it holds. A crash after the
    # file is written but before the baseline is recorded leaves these to recognise the
    # file as our own write rather than an external change (which would be merged twice).
    pending_sha256: str | None = None
    pending_heads: list[str] = field(default_factory=list)


class PersistFailed(Exception):
    """Changes could not be made durable (the message says why, e.g. "cannot persist: disk full")."""


class EpochChanged(Exception):
    """The room's document was compacted into a new epoch: heads of the old one mean nothing now."""


def describe(e: OSError) -> str:
    """A user-facing sentence for a failed state-dir write."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot persist: disk full ({e.strerror or e})"
    return f"cannot persist: {e.strerror or e}"


@dataclass
class StoredLog:
    """What a room's files hold: the snapshot and the intact log records after it."""

    snapshot: bytes
    records: list[bytes]
    # Sentences about damage found while reading (skipped or cut bytes), for the log.
    damage: list[str] = field(default_factory=list)
    # Where the damaged log was copied before being cut, if it was.
    aside: Path | None = None


def scan_records(data: bytes) -> tuple[list[bytes], list[tuple[int, int]], int]:
    """Intact records, the damaged (offset, length) regions skipped, and where the torn tail starts."""
    records: list[bytes] = []
    skipped: list[tuple[int, int]] = []
    off = 0
    while off + _RECORD.size <= len(data):
        body = _record_at(data, off)
        if body is not None:
            records.append(body)
            off += _RECORD.size + len(body)
            continue
        nxt = _resync(data, off + 1)
        if nxt is None:
            break
        skipped.append((off, nxt - off))
        off = nxt
    return records, skipped, off


def _record_at(data: bytes, off: int) -> bytes | None:
    length, crc = _RECORD.unpack_from(data, off)
    body = data[off + _RECORD.size : off + _RECORD.size + length]
    return body if len(body) == length and zlib.crc32(body) == crc else None


def _resync(data: bytes, start: int) -> int | None:
    """The offset of the next intact record after `start` (every change chunk begins with MAGIC)."""
    i = data.find(MAGIC, start + _RECORD.size)
    while i >= 0:
        off = i - _RECORD.size
        if _record_at(data, off) is not None:
            return off
        i = data.find(MAGIC, i + 1)
    return None


def set_aside(path: Path, copy: bool = False) -> Path | None:
    """Keep a damaged file as `<name>.corrupt-<time>` (renamed, or copied when still in use)."""
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    try:
        if copy:
            shutil.copy2(path, aside)
        else:
            os.replace(path, aside)
    except OSError as e:
        log.error("could not keep %s aside as %s: %s", path, aside.name, e)
        return None
    return aside


class RoomStore:
    """The persisted files of one room: `<key>.am`, `<key>.log`, `<key>.json`, `<key>.base`."""

    def __init__(self, root: Path, key: str) -> None:
        self.root = root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.snapshot = root / f"{key}.am"
        self.log = root / f"{key}.log"
        self.meta_path = root / f"{key}.json"
        self.baseline = root / f"{key}.base"
        self._log_fd: int | None = None
        self.log_bytes = 0
        self.log_records = 0
        self.snapshot_bytes = 0
        # The log may end in bytes of a failed append that could not be cut: cut first.
        self._cut_pending = False
        # Why the meta file was unreadable (it was set aside), None when it was fine.
        self.meta_damaged: str | None = None

    def load(self) -> bytes | None:
        """Snapshot bytes followed by every intact logged change, or None when nothing is stored."""
        stored = self.read()
        return None if stored is None else stored.snapshot + b"".join(stored.records)

    def read(self) -> StoredLog | None:
        """The snapshot and every intact logged change, or None when nothing is stored."""
        try:
            snap = read_private(self.snapshot)
        except FileNotFoundError:
            return None
        try:
            data = read_private(self.log)
        except FileNotFoundError:
            data = b""
        records, skipped, off = scan_records(data)
        stored = StoredLog(snap, records)
        if skipped or off < len(data):
            stored.aside = set_aside(self.log, copy=True)
            kept = f" (the log as it was is kept as {stored.aside.name})" if stored.aside else ""
            for at, n in skipped:
                stored.damage.append(f"skipped {n} damaged bytes at offset {at} of {self.log.name}{kept}")
            if off < len(data):
                stored.damage.append(
                    f"cut a torn record of {len(data) - off} bytes at the end of {self.log.name}"
                    f" (a write cut short: never acknowledged){kept}"
                )
                # Cut the torn tail so later appends follow intact records.
                with os.fdopen(open_private(self.log, os.O_RDWR), "r+b") as f:
                    f.truncate(off)
        self.log_bytes = off
        self.log_records = len(records)
        self.snapshot_bytes = len(snap)
        return stored

    def write_snapshot(self, data: bytes) -> None:
        """Replace the snapshot atomically and empty the log."""
        write_bytes_atomic(self.snapshot, data)
        self._close_log()
        with os.fdopen(open_private(self.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb") as f:
            f.flush()
            os.fsync(f.fileno())
        self.log_bytes = self.log_records = 0
        self.snapshot_bytes = len(data)
        self._cut_pending = False

    def append(self, changes: list[bytes]) -> None:
        """Append changes to the log and fsync before returning; PersistFailed when not all of it is durable.

        A failed append (disk full, a short write, a failed fsync) is cut off
        again, so the log ends with the last whole record and later appends
        follow it.
        """
        if not changes:
            return
        buf = b"".join(_RECORD.pack(len(c), zlib.crc32(c)) + c for c in changes)
        try:
            if self._log_fd is None:
                self._log_fd = open_private(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            fd = self._log_fd
            if self._cut_pending:
                self._cut(fd)
            view = memoryview(buf)
            while view:
                # os.write may write less than asked (a disk filling up): go on until
                # all is written or it fails, and only then fsync.
                written = os.write(fd, view)
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                view = view[written:]
            os.fsync(fd)
        except UnsafePath:
            raise  # a planted file: refused, never written (the message says why)
        except OSError as e:
            self._cut_pending = True
            with contextlib.suppress(OSError):
                if self._log_fd is not None:
                    self._cut(self._log_fd)
            raise PersistFailed(describe(e)) from e
        self.log_bytes += len(buf)
        self.log_records += len(changes)

    def _cut(self, fd: int) -> None:
        """Cut the log back to its last whole record (after a failed append)."""
        os.ftruncate(fd, self.log_bytes)
        os.fsync(fd)
        self._cut_pending = False

    def needs_compaction(self, pending: list[bytes] | None = None) -> bool:
        """True when the log, with `pending` changes appended, is large enough to fold into the snapshot."""
        extra = pending or []
        size = self.log_bytes + sum(_RECORD.size + len(c) for c in extra)
        return size > COMPACT_BYTES or self.log_records + len(extra) > COMPACT_RECORDS

    def read_meta(self) -> RoomMeta:
        """The stored room metadata (defaults when missing; when damaged, also `meta_damaged`, file set aside)."""
        try:
            raw = json.loads(read_private(self.meta_path).decode("utf-8"))
            meta = RoomMeta(**{k: raw[k] for k in asdict(RoomMeta()) if k in raw})
            problem = _meta_problem(meta)
            if problem is None:
                return meta
        except FileNotFoundError:
            return RoomMeta()
        except (OSError, ValueError, TypeError) as e:
            problem = f"{type(e).__name__}: {e}"
        aside = set_aside(self.meta_path)
        self.meta_damaged = f"{self.meta_path.name} is damaged ({problem})" + (
            f"; kept as {aside.name}" if aside else ""
        )
        log.error("%s", self.meta_damaged)
        return RoomMeta()

    def write_meta(self, meta: RoomMeta) -> None:
        """Store the room metadata atomically."""
        write_bytes_atomic(self.meta_path, json.dumps(asdict(meta)).encode())

    def read_baseline(self) -> bytes | None:
        """The notebook bytes as last saved or loaded (the base of disk merges)."""
        try:
            return read_private(self.baseline)
        except OSError:
            return None

    def write_baseline(self, data: bytes) -> None:
        """Remember the notebook bytes last saved or loaded."""
        write_bytes_atomic(self.baseline, data)

    def persisted_size(self) -> int:
        """Bytes the room's document takes in the state dir (snapshot and log)."""
        return self.snapshot_bytes + self.log_bytes

    def _close_log(self) -> None:
        if self._log_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._log_fd)
            self._log_fd = None

    def close(self) -> None:
        """Release the log file descriptor."""
        self._close_log()


def _meta_problem(meta: RoomMeta) -> str | None:
    """Why a meta read from disk cannot be trusted, or None."""
    for name in ("path", "notebook_id", "baseline_sha256", "pending_sha256"):
        if not isinstance(getattr(meta, name), str | None):
            return f"{name} is not a string"
    for name in ("saved_heads", "pending_heads"):
        heads = getattr(meta, name)
        if not isinstance(heads, list) or not all(isinstance(h, str) and len(h) == 64 for h in heads):
            return f"{name} is not a list of change hashes"
        try:
            [bytes.fromhex(h) for h in heads]
        except ValueError:
            return f"{name} is not a list of change hashes"
    return None
