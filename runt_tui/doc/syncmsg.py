"""Reading an Automerge sync message's header: does it carry changes? (for read-only peers)

Layout (Automerge's sync protocol): a type byte (0x42, or 0x43 with
capabilities), the sender's heads, the hashes it needs, its "have" entries
(last-sync heads and a Bloom filter each), then the changes, each
length-prefixed. Only the count of changes is read.
"""

from __future__ import annotations

from runt_tui.doc.uleb import read_uleb

_HASH = 32


def _skip_hashes(msg: bytes, off: int) -> int:
    n, off = read_uleb(msg, off)
    off += _HASH * n
    if off > len(msg):
        raise ValueError("truncated hashes")
    return off


def change_count(msg: bytes) -> int | None:
    """How many changes a sync message carries; None when it cannot be read as one."""
    try:
        if not msg or msg[0] not in (0x42, 0x43):
            return None
        off = _skip_hashes(msg, 1)  # heads
        off = _skip_hashes(msg, off)  # need
        haves, off = read_uleb(msg, off)
        for _ in range(haves):
            off = _skip_hashes(msg, off)  # last sync
            size, off = read_uleb(msg, off)  # the Bloom filter
            off += size
            if off > len(msg):
                return None
        count, _ = read_uleb(msg, off)
    except ValueError:
        return None
    return count
