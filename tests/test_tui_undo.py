"""Undo of one's own edits after others typed in turns at the same place (two real apps on
one real daemon), and the identity-based undo history as pure logic."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from support.tui import wait_until
from test_tui_collab import two_apps

from runt_tui.client.undo import UndoHistory
from runt_tui.doc import Edit
from runt_tui.tui.app import NotebookApp


def shows(app: NotebookApp, text: str) -> Callable[[], bool]:
    return lambda: app.editor is not None and app.editor.text == text


async def test_undo_after_typing_in_turns_at_the_same_place(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (a, pa, sa, b, pb, sb):
        cid = sa.doc.cell_ids()[0]
        await pa.press("enter")
        await pb.press("enter")
        want = "x = 1"
        for turn in range(5):
            await pa.press("home", *f"a{turn}")
            want = f"a{turn}" + want
            await wait_until(pb, shows(b, want))
            await pb.press("home", *f"b{turn}")
            want = f"b{turn}" + want
            await wait_until(pa, shows(a, want))
        # Then at the end, in turns, each after the other's text.
        for turn in range(3):
            await pa.press("end", *f"<{turn}")
            want += f"<{turn}"
            await wait_until(pb, shows(b, want))
            await pb.press("end", *f">{turn}")
            want += f">{turn}"
            await wait_until(pa, shows(a, want))
        bobs = "b4b3b2b1b0x = 1>0>1>2"
        await pa.press(*["ctrl+z"] * 15)
        await wait_until(pb, lambda: sb.doc.source(cid) == bobs)  # ann's typing undone, bob's kept
        assert a.editor is not None and a.editor.text == bobs
        await pa.press(*["ctrl+y"] * 15)
        await wait_until(pb, lambda: sb.doc.source(cid) == want)
        assert a.editor is not None and a.editor.text == want


async def test_undo_skips_only_what_someone_else_deleted(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (a, pa, sa, _b, pb, sb):
        cid = sa.doc.cell_ids()[0]
        await pa.press("enter", "end", *" + 2")
        await wait_until(pb, lambda: sb.doc.source(cid) == "x = 1 + 2")
        await pa.press("enter", *"y = 3")
        await wait_until(pb, lambda: sb.doc.source(cid) == "x = 1 + 2\ny = 3")
        await pb.press("enter", "down", "end", "backspace", "backspace", "backspace", "backspace", "backspace")
        await wait_until(pa, lambda: a.editor is not None and a.editor.text == "x = 1 + 2\n")
        await pa.press("ctrl+z")  # "y = 3" is gone already: the step before it is undone
        await wait_until(pb, lambda: sb.doc.source(cid) == "x = 1 + 2")
        await pa.press("ctrl+z")
        await wait_until(pb, lambda: sb.doc.source(cid) == "x = 1")


def test_undo_deletes_own_characters_wherever_they_are_now() -> None:
    h = UndoHistory()
    seq = h.next_seq()
    h.record(Edit(0, 0, "abc"), "", "edit", seq)
    h.resolve({seq: (None, [b"a", b"b", b"c"], [])})
    # Someone typed X between our characters and Y before them.
    plan = h.plan(h.undo[-1], "YaXbc", [b"Y", b"a", b"X", b"b", b"c"])
    assert plan is not None
    assert plan.edits == [Edit(1, 1, ""), Edit(3, 2, "")]
    # Once someone else deleted them all, the step is skipped.
    assert h.plan(h.undo[-1], "YX", [b"Y", b"X"]) is None


def test_undo_puts_removed_text_back_after_its_neighbour_and_redo_follows_new_ids() -> None:
    h = UndoHistory()
    seq = h.next_seq()
    h.record(Edit(1, 2, ""), "bc", "edit", seq)  # "abcd" -> "ad"
    h.resolve({seq: (b"a", [], [b"b", b"c"])})
    plan = h.plan(h.undo.pop(), "aZd", [b"a", b"Z", b"d"])  # Z typed at the same place since
    assert plan is not None and plan.edits == [Edit(1, 0, "bc")] and plan.cursor == 3
    inverse = plan.inverse
    inverse.seqs.append(7)
    h.redo.append(inverse)
    h.resolve({7: (b"a", [b"b2", b"c2"], [])})
    # Redo deletes the characters the undo put back, by their new ids.
    redo = h.plan(h.redo[-1], "abcZd", [b"a", b"b2", b"c2", b"Z", b"d"])
    assert redo is not None and redo.edits == [Edit(1, 2, "")]
