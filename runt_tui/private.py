"""The private state dir's files: ours, never symlinks, 0700 dirs, opened without following links.

Another local user must not be able to steer the daemon or its clients through
the state dir: a symlinked or foreign-owned `RUNT_TUI_HOME`, a `daemon.pid` or
`daemon.log` planted as a symlink to a file we can write, a `blobs/` or
`kernels/` made by someone else. Every directory is checked with lstat (ours,
a real directory, mode tightened to 0700) and every file is opened with
O_NOFOLLOW and checked with fstat (ours, a regular file, one link) before use.
A refusal raises UnsafePath with a message naming the path and why.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import pwd
import stat
from pathlib import Path

_FILE_FLAGS = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


class UnsafePath(PermissionError):
    """A state-dir path we refuse to use; the message names it and says why."""


def owner_name(uid: int) -> str:
    """`name (uid N)` for a uid, or just `uid N` when it has no passwd entry."""
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _refuse(path: Path | str, why: str) -> UnsafePath:
    return UnsafePath(f"refusing {path}: {why}")


def _not_ours(path: Path | str, uid: int) -> UnsafePath:
    return _refuse(path, f"it belongs to {owner_name(uid)}, not to you ({owner_name(os.geteuid())})")


def _symlink(path: Path | str) -> UnsafePath:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return _refuse(path, f"it is a symbolic link (to {target}); remove it or point RUNT_TUI_HOME at a real directory")


def check_private_dir(path: Path, *, create: bool = True) -> Path:
    """Make sure `path` is a real directory we own with mode 0700 (created, or tightened).

    Refuses a symlink, a non-directory, or a directory owned by another user.
    """
    if create:
        # Missing ancestors too are made 0700 (mkdir's parents=True would use the umask).
        missing = [p for p in (path, *path.parents) if not os.path.lexists(p)]
        for p in reversed(missing):
            with contextlib.suppress(FileExistsError):
                os.mkdir(p, 0o700)
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise _symlink(path)
    if not stat.S_ISDIR(st.st_mode):
        raise _refuse(path, "it is not a directory")
    if st.st_uid != os.geteuid():
        raise _not_ours(path, st.st_uid)
    if stat.S_IMODE(st.st_mode) != 0o700:
        # Through a descriptor of the directory itself: the name cannot be swapped meanwhile.
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)
    return path


def check_private_entry(path: Path, kind: str = "file") -> bool:
    """True when `path` exists and is ours and not a symlink; False when it does not exist.

    `kind` is "file" or "socket": what the entry must be.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(st.st_mode):
        raise _symlink(path)
    want = stat.S_ISSOCK if kind == "socket" else stat.S_ISREG
    if not want(st.st_mode):
        raise _refuse(path, f"it is not a {kind}")
    if st.st_uid != os.geteuid():
        raise _not_ours(path, st.st_uid)
    return True


def open_private(path: Path, flags: int, mode: int = 0o600) -> int:
    """os.open that never follows a symlink and refuses a file that is not ours.

    The file must be a regular file we own with a single link (a looser mode than
    0600 is tightened); O_TRUNC is applied only after those checks, so a refused
    file is never truncated.
    """
    truncate = bool(flags & os.O_TRUNC)
    try:
        fd = os.open(path, (flags & ~os.O_TRUNC) | _FILE_FLAGS, mode)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _symlink(path) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, "it is not a regular file")
        if st.st_uid != os.geteuid():
            raise _not_ours(path, st.st_uid)
        if st.st_nlink > 1:
            raise _refuse(path, f"it has {st.st_nlink} hard links")
        if stat.S_IMODE(st.st_mode) & 0o077:
            os.fchmod(fd, 0o600)  # ours: tightened, as the directories are
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        if truncate:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_private(path: Path) -> bytes:
    """The bytes of a private file (FileNotFoundError when missing, UnsafePath when refused)."""
    fd = open_private(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def write_private(path: Path, data: bytes) -> None:
    """Replace a private file's content in place (created 0600 when missing)."""
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
