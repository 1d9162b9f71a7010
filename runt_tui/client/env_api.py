"""The environment half of the Session API: trust status and approval, dependencies, build cancel."""

from __future__ import annotations

from typing import Any, Protocol

from runt_tui.client.host import SessionHost
from runt_tui.protocol.requests import EnvApprove, EnvCancel, EnvDeps, EnvFallback, EnvTrust


class _Host(SessionHost, Protocol):
    """AsyncSession as this mixin sees it: with the digest of the last trust status it got."""

    _trust_seen: str | None


def _heads(header: dict[str, Any]) -> list[bytes]:
    raw = header.get("heads")
    return [bytes.fromhex(x) for x in raw if isinstance(x, str)] if isinstance(raw, list) else []


class EnvAPI:
    """Environment calls, mixed into AsyncSession."""

    _trust_seen: str | None = None

    async def trust_status(self: _Host) -> dict[str, Any]:
        """Whether this machine trusts the notebook's dependencies, and what an approver must see.

        Keys: trusted, kind (inline / pep723 / pyproject / conda / kernelspec), dependencies,
        added / removed since the last approval here (None when unknown), typosquats
        (dependency -> the well-known package it resembles), adds_ipykernel, digest.
        """
        header, _ = await self.ask(EnvTrust())
        status = header.get("trust")
        result: dict[str, Any] = dict(status) if isinstance(status, dict) else {}
        digest = result.get("digest")
        self._trust_seen = digest if isinstance(digest, str) else None
        return result

    async def approve_trust(self: _Host, digest: str | None = None) -> dict[str, Any]:
        """Approve (sign) the dependencies shown by the last `trust_status()` (or `digest`).

        Refused (DaemonError CONFLICT) when they changed since they were shown.
        """
        if digest is None:
            digest = self._trust_seen
        if digest is None:
            digest = (await EnvAPI.trust_status(self)).get("digest")
        if not isinstance(digest, str):
            return {"trusted": True, "kind": "kernelspec"}
        header, _ = await self.ask(EnvApprove(digest))
        await self._wait_for_heads(_heads(header))
        status = header.get("trust")
        return dict(status) if isinstance(status, dict) else {}

    async def add_dependencies(self: _Host, specs: list[str]) -> dict[str, Any]:
        """Add PEP 508 dependencies to the notebook (`runt.uv`); re-signed when it was trusted.

        While the kernel runs in an environment of this notebook's own they are installed
        into it at once (`installing` in the reply); else `restart_needed` says so.
        """
        return await EnvAPI._deps(self, add=list(specs))

    async def remove_dependencies(self: _Host, names: list[str]) -> dict[str, Any]:
        """Remove dependencies by name; the reply's `missing` lists names that were not there."""
        return await EnvAPI._deps(self, remove=list(names))

    async def _deps(self: _Host, add: list[str] | None = None, remove: list[str] | None = None) -> dict[str, Any]:
        self._replica().flush()
        header, _ = await self.ask(EnvDeps(add=add or [], remove=remove or []))
        await self._wait_for_heads(_heads(header))
        return dict(header)

    async def cancel_env_build(self: _Host) -> bool:
        """Cancel the environment build (or the wait for approval) of the notebook's kernel."""
        header, _ = await self.ask(EnvCancel())
        return header.get("cancelled") is True

    async def use_default_kernel(self: _Host) -> None:
        """Run the notebook on its kernelspec when its conda environment cannot be built here."""
        await self.ask(EnvFallback())
