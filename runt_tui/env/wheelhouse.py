"""Wheels of the daemon's own ipykernel, repacked from its installed distributions.

An environment needs ipykernel; with no package index (offline, air-gapped, the test
suite) uv can still install it from these wheels, handed to it with `--find-links`.
Repacking copies the files each distribution's RECORD lists into a wheel of the same
name and tags, so uv sees the very versions this installation runs.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

SEED = "ipykernel"


def dependency_closure(root: str) -> list[metadata.Distribution]:
    """The installed distributions `root` needs on this interpreter (itself included)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        for spec in dist.requires or []:
            try:
                req = Requirement(spec)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return sorted(seen.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def wheel_name(dist: metadata.Distribution) -> str:
    """The wheel file name of an installed distribution, from its WHEEL tags."""
    name = re.sub(r"[^\w\d.]+", "_", dist.metadata["Name"], flags=re.UNICODE)
    version = dist.version.replace("-", "_")
    tags = [t.split(":", 1)[1].strip() for t in (dist.read_text("WHEEL") or "").splitlines()
            if t.startswith("Tag:")]
    if not tags:
        tags = ["py3-none-any"]
    interp = ".".join(sorted({t.split("-")[0] for t in tags}))
    abi = ".".join(sorted({t.split("-")[1] for t in tags}))
    plat = ".".join(sorted({t.split("-")[2] for t in tags}))
    return f"{name}-{version}-{interp}-{abi}-{plat}.whl"


def repack(dist: metadata.Distribution, out_dir: Path) -> Path | None:
    """Write `dist` as a wheel into `out_dir`; None when its files cannot all be read."""
    target = out_dir / wheel_name(dist)
    if target.exists():
        return target
    files = [f for f in dist.files or [] if not str(f).startswith("..") and "__pycache__" not in str(f)]
    record_name = next((str(f) for f in files if str(f).endswith(".dist-info/RECORD")), None)
    if record_name is None:
        return None
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    rows: list[str] = []
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                arc = str(f)
                if arc == record_name or arc.endswith((".dist-info/INSTALLER", ".dist-info/direct_url.json")):
                    continue
                data = Path(str(f.locate())).read_bytes()
                zf.writestr(arc, data)
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                rows.append(f"{arc},sha256={digest},{len(data)}")
            rows.append(f"{record_name},,")
            zf.writestr(record_name, "\n".join(rows) + "\n")
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
        return None
    return target


def build_wheelhouse(out_dir: Path, root: str = SEED) -> list[Path]:
    """Repack `root` and what it needs into `out_dir` (kept between calls); the wheels written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wheels = [repack(d, out_dir) for d in dependency_closure(root)]
    return [w for w in wheels if w is not None]
