"""The environment half of the Session API: trust status and approval, dependencies, build cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from runt_tui.client.replica import Replica


class _Host(Protocol):
    """What the mixin needs from AsyncSession."""

    runtime: dict[str, Any]
    _trust_seen: str | None

    async def request(
        self, rtype: str, payload: bytes = b"", timeout: float | None = 60.0, **fields: Any
    ) -> tuple[dict[str, Any], bytes]: ...

    def _replica(self) -> Replica: ...

    async def _wait_for_heads(self, heads: list[bytes], timeout: float = 10.0) -> None: ...


class EnvAPI:
    """Environment calls, mixed into AsyncSession."""

    _trust_seen: str | None = None

    async def trust_status(self: _Host) -> dict[str, Any]:
        """Whether this machine trusts the notebook's dependencies, and what an approver must see.

        Keys: trusted, kind (inline / pep723 / pyproject / conda / kernelspec), dependencies,
        added / removed since the last approval here (None when unknown), typosquats
        (name -> the well-known package it resembles), adds_ipykernel, digest.
        """
        header, _ = await self.request("env_trust")
        status: dict[str, Any] = header["trust"]
        self._trust_seen = status.get("digest")
        return status

    async def approve_trust(self: _Host, digest: str | None = None) -> dict[str, Any]:
        """Approve (sign) the dependencies shown by the last `trust_status()` (or `digest`).

        Refused (DaemonError CONFLICT) when they changed since they were shown.
        """
        if digest is None:
            digest = self._trust_seen
        if digest is None:
            header, _ = await self.request("env_trust")
            digest = header["trust"].get("digest")
        if digest is None:
            return {"trusted": True, "kind": "kernelspec"}
        header, _ = await self.request("env_approve", digest=digest)
        await self._wait_for_heads([bytes.fromhex(x) for x in header.get("heads") or []])
        status: dict[str, Any] = header["trust"]
        return status

    async def add_dependencies(self: _Host, specs: list[str]) -> dict[str, Any]:
        """Add PEP 508 dependencies to the notebook (`runt.uv`); re-signed when it was trusted."""
        return await EnvAPI._deps(self, add=list(specs))

    async def remove_dependencies(self: _Host, names: list[str]) -> dict[str, Any]:
        """Remove dependencies by name; the reply's `missing` lists names that were not there."""
        return await EnvAPI._deps(self, remove=list(names))

    async def _deps(self: _Host, add: list[str] | None = None, remove: list[str] | None = None) -> dict[str, Any]:
        self._replica().flush()
        header, _ = await self.request("env_deps", add=add or [], remove=remove or [])
        await self._wait_for_heads([bytes.fromhex(x) for x in header.get("heads") or []])
        return header

    async def cancel_env_build(self: _Host) -> bool:
        """Cancel the environment build (or the wait for approval) of the notebook's kernel."""
        header, _ = await self.request("env_cancel")
        return bool(header.get("cancelled"))

    async def use_default_kernel(self: _Host) -> None:
        """Run the notebook on its kernelspec when its conda environment cannot be built here."""
        await self.request("env_fallback")

    def env_state(self: _Host) -> dict[str, Any]:
        """The runtime `env` state: status, env (kind, path, python_version), progress, error."""
        return dict(self.runtime.get("env") or {})

