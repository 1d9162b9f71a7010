"""Round trips over the notebook corpus: file -> nbformat -> document -> nbformat -> file.

The corpus (tests/corpus, see SOURCES.md there) holds real notebooks written by other
tools (``real/``), hand-made edge cases (``edge/``), files a reader may repair or refuse
(``lenient/``) and files it must refuse (``bad/``).

Notebooks are compared as canonical JSON text, so ``1`` vs ``1.0`` vs ``True`` and key
loss all show up; multi-line strings are compared joined (nbformat stores them either as
one string or as a list of lines, which mean the same).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from nbformat.validator import iter_validate

from runt_tui.doc import (
    NotebookDoc,
    NotebookFileError,
    parse_notebook,
    read_notebook,
    serialize_notebook,
    write_notebook_atomic,
)

CORPUS = Path(__file__).resolve().parent / "corpus"
REAL = sorted((CORPUS / "real").rglob("*.ipynb"))
EDGE = sorted((CORPUS / "edge").glob("*.ipynb"))
GOOD = REAL + EDGE
LENIENT = sorted((CORPUS / "lenient").rglob("*.ipynb"))
BAD = sorted((CORPUS / "bad").glob("*.ipynb"))

CELL_ID_RE = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")


def _rel(p: Path) -> str:
    return str(p.relative_to(CORPUS))


# ---------------------------------------------------------------- helpers


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or mime.endswith("+json")


def _join(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return value


def _join_bundle(bundle: Any) -> Any:
    if not isinstance(bundle, dict):
        return bundle
    return {k: (v if _is_json_mime(k) else _join(v)) for k, v in bundle.items()}


def _plain(value: Any) -> Any:
    """NotebookNode -> plain dicts/lists (json round trip keeps ints, floats, bools apart)."""
    return json.loads(json.dumps(value, allow_nan=True))


def canonical(nb: Any) -> dict[str, Any]:
    """The notebook as plain JSON data with multi-line strings joined."""
    d = _plain(nb)
    for cell in d.get("cells", []):
        if "source" in cell:
            cell["source"] = _join(cell["source"])
        if isinstance(cell.get("attachments"), dict):
            cell["attachments"] = {k: _join_bundle(v) for k, v in cell["attachments"].items()}
        for out in cell.get("outputs", []) or []:
            if "text" in out:
                out["text"] = _join(out["text"])
            if "data" in out:
                out["data"] = _join_bundle(out["data"])
    return d


TRANSIENT_NB_META = ("orig_nbformat", "orig_nbformat_minor", "signature")


def drop_transient(nb: Any) -> Any:
    """What nbformat's strip_transient removes on read and on write."""
    d = _plain(nb)
    for key in TRANSIENT_NB_META:
        d.get("metadata", {}).pop(key, None)
    for cell in d.get("cells", []):
        cell.get("metadata", {}).pop("trusted", None)
    return d


def canon_text(nb: Any) -> str:
    return json.dumps(canonical(nb), sort_keys=True, ensure_ascii=False, allow_nan=True, indent=1)


def assert_same_notebook(actual: Any, expected: Any, what: str) -> None:
    a, e = canon_text(actual), canon_text(expected)
    if a != e:
        # A short, readable diff instead of two multi-megabyte strings.
        import difflib

        diff = "\n".join(
            list(
                difflib.unified_diff(
                    e.splitlines(), a.splitlines(), "expected", "actual", lineterm=""
                )
            )[:60]
        )
        pytest.fail(f"{what}: notebooks differ\n{diff}")


