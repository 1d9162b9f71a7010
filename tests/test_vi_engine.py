"""The vi engine, table-driven: keys typed on a text with a cursor, against the expected text and cursor.

`|` marks the cursor (before the character it is on); keys are vim notation
(`<Esc>`, `<CR>`, `<BS>`, `<C-r>`). Insert mode's typing is done as the editor
does it (the engine hands those keys back with action "pass").
"""

from __future__ import annotations

import re

import pytest

from runt_tui.tui.vi import (
    INSERT,
    NORMAL,
    VISUAL,
    VISUAL_LINE,
    Register,
    ViState,
    feed,
    feed_keys,
    mode_label,
)
from runt_tui.tui.vi.state import parse
from runt_tui.tui.vi.visual import visual_span

_NAMES = {"<Esc>": "escape", "<CR>": "enter", "<Del>": "delete", "<BS>": "backspace", "<C-r>": "ctrl+r", "<C-e>": "ctrl+e"}


def keys_of(spec: str) -> list[str]:
    return [_NAMES.get(k, k) for k in re.findall(r"<[^>]+>|.", spec, flags=re.S)]


def split(marked: str) -> tuple[str, int]:
    at = marked.index("|")
    return marked.replace("|", "", 1), at


def run(marked: str, spec: str, state: ViState | None = None) -> tuple[str, str]:
    text, cursor = split(marked)
    result = feed_keys(state or ViState(), keys_of(spec), text, cursor)
    out = result.text[: result.cursor] + "|" + result.text[result.cursor :]
    return out, result.state.mode


