"""A real OpenSSH server on 127.0.0.1 for ssh:// tests and benchmarks: free high port, temporary keys.

The "server" is this machine; the remote side gets its own state dir through
`remote_command` (`env RUNT_TUI_HOME=... /abs/venv/bin/runt-tui`), since the
environment sshd gives a login has no venv on PATH. A login's HOME is an empty
directory of the server's (`login_home`): the shell sshd starts sources the
user's rc files, and this machine's (a pyenv rehash waiting 60 s on a lock a
killed shell left behind) must not decide whether a test passes.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
SSH = shutil.which("ssh")
KEYGEN = shutil.which("ssh-keygen")
MISSING = SSHD is None or SSH is None or KEYGEN is None
RUNT_TUI = Path(sys.executable).parent / "runt-tui"


def free_port() -> int:
    """A TCP port nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running sshd and the settings a client needs to log in to it."""

    port: int
    user: str
    ssh_command: str
    remote_home: Path
    remote_command: str
    login_home: Path

    def url(self, path: Path | str) -> str:
        """The ssh:// URL of `path` on this server."""
        return f"ssh://{self.user}@127.0.0.1:{self.port}{path}"


def _write_config(d: Path, port: int, login_home: Path) -> Path:
    assert KEYGEN is not None
    for name in ("host_key", "client_key"):
        subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True)
    shutil.copy(d / "client_key.pub", d / "authorized_keys")
    config = d / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {d / 'host_key'}",
        f"AuthorizedKeysFile {d / 'authorized_keys'}", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
        "PermitRootLogin prohibit-password", "AllowStreamLocalForwarding yes",
        f"PidFile {d / 'sshd.pid'}", "LogLevel ERROR", f"SetEnv HOME={login_home}", "",
    ]))
    return config


@contextlib.contextmanager
def running_sshd(remote_home: Path | None = None, timeout: float = 30.0) -> Iterator[Server]:
    """Run sshd until the block ends; RuntimeError when it does not start."""
    assert SSHD is not None and SSH is not None
    d = Path(tempfile.mkdtemp(prefix="rt-ssh-", dir="/tmp"))
    port = free_port()
    login_home = d / "home"
    login_home.mkdir(mode=0o700)
    config = _write_config(d, port, login_home)
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    with open(d / "sshd.log", "wb") as log:
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {(d / 'sshd.log').read_text()}")
            time.sleep(0.02)
        home = remote_home or d / "remote"
        ssh_command = shlex.join([SSH, "-F", "/dev/null", "-i", str(d / "client_key"), "-o", "IdentitiesOnly=yes",
                                  "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                                  "-o", "LogLevel=ERROR"])
        remote_command = f"env RUNT_TUI_HOME={shlex.quote(str(home))} {shlex.quote(str(RUNT_TUI))}"
        yield Server(port, getpass.getuser(), ssh_command, home, remote_command, login_home)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(d, ignore_errors=True)
