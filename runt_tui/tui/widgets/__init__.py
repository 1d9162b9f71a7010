"""Widgets, grouped by screen region: the cells pane and its cells, the status bar."""
