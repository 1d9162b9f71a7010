"""Two app instances on one daemon: edits, executions, presence and undo cross between them."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from support.tui import screen_text, wait_until, write_notebook
from textual.pilot import Pilot
from textual.widgets import Static

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

App2 = tuple[NotebookApp, Pilot[None], AsyncSession, NotebookApp, Pilot[None], AsyncSession]


@asynccontextmanager
async def two_apps(tmp_path: Path, kernel: bool = False, batch_ms: int | None = None) -> AsyncIterator[App2]:
    """Ann (embedded daemon) and Bob on one notebook, both apps settled; `batch_ms` sets Ann's edit batch window."""
    path = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1"), ("code", "print('hi')"), ("markdown", "# Notes")])
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    sa = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    sb = AsyncSession(path=path, name="bob", home=home, kind="tui", autostart=False)
    batch = {} if batch_ms is None else {"batch_ms": batch_ms}
    a = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=kernel, **batch), session=sa)
    b = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=sb)
    try:
        async with a.run_test(size=(80, 24)) as pa:
            await wait_until(pa, lambda: a.ready and a.pane.settled)
            async with b.run_test(size=(80, 24)) as pb:
                await wait_until(pb, lambda: b.ready and b.pane.settled)
                yield a, pa, sa, b, pb, sb
                if kernel:
                    await sa.shutdown_kernel()
    finally:
        await sb.close()
        await sa.close()
        shutil.rmtree(home, ignore_errors=True)


async def test_edit_in_one_appears_in_the_other(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (_a, pa, _sa, b, pb, sb):
        await pa.press("enter", *"abc")
        await wait_until(pb, lambda: "abcx = 1" in screen_text(b))
        await pa.press("escape", "b")
        await wait_until(pb, lambda: len(sb.doc) == 4)
        await pa.press("enter", *"new cell")
        await wait_until(pb, lambda: "new cell" in screen_text(b))


async def test_execution_in_one_appears_in_both(tmp_path: Path) -> None:
    async with two_apps(tmp_path, kernel=True) as (a, pa, sa, b, pb, sb):
        await wait_until(pa, lambda: sa.kernel_status() == "idle", timeout=60)
        await pb.press("f")  # bob follows whichever cell runs
        await pa.press("j", "ctrl+enter")
        await wait_until(pb, lambda: b.selected == sb.doc.cell_ids()[1])
        await wait_until(pb, lambda: "hi" in screen_text(b).split("print('hi')")[-1] and "[1]" in screen_text(b))
        await wait_until(pa, lambda: "[1]" in screen_text(a))
        assert "python3" in screen_text(b)


async def test_presence_marks_the_other_peers_cell(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (_a, pa, _sa, b, pb, sb):
        await pa.press("j")
        second = sb.doc.cell_ids()[1]
        await wait_until(pb, lambda: [p.name for p in b.pane.mounted[second].model.peers] == ["ann"])
        await pb.pause(0.1)
        lines = screen_text(b).splitlines()
        assert any(line.lstrip().startswith("ann") for line in lines[:-1])  # in the gutter
        assert "ann" in lines[-1]  # and in the status bar


async def test_remote_edit_keeps_local_cursor(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (a, pa, _sa, _b, pb, sb):
        await pa.press("enter", "end")  # ann's cursor after "x = 1"
        assert a.editor is not None
        before = a.editor.cursor_location
        await pb.press("enter", "home", *"yy")
        await wait_until(pa, lambda: a.editor is not None and a.editor.text == "yyx = 1")
        assert a.editor.cursor_location == (before[0], before[1] + 2)
        await pa.press("!")
        await wait_until(pb, lambda: sb.doc.source(sb.doc.cell_ids()[0]) == "yyx = 1!")


async def test_concurrent_typing_in_one_cell_merges(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (a, pa, sa, b, pb, sb):
        await pa.press("enter", "end")
        await pb.press("enter", "home")
        await pa.press(*"AAA")
        await pb.press(*"BBB")
        want = "BBBx = 1AAA"
        await wait_until(pa, lambda: sa.doc.source(sa.doc.cell_ids()[0]) == want and sb.doc.source(sb.doc.cell_ids()[0]) == want)
        await wait_until(pa, lambda: a.editor is not None and a.editor.text == want)
        await wait_until(pb, lambda: b.editor is not None and b.editor.text == want)


async def test_undo_only_touches_own_edits(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (a, pa, _sa, _b, pb, sb):
        await pa.press("enter", "end", *" + 2")
        await wait_until(pb, lambda: sb.doc.source(sb.doc.cell_ids()[0]) == "x = 1 + 2")
        await pb.press("enter", "home", *"# ")
        await wait_until(pa, lambda: a.editor is not None and a.editor.text == "# x = 1 + 2")
        await pa.press("ctrl+z")
        await wait_until(pb, lambda: sb.doc.source(sb.doc.cell_ids()[0]) == "# x = 1")
        await pa.press("ctrl+y")
        await wait_until(pb, lambda: sb.doc.source(sb.doc.cell_ids()[0]) == "# x = 1 + 2")


async def test_remote_structure_change_updates_only_that_cell(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (_a, pa, _sa, b, pb, sb):
        ids = sb.doc.cell_ids()
        kept = {cid: b.pane.mounted[cid] for cid in ids}
        await pa.press("j", "m")
        await wait_until(pb, lambda: sb.doc.cell(ids[1]).cell_type == "markdown")
        await pb.pause(0.1)
        for cid in ids:
            assert b.pane.mounted[cid] is kept[cid]  # widgets reused, not rebuilt
        await pa.press("d", "d")
        await wait_until(pb, lambda: ids[1] not in b.pane.mounted)
        assert b.pane.mounted[ids[0]] is kept[ids[0]]


async def test_reconnecting_is_shown(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (_a, _pa, _sa, b, pb, sb):
        sb._set_connection("reconnecting")
        await wait_until(pb, lambda: "reconnecting" in screen_text(b).splitlines()[-1])
        sb._set_connection("connected")
        await wait_until(pb, lambda: "reconnecting" not in screen_text(b).splitlines()[-1])


async def test_the_edited_cells_gutter_is_redrawn_when_a_peer_comes_not_at_their_keys(tmp_path: Path) -> None:
    async with two_apps(tmp_path) as (a, pa, sa, _b, pb, _sb):
        first = sa.doc.cell_ids()[0]
        await pb.press("j")  # bob elsewhere
        await wait_until(pa, lambda: not a.pane.mounted[first].model.peers)
        await pa.press("enter", "end")
        assert a.editor is not None
        gutter = a.pane.mounted[first].query_one("#cell-gutter", Static)
        updates: list[object] = []
        plain_update = gutter.update

        def counted(content: object = "", **kwargs: object) -> None:
            updates.append(content)
            plain_update(content, **kwargs)  # type: ignore[arg-type]

        gutter.update = counted  # type: ignore[method-assign]
        # Bob comes into the cell: ann's gutter names him and her editor shows his cursor.
        await pb.press("k", "enter", "home")
        await wait_until(pa, lambda: any("bob" in str(u) for u in updates))
        await wait_until(pa, lambda: a.editor is not None and [c.pos for c in a.editor.remote_cursors] == [0])
        came = len(updates)
        # His typing reaches her editor with his cursor; her gutter, unchanged, is not laid out again.
        await pb.press(*"yz")
        await wait_until(pa, lambda: a.editor is not None and a.editor.text == "yzx = 1")
        await wait_until(pa, lambda: a.editor is not None and [c.pos for c in a.editor.remote_cursors] == [2])
        assert len(updates) == came
