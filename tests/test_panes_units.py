"""Unit tests of the panes' pure parts: layout, clipboard plan, output text and lines, kernel pane rows, queue log."""

from __future__ import annotations

import base64
import os
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest

from runt_tui.daemon.queue_log import QueueLog, cancel_notice, cpu_percent, proc_sample, split_log
from runt_tui.protocol.runtime import ExecutionSummary, KernelInfo, QueueEntry, Requester
from runt_tui.settings import load_settings
from runt_tui.tui.clipboard import MAX_OSC52_BYTES, osc52, plan_copy
from runt_tui.tui.kernel_view import duration, has_timer, pane_rows, peer_rows, queue_rows
from runt_tui.tui.output_lines import OutputLines, text_lines, wrap_starts
from runt_tui.tui.output_text import output_file, output_plain, outputs_plain, search_lines
from runt_tui.tui.pane_layout import (
    PaneLayout,
    PanesError,
    default_panes,
    initial_layout,
    parse_panes,
    read_remembered,
    remember,
    size_class,
    with_remembered,
)

# ---- layout ----------------------------------------------------------------------


def test_parse_panes_any_subset_any_order() -> None:
    assert parse_panes("kernel,cells") == ("kernel", "cells")
    assert parse_panes(" output ") == ("output",)
    for bad in ("", "cells,cells", "cells,foo", ","):
        with pytest.raises(PanesError):
            parse_panes(bad)


@pytest.mark.parametrize(("columns", "panes"), [
    (80, ("cells",)), (119, ("cells",)), (120, ("cells", "kernel")), (159, ("cells", "kernel")),
    (160, ("cells", "output", "kernel")), (300, ("cells", "output", "kernel")),
])
def test_default_panes_by_width(columns: int, panes: tuple[str, ...]) -> None:
    assert default_panes(columns) == panes
    assert initial_layout(columns, None, {}).panes == panes


def test_flag_beats_remembered_beats_default() -> None:
    remembered = {"narrow": ("output",)}
    assert initial_layout(80, ("kernel",), remembered).panes == ("kernel",)
    assert initial_layout(80, None, remembered).panes == ("output",)
    assert initial_layout(130, None, remembered).panes == ("cells", "kernel")
    assert size_class(80) == "narrow" and size_class(120) == "medium" and size_class(160) == "wide"


def test_toggle_keeps_natural_order_and_one_pane() -> None:
    layout = PaneLayout(("cells",))
    assert layout.toggled("kernel").panes == ("cells", "kernel")
    assert layout.toggled("kernel").toggled("output").panes == ("cells", "output", "kernel")
    assert layout.toggled("cells").panes == ("cells",)  # the last pane stays
    custom = PaneLayout(("kernel", "cells"))
    assert custom.toggled("output").panes == ("kernel", "cells", "output")


def test_resize_is_bounded() -> None:
    layout = PaneLayout(("cells", "output"))
    for _ in range(20):
        layout = layout.resized("output", 1)
    assert layout.widths()["output"] == "8fr"
    for _ in range(20):
        layout = layout.resized("output", -1)
    assert layout.widths()["output"] == "1fr"


def test_with_remembered_keeps_every_other_line() -> None:
    text = "# mine\n[daemon]\nsave_delay = 2.0  # comment\n"
    once = with_remembered(text, "wide", ("cells", "output"))
    assert once.startswith(text)
    assert tomllib.loads(once)["panes"] == {"wide": "cells,output"}
    twice = with_remembered(once, "narrow", ("kernel",))
    assert tomllib.loads(twice)["panes"] == {"wide": "cells,output", "narrow": "kernel"}
    again = with_remembered(twice, "wide", ("output",))
    assert tomllib.loads(again)["panes"] == {"wide": "output", "narrow": "kernel"}
    assert tomllib.loads(again)["daemon"] == {"save_delay": 2.0}
    assert "# comment" in again and "# mine" in again


def test_remember_writes_only_a_change_and_settings_still_load(tmp_path: Path) -> None:
    config = tmp_path / "runt-tui" / "config.toml"
    remember(config, "wide", ("cells", "kernel"))
    assert read_remembered(config) == {"wide": ("cells", "kernel")}
    stamp = config.stat().st_mtime_ns
    os.utime(config, ns=(stamp - 10**9, stamp - 10**9))
    remember(config, "wide", ("cells", "kernel"))
    assert config.stat().st_mtime_ns == stamp - 10**9  # unchanged: not rewritten
    # The daemon's settings ignore the [panes] table of the shared config file.
    assert load_settings(config).save_delay == 1.0