CASES = [
    # motions
    ("h", "ab|c", "a|bc"),
    ("h at the line start stays", "ab\n|cd", "ab\n|cd"),
    ("l", "|abc", "a|bc"),
    ("l stops on the last character", "a|b\ncd", "a|b\ncd"),
    ("3l", "|abcdef", "abc|def"),
    ("j keeps the column", "ab|cd\nefgh", "abcd\nef|gh"),
    ("j onto a shorter line", "abc|d\nef\nghijk", "abcd\ne|f\nghijk"),
    ("jj remembers the column", "abc|d\nef\nghijk", "abcd\nef\nghi|jk"),
    ("k", "ab\ncd|e", "a|b\ncde"),
    ("j on the last line stays", "ab\n|cd", "ab\n|cd"),
    ("5j goes as far as it can", "|a\nb\nc", "a\nb\n|c"),
    ("w", "|foo bar", "foo |bar"),
    ("w over punctuation", "|foo.bar(x)", "foo|.bar(x)"),
    ("W over punctuation", "|foo.bar(x) y", "foo.bar(x) |y"),
    ("w to the next line", "foo |bar\n  baz", "foo bar\n  |baz"),
    ("w stops at an empty line", "|foo\n\nbar", "foo\n|\nbar"),
    ("3w", "|a b c d", "a b c |d"),
    ("b", "foo b|ar", "foo |bar"),
    ("bb", "foo b|ar", "|foo bar"),
    ("b to the previous line", "foo\n|bar", "|foo\nbar"),
    ("e", "|foo bar", "fo|o bar"),
    ("ee", "|foo bar", "foo ba|r"),
    ("0", "  ab|c", "|  abc"),
    ("^", "  ab|c", "  |abc"),
    ("$", "|abc\nde", "ab|c\nde"),
    ("$ then j keeps the end", "|abc\ndefgh", "abc\ndefg|h"),
    ("gg", "a\nb\n|c", "|a\nb\nc"),
    ("Enter goes to the next line's first non-blank", "|a\n  b", "a\n  |b"),
    ("- goes to the previous line's first non-blank", "  a\n|b", "  |a\nb"),
    ("Enter on the last line stays", "a\n|b", "a\n|b"),
    ("d Enter deletes two lines", "|a\nb\nc", "|c"),
    ("Delete deletes the character", "|ab", "|b"),
    ("G", "|a\n  b", "a\n  |b"),
    ("2G", "|a\n b\nc", "a\n |b\nc"),
    ("3gg", "|a\nb\n c", "a\nb\n |c"),
    ("f", "|a(b, c)", "a(b|, c)"),
    ("2f", "|a, b, c", "a, b|, c"),
    ("t", "|a(b, c)", "a(|b, c)"),
    ("F", "a(b, |c)", "a|(b, c)"),
    ("T", "a(b, |c)", "a(|b, c)"),
    ("f not found stays", "|abc", "|abc"),
    ("df", "|foo(bar)", "|bar)"),
    ("ct", "|foo(bar)", "x|(bar)"),
    ("dT", "foo(ba|r)", "foo(|r)"),
    ("vf then d", "|abc.def", "|ef"),
    # x, dd, dw, cw and friends
    ("x", "a|bc", "a|c"),
    ("x on the last character", "ab|c", "a|b"),
    ("3x", "|abcde", "|de"),
    ("x stops at the line end", "a|bc\nd", "|a\nd"),
    ("X", "ab|c", "a|c"),
    ("dd", "one\n|two\nthree", "one\n|three"),
    ("dd the last line", "one\nt|wo", "|one"),
    ("dd the only line", "o|ne", "|"),
    ("2dd", "|a\nb\nc", "|c"),
    ("d2d is 2dd", "|a\nb\nc", "|c"),
    ("dd keeps indentation for the cursor", "|a\n    b", "    |b"),
    ("dw", "|foo bar", "|bar"),
    ("dw at the last word stops at the line end", "foo |bar\nbaz", "foo| \nbaz"),
    ("2dw", "|a b c", "|c"),
    ("d3w", "|a b c d", "|d"),
    ("2d2w", "|a b c d e", "|e"),
    ("de", "|foo bar", "| bar"),
    ("db", "foo |bar", "|bar"),
    ("d$", "a|bc\nd", "|a\nd"),
    ("D", "a|bc", "|a"),
    ("d0", "ab|c", "|c"),
    ("dj", "|a\nb\nc", "|c"),
    ("dk", "a\n|b\nc", "|c"),
    ("dG", "a\n|b\nc", "|a"),
    ("dgg", "a\nb\n|c\nd", "|d"),
    ("cw", "|foo bar", "|x bar"),
    ("cw on the last letter of a word", "fo|o bar", "fox| bar"),
    ("2cw", "|foo bar baz", "x| baz"),
    ("cw on blanks", "foo|  bar", "foox|bar"),
    ("c$", "a|bc", "ax|"),
    ("C", "a|bc", "ax|"),
    ("cc keeps the indent", "  a|bc\nd", "  x|\nd"),
    ("S", "  a|bc", "  x|"),
    ("s", "|abc", "x|bc"),
    ("cb", "foo |bar", "x|bar"),
    ("r", "|abc", "|xbc"),
    ("3r", "|abcd", "xx|xd"),
    ("r past the line end does nothing", "a|b", "a|b"),
    ("J", "a|bc\n   def", "abc| def"),
    ("3J", "|a\nb\nc\nd", "a b| c\nd"),
    ("J with an empty line", "|a\n\nb", "a|\nb"),
    ("J of the last line does nothing", "a\n|b", "a\n|b"),
    ("~", "|ab", "A|b"),
    ("3~", "|aBcd", "AbC|d"),
    (". repeats r", "|abc", "x|xc"),
    # yank and put
    ("yyp", "|one\ntwo", "one\n|one\ntwo"),
    ("yyP", "one\n|two", "one\n|two\ntwo"),
    ("yyp on the last line", "one\n|two", "one\ntwo\n|two"),
    ("yy2p", "|a\nb", "a\n|a\na\nb"),
    ("ywP", "|foo bar", "foo| foo bar"),
    ("ywp", "|foo bar", "ffoo| oo bar"),
    ("xp swaps two letters", "|ab", "b|a"),
    ("ddp swaps two lines", "|a\nb", "b\n|a"),
    ("dwwP", "|foo bar baz", "bar foo| baz"),
    ("y$ leaves the text", "a|bc", "a|bc"),
    ("y$P", "a|bc", "ab|cbc"),
    ("yw keeps the cursor at the start", "foo b|ar baz", "foo b|ar baz"),
    ("yb moves to the start", "foo b|ar", "foo |bar"),
    ("P of a line on an empty text", "|", "|"),
    # insert commands
    ("i", "a|c", "ab|c"),
    ("a", "a|c", "acb|"),
    ("I", "  a|c", "  b|ac"),
    ("A", "a|c\nd", "acb|\nd"),
    ("o copies the indent", "  a|c\nd", "  ac\n  b|\nd"),
    ("O", "a|c", "b|\nac"),
    ("Enter and Backspace in insert mode", "|", "a\nc|"),
    ("3i repeats the typing", "|x", "ababa|bx"),
    ("2o opens two lines", "|a", "a\nb\n|b"),
    # repeat
    (". repeats x", "|abcd", "|cd"),
    (". repeats dd", "|a\nb\nc", "|c"),
    (". repeats cw with its typing", "|foo bar", "X |X"),
    (". repeats dw with a new count", "|a b c d", "|d"),
    (". repeats A", "|a\nb", "a!\nb|!"),
    ("3. replaces the count", "|a b c d e f g", "|f g"),
    (". repeats p", "|ab", "aa|ab"),
    ("u and Ctrl+R are for the app", "a|b", "a|b"),
    # search
    ("/ finds the next match", "|foo bar foo", "foo bar |foo"),
    ("/ wraps", "foo ba|r", "|foo bar"),
    ("n repeats the search", "|x a x a x", "x a x a |x"),
    ("N goes back", "|x a x a x", "x a |x a x"),
    ("/ is smartcase", "|Foo foo", "Foo |foo"),
    ("/ with a capital is case-sensitive", "|foo Foo", "foo |Foo"),
    ("Esc cancels the search", "|foo", "|foo"),
    ("/ with an empty pattern repeats", "|ab ab ab", "ab ab |ab"),
    # visual
    ("vd", "|abc", "|c"),
    ("vey and P", "|foo bar", "fo|ofoo bar"),
    ("Vjd", "|a\nb\nc", "|c"),
    ("Vy then p", "|a\nb", "a\n|a\nb"),
    ("vc", "|abc", "x|c"),
    ("v o swaps ends", "a|bcd", "|d"),
    ("v Esc", "|abc", "a|bc"),
    ("dd in visual line mode counts", "|a\nb\nc\nd", "|d"),
    # counts and pending keys
    ("Esc drops a pending operator", "|abc", "|bc"),
    ("an unknown key is swallowed", "|abc", "|abc"),
    ("10l", "|abcdefghijklm", "abcdefghij|klm"),
]

