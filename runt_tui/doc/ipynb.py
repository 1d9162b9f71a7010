"""Reading and writing .ipynb files: clear errors on bad input, atomic validated saves."""

from __future__ import annotations

import json
import os
import re
import stat
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runt_tui.doc.files import write_bytes_atomic
from runt_tui.doc.nbread import may_hold_surrogates, notebook_node_hook, read_v4_in_place
from runt_tui.doc.nbvalid import CELL_KEYS, NB_KEYS, OUTPUT_KEYS, validate_v4

if TYPE_CHECKING:
    from nbformat import NotebookNode

CELL_ID_RE = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")


class NotebookFileError(Exception):
    """A notebook file cannot be read or written; the message names the file and the problem."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def new_cell_id() -> str:
    """Return a fresh cell id in nbformat's style (8 hex digits)."""
    return uuid.uuid4().hex[:8]


def _validation_summary(err: Exception) -> str:
    msg = getattr(err, "message", None) or str(err).split("\n", 1)[0]
    path = list(getattr(err, "absolute_path", []) or [])
    where = "/".join(str(p) for p in path)
    return f"{msg} (at {where})" if where else str(msg)


def _node() -> Any:
    from nbformat import NotebookNode

    return NotebookNode()


def _repair(nb: NotebookNode) -> None:
    """Fix what other tools commonly get wrong, without losing content."""
    ks = nb.get("metadata", {}).get("kernelspec")
    if isinstance(ks, dict) and ("name" not in ks or "display_name" not in ks):
        # Jupyter opens these; the schema needs both, so derive the missing one.
        ks.setdefault("name", str(ks.get("display_name") or "python3"))
        ks.setdefault("display_name", str(ks["name"]))
    seen: set[str] = set()
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        cid = cell.get("id")
        if not isinstance(cid, str) or not CELL_ID_RE.match(cid) or cid in seen:
            cid = new_cell_id()
            while cid in seen:
                cid = new_cell_id()
            cell["id"] = cid
        seen.add(cid)
        if cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue
        cell.setdefault("metadata", _node())
        if "source" not in cell:
            cell["source"] = ""
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        elif cell.get("cell_type") in ("markdown", "raw"):
            # Execution fields on non-code cells fail validation; they carry nothing.
            cell.pop("execution_count", None)
            if not cell.get("outputs"):
                cell.pop("outputs", None)


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFinite(name)


def _decode_text(data: bytes | str, name: str | os.PathLike[str]) -> str:
    """The notebook's text: UTF-8 decoded, a leading BOM dropped, never empty."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise NotebookFileError(name, f"not valid UTF-8 (byte {e.start})") from None
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise NotebookFileError(name, "the file is empty, not a notebook")
    return text


def _load_json(text: str, name: str | os.PathLike[str]) -> Any:
    """The parsed JSON, or a NotebookFileError saying where and why it is not JSON."""
    try:
        # NotebookNodes made as the JSON is parsed: a copy afterwards costs four times more.
        return json.loads(text, parse_constant=_reject_constant, object_hook=notebook_node_hook())
    except _NonFinite as e:
        raise NotebookFileError(name, f"not valid JSON: it contains {e}, which JSON does not allow") from None
    except RecursionError:
        raise NotebookFileError(name, "not a notebook: the JSON is nested too deeply") from None
    except json.JSONDecodeError as e:
        trunc = " (the file looks truncated)" if e.pos >= len(text.rstrip()) else ""
        raise NotebookFileError(
            name, f"not valid JSON at line {e.lineno} column {e.colno}: {e.msg}{trunc}"
        ) from None


def _check_shape(raw: Any, name: str | os.PathLike[str], text: str | None = None) -> int:
    """The notebook's major nbformat version, once the JSON has a notebook's outline."""
    if not isinstance(raw, dict):
        raise NotebookFileError(
            name, f"not a notebook: the JSON is a {type(raw).__name__}, not an object"
        )
    if "nbformat" not in raw or not isinstance(raw.get("nbformat"), int):
        raise NotebookFileError(name, "not a notebook: no integer 'nbformat' version field")
    major: int = raw["nbformat"]
    if major > 4:
        raise NotebookFileError(name, f"nbformat {major} is newer than this program understands")
    if major == 4 and not isinstance(raw.get("cells"), list):
        raise NotebookFileError(name, "not a notebook: no 'cells' list")
    if major == 4:
        for i, cell in enumerate(raw["cells"]):
            if not isinstance(cell, dict):
                raise NotebookFileError(name, f"not a valid notebook: cell {i} is not an object")
    if text is not None and not may_hold_surrogates(text):
        return major
    try:
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        raise NotebookFileError(name, "not a valid notebook: it contains unpaired surrogate escapes") from None
    return major


def _upgraded(raw: dict[str, Any], major: int, name: str | os.PathLike[str]) -> Any:
    """The notebook as an nbformat v4.5 node (older versions converted), ids repaired."""
    import nbformat  # imported on first use: it costs ~0.1 s at start-up

    try:
        # The per-version reader re-joins line lists and strips transient keys.
        nb = read_v4_in_place(raw) if major == 4 else None
        if nb is None:
            nb = nbformat.versions[major].to_notebook_json(raw)
        if major < 4:
            # v4's reader already made every dict a NotebookNode: a second pass costs
            # ~0.5 s at 10,000 cells for nothing.
            nb = nbformat.from_dict(nbformat.convert(nb, 4))
    except Exception as e:  # nbformat raises many kinds on malformed old notebooks
        raise NotebookFileError(
            name, f"cannot upgrade this nbformat {major} notebook: {e}"
        ) from None
    # v4.0-4.4 differ from 4.5 only by cell ids, which _repair adds where missing
    # (nbformat's own upgrade would replace ids that some tools already wrote).
    if not isinstance(nb.get("nbformat_minor"), int) or nb["nbformat_minor"] < 5:
        nb["nbformat_minor"] = 5
    nb.metadata.pop("orig_nbformat", None)
    nb.metadata.pop("orig_nbformat_minor", None)
    _repair(nb)
    return nb


def parse_notebook(data: bytes | str, name: str | os.PathLike[str], validate: bool = True) -> NotebookNode:
    """Parse notebook text into a v4.5 NotebookNode, upgrading and adding ids.

    `validate=False` skips the schema check, for text already validated (what we wrote).
    """
    return parse_notebook_ids(data, name, validate)[0]


def parse_notebook_ids(
    data: bytes | str, name: str | os.PathLike[str], validate: bool = True
) -> tuple[NotebookNode, list[Any] | None]:
    """parse_notebook, and the cell ids a v4 file holds before any repair (None for older versions)."""
    import nbformat

    text = _decode_text(data, name)
    raw = _load_json(text, name)
    major = _check_shape(raw, name, text if isinstance(data, bytes) else None)
    ids = [c.get("id") for c in raw["cells"]] if major == 4 else None
    nb = _upgraded(raw, major, name)
    try:
        if validate:
            validate_v4(nb, _without_unknown_keys)
    except nbformat.ValidationError as e:
        raise NotebookFileError(name, f"not a valid notebook: {_validation_summary(e)}") from None
    result: NotebookNode = nb
    return result, ids


def read_notebook(path: str | os.PathLike[str]) -> NotebookNode:
    """Read a notebook file (never modifying it); raise NotebookFileError naming the problem."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise NotebookFileError(p, "no such file") from None
    except OSError as e:
        raise NotebookFileError(p, e.strerror or str(e)) from None
    if stat.S_ISDIR(st.st_mode):
        raise NotebookFileError(p, "is a directory, not a notebook file")
    try:
        data = p.read_bytes()
    except PermissionError:
        raise NotebookFileError(p, "permission denied: the file is not readable") from None
    except OSError as e:
        raise NotebookFileError(p, e.strerror or str(e)) from None
    return parse_notebook(data, p)


