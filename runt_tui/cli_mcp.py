"""`runt-tui mcp`: serve the notebook tools to an agent over MCP (see runt_tui.agent)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def mcp(
    name: Annotated[str, typer.Option(help="The agent's name as every terminal's peer list shows it.")] = "agent",
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP on 127.0.0.1 instead of stdio.")] = False,
    port: Annotated[int, typer.Option(help="With --http: the port (0 picks a free one).")] = 0,
    token_file: Annotated[
        Path | None,
        typer.Option(help="With --http: where to write the URL and bearer token (0600). "
                     "Default: mcp-http-NAME.json in the state dir."),
    ] = None,
) -> None:
    """Serve the notebooks to an MCP client (an agent), which joins them as a peer named NAME."""
    from runt_tui.agent.mcp_server import main

    raise typer.Exit(main(name, http=http, port=port, info_file=token_file))
