"""A room's kernel: one FIFO queue for every client, outputs written into the document."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runt_tui.daemon.kernel_meta import record_kernel
from runt_tui.daemon.outputs_writer import CellOutputWriter
from runt_tui.doc import DocError, is_panic
from runt_tui.kernel import (
    DisplayIdIndex,
    KernelDiedError,
    KernelLaunchError,
    KernelSession,
    OutputAccumulator,
)

if TYPE_CHECKING:
    from runt_tui.daemon.env_room import RoomEnv
    from runt_tui.daemon.room import Room

log = logging.getLogger("runt_tui.daemon")
_ids = itertools.count(1)
HEADS_WAIT = 2.0
# Outputs written as soon as they arrive at the start of each execution (then coalesced).
EAGER_FLUSHES = 3


@dataclass
class Execution:
    """One request to run one cell."""

    cell_id: str
    requester: dict[str, Any]
    heads: list[bytes]
    # Queue order: a larger seq was queued later.
    seq: int = field(default_factory=lambda: next(_ids))
    status: str = "queued"
    queued_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    execution_count: int | None = None
    error: dict[str, Any] | None = None
    # Set by an interrupt that lands before the cell reached the kernel.
    cancel_requested: bool = False
    result: dict[str, Any] | None = None
    # One future per waiting request, awaited directly (no shield): the
    # answer then goes out on the loop iteration right after `finish`, and a
    # waiter that gives up cancels only its own future.
    waiters: list[asyncio.Future[dict[str, Any]]] = field(default_factory=list)

    @property
    def exec_id(self) -> str:
        """The execution's public id."""
        return f"x{self.seq}"

    def queue_entry(self) -> dict[str, Any]:
        """What runtime snapshots say of a queued or running execution (kept small)."""
        return {"exec_id": self.exec_id, "seq": self.seq, "cell": self.cell_id, "status": self.status,
                "requester": self.requester}

    def summary(self, brief: bool = False) -> dict[str, Any]:
        """The public view of this execution (`brief`: without the traceback, for runtime snapshots)."""
        error = self.error
        if brief and error is not None and error.get("traceback"):
            # The traceback is in the cell's error output; snapshots carry
            # every cell's last execution and must stay small.
            error = {**error, "traceback": []}
        return {
            "exec_id": self.exec_id,
            "cell": self.cell_id,
            "status": self.status,
            "requester": self.requester,
            "queued_at": self.queued_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "execution_count": self.execution_count,
            "exception": error,
        }

    def wait(self) -> asyncio.Future[dict[str, Any]]:
        """A future resolved with the result (summary and heads) when the execution finishes."""
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        if self.result is not None:
            fut.set_result(self.result)
        else:
            self.waiters.append(fut)
        return fut

    def finish(self, status: str, error: dict[str, Any] | None = None, heads: list[bytes] | None = None) -> None:
        """Mark finished and resolve waiters."""
        if self.result is not None:
            return
        self.status = status
        self.error = error if error is not None else self.error
        self.finished_at = time.time()
        self.result = {**self.summary(), "heads": [h.hex() for h in heads or []]}
        waiters, self.waiters = self.waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(self.result)


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
        self.queue: deque[Execution] = deque()
        self.current: Execution | None = None
        self.last: dict[str, Execution] = {}
        self.index = DisplayIdIndex()
        self.writers: dict[str, CellOutputWriter] = {}
        self.accs: dict[str, OutputAccumulator] = {}
        self._dirty: set[str] = set()
        self._flush_handle: asyncio.TimerHandle | None = None
        self._eager_flushes = 0
        self._wake = asyncio.Event()
        self._start_lock = asyncio.Lock()
        self._worker = asyncio.get_running_loop().create_task(self._work(), name=f"kernel-queue-{room.key}")
        self.input_request: dict[str, Any] | None = None
        self._publish_handle: asyncio.Handle | None = None
        room.runtime_extra["kernel"] = self.kernel_state
        # Queue entries stay small (the rest is in `executions`), and events carry only
        # the entries that changed: a Run All queues every cell, and listing the whole
        # queue in each of its 2n events was O(n^2) JSON for the daemon and every client.
        room.runtime_extra["queue"] = lambda: [e.queue_entry() for e in self._active()]
        room.runtime_deltas["queue"] = self._queue_changed
        self._queue_sent: dict[str, str] = {}
        room.runtime_extra["executions"] = lambda: {c: e.summary(brief=True) for c, e in self.last.items()}
        room.runtime_deltas["executions"] = self._executions_changed
        # What the last runtime event said of each cell's execution, and the cells
        # whose execution may have changed since (see _executions_changed).
        self._sent: dict[str, tuple[Any, ...]] = {}
        self._watch: set[str] = set()

    # ---- state -----------------------------------------------------------

    def _executions_changed(self) -> dict[str, Any]:
        """Executions changed since the last runtime event.

        Events carry only these: every cell's last execution in every event
        made a run of n cells cost O(n^2) to encode and decode.
        """
        changed: dict[str, Any] = {}
        # An execution only changes while queued or running, or as it ends: the
        # cells active now and those watched since the last event cover them all,
        # so an event costs O(active cells), not O(cells ever run).
        active = {e.cell_id for e in self._active()}
        for cid in self._watch | active:
            ex = self.last[cid]  # watched and active cells all have an execution
            key = (ex.exec_id, ex.status, ex.started_at, ex.finished_at, ex.execution_count, ex.error is None)
            if self._sent.get(cid) != key:
                self._sent[cid] = key
                changed[cid] = ex.summary(brief=True)
        self._watch = active
        return changed

    def _queue_changed(self) -> dict[str, Any]:
        """Queue entries added or changed since the last runtime event; None for those gone."""
        changed: dict[str, Any] = {}
        active = self._active()
        now = {e.exec_id for e in active}
        for exec_id in [x for x in self._queue_sent if x not in now]:
            del self._queue_sent[exec_id]
            changed[exec_id] = None
        for e in active:
            if self._queue_sent.get(e.exec_id) != e.status:
                self._queue_sent[e.exec_id] = e.status
                changed[e.exec_id] = e.queue_entry()
        return changed

    def _active(self) -> list[Execution]:
        current = self.current
        running = [current] if current is not None and current.result is None else []
        return running + list(self.queue)

    def kernel_state(self) -> dict[str, Any]:
        """The kernel part of the runtime snapshot."""
        return {
            "status": self.status,
            "name": self.name,
            "exception": self.error,
            "pid": self.session.pid if self.session is not None else None,
            "input": self.input_request,
        }

    def _pid(self) -> int | None:
        return self.session.pid if self.session is not None else None

    @property
    def busy(self) -> bool:
        """True while a cell is queued or running (or taken from the queue)."""
        return bool(self.queue) or self.current is not None

    def rebind(self, doc: Any) -> None:
        """The room's document object was replaced (same content): outputs go to the new one."""
        for writer in self.writers.values():
            writer.doc = doc

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
        self._cancel_queue(f"kernel died: {reason}")
        self.room.send_event({"type": "notice", "level": "error", "message": f"Kernel died: {reason}"})
        self._publish()

    async def start(self, kernel_name: str | None = None) -> dict[str, Any]:
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
            session = KernelSession(self.runtime_dir, on_status=self._on_status, on_dead=self._on_dead)
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
                self.room.send_event({"type": "notice", "level": "error", "message": f"Kernel failed to start: {e}"})
                self._publish()
                raise
            self.status = "idle" if session.status in ("idle", "starting") else str(session.status)
            log.info("room %s: kernel %s started (pid %s)", self.room.key, name, self._pid())
            self._publish()
            record_kernel(self.room, session.kernelspec_metadata(), session.kernel_info)
            return self.kernel_state()

    async def interrupt(self) -> None:
        """Stop the running cell and cancel everything queued (and a wait for approval)."""
        self._cancel_queue("interrupted")
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

    async def restart(self) -> dict[str, Any]:
        """Restart the kernel (outputs stay); queued cells are cancelled."""
        self._cancel_queue("kernel restarted")
        if self.env is not None and self.env.changed() and self.session is not None:
            await self.shutdown()  # the dependencies changed: a new environment
        if self.session is None or self.status in ("none", "shutdown"):
            return await self.start()
        self.status, self.error = "restarting", None
        self._publish()
        try:
            await self.session.restart()
        except KernelLaunchError as e:
            self.status, self.error = "dead", str(e)
            self._publish()
            raise
        self.index = DisplayIdIndex()
        self.status = "idle"
        log.info("room %s: kernel %s restarted (pid %s)", self.room.key, self.name, self._pid())
        self._publish()
        if self.session is not None:
            record_kernel(self.room, self.session.kernelspec_metadata(), self.session.kernel_info)
        return self.kernel_state()

    async def shutdown(self) -> None:
        """Shut the kernel down now."""
        self._cancel_queue("kernel shut down")
        session, self.session = self.session, None
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

    def _cancel_queue(self, reason: str) -> None:
        while self.queue:
            ex = self.queue.popleft()
            ex.finish("cancelled", {"ename": "Cancelled", "evalue": reason, "traceback": []})
        self._publish()

    # ---- execution -------------------------------------------------------

    def execute(self, cell_id: str, heads: list[bytes], requester: dict[str, Any]) -> Execution:
        """Queue a cell (or return its queued/running execution)."""
        for ex in self._active():
            if ex.cell_id == cell_id:
                return ex
        ex = Execution(cell_id=cell_id, requester=requester, heads=heads)
        self.queue.append(ex)
        self.last[cell_id] = ex
        self._watch.add(cell_id)
        self._wake.set()
        self._publish()
        return ex

    async def _work(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.queue:
                ex = self.queue.popleft()
                self.current = ex
                try:
                    await self._run(ex)
                except asyncio.CancelledError:
                    ex.finish("cancelled")
                    raise
                except Exception as e:
                    log.exception("execution %s failed", ex.exec_id)
                    ex.finish("error", {"ename": type(e).__name__, "evalue": str(e), "traceback": []})
                except BaseException as e:
                    if not is_panic(e):  # a panic of the document layer fails this execution only
                        raise
                    log.error("execution %s: the document layer panicked: %s", ex.exec_id, e)
                    ex.finish("error", {"ename": "DocumentError", "evalue": str(e), "traceback": []})
                finally:
                    self.current = None
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
        if self.session is None or not self.alive:
            try:
                await self.start()
            except KernelLaunchError as e:
                ex.finish("error", {"ename": "KernelLaunchError", "evalue": str(e), "traceback": []})
                return
        have = await self._wait_heads(ex.heads)
        session = self.session
        if ex.cancel_requested or session is None or not self.alive:
            reason = "interrupted" if ex.cancel_requested else f"the kernel is {self.status}"
            ex.finish("cancelled", {"ename": "Cancelled", "evalue": reason, "traceback": []})
            return
        doc = self.room.doc
        try:
            cell = doc.cell(ex.cell_id, ex.heads if have else None)
        except DocError:
            ex.finish("error", {"ename": "CellNotFound", "evalue": f"no cell {ex.cell_id}", "traceback": []})
            return
        if cell.cell_type != "code" or ex.cell_id not in doc:
            ex.finish("done", heads=doc.heads())
            return
        writer = CellOutputWriter(doc, ex.cell_id, self.room.blobs, self.room.settings.blob_threshold)
        self.writers[ex.cell_id] = writer
        # The old outputs go at the first flush, in the same change as the
        # new count and first outputs (a quick cell makes one change).
        writer.begin()
        acc = OutputAccumulator(ex.cell_id, self.index)
        self.accs[ex.cell_id] = acc
        self._eager_flushes = EAGER_FLUSHES
        self._dirty.add(ex.cell_id)
        self._schedule_flush()
        ex.status, ex.started_at = "running", time.time()
        if self.status == "idle":
            self.status = "busy"  # what the kernel is about to report
        self._publish()
        msg_id = session.execute(
            cell.source,
            lambda msg: self._on_message(acc, msg),
            on_input=lambda prompt, password: self._on_input(ex, prompt, password),
        )
        try:
            reply = await session.wait(msg_id)
        except KernelDiedError as e:
            self._flush()
            ex.finish("error", {"ename": "KernelDied", "evalue": str(e), "traceback": []}, doc.heads())
            return
        finally:
            self.input_request = None
        # The last outputs go into the document, the waiters are answered, and
        # only then is the change announced: the answer (with the heads to
        # wait for) leaves before the room syncs and persists (fsync) it.
        wrote = self._flush(announce=False)
        ex.execution_count = acc.execution_count
        status = str(reply.get("status", "ok"))
        if status == "ok":
            ex.finish("done", heads=doc.heads())
        elif status == "error":
            err = acc.error
            info = {"ename": err.ename, "evalue": err.evalue, "traceback": list(err.traceback)} if err else None
            self._cancel_queue("a previous cell raised an error")
            ex.finish("error", info, doc.heads())
        else:
            ex.finish("cancelled", {"ename": "Aborted", "evalue": str(reply.get("reason", "aborted")), "traceback": []}, doc.heads())
        if wrote:
            self.room.local_changed()

    def _on_message(self, acc: OutputAccumulator, msg: dict[str, Any]) -> None:
        if (msg.get("msg_type") or (msg.get("header") or {}).get("msg_type")) == "clear_output":
            writer = self.writers.get(acc.cell_id)
            if writer is not None:
                writer.forget_streams()
        changed = acc.handle(msg)
        if not changed:
            return
        self._dirty |= changed
        if self._eager_flushes > 0 and len(acc) > 0:
            # The first outputs of an execution are written at once: a quick
            # cell's result then reaches every client while the kernel is
            # still finishing (reply, idle) rather than after. A flood uses
            # these up at once and is coalesced in time from then on.
            self._eager_flushes -= 1
            self._flush()
        else:
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_handle is None:
            delay = self.room.settings.output_flush_interval
            self._flush_handle = asyncio.get_running_loop().call_later(delay, self._flush)

    def _flush(self, announce: bool = True) -> bool:
        """Write every dirty cell's outputs in one round (coalesced in time); True if it wrote.

        With `announce` False the caller calls `room.local_changed()` itself.
        """
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        dirty, self._dirty = self._dirty, set()
        wrote = False
        for cell_id in dirty:
            acc = self.index.accumulator(cell_id) or self.accs.get(cell_id)
            writer = self.writers.get(cell_id)
            if acc is None or writer is None or cell_id not in self.room.doc:
                continue
            delta = acc.take_delta()
            if delta is None:
                if writer.reset_pending:  # nothing new yet: just clear the old outputs
                    writer.apply(len(writer.phys), {})
                    wrote = True
                continue
            count: int | bool | None = delta.execution_count if delta.execution_count is not None else False
            writer.apply(delta.length, {i: acc.output(i) for i in delta.changed}, count)
            if cell_id in self.last and delta.execution_count is not None:
                self.last[cell_id].execution_count = delta.execution_count
                self._watch.add(cell_id)
            wrote = True
        if wrote and announce:
            self.room.local_changed()
        return wrote

    def _on_input(self, ex: Execution, prompt: str, password: bool) -> None:
        self.input_request = {"cell": ex.cell_id, "prompt": prompt, "password": password, "exec_id": ex.exec_id, "requester": ex.requester}
        event = {"type": "input_request", **self.input_request}
        peer = ex.requester.get("peer_id")
        if peer in self.room.peers:
            self.room.send_event(event, only=peer)
            for pid in list(self.room.peers):
                if pid != peer:
                    self.room.send_event({**event, "type": "input_prompt"}, only=pid)
        else:
            self.room.send_event(event)
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
        running = {e.cell_id for e in self._active()}
        for cid in cell_ids:
            if cid in running or cid not in self.room.doc:
                continue
            self.writers.pop(cid, None)
            self.room.doc.replace_outputs_tail(cid, 0, [], None)
        self.room.local_changed()