_NB_KEYS, _CELL_KEYS, _OUTPUT_KEYS = NB_KEYS, CELL_KEYS, OUTPUT_KEYS


def _without_unknown_keys(nb: Any) -> Any:
    """A shallow copy without keys nbformat does not define anywhere (the user's own extras).

    Keys nbformat defines for *another* cell or output type (execution_count on
    a markdown cell) are kept, so that they still fail validation.
    """
    cells = []
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            cells.append(cell)
            continue
        c = {k: v for k, v in cell.items() if k in _CELL_KEYS}
        if isinstance(c.get("outputs"), list):
            c["outputs"] = [
                {k: v for k, v in o.items() if k in _OUTPUT_KEYS} if isinstance(o, dict) else o for o in c["outputs"]
            ]
        cells.append(c)
    out = {k: v for k, v in nb.items() if k in _NB_KEYS}
    out["cells"] = cells
    return out


def validate_for_save(nb: NotebookNode, name: str | os.PathLike[str] = "<notebook>") -> None:
    """Raise NotebookFileError unless `nb` is a valid v4.5+ notebook.

    Extra keys the user's own file carried are tolerated so that nothing of
    theirs is dropped; everything else is checked strictly.
    """
    import nbformat

    if nb.get("nbformat") != 4 or nb.get("nbformat_minor", 0) < 5:
        raise NotebookFileError(name, "refusing to write: not an nbformat 4.5+ notebook")
    try:
        nbformat.validate(_without_unknown_keys(nb))
    except nbformat.ValidationError as e:
        raise NotebookFileError(
            name, f"refusing to write an invalid notebook: {_validation_summary(e)}"
        ) from None


def serialize_notebook(nb: NotebookNode, name: str | os.PathLike[str] = "<notebook>") -> str:
    """Validate and serialize in nbformat's own layout (sorted keys, indent 1, split lines)."""
    validate_for_save(nb, name)
    try:
        json.dumps(nb, allow_nan=False)
    except ValueError:
        raise NotebookFileError(name, "refusing to write: the notebook contains NaN or Infinity, which JSON does not allow") from None
    import nbformat

    text: str = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    if not text.endswith("\n"):
        text += "\n"
    return text


def write_notebook_atomic(path: str | os.PathLike[str], nb: NotebookNode) -> bytes:
    """Validate, serialize and atomically write a notebook; return the bytes written."""
    data = serialize_notebook(nb, path).encode("utf-8")
    try:
        write_bytes_atomic(path, data)
    except PermissionError:
        raise NotebookFileError(
            path, "permission denied: the file or its directory is read-only"
        ) from None
    except OSError as e:
        raise NotebookFileError(path, f"cannot write: {e.strerror or e}") from None
    return data


def to_plain(value: Any) -> Any:
    """Return a plain dict/list copy of a NotebookNode tree."""
    return json.loads(json.dumps(value))
