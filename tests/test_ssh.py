"""End to end over a real OpenSSH server on 127.0.0.1: ssh:// notebooks in Sessions, `runt-tui run` and the TUI.

The "server" is this machine: sshd runs on a free high port with a temporary
host key and `authorized_keys`, and the remote side gets its own state dir
through `remote_command` (`env RUNT_TUI_HOME=... /abs/venv/bin/runt-tui`, since
the environment sshd gives a login has no venv on PATH). Skipped only where
sshd is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import HANG_GUARD, kill_daemons
from runt_tui import Session, __version__
from runt_tui.client import DaemonUnavailable
from runt_tui.client.ssh import SSHError
from runt_tui.tui.testing import write_notebook
from test_tui_tmux import Tmux, runt_tui

SSHD = shutil.which("sshd") or next((p for p in ("/usr/sbin/sshd",) if os.path.exists(p)), None)
SSH = shutil.which("ssh")
KEYGEN = shutil.which("ssh-keygen")
RUNT_TUI = Path(sys.executable).parent / "runt-tui"
pytestmark = pytest.mark.skipif(
    SSHD is None or SSH is None or KEYGEN is None,
    reason="OpenSSH (sshd, ssh, ssh-keygen) is not installed: apt-get install openssh-server openssh-client",
)


def _free_port() -> int:
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

    def url(self, path: Path | str) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{path}"

    def session(self, path: Path | str, home: Path, **kw: object) -> Session:
        return Session(url=self.url(path), home=home, ssh_command=self.ssh_command,
                       remote_command=self.remote_command, **kw)  # type: ignore[arg-type]


def _write_config(d: Path, port: int) -> Path:
    subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(d / "host_key")], check=True)
    subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(d / "client_key")], check=True)
    shutil.copy(d / "client_key.pub", d / "authorized_keys")
    config = d / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {d / 'host_key'}",
        f"AuthorizedKeysFile {d / 'authorized_keys'}", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
        "PermitRootLogin prohibit-password", "AllowStreamLocalForwarding yes",
        f"PidFile {d / 'sshd.pid'}", "LogLevel ERROR", "",
    ]))
    return config


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    assert SSHD is not None and SSH is not None
    d = Path(tempfile.mkdtemp(prefix="rt-ssh-", dir="/tmp"))
    port = _free_port()
    config = _write_config(d, port)
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=open(d / "sshd.log", "wb"))
    deadline = time.monotonic() + HANG_GUARD
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"sshd did not start: {(d / 'sshd.log').read_text()}")
        time.sleep(0.02)
    remote_home = d / "remote"
    ssh_command = shlex.join([SSH, "-F", "/dev/null", "-i", str(d / "client_key"), "-o", "IdentitiesOnly=yes",
                              "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                              "-o", "LogLevel=ERROR"])
    remote_command = f"env RUNT_TUI_HOME={shlex.quote(str(remote_home))} {shlex.quote(str(RUNT_TUI))}"
    try:
        yield Server(port, getpass.getuser(), ssh_command, remote_home, remote_command)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        kill_daemons(remote_home)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def local_home(home: Path) -> Path:
    """This side's state dir (the forward's socket lives there)."""
    return home


def _wait(predicate: object, what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _source(s: Session, cid: str) -> str:
    return s.get_cell(cid).source


def test_local_and_ssh_sessions_edit_and_run_one_notebook(server: Server, local_home: Path, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "shared.ipynb", [("code", "x = 6 * 7")])
    with server.session(nb, local_home, name="ann") as far, \
            Session(path=nb, home=server.remote_home, name="bob") as near:
        # One room, keyed by the remote path; the far peer is shown with its machine.
        assert far.aio.path == str(nb.resolve())
        _wait(lambda: any(p.get("name") == f"ann@{socket.gethostname()}" for p in near.peers()), "the far peer")
        # The local end of the forward: a 0600 socket in our 0700 state dir.
        sock = far.aio.transport.local_sock  # type: ignore[union-attr]
        assert stat.S_IMODE(sock.stat().st_mode) == 0o600
        assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
        first = far.get_cells()[0].id
        cid = far.create_cell("print(x)")
        _wait(lambda: cid in {c.id for c in near.get_cells()}, "the far cell nearby")
        near.set_source(first, "x = 6 * 7 + 1")
        _wait(lambda: _source(far, first) == "x = 6 * 7 + 1", "the near edit far away")
        far.start_kernel()
        near.start_kernel()
        assert far.execute_cell(first).success
        result = near.execute_cell(cid)
        assert result.stdout == "43\n"
        _wait(lambda: any("43" in str(o) for o in far.get_cell(cid).outputs), "the output far away")
        far.save()
    assert "x = 6 * 7 + 1" in nb.read_text()


def test_killing_the_forward_mid_edit_loses_nothing_acknowledged(server: Server, local_home: Path, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "link.ipynb", [("code", "")])
    with server.session(nb, local_home) as far:
        transport = far.aio.transport
        assert transport is not None and transport.proc is not None
        cid = far.get_cells()[0].id
        text = ""
        old = transport.proc
        for i in range(6):
            text += f"line{i}\n"
            try:
                far.set_source(cid, text)  # acknowledged: the daemon holds it on disk
            except DaemonUnavailable:
                pass  # the link went down under this call: the edit is kept and sent on reconnect
            if i == 2:
                old.kill()
        old.wait()
        far.sync()
        # The transport started a new forward and the session came back on it.
        assert transport.proc is not None and transport.proc is not old and transport.forward_alive
        assert far.aio.connection_state == "connected"
        with Session(path=nb, home=server.remote_home) as near:
            assert near.get_cell(cid).source == text


def test_runt_tui_run_over_ssh(server: Server, local_home: Path, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "run.ipynb", [("code", "print('ran ' + 'remotely')")])
    env = {**os.environ, "RUNT_TUI_HOME": str(local_home), "RUNT_TUI_SSH_COMMAND": server.ssh_command,
           "RUNT_TUI_REMOTE_COMMAND": server.remote_command}
    done = subprocess.run(runt_tui("run", server.url(nb)), env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ran remotely" in nb.read_text()


def test_tui_opens_an_ssh_notebook_in_tmux_and_runs_a_cell(server: Server, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "tui.ipynb", [("code", "print('over ' + 'ssh')")])
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    tmux = Tmux(home)
    try:
        cmd = runt_tui(server.url(nb), "--name", "cat")
        env = (f"RUNT_TUI_SSH_COMMAND={shlex.quote(server.ssh_command)} "
               f"RUNT_TUI_REMOTE_COMMAND={shlex.quote(server.remote_command)}")
        tmux.start("a", ["sh", "-c", f"env {env} {shlex.join(cmd)}"])
        tmux.wait("a", lambda s: "over ' + 'ssh'" in s and "idle" in s)
        tmux.keys("a", "C-e")
        tmux.wait("a", lambda s: "[1]" in s and "over ssh" in s)
        tmux.keys("a", "q")
    finally:
        tmux.close()
        shutil.rmtree(home, ignore_errors=True)


def test_version_mismatch_names_both_versions(server: Server, local_home: Path, tmp_path: Path) -> None:
    fake = tmp_path / "old-runt-tui"
    fake.write_text("#!/bin/sh\necho 'runt-tui 0.0.1'\n")
    fake.chmod(0o755)
    s = Session(url=server.url(tmp_path / "x.ipynb"), home=local_home, ssh_command=server.ssh_command,
                remote_command=str(fake))
    try:
        with pytest.raises(SSHError) as err:
            s.connect()
    finally:
        s.close()
    assert "version mismatch" in str(err.value)
    assert __version__ in str(err.value) and "0.0.1" in str(err.value)


def test_unreachable_host_is_a_clear_error(server: Server, local_home: Path, tmp_path: Path) -> None:
    closed = _free_port()
    s = Session(url=f"ssh://127.0.0.1:{closed}{tmp_path / 'x.ipynb'}", home=local_home,
                ssh_command=server.ssh_command, remote_command=server.remote_command)
    try:
        with pytest.raises(SSHError) as err:
            s.connect()
    finally:
        s.close()
    assert "cannot reach 127.0.0.1" in str(err.value)
    assert "refused" in str(err.value).lower()
