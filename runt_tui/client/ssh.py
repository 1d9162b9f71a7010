"""The ssh:// transport: the user's own `ssh` starts the remote daemon and forwards a local Unix socket to it.

Nothing listens on a network port and no secret travels on a command line:
OpenSSH authenticates, `runt-tui daemon start --json` on the server reports its
version and socket, and `ssh -N -L LOCAL:REMOTE` forwards a socket (0600, in
our 0700 state dir) that the ordinary client connection then uses. When the
link drops, `connect()` is called again by the session's reconnect loop and
restarts the forward (and the remote daemon, when it has gone) without ever
prompting: only the first connection, made before an app takes the screen,
may ask for a password or a host key on the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from runt_tui.client.blobcache import DiskCachedBlobs
from runt_tui.client.link import DaemonUnavailable, _try_connect
from runt_tui.client.sshurl import (
    SSHTarget,
    forward_argv,
    parse_ssh_url,
    parse_version_line,
    start_argv,
)
from runt_tui.protocol import Connection
from runt_tui.settings import ensure_private_dir, load_settings

log = logging.getLogger("runt_tui.client")

# ssh exits 255 when it could not connect or authenticate; a shell, 127 for a missing command.
_SSH_FAILED = 255
_NOT_FOUND = 127


class SSHError(DaemonUnavailable):
    """The remote daemon could not be reached over ssh (the message says why)."""


@dataclass(frozen=True)
class RemoteDaemon:
    """What `runt-tui daemon start --json` reported on the server."""

    version: str
    socket: str
    pid: int | None = None


def parse_start_output(target: SSHTarget, remote_command: str, local_version: str, code: int,
                       out: str, err: str) -> RemoteDaemon:
    """The remote daemon from the start command's output, or an SSHError naming what went wrong."""
    lines = [line for line in out.splitlines() if line.strip()]
    detail = _last_lines(err)
    if code == _SSH_FAILED and not lines:
        raise SSHError(f"cannot reach {target.destination} with ssh: {detail or 'ssh failed (exit 255)'}")
    if code == _NOT_FOUND and not lines:
        raise SSHError(f"{remote_command!r} was not found on {target.host} ({detail or 'exit 127'}); "
                       "set remote_command to the server's runt-tui (e.g. ~/venv/bin/runt-tui)")
    # A login shell may print a banner first: the version is the first line that is one.
    at = next((i for i, line in enumerate(lines) if parse_version_line(line) is not None), None)
    version = parse_version_line(lines[at]) if at is not None else None
    if at is None or version is None:
        shown = _printable(lines[0])[:120] if lines else detail or f"exit {code}"
        raise SSHError(f"{remote_command!r} on {target.host} is not runt-tui: {shown}")
    if version != local_version:
        raise SSHError(f"version mismatch: this machine runs runt-tui {local_version}, "
                       f"{target.host} runs runt-tui {_printable(version)} ({remote_command}); "
                       "install the same version on both")
    info: object = None
    for line in reversed(lines[at + 1:]):
        with contextlib.suppress(ValueError):
            info = json.loads(line)
            break
    if code != 0 or not isinstance(info, dict) or not isinstance(info.get("socket"), str):
        raise SSHError(f"the daemon on {target.host} did not start: {detail or (_printable(lines[-1]) if lines else f'exit {code}')}")
    pid = info.get("pid")
    return RemoteDaemon(version=str(info.get("version") or version), socket=info["socket"],
                        pid=pid if isinstance(pid, int) else None)


def _last_lines(text: str, n: int = 3) -> str:
    # What the server printed goes into our messages: no terminal controls.
    lines = [_printable(line) for line in text.splitlines() if line.strip()]
    return " / ".join(lines[-n:])


