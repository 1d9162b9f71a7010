"""`runt-tui run NOTEBOOK`: execute every code cell through the daemon, save, fail on the first error."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


async def run_notebook(path: Path, kernel: str | None, timeout: float | None, embedded: bool) -> int:
    """Run all code cells in order in the notebook's room; return the exit code."""
    from runt_tui.client import AsyncSession, DaemonError, DaemonUnavailable

    session = AsyncSession(path=path, name="runt-tui run", kind="run", embedded=embedded)
    try:
        await session.connect()
    except DaemonError as e:
        typer.echo(f"runt-tui: {e.message}", err=True)
        return 2
    except DaemonUnavailable as e:
        typer.echo(f"runt-tui: {e}", err=True)
        return 2
    try:
        try:
            state = await session.start_kernel(kernel)
        except DaemonError as e:
            typer.echo(f"runt-tui: cannot start the kernel: {e.message}", err=True)
            return 1
        if kernel and state.get("name") != kernel:
            # One kernel per notebook, shared: a terminal has it open with another kernel.
            typer.echo(f"runt-tui: the notebook's {state.get('name')} kernel is already running "
                       f"(shared with the terminals that have it open); running on it, not on {kernel}", err=True)
        cells = [c for c in session.get_cells() if c.cell_type == "code"]
        for n, cell in enumerate(cells, 1):
            if not cell.source.strip():
                continue
            typer.echo(f"[{n}/{len(cells)}] {cell.id}", err=True)
            try:
                result = await session.execute_cell(cell.id, timeout=timeout)
            except TimeoutError:
                # As nbclient does: stop the cell rather than leave it running.
                with contextlib.suppress(DaemonError, DaemonUnavailable):
                    await session.interrupt()
                typer.echo(f"runt-tui: cell {cell.id} ({n}/{len(cells)}) timed out after {timeout:g} s", err=True)
                with contextlib.suppress(DaemonError, DaemonUnavailable):
                    await session.save()
                return 1
            except (DaemonError, DaemonUnavailable) as e:
                typer.echo(f"runt-tui: cell {cell.id} ({n}/{len(cells)}): {e}", err=True)
                return 1
            if not result.success:
                err = result.error or {}
                tb = err.get("traceback") or []
                if not sys.stderr.isatty():  # a log file or CI: no colour codes
                    tb = [_ANSI.sub("", line) for line in tb]
                typer.echo("\n".join(tb) if tb else f"{err.get('ename', 'Error')}: {err.get('evalue', result.status)}", err=True)
                typer.echo(f"runt-tui: cell {cell.id} ({n}/{len(cells)}) failed: {err.get('ename', result.status)}", err=True)
                await session.save()
                return 1
        await session.save()
        typer.echo(f"ran {len(cells)} code cells; saved {path}", err=True)
        return 0
    finally:
        await session.close()


def run(
    notebook: Annotated[Path, typer.Argument(help="The notebook to run.")],
    kernel: Annotated[str | None, typer.Option("--kernel", help="Kernel name (default: the notebook's).")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Seconds allowed per cell.")] = None,
    embedded: Annotated[bool, typer.Option("--embedded", help="Run the daemon in this process.")] = False,
) -> None:
    """Execute every code cell in order through the daemon, save, exit non-zero on the first error."""
    if not notebook.exists():
        typer.echo(f"runt-tui: {notebook}: no such file", err=True)
        raise typer.Exit(2)
    code = asyncio.run(run_notebook(notebook.resolve(), kernel, timeout, embedded))
    sys.stdout.flush()
    raise typer.Exit(code)
