"""Fractional indexing: order keys that always leave room for another key between two.

Cells are ordered by a `position` string instead of a list index, so that a move
rewrites one field and concurrent moves cannot duplicate a cell. Keys follow the
well-known "fractional-indexing" layout: a variable-length integer part (its
length encoded by the head character) followed by a base-62 fraction, compared
as plain strings.
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE = len(DIGITS)
_INDEX = {c: i for i, c in enumerate(DIGITS)}
INTEGER_ZERO = "a0"
SMALLEST_INTEGER = "A" + "0" * 26


class FracIndexError(ValueError):
    """A key is malformed or the requested range is empty."""


def _midpoint(a: str, b: str | None) -> str:
    """Return a fraction strictly between fractions `a` and `b` (None = 1)."""
    if b is not None and a >= b:
        raise FracIndexError(f"{a!r} >= {b!r}")
    if a.endswith("0") or (b is not None and b.endswith("0")):
        raise FracIndexError("fraction with a trailing zero")
    if b:
        n = 0
        while n < len(b) and (a[n] if n < len(a) else "0") == b[n]:
            n += 1
        if n > 0:
            return b[:n] + _midpoint(a[n:], b[n:])
    digit_a = _INDEX[a[0]] if a else 0
    digit_b = _INDEX[b[0]] if b else _BASE
    if digit_b - digit_a > 1:
        return DIGITS[(digit_a + digit_b + 1) // 2]
    if b is not None and len(b) > 1:
        return b[:1]
    return DIGITS[digit_a] + _midpoint(a[1:], None)


def _integer_length(head: str) -> int:
    if "a" <= head <= "z":
        return ord(head) - ord("a") + 2
    if "A" <= head <= "Z":
        return ord("Z") - ord(head) + 2
    raise FracIndexError(f"invalid order key head {head!r}")


def _integer_part(key: str) -> str:
    if not key:
        raise FracIndexError("empty order key")
    length = _integer_length(key[0])
    if length > len(key):
        raise FracIndexError(f"invalid order key {key!r}")
    return key[:length]


def validate_key(key: str) -> None:
    """Raise FracIndexError unless `key` is a well-formed order key."""
    if key == SMALLEST_INTEGER:
        raise FracIndexError("the smallest integer is not a valid key")
    integer = _integer_part(key)
    fraction = key[len(integer) :]
    if fraction.endswith("0") or any(c not in _INDEX for c in key[1:]):
        raise FracIndexError(f"invalid order key {key!r}")


def _increment_integer(x: str) -> str | None:
    head, digits = x[0], list(x[1:])
    carry = True
    for i in range(len(digits) - 1, -1, -1):
        d = _INDEX[digits[i]] + 1
        if d == _BASE:
            digits[i] = "0"
        else:
            digits[i] = DIGITS[d]
            carry = False
            break
    if carry:
        if head == "Z":
            return "a0"
        if head == "z":
            return None
        new_head = chr(ord(head) + 1)
        if new_head > "a":
            digits.append("0")
        else:
            digits.pop()
        return new_head + "".join(digits)
    return head + "".join(digits)


def _decrement_integer(x: str) -> str | None:
    head, digits = x[0], list(x[1:])
    borrow = True
    for i in range(len(digits) - 1, -1, -1):
        d = _INDEX[digits[i]] - 1
        if d == -1:
            digits[i] = DIGITS[-1]
        else:
            digits[i] = DIGITS[d]
            borrow = False
            break
    if borrow:
        if head == "a":
            return "Z" + DIGITS[-1]
        if head == "A":
            return None
        new_head = chr(ord(head) - 1)
        if new_head < "Z":
            digits.append(DIGITS[-1])
        else:
            digits.pop()
        return new_head + "".join(digits)
    return head + "".join(digits)


def key_between(a: str | None, b: str | None) -> str:
    """Return a key strictly between `a` and `b` (None meaning the open end)."""
    if a is not None:
        validate_key(a)
    if b is not None:
        validate_key(b)
    if a is not None and b is not None and a >= b:
        raise FracIndexError(f"{a!r} >= {b!r}")
    if a is None:
        if b is None:
            return INTEGER_ZERO
        ib = _integer_part(b)
        fb = b[len(ib) :]
        if ib == SMALLEST_INTEGER:
            return ib + _midpoint("", fb)
        if ib < b:
            return ib
        res = _decrement_integer(ib)
        if res is None:
            raise FracIndexError("cannot decrement any more")
        return res
    if b is None:
        ia = _integer_part(a)
        fa = a[len(ia) :]
        i = _increment_integer(ia)
        return ia + _midpoint(fa, None) if i is None else i
    ia = _integer_part(a)
    fa = a[len(ia) :]
    ib = _integer_part(b)
    fb = b[len(ib) :]
    if ia == ib:
        return ia + _midpoint(fa, fb)
    i = _increment_integer(ia)
    if i is None:
        raise FracIndexError("cannot increment any more")
    if i < b:
        return i
    return ia + _midpoint(fa, None)


def n_keys_between(a: str | None, b: str | None, n: int) -> list[str]:
    """Return `n` ascending keys strictly between `a` and `b`, spread evenly."""
    if n <= 0:
        return []
    if n == 1:
        return [key_between(a, b)]
    if b is None:
        out: list[str] = []
        c = a
        for _ in range(n):
            c = key_between(c, None)
            out.append(c)
        return out
    if a is None:
        rev: list[str] = []
        c2: str | None = b
        for _ in range(n):
            c2 = key_between(None, c2)
            rev.append(c2)
        return rev[::-1]
    mid = n // 2
    c = key_between(a, b)
    return [*n_keys_between(a, c, mid), c, *n_keys_between(c, b, n - mid - 1)]
