"""A client's blob cache kept on disk by digest, so a remote notebook's images are fetched once per machine."""

from __future__ import annotations

import contextlib
from pathlib import Path

from runt_tui.doc import FileBlobStore, MemoryBlobStore, blob_digest


class DiskCachedBlobs(MemoryBlobStore):
    """Memory first, then a directory of blobs by digest (checked on read: a damaged file is a miss)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self._disk: FileBlobStore | None = None

    def _store(self) -> FileBlobStore | None:
        if self._disk is None:
            with contextlib.suppress(OSError):
                self._disk = FileBlobStore(self.root)
        return self._disk

    def put(self, data: bytes) -> str:
        """Keep `data` in memory and on disk (a full disk only loses the disk copy)."""
        digest = super().put(data)
        disk = self._store()
        if disk is not None:
            with contextlib.suppress(OSError):
                disk.put(data)
        return digest

    def get(self, digest: str) -> bytes | None:
        """The blob, from memory or disk, or None."""
        data = super().get(digest)
        if data is not None:
            return data
        disk = self._store()
        data = disk.get(digest) if disk is not None else None
        if data is None or blob_digest(data) != digest:
            return None
        super().put(data)
        return data

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, str) and self.get(digest) is not None
