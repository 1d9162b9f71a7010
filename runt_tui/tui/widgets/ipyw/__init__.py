"""ipywidgets drawn as Textual widgets: one small module per widget family.

`view.WidgetView` is mounted for each widget-view output of a cell; it builds
the model tree with `registry.build` and keeps it live from the session's
`WidgetMirror` (client/widgets.py).
"""
