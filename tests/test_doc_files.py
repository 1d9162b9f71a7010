"""Saving notebooks: write_notebook_atomic validates, writes a temp file, fsyncs, renames.

Whatever goes wrong (an invalid notebook, a crash in fsync or rename, a full disk) the
old file is left exactly as it was and no temp file is left behind.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import resource
import signal
import stat
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from runt_tui.doc import (
    NotebookDoc,
    NotebookFileError,
    read_notebook,
    serialize_notebook,
    write_notebook_atomic,
)

CORPUS = Path(__file__).resolve().parent / "corpus"
SAMPLES = [
    CORPUS / "real" / "nbformat" / "test4.5.ipynb",
    CORPUS / "real" / "nbconvert" / "attachment.ipynb",
    CORPUS / "real" / "nbconvert" / "Widget_List.ipynb",
    CORPUS / "real" / "nbclient" / "Inline Image.ipynb",
    CORPUS / "edge" / "unicode.ipynb",
    CORPUS / "edge" / "unknown_keys.ipynb",
    CORPUS / "edge" / "v3_notebook.ipynb",
    CORPUS / "edge" / "missing_ids_v44.ipynb",
]


def small_notebook(text: str = "print('hi')") -> Any:
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Title"),
        new_code_cell(
            text, outputs=[new_output("stream", name="stdout", text="hi\n")], execution_count=1
        ),
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i}"
    return nb


def snapshot(path: Path) -> tuple[bytes, int, int, int]:
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_ino, stat.S_IMODE(st.st_mode)


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    """A directory holding one valid notebook, old.ipynb."""
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.writes(small_notebook("old = 1")) + "\n", encoding="utf-8")
    return path


def assert_untouched(path: Path, before: tuple[bytes, int, int, int]) -> None:
    assert snapshot(path) == before, "the existing notebook was modified"
    assert sorted(os.listdir(path.parent)) == [path.name], "temp files were left behind"


# ---------------------------------------------------------------- successful writes


@pytest.mark.parametrize("source", SAMPLES, ids=lambda p: p.name)
def test_writes_valid_file(source: Path, tmp_path: Path) -> None:
    nb = NotebookDoc.from_notebook(read_notebook(source)).to_notebook()
    target = tmp_path / "out.ipynb"
    written = write_notebook_atomic(target, nb)
    assert isinstance(written, bytes)
    assert target.read_bytes() == written
    assert sorted(os.listdir(tmp_path)) == ["out.ipynb"]
    text = written.decode("utf-8")
    raw = json.loads(text)
    assert raw["nbformat"] == 4 and raw["nbformat_minor"] >= 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nbformat.validate(nbformat.from_dict(raw), relax_add_props=True)
    assert text.rstrip("\n") == serialize_notebook(nb).rstrip("\n")
    again = read_notebook(target)
    assert [c.id for c in again.cells] == [c.id for c in nb.cells]


def test_overwrites_existing_and_keeps_mode(existing: Path) -> None:
    existing.chmod(0o640)
    nb = small_notebook("new = 2")
    written = write_notebook_atomic(existing, nb)
    assert existing.read_bytes() == written
    assert "new = 2" in written.decode()
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640, "saving changed the file's permissions"
    assert sorted(os.listdir(existing.parent)) == [existing.name]


def test_new_file_gets_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "fresh.ipynb"
        write_notebook_atomic(target, small_notebook())
    finally:
        os.umask(old)
    # not the 0600 that mkstemp gives a temp file
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_write_through_symlink_keeps_the_link(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "nb.ipynb"
    real.write_text(nbformat.writes(small_notebook("old = 1")) + "\n", encoding="utf-8")
    link = tmp_path / "link.ipynb"
    link.symlink_to(real)
    written = write_notebook_atomic(link, small_notebook("new = 2"))
    assert link.is_symlink(), "saving replaced the symlink with a regular file"
    assert real.read_bytes() == written


def test_does_not_mutate_the_notebook(tmp_path: Path) -> None:
    nb = small_notebook()
    nb.cells[1].source = "line 1\nline 2\n"
    before = json.dumps(nb, sort_keys=True)
    write_notebook_atomic(tmp_path / "x.ipynb", nb)
    assert json.dumps(nb, sort_keys=True) == before


def test_returns_exactly_the_bytes_on_disk_for_unicode(tmp_path: Path) -> None:
    nb = small_notebook("s = '👩‍👩‍👧‍👦 漢字 e\u0301'")
    target = tmp_path / "u.ipynb"
    written = write_notebook_atomic(target, nb)
    assert target.read_bytes() == written
    assert "👩‍👩‍👧‍👦".encode() in written  # stored as UTF-8, not \\u escapes


# ---------------------------------------------------------------- refused writes


def _bogus_cell_type(nb: Any) -> None:
    nb.cells[0]["cell_type"] = "bogus"


def _bogus_output(nb: Any) -> None:
    nb.cells[1].outputs.append({"output_type": "telepathy"})


def _no_source(nb: Any) -> None:
    del nb.cells[0]["source"]


def _count_on_markdown(nb: Any) -> None:
    nb.cells[0]["execution_count"] = 3


def _bad_id(nb: Any) -> None:
    nb.cells[0]["id"] = "spaces are not allowed"


def _bad_kernelspec(nb: Any) -> None:
    nb.metadata["kernelspec"] = "python3"


def _stream_without_name(nb: Any) -> None:
    del nb.cells[1].outputs[0]["name"]


INVALID = [
    _bogus_cell_type,
    _bogus_output,
    _no_source,
    _count_on_markdown,
    _bad_id,
    _bad_kernelspec,
    _stream_without_name,
]


@pytest.mark.parametrize("breakage", INVALID, ids=lambda f: f.__name__.strip("_"))
def test_invalid_notebook_is_refused(existing: Path, breakage: Any) -> None:
    nb = small_notebook("new = 2")
    breakage(nb)
    before = snapshot(existing)
    with pytest.raises((NotebookFileError, ValueError)):
        write_notebook_atomic(existing, nb)
    assert_untouched(existing, before)


@pytest.mark.parametrize("breakage", INVALID, ids=lambda f: f.__name__.strip("_"))
def test_serialize_refuses_invalid(breakage: Any) -> None:
    nb = small_notebook()
    breakage(nb)
    with pytest.raises((NotebookFileError, ValueError)):
        serialize_notebook(nb)


def test_invalid_notebook_creates_no_file(tmp_path: Path) -> None:
    nb = small_notebook()
    _bogus_cell_type(nb)
    with pytest.raises((NotebookFileError, ValueError)):
        write_notebook_atomic(tmp_path / "new.ipynb", nb)
    assert os.listdir(tmp_path) == []


def test_refusal_names_the_file(existing: Path) -> None:
    nb = small_notebook()
    _bogus_cell_type(nb)
    with pytest.raises((NotebookFileError, ValueError)) as info:
        write_notebook_atomic(existing, nb)
    if isinstance(info.value, NotebookFileError):
        assert existing.name in str(info.value)


def test_notebook_node_with_nan_is_not_written_as_nan(existing: Path) -> None:
    """NaN is not JSON; a saved notebook must parse with a strict JSON parser, or not be saved."""
    nb = small_notebook()
    nb.cells[1].outputs = [
        new_output("execute_result", data={"application/json": {"x": 1.0}}, execution_count=1)
    ]
    nb.cells[1].outputs[0].data["application/json"]["x"] = float("nan")
    before = snapshot(existing)
    try:
        written = write_notebook_atomic(existing, nb)
    except (NotebookFileError, ValueError):
        assert_untouched(existing, before)
        return

    def reject(name: str) -> Any:
        raise ValueError(f"{name} written into a notebook file")

    json.loads(written, parse_constant=reject)


# ---------------------------------------------------------------- crashes mid-write


class Boom(OSError):
    pass


def _raise(*args: Any, **kwargs: Any) -> Any:
    raise Boom(5, "simulated I/O error")


@pytest.mark.parametrize("func", ["replace", "rename", "fsync"])
def test_crash_leaves_old_file_and_no_temp(
    existing: Path, monkeypatch: pytest.MonkeyPatch, func: str
) -> None:
    before = snapshot(existing)
    monkeypatch.setattr(os, func, _raise)
    if func == "replace":
        monkeypatch.setattr(os, "rename", _raise)  # no sneaking around the failure
    try:
        write_notebook_atomic(existing, small_notebook("new = 2"))
    except (Boom, NotebookFileError, OSError):
        pass
    else:
        if func == "rename":
            # an implementation that uses os.replace never calls os.rename: fine
            monkeypatch.undo()
            assert b"new = 2" in existing.read_bytes()
            assert sorted(os.listdir(existing.parent)) == [existing.name]
            return
        pytest.fail(f"os.{func} failed but write_notebook_atomic reported success")
    monkeypatch.undo()
    assert_untouched(existing, before)


def test_crash_error_is_reported_not_swallowed(
    existing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "replace", _raise)
    monkeypatch.setattr(os, "rename", _raise)
    with pytest.raises(OSError):  # NotebookFileError may wrap it; either must propagate
        try:
            write_notebook_atomic(existing, small_notebook("new = 2"))
        except NotebookFileError as e:
            raise OSError(str(e)) from e


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
def test_disk_full_leaves_old_file_and_no_temp(existing: Path) -> None:
    before = snapshot(existing)
    big = small_notebook("x = '" + "y" * 200_000 + "'")
    with file_size_limit(64 * 1024), pytest.raises((OSError, NotebookFileError)):
        write_notebook_atomic(existing, big)
    assert_untouched(existing, before)


def test_unwritable_directory_leaves_old_file(existing: Path) -> None:
    directory = existing.parent
    before = snapshot(existing)
    directory.chmod(0o555)
    try:
        if os.access(directory, os.W_OK):
            pytest.skip("running with privileges that ignore directory permissions (root)")
        with pytest.raises((OSError, NotebookFileError)):
            write_notebook_atomic(existing, small_notebook("new = 2"))
    finally:
        directory.chmod(0o755)
    assert_untouched(existing, before)


def test_write_into_missing_directory_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises((OSError, NotebookFileError)):
        write_notebook_atomic(tmp_path / "no" / "such" / "dir.ipynb", small_notebook())
    assert os.listdir(tmp_path) == []


def test_successful_write_after_failed_one(existing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure leaves nothing that breaks the next save (stale temp names, locks)."""
    monkeypatch.setattr(os, "fsync", _raise)
    with contextlib.suppress(OSError, NotebookFileError):
        write_notebook_atomic(existing, small_notebook("first = 1"))
    monkeypatch.undo()
    nb = small_notebook("second = 2")
    written = write_notebook_atomic(existing, copy.deepcopy(nb))
    assert existing.read_bytes() == written
    assert sorted(os.listdir(existing.parent)) == [existing.name]
