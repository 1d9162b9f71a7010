"""Another local user cannot steer us through the state dir: a second uid plants files and sockets.

As root, a forked child switches to an unused uid (4242) to play the other user:
a fake daemon listening as that uid, a socket bound first in a loose home, a
`RUNT_TUI_HOME` symlink to that user's directory, planted `daemon.pid` /
`daemon.log` symlinks, that user's `blobs/`, `kernels/` or `rooms/`. The client
refuses before sending a byte; the daemon refuses to start and says why; no
symlink is followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runt_tui.client.link import UnsafeDaemon, open_connection
from runt_tui.private import UnsafePath, check_private_dir, open_private, read_private

OTHER = 4242
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="playing a second user needs root (setuid to an unused uid in a forked child)"
)


def as_other(action: Callable[[], None]) -> int:
    """Run `action` in a forked child as uid/gid 4242; return its pid (not waited for)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(OTHER)
            os.setuid(OTHER)
            action()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


def run_as_other(action: Callable[[], None]) -> None:
    _, status = os.waitpid(as_other(action), 0)
    assert os.waitstatus_to_exitcode(status) == 0


class FakeDaemon:
    """A listener on `path` run by uid 4242; records whether anyone connected and every byte sent."""

    def __init__(self, path: Path, *, bind_as_root: bool = False) -> None:
        self.path = path
        self._out_r, out_w = os.pipe()
        ready_r, ready_w = os.pipe()
        listener: socket.socket | None = None
        if bind_as_root:
            # Bound (so owned) by us, then served by the other uid: only SO_PEERCRED tells
            # (it reports whoever called listen()).
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(path))

        def serve() -> None:
            s = listener or socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            if listener is None:
                s.bind(str(path))
            s.listen()
            os.write(ready_w, b"1")
            conn, _ = s.accept()
            os.write(out_w, b"A")  # accepted
            while chunk := conn.recv(65536):
                os.write(out_w, chunk)

        self.pid = as_other(serve)
        os.close(out_w)
        os.close(ready_w)
        if listener is not None:
            listener.close()
        assert os.read(ready_r, 1) == b"1"
        os.close(ready_r)

    def stop(self, settle: float = 2.0) -> tuple[bool, bytes]:
        """(connected, bytes received), ending the fake once it has accepted (or `settle` s passed)."""
        # A client that connected and left may still sit in the fake's backlog: let it accept.
        select.select([self._out_r], [], [], settle)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        data = b""
        while select.select([self._out_r], [], [], 0)[0]:
            chunk = os.read(self._out_r, 65536)
            if not chunk:
                break
            data += chunk
        os.close(self._out_r)
        return data.startswith(b"A"), data[1:]


@pytest.fixture
def root() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    os.chmod(base, 0o755)  # the other user may reach what we let them
    try:
        yield base
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)


def other_dir(path: Path, mode: int = 0o700) -> Path:
    """A directory owned by the other user."""
    path.mkdir()
    os.chown(path, OTHER, OTHER)
    os.chmod(path, mode)
    return path


# ---- the client ------------------------------------------------------------------


async def test_client_refuses_a_daemon_running_as_another_user_before_the_handshake(root: Path) -> None:
    home = root / "home"
    check_private_dir(home)
    fake = FakeDaemon(home / "daemon.sock", bind_as_root=True)
    try:
        with pytest.raises(UnsafeDaemon) as refused:
            await open_connection(home, autostart=False)
    finally:
        connected, received = fake.stop()
    assert connected and received == b""  # not even the handshake
    assert "daemon.sock" in str(refused.value) and f"uid {OTHER}" in str(refused.value)


async def test_client_refuses_a_socket_another_user_bound_in_a_loose_home(root: Path) -> None:
    home = root / "home"
    home.mkdir()
    os.chmod(home, 0o777)  # a home left open: the other user binds daemon.sock first
    fake = FakeDaemon(home / "daemon.sock")
    try:
        with pytest.raises(UnsafeDaemon) as refused:
            await open_connection(home, autostart=True)
    finally:
        connected, received = fake.stop()
    assert not connected and received == b""
    assert str(home / "daemon.sock") in str(refused.value) and f"uid {OTHER}" in str(refused.value)
    assert (home.stat().st_mode & 0o777) == 0o700  # ours: tightened


