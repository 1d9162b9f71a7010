"""`runt-tui mcp`: the notebook tools served over MCP (stdio, or streamable HTTP with a bearer token)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import os
import secrets
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError

from runt_tui import __version__
from runt_tui.agent.notebooks import NotebookPool
from runt_tui.agent.tool_errors import AgentError
from runt_tui.agent.tools import NotebookTools
from runt_tui.client import DaemonError, DaemonUnavailable, DocError
from runt_tui.settings import ensure_private_dir, state_dir

TOOL_NAMES = (
    "list_notebooks", "open_notebook", "close_notebook", "get_cells", "get_cell", "create_cell",
    "set_cell_source", "replace_in_cell", "delete_cell", "move_cell", "set_cell_type", "execute_cell",
    "run_all", "interrupt", "restart_kernel", "get_kernel_state", "save",
)
TOKEN_ENV = "RUNT_TUI_MCP_TOKEN"

INSTRUCTIONS = (
    "Edit and run Jupyter notebooks shared live with people in runt-tui terminals. Every tool names "
    "its notebook: a .ipynb path, or 'id:NAME' for a notebook without a file (list_notebooks shows the "
    "open ones). Prefer replace_in_cell for small changes: people may be typing in the same cell."
)


def explain(exc: BaseException) -> str | None:
    """The message an agent gets for an anticipated failure, or None for a crash."""
    if isinstance(exc, AgentError):
        return str(exc)
    if isinstance(exc, DaemonError):
        return f"the daemon refused: {exc.message}"
    if isinstance(exc, DaemonUnavailable):
        return f"the runt-tui daemon is not reachable ({exc}); the call can be retried"
    if isinstance(exc, TimeoutError):
        return f"timed out: {exc}" if str(exc) else "timed out waiting for the daemon"
    if isinstance(exc, DocError):
        return str(exc)
    return None


class NotebookServer(MCPServer[Any]):
    """An MCPServer whose anticipated tool failures reach the agent as clear tool errors."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        """Run a tool; a known failure's cause becomes the error text instead of a generic one."""
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError as e:
            message = explain(e.__cause__) if e.__cause__ is not None else None
            if message is None:
                raise
            raise ToolError(message) from None


def build_server(pool: NotebookPool) -> NotebookServer:
    """The MCP server with every notebook tool registered."""
    server = NotebookServer(name="runt-tui", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    tools = NotebookTools(pool)
    for name in TOOL_NAMES:
        server.add_tool(getattr(tools, name), name=name)
    return server


# ---- HTTP ----------------------------------------------------------------------

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def bearer_ok(headers: list[tuple[bytes, bytes]], token: str) -> bool:
    """True when the request carries `Authorization: Bearer <token>` (compared in constant time)."""
    expected = f"Bearer {token}".encode()
    for key, value in headers:
        if key.lower() == b"authorization":
            return hmac.compare_digest(value, expected)
    return False


def require_token(app: ASGIApp, token: str) -> ASGIApp:
    """Wrap an ASGI app so every HTTP request without the bearer token gets 401."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not bearer_ok(list(scope.get("headers") or []), token):
            body = b'{"error": "missing or wrong bearer token"}'
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return guarded


def write_private(path: Path, text: str) -> None:
    """Write a file only the user can read (created 0600, never widened)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _uvicorn_server(app: ASGIApp) -> Any:
    """A uvicorn server that stops on SIGTERM/SIGINT and returns (uvicorn itself re-raises
    the signal once stopped, which would kill the process before the token file is removed)."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            old = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in old.items():
                    signal.signal(sig, handler)

    return Server(uvicorn.Config(app, log_level="warning", lifespan="on"))


async def serve_http(server: NotebookServer, port: int, info_file: Path) -> None:
    """Serve streamable HTTP on 127.0.0.1; the URL and token go to a 0600 file, never to argv."""
    token = os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(32)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as e:
        sock.close()
        raise AgentError(f"cannot listen on 127.0.0.1:{port}: {e.strerror}") from None
    # Listening before the URL is published: a client that reads it at once is queued, not refused.
    sock.listen(128)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    app = require_token(server.streamable_http_app(host="127.0.0.1"), token)
    write_private(info_file, json.dumps({"url": url, "token": token, "pid": os.getpid()}) + "\n")
    print(f"runt-tui mcp: serving {url}; send 'Authorization: Bearer <token>', the token is in {info_file}",
          file=sys.stderr, flush=True)
    try:
        await _uvicorn_server(app).serve(sockets=[sock])
    finally:
        with contextlib.suppress(OSError):
            info_file.unlink()


async def serve(name: str, http: bool = False, port: int = 0, info_file: Path | None = None) -> None:
    """Run the server until the client goes away (stdio) or it is stopped (HTTP)."""
    pool = NotebookPool(name)
    server = build_server(pool)
    try:
        if http:
            if info_file is None:
                # The state dir is ours to make private; a --token-file's directory is the user's.
                info_file = ensure_private_dir(state_dir()) / f"mcp-http-{_safe(name)}.json"
            await serve_http(server, port, info_file)
        else:
            await server.run_stdio_async()
    finally:
        await pool.close_all()


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:40] or "agent"


def main(name: str, http: bool = False, port: int = 0, info_file: Path | None = None) -> int:
    """Entry point of `runt-tui mcp`: 0 when the client went away or the server was stopped."""
    try:
        asyncio.run(serve(name, http, port, info_file))
    except KeyboardInterrupt:
        pass
    except (AgentError, OSError) as e:
        print(f"runt-tui mcp: {e}", file=sys.stderr)
        return 2
    return 0
