"""Shared fixtures: a private temp state dir, an in-process daemon, spawned daemon processes.

Every test that talks to a daemon gets its own ``RUNT_TUI_HOME`` (a short path
under /tmp, because Unix socket paths are limited to ~107 bytes). Whatever
daemon processes a test starts (spawned by the helpers here, or auto-started by
a client) are killed when the test ends, found by their ``RUNT_TUI_HOME``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest

from runt_tui.daemon.lifecycle import daemon_lock
from runt_tui.daemon.server import Daemon
from runt_tui.settings import Settings

# Fast but realistic settings for daemons under test.
TEST_SETTINGS = Settings(
    save_delay=0.1,
    max_save_interval=1.0,
    room_cleanup_delay=0.5,
    idle_exit=600.0,
    kernel_keepalive=1.0,
)

# Hang guards for waits on eventual conditions; never a statement about speed.
HANG_GUARD = 30.0


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, not yet created state dir set as RUNT_TUI_HOME; kills its daemons at teardown."""
    root = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    state = root / "home"
    for key in list(os.environ):
        if key.startswith("RUNT_TUI_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RUNT_TUI_HOME", str(state))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    try:
        yield state
    finally:
        kill_daemons(state)
        shutil.rmtree(root, ignore_errors=True)


# ---- in-process daemons -----------------------------------------------------


class InProcessDaemons:
    """Start and stop `Daemon`s in the test's own event loop, holding the daemon lock like a real one."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.running: list[tuple[Daemon, contextlib.ExitStack]] = []

    async def start(self, **overrides: Any) -> Daemon:
        """A started daemon with TEST_SETTINGS (plus overrides)."""
        stack = contextlib.ExitStack()
        if not stack.enter_context(daemon_lock(self.home)):
            stack.close()
            raise RuntimeError(f"another daemon holds the lock of {self.home}")
        daemon = Daemon(self.home, TEST_SETTINGS.replace(**overrides))
        try:
            await daemon.start()
        except BaseException:
            stack.close()
            raise
        self.running.append((daemon, stack))
        return daemon

    async def stop(self, daemon: Daemon) -> None:
        """Shut a daemon down cleanly (saves every room) and release its lock."""
        for i, (d, stack) in enumerate(self.running):
            if d is daemon:
                del self.running[i]
                try:
                    await d.shutdown()
                finally:
                    stack.close()
                return

    async def stop_all(self) -> None:
        """Stop every daemon still running."""
        while self.running:
            await self.stop(self.running[-1][0])


@pytest.fixture
async def daemons(home: Path) -> AsyncIterator[InProcessDaemons]:
    """Start/stop in-process daemons on `home`; all stopped at teardown."""
    ctl = InProcessDaemons(home)
    try:
        yield ctl
    finally:
        await ctl.stop_all()


@pytest.fixture
async def daemon(daemons: InProcessDaemons) -> Daemon:
    """One in-process daemon with TEST_SETTINGS, running in the test's loop."""
    return await daemons.start()


# ---- daemon processes -------------------------------------------------------


def _daemon_env(home: Path, settings: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNT_TUI_")}
    env["RUNT_TUI_HOME"] = str(home)
    for name, value in settings.items():
        env["RUNT_TUI_" + name.upper()] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    return env


def spawn_daemon_process(home: Path, **settings: Any) -> subprocess.Popen[bytes]:
    """Start a real, detached daemon process on `home` (settings through the environment).

    Does not wait for it: see `wait_for_daemon`. The `home` fixture kills it at teardown.
    """
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(home / "daemon.log", "ab") as logf:
        return subprocess.Popen(
            [sys.executable, "-m", "runt_tui.daemon"],
            stdin=subprocess.DEVNULL,
            stdout=logf,
            stderr=logf,
            env=_daemon_env(home, settings),
            start_new_session=True,
            close_fds=True,
        )


def daemon_answers(home: Path) -> bool:
    """True when something completes the protocol handshake on `home`'s socket."""
    from runt_tui.protocol import MAGIC, greeting

    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5.0)
        s.connect(str(home / "daemon.sock"))
        s.sendall(greeting())
        return s.recv(len(MAGIC)) == MAGIC
    return False


