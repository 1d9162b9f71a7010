"""Time to the first `1+1` of a notebook with inline dependencies: cold (the environment is
built) and warm (the cached environment), against a plain notebook's kernel start, same run.

    python bench/bench_env.py [--runs 5] [--cold 2]

Each run opens a new notebook (a new room, so a new kernel) through a spawned daemon
and times `execute_cell("1+1")` from the request to the result: kernel start included.
`plain` has no dependencies (the python3 kernelspec); `warm` lists a dependency whose
environment is cached (trust was approved before timing: that is the user's step);
`cold` lists a new dependency each run, so the environment is built (uv offline, from a
local wheel and this installation's ipykernel; uv's cache is warm after the first).
Target: warm median <= plain median + 0.2 s. Prints figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path


def make_wheel(out_dir: Path, name: str) -> None:
    """A pure-Python wheel holding module `name`."""
    dist = f"{name}-1.0.dist-info"
    files = {f"{name}/__init__.py": "VALUE = 1\n", f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    rows = []
    with zipfile.ZipFile(out_dir / f"{name}-1.0-py3-none-any.whl", "w") as zf:
        for arc, text in files.items():
            zf.writestr(arc, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            rows.append(f"{arc},sha256={digest},{len(text)}")
        zf.writestr(f"{dist}/RECORD", "\n".join([*rows, f"{dist}/RECORD,,"]) + "\n")


def write_nb(path: Path, deps: list[str] | None) -> None:
    md: dict[str, object] = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    if deps:
        md["runt"] = {"uv": {"dependencies": deps}}
    cell = {"cell_type": "code", "id": "c0", "metadata": {}, "source": "1+1", "outputs": [], "execution_count": None}
    path.write_text(json.dumps({"cells": [cell], "metadata": md, "nbformat": 4, "nbformat_minor": 5}))


def first_result(path: Path, approve: bool) -> float:
    """Seconds from the execute request to the result of `1+1` (kernel start included)."""
    from runt_tui import Session

    with Session(path=path, name="bench") as s:
        if approve:
            s.trust_status()
            s.approve_trust()
        t0 = time.perf_counter()
        r = s.execute_cell("c0")
        elapsed = time.perf_counter() - t0
        if not r.success:
            raise SystemExit(f"{path.name}: {r.error}")
        s.shutdown_kernel()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cold", type=int, default=2)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="rtbe-", dir="/tmp"))
    links = root / "links"
    links.mkdir()
    os.environ.update({
        "RUNT_TUI_HOME": str(root / "home"), "XDG_CONFIG_HOME": str(root / "config"),
        "UV_OFFLINE": "1", "UV_FIND_LINKS": str(links), "UV_CACHE_DIR": str(root / "uv-cache"),
        "UV_NO_CONFIG": "1", "UV_PYTHON_DOWNLOADS": "never", "RUNT_TUI_KERNEL_KEEPALIVE": "1",
    })
    for name in ["benchpkg", *[f"coldpkg{i}" for i in range(args.cold + 1)]]:
        make_wheel(links, name)
    nbs = root / "nbs"
    nbs.mkdir()
    try:
        # Prime: the daemon, the wheelhouse of ipykernel, uv's cache, the warm env.
        write_nb(nbs / "prime.ipynb", ["coldpkg0"])
        prime = first_result(nbs / "prime.ipynb", approve=True)
        write_nb(nbs / "warm-prime.ipynb", ["benchpkg"])
        first_result(nbs / "warm-prime.ipynb", approve=True)
        cold = []
        for i in range(1, args.cold + 1):
            write_nb(nbs / f"cold{i}.ipynb", [f"coldpkg{i}"])
            cold.append(first_result(nbs / f"cold{i}.ipynb", approve=True))
        plain, warm = [], []
        for i in range(args.runs):  # alternated, so a busy machine's drift hits both alike
            write_nb(nbs / f"plain{i}.ipynb", None)
            write_nb(nbs / f"warm{i}.ipynb", ["benchpkg"])
            order = [("plain", plain), ("warm", warm)] if i % 2 == 0 else [("warm", warm), ("plain", plain)]
            for kind, out in order:
                out.append(first_result(nbs / f"{kind}{i}.ipynb", approve=kind == "warm"))
        p, w = statistics.median(plain), statistics.median(warm)
        print(f"first build ever (wheelhouse + uv cache cold): {prime:6.2f} s")
        print(f"cold (env built, uv cache warm), median of {len(cold)}: {statistics.median(cold):6.2f} s  {[round(x, 2) for x in cold]}")
        print(f"plain kernel start, median of {len(plain)}:        {p:6.2f} s  {[round(x, 2) for x in plain]}")
        print(f"warm (cached env), median of {len(warm)}:           {w:6.2f} s  {[round(x, 2) for x in warm]}")
        print(f"warm - plain: {w - p:+.3f} s (target <= +0.200 s)   warm / plain: {w / p:.2f}x")
    finally:
        import subprocess

        from runt_tui import Session  # noqa: F401  (the daemon stops itself when idle; stop it now)

        subprocess.run([sys.executable, "-c", "from runt_tui.cli import main; main()", "daemon", "stop"],
                       capture_output=True, timeout=60, check=False)
        import shutil

        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
