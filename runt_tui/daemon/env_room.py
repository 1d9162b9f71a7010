"""A room's environment: which one its kernel gets, the trust gate, the build, in runtime state.

Starting the kernel of a notebook with dependencies goes through `RoomEnv.prepare`:
untrusted → every client sees "awaiting approval" and nothing is installed until one
approves (bound to the digest of the tables it was shown); trusted → the cached
environment, or a build whose progress every client sees; a failed build is the
kernel's launch error, shown in full, and nothing else is touched.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from runt_tui.env import (
    BuildCancelled,
    BuildError,
    CondaMissing,
    DepsError,
    EnvInfo,
    EnvManager,
    EnvRequest,
    Progress,
    TrustError,
    add_deps,
    digest,
    flag_typosquats,
    load_key,
    remove_deps,
    resolve_request,
    signed_metadata,
    table_deps,
    verify,
    with_tables,
)
from runt_tui.env.deps import ensure_env_id
from runt_tui.env.resolve import home_dir
from runt_tui.env.trust import last_approved, remember_approved
from runt_tui.kernel import KernelLaunchError
from runt_tui.protocol.payloads import NoticeEvent
from runt_tui.protocol.runtime import EnvProgress, EnvState, KernelEnv

if TYPE_CHECKING:
    from runt_tui.daemon.room import Room

log = logging.getLogger("runt_tui.daemon")


class ApprovalMismatch(ValueError):
    """The dependencies changed after the approver was shown them."""


def _deps_of(tables: dict[str, Any]) -> list[str]:
    return [d for name in ("uv", "conda") for d in table_deps(tables.get(name))]


class RoomEnv:
    """The environment state of one room, published as runtime `env`."""

    def __init__(self, room: Room, manager: EnvManager) -> None:
        self.room = room
        self.manager = manager
        self.status = "unknown"
        self.info: EnvInfo | None = None
        self.progress: EnvProgress | None = None
        self.error: str | None = None
        self.approved_by: str | None = None
        self.building_key: str | None = None
        self._approval: asyncio.Future[None] | None = None
        # The user chose the default kernelspec for a conda notebook with no conda tool here.
        self.fallback = False
        self._live: asyncio.Task[None] | None = None
        manager.users.add(self)

    # ---- what the notebook asks for ---------------------------------------

    def request(self) -> EnvRequest:
        """The environment the notebook asks for now (DepsError for a bad table or block)."""
        doc = self.room.doc
        first = next((doc.source(c) for c in doc.cell_ids() if doc.cell(c).cell_type == "code"), None)
        return resolve_request(doc.metadata(), first, self.room.path, home_dir())

    def trust_status(self) -> dict[str, Any]:
        """What an approver must see: the exact dependencies, the change, typosquats, the digest."""
        try:
            req = self.request()
        except DepsError as e:
            return {"trusted": False, "kind": "invalid", "error": str(e), "digest": None, "dependencies": []}
        if not req.needs_env:
            return {"trusted": True, "kind": "kernelspec", "digest": None, "dependencies": []}
        metadata = self.room.doc.metadata()
        runt: dict[str, Any] = metadata["runt"] if isinstance(metadata.get("runt"), dict) else {}
        deps = _deps_of(req.tables)
        previous = last_approved(str(runt.get("env_id") or "")) if runt.get("env_id") else None
        before = set(_deps_of(previous)) if previous is not None else None
        return {
            "trusted": verify(req.tables, runt.get("trust_signature"), load_key()),
            "kind": req.kind,
            "source": req.source,
            "tables": req.tables,
            "dependencies": deps,
            "requires_python": req.requires_python,
            "adds_ipykernel": req.adds_kernel,
            "digest": digest(req.tables),
            "added": sorted(set(deps) - before) if before is not None else None,
            "removed": sorted(before - set(deps)) if before is not None else None,
            "typosquats": flag_typosquats(deps),
        }

    def state(self) -> EnvState:
        """The runtime `env` part: status, the environment (kind, path, Python), progress, error."""
        info = self.info
        return EnvState(
            status=self.status,
            env=KernelEnv(info.key, info.kind, info.path, info.python, info.python_version,
                          list(info.dependencies), info.created) if info is not None else None,
            progress=self.progress,
            error=self.error,
            approved_by=self.approved_by,
        )

    def _set(self, status: str, **changes: Any) -> None:
        self.status = status
        for k, v in changes.items():
            setattr(self, k, v)
        self.room.publish_runtime()

    # ---- the gate -----------------------------------------------------------

    def approve(self, seen_digest: str, by: str) -> dict[str, Any]:
        """Sign the tables the approver saw; ApprovalMismatch when they changed since."""
        status = self.trust_status()
        if status.get("digest") is None:
            return status
        if status["digest"] != seen_digest:
            raise ApprovalMismatch("the dependencies changed since they were shown; review them again")
        req = self.request()
        # Legacy top-level tables move under `runt`; an env_id lets the next approval show the change.
        metadata = ensure_env_id(with_tables(self.room.doc.metadata(), {}))
        metadata = signed_metadata(metadata, req.tables, load_key())
        self.room.doc.set_metadata(metadata)
        self.room.local_changed()
        runt = metadata.get("runt") or {}
        if runt.get("env_id"):
            remember_approved(str(runt["env_id"]), req.tables)
        log.info("room %s: dependencies approved by %s", self.room.key, by)
        if self._approval is not None and not self._approval.done():
            self._approval.set_result(None)
        self._set(self.status if self.status != "awaiting_approval" else "approved", approved_by=by)
        return {**status, "trusted": True}

    def decline(self, reason: str = "declined") -> bool:
        """Stop waiting for approval (the waiting kernel start fails); whether one waited."""
        if self._approval is not None and not self._approval.done():
            self._approval.set_exception(KernelLaunchError(f"dependencies not approved ({reason})"))
            return True
        return False

    def cancel(self) -> bool:
        """Cancel the running build or the wait for approval; whether anything was cancelled."""
        if self.decline("cancelled"):
            return True
        return self.building_key is not None and self.manager.cancel(self.building_key)

    # ---- for the kernel -----------------------------------------------------

    async def prepare(self) -> str | None:
        """The interpreter the kernel must run on (None: the kernelspec's); KernelLaunchError if none."""
        try:
            req = self.request()
        except DepsError as e:
            self._set("failed", error=str(e), info=None)
            raise KernelLaunchError(str(e)) from None
        if not req.needs_env:
            self._set("kernelspec", info=None, error=None, progress=None)
            return None
        await self._wait_for_trust()
        req = self.request()  # as approved (an approval is refused if it changed)
        try:
            info = await self._build(req)
        except CondaMissing as e:
            if self.fallback:
                self._set("kernelspec", info=None, error=None, progress=None)
                return None
            self._set("failed", error=str(e), progress=None)
            raise KernelLaunchError(str(e)) from None
        self._set("ready", info=info, error=None, progress=None)
        return info.python

    async def _wait_for_trust(self) -> None:
        try:
            trusted = bool(self.trust_status().get("trusted"))
        except TrustError as e:
            raise KernelLaunchError(str(e)) from None
        if trusted:
            return
        loop = asyncio.get_running_loop()
        self._approval = loop.create_future()
        self._set("awaiting_approval", approved_by=None, error=None)
        self.room.send_event(NoticeEvent("warning", "This notebook's dependencies are not trusted on this machine: "
                                         "approve them to install and start the kernel (runt-tui trust NOTEBOOK)."))
        try:
            await self._approval
        except KernelLaunchError as e:
            self._set("untrusted", error=str(e))
            raise
        finally:
            self._approval = None

    async def _build(self, req: EnvRequest) -> EnvInfo:
        self.building_key = req.key()
        started = time.monotonic()

        def on_progress(p: Progress) -> None:
            self.progress = EnvProgress(p.step, p.package, p.total, p.done, p.lines[-5:])
            if self.status != "building":
                self.status = "building"
            self.room.publish_runtime()

        try:
            info = await self.manager.get(req, on_progress)
        except BuildError as e:
            self._set("failed", error=f"building the environment failed:\n{e}", progress=None)
            raise KernelLaunchError(f"building the environment failed:\n{e}") from None
        except BuildCancelled as e:
            self._set("cancelled", error=str(e), progress=None)
            raise KernelLaunchError(str(e)) from None
        finally:
            self.building_key = None
        if self.progress is not None:
            log.info("room %s: environment %s built in %.1f s", self.room.key, info.key, time.monotonic() - started)
        return info

    def changed(self) -> bool:
        """Whether the notebook now asks for another environment than the kernel runs in."""
        try:
            req = self.request()
        except DepsError:
            return True
        running = self.info.key if self.info is not None else None
        return (req.key() if req.needs_env else None) != running

    # ---- managing dependencies -----------------------------------------------

    def change_deps(self, add: list[str], remove: list[str]) -> dict[str, Any]:
        """Add / remove dependencies in the notebook's `runt.uv` table; re-signed when it was trusted.

        A user on this machine changing a trusted notebook keeps it trusted; an untrusted
        one stays untrusted (changing it is no approval of what it listed).
        """
        was_trusted = bool(self.trust_status().get("trusted"))
        metadata = self.room.doc.metadata()
        missing: list[str] = []
        if add:
            metadata = add_deps(metadata, add)
        if remove:
            metadata, missing = remove_deps(metadata, remove)
        self.room.doc.set_metadata(metadata)
        if was_trusted:
            req = self.request()
            if req.needs_env:
                self.room.doc.set_metadata(signed_metadata(metadata, req.tables, load_key()))
                runt = self.room.doc.metadata().get("runt") or {}
                if runt.get("env_id"):
                    remember_approved(str(runt["env_id"]), req.tables)
        self.room.local_changed()
        running = self.room.kernel is not None and self.room.kernel.alive
        live = bool(running and add and not remove and was_trusted and self._can_extend())
        if live:
            self._live = asyncio.get_running_loop().create_task(self._extend(add), name=f"env-add-{self.room.key}")
        return {"missing": missing, "restart_needed": bool(running and (add or remove) and not live),
                "installing": live, "status": self.trust_status()}

    def _can_extend(self) -> bool:
        """Whether packages can go into the running kernel's environment: ours alone, uv-built."""
        info = self.info
        if info is None or info.kind == "conda" or self.status != "ready" or self._live is not None:
            return False
        return not any(
            other is not self and other.info is not None and other.info.path == info.path
            and other.room.kernel is not None and other.room.kernel.alive
            for other in list(self.manager.users)
        )

    async def _extend(self, added: list[str]) -> None:
        """Install the added packages into the running kernel's environment (no restart)."""
        assert self.info is not None

        def on_progress(p: Progress) -> None:
            self.progress = EnvProgress(p.step, p.package, p.total, p.done, p.lines[-5:])
            self.room.publish_runtime()

        self._set("installing", error=None)
        try:
            self.info = await self.manager.extend(self.info, self.request(), added, on_progress)
        except (BuildError, DepsError) as e:
            self._set("ready", error=f"installing {' '.join(added)} failed:\n{e}", progress=None)
            self.room.send_event(NoticeEvent("error", f"installing {' '.join(added)} failed; restart the kernel to rebuild"))
        else:
            self._set("ready", progress=None)
            self.room.send_event(NoticeEvent("info", f"installed {' '.join(added)} into the running kernel"))
        finally:
            self._live = None