def test_read_remembered_skips_bad_entries(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[panes]\nwide = "cells,nope"\nnarrow = "output"\nhuge = "cells"\n')
    assert read_remembered(config) == {"narrow": ("output",)}
    config.write_text("not toml [")
    assert read_remembered(config) == {}


# ---- clipboard -------------------------------------------------------------------


def test_osc52_sequence() -> None:
    seq = osc52("héllo\n")
    assert seq.startswith("\x1b]52;c;") and seq.endswith("\x07")
    assert base64.b64decode(seq[7:-1]).decode() == "héllo\n"


def test_plan_copy_outside_tmux() -> None:
    plan = plan_copy("a\nb\n", {"TERM": "xterm-256color"}, None)
    assert plan.method == "osc52" and "2 lines" in plan.message
    assert plan_copy("x", {"TERM": "linux"}, None).method == "refuse"
    assert plan_copy("", {}, None).method == "refuse"
    big = "x" * MAX_OSC52_BYTES
    refused = plan_copy(big, {"TERM": "xterm"}, None)
    assert refused.method == "refuse" and "save it to a file" in refused.message


def test_plan_copy_in_tmux_falls_back_to_the_paste_buffer() -> None:
    env = {"TMUX": "/tmp/tmux-0/default,1,0"}
    assert plan_copy("x", env, "on").method == "osc52"
    fallback = plan_copy("x", env, "external")
    assert fallback.method == "tmux-buffer" and "set-clipboard on" in fallback.message
    assert plan_copy("x" * MAX_OSC52_BYTES, env, "on").method == "tmux-buffer"


# ---- output text -------------------------------------------------------------------


def test_output_plain_folds_and_strips() -> None:
    assert output_plain({"output_type": "stream", "name": "stdout", "text": "ab\rc\x1b[31mred\x1b[0m\n"}) == "cred\n"  # "c" and "red" overwrite "ab"
    err = {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["\x1b[31mTrace\x1b[0m", "E: v"]}
    assert output_plain(err) == "Trace\nE: v\n"
    assert output_plain({"output_type": "execute_result", "data": {"text/plain": ["1", "2"]}}) == "12\n"
    assert outputs_plain([{"output_type": "display_data", "data": {"image/png": "AA=="}}]) == ""


def test_output_file_by_mime() -> None:
    png = {"output_type": "display_data", "data": {"image/png": base64.b64encode(b"\x89PNG..").decode(), "text/plain": "<Figure>"}}
    saved = output_file(png)
    assert saved is not None and saved.extension == ".png" and saved.content == b"\x89PNG.."
    html = output_file({"output_type": "execute_result", "data": {"text/html": ["<b>", "x</b>"], "text/plain": "x"}})
    assert html is not None and html.extension == ".html" and html.content == b"<b>x</b>"
    js = output_file({"output_type": "execute_result", "data": {"application/json": {"a": [1]}}})
    assert js is not None and js.extension == ".json" and b'"a"' in js.content
    txt = output_file({"output_type": "stream", "name": "stdout", "text": "hi\n"})
    assert txt is not None and txt.extension == ".txt" and txt.content == b"hi\n"
    broken = output_file({"output_type": "display_data", "data": {"image/png": "!!notbase64", "text/plain": "t"}})
    assert broken is not None and broken.extension == ".txt"


def test_search_lines_smart_case() -> None:
    lines = ["Alpha beta", "alpha ALPHA", "none"]
    assert search_lines(lines, "alpha") == [(0, 0), (1, 0), (1, 6)]
    assert search_lines(lines, "ALPHA") == [(1, 6)]
    assert search_lines(lines, "") == []


# ---- output lines --------------------------------------------------------------------


def test_output_lines_grow_like_a_fresh_split() -> None:
    rng = random.Random(7)
    lines = OutputLines()
    text = ""
    for _ in range(400):
        text += rng.choice(["a", "b\n", "\n", "cc\n\n", "x\x1b[31my\x1b[0m", "", "z\r"])
        outputs: list[dict[str, Any]] = [{"output_type": "execute_result", "data": {"text/plain": "1"}},
                                         {"output_type": "stream", "name": "stdout", "text": text}]
        lines.set_outputs(outputs, {})
        assert lines.lines == ["1", *text_lines(outputs[1])]


def test_output_lines_replace_and_blocks() -> None:
    lines = OutputLines()
    image = {"output_type": "display_data", "data": {"image/png": "AA=="}}
    first = lines.set_outputs([{"output_type": "stream", "name": "stdout", "text": "a\nb\n"}, image], {1: 3})
    assert first == 0 and len(lines.lines) == 5 and lines.starts == [0, 2]
    assert lines.plain(3, {1: ["r0", "r1", "r2"]}) == "r1"
    changed = lines.set_outputs([{"output_type": "stream", "name": "stdout", "text": "a\nb\n"}], {})
    assert changed == 2 and lines.lines == ["a", "b"]
    assert lines.set_outputs([{"output_type": "stream", "name": "stdout", "text": "other\n"}], {}) == 0
    assert lines.lines == ["other"]


def test_wrap_starts_counts_rows() -> None:
    lines = OutputLines()
    lines.set_outputs([{"output_type": "stream", "name": "stdout", "text": "x" * 25 + "\n\nabc\n"}], {})
    assert wrap_starts(lines, 10) == [0, 3, 4, 5]


# ---- kernel pane rows -------------------------------------------------------------------


def _cells(cid: str) -> tuple[int, str] | None:
    return {"c1": (1, "import time"), "c2": (2, "print('\x1b[31mx')")}.get(cid)


def test_queue_rows_name_the_requester_with_a_live_timer() -> None:
    runtime = {
        "queue": [
            {"exec_id": "x1", "seq": 1, "cell": "c1", "status": "running", "requester": {"peer_id": "p1", "name": "bob"}},
            {"exec_id": "x2", "seq": 2, "cell": "c2", "status": "queued", "requester": {"peer_id": "p2", "name": "ann"}},
        ],
        "executions": {"c1": {"started_at": 100.0, "queued_at": 99.0}, "c2": {"queued_at": 99.5}},
        "cancelled": {"x0": {"cell": "gone", "requester": {"name": "ann"}, "by": {"name": "bob"}, "reason": "interrupted"}},
    }
    rows = queue_rows(runtime, _cells, {"p1": "#ff0000"}, now=112.0)
    text = "\n".join(r.text.plain for r in rows)
    assert "▶ 12s bob #1 import time" in text
    assert "… queued ann #2 print('x')" in text  # the escape is gone
    assert "cancelled by bob (interrupted)" in text and "(deleted gone)" in text
    assert [r.cell for r in rows[1:]] == ["c1", "c2", "gone"]
    assert has_timer(runtime) and not has_timer({"queue": []})


def test_peer_rows_idle_and_follow() -> None:
    peers = [
        {"peer_id": "p1", "name": "ann", "colour": "#61afef", "cell": "c1", "mode": "edit", "active_at": 0.0},
        {"peer_id": "p2", "name": "bob\x1b[2J", "colour": "#e06c75", "follow": "p1", "active_at": 99.0},
        {"peer_id": "p3", "name": "cy", "follow": "", "kind": "agent"},
    ]
    text = "\n".join(r.text.plain for r in peer_rows(peers, "p1", _cells, now=100.0))
    assert "ann (you)  #1 import time  edit  idle 1m40s" in text
    assert "bob  command  follows ann" in text and "\x1b" not in text
    assert "cy [agent]  command  follows the running cell" in text


def test_pane_rows_sections_and_duration() -> None:
    rows = pane_rows({"kernel": {"status": "idle", "name": "python3", "pid": 5},
                      "kernel_info": {"rss": 50 * 2**20, "cpu": 3.0, "started_at": 40.0, "transport": "ipc"},
                      "kernel_log": {"1": "second", "0": "warn \x07me"}, "history": {}}, [], None, _cells, now=100.0)
    text = "\n".join(r.text.plain for r in rows)
    for part in ("Kernel", "pid 5  up 1m00s  mem 50 MiB  cpu 3%", "transport ipc", "Queue", "History", "Peers", "Kernel log", "warn me"):
        assert part in text
    assert text.index("warn me") < text.index("second")  # log lines oldest first
    assert duration(0.25) == "0.2s" and duration(3700) == "1h01m"


def test_the_kernel_pane_clocks_move_once_a_second() -> None:
    # Tenths on a ticking clock would change the row at every redraw of the pane
    # (each peer's move), and the pane would be redrawn whole each time.
    assert duration(4.26, ticking=True) == "4s" and duration(4.91, ticking=True) == "4s"
    assert duration(61.5, ticking=True) == duration(61.5) == "1m01s"
    runtime = {"kernel": {"status": "busy", "name": "python3", "pid": 5},
               "kernel_info": {"started_at": 100.0},
               "queue": [{"exec_id": "x1", "seq": 1, "cell": "c1", "status": "running", "requester": {"name": "bob"}}],
               "executions": {"c1": {"started_at": 100.0, "queued_at": 99.0}}}
    def shown(now: float) -> str:
        return "\n".join(r.text.plain for r in pane_rows(runtime, [], None, _cells, now=now))
    assert shown(103.2) == shown(103.7)
    assert "up 3s" in shown(103.2) and "▶ 3s bob" in shown(103.2) and "up 4s" in shown(104.0)


# ---- daemon queue log ------------------------------------------------------------------------


def test_cancel_notifies_each_requester_with_their_cells() -> None:
    qlog = QueueLog(lambda cid: f"#{cid}")
    sent: list[tuple[str, str]] = []
    ann, bob = Requester("a", "ann"), Requester("b", "bob")
    entries = [QueueEntry("x1", 1, "1", "queued", ann), QueueEntry("x2", 2, "2", "queued", bob),
               QueueEntry("x3", 3, "3", "queued", ann)]
    qlog.cancel(entries, Requester("c", "cy"), "interrupted", lambda peer, msg: sent.append((peer, msg)))
    assert sorted(sent) == [("a", "Your cells #1, #3 were cancelled by cy (interrupted)"),
                            ("b", "Your cell #2 was cancelled by cy (interrupted)")]
    changed = qlog.cancelled.changed()
    assert changed is not None and [c.by.name for c in changed.values() if c] == ["cy"] * 3
    assert qlog.cancelled.changed() is None  # nothing new since
    assert "and 2 more" in cancel_notice([str(i) for i in range(10)], None, "x")


def test_history_keeps_the_last_and_sends_changes() -> None:
    qlog = QueueLog(str)
    me = Requester("p", "ann")
    qlog.finished(ExecutionSummary("x1", "a", "done", me, 0.0, 1.0, 3.5))
    qlog.finished(ExecutionSummary("x2", "b", "error", me, 0.0, 4.0, 4.5))
    assert qlog.history.items["x1"].duration == 2.5
    assert set(qlog.history.changed() or {}) == {"x1", "x2"}
    for i in range(3, 40):
        qlog.finished(ExecutionSummary(f"x{i}", "c", "done", me, 0.0, 5.0, 6.0))
    changed = qlog.history.changed() or {}
    assert changed["x1"] is None and changed["x39"] is not None and len(qlog.history.items) == 30


def test_kernel_log_tail_and_proc(tmp_path: Path) -> None:
    assert split_log("par", "tial\nnext\r\nrest") == (["partial", "next"], "rest")
    log = tmp_path / "kernel.log"
    log.write_bytes(b"one\ntwo\npart")
    qlog = QueueLog(str)
    qlog.kernel_started(log, False, KernelInfo(transport="ipc"))
    assert qlog.poll(None) and list(qlog.log.items.values()) == ["one", "two"]
    assert not qlog.poll(None)
    with open(log, "ab") as f:
        f.write(b"ial\n")
    assert qlog.poll(None) and list(qlog.log.items.values())[-1] == "partial"
    log.write_bytes(b"fresh\n")  # truncated by a fresh start
    assert qlog.poll(None) and list(qlog.log.items.values())[-1] == "fresh"
    assert qlog.poll(os.getpid()) and qlog.info.rss and qlog.info.transport == "ipc"
    sample = proc_sample(os.getpid())
    assert sample is not None and sample[1] > 0
    assert proc_sample(2**22 + 12345) is None
    assert cpu_percent((0.0, 0), (1.0, os.sysconf("SC_CLK_TCK"))) == pytest.approx(100.0)