def _printable(line: str) -> str:
    return "".join(c for c in line if c.isprintable()).strip()


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the process (thread) that started us ends, so no forward lingers."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class SSHTransport:
    """One forward to one remote daemon, restarted on demand; `connect()` returns a joined-ready connection."""

    def __init__(self, target: SSHTarget, home: Path, ssh_command: str = "ssh",
                 remote_command: str = "runt-tui", local_version: str | None = None) -> None:
        from runt_tui import __version__

        self.target = target
        self.home = home
        self.ssh_command = ssh_command
        self.remote_command = remote_command
        self.local_version = local_version or __version__
        # A private dir per forward laid out like a state dir, so the ordinary connect path
        # (and its checks of dir, socket and peer) applies unchanged. Short names: a Unix
        # socket path must fit in ~107 bytes.
        self.dir = home / "ssh" / secrets.token_hex(6)
        self.local_sock = self.dir / "daemon.sock"
        self.log_path = self.dir / "ssh.log"
        self.remote: RemoteDaemon | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        # After the first connection nothing may prompt (an app owns the terminal).
        self.batch = False
        self.start_timeout = 300.0
        self.forward_timeout = 30.0

    @property
    def forward_alive(self) -> bool:
        """Whether the forwarding ssh process runs."""
        return self.proc is not None and self.proc.poll() is None

    async def prepare(self) -> RemoteDaemon:
        """Make sure the remote daemon runs (version checked) and the forward is up."""
        if self.remote is None:
            self.remote = await self.start_remote()
        if not self.forward_alive:
            await self.start_forward()
        return self.remote

    async def connect(self) -> Connection:
        """A handshaken connection to the remote daemon through the forward (restarted as needed)."""
        await self.prepare()
        conn = await _try_connect(self.local_sock)
        if conn is None and self.forward_alive:
            # The forward answers but the remote daemon does not (it exited when idle, or restarted).
            old = self.remote
            self.batch = True
            self.remote = await self.start_remote()
            if old is None or old.socket != self.remote.socket:
                self.stop_forward()
            await self.prepare()
            conn = await _try_connect(self.local_sock)
        if conn is None:
            raise SSHError(f"the daemon on {self.target.host} does not answer through the ssh forward")
        self.batch = True
        return conn

    async def start_remote(self) -> RemoteDaemon:
        """Run `remote_command --version && remote_command daemon start --json` on the server."""
        argv = start_argv(self.ssh_command, self.target, self.remote_command, self.batch)
        log.info("ssh: %s", argv)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=self.batch,
            )
        except OSError as e:
            raise SSHError(f"cannot run {argv[0]!r} (the ssh_command setting): {e}") from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.start_timeout if not self.batch else 60.0)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise SSHError(f"ssh to {self.target.destination} did not finish in time") from None
        return parse_start_output(self.target, self.remote_command, self.local_version, proc.returncode or 0,
                                  out.decode(errors="replace"), err.decode(errors="replace"))

    async def start_forward(self) -> None:
        """Start `ssh -N -L LOCAL:REMOTE` and wait for the local socket (or ssh's error)."""
        assert self.remote is not None
        self.stop_forward()
        for path in (self.home, self.dir.parent, self.dir):
            ensure_private_dir(path)
        with contextlib.suppress(FileNotFoundError):
            self.local_sock.unlink()
        argv = forward_argv(self.ssh_command, self.target, str(self.local_sock), self.remote.socket, self.batch)
        log.info("ssh forward: %s", argv)
        with open(os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as errors:
            try:
                self.proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                    start_new_session=self.batch,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                )
            except OSError as e:
                raise SSHError(f"cannot run {argv[0]!r} (the ssh_command setting): {e}") from None
        deadline = time.monotonic() + (self.start_timeout if not self.batch else self.forward_timeout)
        while time.monotonic() < deadline:
            if self.local_sock.exists():
                return
            if self.proc.poll() is not None:
                raise SSHError(f"the ssh forward to {self.target.destination} failed: {self._forward_errors()}")
            await asyncio.sleep(0.01)
        self.stop_forward()
        raise SSHError(f"the ssh forward to {self.target.destination} did not come up in time")

    def _forward_errors(self) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            text = ""
        return _last_lines(text) or f"ssh exited with {self.proc.returncode if self.proc else '?'}"

    def stop_forward(self) -> None:
        """Stop the forwarding ssh process, if any."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def blob_cache(self) -> DiskCachedBlobs:
        """Blobs fetched from the server, kept by digest in our state dir for the next session."""
        return DiskCachedBlobs(self.home / "ssh" / "blobs")

    def close(self) -> None:
        """Stop the forward and remove its socket and log."""
        self.stop_forward()
        for path in (self.local_sock, self.log_path):
            with contextlib.suppress(OSError):
                path.unlink()
        with contextlib.suppress(OSError):
            self.dir.rmdir()


def ssh_transport(url: str, home: Path, ssh_command: str | None = None, remote_command: str | None = None) -> SSHTransport:
    """The transport for an ssh:// URL, with the ssh_command / remote_command settings unless given."""
    target = parse_ssh_url(url)
    if ssh_command is None or remote_command is None:
        settings = load_settings()
        ssh_command = settings.ssh_command if ssh_command is None else ssh_command
        remote_command = settings.remote_command if remote_command is None else remote_command
    return SSHTransport(target, home, ssh_command=ssh_command, remote_command=remote_command)
