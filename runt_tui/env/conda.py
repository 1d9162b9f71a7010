"""Conda environments: which tool is on PATH and the command that builds a prefix with it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runt_tui.env.resolve import EnvRequest

# In order of preference; all three take `create -y -p PREFIX -c CHANNEL SPEC...`.
TOOLS = ("micromamba", "mamba", "conda")


class CondaMissing(RuntimeError):
    """No conda-compatible tool is installed; the message names what to install."""


def find_conda() -> str | None:
    """The first conda-compatible executable on PATH."""
    for name in TOOLS:
        found = shutil.which(name)
        if found:
            return found
    return None


def conda_command(request: EnvRequest, prefix: Path) -> list[str]:
    """The command that creates `request`'s conda environment at `prefix`."""
    exe = find_conda()
    if exe is None:
        hint = " (pixi is on PATH, but it builds project environments, not prefixes)" if shutil.which("pixi") else ""
        raise CondaMissing(
            "this notebook lists conda dependencies, and no conda, mamba or micromamba is on PATH: "
            f"install micromamba (or conda), or run it on the default kernel{hint}"
        )
    py = request.requires_python or f"{sys.version_info[0]}.{sys.version_info[1]}"
    argv = [exe, "create", "-y", "-p", str(prefix)]
    for channel in request.channels or ("conda-forge",):
        argv += ["-c", channel]
    return [*argv, f"python={py}", *request.dependencies, "ipykernel"]
