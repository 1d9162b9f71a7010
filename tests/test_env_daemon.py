"""Notebook environments through the real daemon: the trust gate, builds every client sees.

Real uv (offline: tiny wheels built by the test, this installation's ipykernel as
wheels), a real in-process daemon on a temp RUNT_TUI_HOME, real kernels.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

import pytest
from conftest import until
from env_support import (
    HangingIndex,
    hanging_uv,
    make_wheel,
    offline_uv,
    seed_store,
    write_env_notebook,
)

from runt_tui.client import AsyncSession, DaemonError
from runt_tui.daemon.server import Daemon
from runt_tui.env import load_key, sign

__all__ = ["hanging_uv", "offline_uv"]

INLINE = {"runt": {"uv": {"dependencies": ["tinypkg"]}}}


async def _join(home: Path, path: Path, name: str = "t") -> AsyncSession:
    s = AsyncSession(path=path, name=name, home=home, autostart=False)
    await s.connect()
    return s


def _env(s: AsyncSession) -> dict[str, Any]:
    return dict(s.runtime.get("env") or {})


@pytest.fixture
def store(home: Path, offline_uv: Path) -> Path:
    """The daemon's env store, given the wheelhouse; tinypkg is in the find-links dir."""
    make_wheel(offline_uv, "tinypkg", body="VALUE = 42\n")
    seed_store(home / "envs")
    return home / "envs"


async def test_unsigned_is_refused_then_approval_builds_and_runs(daemon: Daemon, home: Path, store: Path, tmp_path: Path) -> None:
    nb = tmp_path / "a.ipynb"
    (cid,) = write_env_notebook(nb, ["import tinypkg, sys; print(tinypkg.VALUE, sys.prefix)"], INLINE)
    alice, bob = await _join(home, nb, "alice"), await _join(home, nb, "bob")
    try:
        status = await alice.trust_status()
        assert status["trusted"] is False and status["dependencies"] == ["tinypkg"] and status["kind"] == "inline"
        assert status["adds_ipykernel"] is True
        run = asyncio.ensure_future(alice.execute_cell(cid))
        # every client sees the wait; nothing is installed meanwhile
        await until(lambda: _env(bob).get("status") == "awaiting_approval", "bob to see the wait for approval")
        assert [p.name for p in store.iterdir() if not p.name.startswith(".")] == []
        assert not run.done()
        await bob.trust_status()
        await bob.approve_trust()
        result = await asyncio.wait_for(run, 120)
        assert result.success, result.error
        value, prefix = result.stdout.split()
        assert value == "42" and Path(prefix).parent == store
        await until(lambda: _env(alice).get("approved_by") == "bob", "alice to see who approved")
        env = _env(alice)["env"]
        assert env["kind"] == "inline" and env["path"] == prefix and env["python_version"].count(".") == 2
        # the signature is in the notebook: trusted now, for everyone on this machine
        assert (await alice.trust_status())["trusted"] is True
        sig = alice.doc.metadata()["runt"]["trust_signature"]
        assert sig == sign({"uv": {"dependencies": ["tinypkg"]}}, load_key())
    finally:
        await alice.close()
        await bob.close()


async def test_dependency_change_between_show_and_approve_is_refused(daemon: Daemon, home: Path, store: Path, tmp_path: Path) -> None:
    nb = tmp_path / "b.ipynb"
    write_env_notebook(nb, ["1+1"], INLINE)
    alice, mallory = await _join(home, nb, "alice"), await _join(home, nb, "mallory")
    try:
        shown = await alice.trust_status()
        await mallory.add_dependencies(["reqeusts"])
        with pytest.raises(DaemonError) as err:
            await alice.approve_trust()
        assert err.value.code == "CONFLICT" and "changed" in err.value.message
        assert (await alice.trust_status())["trusted"] is False
        again = await alice.trust_status()
        assert again["digest"] != shown["digest"] and again["dependencies"] == ["tinypkg", "reqeusts"]
        assert again["typosquats"] == {"reqeusts": "requests"}
        assert (await alice.approve_trust())["trusted"] is True
    finally:
        await alice.close()
        await mallory.close()