def validate_relaxed(nb: Any) -> None:
    """nbformat.validate, allowing unknown keys (the only schema relaxation we accept)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a validate that "repairs" ids in place is a failure
        nbformat.validate(copy.deepcopy(nb), relax_add_props=True)
    strict_errors = [
        e for e in iter_validate(copy.deepcopy(nb)) if e.validator != "additionalProperties"
    ]
    assert not strict_errors, [str(e).splitlines()[0] for e in strict_errors]


def raw_has_unknown_keys(path: Path) -> bool:
    nb = nbformat.from_dict(json.loads(path.read_text(encoding="utf-8-sig")))
    try:
        return any(e.validator == "additionalProperties" for e in iter_validate(nb))
    except Exception:
        return False


def file_state(path: Path) -> tuple[bytes, int, int]:
    st_ = path.stat()
    return path.read_bytes(), st_.st_mtime_ns, stat.S_IMODE(st_.st_mode)


def dir_listing(path: Path) -> list[str]:
    return sorted(os.listdir(path))


def layout_kind(path: Path) -> str | None:
    """'exact' when the file is what nbformat.writes produces, 'write' when it is what
    nbformat.write produces (writes + newline), for v4.5+ files with valid unique ids;
    else None (opening and saving may legitimately change the bytes)."""
    try:
        text = path.read_bytes().decode("utf-8")
        raw = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("nbformat") != 4 or raw.get("nbformat_minor", 0) < 5:
        return None
    ids = [c.get("id") for c in raw.get("cells", [])]
    if not all(isinstance(i, str) and CELL_ID_RE.match(i) for i in ids) or len(set(ids)) != len(
        ids
    ):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            nb = nbformat.reads(text, as_version=4)
        except Exception:
            return None
    own = nbformat.v4.writes_json(nb)
    if own == text:
        return "exact"
    if own + "\n" == text:
        return "write"
    return None


LAYOUT = [p for p in GOOD if layout_kind(p) is not None]


@pytest.fixture(scope="module")
def loaded() -> Iterator[dict[Path, Any]]:
    """read_notebook results, cached per module (the corpus is read many times)."""
    cache: dict[Path, Any] = {}
    yield cache


def read_cached(cache: dict[Path, Any], path: Path) -> Any:
    if path not in cache:
        cache[path] = read_notebook(path)
    return copy.deepcopy(cache[path])


# ---------------------------------------------------------------- corpus sanity


def test_corpus_is_there() -> None:
    assert len(REAL) >= 30, "tests/corpus/real is missing notebooks"
    assert len(EDGE) >= 15
    assert len(BAD) >= 10
    assert len(LAYOUT) >= 20, "too few files in nbformat's own layout for the byte-identical test"


# ---------------------------------------------------------------- good files


@pytest.mark.parametrize("path", GOOD, ids=_rel)
def test_read_gives_valid_v45_with_ids(path: Path, loaded: dict[Path, Any]) -> None:
    before = file_state(path)
    nb = read_cached(loaded, path)
    assert file_state(path) == before, "read_notebook modified the file"
    assert isinstance(nb, nbformat.NotebookNode)
    assert nb.nbformat == 4
    assert nb.nbformat_minor >= 5
    ids = [c.get("id") for c in nb.cells]
    assert all(isinstance(i, str) and CELL_ID_RE.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids), f"duplicate ids: {ids}"
    validate_relaxed(nb)
    if not raw_has_unknown_keys(path):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            nbformat.validate(copy.deepcopy(nb))  # strict: nothing unknown was invented


@pytest.mark.parametrize("path", GOOD, ids=_rel)
def test_read_keeps_content(path: Path, loaded: dict[Path, Any]) -> None:
    """Apart from ids and the minor version, read_notebook returns what nbformat reads."""
    nb = read_cached(loaded, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = nbformat.reads(path.read_bytes().decode("utf-8-sig"), as_version=4)
    a, e = canonical(nb), canonical(ref)
    assert len(a["cells"]) == len(e["cells"])
    for x in (a, e):
        x.pop("nbformat_minor", None)
        for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
            x["metadata"].pop(key, None)
        for cell in x["cells"]:
            cell.pop("id", None)
            cell["metadata"].pop("trusted", None)
    assert json.dumps(a, sort_keys=True) == json.dumps(e, sort_keys=True)


@pytest.mark.parametrize("path", GOOD, ids=_rel)
def test_doc_roundtrip(path: Path, loaded: dict[Path, Any]) -> None:
    nb = read_cached(loaded, path)
    doc = NotebookDoc.from_notebook(copy.deepcopy(nb))
    out = doc.to_notebook()
    validate_relaxed(out)
    assert_same_notebook(out, nb, "from_notebook -> to_notebook")
    # to_notebook must not hand out state that aliases the document
    out2 = doc.to_notebook()
    if out2.cells:
        out2.cells[0]["source"] = "mutated"
        out2.metadata["x_mutated"] = 1
        assert_same_notebook(doc.to_notebook(), nb, "to_notebook after mutating a previous result")


@pytest.mark.parametrize("path", GOOD, ids=_rel)
def test_save_load_roundtrip(path: Path, loaded: dict[Path, Any]) -> None:
    nb = read_cached(loaded, path)
    doc = NotebookDoc.from_notebook(nb)
    data = doc.save()
    assert isinstance(data, bytes) and data
    doc2 = NotebookDoc.load(data)
    assert doc2.epoch == doc.epoch
    out = doc2.to_notebook()
    validate_relaxed(out)
    assert_same_notebook(out, nb, "save -> load -> to_notebook")
    assert doc2.save() == data or NotebookDoc.load(doc2.save()).epoch == doc.epoch


@pytest.mark.parametrize("path", GOOD, ids=_rel)
def test_cell_views(path: Path, loaded: dict[Path, Any]) -> None:
    nb = read_cached(loaded, path)
    doc = NotebookDoc.from_notebook(nb)
    views = doc.cells()
    assert [v.id for v in views] == [c.id for c in nb.cells]
    expected = canonical(nb)["cells"]
    for view, cell in zip(views, expected, strict=True):
        assert view.cell_type == cell["cell_type"]
        assert view.source == cell.get("source", "")  # cells of unknown types may lack one
        assert _plain(view.metadata) == cell["metadata"]
        if cell["cell_type"] == "code":
            assert view.execution_count == cell["execution_count"]
            outs = canonical({"cells": [{"outputs": list(view.outputs)}]})["cells"][0]["outputs"]
            assert json.dumps(outs, sort_keys=True) == json.dumps(cell["outputs"], sort_keys=True)
        else:
            assert not view.outputs
            assert view.execution_count is None
        att = view.attachments
        if "attachments" in cell:
            assert _join_bundle_map(att) == cell["attachments"]
        else:
            assert not att


def _join_bundle_map(att: Any) -> Any:
    if att is None:
        return None
    return {k: _join_bundle(v) for k, v in _plain(att).items()}


@pytest.mark.parametrize("path", GOOD, ids=_rel)
def test_serialize_is_nbformat_layout(path: Path, loaded: dict[Path, Any]) -> None:
    nb = read_cached(loaded, path)
    out = NotebookDoc.from_notebook(nb).to_notebook()
    text = serialize_notebook(out)
    assert isinstance(text, str)
    assert text.rstrip("\n") == nbformat.v4.writes_json(out)
    assert_same_notebook(
        nbformat.reads(text, as_version=4), drop_transient(nb), "serialize -> nbformat.reads"
    )


@pytest.mark.parametrize("path", LAYOUT, ids=_rel)
def test_byte_identical_when_in_nbformat_layout(
    path: Path, loaded: dict[Path, Any], tmp_path: Path
) -> None:
    """Opened and saved untouched, a file written by nbformat itself comes back byte-identical."""
    original = path.read_bytes()
    text = original.decode("utf-8")
    nb = read_cached(loaded, path)
    out = NotebookDoc.load(NotebookDoc.from_notebook(nb).save()).to_notebook()
    serialized = serialize_notebook(out)
    if layout_kind(path) == "exact":
        # nbformat.writes() without the final newline nbformat.write() adds: serialize
        # always ends with one; the daemon keeps a file's missing newline when saving.
        assert serialized == text + "\n"
    else:  # written by nbformat.write: writes() + "\n"
        assert serialized in (text, text[:-1])
    target = tmp_path / path.name
    shutil.copy2(path, target)
    written = write_notebook_atomic(target, out)
    assert target.read_bytes() == written
    if layout_kind(path) == "write":
        assert written == original, "saving an untouched notebook changed its bytes"
    else:
        assert written.rstrip(b"\n") == original.rstrip(b"\n")


@pytest.mark.parametrize("path", GOOD, ids=_rel)
def test_save_is_stable(path: Path, loaded: dict[Path, Any], tmp_path: Path) -> None:
    """Whatever the original layout: save, reopen, save again gives the same bytes,
    and reopening gives the same notebook (generated ids are kept)."""
    nb = read_cached(loaded, path)
    first = write_notebook_atomic(tmp_path / "a.ipynb", NotebookDoc.from_notebook(nb).to_notebook())
    nb2 = read_notebook(tmp_path / "a.ipynb")
    assert_same_notebook(drop_transient(nb2), drop_transient(nb), "saved file, read back")
    second = write_notebook_atomic(
        tmp_path / "b.ipynb", NotebookDoc.from_notebook(nb2).to_notebook()
    )
    assert first == second
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nbformat.validate(json.loads(first), relax_add_props=True)
    json.loads(first, parse_constant=_reject_constant)  # strict JSON: no NaN / Infinity


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name} in a saved notebook")


@pytest.mark.parametrize("path", GOOD[:5] + EDGE[:5], ids=_rel)
def test_parse_notebook_matches_read(path: Path, loaded: dict[Path, Any]) -> None:
    nb = read_cached(loaded, path)
    data = path.read_bytes()
    for arg in (data, data.decode("utf-8")):
        parsed = parse_notebook(arg, path.name)
        a, b = canonical(parsed), canonical(nb)
        for x in (a, b):  # generated ids may differ between two parses
            for c in x["cells"]:
                c.pop("id")
        assert a == b


def test_read_returns_joined_strings() -> None:
    """Like nbformat.read: multi-line fields are single strings in memory, not lists of lines."""
    nb = read_notebook(CORPUS / "real" / "nbformat" / "test4.5.ipynb")
    for cell in nb.cells:
        assert isinstance(cell.source, str), cell.source
        for out in cell.get("outputs", []):
            if "text" in out:
                assert isinstance(out.text, str), out.text
            for mime, value in out.get("data", {}).items():
                if not _is_json_mime(mime):
                    assert isinstance(value, str), (mime, value)


@pytest.mark.parametrize(
    "name",
    [
        "real/nbformat/test2.ipynb",
        "real/nbformat/test3_no_min_version.ipynb",
        "real/nbconvert/notebook2.ipynb",
    ],
)
def test_read_drops_nbformat_transient_keys(name: str) -> None:
    """nbformat.read strips orig_nbformat*, signature and cell 'trusted'; so does read_notebook,
    else the document holds keys that every save silently drops."""
    nb = read_notebook(CORPUS / name)
    assert not set(nb.metadata) & set(TRANSIENT_NB_META), sorted(nb.metadata)
    assert not any("trusted" in c.metadata for c in nb.cells)


def test_epochs_differ_between_independent_loads() -> None:
    nb = read_notebook(CORPUS / "real" / "nbformat" / "test4.5.ipynb")
    a, b = NotebookDoc.from_notebook(nb), NotebookDoc.from_notebook(nb)
    assert isinstance(a.epoch, str) and a.epoch
    assert a.epoch != b.epoch


# ---------------------------------------------------------------- specific edge cases


def _roundtrip_via_file(path: Path, tmp_path: Path) -> tuple[Any, dict[str, Any]]:
    """read -> doc -> save bytes -> load -> write file; returns (notebook, raw JSON of the file)."""
    nb = read_notebook(path)
    doc = NotebookDoc.load(NotebookDoc.from_notebook(nb).save())
    target = tmp_path / "out.ipynb"
    write_notebook_atomic(target, doc.to_notebook())
    return nb, json.loads(target.read_text(encoding="utf-8"))


def test_unknown_keys_survive(tmp_path: Path) -> None:
    _, raw = _roundtrip_via_file(CORPUS / "edge" / "unknown_keys.ipynb", tmp_path)
    assert raw["x_top_extra"] == {"unknown": "top-level key"}
    assert raw["metadata"]["x_nb_meta"] == {"anything": ["goes", 1, 2.5, None, False]}
    code, md = raw["cells"]
    assert code["x_cell_extra"] == "kept"
    assert code["metadata"]["x_cell_meta"] == {"deep": {"deeper": [1, {"deepest": None}]}}
    assert md["x_md_extra"] is True
    assert code["outputs"][0]["x_output_extra"] == {"producer": "some-tool", "n": 1}
    assert code["outputs"][1]["x_result_extra"] == [1, 2, 3]


def test_output_metadata_and_transient_survive(tmp_path: Path) -> None:
    _, raw = _roundtrip_via_file(CORPUS / "edge" / "output_metadata_transient.ipynb", tmp_path)
    cell = raw["cells"][0]
    dd, er = cell["outputs"]
    assert dd["metadata"] == {"text/html": {"isolated": True}, "custom": {"a": [1, 2]}}
    assert dd["transient"] == {"display_id": "d0b5e1f2"}
    assert er["transient"] == {"display_id": "e7"}
    assert er["data"]["application/json"] == {"a": [1, 2, {"b": None}], "c": "d"}
    assert er["data"]["application/vnd.custom+json"] == [1, "two", 3.0]
    assert isinstance(er["data"]["application/vnd.custom+json"][2], float)
    assert cell["metadata"]["jupyter"] == {"source_hidden": True, "outputs_hidden": False}
    assert cell["metadata"]["editable"] is False


def test_widget_state_survives(tmp_path: Path) -> None:
    nb, raw = _roundtrip_via_file(CORPUS / "edge" / "widgets_state.ipynb", tmp_path)
    assert raw["metadata"]["widgets"] == _plain(nb.metadata.widgets)
    state = raw["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert state["7a3c0f1e2b4d4e5f8a9b0c1d2e3f4a5b"]["state"]["value"] == 42


def test_attachments_survive(tmp_path: Path) -> None:
    nb, raw = _roundtrip_via_file(CORPUS / "edge" / "attachments.ipynb", tmp_path)
    md, rawcell, empty, _code = raw["cells"]
    assert set(md["attachments"]) == {"dot.png", "g.gif"}
    assert _join(md["attachments"]["dot.png"]["image/png"]) == _join(
        nb.cells[0].attachments["dot.png"]["image/png"]
    )
    assert set(rawcell["attachments"]) == {"r.png"}
    assert empty["attachments"] == {}
    views = NotebookDoc.from_notebook(nb).cells()
    assert set(views[0].attachments) == {"dot.png", "g.gif"}


def test_numbers_keep_their_type(tmp_path: Path) -> None:
    _, raw = _roundtrip_via_file(CORPUS / "edge" / "numbers_in_metadata.ipynb", tmp_path)
    for meta in (raw["metadata"]["numbers"], raw["cells"][0]["metadata"]["numbers"]):
        assert type(meta["int"]) is int and meta["int"] == 1
        assert type(meta["float_one"]) is float and meta["float_one"] == 1.0
        assert meta["bool_true"] is True and meta["bool_false"] is False
        assert meta["null"] is None
        assert meta["int64_max"] == 2**63 - 1
        assert meta["int64_min"] == -(2**63)
        assert meta["uint64_max"] == 2**64 - 1
        assert meta["bigger_than_64_bits"] == 123456789012345678901234567890
        assert meta["tiny"] == 5e-324
        assert str(meta["neg_zero"]) == "-0.0"
        assert meta[""] == "empty key"
        assert meta["empty_obj"] == {} and meta["empty_list"] == []


def test_unicode_sources_exact() -> None:
    nb = read_notebook(CORPUS / "edge" / "unicode.ipynb")
    doc = NotebookDoc.load(NotebookDoc.from_notebook(nb).save())
    views = doc.cells()
    for view, cell in zip(views, nb.cells, strict=True):
        assert view.source == _join(cell.source)
    assert "👩‍👩‍👧‍👦" in views[0].source
    assert "e\u0301" in views[0].source
    assert views[2].source == "windows\r\nline\r\nendings\r\n and a lone\rcarriage return"
    assert _join(views[3].outputs[0]["text"]) == "0\r1\r2\r"


def test_missing_ids_v44_are_generated() -> None:
    nb = read_notebook(CORPUS / "edge" / "missing_ids_v44.ipynb")
    ids = [c.id for c in nb.cells]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert all(CELL_ID_RE.match(i) for i in ids)
    assert nb.nbformat_minor >= 5
    assert [_join(c.source) for c in nb.cells] == ["a", "b", "c"]


def test_partially_missing_ids_keep_existing() -> None:
    nb = read_notebook(CORPUS / "edge" / "missing_ids_v45_partial.ipynb")
    ids = [c.id for c in nb.cells]
    assert ids[0] == "cell-0000" and ids[2] == "cell-0002"
    assert CELL_ID_RE.match(ids[1]) and ids[1] not in ("cell-0000", "cell-0002")


@pytest.mark.parametrize(
    ("name", "keep"),
    [
        ("edge/duplicate_ids.ipynb", {0: "same", 2: "other"}),
        ("real/nbformat/invalid_unique_cell_id.ipynb", {0: "dup"}),
    ],
)
def test_duplicate_ids_are_repaired(name: str, keep: dict[int, str]) -> None:
    path = CORPUS / name
    raw = json.loads(path.read_text(encoding="utf-8"))
    nb = read_notebook(path)
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids)
    assert all(CELL_ID_RE.match(i) for i in ids)
    assert [_join(c.source) for c in nb.cells] == [_join(c["source"]) for c in raw["cells"]]
    for index, cid in keep.items():  # the first holder of an id keeps it
        assert ids[index] == cid
    doc = NotebookDoc.from_notebook(nb)
    assert [v.id for v in doc.cells()] == ids


def test_v3_is_upgraded() -> None:
    nb = read_notebook(CORPUS / "edge" / "v3_notebook.ipynb")
    assert nb.nbformat == 4 and nb.nbformat_minor >= 5
    assert [c.cell_type for c in nb.cells] == ["markdown", "markdown", "code", "raw", "markdown"]
    assert _join(nb.cells[0].source).startswith("# A v3 heading")
    code = nb.cells[2]
    assert _join(code.source) == "x = 1\nx"
    assert code.execution_count == 1
    assert [o.output_type for o in code.outputs] == [
        "execute_result",
        "stream",
        "display_data",
        "error",
    ]
    assert_same_notebook(NotebookDoc.from_notebook(nb).to_notebook(), nb, "v3 doc round trip")


@pytest.mark.parametrize("name", ["empty_no_cells.ipynb", "empty_no_metadata.ipynb"])
def test_empty_notebook(name: str, tmp_path: Path) -> None:
    nb = read_notebook(CORPUS / "edge" / name)
    assert nb.cells == []
    doc = NotebookDoc.load(NotebookDoc.from_notebook(nb).save())
    assert doc.cells() == []
    out = doc.to_notebook()
    assert out.cells == []
    written = write_notebook_atomic(tmp_path / name, out)
    assert written == (CORPUS / "edge" / name).read_bytes()


def test_odd_layouts_read_the_same() -> None:
    """Compact, CRLF+tabs, 4-space and BOM variants of one notebook read identically."""
    names = ["odd_layout_compact", "odd_layout_crlf_tabs", "odd_layout_indent4", "bom_utf8"]
    nbs = [read_notebook(CORPUS / "edge" / f"{n}.ipynb") for n in names]
    first = canon_text(nbs[0])
    for name, nb in zip(names, nbs, strict=True):
        assert canon_text(nb) == first, name
        # saving normalises to nbformat's layout
        assert serialize_notebook(NotebookDoc.from_notebook(nb).to_notebook()).rstrip("\n") == (
            nbformat.v4.writes_json(nb)
        )


def test_null_execution_counts(tmp_path: Path) -> None:
    _, raw = _roundtrip_via_file(CORPUS / "edge" / "null_execution_count.ipynb", tmp_path)
    counts = [c["execution_count"] for c in raw["cells"]]
    assert counts == [None, None, None, 0, 2**31 - 1]
    assert raw["cells"][1]["outputs"][0]["execution_count"] is None


def test_huge_output_intact() -> None:
    path = CORPUS / "edge" / "huge_output.ipynb"
    nb = read_notebook(path)
    text = _join(nb.cells[1].outputs[0].text)
    assert len(text) > 2_000_000
    doc = NotebookDoc.load(NotebookDoc.from_notebook(nb).save())
    assert _join(doc.to_notebook().cells[1].outputs[0].text) == text


def test_large_png_intact() -> None:
    nb = read_notebook(CORPUS / "edge" / "large_png.ipynb")
    png = _join(nb.cells[0].outputs[0].data["image/png"])
    doc = NotebookDoc.load(NotebookDoc.from_notebook(nb).save())
    out = doc.to_notebook()
    assert _join(out.cells[0].outputs[0].data["image/png"]) == png
    assert out.cells[0].outputs[0].metadata == {"image/png": {"width": 420, "height": 420}}


# ---------------------------------------------------------------- lenient files


@pytest.mark.parametrize("path", LENIENT, ids=_rel)
def test_lenient_file_loads_cleanly_or_is_refused_clearly(path: Path, tmp_path: Path) -> None:
    target = tmp_path / path.name
    shutil.copy2(path, target)
    before, listing = file_state(target), dir_listing(tmp_path)
    try:
        nb = read_notebook(target)
    except NotebookFileError as e:
        assert path.name in str(e), str(e)
        assert file_state(target) == before and dir_listing(tmp_path) == listing
        return
    assert file_state(target) == before and dir_listing(tmp_path) == listing
    validate_relaxed(nb)
    assert len({c.id for c in nb.cells}) == len(nb.cells)
    doc = NotebookDoc.load(NotebookDoc.from_notebook(nb).save())
    out = doc.to_notebook()
    assert_same_notebook(out, nb, "lenient file: doc round trip")
    # Saving either works and produces a notebook that reads back, or is refused cleanly.
    dest = tmp_path / "saved.ipynb"
    try:
        written = write_notebook_atomic(dest, out)
    except (NotebookFileError, ValueError):
        assert not dest.exists()
        assert dir_listing(tmp_path) == listing
        return
    json.loads(written.decode("utf-8"), parse_constant=_reject_constant)
    validate_relaxed(read_notebook(dest))


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize("path", BAD, ids=_rel)
def test_bad_file_is_refused(path: Path, tmp_path: Path) -> None:
    target = tmp_path / path.name
    shutil.copy2(path, target)
    before, listing = file_state(target), dir_listing(tmp_path)
    orig_before = file_state(path)
    with pytest.raises(NotebookFileError) as info:
        read_notebook(target)
    message = str(info.value)
    assert path.name in message, message
    assert len(message) > len(str(target)) + 5, f"no problem stated: {message!r}"
    assert file_state(target) == before, "the bad file was modified"
    assert dir_listing(tmp_path) == listing, "files appeared next to the bad file"
    # read in place too: the committed corpus file must not change either
    with pytest.raises(NotebookFileError):
        read_notebook(path)
    assert file_state(path) == orig_before


@pytest.mark.parametrize("path", BAD, ids=_rel)
def test_bad_bytes_are_refused_by_parse(path: Path) -> None:
    with pytest.raises(NotebookFileError) as info:
        parse_notebook(path.read_bytes(), "named-thing.ipynb")
    assert "named-thing.ipynb" in str(info.value)


def test_directory_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "looks-like.ipynb"
    d.mkdir()
    with pytest.raises(NotebookFileError) as info:
        read_notebook(d)
    assert "looks-like.ipynb" in str(info.value)
    assert d.is_dir() and not any(d.iterdir())


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotebookFileError) as info:
        read_notebook(tmp_path / "nope.ipynb")
    assert "nope.ipynb" in str(info.value)
    assert not (tmp_path / "nope.ipynb").exists()


def test_symlink_loop_is_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(NotebookFileError) as info:
        read_notebook(a)
    assert "a.ipynb" in str(info.value)


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "secret.ipynb"
    shutil.copy2(CORPUS / "real" / "nbformat" / "test4.5.ipynb", target)
    target.chmod(0)
    try:
        if os.access(target, os.R_OK):
            pytest.skip("running with privileges that read a mode-000 file (root)")
        before = target.stat().st_mtime_ns
        with pytest.raises(NotebookFileError) as info:
            read_notebook(target)
        assert "secret.ipynb" in str(info.value)
        assert target.stat().st_mtime_ns == before
        assert stat.S_IMODE(target.stat().st_mode) == 0
    finally:
        target.chmod(0o644)


# ---------------------------------------------------------------- generated notebooks

_SPECIAL = [
    "👩‍👩‍👧‍👦",
    "🏳️‍🌈",
    "e\u0301",
    "漢字",
    "שלום",
    "\r\n",
    "\r",
    "\t",
    "\x1b[31m",
    "𝕏",
    "\u200d",
    "\ufeff",
]
_text = st.lists(
    st.one_of(
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=12), st.sampled_from(_SPECIAL)
    ),
    max_size=8,
).map("".join)
_json: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12,
)
_meta = st.dictionaries(_text, _json, max_size=4)


@st.composite
def _outputs(draw: st.DrawFn) -> list[Any]:
    outs: list[Any] = []
    for kind in draw(
        st.lists(st.sampled_from(["stream", "execute_result", "display_data", "error"]), max_size=4)
    ):
        if kind == "stream":
            outs.append(
                nbformat.v4.new_output(
                    "stream", name=draw(st.sampled_from(["stdout", "stderr"])), text=draw(_text)
                )
            )
        elif kind == "error":
            outs.append(
                nbformat.v4.new_output(
                    "error",
                    ename=draw(_text),
                    evalue=draw(_text),
                    traceback=draw(st.lists(_text, max_size=3)),
                )
            )
        else:
            data = {
                "text/plain": draw(_text),
                "application/json": draw(st.dictionaries(_text, _json, max_size=3)),
            }
            extra: dict[str, Any] = {"metadata": draw(_meta)}
            if kind == "execute_result":
                extra["execution_count"] = draw(st.none() | st.integers(0, 10_000))
            outs.append(nbformat.v4.new_output(kind, data=data, **extra))
    return outs


@st.composite
def _notebooks(draw: st.DrawFn) -> Any:
    cells = []
    for i, kind in enumerate(
        draw(st.lists(st.sampled_from(["code", "markdown", "raw"]), max_size=6))
    ):
        if kind == "code":
            cell = nbformat.v4.new_code_cell(
                draw(_text),
                metadata=draw(_meta),
                execution_count=draw(st.none() | st.integers(0, 10_000)),
            )
            cell.outputs = draw(_outputs())
        elif kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(draw(_text), metadata=draw(_meta))
        else:
            cell = nbformat.v4.new_raw_cell(draw(_text), metadata=draw(_meta))
        cell["id"] = f"c{i}-{draw(st.from_regex(r'[a-zA-Z0-9_-]{0,8}', fullmatch=True))}"
        cells.append(cell)
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = draw(_meta)
    return nb


def _valid(nb: Any) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            nbformat.validate(copy.deepcopy(nb))
    except Exception:
        return False
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_notebooks())
def test_generated_notebooks_roundtrip(nb: Any) -> None:
    assume(_valid(nb))  # random metadata may hit a key the schema constrains
    doc = NotebookDoc.from_notebook(copy.deepcopy(nb))
    assert_same_notebook(doc.to_notebook(), nb, "generated: from_notebook -> to_notebook")
    doc2 = NotebookDoc.load(doc.save())
    out = doc2.to_notebook()
    assert_same_notebook(out, nb, "generated: save -> load -> to_notebook")
    text = serialize_notebook(out)
    assert_same_notebook(nbformat.reads(text, as_version=4), nb, "generated: serialize -> reads")
