"""The `runt-tui` command line: parse arguments, then call into the package."""

from __future__ import annotations

import sys
from pathlib import Path
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


_VALUE_OPTIONS = {"--name", "--kernel", "--images", "--layout", "--theme"}


@app.command("open")
def open_notebook(
    notebook: Annotated[Path, typer.Argument(help="The .ipynb file (created if missing).")],
    name: Annotated[str | None, typer.Option(help="Your name as other terminals see it.")] = None,
    kernel: Annotated[str | None, typer.Option(help="Kernel to start (default: the notebook's).")] = None,
    embedded: Annotated[bool, typer.Option("--embedded", help="Run the daemon inside this process.")] = False,
    images: Annotated[str, typer.Option(help="auto, kitty, sixel, halfblock or none.")] = "auto",
    follow: Annotated[
        str | None, typer.Option(help="Follow a peer by NAME, or with no name the running cell.")
    ] = None,
    layout: Annotated[str, typer.Option(help="cells, or outputs (sources collapsed).")] = "cells",
    theme: Annotated[str | None, typer.Option(help="A Textual theme, e.g. textual-light.")] = None,
) -> None:
    """Open NOTEBOOK in this terminal, shared live with every other terminal on it."""
    if images not in ("auto", "kitty", "sixel", "halfblock", "none"):
        typer.echo(f"runt-tui: --images must be auto, kitty, sixel, halfblock or none, not {images!r}", err=True)
        raise typer.Exit(2)
    if layout not in ("cells", "outputs"):
        typer.echo(f"runt-tui: --layout must be cells or outputs, not {layout!r}", err=True)
        raise typer.Exit(2)
    if notebook.is_dir():
        typer.echo(f"runt-tui: {notebook} is a directory, not a notebook", err=True)
        raise typer.Exit(2)
    from runt_tui.tui.app import run_app
    from runt_tui.tui.options import AppOptions

    options = AppOptions(
        path=notebook, name=name, kernel=kernel, embedded=embedded, images=images,  # type: ignore[arg-type]
        follow=follow, layout=layout, theme=theme,  # type: ignore[arg-type]
    )
    raise typer.Exit(run_app(options))


def route_argv(argv: list[str]) -> list[str]:
    """Send `runt-tui NOTEBOOK ...` to the `open` command; a bare --follow means the running cell."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--follow":
            nxt = argv[i + 1] if i + 1 < len(argv) else None
            if nxt is None or nxt.startswith("-") or nxt.endswith(".ipynb"):
                out.append("--follow=")
                continue
        out.append(arg)
    i = 0
    while i < len(out):
        arg = out[i]
        if arg in _VALUE_OPTIONS or arg == "--follow":
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        if arg in ("daemon", "ps", "open", "run"):
            return out
        return ["open", *out]
    return out


def main() -> None:
    """Entry point of the console script."""
    app(args=route_argv(sys.argv[1:]), prog_name="runt-tui")
