"""Content-addressed blob store and the blob references kept inside stored outputs.

Large output payloads (and every image) live outside the CRDT so that the
document stays small and fast to load; an output names them by SHA-256 in a
reserved `runt_blobs` key. The saved .ipynb always inlines them again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from runt_tui.private import UnsafePath, check_private_dir, check_private_entry, read_private

BLOB_KEY = "runt_blobs"
DEFAULT_THRESHOLD = 64 * 1024


class BlobMissingError(KeyError):
    """An output refers to a blob the store does not have."""


class BlobSource(Protocol):
    """Anything that can return a blob's bytes by hash."""

    def get(self, digest: str) -> bytes | None:
        """Return the blob's bytes, or None when unknown."""


class BlobSink(BlobSource, Protocol):
    """A blob source that also accepts new blobs."""

    def put(self, data: bytes) -> str:
        """Store `data` and return its hex SHA-256."""


def blob_digest(data: bytes) -> str:
    """Return the hex SHA-256 naming a blob."""
    return hashlib.sha256(data).hexdigest()


class MemoryBlobStore:
    """A blob store in memory, for clients and tests."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        """Store `data` and return its digest."""
        digest = blob_digest(data)
        self._blobs.setdefault(digest, data)
        return digest

    def get(self, digest: str) -> bytes | None:
        """Return the blob or None."""
        return self._blobs.get(digest)

    def __contains__(self, digest: object) -> bool:
        return digest in self._blobs


class FileBlobStore:
    """A blob store in a directory: `<root>/<2 hex>/<64 hex>`, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        check_private_dir(root)

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a blob digest: {digest!r}")
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store `data` (once) and return its digest."""
        digest = blob_digest(data)
        path = self._path(digest)
        with contextlib.suppress(UnsafePath):  # a planted entry is replaced: rename never follows it
            if check_private_entry(path):
                return digest
        check_private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return digest

    def get(self, digest: str) -> bytes | None:
        """Return the blob or None when missing or the digest is malformed."""
        try:
            return read_private(self._path(digest))
        except (OSError, ValueError):
            return None


def _is_image(mime: str) -> bool:
    return mime.startswith("image/") and mime != "image/svg+xml"


def externalize_output(
    output: dict[str, Any], blobs: BlobSink | None, threshold: int
) -> dict[str, Any]:
    """Move large payloads (and images) of one output into the blob store."""
    if blobs is None:
        return output
    refs: dict[str, str] = {}
    out = dict(output)
    data = output.get("data")
    if isinstance(data, dict):
        new_data: dict[str, Any] = {}
        for mime, value in data.items():
            raw = _payload_bytes(value)
            if raw is not None and (len(raw) > threshold or (_is_image(mime) and len(raw) > 256)):
                refs[f"data/{mime}"] = blobs.put(raw) + (
                    ":json" if not isinstance(value, str) else ""
                )
                new_data[mime] = None
            else:
                new_data[mime] = value
        out["data"] = new_data
    text = output.get("text")
    if isinstance(text, str) and len(text) > threshold // 4:
        raw = text.encode("utf-8")
        if len(raw) > threshold:
            refs["text"] = blobs.put(raw)
            out["text"] = None
    if refs:
        out[BLOB_KEY] = refs
    return out


def _payload_bytes(value: Any) -> bytes | None:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None  # multi-line text as lines: left inline, it is rare and small
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return None


def blob_refs(output: dict[str, Any]) -> dict[str, str]:
    """Return the `path -> digest` blob references of a stored output."""
    refs = output.get(BLOB_KEY)
    if not isinstance(refs, dict):
        return {}
    return {str(k): str(v).split(":", 1)[0] for k, v in refs.items()}


def inline_output(output: dict[str, Any], blobs: BlobSource | None) -> dict[str, Any]:
    """Return the output with every blob reference replaced by its payload."""
    refs = output.get(BLOB_KEY)
    if not isinstance(refs, dict):
        return output
    out = {k: v for k, v in output.items() if k != BLOB_KEY}
    data = dict(out["data"]) if isinstance(out.get("data"), dict) else None
    for path, ref in refs.items():
        digest, _, kind = str(ref).partition(":")
        raw = blobs.get(digest) if blobs is not None else None
        if raw is None:
            raise BlobMissingError(f"blob {digest[:12]}… for {path} is missing")
        value: Any = json.loads(raw) if kind == "json" else raw.decode("utf-8")
        if path == "text":
            out["text"] = value
        elif path.startswith("data/") and data is not None:
            data[path[5:]] = value
    if data is not None:
        out["data"] = data
    return out