async def test_signature_from_another_key_is_untrusted(daemon: Daemon, home: Path, store: Path, tmp_path: Path) -> None:
    tables = {"uv": {"dependencies": ["tinypkg"]}}
    theirs = tmp_path / "theirs.ipynb"
    write_env_notebook(theirs, ["1+1"], {"runt": {**tables, "trust_signature": sign(tables, secrets.token_bytes(32))}})
    ours = tmp_path / "ours.ipynb"
    write_env_notebook(ours, ["1+1"], {"runt": {**tables, "trust_signature": sign(tables, load_key())}})
    a, b = await _join(home, theirs), await _join(home, ours)
    try:
        assert (await a.trust_status())["trusted"] is False
        assert (await b.trust_status())["trusted"] is True
        # a code edit keeps it trusted; only the dependency tables are signed
        await b.set_source("c0", "2+2")
        assert (await b.trust_status())["trusted"] is True
    finally:
        await a.close()
        await b.close()


async def test_pep723_and_pyproject_environments(daemon: Daemon, home: Path, store: Path, tmp_path: Path, offline_uv: Path) -> None:
    make_wheel(offline_uv, "projpkg", body="NAME = 'proj'\n")
    pep = tmp_path / "pep.ipynb"
    (c0, c1) = write_env_notebook(pep, ['# /// script\n# dependencies = ["tinypkg"]\n# ///\n', "import tinypkg; print(tinypkg.VALUE)"])
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / ".git").mkdir()
    (proj / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\ndependencies = ["projpkg"]\n')
    pyp = proj / "p.ipynb"
    (d0,) = write_env_notebook(pyp, ["import projpkg; print(projpkg.NAME)"])
    a, b = await _join(home, pep), await _join(home, pyp)
    try:
        sa = await a.trust_status()
        assert (sa["kind"], sa["dependencies"]) == ("pep723", ["tinypkg"])
        await a.approve_trust()
        assert (await a.execute_cell(c0)).success
        assert (await a.execute_cell(c1)).stdout.strip() == "42"
        sb = await b.trust_status()
        assert (sb["kind"], sb["dependencies"], sb["source"]) == ("pyproject", ["projpkg"], str(proj / "pyproject.toml"))
        await b.approve_trust()
        rb = await b.execute_cell(d0)
        assert rb.stdout.strip() == "proj", rb.error
        assert _env(b)["env"]["kind"] == "pyproject"
    finally:
        await a.close()
        await b.close()


async def test_two_notebooks_share_one_cached_env(daemon: Daemon, home: Path, store: Path, tmp_path: Path) -> None:
    paths = [tmp_path / "one.ipynb", tmp_path / "two.ipynb"]
    for p in paths:
        write_env_notebook(p, ["import sys; print(sys.prefix)"], INLINE)
    s1, s2 = await _join(home, paths[0]), await _join(home, paths[1])
    try:
        await s1.approve_trust()
        await s2.approve_trust()
        r1, r2 = await asyncio.gather(s1.execute_cell("c0"), s2.execute_cell("c0"))
        assert r1.stdout == r2.stdout and r1.success
        assert len([p for p in store.iterdir() if not p.name.startswith(".")]) == 1
    finally:
        await s1.close()
        await s2.close()


async def test_failing_build_is_reported_and_nothing_else_breaks(daemon: Daemon, home: Path, store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    write_env_notebook(bad, ["1+1"], {"runt": {"uv": {"dependencies": ["no-such-pkg-xyz"]}}})
    plain = tmp_path / "plain.ipynb"
    write_env_notebook(plain, ["print(1+1)"])
    a, b = await _join(home, bad), await _join(home, plain)
    try:
        await a.approve_trust()
        result = await a.execute_cell("c0")
        assert not result.success and "no-such-pkg-xyz" in str(result.error)
        env = _env(a)
        assert env["status"] == "failed" and "no-such-pkg-xyz" in env["error"] and "error:" in env["error"]
        assert (await b.execute_cell("c0")).stdout.strip() == "2"
    finally:
        await a.close()
        await b.close()


async def test_cancel_mid_build_through_the_daemon(daemon: Daemon, home: Path, hanging_uv: HangingIndex, tmp_path: Path) -> None:
    seed_store(home / "envs")
    nb = tmp_path / "slow.ipynb"
    write_env_notebook(nb, ["1+1"], {"runt": {"uv": {"dependencies": ["slowpkg"]}}})
    a, b = await _join(home, nb, "a"), await _join(home, nb, "b")
    try:
        await a.approve_trust()
        run = asyncio.ensure_future(a.execute_cell("c0"))
        await until(lambda: _env(b).get("status") == "building" and (_env(b).get("progress") or {}).get("step") == "resolving",
                    "b to see the build's progress")
        assert await b.cancel_env_build() is True
        result = await asyncio.wait_for(run, 60)
        assert not result.success and "cancelled" in str(result.error)
        await until(lambda: _env(a).get("status") == "cancelled", "the cancel to be published")
        assert [p for p in (home / "envs").iterdir() if not p.name.startswith(".")] == []
    finally:
        await a.close()
        await b.close()


async def test_legacy_tables_are_read_and_written_back_under_runt(daemon: Daemon, home: Path, store: Path, tmp_path: Path) -> None:
    nb = tmp_path / "legacy.ipynb"
    write_env_notebook(nb, ["import tinypkg; print(tinypkg.VALUE)"], {"uv": {"dependencies": ["tinypkg"]}, "other": {"kept": 1}})
    s = await _join(home, nb)
    try:
        status = await s.trust_status()
        assert (status["kind"], status["dependencies"], status["added"]) == ("inline", ["tinypkg"], None)
        await s.approve_trust()
        md = s.doc.metadata()
        assert "uv" not in md and md["runt"]["uv"] == {"dependencies": ["tinypkg"]} and md["other"] == {"kept": 1}
        assert md["runt"]["env_id"]
        assert (await s.execute_cell("c0")).stdout.strip() == "42"
        # a collaborator's change shows as what changed since this machine's approval
        await s.set_source("c0", "1")
        md = s.doc.metadata()
        md["runt"]["uv"]["dependencies"] = ["tinypkg", "extra"]
        s.edit(lambda doc: doc.set_metadata(md))
        await s.sync_now()
        changed = await s.trust_status()
        assert changed["trusted"] is False and changed["added"] == ["extra"] and changed["removed"] == []
    finally:
        await s.close()


async def test_conda_without_a_conda_tool_says_what_to_install_and_falls_back_only_when_asked(
    daemon: Daemon, home: Path, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    assert not any(shutil.which(t) for t in ("conda", "mamba", "micromamba")), "this test needs no conda on PATH"
    nb = tmp_path / "conda.ipynb"
    write_env_notebook(nb, ["print(1+1)"], {"runt": {"conda": {"dependencies": ["numpy"], "channels": ["conda-forge"]}}})
    s = await _join(home, nb)
    try:
        assert (await s.trust_status())["kind"] == "conda"
        await s.approve_trust()
        failed = await s.execute_cell("c0")
        assert not failed.success and "install micromamba" in str(failed.error)
        assert _env(s)["status"] == "failed"
        await s.use_default_kernel()
        ok = await s.execute_cell("c0")
        assert ok.stdout.strip() == "2" and _env(s)["status"] == "kernelspec"
    finally:
        await s.close()


async def test_adding_to_a_running_env_installs_without_restart(daemon: Daemon, home: Path, store: Path, tmp_path: Path, offline_uv: Path) -> None:
    make_wheel(offline_uv, "extrapkg", body="X = 'extra'\n")
    nb = tmp_path / "grow.ipynb"
    write_env_notebook(nb, ["import tinypkg; print(tinypkg.VALUE)", "import extrapkg; print(extrapkg.X)"], INLINE)
    s = await _join(home, nb)
    try:
        await s.approve_trust()
        assert (await s.execute_cell("c0")).success
        pid, path = s.runtime["kernel"]["pid"], _env(s)["env"]["path"]
        reply = await s.add_dependencies(["extrapkg"])
        assert reply["installing"] is True and reply["restart_needed"] is False
        await until(lambda: _env(s).get("status") == "ready" and "extrapkg" in (_env(s).get("env") or {}).get("dependencies", []),
                    "the live install to finish")
        result = await s.execute_cell("c1")
        assert result.stdout.strip() == "extra" and s.runtime["kernel"]["pid"] == pid
        assert (await s.trust_status())["trusted"] is True  # re-signed: this user changed it
        # the extended env now serves the new list; the old list gets a fresh one
        other = tmp_path / "same.ipynb"
        write_env_notebook(other, ["import sys; print(sys.prefix)"], {"runt": {"uv": {"dependencies": ["tinypkg", "extrapkg"]}}})
        old = tmp_path / "old.ipynb"
        write_env_notebook(old, ["import sys; print(sys.prefix)"], INLINE)
        o, p = await _join(home, other), await _join(home, old)
        try:
            await o.approve_trust()
            await p.approve_trust()
            assert (await o.execute_cell("c0")).stdout.strip() == path
            assert (await p.execute_cell("c0")).stdout.strip() not in ("", path)
        finally:
            await o.close()
            await p.close()
    finally:
        await s.close()
