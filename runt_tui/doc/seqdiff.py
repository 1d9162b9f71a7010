"""A bounded-work diff of two sequences (of line ids or characters): the changed blocks.

difflib's SequenceMatcher is quadratic on repetitive input (a 57k-character cell
stopped the daemon for most of a minute), so this diff keeps its work near
linear whatever the input: common ends are trimmed, elements unique to both
sides anchor the rest (patience diff, with a longest increasing subsequence),
and the gaps between anchors get an exact Myers diff only while its cost stays
under a budget. A region that none of these can split is reported as one
replaced block: the result is always correct, and minimal where it matters
(a few edits in a big text), but may be coarser on adversarial input.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import NamedTuple

# Exact Myers diff of a region while (len(a) + len(b)) * D stays below this.
MYERS_WORK = 60_000
# How deep anchors split regions (each level is O(n log n) over disjoint regions).
MAX_DEPTH = 6


class Block(NamedTuple):
    """`a[i1:i2]` is replaced by `b[j1:j2]` (one side may be empty)."""

    i1: int
    i2: int
    j1: int
    j2: int


def lis(seq: Sequence[int]) -> list[int]:
    """Indices (into seq, ascending) of one longest strictly increasing subsequence."""
    tails: list[int] = []
    tails_idx: list[int] = []
    prev = [-1] * len(seq)
    for i, v in enumerate(seq):
        j = bisect.bisect_left(tails, v)
        if j == len(tails):
            tails.append(v)
            tails_idx.append(i)
        else:
            tails[j] = v
            tails_idx[j] = i
        prev[i] = tails_idx[j - 1] if j > 0 else -1
    out: list[int] = []
    k = tails_idx[-1] if tails_idx else -1
    while k >= 0:
        out.append(k)
        k = prev[k]
    out.reverse()
    return out


def diff_blocks(a: Sequence[Hashable], b: Sequence[Hashable], work: int = MYERS_WORK) -> list[Block]:
    """Ascending, disjoint blocks outside of which `a` and `b` are equal, element for element."""
    out: list[Block] = []
    stack = [(0, len(a), 0, len(b), 0)]
    while stack:
        i1, i2, j1, j2, depth = stack.pop()
        i1, i2, j1, j2 = _trim(a, b, i1, i2, j1, j2)
        if i1 == i2 and j1 == j2:
            continue
        if i1 == i2 or j1 == j2:
            out.append(Block(i1, i2, j1, j2))
            continue
        size = (i2 - i1) + (j2 - j1)
        exact = _myers(a, b, i1, i2, j1, j2, max(1, work // size))
        if exact is not None:
            out.extend(exact)
            continue
        anchors = _anchors(a, b, i1, i2, j1, j2) if depth < MAX_DEPTH else []
        if not anchors:
            out.append(Block(i1, i2, j1, j2))
            continue
        pi, pj = i1, j1
        for ai, bj in anchors:
            stack.append((pi, ai, pj, bj, depth + 1))
            pi, pj = ai + 1, bj + 1
        stack.append((pi, i2, pj, j2, depth + 1))
    out.sort()
    return out


def _trim(a: Sequence[Hashable], b: Sequence[Hashable], i1: int, i2: int, j1: int, j2: int) -> tuple[int, int, int, int]:
    while i1 < i2 and j1 < j2 and a[i1] == b[j1]:
        i1 += 1
        j1 += 1
    while i1 < i2 and j1 < j2 and a[i2 - 1] == b[j2 - 1]:
        i2 -= 1
        j2 -= 1
    return i1, i2, j1, j2


def _anchors(a: Sequence[Hashable], b: Sequence[Hashable], i1: int, i2: int, j1: int, j2: int) -> list[tuple[int, int]]:
    """Pairs (i, j) of elements occurring once in each region, in an order both sides agree on."""
    count_a = Counter(a[i1:i2])
    count_b = Counter(b[j1:j2])
    where_b = {b[j]: j for j in range(j1, j2) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(i1, i2) if count_a[a[i]] == 1 and a[i] in where_b]
    return [pairs[k] for k in lis([j for _, j in pairs])]


def _myers(
    a: Sequence[Hashable], b: Sequence[Hashable], i1: int, i2: int, j1: int, j2: int, max_d: int
) -> list[Block] | None:
    """The shortest edit script of a region as blocks, or None when it needs more than `max_d` steps."""
    n, m = i2 - i1, j2 - j1
    v: dict[int, int] = {1: 0}
    trace: list[dict[int, int]] = []
    for d in range(min(max_d, n + m) + 1):
        vd: dict[int, int] = {}
        for k in range(-d, d + 1, 2):
            x = v[k + 1] if k == -d or (k != d and v[k - 1] < v[k + 1]) else v[k - 1] + 1
            y = x - k
            while x < n and y < m and a[i1 + x] == b[j1 + y]:
                x += 1
                y += 1
            vd[k] = x
            if x >= n and y >= m:
                trace.append(vd)
                return _backtrack(trace, n, m, i1, j1)
        trace.append(vd)
        v = vd
    return None


def _backtrack(trace: list[dict[int, int]], n: int, m: int, i1: int, j1: int) -> list[Block]:
    """Blocks of the path found by _myers, merging adjacent single-element steps."""
    steps: list[tuple[int, int, bool]] = []  # (x, y, deletes a[x] rather than inserts b[y])
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        prev = trace[d - 1]
        k = x - y
        down = k == -d or (k != d and prev[k - 1] < prev[k + 1])
        pk = k + 1 if down else k - 1
        px = prev[pk]
        py = px - pk
        steps.append((px, py, not down))
        x, y = px, py
    steps.reverse()
    blocks: list[Block] = []
    for sx, sy, deletes in steps:
        ei, ej = (sx + 1, sy) if deletes else (sx, sy + 1)
        if blocks and blocks[-1].i2 == i1 + sx and blocks[-1].j2 == j1 + sy:
            last = blocks[-1]
            blocks[-1] = Block(last.i1, i1 + ei, last.j1, j1 + ej)
        else:
            blocks.append(Block(i1 + sx, i1 + ei, j1 + sy, j1 + ej))
    return blocks
