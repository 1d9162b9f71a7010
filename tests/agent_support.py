"""Shared pieces of the MCP tests: a module daemon process, `runt-tui mcp` driven by the SDK's client."""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psutil
from conftest import HANG_GUARD, daemon_answers, kill_daemons, spawn_daemon_process
from kernel_support import kernels_of
from mcp import Client, StdioServerParameters

# The console script of this installation (what an MCP client's config runs).
RUNT_TUI = str(Path(sys.executable).with_name("runt-tui"))

DAEMON_SETTINGS: dict[str, Any] = {
    "save_delay": 0.1, "max_save_interval": 1.0, "room_cleanup_delay": 0.5,
    "idle_exit": 600.0, "kernel_keepalive": 1.0,
}


@contextlib.contextmanager
def daemon_home() -> Iterator[Path]:
    """A daemon process on a fresh short home; stopped (kernels with it) at exit."""
    root = Path(tempfile.mkdtemp(prefix="rta-", dir="/tmp"))
    home = root / "home"
    proc = spawn_daemon_process(home, **DAEMON_SETTINGS)
    try:
        deadline = time.monotonic() + HANG_GUARD
        while not daemon_answers(home):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the test daemon did not start:\n" + (home / "daemon.log").read_text()[-2000:])
            time.sleep(0.02)
        yield home
    finally:
        # A clean stop shuts the kernels down; whatever is left is killed.
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(Exception):
            proc.wait(timeout=HANG_GUARD)
        kill_daemons(home)
        for p in kernels_of(home):
            with contextlib.suppress(psutil.Error):
                p.kill()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.asynccontextmanager
async def agent(home: Path, name: str = "claude") -> AsyncIterator[Client]:
    """`runt-tui mcp --name NAME` as a subprocess, connected through the SDK's stdio client."""
    params = StdioServerParameters(command=RUNT_TUI, args=["mcp", "--name", name], env={"RUNT_TUI_HOME": str(home)})
    async with Client(params, read_timeout_seconds=120) as client:
        yield client


async def call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    """A tool call that must succeed; its structured result."""
    r = await client.call_tool(tool, args)
    text = " ".join(getattr(c, "text", "") for c in r.content)
    assert not r.is_error, f"{tool} failed: {text}"
    assert isinstance(r.structured_content, dict)
    return r.structured_content


async def call_error(client: Client, tool: str, **args: Any) -> str:
    """A tool call that must fail with a tool error; its message."""
    r = await client.call_tool(tool, args)
    text = " ".join(getattr(c, "text", "") for c in r.content)
    assert r.is_error, f"{tool} should have failed, got {r.structured_content}"
    return text