async def test_client_refuses_a_home_symlinked_to_another_users_directory(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = other_dir(root / "theirs", 0o755)
    link = root / "link"
    link.symlink_to(theirs)
    fake = FakeDaemon(theirs / "daemon.sock")
    try:
        monkeypatch.setenv("RUNT_TUI_HOME", str(link))
        with pytest.raises(UnsafeDaemon) as via_env:
            await open_connection(autostart=True)  # state_dir() resolves the link
        with pytest.raises(UnsafeDaemon) as given:
            await open_connection(link, autostart=True)
    finally:
        connected, received = fake.stop()
    assert not connected and received == b""
    assert str(theirs) in str(via_env.value) and f"uid {OTHER}" in str(via_env.value)
    assert "symbolic link" in str(given.value) and str(link) in str(given.value)
    assert sorted(p.name for p in theirs.iterdir()) == ["daemon.sock"]  # nothing made there


# ---- the daemon --------------------------------------------------------------------


def run_daemon(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNT_TUI_HOME": str(home), "RUNT_TUI_IDLE_EXIT": "1"}
    return subprocess.run([sys.executable, "-m", "runt_tui.daemon"], env=env, capture_output=True,
                          text=True, timeout=60)


def test_daemon_refuses_a_home_symlinked_to_another_users_directory(root: Path) -> None:
    theirs = other_dir(root / "theirs")
    link = root / "link"
    link.symlink_to(theirs)
    done = run_daemon(link)
    assert done.returncode == 2
    assert str(theirs) in done.stderr and f"uid {OTHER}" in done.stderr
    assert list(theirs.iterdir()) == []


@pytest.mark.parametrize("name", ["daemon.pid", "daemon.log", "daemon.lock"])
def test_planted_symlinks_are_not_followed(root: Path, name: str) -> None:
    home = root / "home"
    home.mkdir()
    os.chmod(home, 0o777)
    victim = root / "victim"
    victim.write_text("precious\n")
    os.chmod(victim, 0o600)  # root-only: the other user hopes the daemon writes it for them
    run_as_other(lambda: os.symlink(victim, home / name))
    done = run_daemon(home)
    assert done.returncode == 2, done.stderr
    assert str(home / name) in done.stderr and "symbolic link" in done.stderr
    assert victim.read_text() == "precious\n"
    assert (home.stat().st_mode & 0o777) == 0o700
    # The client that would have spawned it says the same, and writes nothing either.
    with pytest.raises(UnsafeDaemon, match="symbolic link"):
        asyncio.run(open_connection(home, autostart=True, timeout=20))
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("name", ["blobs", "kernels", "rooms"])
def test_daemon_refuses_another_users_subdirectory(root: Path, name: str) -> None:
    home = root / "home"
    check_private_dir(home)
    other_dir(home / name)
    done = run_daemon(home)
    assert done.returncode == 2, done.stderr
    assert str(home / name) in done.stderr and f"uid {OTHER}" in done.stderr


def test_daemon_tightens_a_loose_home_it_owns(root: Path) -> None:
    home = root / "home"
    home.mkdir()
    os.chmod(home, 0o755)
    check_private_dir(home)
    assert (home.stat().st_mode & 0o777) == 0o700


# ---- the files inside: O_NOFOLLOW everywhere ------------------------------------------


def test_private_files_refuse_symlinks_foreign_files_and_hard_links(root: Path) -> None:
    home = check_private_dir(root / "home")
    victim = root / "victim"
    victim.write_text("precious")
    (home / "link").symlink_to(victim)
    with pytest.raises(UnsafePath, match="symbolic link"):
        open_private(home / "link", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    foreign = home / "foreign"
    foreign.write_text("theirs")
    os.chown(foreign, OTHER, OTHER)
    with pytest.raises(UnsafePath, match=f"uid {OTHER}"):
        open_private(foreign, os.O_WRONLY | os.O_TRUNC)
    assert foreign.read_text() == "theirs"  # refused before any truncation
    os.link(victim, home / "hard")
    with pytest.raises(UnsafePath, match="hard links"):
        read_private(home / "hard")
    assert victim.read_text() == "precious"
    loose = home / "loose"
    loose.write_text("ours")
    os.chmod(loose, 0o666)
    assert read_private(loose) == b"ours" and (loose.stat().st_mode & 0o777) == 0o600


def test_room_store_and_blobs_do_not_follow_planted_symlinks(root: Path) -> None:
    from runt_tui.daemon.persist import RoomStore
    from runt_tui.doc import FileBlobStore
    from runt_tui.doc.blobs import blob_digest

    home = check_private_dir(root / "home")
    victim = root / "victim"
    victim.write_bytes(b"precious")
    store = RoomStore(check_private_dir(home / "rooms"), "k")
    store.log.symlink_to(victim)
    with pytest.raises(UnsafePath):
        store.append([b"change"])
    store.snapshot.symlink_to(victim)
    with pytest.raises(UnsafePath):
        store.load()
    assert victim.read_bytes() == b"precious"
    blobs = FileBlobStore(home / "blobs")
    digest = blob_digest(b"payload")
    check_private_dir(home / "blobs" / digest[:2])
    (home / "blobs" / digest[:2] / digest).symlink_to(victim)
    assert blobs.get(digest) is None  # never the victim's bytes
    assert blobs.put(b"payload") == digest
    assert blobs.get(digest) == b"payload" and victim.read_bytes() == b"precious"


def test_kernel_directory_of_another_user_is_refused(root: Path) -> None:
    from runt_tui.kernel import KernelLaunchError
    from runt_tui.kernel.launch import prepare_dir

    home = check_private_dir(root / "home")
    check_private_dir(home / "kernels")
    theirs = other_dir(home / "kernels" / "room")
    with pytest.raises(KernelLaunchError, match=f"uid {OTHER}"):
        prepare_dir(theirs)
    mine = check_private_dir(home / "kernels" / "mine")
    (mine / "kernel.json").symlink_to(root / "victim")
    with pytest.raises(KernelLaunchError, match="symbolic link"):
        prepare_dir(mine)
