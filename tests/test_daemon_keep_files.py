"""The daemon never rewrites a file nobody changed, keeps a file's layout when it writes,
and saves the kernel that ran into the notebook's metadata (real daemon, kernel, files)."""

from __future__ import annotations

import asyncio
import copy
import difflib
import json
import os
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import InProcessDaemons, until

from runt_tui.client import AsyncSession, DaemonError
from runt_tui.daemon.kernel_meta import kernel_metadata_update
from runt_tui.daemon.server import Daemon

CLI = [sys.executable, "-c", "from runt_tui.cli import main; main()"]
PAST = 1_600_000_000_000_000_000  # an mtime long ago: any write of the file changes it


def notebook(kernel: str = "python3", ids: bool = True) -> dict[str, Any]:
    cells: list[dict[str, Any]] = [
        {"cell_type": "markdown", "metadata": {}, "source": "# Notes — ünïcode"},
        {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "x = 1\nprint(x)",
         "outputs": [{"name": "stdout", "output_type": "stream", "text": "1\n"}]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "source": "y = 2", "outputs": []},
    ]
    if ids:
        for i, c in enumerate(cells):
            c["id"] = f"c{i}"
    return {"nbformat": 4, "nbformat_minor": 5 if ids else 4,
            "metadata": {"kernelspec": {"name": kernel, "display_name": kernel, "language": "python"},
                         "language_info": {"name": "python"}},
            "cells": cells}


def lines(nb: dict[str, Any]) -> dict[str, Any]:
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        c["source"] = c["source"].splitlines(True)
        for o in c.get("outputs", []):
            o["text"] = o["text"].splitlines(True)
    return nb


def layouts(kernel: str) -> dict[str, str]:
    nb = notebook(kernel)
    return {
        # What the issue saw rewritten: json.dumps(nb, indent=2), sources as one string.
        "json.dumps indent=2, no final newline": json.dumps(nb, indent=2),
        # JupyterLab / nbformat: indent 1, sorted keys, line lists, final newline.
        "jupyterlab": json.dumps(lines(nb), indent=1, sort_keys=True, ensure_ascii=False) + "\n",
        "indent 4 ascii": json.dumps(lines(nb), indent=4, ensure_ascii=True) + "\n",
        "v4.4 without ids": json.dumps(lines(notebook(kernel, ids=False)), indent=1, sort_keys=True) + "\n",
    }


def place(path: Path, text: str) -> tuple[bytes, int]:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(PAST, PAST))
    return path.read_bytes(), path.stat().st_mtime_ns


async def cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def rooms_closed(daemon: Daemon) -> None:
    """Every room closed, so its final save has run."""
    await until(lambda: not daemon.rooms and not daemon._closing_rooms, "the rooms to close")


def session(home: Path, path: Path) -> AsyncSession:
    return AsyncSession(path=path, name="t", home=home, autostart=False)


# ---- 11.5: open and close leave a file byte-identical ------------------------------


@pytest.mark.parametrize("name", list(layouts("julia-1.9")))
async def test_open_prepare_failed_kernel_and_close_leave_the_file_untouched(
    home: Path, daemon: Daemon, tmp_path: Path, name: str
) -> None:
    nb = tmp_path / "kept.ipynb"
    before = place(nb, layouts("julia-1.9")[name])  # a kernel this machine does not have
    async with session(home, nb) as s:
        ids = s.doc.cell_ids()
        await s.prepare_sources(ids)  # sources become Text: not a content change
        assert [s.get_cell(c).source for c in ids][2] == "y = 2"
        with pytest.raises(DaemonError):
            await s.start_kernel()  # julia-1.9 is not installed
        await s.save()  # even an explicit save writes nothing
    await rooms_closed(daemon)
    assert (nb.read_bytes(), nb.stat().st_mtime_ns) == before
    # A failed `runt-tui run` (its kernel cannot start) changes nothing either.
    rc, _, err = await cli(*CLI, "run", str(nb))
    assert rc == 1 and "julia-1.9" in err
    rc, _, err = await cli(*CLI, "run", "--kernel", "no-such-kernel", str(nb))
    assert rc == 1 and "no-such-kernel" in err
    await rooms_closed(daemon)
    assert (nb.read_bytes(), nb.stat().st_mtime_ns) == before


