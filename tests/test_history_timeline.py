"""The notebook's history: authors and times, groups, the notebook then, restores as forward changes.

Pure doc-layer tests first (doc/timeline.py, doc/authors.py), then a real daemon
with two clients (a restore is an ordinary edit the other client sees), then the
`runt-tui history` command against a spawned daemon.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import InProcessDaemons, until, write_notebook

import runt_tui.doc.writer as writer
from runt_tui.client import AsyncSession
from runt_tui.client.restore import find_change, group_line, restore, timeline
from runt_tui.doc import (
    NotebookDoc,
    change_history,
    group_history,
    notebook_diff,
    restore_cell,
    restore_notebook,
    state_at,
)


class Clock:
    """The writers' wall clock, set by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, t: float) -> None:
        self.t = t
        monkeypatch.setattr(writer, "now", lambda: self.t)


def two_authors(monkeypatch: pytest.MonkeyPatch) -> tuple[NotebookDoc, NotebookDoc, Clock]:
    """alice's and bob's replicas of one document, on a test clock."""
    clock = Clock(monkeypatch, 1_000_000.0)
    alice = NotebookDoc.new()
    bob = NotebookDoc.load(alice.save())
    alice.author, bob.author = "alice", "bob"
    return alice, bob, clock


def test_changes_are_signed_with_author_and_time(monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob, clock = two_authors(monkeypatch)
    cid = alice.insert_cell(0, "code", "x = 1")
    clock.t += 5
    alice.set_source(cid, "x = 2")
    bob.merge(alice)
    clock.t += 100
    bob.set_source(cid, "x = 3")
    changes = change_history(bob)
    assert [(c.author, c.time) for c in changes[1:]] == [
        ("alice", 1_000_000.0), ("alice", 1_000_000.0), ("bob", 1_000_105.0)]
    assert changes[0].author is None  # the document's creation: nobody signed it


def test_a_writer_re_signs_once_its_signature_is_old(monkeypatch: pytest.MonkeyPatch) -> None:
    alice, _, clock = two_authors(monkeypatch)
    cid = alice.insert_cell(0, "code", "")
    for i in range(5):
        clock.t += 15
        alice.set_source(cid, str(i))
    times = [c.time for c in change_history(alice)[1:]]
    assert times == [1_000_000.0, 1_000_000.0, 1_000_030.0, 1_000_030.0, 1_000_060.0, 1_000_060.0]


def test_a_document_made_before_authors_gets_the_map_and_signs_from_then() -> None:
    from automerge.core import ROOT

    doc = NotebookDoc.new()
    with doc.transaction() as tx:
        tx.delete(ROOT, "authors")
    doc.author = "alice"
    cid = doc.insert_cell(0, "code", "x")
    assert change_history(doc)[-1].author is None  # nowhere to sign
    assert doc.ensure_authors() is True and doc.ensure_authors() is False
    doc.set_source(cid, "y")
    assert change_history(doc)[-1].author == "alice"


def test_groups_are_consecutive_changes_by_one_author_in_one_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob, clock = two_authors(monkeypatch)
    a = alice.insert_cell(0, "code", "a")
    alice.set_source(a, "aa")
    bob.merge(alice)
    b = bob.insert_cell(1, "markdown", "b")
    alice.merge(bob)
    clock.t += 120
    alice.set_source(a, "aaa")
    groups = group_history(alice, change_history(alice))
    assert [(g.author, g.count) for g in groups] == [("created", 1), ("alice", 2), ("bob", 1), ("alice", 1)]
    assert groups[2].cells == (b,) and groups[3].cells == (a,)
    assert "alice  (2 changes)" in group_line(groups[1])
    assert group_line(groups[1]).startswith("#2-3 ")


def test_state_at_and_diff_against_now() -> None:
    doc = NotebookDoc.new()
    a = doc.insert_cell(0, "code", "x = 1\ny = 2")
    b = doc.insert_cell(1, "markdown", "# title")
    then = doc.heads()
    doc.set_source(a, "x = 10\ny = 2")
    doc.delete_cell(b)
    c = doc.insert_cell(1, "code", "new")
    old = state_at(doc, then)
    assert [(x.id, x.source) for x in old.cells()] == [(a, "x = 1\ny = 2"), (b, "# title")]
    assert doc.cell_ids() == [a, c]  # reading then changes nothing now
    diff = {d.cell_id: d for d in notebook_diff(doc, then)}
    assert diff[a].kind == "changed" and "-x = 1" in diff[a].lines and "+x = 10" in diff[a].lines
    assert diff[b].kind == "removed" and diff[c].kind == "added"


def test_restore_notebook_writes_forward_changes_only() -> None:
    doc = NotebookDoc.new(metadata={"k": 1})
    a = doc.insert_cell(0, "code", "x = 1")
    b = doc.insert_cell(1, "markdown", "# title")
    then = doc.heads()
    doc.set_source(a, "x = 2")
    doc.move_cell(b, 0)
    doc.delete_cell(b)
    c = doc.insert_cell(0, "raw", "added later")
    doc.set_metadata({"k": 2})
    before = [ch.hash for ch in change_history(doc)]
    assert restore_notebook(doc, then) == 3
    after = [ch.hash for ch in change_history(doc)]
    assert after[: len(before)] == before and len(after) > len(before)  # nothing rewritten
    assert [(x.id, x.cell_type, x.source) for x in doc.cells()] == [(a, "code", "x = 1"), (b, "markdown", "# title")]
    assert c not in doc and doc.metadata() == {"k": 1}
    assert notebook_diff(doc, then) == []


def test_restore_one_cell_leaves_the_others() -> None:
    doc = NotebookDoc.new()
    a = doc.insert_cell(0, "code", "a = 1")
    b = doc.insert_cell(1, "code", "b = 1")
    then = doc.heads()
    doc.set_source(a, "a = 2")
    doc.set_source(b, "b = 2")
    assert restore_cell(doc, then, a) is True
    assert (doc.source(a), doc.source(b)) == ("a = 1", "b = 2")
    assert restore_cell(doc, then, a) is False  # already as it was
    doc.delete_cell(b)
    assert restore_cell(doc, then, b) is True and doc.source(b) == "b = 1"
    doc.splice_source(b, [])  # the re-created cell's source is editable Text again


def test_find_change_by_number_or_hash_prefix() -> None:
    doc = NotebookDoc.new()
    doc.insert_cell(0, "code", "")
    changes = change_history(doc)
    assert find_change(changes, "2") is changes[1]
    assert find_change(changes, "#1") is changes[0]
    assert find_change(changes, changes[1].hash.hex()[:8]) is changes[1]
    assert find_change(changes, "99") is None and find_change(changes, "zz") is None


async def test_restore_is_seen_by_another_client(home: Path, daemons: InProcessDaemons, tmp_path: Path) -> None:
    await daemons.start()
    path = tmp_path / "nb.ipynb"
    (cid,) = write_notebook(path, ["x = 1"])
    alice = AsyncSession(path=path, name="alice", home=home, autostart=False)
    bob = AsyncSession(path=path, name="bob", home=home, autostart=False)
    await alice.connect()
    await bob.connect()
    try:
        await alice.set_source(cid, "x = 2  # alice")
        await until(lambda: bob.get_cell(cid).source == "x = 2  # alice", "bob to see alice's edit")
        changes, groups = timeline(bob)
        assert "alice" in [g.author for g in groups]
        first_edit = next(c for c in changes if c.author == "alice")
        before_alice = changes[first_edit.index - 2]
        await bob.set_source(cid, "x = 3  # bob")
        n = await restore(bob, list(before_alice.heads))
        assert n == 1
        await until(lambda: alice.get_cell(cid).source == "x = 1", "alice to see bob's restore")
        changes_after, groups_after = timeline(alice)
        assert [c.hash for c in changes_after[: len(changes)]] == [c.hash for c in changes]
        assert groups_after[-1].author == "bob" and cid in groups_after[-1].cells
    finally:
        await alice.close()
        await bob.close()


def cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNT_TUI_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", "from runt_tui.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=90, env=env, check=False)


async def test_history_command_lists_shows_and_restores(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    (cid,) = write_notebook(path, ["print('one')"])
    s = AsyncSession(path=path, name="writer \x1b[31mred", home=home)
    await s.connect()
    try:
        await s.set_source(cid, "print('two')")
        listed = await asyncio.to_thread(cli, "history", str(path), home=home)
        assert listed.returncode == 0, listed.stderr
        assert "writer red" in listed.stdout and "\x1b" not in listed.stdout
        assert f"cells: {cid}" in listed.stdout
        shown = await asyncio.to_thread(cli, "history", str(path), "--at", "1", home=home)
        assert shown.returncode == 0, shown.stderr
        assert "print('one')" in shown.stdout and "-print('one')" in shown.stdout
        done = await asyncio.to_thread(cli, "history", str(path), "--restore", "1", "--cell", cid, home=home)
        assert done.returncode == 0, done.stderr
        assert f"restored cell {cid} to change #1" in done.stdout
        await until(lambda: s.get_cell(cid).source == "print('one')", "the restore to reach this client")
        bad = await asyncio.to_thread(cli, "history", str(path), "--at", "nope", home=home)
        assert bad.returncode == 2 and "no change 'nope'" in bad.stderr
    finally:
        await s.close()
