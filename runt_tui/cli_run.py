"""`runt-tui run NOTEBOOK`: execute every code cell through the daemon, save, fail on the first error."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from runt_tui.client import AsyncSession


def _say(text: str, *, colour: bool = False) -> None:
    """Print to stderr; kernel and notebook strings in it are untrusted terminal input.

    `colour` keeps SGR colours, and only on a terminal (not in a log file or CI).
    """
    from runt_tui.render.sanitize import strip_controls

    typer.echo(strip_controls(text, keep_sgr=colour and sys.stderr.isatty()), err=True)


def _say_failure(err: Mapping[str, object], status: str, where: str) -> None:
    """Print a failed cell's traceback (or its error line) and which cell it was."""
    tb = err.get("traceback")
    if isinstance(tb, list) and tb:
        _say("\n".join(map(str, tb)), colour=True)
    else:
        _say(f"{err.get('ename', 'Error')}: {err.get('evalue', status)}")
    _say(f"runt-tui: {where} failed: {err.get('ename', status)}")


async def run_notebook(path: Path | str, kernel: str | None, timeout: float | None, embedded: bool) -> int:
    """Run all code cells in order in the notebook's room (a path or an ssh:// URL); return the exit code."""
    from runt_tui.client import AsyncSession, DaemonError, DaemonUnavailable

    session = AsyncSession(url=str(path), name="runt-tui run", kind="run", embedded=embedded)
    try:
        await session.connect()
    except DaemonError as e:
        _say(f"runt-tui: {e.message}")
        return 2
    except DaemonUnavailable as e:
        _say(f"runt-tui: {e}")
        return 2
    try:
        untrusted = await _untrusted(session)
        if untrusted:
            _say(untrusted)
            return 3
        try:
            state = await session.start_kernel(kernel)
        except DaemonError as e:
            _say(f"runt-tui: cannot start the kernel: {e.message}")
            return 1
        if kernel and state.get("name") != kernel:
            # One kernel per notebook, shared: a terminal has it open with another kernel.
            _say(f"runt-tui: the notebook's {state.get('name')} kernel is already running "
                 f"(shared with the terminals that have it open); running on it, not on {kernel}")
        cells = [c for c in session.get_cells() if c.cell_type == "code"]
        for n, cell in enumerate(cells, 1):
            if not cell.source.strip():
                continue
            _say(f"[{n}/{len(cells)}] {cell.id}")
            try:
                result = await session.execute_cell(cell.id, timeout=timeout)
            except TimeoutError:
                # As nbclient does: stop the cell rather than leave it running.
                with contextlib.suppress(DaemonError, DaemonUnavailable):
                    await session.interrupt()
                _say(f"runt-tui: cell {cell.id} ({n}/{len(cells)}) timed out after {timeout:g} s")
                with contextlib.suppress(DaemonError, DaemonUnavailable):
                    await session.save()
                return 1
            except (DaemonError, DaemonUnavailable) as e:
                _say(f"runt-tui: cell {cell.id} ({n}/{len(cells)}): {e}")
                return 1
            if not result.success:
                _say_failure(result.error or {}, result.status, f"cell {cell.id} ({n}/{len(cells)})")
                await _save(session)
                return 1
        if not await _save(session):
            return 1
        _say(f"ran {len(cells)} code cells; saved {session.path}")
        return 0
    finally:
        await session.close()


async def _untrusted(session: AsyncSession) -> str | None:
    """Why the notebook cannot run here yet (its dependencies are not approved), or None."""
    from runt_tui.client import DaemonError

    try:
        status = await session.trust_status()
    except DaemonError as e:
        if e.code == "UNKNOWN_TYPE":  # an older daemon (ssh://): it builds no environments
            return None
        raise
    if status.get("trusted"):
        return None
    if status.get("kind") == "invalid":
        return f"runt-tui: the notebook's dependencies cannot be read: {status.get('error')}"
    deps = ", ".join(status.get("dependencies") or [])
    return (f"runt-tui: this notebook's dependencies ({deps}) are not trusted on this machine; "
            f"review and approve them with `runt-tui trust {session.path or 'NOTEBOOK'}`")


async def _save(session: AsyncSession) -> bool:
    """Save, saying why not when the daemon refuses (e.g. the file on disk is not a valid notebook)."""
    from runt_tui.client import DaemonError

    try:
        await session.save()
    except DaemonError as e:
        _say(f"runt-tui: not saved: {e.message} (fix the file, or save from the app to overwrite it)")
        return False
    return True


def run(
    notebook: Annotated[str, typer.Argument(help="The notebook to run (a path or ssh://[user@]host[:port]/path).")],
    kernel: Annotated[str | None, typer.Option("--kernel", help="Kernel name (default: the notebook's).")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Seconds allowed per cell.")] = None,
    embedded: Annotated[bool, typer.Option("--embedded", help="Run the daemon in this process.")] = False,
) -> None:
    """Execute every code cell in order through the daemon, save, exit non-zero on the first error."""
    target: Path | str = notebook
    if notebook.lower().startswith("ssh://"):
        if embedded:
            typer.echo("runt-tui: --embedded does not apply to an ssh:// notebook (it uses the server's daemon)", err=True)
            raise typer.Exit(2)
    elif not Path(notebook).exists():
        typer.echo(f"runt-tui: {notebook}: no such file", err=True)
        raise typer.Exit(2)
    else:
        target = Path(notebook).resolve()
    try:
        code = asyncio.run(run_notebook(target, kernel, timeout, embedded))
    except ValueError as e:  # a malformed ssh:// URL or setting
        typer.echo(f"runt-tui: {e}", err=True)
        raise typer.Exit(2) from None
    sys.stdout.flush()
    raise typer.Exit(code)
