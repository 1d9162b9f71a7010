"""The agent's pure pieces: output summaries, find-and-replace splices, notebook names, the token check."""

from __future__ import annotations

import base64
import os
import struct
import zlib
from pathlib import Path

import pytest
from conftest import until

from runt_tui.agent.edits import end_of_splices, insert_index, move_index, replace_splices
from runt_tui.agent.mcp_server import bearer_ok, explain
from runt_tui.agent.notebooks import parse_ref
from runt_tui.agent.summary import cap_text, describe_image, output_text, outputs_text, strip_ansi
from runt_tui.agent.tool_errors import AgentError
from runt_tui.client import AsyncSession, DaemonError, DaemonUnavailable
from runt_tui.daemon.server import Daemon
from runt_tui.doc import Edit


def apply(source: str, splices: list[tuple[int, int, str]]) -> str:
    for pos, delete, insert in reversed(splices):
        source = source[:pos] + insert + source[pos + delete :]
    return source


def png(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))


# ---- replace ---------------------------------------------------------------------


def test_replace_touches_only_what_differs_inside_the_match() -> None:
    src = "alpha = compute(1)\nbeta = 2\n"
    splices = replace_splices(src, "compute(1)", "compute(10)")
    assert splices == [(17, 0, "0")]
    assert apply(src, splices) == "alpha = compute(10)\nbeta = 2\n"


def test_replace_must_be_unique_unless_all() -> None:
    with pytest.raises(AgentError, match="occurs 2 times"):
        replace_splices("x + x", "x", "y")
    splices = replace_splices("x + x", "x", "y", replace_all=True)
    assert apply("x + x", splices) == "y + y"
    with pytest.raises(AgentError, match="does not occur"):
        replace_splices("x", "z", "y")
    with pytest.raises(AgentError, match="empty"):
        replace_splices("x", "", "y")


def test_replace_regex_with_groups() -> None:
    src = "a = f(1)\nb = f(2)\n"
    splices = replace_splices(src, r"f\((\d)\)", r"g(\1, 0)", regex=True, replace_all=True)
    assert apply(src, splices) == "a = g(1, 0)\nb = g(2, 0)\n"
    with pytest.raises(AgentError, match="bad regex"):
        replace_splices(src, "(", "x", regex=True)
    with pytest.raises(AgentError, match="bad replacement"):
        replace_splices(src, r"f\(1\)", r"\3", regex=True)
    # Exact text is not a regex: its special characters are literal.
    assert apply("a.b", replace_splices("a.b", ".", "!")) == "a!b"


def test_a_replace_that_changes_nothing_makes_no_splice() -> None:
    assert replace_splices("keep", "keep", "keep") == []


def test_cursor_after_splices() -> None:
    assert end_of_splices([(0, 1, "abc"), (10, 2, "z")]) == 10 + 2 + 1
    assert end_of_splices([]) is None


def test_positions_for_new_and_moved_cells() -> None:
    order = ["a", "b", "c"]
    assert insert_index(order, None, False) == 3
    assert insert_index(order, "a", False) == 1
    assert insert_index(order, None, True) == 0
    with pytest.raises(AgentError, match="no cell 'zz'"):
        insert_index(order, "zz", False)
    assert move_index(order, "c", None, "a") == 1
    assert move_index(order, "a", None, "") == 0
    assert move_index(order, "a", 2, None) == 2
    with pytest.raises(AgentError, match="out of range"):
        move_index(order, "a", 3, None)
    with pytest.raises(AgentError, match="exactly one"):
        move_index(order, "a", None, None)


# ---- summaries -------------------------------------------------------------------


def test_ansi_is_stripped() -> None:
    assert strip_ansi("\x1b[0;31mZeroDivisionError\x1b[0m: x\x1b]0;title\x07!") == "ZeroDivisionError: x!"


def test_cap_counts_the_hidden_lines() -> None:
    text = "\n".join(f"l{i}" for i in range(10))
    assert cap_text(text, max_lines=3) == "l0\nl1\nl2\n… 7 more lines"
    assert cap_text(text, max_lines=100) == text
    assert cap_text("a" * 50 + "\nb", max_lines=10, max_chars=10) == "a" * 10 + "…\n… 1 more line"


