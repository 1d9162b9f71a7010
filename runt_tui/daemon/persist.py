"""Durable room state in the state dir: a document snapshot plus an append-only change log.

Every change the daemon acknowledges is first appended to the log and fsync'd,
so `kill -9` loses nothing acknowledged; the log is folded into a fresh
snapshot once it grows. A torn final record (a crash mid-append) is dropped on
load: it was never acknowledged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from runt_tui.doc import write_bytes_atomic
from runt_tui.private import open_private, read_private

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

    def load(self) -> bytes | None:
        """Snapshot bytes followed by every intact logged change, or None when nothing is stored."""
        try:
            snap = read_private(self.snapshot)
        except FileNotFoundError:
            return None
        chunks = [snap]
        try:
            data = read_private(self.log)
        except FileNotFoundError:
            data = b""
        off = 0
        while off + _RECORD.size <= len(data):
            length, crc = _RECORD.unpack_from(data, off)
            body = data[off + _RECORD.size : off + _RECORD.size + length]
            if len(body) < length or zlib.crc32(body) != crc:
                break
            chunks.append(body)
            off += _RECORD.size + length
            self.log_records += 1
        if off < len(data):
            # Cut the torn tail so later appends follow intact records.
            with os.fdopen(open_private(self.log, os.O_RDWR), "r+b") as f:
                f.truncate(off)
        self.log_bytes = off
        return b"".join(chunks)

    def write_snapshot(self, data: bytes) -> None:
        """Replace the snapshot atomically and empty the log."""
        write_bytes_atomic(self.snapshot, data)
        self._close_log()
        with os.fdopen(open_private(self.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb") as f:
            f.flush()
            os.fsync(f.fileno())
        self.log_bytes = self.log_records = 0

    def append(self, changes: list[bytes]) -> None:
        """Append changes to the log and fsync before returning."""
        if not changes:
            return
        if self._log_fd is None:
            self._log_fd = open_private(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        buf = b"".join(_RECORD.pack(len(c), zlib.crc32(c)) + c for c in changes)
        os.write(self._log_fd, buf)
        os.fsync(self._log_fd)
        self.log_bytes += len(buf)
        self.log_records += len(changes)

    def needs_compaction(self, pending: list[bytes] | None = None) -> bool:
        """True when the log, with `pending` changes appended, is large enough to fold into the snapshot."""
        extra = pending or []
        size = self.log_bytes + sum(_RECORD.size + len(c) for c in extra)
        return size > COMPACT_BYTES or self.log_records + len(extra) > COMPACT_RECORDS

    def read_meta(self) -> RoomMeta:
        """The stored room metadata (defaults when missing or unreadable)."""
        try:
            raw: Any = json.loads(read_private(self.meta_path).decode("utf-8"))
            return RoomMeta(**{k: raw[k] for k in asdict(RoomMeta()) if k in raw})
        except (OSError, ValueError, TypeError):
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

    def _close_log(self) -> None:
        if self._log_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._log_fd)
            self._log_fd = None

    def close(self) -> None:
        """Release the log file descriptor."""
        self._close_log()
