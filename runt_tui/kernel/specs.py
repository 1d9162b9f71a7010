"""The kernelspecs installed for this user (what a notebook can be switched to)."""

from __future__ import annotations

from jupyter_client.kernelspec import KernelSpecManager


def list_kernelspecs() -> dict[str, dict[str, str]]:
    """name -> {"display_name", "language"} of every kernelspec jupyter_client can find."""
    out: dict[str, dict[str, str]] = {}
    for name, entry in sorted(KernelSpecManager().get_all_specs().items()):
        spec = entry.get("spec") or {}
        out[name] = {
            "display_name": str(spec.get("display_name") or name),
            "language": str(spec.get("language") or ""),
        }
    return out
