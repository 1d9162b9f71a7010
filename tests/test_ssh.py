"""End to end over a real OpenSSH server on 127.0.0.1: ssh:// notebooks in Sessions, `runt-tui run` and the TUI.

The "server" is this machine (tests/sshd_support.py). Skipped only where sshd
is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import base64
import contextlib
import os
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import HANG_GUARD, kill_daemons
from sshd_support import MISSING, RUNT_TUI, Server, free_port, running_sshd
from support.tui import write_notebook
from test_tui_tmux import Tmux, runt_tui

from runt_tui import Session, __version__
from runt_tui.client import DaemonUnavailable
from runt_tui.client.blobcache import DiskCachedBlobs
from runt_tui.client.ssh import SSHError

pytestmark = pytest.mark.skipif(
    MISSING, reason="OpenSSH (sshd, ssh, ssh-keygen) is not installed: apt-get install openssh-server openssh-client",
)


class SSHServer(Server):
    """The test server, with a shortcut for Sessions on it."""

    def session(self, path: Path | str, home: Path, **kw: object) -> Session:
        return Session(url=self.url(path), home=home, ssh_command=self.ssh_command,
                       remote_command=self.remote_command, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def server() -> Iterator[SSHServer]:
    with running_sshd() as srv:
        try:
            yield SSHServer(**vars(srv))
        finally:
            kill_daemons(srv.remote_home)


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


def test_local_and_ssh_sessions_edit_and_run_one_notebook(server: SSHServer, local_home: Path, tmp_path: Path) -> None:
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


def test_killing_the_forward_mid_edit_loses_nothing_acknowledged(server: SSHServer, local_home: Path, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "link.ipynb", [("code", "")])
    with server.session(nb, local_home) as far:
        transport = far.aio.transport
        assert transport is not None and transport.proc is not None
        cid = far.get_cells()[0].id
        text = ""
        old = transport.proc
        for i in range(6):
            text += f"line{i}\n"
            # Acknowledged: the daemon holds it on disk. When the link goes down under the
            # call it raises, and the edit is kept and sent on reconnect.
            with contextlib.suppress(DaemonUnavailable):
                far.set_source(cid, text)
            if i == 2:
                old.kill()
        old.wait()
        far.sync()
        # The transport started a new forward and the session came back on it.
        assert transport.proc is not None and transport.proc is not old and transport.forward_alive
        assert far.aio.connection_state == "connected"
        with Session(path=nb, home=server.remote_home) as near:
            assert near.get_cell(cid).source == text


def test_a_remote_daemon_restart_is_survived(server: SSHServer, local_home: Path, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "restart.ipynb", [("code", "a = 1")])
    with server.session(nb, local_home) as far:
        cid = far.get_cells()[0].id
        far.set_source(cid, "a = 2")
        states: list[str] = []
        far.aio.event_listeners.append(lambda e: states.append(e["state"]) if e.get("type") == "connection" else None)
        env = {**os.environ, "RUNT_TUI_HOME": str(server.remote_home)}
        # A crash of the remote daemon: the session reconnects on its own.
        pid = int((server.remote_home / "daemon.pid").read_text().split()[0])
        os.kill(pid, 9)
        # Through the same forward, a new remote daemon is started (by ssh, without prompting).
        _wait(lambda: states[-2:] == ["reconnecting", "connected"], "the reconnect after a crash")
        far.set_source(cid, "a = 3")
        # A stop on purpose: the session waits until it is used, then reconnects the same way.
        subprocess.run([str(RUNT_TUI), "daemon", "stop"], env=env, check=True, capture_output=True, timeout=60)
        _wait(lambda: states[-1:] == ["stopped"], "the stopped state")
        far.set_source(cid, "a = 4")
        _wait(lambda: states[-2:] == ["reconnecting", "connected"], "the reconnect after a stop")
        far.save()
    assert "a = 4" in nb.read_text()


def test_blobs_come_over_the_forward_and_are_cached_by_digest(server: SSHServer, local_home: Path, tmp_path: Path) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8).decode()
    image = {"output_type": "display_data", "data": {"image/png": png, "text/plain": "<Figure>"}, "metadata": {}}
    nb = write_notebook(tmp_path / "img.ipynb", [("code", "plot()")], outputs={0: [image]})
    with server.session(nb, local_home) as far:
        far._run(far.aio.wait_blobs())
        assert far.get_cells()[0].outputs[0]["data"]["image/png"] == png
        digests = far.aio.doc.blob_digests()
    assert digests
    cache = DiskCachedBlobs(local_home / "ssh" / "blobs")
    assert all(cache.get(d) is not None for d in digests)  # on disk, for the next session on this machine


def test_a_tilde_path_is_relative_to_the_remote_home(server: SSHServer, local_home: Path) -> None:
    rel = Path(tempfile.mkdtemp(prefix="rt-ssh-test-", dir=server.login_home))
    try:
        url = f"ssh://{server.user}@127.0.0.1:{server.port}/~/{rel.name}/t.ipynb"
        with Session(url=url, home=local_home, ssh_command=server.ssh_command,
                     remote_command=server.remote_command) as far:
            assert far.aio.path == str(rel / "t.ipynb")
            far.create_cell("print('home')")
            far.save()
        assert "print('home')" in (rel / "t.ipynb").read_text()
    finally:
        shutil.rmtree(rel, ignore_errors=True)


def test_runt_tui_run_over_ssh(server: SSHServer, local_home: Path, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "run.ipynb", [("code", "print('ran ' + 'remotely')")])
    env = {**os.environ, "RUNT_TUI_HOME": str(local_home), "RUNT_TUI_SSH_COMMAND": server.ssh_command,
           "RUNT_TUI_REMOTE_COMMAND": server.remote_command}
    done = subprocess.run(runt_tui("run", server.url(nb)), env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ran remotely" in nb.read_text()


def test_tui_opens_an_ssh_notebook_in_tmux_and_runs_a_cell(server: SSHServer, tmp_path: Path) -> None:
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


def test_version_mismatch_names_both_versions(server: SSHServer, local_home: Path, tmp_path: Path) -> None:
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


def test_unreachable_host_is_a_clear_error(server: SSHServer, local_home: Path, tmp_path: Path) -> None:
    closed = free_port()
    s = Session(url=f"ssh://127.0.0.1:{closed}{tmp_path / 'x.ipynb'}", home=local_home,
                ssh_command=server.ssh_command, remote_command=server.remote_command)
    try:
        with pytest.raises(SSHError) as err:
            s.connect()
    finally:
        s.close()
    assert "cannot reach 127.0.0.1" in str(err.value)
    assert "refused" in str(err.value).lower()
