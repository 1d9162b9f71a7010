"""KernelSession against a real ipykernel on the IPC transport."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from runt_tui.kernel import (
    KernelDiedError,
    KernelLaunchError,
    KernelSession,
    KernelStatus,
    OutputAccumulator,
)
from runt_tui.kernel.router import Router

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Generous upper bound for "this eventually happens"; not a timing assertion.
PATIENCE = 60.0


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[KernelSession]:
    root = tmp_path_factory.mktemp("shared")
    session = KernelSession(root / "kernels" / "k1")
    await session.start("python3", cwd=str(root))
    yield session
    await session.shutdown()


async def run(session: KernelSession, code: str) -> tuple[OutputAccumulator, dict[str, Any]]:
    acc = OutputAccumulator("cell")
    reply = await asyncio.wait_for(session.wait(session.execute(code, acc.handle)), PATIENCE)
    return acc, reply


async def test_execute_result(shared: KernelSession) -> None:
    acc, reply = await run(shared, "1+1")
    assert reply["status"] == "ok"
    assert acc.outputs() == [
        {
            "output_type": "execute_result",
            "data": {"text/plain": "2"},
            "metadata": {},
            "execution_count": reply["execution_count"],
        }
    ]
    assert acc.execution_count == reply["execution_count"]
    assert shared.status == "idle"


async def test_stream_output_and_message_channels(shared: KernelSession) -> None:
    seen: list[tuple[str, str]] = []
    acc = OutputAccumulator("cell")

    def handler(msg: dict[str, Any]) -> None:
        seen.append((msg["channel"], msg["msg_type"]))
        acc.handle(msg)

    code = "import sys\nfor i in range(3): print(i)\nprint('err', file=sys.stderr)"
    await asyncio.wait_for(shared.wait(shared.execute(code, handler)), PATIENCE)
    assert acc.outputs()[0] == {"output_type": "stream", "name": "stdout", "text": "0\n1\n2\n"}
    assert {"output_type": "stream", "name": "stderr", "text": "err\n"} in acc.outputs()
    assert ("shell", "execute_reply") in seen
    assert ("iopub", "execute_input") in seen
    assert seen[-1][1] in ("execute_reply", "status")


async def test_error_reply(shared: KernelSession) -> None:
    acc, reply = await run(shared, "raise ValueError('boom')")
    assert reply["status"] == "error"
    assert acc.error is not None and (acc.error.ename, acc.error.evalue) == ("ValueError", "boom")


async def test_interrupt_sleep(shared: KernelSession) -> None:
    started = asyncio.Event()
    acc = OutputAccumulator("cell")

    def handler(msg: dict[str, Any]) -> None:
        acc.handle(msg)
        if msg["msg_type"] == "stream":
            started.set()

    # Wait for output from the cell itself: an interrupt that lands while
    # IPython is still compiling the cell gets no reply at all (see
    # test_idle_without_reply_is_not_forever).
    msg_id = shared.execute("import time\nprint('zz', flush=True)\ntime.sleep(60)", handler)
    await asyncio.wait_for(started.wait(), PATIENCE)
    await shared.interrupt()
    reply = await asyncio.wait_for(shared.wait(msg_id), PATIENCE)
    assert reply["status"] == "error"
    assert acc.error is not None and acc.error.ename == "KeyboardInterrupt"
    # The kernel is usable afterwards.
    acc2, _ = await run(shared, "'still here'")
    assert acc2.output(0)["data"]["text/plain"] == "'still here'"


async def test_input_round_trip(shared: KernelSession) -> None:
    prompts: list[tuple[str, bool]] = []

    def on_input(prompt: str, password: bool) -> None:
        prompts.append((prompt, password))
        assert shared.input_pending
        assert shared.send_input("hello")

    acc = OutputAccumulator("cell")
    code = "x = input('name? ')\nprint(x * 2)"
    await asyncio.wait_for(shared.wait(shared.execute(code, acc.handle, on_input=on_input)), PATIENCE)
    assert prompts == [("name? ", False)]
    assert acc.outputs() == [{"output_type": "stream", "name": "stdout", "text": "hellohello\n"}]
    assert not shared.input_pending
    assert shared.send_input("nobody asked") is False


async def test_input_without_handler_fails_fast(shared: KernelSession) -> None:
    acc, reply = await run(shared, "input()")
    assert reply["status"] == "error"
    assert acc.error is not None and acc.error.ename == "StdinNotImplementedError"


async def test_complete_and_inspect(shared: KernelSession) -> None:
    await run(shared, "import os\nsome_variable = 1")
    reply = await shared.complete("some_var", 8)
    assert reply["status"] == "ok" and "some_variable" in reply["matches"]
    reply = await shared.complete("os.pat", 6)
    assert "os.path" in reply["matches"] or "path" in reply["matches"]
    info = await shared.inspect("len", 3)
    assert info["status"] == "ok" and info["found"]
    assert "len" in info["data"]["text/plain"]
    assert (await shared.is_complete("for i in x:"))["status"] == "incomplete"


async def test_ipc_transport_no_tcp(shared: KernelSession) -> None:
    assert shared.connection_file is not None
    conn = json.loads(Path(shared.connection_file).read_text())
    assert conn["transport"] == "ipc"
    assert Path(conn["ip"]).parent == shared.runtime_dir
    assert shared.pid is not None
    proc = psutil.Process(shared.pid)
    procs = [proc, *proc.children(recursive=True)]
    for p in procs:
        assert p.net_connections(kind="inet") == [], p
    assert (shared.runtime_dir.stat().st_mode & 0o777) == 0o700
    # Output of forked children travels over ipykernel's pipe, which our
    # launcher moved from loopback TCP to an ipc socket: it must still work.
    acc, _ = await run(
        shared,
        "import multiprocessing as mp\n"
        "p = mp.get_context('fork').Process(target=print, args=('from child',))\n"
        "p.start(); p.join()",
    )
    assert acc.outputs() == [{"output_type": "stream", "name": "stdout", "text": "from child\n"}]
    assert shared.kernel_info["language_info"]["name"] == "python"
    assert shared.kernelspec_metadata()["language"] == "python"


async def test_restart_keeps_session_usable(shared: KernelSession) -> None:
    statuses: list[KernelStatus] = []
    shared._on_status = statuses.append
    await run(shared, "marker = 42")
    old_pid = shared.pid
    await shared.restart()
    assert shared.pid != old_pid and not psutil.pid_exists(old_pid)
    acc, reply = await run(shared, "'marker' in globals()")
    assert acc.output(0)["data"]["text/plain"] == "False"
    assert reply["execution_count"] == 1
    assert "restarting" in statuses and statuses[-1] == "idle"
    shared._on_status = None


async def test_restart_fails_running_execution(shared: KernelSession) -> None:
    started = asyncio.Event()
    msg_id = shared.execute(
        "import time\nprint('zz', flush=True)\ntime.sleep(60)",
        lambda m: started.set() if m["msg_type"] == "stream" else None,
    )
    await asyncio.wait_for(started.wait(), PATIENCE)
    await shared.restart()
    with pytest.raises(KernelDiedError):
        await shared.wait(msg_id)
    await run(shared, "1")


async def test_death_detection_restart_and_clean_shutdown(tmp_path: Path) -> None:
    dead: list[str] = []
    died = asyncio.Event()

    def on_dead(reason: str) -> None:
        dead.append(reason)
        died.set()

    session = KernelSession(tmp_path / "k", on_dead=on_dead, poll_interval=0.1)
    await session.start(None, cwd=str(tmp_path))
    try:
        msg_id = session.execute("import os\nos._exit(1)", lambda m: None)
        await asyncio.wait_for(died.wait(), PATIENCE)
        assert "exited with code 1" in dead[0]
        assert session.status == "dead"
        with pytest.raises(KernelDiedError):
            await session.wait(msg_id)
        with pytest.raises(KernelDiedError):
            session.execute("1", lambda m: None)
        await session.restart()
        acc, _ = await run(session, "1+2")
        assert acc.output(0)["data"]["text/plain"] == "3"
        # A process the kernel started must not survive it, even one that
        # ignores SIGINT and was re-parented away from the kernel (a
        # background job of a shell), which ipykernel's own cleanup misses.
        acc, _ = await run(
            session,
            "import subprocess\n"
            "out = subprocess.run(['sh', '-c', 'sleep 600 >/dev/null 2>&1 & echo $!'], capture_output=True)\n"
            "int(out.stdout)",
        )
        child = int(acc.output(0)["data"]["text/plain"])
        assert psutil.pid_exists(child)
    finally:
        pid = session.pid
        await session.shutdown()
    assert dead == [dead[0]]  # restart and shutdown are not deaths
    assert pid is not None and not psutil.pid_exists(pid)
    assert await _gone(child)
    final: str = session.status  # (mypy narrowed it to "dead" above)
    assert final == "stopped" and session.pid is None
    assert not list(session.runtime_dir.glob("ipc-*"))
    assert not (session.runtime_dir / "kernel.json").exists()


async def _gone(pid: int) -> bool:
    # SIGKILL is delivered asynchronously; an orphan may linger as a zombie
    # until its new parent reaps it, which counts as gone.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while loop.time() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_unknown_kernelspec(tmp_path: Path) -> None:
    session = KernelSession(tmp_path / "k")
    with pytest.raises(KernelLaunchError, match="no kernel named 'no-such-kernel'"):
        await session.start("no-such-kernel")
    assert session.status == "dead"


def _write_spec(root: Path, name: str, argv: list[str]) -> None:
    spec_dir = root / "kernels" / name
    spec_dir.mkdir(parents=True)
    spec = {"argv": argv, "display_name": name, "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))


async def test_missing_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_spec(tmp_path / "jp", "ghost", ["/nonexistent/bin/python", "-f", "{connection_file}"])
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jp"))
    session = KernelSession(tmp_path / "k")
    with pytest.raises(KernelLaunchError, match="executable not found: /nonexistent/bin/python"):
        await session.start("ghost")


async def test_kernel_exiting_at_startup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = "import sys; sys.stderr.write('broken install\\n'); sys.exit(3)"
    _write_spec(tmp_path / "jp", "broken", [sys.executable, "-c", code, "{connection_file}"])
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jp"))
    session = KernelSession(tmp_path / "k")
    with pytest.raises(KernelLaunchError) as info:
        await session.start("broken")
    assert "exited with code 3" in str(info.value)
    assert "broken install" in str(info.value)
    assert session.pid is None


async def test_ipc_path_too_long(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)
    with pytest.raises(KernelLaunchError, match="too long"):
        await KernelSession(deep).start()


async def test_no_stray_kernels(shared: KernelSession) -> None:
    # Every kernel the other tests started has been shut down by now; only
    # the shared one (torn down with the module) may remain.
    me = psutil.Process(os.getpid())
    kids = [
        p.pid
        for p in me.children(recursive=True)
        if "ipykernel" in " ".join(p.cmdline()) and p.pid != shared.pid
    ]
    assert kids == []


# -- routing without a kernel ---------------------------------------------------


def _kmsg(msg_type: str, parent: str, **content: Any) -> dict[str, Any]:
    return {
        "header": {"msg_type": msg_type},
        "msg_type": msg_type,
        "parent_header": {"msg_id": parent},
        "metadata": {},
        "content": content,
    }


async def test_idle_without_reply_is_not_forever() -> None:
    states: list[str] = []
    router = Router(states.append, reply_grace=0.01)
    got: list[dict[str, Any]] = []
    ex = router.add_execution("e1", got.append, None)
    router.on_iopub(_kmsg("status", "e1", execution_state="busy"))
    router.on_iopub(_kmsg("status", "e1", execution_state="idle"))
    reply = await asyncio.wait_for(ex.future, PATIENCE)
    assert reply["status"] == "aborted"
    assert got[-1]["msg_type"] == "execute_reply" and got[-1]["channel"] == "shell"
    assert states == ["busy", "idle"]


async def test_reply_without_idle_finishes_after_grace() -> None:
    router = Router(lambda s: None, reply_grace=0.01)
    ex = router.add_execution("e1", lambda m: None, None)
    router.on_shell(_kmsg("execute_reply", "e1", status="ok", execution_count=1))
    assert (await asyncio.wait_for(ex.future, PATIENCE))["status"] == "ok"


async def test_late_messages_reach_finished_execution() -> None:
    router = Router(lambda s: None, reply_grace=10.0)
    got: list[str] = []
    ex = router.add_execution("e1", lambda m: got.append(m["msg_type"]), None)
    router.on_shell(_kmsg("execute_reply", "e1", status="ok"))
    router.on_iopub(_kmsg("status", "e1", execution_state="idle"))
    assert ex.future.done()
    router.on_iopub(_kmsg("stream", "e1", name="stdout", text="from a thread"))
    assert got[-1] == "stream"
    router.forget("e1")
    router.on_iopub(_kmsg("stream", "e1", name="stdout", text="dropped"))
    assert got.count("stream") == 1


async def test_failing_handler_does_not_break_routing() -> None:
    router = Router(lambda s: None, reply_grace=10.0)

    def bad(msg: dict[str, Any]) -> None:
        raise RuntimeError("handler bug")

    ex = router.add_execution("e1", bad, None)
    router.on_shell(_kmsg("execute_reply", "e1", status="ok"))
    router.on_iopub(_kmsg("status", "e1", execution_state="idle"))
    assert ex.future.result()["status"] == "ok"


async def test_fail_all_makes_wait_raise() -> None:
    router = Router(lambda s: None, reply_grace=10.0)
    ex = router.add_execution("e1", lambda m: None, None)
    router.fail_all(KernelDiedError("gone"))
    assert router.get("e1") is ex
    with pytest.raises(KernelDiedError, match="gone"):
        await ex.future
