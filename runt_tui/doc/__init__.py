"""The notebook document: the only layer that imports automerge.

`NotebookDoc` holds a notebook as an Automerge CRDT (schema in `schema.py`);
`read_notebook` / `write_notebook_atomic` move notebooks between disk and
nbformat; `doc_from_notebook` / `doc_to_notebook` convert both ways.
"""

from __future__ import annotations

from runt_tui.doc.blobs import (
    BLOB_KEY,
    BlobMissingError,
    FileBlobStore,
    MemoryBlobStore,
    blob_digest,
    blob_refs,
    externalize_output,
    inline_output,
)
from runt_tui.doc.convert import cell_to_dict, doc_from_notebook, doc_to_notebook
from runt_tui.doc.files import remove_stale_temps, write_bytes_atomic, write_bytes_in_place
from runt_tui.doc.ipynb import (
    NotebookFileError,
    parse_notebook,
    read_notebook,
    serialize_notebook,
    validate_for_save,
    write_notebook_atomic,
)
from runt_tui.doc.layout import Baseline, adopt_ids, load_baseline, same_content, serialize_like
from runt_tui.doc.merge import merge_text
from runt_tui.doc.notebook import NotebookDoc
from runt_tui.doc.schema import CellView, DocDelta, DocError, NotPreparedError, is_panic
from runt_tui.doc.sync import SyncPeer
from runt_tui.doc.textdiff import Edit, apply_edits, text_edits
from runt_tui.doc.timeline import (
    CellDiff,
    HistoryChange,
    HistoryGroup,
    change_history,
    group_history,
    notebook_diff,
    restore_cell,
    restore_notebook,
    sources_to_restore,
    state_at,
)

__all__ = [
    "BLOB_KEY",
    "Baseline",
    "BlobMissingError",
    "CellDiff",
    "CellView",
    "DocDelta",
    "DocError",
    "Edit",
    "FileBlobStore",
    "HistoryChange",
    "HistoryGroup",
    "MemoryBlobStore",
    "NotPreparedError",
    "NotebookDoc",
    "NotebookFileError",
    "SyncPeer",
    "adopt_ids",
    "apply_edits",
    "blob_digest",
    "blob_refs",
    "cell_to_dict",
    "change_history",
    "doc_from_notebook",
    "doc_to_notebook",
    "externalize_output",
    "group_history",
    "inline_output",
    "is_panic",
    "load_baseline",
    "merge_text",
    "notebook_diff",
    "parse_notebook",
    "read_notebook",
    "remove_stale_temps",
    "restore_cell",
    "restore_notebook",
    "same_content",
    "serialize_like",
    "serialize_notebook",
    "sources_to_restore",
    "state_at",
    "text_edits",
    "validate_for_save",
    "write_bytes_atomic",
    "write_bytes_in_place",
    "write_notebook_atomic",
]
