"""Marker words and ``SIPDIS`` removed from cable text, shared by `corpora.clean`.

`_MARKERS` matches the summary/comment/note markers (``END SUMMARY.``, ``COMMENT:``,
``(C) Summary:``) that `corpora.clean` removes anywhere in a body; `_sub_markers` and
`_sub_sipdis` do ``pattern.sub(" ", text)`` by trying the pattern only where a match can
start (found with `str.find` on a lower-cased copy), which is exact unless the text holds a
character case-insensitive patterns take for an ASCII letter (then the full scan).
"""

from __future__ import annotations

import re

from corpora.linescan import _CASE_FOLD_ODD, fold

_I = re.IGNORECASE
_M = re.MULTILINE

_SIPDIS = re.compile(r"SIPDIS", _I)
# Every match starts with a blank or a marker word's first letter: the leading lookahead
# lets the scan reject other positions with one test (same matches, ~1.5x faster).
_MARKERS = re.compile(
    r"(?=[ \tBESCN])(?:\b(?:END|BEGIN)\s+(?:(?:OF\s+)?SUMMARY|COMMENT|TEXT|NOTE)\b\s*[.:]?|"
    r"(?:^|(?<=\)\s)|(?<=\))|(?<=[.!?]\s))[ \t]*(?:SUMMARY|COMMENT|NOTE)[ \t]*(?::|\.(?=\s|$)|-+))",
    _I | _M,
)


def _sub_sipdis(text: str, low: str) -> str:
    """``_SIPDIS.sub(" ", text)``, found with `str.find` on ``low`` (``text.lower()``)
    where that is exact (see `_marker_spans`)."""
    if len(low) != len(text) or any(c in text for c in _CASE_FOLD_ODD):
        return _SIPDIS.sub(" ", text)
    out: list[str] = []
    cur = 0
    i = low.find("sipdis")
    while i >= 0:
        out.append(text[cur:i])
        out.append(" ")
        cur = i + 6
        i = low.find("sipdis", cur)
    out.append(text[cur:])
    return "".join(out)


def _marker_spans(text: str, low: str) -> list[tuple[int, int]] | None:
    """The spans ``_MARKERS.finditer(text)`` yields, or None when only a full scan can tell.

    ``low`` is ``text.lower()``. The pattern is tried only where a match can start (a full
    scan costs ~45 ns a character): at each ``end``/``begin`` and at each
    ``summary``/``comment``/``note`` and the blanks before it, found with ``str.find`` on
    ``low``. That has the same offsets as ``text``, and `_MARKERS` matches a letter of these
    words only where the lower-cased character is that letter, except for the characters in
    `_CASE_FOLD_ODD` (then None).
    """
    if len(low) != len(text) or any(c in text for c in _CASE_FOLD_ODD):
        return None
    starts: list[int] = []
    n = len(text)
    for word in ("end", "begin"):
        # only the first alternative can match here: a word boundary before the word
        # (``\b``: no word character, as `str.isalnum` or ``_``) and a blank after it
        i = low.find(word)
        while i >= 0:
            k = i + len(word)
            if k < n and text[k].isspace() and (
                i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
            ):
                starts.append(i)
            i = low.find(word, k)
    for word in ("summary", "comment", "note"):
        # only the second alternative: the word, blanks, then ":", "." or "-"
        i = low.find(word)
        while i >= 0:
            k = i + len(word)
            while k < n and text[k] in " \t":
                k += 1
            if k < n and text[k] in ":.-":
                starts.append(i)
                j = i
                while j > 0 and text[j - 1] in " \t":
                    j -= 1
                    starts.append(j)
            i = low.find(word, i + 1)
    spans: list[tuple[int, int]] = []
    cur = 0
    for p in sorted(starts):
        if p < cur:
            continue
        m = _MARKERS.match(text, p)  # with the text before p as context, as a scan has
        if m is not None and m.end() > p:
            spans.append((p, m.end()))
            cur = m.end()
    return spans


def _sub_markers(text: str) -> str:
    """`_MARKERS` removed; skipped (the scan is slow) when no marker word is in ``text``."""
    low = fold(text)
    if not ("summary" in low or "comment" in low or "note" in low or "text" in low):
        return text
    spans = _marker_spans(text, low)
    if spans is None:
        return _MARKERS.sub(" ", text)
    if not spans:
        return text
    out: list[str] = []
    cur = 0
    for p, q in spans:
        out.append(text[cur:p])
        out.append(" ")
        cur = q
    out.append(text[cur:])
    return "".join(out)
