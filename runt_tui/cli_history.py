"""`runt-tui history NOTEBOOK`: the notebook's timeline, the notebook at a change, and restores."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from runt_tui.client import AsyncSession


def _say(text: str, *, err: bool = False) -> None:
    """Print; names and sources in it come from the notebook and its peers (untrusted)."""
    from runt_tui.render.sanitize import strip_controls

    typer.echo("\n".join(strip_controls(line) for line in text.split("\n")), err=err)


async def show_history(path: Path, at: str | None, restore_to: str | None, cell: str | None) -> int:
    """Print the timeline (or the notebook at a change, or restore it); return the exit code."""
    from runt_tui.client import AsyncSession, DaemonError, DaemonUnavailable

    session = AsyncSession(path=path, name="runt-tui history", kind="script")
    try:
        await session.connect()
    except (DaemonError, DaemonUnavailable) as e:
        _say(f"runt-tui: {e}", err=True)
        return 2
    try:
        return await _act(session, at, restore_to, cell)
    finally:
        await session.close()


async def _act(session: AsyncSession, at: str | None, restore_to: str | None, cell: str | None) -> int:
    from runt_tui.client.restore import find_change, group_line, restore, timeline

    changes, groups = timeline(session)
    ref = restore_to or at
    if ref is None:
        _say("\n".join(group_line(g) for g in groups) or "no history")
        return 0
    change = find_change(changes, ref)
    if change is None:
        _say(f"runt-tui: no change {ref!r} (give a number from `runt-tui history` or a hash prefix)", err=True)
        return 2
    heads = list(change.heads)
    if restore_to is not None:
        n = await restore(session, heads, cell)
        what = f"cell {cell}" if cell else "the notebook"
        _say(f"restored {what} to change #{change.index} ({n} cell(s) changed, as new changes)")
        return 0
    return _print_at(session, heads, change.index)


def _print_at(session: AsyncSession, heads: list[bytes], index: int) -> int:
    from runt_tui.doc import notebook_diff

    assert session.replica is not None
    doc = session.replica.doc
    _say(f"# the notebook at change #{index}")
    for c in doc.cells(heads):
        _say(f"--- [{c.cell_type}] {c.id}\n{c.source}")
    _say("# differences from now")
    for d in notebook_diff(doc, heads):
        _say(f"{d.kind} {d.cell_id}" + ("\n" + "\n".join(d.lines) if d.lines else ""))
    return 0


def history(
    notebook: Annotated[Path, typer.Argument(help="The notebook whose history to show.")],
    at: Annotated[str | None, typer.Option("--at", help="Show the notebook at this change (number or hash prefix) and its differences from now.")] = None,
    restore_to: Annotated[str | None, typer.Option("--restore", help="Restore the notebook to this change, as new changes.")] = None,
    cell: Annotated[str | None, typer.Option("--cell", help="With --restore: restore only this cell.")] = None,
) -> None:
    """List the notebook's changes by author and minute; show or restore the notebook at one."""
    if not notebook.exists():
        typer.echo(f"runt-tui: {notebook}: no such file", err=True)
        raise typer.Exit(2)
    if cell is not None and restore_to is None:
        typer.echo("runt-tui: --cell goes with --restore", err=True)
        raise typer.Exit(2)
    raise typer.Exit(asyncio.run(show_history(notebook.resolve(), at, restore_to, cell)))
