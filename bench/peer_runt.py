"""runt-tui as the terminal benchmark runs it: any interpreter (`--python`), a private RUNT_TUI_HOME.

The app is started the way its console script does (`from runt_tui.cli import main`),
with the interpreter given, so the same bench can time an older checkout's venv. The
daemon is asked whether it answers with a `ping` over the real socket protocol, from
the bench's own process (the client of this checkout).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tui_tmux import kill_group, wait_gone

from runt_tui.client.link import DaemonClient, DaemonUnavailable, open_connection

ENTRY = "from runt_tui.cli import main; main()"
QUIT = ["Escape", "q"]


class Runt:
    """Commands of one runt-tui installation (its interpreter)."""

    def __init__(self, python: str) -> None:
        self.python = python

    def app(self, path: Path, name: str, *extra: str) -> list[str]:
        return [self.python, "-c", ENTRY, str(path), "--name", name, "--images", "halfblock", *extra]

    def cli(self, home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        argv = [self.python, "-c", ENTRY, *args]
        return subprocess.run(argv, env=env(home), capture_output=True, text=True, timeout=timeout)

    def spawn_cli(self, home: Path, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([self.python, "-c", ENTRY, *args], env=env(home),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def version(self) -> str:
        out = subprocess.run([self.python, "-c", "import runt_tui; print(runt_tui.__version__)"],
                             capture_output=True, text=True)
        return out.stdout.strip() or "?"

    def stop_daemon(self, home: Path) -> None:
        """Stop the home's daemon (and so its kernels); kill it when it does not go."""
        pid = daemon_pid(home)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.cli(home, "daemon", "stop", timeout=40)
        if pid is not None and not wait_gone(pid, 5):
            kill_group(pid)


def env(home: Path) -> dict[str, str]:
    return {**os.environ, "RUNT_TUI_HOME": str(home)}


def daemon_pid(home: Path) -> int | None:
    try:
        return int((home / "daemon.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def fresh_home() -> Path:
    """A new, empty RUNT_TUI_HOME (short path: Unix socket paths are limited to ~100 bytes)."""
    return Path(tempfile.mkdtemp(prefix="rtb-", dir="/tmp"))


def drop_home(runt: Runt, home: Path) -> None:
    runt.stop_daemon(home)
    shutil.rmtree(home, ignore_errors=True)


async def _ping(home: Path) -> bool:
    try:
        conn = await open_connection(home, autostart=False, timeout=1)
    except DaemonUnavailable:
        return False
    client = DaemonClient(conn)
    try:
        await client.request("ping", timeout=5)
        return True
    except (DaemonUnavailable, OSError):
        return False
    finally:
        await client.close()


async def _wait_answering(home: Path, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if await _ping(home):
            return time.perf_counter()
        await asyncio.sleep(0.002)
    raise TimeoutError(f"no daemon answered in {home} within {timeout:.0f} s")


def wait_answering(home: Path, timeout: float = 30.0) -> float:
    """Poll (every ~2 ms) until the home's daemon answers a ping; the perf_counter it did."""
    return asyncio.run(_wait_answering(home, timeout))


def terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
