"""`runt-tui trust NOTEBOOK` and `runt-tui deps NOTEBOOK list|add|remove`: the notebook's environment."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runt_tui.env.describe import describe_trust

if TYPE_CHECKING:
    from runt_tui.client import AsyncSession


def _say(text: str, err: bool = False) -> None:
    """Print; dependency names and paths come from the notebook: untrusted terminal input."""
    from runt_tui.render.sanitize import strip_controls

    typer.echo(strip_controls(text), err=err)


async def _session(notebook: str) -> AsyncSession:
    from runt_tui.client import AsyncSession

    s = AsyncSession(url=notebook, name="runt-tui trust", kind="cli")
    await s.connect()
    return s


async def trust_notebook(notebook: str, yes: bool) -> int:
    """Show the dependencies, ask, sign; refused and shown again when they change meanwhile."""
    from runt_tui.client import DaemonError

    s = await _session(notebook)
    try:
        for _ in range(3):
            status = await s.trust_status()
            _say(describe_trust(status))
            if status.get("trusted"):
                _say("Trusted on this machine.")
                return 0
            if status.get("digest") is None:
                return 1
            if not yes:
                if not sys.stdin.isatty():
                    _say("runt-tui: not approved (no terminal to ask: pass --yes to approve)", err=True)
                    return 1
                if not typer.confirm("Install these and run the notebook's kernel with them?", default=False):
                    _say("Not approved.")
                    return 1
            try:
                await s.approve_trust(status["digest"])
            except DaemonError as e:
                if e.code != "CONFLICT":
                    raise
                _say(f"runt-tui: {e.message}", err=True)
                continue
            _say("Approved: the notebook is signed with this machine's key.")
            return 0
        return 1
    finally:
        await s.close()


async def change_deps(notebook: str, action: str, items: list[str]) -> int:
    """list / add SPEC... / remove NAME... on the notebook's dependencies."""
    from runt_tui.client import DaemonError

    s = await _session(notebook)
    try:
        if action == "list":
            status = await s.trust_status()
            for dep in status.get("dependencies") or []:
                _say(dep)
            trusted = "trusted" if status.get("trusted") else "not trusted (runt-tui trust NOTEBOOK)"
            _say(f"# {status.get('kind')}, {trusted}", err=True)
            return 0
        try:
            result = await (s.add_dependencies(items) if action == "add" else s.remove_dependencies(items))
        except DaemonError as e:
            _say(f"runt-tui: {e.message}", err=True)
            return 2
        for name in result.get("missing") or []:
            _say(f"runt-tui: {name}: not a dependency of this notebook", err=True)
        if result.get("restart_needed"):
            _say("The kernel is running: restart it to use the new environment.", err=True)
        return 1 if result.get("missing") else 0
    finally:
        await s.close()


def _target(notebook: str) -> str:
    if notebook.lower().startswith("ssh://"):
        return notebook
    if not Path(notebook).exists():
        _say(f"runt-tui: {notebook}: no such file", err=True)
        raise typer.Exit(2)
    return str(Path(notebook).resolve())


def trust(
    notebook: Annotated[str, typer.Argument(help="The notebook whose dependencies to approve.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Approve without asking (scripts).")] = False,
) -> None:
    """Show a notebook's dependencies and approve them: sign them with this machine's key."""
    raise typer.Exit(asyncio.run(trust_notebook(_target(notebook), yes)))


def deps(
    notebook: Annotated[str, typer.Argument(help="The notebook.")],
    action: Annotated[str, typer.Argument(help="list, add or remove.")] = "list",
    items: Annotated[list[str] | None, typer.Argument(help="Dependencies (PEP 508) to add, names to remove.")] = None,
) -> None:
    """List, add or remove the notebook's dependencies (metadata runt.uv); re-signed when trusted."""
    if action not in ("list", "add", "remove"):
        _say(f"runt-tui: deps: the action is list, add or remove, not {action!r}", err=True)
        raise typer.Exit(2)
    if action != "list" and not items:
        _say(f"runt-tui: deps {action}: name at least one package", err=True)
        raise typer.Exit(2)
    raise typer.Exit(asyncio.run(change_deps(_target(notebook), action, list(items or []))))
