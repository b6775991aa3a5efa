"""Whole-text scans that find the lines a rule may touch, shared by `corpora.clean`.

A cable's lines are scanned as one text, ``"\\n" + "\\n".join(lines) + "\\n"``, with
`str.find` or a regex whose literal ``\\n`` start lets the engine jump between line starts;
only the lines a hit touches get the exact per-line rule. `fold` lower-cases text for such
word finding at a fraction of ``str.lower``'s cost.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate

__all__ = ["fold"]

#: Characters that case-insensitive patterns match as an ASCII letter of a word but that
#: ``str.lower`` does not turn into that letter (or turns into two characters).
_CASE_FOLD_ODD = ("\u0130", "\u0131", "\u017f")
_DIGITS8 = re.compile(r"\d{8}")  # every inline page break has an 8-digit serial
_ZEROS = str.maketrans("0123456789", "0000000000")


def fold(text: str) -> str:
    """``text`` lower-cased for finding lower-case ASCII words (and ``¶``) in it: the same
    length and the same offsets of every such word as ``text.lower()``, in a few
    microseconds for Latin-1 text (where ``str.lower`` costs ~8 ns a character).

    Latin-1 text is lower-cased byte-wise, ASCII letters only: ``str.lower`` turns no
    other Latin-1 character into an ASCII one, nor into two characters. Other text gets
    ``str.lower``.
    """
    if text.isascii():
        return text.lower()
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return text.lower()
    return data.lower().decode("latin-1")


def _sub_at(pattern: re.Pattern[str], text: str, low: str, words: tuple[str, ...]) -> str:
    """``pattern.sub(" ", text)`` for a pattern whose every match starts with one of
    ``words`` (lower case, matched case-insensitively): tried only where ``low``
    (``fold(text)``) holds a word, found with `str.find`. Exact unless ``text`` holds a
    character of `_CASE_FOLD_ODD` (then the full ``sub``)."""
    if len(low) != len(text) or any(c in text for c in _CASE_FOLD_ODD):
        return pattern.sub(" ", text)
    starts: list[int] = []
    for word in words:
        i = low.find(word)
        while i >= 0:
            starts.append(i)
            i = low.find(word, i + 1)
    return blank_matches_at(text, pattern, sorted(starts))


def blank_matches_at(text: str, pattern: re.Pattern, starts: Iterable[int]) -> str:
    """``pattern`` matched at each of ``starts`` (increasing), left to right without
    overlap, each match replaced by one space: ``pattern.sub(" ", text)`` when the starts
    hold every position where ``pattern`` can match (the text before a start is the
    pattern's lookbehind context)."""
    pieces: list[str] = []
    last = 0
    for start in starts:
        if start < last:
            continue
        hit = pattern.match(text, start)
        if hit is not None:
            pieces.append(text[last:start])
            pieces.append(" ")
            last = hit.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _line_starts(lines: list[str]) -> list[int]:
    """Offsets of each line's first character in ``"\\n" + "\\n".join(lines) + "\\n"``."""
    return list(accumulate((len(ln) + 1 for ln in lines[:-1]), initial=1))


def _lines_holding(text: str, words: tuple[str, ...], starts: list[int], out: set[int]) -> None:
    """Add to ``out`` the index of every line of ``text`` (a scan text) holding one of
    ``words`` (none holds a newline: after a hit the search goes on at the next line)."""
    for word in words:
        i = text.find(word)
        while i >= 0:
            out.add(bisect_right(starts, i) - 1)
            i = text.find("\n", i)
            if i < 0:
                break
            i = text.find(word, i)


def _lines_with_digits8(scan: str, starts: list[int], out: set[int]) -> None:
    """Add to ``out`` the index of every line of ``scan`` where `_DIGITS8` matches.

    ASCII text (pilcrows aside) has no other digits: its digits are turned into ``0`` by an
    ASCII-fast `str.translate` and ``00000000`` is found with `str.find`, several times
    faster than the regex scan; other text gets the regex scan.
    """
    ascii_text = scan if scan.isascii() else scan.replace("¶", "#")
    if not ascii_text.isascii():
        _touched(_DIGITS8, scan, starts, out)
        return
    zeros = ascii_text.translate(_ZEROS)
    i = zeros.find("00000000")
    while i >= 0:
        out.add(bisect_right(starts, i) - 1)
        j = zeros.find("\n", i)
        if j < 0:
            break
        i = zeros.find("00000000", j)


def _touched(pattern: re.Pattern[str], scan: str, starts: list[int], out: set[int]) -> None:
    """Add to ``out`` the index of every line that a match of ``pattern`` in ``scan`` touches
    (from the line holding the match start, or the line before, to the one holding its end)."""
    last = len(starts) - 1
    for m in pattern.finditer(scan):
        a = bisect_right(starts, m.start()) - 1
        b = bisect_right(starts, m.end()) - 1
        out.update(range(max(a, 0), min(b, last) + 1))
