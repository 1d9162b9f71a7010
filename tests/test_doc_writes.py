"""File writes of runt_tui.doc.files on the real file system: a check that abandons an atomic
write, in-place writes that keep hard links (and roll back on failure), and the removal of
temp files a killed save left behind (only ours, only stale, never one a writer holds)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import resource
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runt_tui.doc.files import remove_stale_temps, write_bytes_atomic, write_bytes_in_place


class Changed(Exception):
    pass


def test_check_abandons_an_atomic_write(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    target.write_bytes(b"old")

    def check() -> None:
        raise Changed

    with pytest.raises(Changed):
        write_bytes_atomic(target, b"new", check)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["nb.ipynb"]


def test_in_place_write_keeps_hard_links(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    target.write_bytes(b"old content, longer than the new one")
    link = tmp_path / "link.ipynb"
    os.link(target, link)
    ino = target.stat().st_ino
    write_bytes_in_place(target, b"new")
    assert link.read_bytes() == b"new" and target.stat().st_ino == ino
    assert sorted(os.listdir(tmp_path)) == ["link.ipynb", "nb.ipynb"]


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Make writes past `limit` bytes fail with EFBIG, like a full disk (Linux)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE semantics")
def test_failed_in_place_write_rolls_back(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    target.write_bytes(b"the old notebook")
    os.link(target, tmp_path / "link.ipynb")
    with file_size_limit(64 * 1024), pytest.raises(OSError):
        write_bytes_in_place(target, b"x" * 200_000)
    assert target.read_bytes() == b"the old notebook"
    assert (tmp_path / "link.ipynb").read_bytes() == b"the old notebook"
    assert sorted(os.listdir(tmp_path)) == ["link.ipynb", "nb.ipynb"]


def test_remove_stale_temps_takes_only_our_stale_unlocked_files(tmp_path: Path) -> None:
    target = tmp_path / "nb.ipynb"
    target.write_text("{}")
    past = time.time() - 60

    def make(name: str, old: bool = True) -> Path:
        p = tmp_path / name
        p.write_text("temp")
        if old:
            os.utime(p, (past, past))
        return p

    stale = make(".nb.ipynb.abcd1234.tmp")
    fresh = make(".nb.ipynb.fresh_00.tmp", old=False)
    held = make(".nb.ipynb.held0000.tmp")
    not_ours = [make(".nb.ipynb.short.tmp"), make(".other.ipynb.abcd1234.tmp"), make("nb.ipynb.abcd1234.tmp"),
                make(".nb.ipynb.abcd1234.tmp.bak")]
    (tmp_path / ".nb.ipynb.symlink0.tmp").symlink_to(target)
    fd = os.open(held, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a save in progress holds its temp file
        assert remove_stale_temps(target) == [stale]
    finally:
        os.close(fd)
    assert fresh.exists() and held.exists() and all(p.exists() for p in not_ours)
    assert target.read_text() == "{}"
    assert remove_stale_temps(target) == [held]  # its writer is gone
