"""Carrying highlighted tokens across one small edit inside a line (pure, no UI)."""

from __future__ import annotations

import random

from rich.style import Style

from runt_tui.tui.widgets.splice_tokens import (
    MAX_CHANGE,
    joined,
    splice_tokens,
)
from runt_tui.tui.widgets.syntax_lines import exact_tokens

NAME, KEYWORD, OP, SPACE = Style(color="white"), Style(color="blue"), Style(color="red"), Style()
TOKENS = [("def", KEYWORD), (" ", SPACE), ("predict", NAME), ("(", OP), ("x", NAME), (")", OP), ("\n", SPACE)]
TEXT = "def predict(x)\n"


def test_typing_inside_or_after_a_word_takes_its_style() -> None:
    assert splice_tokens(TEXT, TOKENS, "def predicts(x)\n") == [
        ("def", KEYWORD), (" ", SPACE), ("predicts", NAME), ("(", OP), ("x", NAME), (")", OP), ("\n", SPACE)]
    assert splice_tokens(TEXT, TOKENS, "def preQdict(x)\n")[2] == ("preQdict", NAME)  # type: ignore[index]


def test_typing_before_a_word_after_a_space_takes_the_words_style() -> None:
    assert splice_tokens(TEXT, TOKENS, "def Qpredict(x)\n")[2] == ("Qpredict", NAME)  # type: ignore[index]
    assert splice_tokens(TEXT, TOKENS, "Qdef predict(x)\n")[0] == ("Qdef", KEYWORD)  # type: ignore[index]


def test_deleting_a_token_joins_its_neighbours_of_one_style() -> None:
    tokens = [("a", NAME), (".", OP), ("b", NAME), ("\n", SPACE)]
    assert splice_tokens("a.b\n", tokens, "ab\n") == [("ab", NAME), ("\n", SPACE)]


def test_edits_across_lines_or_too_big_are_refused() -> None:
    assert splice_tokens(TEXT, TOKENS, "def\npredict(x)\n") is None
    assert splice_tokens(TEXT, TOKENS, TEXT.replace("x", "y" * (MAX_CHANGE + 1))) is None
    assert splice_tokens(TEXT, TOKENS, TEXT) == TOKENS


def test_joined_merges_runs_of_one_style() -> None:
    assert joined([("(", OP), (")", OP), ("", NAME), ("x", NAME)]) == [("()", OP), ("x", NAME)]


def test_any_single_edit_keeps_the_text_and_typing_in_words_is_usually_exact() -> None:
    source = 'def f(stats, scale=2):\n    """Doc."""\n    return [stats[k] * scale for k in range(len(stats))]\n'
    tokens = exact_tokens(source, "python", True)
    rng = random.Random(7)
    exact = total = 0
    for _ in range(300):
        at = rng.randrange(len(source))
        edited = source[:at] + rng.choice(["x", "_", "1", " ", "(", "'", ""]) + source[at + 1 :]
        spliced = splice_tokens(source, tokens, edited)
        if spliced is None:
            continue
        assert "".join(t for t, _ in spliced) == edited
        if source[at].isalnum():
            total += 1
            exact += spliced == exact_tokens(edited, "python", True)
    assert total and exact / total > 0.5
