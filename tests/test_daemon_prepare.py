"""Preparing plain-string sources for editing, through a real daemon: once per cell, whoever asks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from conftest import until, write_notebook

from runt_tui.client import AsyncSession, DaemonError
from runt_tui.daemon.server import Daemon


def session(home: Path, path: Path, name: str) -> AsyncSession:
    return AsyncSession(path=path, name=name, home=home, autostart=False)


def text_id(s: AsyncSession, cid: str) -> bytes | None:
    """The id of the Text object holding a cell's source in this client's replica."""
    return s.doc._text_obj(s.doc._cell_obj(cid))


async def test_concurrent_prepares_make_one_text_and_typing_converges(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    nb = tmp_path / "p.ipynb"
    ids = write_notebook(nb, [f"cell {i}" for i in range(6)])
    sessions = [session(home, nb, f"s{i}") for i in range(3)]
    for s in sessions:
        await s.connect()
    try:
        assert not any(s.doc.source_editable(c) for s in sessions for c in ids)
        async def prepare_and_type(i: int, s: AsyncSession) -> None:
            await s.prepare_sources(ids)
            # Typed as soon as this client's own request returns, before the others'.
            s.edit(lambda d: d.set_source(ids[2], d.source(ids[2]) + f" <{i}>"))
            await s.sync_now()

        await asyncio.gather(*(prepare_and_type(i, s) for i, s in enumerate(sessions)))
        await until(lambda: len({s.doc.source(ids[2]) for s in sessions}) == 1, "convergence")
        merged = sessions[0].doc.source(ids[2])
        assert merged.startswith("cell 2 ") and all(f"<{i}>" in merged for i in range(3))
        # One Text object per cell, the same in every replica.
        for cid in ids:
            assert len({text_id(s, cid) for s in sessions}) == 1
            assert text_id(sessions[0], cid) is not None
    finally:
        for s in sessions:
            await s.close()


async def test_prepare_does_not_mark_the_notebook_unsaved(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "s.ipynb"
    ids = write_notebook(nb, ["a", "b"])
    async with session(home, nb, "a") as s:
        before = nb.read_bytes()
        await s.prepare_sources(ids)
        assert s.doc.source_editable(ids[0])
        await asyncio.sleep(0.3)
        assert (s.runtime.get("save") or {}).get("state") in (None, "saved")
        assert nb.read_bytes() == before


@pytest.mark.parametrize("cells", [None, "c0", [1, 2], [{"x": 1}]])
async def test_bad_prepare_requests_are_refused_and_the_daemon_serves_on(
    home: Path, daemon: Daemon, tmp_path: Path, cells: object
) -> None:
    nb = tmp_path / "b.ipynb"
    write_notebook(nb, ["a"])
    async with session(home, nb, "a") as s:
        with pytest.raises(DaemonError, match="cells"):
            await s.request("prepare", cells=cells)
        await s.prepare_sources(["c0", "no-such-cell"])
        await s.set_source("c0", "still served")
        assert s.doc.source("c0") == "still served"


async def test_forced_prepare_asks_the_daemon_even_for_cells_already_text(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    # The editor and set_source force it: the answer comes once the Text is on disk.
    nb = tmp_path / "f.ipynb"
    ids = write_notebook(nb, ["a", "b"])
    async with session(home, nb, "a") as s:
        await s.prepare_sources(ids)
        sent: list[str] = []
        real = s.request

        async def spy(rtype: str, *args: Any, **kwargs: Any) -> tuple[dict[str, Any], bytes]:
            sent.append(rtype)
            return await real(rtype, *args, **kwargs)

        s.request = spy  # type: ignore[method-assign]
        await s.prepare_sources(ids)
        assert sent == []
        await s.prepare_sources(ids, force=True)
        assert sent == ["prepare"]
        await s.set_source(ids[0], "a!")
        assert sent[1:] == ["prepare", "ack"]