KEYS = {
    "h": "h", "h at the line start stays": "h", "l": "l", "l stops on the last character": "l", "3l": "3l",
    "j keeps the column": "j", "j onto a shorter line": "j", "jj remembers the column": "jj", "k": "k",
    "j on the last line stays": "j", "5j goes as far as it can": "5j", "w": "w", "w over punctuation": "w",
    "W over punctuation": "W", "w to the next line": "w", "w stops at an empty line": "w", "3w": "3w",
    "Enter goes to the next line's first non-blank": "<CR>", "- goes to the previous line's first non-blank": "-",
    "Enter on the last line stays": "<CR>", "d Enter deletes two lines": "d<CR>", "Delete deletes the character": "<Del>",
    "f": "f,", "2f": "2f,", "t": "t,", "F": "F(", "T": "T(", "f not found stays": "fz", "df": "df(",
    "ct": "ct(x", "dT": "dT(", "vf then d": "vf.ld",
    "r": "rx", "3r": "3rx", "r past the line end does nothing": "3rx", "J": "J", "3J": "3J",
    "J with an empty line": "J", "J of the last line does nothing": "J", "~": "~", "3~": "3~",
    ". repeats r": "rxl.",
    "b": "b", "bb": "bb", "b to the previous line": "b", "e": "e", "ee": "ee", "0": "0", "^": "^", "$": "$",
    "$ then j keeps the end": "$j", "gg": "gg", "G": "G", "2G": "2G", "3gg": "3gg",
    "x": "x", "x on the last character": "x", "3x": "3x", "x stops at the line end": "5x", "X": "X",
    "dd": "dd", "dd the last line": "dd", "dd the only line": "dd", "2dd": "2dd", "d2d is 2dd": "d2d",
    "dd keeps indentation for the cursor": "dd", "dw": "dw", "dw at the last word stops at the line end": "dw",
    "2dw": "2dw", "d3w": "d3w", "2d2w": "2d2w", "de": "de", "db": "db", "d$": "d$", "D": "D", "d0": "d0",
    "dj": "dj", "dk": "dk", "dG": "dG", "dgg": "dgg", "cw": "cwx<Esc>",
    "cw on the last letter of a word": "cwx", "2cw": "2cwx", "cw on blanks": "cwx", "c$": "c$x", "C": "Cx",
    "cc keeps the indent": "ccx", "S": "Sx", "s": "sx", "cb": "cbx",
    "yyp": "yyp", "yyP": "yyP", "yyp on the last line": "yyp", "yy2p": "yy2p", "ywP": "ywP", "ywp": "ywp",
    "xp swaps two letters": "xp", "ddp swaps two lines": "ddp", "dwwP": "dwwP", "y$ leaves the text": "y$",
    "y$P": "y$P", "yw keeps the cursor at the start": "yw", "yb moves to the start": "yb",
    "P of a line on an empty text": "P",
    "i": "ib", "a": "ab", "I": "Ib", "A": "Ab", "o copies the indent": "ob", "O": "Ob",
    "Enter and Backspace in insert mode": "ia<CR>bb<BS><BS>c", "3i repeats the typing": "3iab<Esc>",
    "2o opens two lines": "2ob<Esc>",
    ". repeats x": "x.", ". repeats dd": "dd.", ". repeats cw with its typing": "cwX<Esc>w.",
    ". repeats dw with a new count": "dw2.", ". repeats A": "A!<Esc>j.", "3. replaces the count": "2dw3.",
    ". repeats p": "ylp.", "u and Ctrl+R are for the app": "u<C-r>",
    "/ finds the next match": "/foo<CR>", "/ wraps": "/foo<CR>", "n repeats the search": "/x<CR>n",
    "N goes back": "/x<CR>nN", "/ is smartcase": "/foo<CR>", "/ with a capital is case-sensitive": "/Foo<CR>",
    "Esc cancels the search": "/o<Esc>", "/ with an empty pattern repeats": "/ab<CR>/<CR>",
    "vd": "vld", "vey and P": "veyP", "Vjd": "Vjd", "Vy then p": "Vyp", "vc": "vlcx", "v o swaps ends": "vlohd",
    "v Esc": "vl<Esc>", "dd in visual line mode counts": "V2jd",
    "Esc drops a pending operator": "d<Esc>x", "an unknown key is swallowed": "Q", "10l": "10l",
}


