"""The `runt-tui` command line: parse arguments, then call into the package."""

from __future__ import annotations

from typing import Annotated

import typer

from runt_tui import __version__

app = typer.Typer(
    name="runt-tui",
    help="A terminal notebook: many terminals, one notebook, one kernel.",
    add_completion=False,
    no_args_is_help=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"runt-tui {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """A terminal notebook: many terminals, one notebook, one kernel."""


from runt_tui.cli_daemon import daemon_app, ps  # noqa: E402

app.add_typer(daemon_app, name="daemon")
app.command("ps")(ps)

from runt_tui.cli_run import run  # noqa: E402

app.command("run")(run)


def main() -> None:
    """Entry point of the console script."""
    app()
