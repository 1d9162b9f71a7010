"""Words for an environment: what an approver is shown, what the status bar says (pure)."""

from __future__ import annotations

from typing import Any


def describe_trust(status: dict[str, Any]) -> str:
    """What an approver is shown: the exact list, what changed, lookalike names (pure)."""
    if status.get("kind") == "kernelspec":
        return "This notebook has no dependencies: it runs on its kernelspec."
    if status.get("kind") == "invalid":
        return f"The notebook's dependencies cannot be read: {status.get('error')}"
    where = {"inline": "the notebook's metadata (runt.uv)", "pep723": "the first cell's `# /// script` block",
             "pyproject": str(status.get("source")), "conda": "the notebook's metadata (runt.conda)"}
    lines = [f"Dependencies from {where.get(str(status.get('kind')), status.get('kind'))}:"]
    squats = status.get("typosquats") or {}
    added = set(status.get("added") or [])
    for dep in status.get("dependencies") or []:
        mark = "  (new since your last approval)" if dep in added else ""
        warn = f"  ⚠ looks like {squats[dep]!r}: a typosquat?" if dep in squats else ""
        lines.append(f"  {dep}{mark}{warn}")
    for dep in status.get("removed") or []:
        lines.append(f"  - {dep}  (removed since your last approval)")
    if status.get("requires_python"):
        lines.append(f"Python: {status['requires_python']}")
    if status.get("adds_ipykernel"):
        lines.append("ipykernel is added (the kernel needs it).")
    return "\n".join(lines)


def env_label(state: dict[str, Any]) -> str:
    """The status bar's few words on the kernel's environment ('' when it runs on its kernelspec)."""
    status = str(state.get("status") or "")
    if status == "awaiting_approval":
        return "env: waiting for approval"
    if status in ("building", "installing"):
        p = state.get("progress") or {}
        step = str(p.get("step") or "building")
        pkg = f" {p['package']}" if p.get("package") else ""
        count = f" ({p.get('done')}/{p['total']})" if p.get("total") and step == "downloading" else ""
        return f"env: {step}{pkg}{count}"
    if status == "failed":
        return "env: build failed"
    if status in ("cancelled", "untrusted"):
        return f"env: {status}"
    env = state.get("env")
    if status == "ready" and isinstance(env, dict):
        return f"env {env.get('kind')} · py{env.get('python_version')}"
    return ""
