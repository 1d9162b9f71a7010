"""Pure parts of per-notebook environments: tables, PEP 723, which env, trust, typosquats, progress."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from runt_tui.env import deps as D
from runt_tui.env import trust
from runt_tui.env.build_progress import Progress, error_text, feed
from runt_tui.env.resolve import find_pyproject, resolve_request
from runt_tui.env.store import EnvInfo, EnvStore
from runt_tui.env.typosquat import distance, flag_typosquats


def test_tables_read_runt_first_then_legacy_and_write_back_under_runt() -> None:
    md = {"uv": {"dependencies": ["six"]}, "kernelspec": {"name": "python3"}, "runt": {"x": 1}}
    assert D.dep_tables(md) == {"uv": {"dependencies": ["six"]}}
    new = D.add_deps(md, ["attrs>=22"])
    assert "uv" not in new and new["kernelspec"] == {"name": "python3"}
    assert new["runt"]["uv"]["dependencies"] == ["six", "attrs>=22"]
    assert new["runt"]["x"] == 1 and new["runt"]["env_id"]
    # runt wins over legacy
    assert D.dep_tables({"uv": {"dependencies": ["a"]}, "runt": {"uv": {"dependencies": ["b"]}}})["uv"] == {"dependencies": ["b"]}


def test_add_replaces_same_name_and_remove_reports_missing() -> None:
    md = {"runt": {"uv": {"dependencies": ["Six==1.0", "attrs"], "prerelease": True, "keep": 1}}}
    new = D.add_deps(md, ["six>=1.16"])
    assert new["runt"]["uv"] == {"dependencies": ["attrs", "six>=1.16"], "prerelease": True, "keep": 1}
    gone, missing = D.remove_deps(new, ["SIX", "nope"])
    assert gone["runt"]["uv"]["dependencies"] == ["attrs"] and missing == ["nope"]
    with pytest.raises(D.DepsError, match="not a valid dependency"):
        D.add_deps(md, ["bad name!!"])


def test_pep723_block() -> None:
    src = "# /// script\n# requires-python = \">=3.8\"\n# dependencies = [\n#   \"six\",\n# ]\n# ///\nimport six\n"
    assert D.pep723_block(src) == {"requires-python": ">=3.8", "dependencies": ["six"]}
    assert D.pep723_block("import os\n") is None
    with pytest.raises(D.DepsError):
        D.pep723_block("# /// script\n# dependencies = [\n# ///\n")


def test_resolve_order(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    (proj / "sub").mkdir(parents=True)
    (proj / ".git").mkdir()
    nb = proj / "sub" / "a.ipynb"
    pep = "# /// script\n# dependencies = [\"attrs\"]\n# ///\n"
    inline = {"runt": {"uv": {"dependencies": ["six"]}}}
    assert resolve_request(inline, pep, nb, tmp_path).kind == "inline"
    assert resolve_request({}, pep, nb, tmp_path).dependencies == ("attrs",)
    assert resolve_request({}, "x = 1", nb, tmp_path).kind == "kernelspec"
    (proj / "pyproject.toml").write_text('[project]\nname="p"\ndependencies=["idna"]\n')
    req = resolve_request({}, "", nb, tmp_path)
    assert (req.kind, req.dependencies, req.adds_kernel) == ("pyproject", ("idna",), True)
    # the walk stops at .git: a pyproject above the repository is not this notebook's
    (proj / "pyproject.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[project]\nname="q"\ndependencies=["x"]\n')
    assert find_pyproject(nb, Path("/")) is None
    (proj / "pyproject.toml").write_text('[tool.ruff]\nline-length = 100\n')
    assert resolve_request({}, "", nb, tmp_path).kind == "kernelspec"  # no [project] dependencies
    conda = {"runt": {"conda": {"dependencies": ["numpy"], "channels": ["conda-forge"]}}}
    assert resolve_request(conda, "", nb, tmp_path).kind == "conda"


def test_key_is_shared_by_equal_lists_and_differs_by_python() -> None:
    a = resolve_request({"runt": {"uv": {"dependencies": ["Six", "attrs"]}}}, None, None)
    b = resolve_request({"uv": {"dependencies": ["attrs", "six"]}}, None, None)
    c = resolve_request({"uv": {"dependencies": ["attrs", "six"], "requires-python": ">=99"}}, None, None)
    assert a.key() == b.key() != c.key()
    assert a.python() == sys.executable and c.python() == ">=99"


def test_trust_key_created_private_in_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("RUNT_TUI_HOME", str(tmp_path / "state"))
    key = trust.load_key()
    path = tmp_path / "cfg" / "runt-tui" / "trust.key"
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert trust.load_key() == key
    assert not (tmp_path / "state").exists()
    os.chmod(path, 0o644)
    with pytest.raises(trust.TrustError, match="0600"):
        trust.load_key()


def test_signature_covers_dependency_tables_only() -> None:
    key, other = b"k" * 32, b"o" * 32
    tables = {"uv": {"dependencies": ["six"]}}
    sig = trust.sign(tables, key)
    assert sig.startswith("hmac-sha256:") and trust.verify(tables, sig, key)
    assert trust.canonical({"uv": {"b": 1, "a": [1]}, "other": 1}) == b'{"uv":{"a":[1],"b":1}}'
    assert not trust.verify({"uv": {"dependencies": ["six", "evil"]}}, sig, key)
    assert not trust.verify(tables, sig, other)
    assert not trust.verify(tables, None, key)
    md = trust.signed_metadata({"runt": {"uv": tables["uv"]}, "kernelspec": {}}, tables, key)
    assert md["runt"]["trust_signature"] == sig and md["runt"]["trust_timestamp"]
    assert md["runt"]["uv"] == tables["uv"] and "kernelspec" in md


def test_typosquats() -> None:
    assert distance("reqeusts", "requests") == 1
    flags = flag_typosquats(["numpy", "nunpy", "reqeusts[socks]>=2; python_version>'3'", "mylocalthing",
                             "python_dateutil", "pandsa"])
    assert flags == {"nunpy": "numpy", "reqeusts[socks]>=2; python_version>'3'": "requests", "pandsa": "pandas"}


def test_progress_from_uv_output() -> None:
    p = Progress()
    lines = ["DEBUG Adding direct dependency: six*", "Resolved 3 packages in 10ms",
             "DEBUG Identified uncached distribution: six==1.17.0", "Prepared 1 package in 5ms",
             "Installed 3 packages in 2ms", " + six==1.17.0"]
    seen = []
    for line in lines:
        if feed(p, line):
            seen.append((p.step, p.package))
    assert seen[:3] == [("resolving", "six"), ("resolved", "six"), ("downloading", "six")]
    assert p.total == 3 and p.step == "installed"
    assert "DEBUG" not in error_text(p) and "Resolved 3 packages" in error_text(p)


def test_store_gc_keeps_recent_and_in_use(tmp_path: Path) -> None:
    store = EnvStore(tmp_path)
    for key in ("old", "new", "busy"):
        (tmp_path / key / "bin").mkdir(parents=True)
        (tmp_path / key / "bin" / "python").touch()
        store.finish(EnvInfo(key, "inline", str(tmp_path / key), str(tmp_path / key / "bin" / "python"), "3.11.0"))
    (tmp_path / "old" / "last-used").write_text("0\n")
    (tmp_path / "busy" / "last-used").write_text("0\n")
    assert store.gc(30, keep={"busy"}) == ["old"]
    assert store.ready("new") is not None and store.ready("old") is None and store.ready("busy") is not None
    assert store.gc(0, keep=set()) == []


@pytest.mark.parametrize("metadata", [
    {"runt": "x"}, {"runt": {"uv": []}}, {"runt": {"uv": {"dependencies": "six"}}},
    {"runt": {"uv": {"dependencies": [1, None, ""]}}}, {"uv": 3}, {"runt": {"conda": {"dependencies": {}}}},
    {"runt": {"uv": {"dependencies": ["six"], "requires-python": 5}}},
])
def test_odd_metadata_never_raises_anything_but_deps_error(metadata: dict[str, object]) -> None:
    try:
        req = resolve_request(metadata, None, None)
    except D.DepsError:
        return
    assert req.kind in ("inline", "kernelspec")
    req.key()
    assert not trust.verify(req.tables, {"not": "a string"}, b"k" * 32)


def test_bad_dependency_strings_and_blocks_are_deps_errors() -> None:
    with pytest.raises(D.DepsError, match="not a valid dependency"):
        resolve_request({"runt": {"uv": {"dependencies": ["six", "bad name!!"]}}}, None, None)
    with pytest.raises(D.DepsError, match="requires-python"):
        resolve_request({"runt": {"uv": {"dependencies": ["six"], "requires-python": "three"}}}, None, None).key()