async def wait_for_daemon(home: Path, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until the daemon of `home` answers (RuntimeError if `proc` died first)."""
    deadline = time.monotonic() + HANG_GUARD
    while time.monotonic() < deadline:
        if await asyncio.to_thread(daemon_answers, home):
            return
        if proc is not None and proc.poll() is not None:
            log = (home / "daemon.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"daemon exited with {proc.returncode}:\n{log}")
        await asyncio.sleep(0.02)
    raise RuntimeError("the daemon never answered")


async def start_daemon_process(home: Path, **settings: Any) -> subprocess.Popen[bytes]:
    """Spawn a daemon process and wait until it serves."""
    proc = spawn_daemon_process(home, **settings)
    await wait_for_daemon(home, proc)
    return proc


def sigkill(proc: subprocess.Popen[bytes]) -> None:
    """kill -9 a daemon process and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=HANG_GUARD)


def _is_daemon_command(cmd: list[str]) -> bool:
    """A spawned daemon (`python -m runt_tui.daemon`), or one forked by `runt-tui daemon start`."""
    return "runt_tui.daemon" in cmd or any(cmd[i:i + 2] == ["daemon", "start"] for i in range(len(cmd)))


def daemon_processes(home: Path) -> list[psutil.Process]:
    """Live (not zombie) daemon processes whose RUNT_TUI_HOME is `home`."""
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        try:
            cmd = p.info["cmdline"] or []
            if not _is_daemon_command(cmd) or p.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if p.environ().get("RUNT_TUI_HOME") == str(home):
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def kill_daemons(home: Path) -> None:
    """SIGKILL every daemon process of `home` (spawned or auto-started) and wait for them."""
    procs = daemon_processes(home)
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(procs, timeout=10)


# ---- small async helpers ----------------------------------------------------


async def until(
    predicate: Callable[[], bool | Awaitable[bool]],
    what: str = "condition",
    timeout: float = HANG_GUARD,
) -> None:
    """Poll `predicate` until it is true; fail the test (not a timing claim) if it never is."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


# ---- notebooks ----------------------------------------------------------------


def write_notebook(path: Path, sources: list[str], cell_type: str = "code") -> list[str]:
    """Write a v4.5 notebook in nbformat's own layout with ids c0, c1, ...; return the ids."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    make = new_code_cell if cell_type == "code" else new_markdown_cell
    nb = new_notebook(cells=[make(src, id=f"c{i}") for i, src in enumerate(sources)])  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    tmp = path.with_name(path.name + ".tmp-write")
    tmp.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return [f"c{i}" for i in range(len(sources))]


def file_sources(path: Path) -> dict[str, str]:
    """Cell id -> source of a notebook on disk (validated)."""
    import nbformat

    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(nb)
    return {c["id"]: c["source"] for c in nb.cells}


@contextlib.asynccontextmanager
async def offline_session(home: Path, daemons: InProcessDaemons, path: Path, name: str = "a") -> AsyncIterator[Any]:
    """A session that joined `path` on a fresh in-process daemon, which is then stopped:
    the session is reconnecting when the body starts (start a daemon to let it back)."""
    from runt_tui.client import AsyncSession

    d = await daemons.start()
    s = AsyncSession(path=path, name=name, home=home, autostart=False)
    await s.connect()
    try:
        await daemons.stop(d)
        await until(lambda: s.connection_state == "reconnecting", "the client to notice")
        yield s
    finally:
        await s.close()


def record_events(session: Any, etype: str) -> list[dict[str, Any]]:
    """Start recording a session's events of one type (runtime, presence, notice, connection...)."""
    events: list[dict[str, Any]] = []

    def listener(event: dict[str, Any]) -> None:
        if event.get("type") == etype:
            events.append(event)

    session.event_listeners.append(listener)
    return events
