"""`runt-tui doctor`: print what runt-tui sees of this terminal, and what to change."""

from __future__ import annotations

import typer

from runt_tui.doctor import checks, report


def doctor() -> None:
    """Check this terminal (TERM, tmux and its escape-time) and say what to change."""
    text, _ = report(f for check in checks() for f in check())
    typer.echo(text)
