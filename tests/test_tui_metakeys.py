"""ESC+key from the terminal reaches the app as Alt+key (pure parsing, no app)."""

from __future__ import annotations

import time

from textual import events

from runt_tui.tui.metakeys import MetaKeyParser, meta_keys_as_csi_u


def keys(*chunks: str) -> list[str]:
    parser = MetaKeyParser()
    out: list[str] = []
    for chunk in chunks:
        out += [e.key for e in parser.feed(chunk) if isinstance(e, events.Key)]
    time.sleep(0.15)  # past Textual's escape delay: a lone trailing ESC is the Esc key
    out += [e.key for e in parser.tick() if isinstance(e, events.Key)]
    return out


def test_escape_enter_is_alt_enter_never_a_caret_and_newline() -> None:
    assert keys("\x1b\r") == ["alt+enter"]
    assert keys("\x1b\r\x1b\r\x1b\r") == ["alt+enter"] * 3
    assert keys("a\x1b\rb") == ["a", "alt+enter", "b"]


def test_escape_letter_and_punctuation_are_alt_keys() -> None:
    assert keys("\x1bj") == ["alt+j"]
    assert keys("\x1bjk") == ["alt+j", "k"]
    assert keys("\x1b?") == ["alt+question_mark"]
    assert keys("\x1b ") == ["alt+space"]


def test_terminal_sequences_and_lone_escape_are_untouched() -> None:
    assert keys("\x1b[A", "\x1bOB") == ["up", "down"]
    assert keys("\x1b") == ["escape"]
    assert keys("\x1b\x1b") == ["escape", "escape"]
    assert meta_keys_as_csi_u("\x1b]11;rgb:0/0/0\x1b\\") == ("\x1b]11;rgb:0/0/0\x1b\\", False)


def test_pasted_text_is_left_alone_even_across_reads() -> None:
    assert meta_keys_as_csi_u("\x1b[200~a\x1b\rb\x1b[201~") == ("\x1b[200~a\x1b\rb\x1b[201~", False)
    text, in_paste = meta_keys_as_csi_u("\x1b[200~a")
    assert text == "\x1b[200~a"
    assert in_paste
    assert meta_keys_as_csi_u("\x1b\r", in_paste) == ("\x1b\r", True)
    assert meta_keys_as_csi_u("\x1b[201~\x1b\r", in_paste) == ("\x1b[201~\x1b[13;3u", False)
