"""Pure pieces of history handling: change hashes, sync messages, rebuilt documents, log records."""

from __future__ import annotations

import os
import struct
import zlib

from automerge.core import Message, SyncState
from hypothesis import given, settings
from hypothesis import strategies as st

from runt_tui.daemon.persist import scan_records
from runt_tui.doc import NotebookDoc
from runt_tui.doc.history import (
    acknowledges,
    apply_change,
    change_hash,
    changes_message,
    rebuilt,
    sync_message_changes,
    uleb,
    without_orphans,
)


def sample_doc() -> NotebookDoc:
    doc = NotebookDoc.new(metadata={"kernelspec": {"name": "python3"}})
    for i in range(5):
        doc.insert_cell(i, "code" if i % 2 else "markdown", f"cell {i} é😀")
    cid = doc.cell_ids()[1]
    for run in range(3):
        doc.set_outputs(cid, [{"output_type": "stream", "name": "stdout", "text": os.urandom(3000).hex()}], run)
    return doc


def test_change_hash_is_automerges_for_plain_and_deflated_changes() -> None:
    changes = sample_doc().automerge.get_changes([])
    assert {c.bytes[8] for c in changes} == {1, 2}  # both kinds are there
    assert all(change_hash(c.bytes) == c.hash for c in changes)
    assert change_hash(b"") is None and change_hash(os.urandom(100)) is None
    damaged = bytearray(changes[-1].bytes)
    damaged[-1] ^= 1
    assert change_hash(bytes(damaged)) is None


def test_sync_message_changes_names_what_a_real_message_carries() -> None:
    doc = sample_doc()
    peer, mine, theirs = NotebookDoc.new(), SyncState(), SyncState()
    seen: list[bytes] = []
    for _ in range(6):
        msg = doc.automerge.generate_sync_message(mine)
        if msg is not None:
            data = msg.encode()
            chunks = sync_message_changes(data)
            assert chunks is not None
            seen += chunks
            peer.automerge.receive_sync_message(theirs, Message.decode(data))
        reply = peer.automerge.generate_sync_message(theirs)
        if reply is not None:
            doc.automerge.receive_sync_message(mine, Message.decode(reply.encode()))
    # Every change chunk, even several batched in one entry, is named by its hash.
    known = {c.hash for c in doc.automerge.get_changes([])}
    hashes = [change_hash(c) for c in seen if c[8] != 0]  # (0: a whole document)
    assert hashes and set(hashes) <= known
    assert sync_message_changes(changes_message([b"abc", b"de"])) == [b"abc", b"de"]
    two = [c.bytes for c in doc.automerge.get_changes([])][:2]
    assert sync_message_changes(changes_message([two[0] + two[1]])) == two


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_reading_garbage_never_raises(data: bytes) -> None:
    sync_message_changes(data)
    sync_message_changes(b"\x42" + data)
    change_hash(data)
    acknowledges(data, [])
    _, skipped, end = scan_records(data)
    assert end <= len(data) and all(n > 0 for _, n in skipped)


def test_a_head_count_the_message_cannot_hold_is_refused_at_once() -> None:
    # A client's sync frame claiming 2**60 heads: read as a loop over the count it hung the daemon.
    for count in (2**60, 2**20, 2):
        assert acknowledges(b"\x42" + uleb(count) + b"\x00" * 40, []) is False


def test_rebuilt_holds_the_same_notebook_and_no_history() -> None:
    doc = sample_doc()
    plain = NotebookDoc.from_notebook(doc.to_notebook())  # sources as plain strings
    for original in (doc, plain):
        new = rebuilt(original)
        assert new.epoch != original.epoch
        assert new.to_notebook() == original.to_notebook()
        assert [new.source_editable(c) for c in new.cell_ids()] == [original.source_editable(c) for c in original.cell_ids()]
        assert len(new.automerge.get_changes([])) == 1
    assert len(rebuilt(doc).save()) < len(doc.save())  # three runs' outputs were in its history


def test_orphans_are_applied_queued_then_dropped() -> None:
    doc = NotebookDoc.new()
    other = NotebookDoc.load(doc.save())
    for i in range(3):
        other.set_metadata({"k": i})
    chain = [c.bytes for c in other.automerge.get_changes(doc.heads())]
    heads, actor = doc.heads(), doc.automerge.get_actor()
    assert all(apply_change(doc, c) for c in chain[1:])  # the first never comes
    assert doc.heads() == heads and len(doc.save()) > len(without_orphans(doc).save())
    clean = without_orphans(doc)
    assert clean.heads() == heads and clean.automerge.get_actor() == actor and clean.epoch == doc.epoch
    assert not apply_change(doc, b"\x85\x6f\x4a\x83 not a change")


def test_scan_records_skips_damage_and_cuts_a_torn_tail() -> None:
    changes = [c.bytes for c in sample_doc().automerge.get_changes([])]

    def record(body: bytes) -> bytes:
        return struct.pack(">II", len(body), zlib.crc32(body)) + body

    data = record(changes[0]) + b"\x00garbage\xff" * 3 + record(changes[1]) + record(changes[2])[:-5]
    records, skipped, end = scan_records(data)
    assert records == changes[:2]
    assert len(skipped) == 1 and end < len(data)
    assert scan_records(data[:end]) == (changes[:2], skipped, end)


def test_acknowledges_only_exactly_our_heads_and_no_need() -> None:
    doc = sample_doc()
    st_ = SyncState()
    msg = doc.automerge.generate_sync_message(st_)
    assert msg is not None
    data = msg.encode()
    assert acknowledges(data, doc.heads()) is (sync_message_changes(data) is not None and data[1] == len(doc.heads()))
    assert not acknowledges(data[:3], doc.heads())
    assert not acknowledges(b"", [])
