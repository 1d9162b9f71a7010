"""nbterm, the peer the terminal benchmark compares against, in the bench's own venv.

The venv lives in ~/.cache/runt-tui-bench/nbterm-venv and is created on first use
(`python -m venv` + pip: nbterm and ipykernel, whose `python3` kernelspec nbterm starts
in the background on open, as runt-tui starts the notebook's kernel). nbterm draws the
notebook before its kernel is up, so "visible" never waits for the kernel in either
program. Its status line ends with "- N/TOTAL", the selected cell's number: the
benchmark reads the selection from there (runt-tui marks it with a gutter bar).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CACHE = Path.home() / ".cache" / "runt-tui-bench"
VENV = CACHE / "nbterm-venv"
PACKAGES = ["nbterm", "ipykernel"]
QUIT = ["C-q"]


def ensure() -> Path:
    """The nbterm executable, installing it into the bench venv when missing."""
    exe = VENV / "bin" / "nbterm"
    if exe.exists():
        return exe
    print(f"installing {', '.join(PACKAGES)} into {VENV} ...", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    return exe


def version() -> str:
    out = subprocess.run([str(VENV / "bin" / "python"), "-c", "import nbterm; print(nbterm.__version__)"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


def argv(exe: Path, path: Path) -> list[str]:
    return [str(exe), path.name]  # run in the file's directory: nbterm shows the path relative to it


def selected(screen: str, index: int, total: int) -> bool:
    """Whether nbterm's status line says cell `index` (0-based) of `total` is selected."""
    lines = [line for line in screen.splitlines() if line.strip()]
    return bool(lines) and lines[-1].rstrip().endswith(f" - {index + 1}/{total}")
