"""The cells pane's window arithmetic (widgets/pane_window.py): pure functions, no app."""

from __future__ import annotations

from itertools import accumulate

from runt_tui.tui.widgets.pane_window import line_scroll, new_runs, wanted_range, window_needed


def prefix_of(heights: list[int]) -> list[int]:
    return [0, *accumulate(heights)]


def test_the_window_spans_screens_around_the_anchor_and_always_holds_it() -> None:
    prefix = prefix_of([4] * 1000)
    lo, hi = wanted_range(prefix, view=40, scroll_y=0, anchor=500, limit=60)
    assert lo <= 500 < hi and hi - lo <= 60
    # Two screens (80 rows, 20 cells) each side of the anchor.
    assert (lo, hi) == (480, 522)
    # Without an anchor: one screen above the scroll position, two below.
    assert wanted_range(prefix, view=40, scroll_y=400, anchor=None, limit=60) == (90, 121)
    # Clamped at both ends.
    assert wanted_range(prefix, view=40, scroll_y=0, anchor=0, limit=60) == (0, 22)
    assert wanted_range(prefix, view=40, scroll_y=0, anchor=999, limit=60) == (979, 1000)


def test_the_window_is_bounded_by_the_limit_around_the_anchor() -> None:
    prefix = prefix_of([1] * 1000)  # short cells: two screens hold far more than the limit
    lo, hi = wanted_range(prefix, view=40, scroll_y=0, anchor=500, limit=60)
    assert (lo, hi) == (470, 530)
    lo, hi = wanted_range(prefix, view=40, scroll_y=500, anchor=None, limit=60)
    assert hi - lo == 60


def test_a_new_window_is_needed_near_an_edge_of_the_mounted_one() -> None:
    prefix = prefix_of([4] * 100)
    assert not window_needed(prefix, view=40, scroll_y=200, lo=30, hi=80)
    assert window_needed(prefix, view=40, scroll_y=130, lo=30, hi=80)  # 10 rows below the top edge
    assert window_needed(prefix, view=40, scroll_y=270, lo=30, hi=80)  # 10 rows above the bottom edge
    assert not window_needed(prefix, view=40, scroll_y=0, lo=0, hi=30)  # nothing above to mount
    assert window_needed(prefix, view=40, scroll_y=0, lo=0, hi=0)  # nothing mounted
    assert not window_needed([0], view=40, scroll_y=0, lo=0, hi=0)  # no cells


def test_new_cells_are_made_in_runs_each_placed_before_its_mounted_neighbour() -> None:
    mounted = {"c": "C", "f": "F"}
    made: list[str] = []

    def make(cid: str) -> str:
        made.append(cid)
        return cid.upper()

    runs = new_runs(list("abcdefg"), mounted, make, "END")
    assert runs == [(["G"], "END"), (["D", "E"], "F"), (["A", "B"], "C")]
    assert sorted(made) == list("abdeg") and set(mounted) == set("abcdefg")
    assert new_runs(list("abc"), mounted, make, "END") == []  # all there: nothing made


def test_a_line_is_shown_by_the_least_scroll() -> None:
    assert line_scroll(10, scroll_y=0, view=20) is None
    assert line_scroll(5, scroll_y=8, view=20) == 5  # above: it becomes the top row
    assert line_scroll(30, scroll_y=0, view=20) == 11  # below: it becomes the bottom row
    assert line_scroll(19, scroll_y=0, view=20) is None
