"""A room's kernel: started, fed from the room's one execution queue, watched."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from runt_tui.daemon.exec_queue import ExecQueue
from runt_tui.daemon.execution import Execution
from runt_tui.daemon.kernel_input import announce_input, reply_outcome
from runt_tui.daemon.kernel_meta import KernelNaming
from runt_tui.daemon.output_flush import OutputFlusher
from runt_tui.daemon.queue_log import POLL_SECONDS, QueueLog, kernel_facts
from runt_tui.daemon.widgets import RoomWidgets
from runt_tui.doc import DocError, NotebookDoc, is_panic
from runt_tui.kernel import KernelDiedError, KernelLaunchError, KernelSession, OutputAccumulator
from runt_tui.protocol.codec import decode
from runt_tui.protocol.jsontypes import JSONMapping
from runt_tui.protocol.payloads import NoticeEvent
from runt_tui.protocol.runtime import ExecError, InputRequest, KernelState, Requester

if TYPE_CHECKING:
    from runt_tui.daemon.env_room import RoomEnv
    from runt_tui.daemon.room import Room
    from runt_tui.doc import CellView

log = logging.getLogger("runt_tui.daemon")
HEADS_WAIT = 2.0


class RoomKernel:
    """Starts, feeds and watches the kernel of one room."""

    def __init__(self, room: Room, runtime_dir: Path, env: RoomEnv | None = None) -> None:
        self.room = room
        self.runtime_dir = runtime_dir
        # The notebook's environment: which interpreter the kernel runs on (trust, build).
        self.env = env
        self.session: KernelSession | None = None
        self.status = "none"
        self.name: str | None = None
        self.error: str | None = None
        self.jobs = ExecQueue()
        self.outputs = OutputFlusher(room, self.jobs.note_count)
        self._wake = asyncio.Event()
        self._start_lock = asyncio.Lock()
        self._worker = asyncio.get_running_loop().create_task(self._work(), name=f"kernel-queue-{room.key}")
        self.input_request: InputRequest | None = None
        self._publish_handle: asyncio.Handle | None = None
        self.widgets = RoomWidgets(lambda event, payload: room.send_event(event, payload))
        room.save_hooks.append(self.widgets.add_to_notebook)
        # History, cancellations with who caused them, the kernel process and its log (kernel pane).
        self.qlog = QueueLog(self._describe_cell)
        self.naming = KernelNaming(room)
        self._poller = asyncio.get_running_loop().create_task(self._poll(), name=f"kernel-poll-{room.key}")

    # ---- state -----------------------------------------------------------

    @property
    def current(self) -> Execution | None:
        """The execution taken from the queue (running, or about to be sent)."""
        return self.jobs.current

    @property
    def queue(self) -> deque[Execution]:
        """The executions waiting to run, in order."""
        return self.jobs.queue

    @property
    def busy(self) -> bool:
        """True while a cell is queued or running (or taken from the queue)."""
        return self.jobs.busy

    def kernel_state(self) -> KernelState:
        """The kernel part of the runtime snapshot."""
        return KernelState(self.status, self.name, self.error, self._pid(), self.input_request)

    def _pid(self) -> int | None:
        return self.session.pid if self.session is not None else None

    def _describe_cell(self, cell_id: str) -> str:
        ids = self.room.doc.cell_ids()
        if cell_id not in ids:
            return "(a deleted cell)"
        first = self.room.doc.cell(cell_id).source.split("\n", 1)[0][:40]
        return f"#{ids.index(cell_id) + 1} {first}".rstrip()

    async def _poll(self) -> None:
        """Every few seconds: the kernel's memory and CPU, new kernel log lines, expired cancellations."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                if self.qlog.poll(self._pid() if self.alive else None):
                    self._publish()
            except Exception:  # the pane's facts are never worth the queue
                log.exception("room %s: polling the kernel failed", self.room.key)

    def _notify(self, peer: str, message: str) -> None:
        if peer in self.room.peers:
            self.room.send_event(NoticeEvent("warning", message), only=peer)

    def rebind(self, doc: NotebookDoc) -> None:
        """The room's document object was replaced (same content): outputs go to the new one."""
        self.outputs.rebind(doc)

    @property
    def alive(self) -> bool:
        """True while a kernel process runs (or starts)."""
        return self.status not in ("none", "dead", "shutdown")

    def _publish(self) -> None:
        # One snapshot per loop iteration, however many state changes it saw
        # (a cell queued and started at once, a finish and the next start).
        if self._publish_handle is None:
            self._publish_handle = asyncio.get_running_loop().call_soon(self._publish_now)

    def _publish_now(self) -> None:
        if self._publish_handle is not None:
            self._publish_handle.cancel()
            self._publish_handle = None
        self.room.publish_runtime()

    # ---- lifecycle -------------------------------------------------------

    def _on_status(self, status: str) -> None:
        mapped = {"stopped": "shutdown"}.get(status, status)
        if mapped != self.status and not (self.status == "dead" and mapped == "shutdown"):
            self.status = mapped
            current = self.current
            if mapped == "idle" and current is not None and current.status == "running":
                return  # the execution finishes next; its snapshot carries this
            self._publish()

    def _on_dead(self, reason: str) -> None:
        log.warning("room %s: kernel %s died (pid %s): %s", self.room.key, self.name, self._pid(), reason)
        self.status = "dead"
        self.error = reason
        self.input_request = None
        self.widgets.reset(f"kernel died: {reason}")
        self._cancel_queue(f"kernel died: {reason}", Requester("", "the kernel's death"))
        self.room.send_event(NoticeEvent("error", f"Kernel died: {reason}"))
        self._publish()

    async def start(self, kernel_name: str | None = None) -> KernelState:
        """Start the room's kernel, or reuse the one already running."""
        async with self._start_lock:
            if self.session is not None and self.alive:
                return self.kernel_state()
            old, self.session = self.session, None
            if old is not None:
                # A dead (or failed) kernel's channels, reader tasks and
                # process handle are freed before its directory is reused.
                with contextlib.suppress(Exception):
                    await old.shutdown()
            spec = self.room.doc.metadata().get("kernelspec")
            name = kernel_name or (spec.get("name") if isinstance(spec, dict) else None) or "python3"
            session = KernelSession(self.runtime_dir, on_status=self._on_status, on_dead=self._on_dead,
                                    iopub_tap=self.widgets.on_iopub)
            self.widgets.sender = session.send_comm
            self.session, self.name, self.error, self.status = session, str(name), None, "starting"
            self._publish()
            cwd = str(self.room.path.parent) if self.room.path is not None else None
            try:
                python = await self.env.prepare() if self.env is not None else None
                await session.start(str(name), cwd=cwd, python=python)
            except KernelLaunchError as e:
                log.warning("room %s: kernel %s failed to start: %s", self.room.key, name, e)
                self.status, self.error = "dead", str(e)
                self._cancel_queue(f"kernel failed to start: {e}")
                self.room.send_event(NoticeEvent("error", f"Kernel failed to start: {e}"))
                self._publish()
                raise
            self.status = "idle" if session.status in ("idle", "starting") else str(session.status)
            log.info("room %s: kernel %s started (pid %s)", self.room.key, name, self._pid())
            self.qlog.kernel_started(session.log_path, False, kernel_facts(session))
            self._publish()
            chosen = kernel_name is not None
            self.naming.started(session.kernelspec_metadata(), session.kernel_info, chosen=chosen)
            return self.kernel_state()

    async def interrupt(self, by: Requester | None = None) -> None:
        """Stop the running cell and cancel everything queued (and a wait for approval)."""
        self._cancel_queue("interrupted", by)
        if self.env is not None:
            self.env.decline("interrupted")
        current = self.current
        if current is not None and current.status == "queued":
            # Taken from the queue but not sent yet (the kernel is starting
            # or the cell's source is on its way): it must not run at all.
            # No signal: SIGINT kills a kernel that is still starting.
            current.cancel_requested = True
            return
        if self.session is not None and current is not None:
            log.info("room %s: kernel %s interrupted (pid %s)", self.room.key, self.name, self._pid())
            await self.session.interrupt()

    async def restart(self, by: Requester | None = None) -> KernelState:
        """Restart the kernel (outputs stay); queued cells are cancelled."""
        self._cancel_queue("kernel restarted", by)
        if self.env is not None and self.env.changed() and self.session is not None:
            await self.shutdown()  # the dependencies changed: a new environment
        if self.session is None or self.status in ("none", "shutdown"):
            return await self.start()
        self.status, self.error = "restarting", None
        self.widgets.reset("kernel restarted")
        self._publish()
        try:
            await self.session.restart()
        except KernelLaunchError as e:
            self.status, self.error = "dead", str(e)
            self._publish()
            raise
        self.outputs.reset_index()
        self.status = "idle"
        log.info("room %s: kernel %s restarted (pid %s)", self.room.key, self.name, self._pid())
        if self.session is not None:
            self.qlog.kernel_started(self.session.log_path, True, kernel_facts(self.session))
        self._publish()
        if self.session is not None:
            self.naming.started(self.session.kernelspec_metadata(), self.session.kernel_info, chosen=False)
        return self.kernel_state()

    async def shutdown(self) -> None:
        """Shut the kernel down now."""
        self._cancel_queue("kernel shut down")
        session, self.session = self.session, None
        self.widgets.reset("kernel shut down")
        if session is not None:
            log.info("room %s: kernel %s shut down (pid %s)", self.room.key, self.name, session.pid)
            with contextlib.suppress(Exception):
                await session.shutdown()
        if self.status != "none":
            self.status = "shutdown"
            self._publish()

    async def close(self) -> None:
        """Shut down and stop the queue worker (room closing)."""
        await self.shutdown()
        self._worker.cancel()
        self._poller.cancel()

    def clear_queue(self, by: Requester | None = None) -> int:
        """Cancel every queued cell; the running one goes on. Returns how many were dropped."""
        count = len(self.jobs.queue)
        self._cancel_queue("queue cleared", by)
        return count

    def _cancel_queue(self, reason: str, by: Requester | None = None) -> None:
        dropped = [e.queue_entry() for e in self.jobs.queue]
        self.jobs.cancel(reason)
        if dropped:
            self.qlog.cancel(dropped, by, reason, self._notify)
        self._publish()

    # ---- execution -------------------------------------------------------

    def execute(self, cell_id: str, heads: list[bytes], requester: Requester | JSONMapping) -> Execution:
        """Queue a cell (or return its queued/running execution); `requester` may be given as its JSON."""
        if not isinstance(requester, Requester):
            requester = decode(Requester, requester, "requester")
        ex = self.jobs.find(cell_id)
        if ex is not None:
            return ex
        ex = Execution(cell_id=cell_id, requester=requester, heads=heads)
        self.jobs.add(ex)
        self._wake.set()
        self._publish()
        return ex

    async def _work(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while (ex := self.jobs.take()) is not None:
                try:
                    await self._run(ex)
                except asyncio.CancelledError:
                    ex.finish("cancelled")
                    raise
                except Exception as e:
                    log.exception("execution %s failed", ex.exec_id)
                    ex.finish("error", ExecError(type(e).__name__, str(e)))
                except BaseException as e:
                    if not is_panic(e):  # a panic of the document layer fails this execution only
                        raise
                    log.error("execution %s: the document layer panicked: %s", ex.exec_id, e)
                    ex.finish("error", ExecError("DocumentError", str(e)))
                finally:
                    self.jobs.current = None
                    if ex.started_at is not None:
                        self.qlog.finished(ex.summary(brief=True))
                    # Now, not at the next iteration: everyone sees the
                    # execution finished before the requester gets the answer.
                    self._publish_now()

    async def _wait_heads(self, heads: list[bytes]) -> bool:
        deadline = time.monotonic() + HEADS_WAIT
        while not self.room.doc.has_heads(heads):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.005)
        return True

    async def _run(self, ex: Execution) -> None:
        cell = await self._cell_to_run(ex)
        session = self.session
        if cell is None or session is None:
            return
        doc = self.room.doc
        acc = self.outputs.begin(ex.cell_id)
        ex.status, ex.started_at = "running", time.time()
        self.naming.ran()
        if self.status == "idle":
            self.status = "busy"  # what the kernel is about to report
        self._publish()
        msg_id = session.execute(
            cell.source,
            lambda msg: self.outputs.on_message(acc, msg),
            on_input=lambda prompt, password: self._on_input(ex, prompt, password),
        )
        try:
            reply = await session.wait(msg_id)
        except KernelDiedError as e:
            self.outputs.flush()
            ex.finish("error", ExecError("KernelDied", str(e)), doc.heads())
            return
        finally:
            self.input_request = None
        # The last outputs go into the document, the waiters are answered, and
        # only then is the change announced: the answer (with the heads to
        # wait for) leaves before the room syncs and persists (fsync) it.
        wrote = self.outputs.flush(announce=False)
        ex.execution_count = acc.execution_count
        self._finish(ex, acc, reply)
        if wrote:
            self.room.local_changed()

    async def _cell_to_run(self, ex: Execution) -> CellView | None:
        """The cell as the requester saw it, with a live kernel to run it; None (finished) if not."""
        if self.session is None or not self.alive:
            try:
                await self.start()
            except KernelLaunchError as e:
                ex.finish("error", ExecError("KernelLaunchError", str(e)))
                return None
        have = await self._wait_heads(ex.heads)
        if ex.cancel_requested or self.session is None or not self.alive:
            reason = "interrupted" if ex.cancel_requested else f"the kernel is {self.status}"
            ex.finish("cancelled", ExecError("Cancelled", reason))
            return None
        doc = self.room.doc
        try:
            cell = doc.cell(ex.cell_id, ex.heads if have else None)
        except DocError:
            ex.finish("error", ExecError("CellNotFound", f"no cell {ex.cell_id}"))
            return None
        if cell.cell_type != "code" or ex.cell_id not in doc:
            ex.finish("done", heads=doc.heads())
            return None
        return cell

    def _finish(self, ex: Execution, acc: OutputAccumulator, reply: Mapping[str, object]) -> None:
        """Finish an execution by the kernel's reply (an error cancels the rest of the queue)."""
        status, info = reply_outcome(reply, acc)
        if status == "error":
            self._cancel_queue("a previous cell raised an error", ex.requester)
        ex.finish(status, info, self.room.doc.heads())

    def _on_input(self, ex: Execution, prompt: str, password: bool) -> None:
        self.input_request = InputRequest(ex.cell_id, prompt, password, ex.exec_id, ex.requester)
        announce_input(self.room, self.input_request)
        self._publish()

    def send_input(self, value: str) -> bool:
        """Answer a pending input() prompt."""
        if self.session is None:
            return False
        ok = self.session.send_input(value)
        self.input_request = None
        self._publish()
        return ok

    async def clear_outputs(self, cell_ids: list[str]) -> None:
        """Clear outputs (and counts) of cells that are not running."""
        running = {e.cell_id for e in self.jobs.active()}
        for cell_id in cell_ids:
            if cell_id in running or cell_id not in self.room.doc:
                continue
            self.outputs.forget(cell_id)
            self.room.doc.replace_outputs_tail(cell_id, 0, [], None)
        self.room.local_changed()
