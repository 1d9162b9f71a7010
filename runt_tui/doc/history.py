"""A document's history: change chunks, changes whose dependencies are missing, and compaction.

Automerge keeps every change forever, and keeps changes whose dependencies never
arrived ("orphans") in a queue that `save()` writes out too. This module reads
change chunks and sync messages just enough to name the changes they carry,
applies changes one at a time (so one bad change costs only itself), drops
orphans, and rebuilds a document from its current state alone (a new epoch).

Chunk layout (Automerge binary format): magic (4 bytes), checksum (4), type (1:
0 document, 1 change, 2 deflated change), uLEB128 body length, body. A change's
hash is the SHA-256 of type, length and body of its uncompressed form.
Sync message: type (0x42 or 0x43), heads, need (each a uLEB128 count of 32-byte
hashes), have (a count of {last_sync hashes, bloom bytes}), then the changes as
a count of length-prefixed chunks; 0x43 messages end with capabilities.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib

from automerge.core import ROOT, Document, Message, ObjType, ScalarType, SyncState, Transaction

from runt_tui.doc.notebook import NotebookDoc
from runt_tui.doc.schema import DocError
from runt_tui.doc.source import insert_text
from runt_tui.doc.uleb import read_uleb

MAGIC = b"\x85\x6f\x4a\x83"
_CHANGE, _DEFLATED = 1, 2


def uleb(n: int) -> bytes:
    """The uLEB128 encoding of a non-negative integer."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def change_hash(chunk: bytes) -> bytes | None:
    """The hash of a change chunk, or None when the bytes are not one change chunk."""
    try:
        if len(chunk) < 10 or chunk[:4] != MAGIC or chunk[8] not in (_CHANGE, _DEFLATED):
            return None
        length, off = read_uleb(chunk, 9)
        body = chunk[off : off + length]
        if len(body) != length or off + length != len(chunk):
            return None
        if chunk[8] == _DEFLATED:
            body = zlib.decompress(body, wbits=-15)
        digest = hashlib.sha256(bytes([_CHANGE]) + uleb(len(body)) + body).digest()
    except (ValueError, zlib.error):
        return None
    return digest if digest[:4] == chunk[4:8] else None


def sync_message_changes(msg: bytes) -> list[bytes] | None:
    """The change chunks a sync message carries, or None when it cannot be read."""
    try:
        if not msg or msg[0] not in (0x42, 0x43):
            return None
        off = 1
        for _ in range(2):  # heads, need
            n, off = read_uleb(msg, off)
            off += 32 * n
        n_have, off = read_uleb(msg, off)
        for _ in range(n_have):
            n, off = read_uleb(msg, off)
            off += 32 * n
            bloom, off = read_uleb(msg, off)
            off += bloom
        n_changes, off = read_uleb(msg, off)
        chunks = []
        for _ in range(n_changes):
            length, off = read_uleb(msg, off)
            if off + length > len(msg):
                return None
            chunks += split_chunks(msg[off : off + length])
            off += length
    except ValueError:
        return None
    return chunks


def split_chunks(data: bytes) -> list[bytes]:
    """The chunks in bytes that may hold several back to back (newer peers batch changes so)."""
    out: list[bytes] = []
    off = 0
    while off < len(data):
        try:
            if data[off : off + 4] != MAGIC or off + 9 > len(data):
                raise ValueError("not a chunk")
            length, body = read_uleb(data, off + 9)
        except ValueError:
            return [*out, data[off:]]  # not chunks: kept whole (no hash will name it)
        end = body + length
        if end > len(data):
            return [*out, data[off:]]
        out.append(data[off:end])
        off = end
    return out


def acknowledges(msg: bytes, our_heads: list[bytes]) -> bool:
    """True for a sync message saying "I have exactly your heads and need nothing".

    That is a peer acknowledging what we sent: answering it would only cost a
    generate_sync_message (O(history) in Automerge) to learn there is nothing to
    say. Reads only the heads and need; anything unexpected answers False.
    """
    try:
        if not msg or msg[0] not in (0x42, 0x43):
            return False
        n, off = read_uleb(msg, 1)
        if off + 32 * n > len(msg):  # a count the message cannot hold (garbage must cost nothing)
            return False
        heads = {msg[off + 32 * i : off + 32 * (i + 1)] for i in range(n)}
        off += 32 * n
        need, off = read_uleb(msg, off)
    except ValueError:
        return False
    return need == 0 and len(heads) == n and all(len(h) == 32 for h in heads) and heads == set(our_heads)


def changes_message(changes: list[bytes]) -> bytes:
    """A sync message carrying just these change chunks (how single changes are applied)."""
    out = bytearray([0x42]) + uleb(0) + uleb(0) + uleb(0) + uleb(len(changes))
    for c in changes:
        out += uleb(len(c)) + c
    return bytes(out)


def apply_change(doc: NotebookDoc, chunk: bytes) -> bool:
    """Apply one change chunk (or queue it, when what it builds on is missing); False when it is not one."""
    if change_hash(chunk) is None:
        return False
    try:
        doc.automerge.receive_sync_message(SyncState(), Message.decode(changes_message([chunk])))
    except Exception:  # the bindings raise bare Exception
        return False
    return True


def without_orphans(doc: NotebookDoc) -> NotebookDoc:
    """The same document (same history, epoch and actor) minus queued changes whose deps are missing."""
    clean = doc.automerge.fork(doc.heads())
    clean.set_actor(doc.automerge.get_actor())
    out = NotebookDoc(clean)
    out.prepares = doc.prepares
    return out


def rebuilt(doc: NotebookDoc, epoch: str | None = None) -> NotebookDoc:
    """A new document holding only `doc`'s current state (no history), under a new epoch.

    Every value is copied as it reads now: maps, lists, Text (one code point per
    insert) and scalars, so cells keep their ids, positions, outputs, counts and
    whether their source is Text. `doc` must not change meanwhile (pass a fork
    when this runs in another thread).
    """
    src = doc.automerge
    new = Document()
    with new.transaction() as tx:
        _copy_map(src, ROOT, tx, ROOT)
        tx.put(ROOT, "epoch", ScalarType.Str, epoch or uuid.uuid4().hex)
    out = NotebookDoc(new)
    out.prepares = doc.prepares
    if out._root_obj("cells") is None:
        raise DocError("the document has no cells map")
    return out


def _copy_map(src: Document, obj: bytes, tx: Transaction, dst: bytes) -> None:
    for key in src.keys(obj):
        got = src.get(obj, key)
        if got is None:
            continue
        value, child = got
        if isinstance(value, ObjType):
            _copy_obj(src, child, value, tx, tx.put_object(dst, key, value))
        else:
            stype, scalar = value
            tx.put(dst, key, stype, scalar)


def _copy_obj(src: Document, obj: bytes, otype: ObjType, tx: Transaction, dst: bytes) -> None:
    if otype == ObjType.Map:
        _copy_map(src, obj, tx, dst)
    elif otype == ObjType.Text:
        insert_text(tx, dst, src.text(obj))
    else:
        for i, (value, child) in enumerate(src.values(obj)):
            if isinstance(value, ObjType):
                _copy_obj(src, child, value, tx, tx.insert_object(dst, i, value))
            else:
                stype, scalar = value
                tx.insert(dst, i, stype, scalar)