async def test_open_and_close_across_a_daemon_restart_leave_the_file_untouched(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    nb = tmp_path / "kept.ipynb"
    before = place(nb, layouts("python3")["json.dumps indent=2, no final newline"])
    for _ in range(2):  # the second open loads the persisted room, not the file
        d = await daemons.start()
        async with session(home, nb) as s:
            await s.prepare_sources(s.doc.cell_ids())
        await daemons.stop(d)
    assert (nb.read_bytes(), nb.stat().st_mtime_ns) == before


# ---- 11.6: an edited file keeps its layout ------------------------------------------


@pytest.mark.parametrize("name", list(layouts("python3")))
async def test_one_character_edit_is_a_one_line_diff(home: Path, daemon: Daemon, tmp_path: Path, name: str) -> None:
    nb = tmp_path / "edited.ipynb"
    text = layouts("python3")[name]
    place(nb, text)
    async with session(home, nb) as s:
        cid = s.doc.cell_ids()[2]
        await s.set_source(cid, "y = 3")
        await until(lambda: nb.read_text(encoding="utf-8") != text, "the autosave")
    after = nb.read_text(encoding="utf-8")
    diff = [x for x in difflib.unified_diff(text.splitlines(), after.splitlines(), lineterm="", n=0)
            if not x.startswith(("---", "+++", "@@"))]
    assert len(diff) == 2 and "y = 2" in diff[0] and "y = 3" in diff[1], diff
    assert after.endswith("\n") == text.endswith("\n")
    raw = json.loads(after)
    nbformat.validate(raw)
    assert raw["nbformat_minor"] == json.loads(text)["nbformat_minor"]


# ---- 11.7: the kernel that ran is saved ------------------------------------------------


@pytest.fixture
def altpy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A second Python kernelspec, "altpy", where jupyter_client looks (the daemon shares our environment)."""
    spec = tmp_path / "jupyter" / "kernels" / "altpy"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Alt Python", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "altpy"


def kernel_meta(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    return meta.get("kernelspec") or {}, meta.get("language_info") or {}


async def test_changed_kernel_is_saved_and_started_next_time(
    home: Path, daemon: Daemon, tmp_path: Path, altpy: str
) -> None:
    nb = tmp_path / "switch.ipynb"
    place(nb, layouts("julia-1.9")["jupyterlab"])
    async with session(home, nb) as s:
        with pytest.raises(DaemonError):
            await s.start_kernel()
        await s.start_kernel(kernel_name=altpy)  # what Change kernel does
        await until(lambda: kernel_meta(nb)[0].get("name") == altpy, "the kernel choice saved")
        spec, info = kernel_meta(nb)
        assert spec == {"name": "altpy", "display_name": "Alt Python", "language": "python"}
        assert info["name"] == "python" and info["version"] == ".".join(map(str, sys.version_info[:3]))
        await s.shutdown_kernel()
    await rooms_closed(daemon)
    async with session(home, nb) as s:
        state = await s.start_kernel()
        assert state["name"] == altpy
        await s.shutdown_kernel()


async def test_run_with_another_kernel_saves_it(home: Path, daemon: Daemon, tmp_path: Path, altpy: str) -> None:
    nb = tmp_path / "run.ipynb"
    place(nb, layouts("python3")["jupyterlab"])
    rc, _, err = await cli(*CLI, "run", "--kernel", altpy, str(nb))
    assert rc == 0, err
    spec, info = kernel_meta(nb)
    assert spec["name"] == altpy and spec["display_name"] == "Alt Python" and info["name"] == "python"


async def test_a_file_naming_no_kernel_names_the_one_that_ran_its_first_cell(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    # Tools (nbformat's new_notebook, generators) write empty metadata; the kernel the
    # app starts on open wrote itself into such a file: a diff from merely opening it.
    nb = tmp_path / "bare.ipynb"
    raw = notebook()
    raw["metadata"] = {}
    before = place(nb, json.dumps(raw, separators=(",", ":")))
    async with session(home, nb) as s:
        await s.start_kernel()
        await s.save()
        await s.shutdown_kernel()
        await s.start_kernel()  # a restart of the same kind names nothing either
        await s.save()
    await rooms_closed(daemon)
    assert (nb.read_bytes(), nb.stat().st_mtime_ns) == before
    async with session(home, nb) as s:
        await s.start_kernel()
        result = await s.execute_cell(s.doc.cell_ids()[2], timeout=60)
        assert result.status == "done", result
        await s.shutdown_kernel()
    await rooms_closed(daemon)
    spec, info = kernel_meta(nb)
    assert spec["name"] == "python3" and info["name"] == "python"


def test_kernel_metadata_update() -> None:
    spec = {"name": "altpy", "display_name": "Alt Python", "language": "python"}
    info = {"name": "python", "version": "3.11.4"}
    named = {"kernelspec": {"name": "altpy", "display_name": "Old name"}}
    assert kernel_metadata_update(named, spec, info) is None  # named already: left alone
    assert kernel_metadata_update({}, spec, info) == {"kernelspec": spec, "language_info": info}
    other = {"kernelspec": {"name": "julia-1.9", "display_name": "Julia"}, "language_info": {"name": "julia"}}
    assert kernel_metadata_update(other, spec, {}) == {"kernelspec": spec}
    assert kernel_metadata_update(other, {}, info) is None  # no spec known: nothing said


async def test_kernel_already_named_leaves_the_file_untouched(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "same.ipynb"
    raw = lines(notebook("python3"))
    raw["metadata"] = {"kernelspec": {"name": "python3", "display_name": "Python 3 (here)", "language": "python"}}
    before = place(nb, json.dumps(raw, indent=1, sort_keys=True) + "\n")  # and no language_info
    async with session(home, nb) as s:
        await s.start_kernel()
        await s.restart_kernel()
        await s.shutdown_kernel()
    await rooms_closed(daemon)
    assert (nb.read_bytes(), nb.stat().st_mtime_ns) == before


async def test_file_without_ids_stays_so_and_merges_cell_by_cell(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "old.ipynb"
    place(nb, layouts("python3")["v4.4 without ids"])

    def edit_on_disk(index: int, source: str) -> None:
        raw = json.loads(nb.read_text(encoding="utf-8"))
        assert all("id" not in c for c in raw["cells"]) and raw["nbformat_minor"] == 4
        raw["cells"][index]["source"] = source
        nb.write_text(json.dumps(raw, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    async with session(home, nb) as s:
        ids = s.doc.cell_ids()
        edit_on_disk(0, "# changed on disk")
        await until(lambda: s.get_cell(ids[0]).source == "# changed on disk", "the disk edit merged")
        assert s.doc.cell_ids() == ids  # the same cells, not replaced by new ones
        await s.set_source(ids[2], "y = 2  # typed")
        await until(lambda: "# typed" in nb.read_text(encoding="utf-8"), "the autosave")
        edit_on_disk(1, "x = 10\nprint(x)")
        await until(lambda: s.get_cell(ids[1]).source == "x = 10\nprint(x)", "the second disk edit merged")
        assert s.doc.cell_ids() == ids and s.get_cell(ids[2]).source == "y = 2  # typed"
