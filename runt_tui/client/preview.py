"""A read-only local copy of a notebook file, to draw while the daemon is still coming up.

The copy is built by the doc layer's own reader and converter, so its cells look
exactly as they will once the daemon's document arrives; it is never synced,
never edited and never saved (only the daemon creates the shared document, see
docs/ARCHITECTURE.md), and is dropped as soon as the session is live.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from runt_tui.client.replica import Replica
from runt_tui.doc import doc_from_notebook, parse_notebook

log = logging.getLogger("runt_tui.client")

# Bigger files are not parsed twice (here and in the daemon): they wait for the daemon.
PREVIEW_MAX_BYTES = 4 * 1024 * 1024


def local_replica(path: str | os.PathLike[str], max_bytes: int = PREVIEW_MAX_BYTES) -> Replica | None:
    """The notebook at `path` as a detached replica, or None (missing, too big, or not readable).

    Never raises: whatever is wrong with the file, the daemon reports it once it answers.
    """
    p = Path(path)
    try:
        if not p.is_file() or p.stat().st_size > max_bytes:
            return None
        data = p.read_bytes()
        nb = parse_notebook(data, p, validate=False)
        doc = doc_from_notebook(nb)  # no blob store: outputs stay inline
    except Exception as e:  # bad input of any kind: no preview, the daemon says why
        log.debug("no read-only preview of %s: %s", p, e)
        return None
    return Replica(doc)


def position_map(preview: list[str], live: list[str]) -> dict[str, str]:
    """Preview cell id -> live cell id, by position, when the two share no id (a file without ids).

    Empty when they share ids: the same cell has the same id in both.
    """
    if set(preview) & set(live):
        return {}
    return dict(zip(preview, live, strict=False))
