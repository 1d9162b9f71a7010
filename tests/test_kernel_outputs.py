"""Output semantics of runt_tui.kernel.outputs, from scripted messages and against nbclient."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runt_tui.kernel.outputs import DisplayIdIndex, OutputAccumulator
from runt_tui.kernel.streams import StreamText

Msg = dict[str, Any]


def msg(msg_type: str, parent: str = "exec-1", **content: Any) -> Msg:
    return {
        "header": {"msg_type": msg_type, "msg_id": f"m-{msg_type}"},
        "parent_header": {"msg_id": parent},
        "msg_type": msg_type,
        "metadata": {},
        "content": content,
    }


def out(name: str, text: str) -> Msg:
    return msg("stream", name=name, text=text)


def display(data: str, display_id: str | None = None, kind: str = "display_data") -> Msg:
    content: dict[str, Any] = {"data": {"text/plain": data}, "metadata": {}}
    if kind == "execute_result":
        content["execution_count"] = 3
    if display_id is not None:
        content["transient"] = {"display_id": display_id}
    return msg(kind, **content)


def update(data: str, display_id: str) -> Msg:
    return msg(
        "update_display_data",
        data={"text/plain": data},
        metadata={},
        transient={"display_id": display_id},
    )


def run(*msgs: Msg) -> OutputAccumulator:
    acc = OutputAccumulator("c")
    for m in msgs:
        acc.handle(m)
    return acc


# -- reference: nbclient's coalesce_streams post-processing ------------------

_RGX_CARRIAGERETURN = re.compile(r".*\r(?=[^\n])")
# nbclient writes r"[^\n]\b", where \b is a regex word boundary, not a
# backspace; this is the backspace rule the classic notebook applied.
_RGX_BACKSPACE = re.compile("[^\n]\x08")


def reference(text: str) -> str:
    # nbclient 0.11's backspace loop never runs (its `while` starts with
    # equal lengths); this is the do-while it was translated from.
    while True:
        new = _RGX_BACKSPACE.sub("", text)
        if len(new) == len(text):
            break
        text = new
    return _RGX_CARRIAGERETURN.sub("", text)


# -- streams -------------------------------------------------------------------


def test_adjacent_streams_merge() -> None:
    acc = run(out("stdout", "a\n"), out("stdout", "b\n"), out("stdout", "c"))
    assert acc.outputs() == [{"output_type": "stream", "name": "stdout", "text": "a\nb\nc"}]
    for o in acc.outputs():
        nbformat.validate(o, ref="output", version=4, version_minor=5)


def test_stdout_stderr_interleave_keeps_order() -> None:
    acc = run(out("stdout", "1\n"), out("stdout", "2\n"), out("stderr", "e\n"), out("stdout", "3\n"))
    assert [(o["name"], o["text"]) for o in acc.outputs()] == [
        ("stdout", "1\n2\n"),
        ("stderr", "e\n"),
        ("stdout", "3\n"),
    ]


def test_streams_separated_by_display_stay_apart() -> None:
    # Adjacent-only merging (what a live view shows). nbclient's end-of-cell
    # coalescing would instead pull "b" up into the first stream.
    acc = run(out("stdout", "a\n"), display("x"), out("stdout", "b\n"))
    assert [o["output_type"] for o in acc.outputs()] == ["stream", "display_data", "stream"]


PROGRESS = [f"\r{p:3d}% [{'#' * (p // 10):10}]" for p in range(0, 101, 10)]


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        pytest.param([*PROGRESS, "\n", "done\n"], "100% [##########]\ndone\n", id="progress"),
        # Live view: a trailing \r waits for what follows; \r\n is kept.
        pytest.param(["10%\r"], "10%\r", id="pending-cr"),
        pytest.param(["10%\r", "20%\r", "\n"], "20%\r\n", id="cr-newline"),
        pytest.param(["keep\nold", "\rnew\nnext"], "keep\nnew\nnext", id="cr-one-line"),
        # Cannot erase across a newline; one with nothing to erase is dropped.
        pytest.param(["abc", "\b\bX", "\n\bY"], "aX\nY", id="backspace"),
        pytest.param(
            ["working ", *["|\b", "/\b", "-\b", "\\\b"] * 50, "ok\n"],
            "working ok\n",
            id="spinner",
        ),
    ],
)
def test_stream_control_chars(chunks: list[str], expected: str) -> None:
    acc = run(*(out("stdout", c) for c in chunks))
    assert acc.outputs() == [{"output_type": "stream", "name": "stdout", "text": expected}]
    if "\b" not in "".join(chunks):
        assert expected == reference("".join(chunks))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="ab\n\r", max_size=12), max_size=12),
)
def test_incremental_carriage_return_matches_nbclient(chunks: list[str]) -> None:
    st_text = StreamText()
    for c in chunks:
        st_text.feed(c)
    assert st_text.value() == reference("".join(chunks))


def terminal_model(text: str) -> str:
    # Character by character over the whole text: "\b" erases the line's
    # last char (if any), "\r" followed by anything but "\n" restarts the
    # line. Comparing chunked input against it also proves that chunking
    # never matters.
    lines = []
    for line in text.split("\n"):
        buf: list[str] = []
        for ch in line:
            if ch == "\b":
                if buf:
                    buf.pop()
            else:
                if buf and buf[-1] == "\r":
                    buf = []
                buf.append(ch)
        lines.append("".join(buf))
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab\n\r\b", max_size=12), max_size=12))
def test_incremental_matches_terminal_model(chunks: list[str]) -> None:
    st_text = StreamText()
    for c in chunks:
        st_text.feed(c)
    assert st_text.value() == terminal_model("".join(chunks))


# -- clear_output ------------------------------------------------------------


def test_clear_output_immediate() -> None:
    acc = run(out("stdout", "a\n"), msg("clear_output", wait=False))
    assert acc.outputs() == []
    acc.handle(out("stdout", "b\n"))
    assert acc.output(0)["text"] == "b\n"


def test_clear_output_wait_defers_to_next_output() -> None:
    acc = run(out("stdout", "frame 1\n"), msg("clear_output", wait=True))
    assert acc.output(0)["text"] == "frame 1\n"  # still visible: no flicker
    acc.handle(msg("execute_input", code="", execution_count=1))
    assert len(acc) == 1
    acc.handle(out("stdout", "frame 2\n"))
    assert acc.outputs() == [{"output_type": "stream", "name": "stdout", "text": "frame 2\n"}]


def test_clear_output_wait_then_display() -> None:
    acc = run(display("old"), msg("clear_output", wait=True), display("new"))
    assert [o["data"]["text/plain"] for o in acc.outputs()] == ["new"]


def test_clear_output_wait_with_nothing_after_keeps_outputs() -> None:
    acc = run(out("stdout", "x"), msg("clear_output", wait=True), msg("execute_reply", status="ok"))
    assert acc.output(0)["text"] == "x"


# -- rich outputs, errors, counts -----------------------------------------------


def test_execute_result() -> None:
    acc = run(
        msg("execute_input", code="40+2", execution_count=3),
        display("42", kind="execute_result"),
        msg("execute_reply", status="ok", execution_count=3),
    )
    assert acc.outputs() == [
        {
            "output_type": "execute_result",
            "data": {"text/plain": "42"},
            "metadata": {},
            "execution_count": 3,
        }
    ]
    assert acc.execution_count == 3
    assert acc.status == "ok"
    assert acc.done and acc.error is None


def test_missing_metadata_is_tolerated() -> None:
    acc = run(msg("display_data", data={"text/plain": "x"}))
    assert acc.outputs() == [{"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}}]


def test_invalid_output_is_dropped() -> None:
    acc = run(msg("display_data", data={"text/plain": 5}, metadata={}))
    assert acc.outputs() == []


def test_error_output_and_summary() -> None:
    tb = ["\x1b[31mZeroDivisionError\x1b[0m", "division by zero"]
    acc = run(
        out("stdout", "before\n"),
        msg("error", ename="ZeroDivisionError", evalue="division by zero", traceback=tb),
        msg("execute_reply", status="error", ename="ZeroDivisionError",
            evalue="division by zero", traceback=tb, execution_count=4),
    )
    assert acc.outputs()[1] == {
        "output_type": "error",
        "ename": "ZeroDivisionError",
        "evalue": "division by zero",
        "traceback": tb,
    }
    assert acc.status == "error"
    assert acc.error is not None and acc.error.ename == "ZeroDivisionError"
    assert acc.error.traceback == tuple(tb)
    assert acc.execution_count == 4
    # Without an iopub error (lost, or a kernel that sends none) the reply has it.
    acc = run(msg("execute_reply", status="error", ename="E", evalue="v", traceback=[]))
    assert acc.error is not None and acc.error.evalue == "v"
    assert acc.outputs() == []


def test_unknown_and_status_messages_ignored() -> None:
    acc = run(
        msg("status", execution_state="busy"),
        msg("comm_open", comm_id="x", target_name="t", data={}),
        msg("some_future_type", whatever=1),
        msg("input_request", prompt="?", password=False),
    )
    assert acc.outputs() == []
    assert acc.take_delta() is None
    m = out("stdout", "x")
    del m["msg_type"]  # the header alone is enough
    assert run(m).output(0)["text"] == "x"


# -- display ids -------------------------------------------------------------------


def test_display_update_across_cells() -> None:
    index = DisplayIdIndex()
    a = OutputAccumulator("A", index)
    b = OutputAccumulator("B", index)
    assert a.handle(display("first", "d1")) == {"A"}
    a.take_delta()
    changed = b.handle(update("second", "d1"))
    assert changed == {"A"}
    assert a.output(0) == {
        "output_type": "display_data",
        "data": {"text/plain": "second"},
        "metadata": {},
    }
    assert "transient" not in a.output(0)
    assert len(b) == 0  # updates never add outputs
    delta = a.take_delta()
    assert delta is not None and delta.changed == (0,) and delta.length == 1
    assert index.locations("d1") == [("A", 0)]


def test_new_display_with_same_id_refreshes_old_ones() -> None:
    index = DisplayIdIndex()
    a = OutputAccumulator("A", index)
    b = OutputAccumulator("B", index)
    a.handle(display("v1", "d"))
    assert b.handle(display("v2", "d")) == {"A", "B"}
    assert a.output(0)["data"] == {"text/plain": "v2"}
    assert b.output(0)["data"] == {"text/plain": "v2"}
    assert sorted(index.locations("d")) == [("A", 0), ("B", 0)]


def test_update_keeps_execute_result_count() -> None:
    acc = run(display("1", "r", kind="execute_result"), update("2", "r"))
    assert acc.output(0)["execution_count"] == 3
    assert acc.output(0)["data"] == {"text/plain": "2"}


def test_update_unknown_display_id_ignored() -> None:
    acc = run(update("x", "nope"))
    assert acc.outputs() == [] and acc.take_delta() is None


def test_clear_forgets_display_locations() -> None:
    index = DisplayIdIndex()
    a = OutputAccumulator("A", index)
    a.handle(display("v1", "d"))
    a.handle(msg("clear_output", wait=False))
    a.handle(out("stdout", "text"))
    assert a.handle(update("v2", "d")) == set()
    assert a.output(0)["output_type"] == "stream"


def test_reexecution_replaces_cell_in_index() -> None:
    index = DisplayIdIndex()
    old = OutputAccumulator("A", index)
    old.handle(display("v1", "d"))
    new = OutputAccumulator("A", index)
    assert index.accumulator("A") is new
    assert index.locations("d") == []
    # A late message to the superseded execution does not register a location.
    old.handle(display("late", "d2"))
    assert index.locations("d2") == []
    new.handle(display("v", "d"))
    index.forget_cell("A")  # cell deleted or its outputs cleared
    assert index.accumulator("A") is None and index.locations("d") == []


# -- dirty tracking -------------------------------------------------------------


def test_take_delta_coalesces() -> None:
    acc = OutputAccumulator("c")
    assert acc.take_delta() is None
    for i in range(100):
        acc.handle(out("stdout", f"{i}\n"))
    acc.handle(display("x"))
    delta = acc.take_delta()
    assert delta is not None and delta.length == 2 and delta.changed == (0, 1)
    assert acc.take_delta() is None
    acc.handle(out("stdout", "more"))
    delta = acc.take_delta()
    assert delta is not None and delta.changed == (2,)


def test_take_delta_after_clear() -> None:
    acc = run(out("stdout", "a"), display("x"), out("stderr", "b"))
    acc.take_delta()
    acc.handle(msg("clear_output", wait=False))
    acc.handle(display("y"))
    delta = acc.take_delta()
    assert delta is not None and delta.length == 1 and delta.changed == (0,)
    acc.handle(msg("clear_output", wait=False))
    delta = acc.take_delta()
    assert delta is not None and delta.length == 0 and delta.changed == ()


def test_take_dirty_and_execution_count() -> None:
    acc = OutputAccumulator("c")
    acc.handle(msg("execute_input", code="x", execution_count=7))
    assert acc.take_dirty() is True
    assert acc.take_dirty() is False
    acc.handle(msg("execute_reply", status="ok", execution_count=7))
    delta = acc.take_delta()
    assert delta is not None and delta.status == "ok" and delta.execution_count == 7


def test_high_volume_is_linear() -> None:
    # 100k progress updates on one line plus 100k lines: would be quadratic
    # if the text were rebuilt per message; this just has to finish.
    acc = OutputAccumulator("c")
    for i in range(100_000):
        acc.handle(out("stdout", f"\r{i}"))
    for i in range(100_000):
        acc.handle(out("stdout", f"line {i}\n"))
    text = acc.output(0)["text"]
    assert text.startswith("99999line 0\n") and text.endswith("line 99999\n")


# -- against nbclient and a real kernel ---------------------------------------------

CELLS = [
    "for i in range(5):\n    print('line', i)",
    "import sys, time\n"
    "for i in range(5):\n"
    "    sys.stdout.write(f'\\r{i * 25}%'); sys.stdout.flush(); time.sleep(0.02)\n"
    "print(' done')",
    "from IPython.display import clear_output\n"
    "for i in range(3):\n"
    "    clear_output(wait=True)\n"
    "    print('frame', i, flush=True)",
    "h = display('first', display_id=True)\nprint('shown')",
    "h.update('second')\nprint('updated')",
    "display('again', display_id=h.display_id);",
    "40 + 2",
    "1/0",
]


def _strip(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in o.items() if k != "transient"} for o in outputs]


def _nbclient_outputs(tmp_path: Path) -> list[list[dict[str, Any]]]:
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        coalesce_streams=True,
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    assert client.coalesce_streams is True
    client.execute()
    return [_strip(cell.outputs) for cell in nb.cells]


async def _our_outputs(tmp_path: Path) -> list[list[dict[str, Any]]]:
    from runt_tui.kernel.kernel_client import KernelSession

    session = KernelSession(tmp_path / "kernel")
    await session.start("python3", cwd=str(tmp_path))
    try:
        index = DisplayIdIndex()
        for i, src in enumerate(CELLS):
            acc = OutputAccumulator(f"cell{i}", index)
            await session.wait(session.execute(src, acc.handle))
        results = []
        for i in range(len(CELLS)):
            acc2 = index.accumulator(f"cell{i}")
            assert acc2 is not None
            results.append(_strip(acc2.outputs()))
        return results
    finally:
        await session.shutdown()


async def test_matches_nbclient_on_real_kernel(tmp_path: Path) -> None:
    expected = _nbclient_outputs(tmp_path)
    actual = await _our_outputs(tmp_path)
    for src, exp, act in zip(CELLS, expected, actual, strict=True):
        assert act == exp, src
    # Spot-check that the cases did what they are meant to.
    assert actual[1][0]["text"] == "100% done\n"
    assert actual[2] == [{"output_type": "stream", "name": "stdout", "text": "frame 2\n"}]
    assert actual[3][0]["data"]["text/plain"] == "'again'"
    assert actual[7][0]["ename"] == "ZeroDivisionError"
