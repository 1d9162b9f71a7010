"""The trust gate: a notebook's dependency tables signed with this machine's key.

The signature is `hmac-sha256:<hex>` over the canonical JSON (sorted keys, no spaces)
of the `uv` and `conda` tables only, so code edits keep a notebook trusted and a
dependency change does not. The 32-byte key is created on first use, mode 0600, in
the config directory (not the runtime state dir, which a logout may clear).
An approval names the digest of the tables the user saw; it is refused when they
have changed since.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from runt_tui.settings import config_path

PREFIX = "hmac-sha256:"
KEY_BYTES = 32


class TrustError(RuntimeError):
    """The key cannot be read or created, or an approval does not match."""


def key_path() -> Path:
    """Where this machine's trust key lives (beside config.toml)."""
    return config_path().parent / "trust.key"


def load_key(path: Path | None = None) -> bytes:
    """This machine's key, created (0600, in a 0700 directory) on first use."""
    path = path or key_path()
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
        f.flush()
        os.fsync(f.fileno())
    try:
        # link() fails when another process created the key first: then theirs wins.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            raise TrustError(f"{path}: the trust key must be yours and mode 0600")
        key = f.read()
    if len(key) != KEY_BYTES:
        raise TrustError(f"{path}: the trust key is {len(key)} bytes, not {KEY_BYTES}")
    return key


def canonical(tables: dict[str, Any]) -> bytes:
    """The signed bytes: the `uv` and `conda` tables as canonical JSON."""
    signed = {k: tables[k] for k in ("uv", "conda") if k in tables}
    return json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(tables: dict[str, Any]) -> str:
    """A short name for exactly these tables (what an approval is bound to)."""
    return hashlib.sha256(canonical(tables)).hexdigest()


def sign(tables: dict[str, Any], key: bytes) -> str:
    """The signature of the tables with `key`."""
    return PREFIX + hmac.new(key, canonical(tables), hashlib.sha256).hexdigest()


def verify(tables: dict[str, Any], signature: Any, key: bytes) -> bool:
    """Whether `signature` is this key's signature of these tables."""
    if not isinstance(signature, str) or not signature.startswith(PREFIX):
        return False
    return hmac.compare_digest(signature, sign(tables, key))


def signed_metadata(metadata: dict[str, Any], tables: dict[str, Any], key: bytes) -> dict[str, Any]:
    """`metadata` with `runt.trust_signature` / `trust_timestamp` for these tables."""
    runt: dict[str, Any] = metadata["runt"] if isinstance(metadata.get("runt"), dict) else {}
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {**metadata, "runt": {**runt, "trust_signature": sign(tables, key), "trust_timestamp": stamp}}


def approved_path(env_id: str) -> Path:
    """Where the tables last approved for a notebook on this machine are kept (for the diff)."""
    safe = "".join(c for c in env_id if c.isalnum() or c in "-_")[:64] or "none"
    return config_path().parent / "approved" / f"{safe}.json"


def remember_approved(env_id: str, tables: dict[str, Any]) -> None:
    """Keep the tables just approved, to show what changed at the next approval."""
    path = approved_path(env_id)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(tables, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


def last_approved(env_id: str) -> dict[str, Any] | None:
    """The tables last approved for this notebook here, if any."""
    try:
        data = json.loads(approved_path(env_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
