"""`runt-tui trust`, `runt-tui deps`, `runt-tui run` on an untrusted notebook, `runt-tui ps` with an env."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from env_support import make_wheel, offline_uv, seed_store, write_env_notebook

from runt_tui.daemon.server import Daemon
from runt_tui.env.describe import describe_trust

__all__ = ["offline_uv"]

CLI = [sys.executable, "-c", "from runt_tui.cli import main; main()"]
INLINE = {"runt": {"uv": {"dependencies": ["tinypkg"]}}}


async def cli(*args: str) -> tuple[int, str, str]:
    """Run the command line without blocking the loop (the in-process daemon serves it)."""
    proc = await asyncio.create_subprocess_exec(
        *CLI, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
def nb(home: Path, offline_uv: Path, tmp_path: Path) -> Path:
    make_wheel(offline_uv, "tinypkg", body="VALUE = 42\n")
    seed_store(home / "envs")
    path = tmp_path / "deps.ipynb"
    write_env_notebook(path, ["import tinypkg; print(tinypkg.VALUE)"], INLINE)
    return path


async def test_run_refuses_untrusted_then_trust_yes_then_run(daemon: Daemon, nb: Path) -> None:
    code, _, err = await cli("run", str(nb))
    assert code == 3 and "runt-tui trust" in err and "tinypkg" in err
    code, out, err = await cli("trust", str(nb))  # no terminal to ask, no --yes
    assert code == 1 and "--yes" in err and "tinypkg" in out
    code, out, _ = await cli("trust", str(nb), "--yes")
    assert code == 0 and "Approved" in out and "ipykernel is added" in out
    code, out, err = await cli("run", str(nb))
    assert code == 0, err
    saved = json.loads(nb.read_text())
    assert saved["cells"][0]["outputs"][0]["text"] == ["42\n"]
    assert saved["metadata"]["runt"]["trust_signature"].startswith("hmac-sha256:")


async def test_ps_shows_the_kernels_environment(daemon: Daemon, home: Path, nb: Path) -> None:
    from runt_tui.client import AsyncSession

    s = AsyncSession(path=nb, name="t", home=home, autostart=False)
    await s.connect()
    try:
        await s.approve_trust()
        assert (await s.execute_cell("c0")).success
        code, out, _ = await cli("ps")
        env = s.runtime["env"]["env"]
        assert code == 0 and f"env inline  python {env['python_version']}  {env['path']}" in out
    finally:
        await s.close()


async def test_deps_list_add_remove(daemon: Daemon, nb: Path) -> None:
    code, out, err = await cli("deps", str(nb), "list")
    assert code == 0 and out.split() == ["tinypkg"] and "not trusted" in err
    assert (await cli("trust", str(nb), "--yes"))[0] == 0
    code, _, err = await cli("deps", str(nb), "add", "six>=1.16", "attrs")
    assert code == 0, err
    code, out, err = await cli("deps", str(nb), "list")
    assert out.split() == ["tinypkg", "six>=1.16", "attrs"] and "inline, trusted" in err  # re-signed
    code, _, err = await cli("deps", str(nb), "remove", "SIX", "nope")
    assert code == 1 and "nope: not a dependency" in err
    assert (await cli("deps", str(nb)))[1].split() == ["tinypkg", "attrs"]
    code, _, err = await cli("deps", str(nb), "add", "bad name!!")
    assert code == 2 and "not a valid dependency" in err
    code, _, err = await cli("deps", str(nb), "frobnicate", "x")
    assert code == 2 and "list, add or remove" in err


def test_describe_trust_shows_changes_and_typosquats() -> None:
    text = describe_trust({"kind": "inline", "dependencies": ["numpy", "reqeusts"], "added": ["reqeusts"],
                           "removed": ["pandas"], "typosquats": {"reqeusts": "requests"}, "adds_ipykernel": True})
    assert "reqeusts  (new since your last approval)  ⚠ looks like 'requests'" in text
    assert "- pandas  (removed since your last approval)" in text
