"""What the cells are drawn from: one frozen CellModel per cell, and the app-wide ViewFlags.

`CellView` keeps the derived state that is not in the document (run statuses,
other peers' marks, which outputs are expanded, the blob epoch) and answers the
pane's `model_for` / `flags_for` calls. The app tells it when the runtime
state or the presence changed; it answers with the cells to redraw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runt_tui.tui.derive import (
    CellStatuses,
    PeerMarks,
    cell_statuses,
    changed_keys,
    peer_marks,
    requester_colours,
)
from runt_tui.tui.graphics import resolved_mode
from runt_tui.tui.model import CellModel, ViewFlags

if TYPE_CHECKING:
    from runt_tui.client.replica import Replica
    from runt_tui.tui.app import NotebookApp


class CellView:
    """Builds the models handed down to the cells pane."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        self.expanded: set[str] = set()
        # Bumped when blobs arrive: the cells showing outputs draw again.
        self.blobs_epoch = 0
        self.statuses: CellStatuses = {}
        self.colours: dict[str, str] = {}
        self.marks: PeerMarks = {}

    def reset(self) -> None:
        """Derive everything afresh from the session (once connected)."""
        session = self.app.session
        self.statuses = cell_statuses(session.state)
        self.colours = requester_colours(session.state)
        self.marks = peer_marks(session.peer_list, session.peer_id)

    def runtime_changed(self) -> set[str]:
        """The runtime state changed: the cells whose status changed."""
        statuses = cell_statuses(self.app.session.state)
        colours = requester_colours(self.app.session.state)
        changed = changed_keys(statuses, self.statuses) | changed_keys(colours, self.colours)
        self.statuses, self.colours = statuses, colours
        return changed

    def presence_changed(self) -> set[str]:
        """The peers moved: the cells whose marks changed."""
        session = self.app.session
        marks = peer_marks(session.peer_list, session.peer_id)
        changed = changed_keys(marks, self.marks)
        self.marks = marks
        return changed

    def blobs_arrived(self, mounted: list[str]) -> set[str]:
        """Blobs arrived: the mounted cells with outputs draw again."""
        self.blobs_epoch += 1
        doc = self.app.session.doc
        return {c for c in mounted if doc.cell(c).outputs_json}

    def toggle_expanded(self, cell_id: str) -> None:
        """Show all of a cell's output lines, or cap them again."""
        self.expanded.symmetric_difference_update({cell_id})

    def view_flags(self) -> ViewFlags:
        """App-wide display settings."""
        app = self.app
        images = app.options.images
        return ViewFlags(
            line_numbers=app.line_numbers,
            layout=app.layout_mode,
            dark=app.current_theme.dark,
            images=resolved_mode(images if images in ("halfblock", "none") else "halfblock"),
            language=self.language(),
            width=app.size.width,
        )

    def language(self) -> str:
        """The notebook's language (kernelspec / language_info), python by default."""
        replica = self._replica()
        if replica is None:
            return "python"
        meta = replica.doc.metadata()
        info = meta.get("language_info") or {}
        spec = meta.get("kernelspec") or {}
        name = info.get("name") or spec.get("language") or "python"
        return str(name).lower()

    def _replica(self) -> Replica | None:
        """The document shown: the read-only local copy while it is up (first_paint.py), else the session's."""
        preview = self.app.first_paint.replica
        return preview if preview is not None else self.app.session.replica

    def model_for(self, cell_id: str) -> CellModel:
        """A snapshot of one cell for its widget."""
        app = self.app
        replica = self._replica()
        assert replica is not None
        v = replica.doc.cell(cell_id)
        status, requester = self.statuses.get(cell_id, ("", ""))
        outputs: tuple[dict[str, Any], ...] = ()
        if v.cell_type == "code" and v.outputs_json:
            outputs = tuple(replica.resolved_outputs(v))
        return CellModel(
            id=cell_id, cell_type=v.cell_type, source=v.source, rev=v.rev, orev=v.orev,
            execution_count=v.execution_count, status=status, requester=requester,
            requester_colour=self.colours.get(cell_id, ""),
            outputs=outputs, attachments=v.attachments, peers=self.marks.get(cell_id, ()),
            expanded=cell_id in self.expanded, blobs_epoch=self.blobs_epoch if outputs else 0,
            selected=cell_id == app.selected, editing=cell_id == app.selected and app.mode == "edit",
            search=app.find_actions.highlight, epoch=replica.doc.epoch,
        )