@pytest.mark.parametrize(("name", "before", "after"), CASES, ids=[c[0] for c in CASES])
def test_vi_keys(name: str, before: str, after: str) -> None:
    got, _ = run(before, KEYS[name])
    assert got == after


def test_every_case_has_keys() -> None:
    assert {c[0] for c in CASES} == set(KEYS)


def test_modes() -> None:
    assert run("|ab", "i")[1] == INSERT
    assert run("|ab", "ix<Esc>")[1] == NORMAL
    assert run("|ab", "v")[1] == VISUAL
    assert run("|ab", "V")[1] == VISUAL_LINE
    assert run("|ab", "vV")[1] == VISUAL_LINE
    assert run("|ab", "cw")[1] == INSERT


def test_escape_in_normal_mode_leaves_and_undo_is_the_apps() -> None:
    s = ViState()
    assert feed(s, "escape", "ab", 0).action == "leave"
    undo = feed_keys(s, ["3", "u"], "ab", 0)
    assert (undo.action, undo.count) == ("undo", 3)
    assert feed(s, "ctrl+r", "ab", 0).action == "redo"
    # keys the engine does not know (the app's Ctrl+E, arrows) are left to the editor and the app
    assert feed(s, "ctrl+e", "ab", 0).action == "pass"
    assert feed(s, "up", "ab", 0).action == "pass"
    assert feed(s, "Q", "ab", 0).action == ""
    # j / k at the edge of the cell walk to the next / previous cell
    down = feed(s, "j", "a\nb", 2)
    assert (down.action, down.count) == ("walk", 1)
    up = feed(s, "k", "a\nb", 0)
    assert (up.action, up.count) == ("walk", -1)
    assert feed(s, "j", "a\nb", 0).action == ""
    assert feed_keys(s, ["d", "j"], "a", 0).action == ""  # an operator never walks


def test_insert_mode_passes_keys_and_records_them() -> None:
    s = feed(ViState(), "i", "ab", 0).state
    r = feed(s, "x", "ab", 0)
    assert r.action == "pass" and r.text == "ab"
    assert r.state.recording is not None and r.state.recording.typed == ("x",)


def test_registers() -> None:
    r = feed_keys(ViState(), list("yy"), "a\nb", 0)
    assert r.state.register == Register("a\n", True)
    r = feed_keys(ViState(), list("dw"), "foo bar", 0)
    assert r.state.register == Register("foo ", False)
    r = feed_keys(ViState(), list("Vd"), "a\nb", 2)
    assert r.state.register == Register("b\n", True)


def test_search_messages_and_prompt() -> None:
    s = feed_keys(ViState(), list("/fo"), "foo", 0).state
    assert mode_label(s) == "/fo"
    assert feed_keys(ViState(), ["/", "z", "enter"], "foo", 0).message == "Pattern not found: z"
    assert "continuing at TOP" in feed_keys(ViState(), ["/", "a", "enter"], "a b", 1).message
    assert feed(ViState(), "n", "foo", 0).message == "No previous pattern"


def test_mode_labels() -> None:
    assert mode_label(ViState()) == "NORMAL"
    assert mode_label(feed(ViState(), "2", "x", 0).state) == "NORMAL 2"
    assert mode_label(feed(ViState(), "i", "x", 0).state) == "INSERT"
    assert mode_label(feed(ViState(), "V", "x", 0).state) == "V-LINE"


def test_visual_span() -> None:
    s = feed(ViState(), "v", "abc\ndef", 1).state
    assert visual_span(s, "abc\ndef", 5) == (1, 6)
    s = feed(ViState(), "V", "abc\ndef", 1).state
    assert visual_span(s, "abc\ndef", 5) == (0, 7)


def test_parse() -> None:
    cmd = parse(("2", "d", "3", "w"))
    assert not isinstance(cmd, str)
    assert (cmd.count, cmd.operator, cmd.key, cmd.keys) == (6, "d", "w", ("d", "w"))
    assert parse(("d",)) == "pending"
    assert parse(("g",)) == "pending"
    assert parse(("g", "x")) == "invalid"
    zero = parse(("0",))
    assert not isinstance(zero, str) and zero.key == "0"
