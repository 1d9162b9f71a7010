"""Writing files safely: atomic replace, in place for hard links, and cleaning up after a crash.

Every write goes through a temp file named `.<name>.<8 random chars>.tmp` in the
target's directory, held under an exclusive `flock` while in use: a process killed
mid-save leaves it behind unlocked, and `remove_stale_temps` finds exactly those.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# A temp file younger than this may be one a writer has created but not locked yet.
STALE_AFTER = 2.0


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once at import: setting the umask later would race with other threads.
_UMASK = _read_umask()


def _umask() -> int:
    return _UMASK


class _Temp:
    """A temp file beside a target, locked while in use; removed on exit unless renamed away."""

    def __init__(self, target: Path) -> None:
        self.fd, self.path = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        self.renamed = False
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __enter__(self) -> _Temp:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)
        if not self.renamed:
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def write_bytes_atomic(
    path: str | os.PathLike[str], data: bytes, check: Callable[[], None] | None = None
) -> None:
    """Write via a temp file in the same directory, fsync, rename: old or new, never half.

    `check` runs just before the rename; raising from it abandons the write (the
    caller's way to notice that the file changed meanwhile).
    """
    # Through a symlink, replace the target, not the link.
    p = Path(os.path.realpath(path))
    mode = None
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(p.stat().st_mode)
    with _Temp(p) as tmp:
        _write_all(tmp.fd, data)
        os.fsync(tmp.fd)
        os.chmod(tmp.path, mode if mode is not None else 0o644 & ~_umask())
        if check is not None:
            check()
        os.replace(tmp.path, p)
        tmp.renamed = True
    _fsync_dir(p.parent)


def write_bytes_in_place(
    path: str | os.PathLike[str], data: bytes, check: Callable[[], None] | None = None
) -> None:
    """Overwrite a file's content in place (same inode: its hard links stay one file).

    The old content is first copied to a temp file beside it (fsync'd) and written
    back if the new write fails; a crash mid-write leaves that copy for the user.
    """
    p = Path(os.path.realpath(path))
    with open(p, "r+b") as f:
        old = f.read()
        with _Temp(p) as tmp:
            _write_all(tmp.fd, old)
            os.fsync(tmp.fd)
            if check is not None:
                check()
            try:
                f.seek(0)
                f.write(data)
                f.truncate()
                f.flush()
                os.fsync(f.fileno())
            except BaseException:
                with contextlib.suppress(OSError):
                    f.seek(0)
                    f.write(old)
                    f.truncate()
                    f.flush()
                    os.fsync(f.fileno())
                raise


def temp_pattern(name: str) -> re.Pattern[str]:
    """The names of our temp files for a file called `name` (see tempfile.mkstemp)."""
    return re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.tmp")


def remove_stale_temps(path: str | os.PathLike[str], now: float | None = None) -> list[Path]:
    """Remove temp files a killed save of `path` left behind; return those removed.

    Only our own names, only files older than STALE_AFTER, and only those no live
    writer holds locked (a save in progress, in this or another process).
    """
    p = Path(os.path.realpath(path))
    pattern = temp_pattern(p.name)
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        names = os.listdir(p.parent)
    except OSError:
        return removed
    for name in names:
        if not pattern.fullmatch(name):
            continue
        tmp = p.parent / name
        try:
            fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or now - st.st_mtime < STALE_AFTER:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a writer holds it: a save in progress
            with contextlib.suppress(OSError):
                os.unlink(tmp)
                removed.append(tmp)
        finally:
            os.close(fd)
    return removed