def test_outputs_as_text() -> None:
    image = base64.b64encode(png(640, 480)).decode()
    outs = [
        {"output_type": "stream", "name": "stdout", "text": "10%\r50%\r100%\ndone\n"},
        {"output_type": "stream", "name": "stderr", "text": "warn\n"},
        {"output_type": "display_data", "data": {"image/png": image, "text/plain": "<Figure size 640x480>"}, "metadata": {}},
        {"output_type": "execute_result", "data": {"text/html": "<b>x</b>"}, "metadata": {}, "execution_count": 1},
        {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["\x1b[31mE\x1b[0m: v"]},
    ]
    text = outputs_text(outs)
    assert text == "100%\ndone\n[stderr]\nwarn\n<Figure size 640x480>\n[image/png 640x480, 33 B]\n[text/html output]\nE: v"


def test_images_are_described_not_dumped() -> None:
    assert describe_image("image/svg+xml", "<svg/>") == "[image/svg+xml, 6 B]"
    assert describe_image("image/jpeg", base64.b64encode(b"\xff\xd8" + b"\x00" * 2000).decode()).startswith("[image/jpeg, 2.0 KB")
    # A payload still in the daemon's blob store is said to be so.
    unfetched = {"output_type": "display_data", "data": {"image/png": None, "text/plain": None}, "runt_blobs": {}}
    assert output_text(unfetched) == "[text/plain, not fetched]\n[image/png, not fetched]"
    assert output_text({"output_type": "stream", "name": "stdout", "text": None}) == "[stream output, not fetched]"


# ---- names, errors, token ---------------------------------------------------------


def test_notebook_names() -> None:
    assert parse_ref("id:scratch").notebook_id == "scratch"
    assert parse_ref("scratch").notebook_id == "scratch"
    assert parse_ref("nb.ipynb", cwd="/tmp").path == os.path.realpath("/tmp/nb.ipynb")
    assert parse_ref("sub/nb", cwd="/tmp").path == os.path.realpath("/tmp/sub/nb")
    assert parse_ref("/tmp/x.ipynb").key == os.path.realpath("/tmp/x.ipynb")
    assert parse_ref("id:scratch").key == "id:scratch"
    for bad in ("", "  ", "id:"):
        with pytest.raises(AgentError):
            parse_ref(bad)


def test_failures_are_explained() -> None:
    assert explain(DaemonError("NOT_FOUND", "no room")) == "the daemon refused: no room"
    assert "not reachable" in (explain(DaemonUnavailable("gone")) or "")
    assert explain(AgentError("say this")) == "say this"
    assert explain(RuntimeError("a bug")) is None  # a crash stays generic (and is logged)


def test_bearer_token_check() -> None:
    assert bearer_ok([(b"authorization", b"Bearer s3cret")], "s3cret")
    assert bearer_ok([(b"Authorization", b"Bearer s3cret")], "s3cret")
    assert not bearer_ok([(b"authorization", b"Bearer wrong")], "s3cret")
    assert not bearer_ok([(b"authorization", b"s3cret")], "s3cret")
    assert not bearer_ok([], "s3cret")


def test_mcp_is_a_command_not_a_notebook() -> None:
    from runt_tui.cli import route_argv

    assert route_argv(["mcp", "--name", "claude"]) == ["mcp", "--name", "claude"]


async def test_session_splice_source_edits_only_the_spliced_range(home: Path, daemon: Daemon) -> None:
    async with AsyncSession(notebook_id="splice", name="a", home=home, autostart=False) as a, \
            AsyncSession(notebook_id="splice", name="b", home=home, autostart=False) as b:
        cid = await a.create_cell("head = 1\ntail = 2\n")
        await until(lambda: cid in b.doc, "b to see the cell")
        await b.prepare_sources([cid])
        seen: list[str] = []

        def compute(src: str) -> list[tuple[int, int, str]]:
            seen.append(src)
            return replace_splices(src, "head = 1", "head = 10")

        # b types at the end while a splices the start: both survive the merge.
        b.edit(lambda d: d.splice_source(cid, [Edit(len(d.source(cid)), 0, "# b\n")]))
        assert await a.splice_source(cid, compute) == [(8, 0, "0")]
        assert len(seen) == 1 and seen[0].startswith("head = 1\ntail = 2\n")
        await b.sync_now()
        want = "head = 10\ntail = 2\n# b\n"
        await until(lambda: a.get_cell(cid).source == want and b.get_cell(cid).source == want, "both edits to merge")
        assert await a.splice_source(cid, lambda src: []) == []
        assert a.get_cell(cid).source == want
