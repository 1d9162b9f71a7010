"""Matplotlib figures inline by default (kernel/plotting.py): the kernel's environment and flags.

The end-to-end test runs a real ipykernel under a daemon whose environment says
`MPLBACKEND=Agg` and whose IPython profile asks for retina figures, as a user's
shell and config may: the figure still arrives inline, as a plain PNG.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from kernel_support import Env, kernel_env, run

from runt_tui.kernel.plotting import INLINE_BACKEND, inline_plots_argv, inline_plots_env


@pytest.mark.parametrize(("given", "expected"), [
    (None, INLINE_BACKEND),
    ("Agg", INLINE_BACKEND),
    ("TkAgg", INLINE_BACKEND),
    ("module://matplotlib-backend-kitty", "module://matplotlib-backend-kitty"),
])
def test_kernel_env_gets_the_inline_backend(given: str | None, expected: str) -> None:
    env = {"PATH": "/bin"} | ({"MPLBACKEND": given} if given else {})
    out = inline_plots_env(env)
    assert out["MPLBACKEND"] == expected and out["PATH"] == "/bin"
    assert env.get("MPLBACKEND") == given  # the caller's mapping is not changed


def test_ipykernel_argv_asks_for_plain_png() -> None:
    argv = ["python", "-m", "runt_tui.kernel.ipykernel_launcher", "-f", "{connection_file}"]
    assert inline_plots_argv(argv) == [*argv, "--InlineBackend.figure_formats=png"]
    plain = ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert inline_plots_argv(plain)[-1] == "--InlineBackend.figure_formats=png"


def test_other_kernels_and_explicit_formats_are_left_alone() -> None:
    julia = ["julia", "-i", "kernel.jl", "{connection_file}"]
    assert inline_plots_argv(julia) == julia
    chosen = ["python", "-m", "ipykernel_launcher", "--InlineBackend.figure_formats=svg", "-f", "x"]
    assert inline_plots_argv(chosen) == chosen


HAVE_MPL = importlib.util.find_spec("matplotlib") is not None


@pytest_asyncio.fixture
async def plotting_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Env]:
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text("c.InlineBackend.figure_formats = {'retina'}\n")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    async with kernel_env() as e:
        yield e


@pytest.mark.skipif(not HAVE_MPL, reason="matplotlib is not installed")
async def test_matplotlib_figure_is_inline_plain_png(plotting_env: Env) -> None:
    peer = await plotting_env.join("plots", "alice")
    await peer.s.start_kernel()
    result = await run(peer, "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()")
    assert result.success, result
    images = [o for o in result.outputs if "image/png" in (o.get("data") or {})]
    assert len(images) == 1, json.dumps(result.outputs)[:500]
    # A retina figure carries width/height hints at half its pixel size; a plain one none.
    assert "width" not in (images[0].get("metadata") or {}).get("image/png", {})
