"""Which view draws which model (by `_model_name`), and the view of a model id."""

from __future__ import annotations

from textual.widget import Widget

from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.buttons import ButtonView, ToggleView
from runt_tui.tui.widgets.ipyw.containers import BoxView, TabsView
from runt_tui.tui.widgets.ipyw.display import (
    ImageView,
    LabelView,
    MissingView,
    OutputView,
    UnknownView,
    ValidView,
)
from runt_tui.tui.widgets.ipyw.logic import WidgetSource
from runt_tui.tui.widgets.ipyw.progress import ProgressView
from runt_tui.tui.widgets.ipyw.selection import SelectionView
from runt_tui.tui.widgets.ipyw.sliders import SliderView
from runt_tui.tui.widgets.ipyw.text import TextView

VIEWS: dict[str, type[ModelView]] = {
    **dict.fromkeys(("IntSliderModel", "FloatSliderModel", "FloatLogSliderModel", "IntRangeSliderModel",
                     "FloatRangeSliderModel"), SliderView),
    **dict.fromkeys(("IntProgressModel", "FloatProgressModel"), ProgressView),
    "ButtonModel": ButtonView,
    **dict.fromkeys(("CheckboxModel", "ToggleButtonModel"), ToggleView),
    **dict.fromkeys(("DropdownModel", "RadioButtonsModel", "SelectModel", "ToggleButtonsModel",
                     "SelectionSliderModel"), SelectionView),
    **dict.fromkeys(("TextModel", "TextareaModel", "PasswordModel", "IntTextModel", "FloatTextModel",
                     "BoundedIntTextModel", "BoundedFloatTextModel"), TextView),
    **dict.fromkeys(("LabelModel", "HTMLModel", "HTMLMathModel"), LabelView),
    "OutputModel": OutputView,
    "ImageModel": ImageView,
    "ValidModel": ValidView,
}
CONTAINERS = frozenset({"HBoxModel", "VBoxModel", "BoxModel", "GridBoxModel"})
TABS = frozenset({"TabModel", "AccordionModel", "StackModel"})


def build(model_id: str, source: WidgetSource) -> Widget:
    """The view of one model (and, for containers, of its children)."""
    state = source.state(model_id)
    if state is None:
        return MissingView(model_id, source, source.why_missing(model_id))
    name = str(state.get("_model_name", ""))
    if name in CONTAINERS:
        return BoxView(model_id, source, build)
    if name in TABS:
        return TabsView(model_id, source, build)
    return VIEWS.get(name, UnknownView)(model_id, source)
