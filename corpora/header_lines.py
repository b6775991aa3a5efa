"""Line scanning for the header parser: find a field's line, join its continuation lines.

Part of `corpora.header`: the helpers the header modules share. `_find_line` scans a
cable's first lines for a line pattern in one regex pass (`_line_scan`); `_block` and
`_field_value` read a field's value across its wrapped lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from corpora.clean import field_continues
from corpora.clean_patterns import CLASSIFYING_EO, PAGE_BREAK

_I = re.IGNORECASE
_M = re.MULTILINE

_FIELD_START = re.compile(
    r"^\s*(?:¶\s*)?(?:E\.?\s?O\.?\s*" + CLASSIFYING_EO + r"|TAGS?\b|SUBJ(?:ECT)?\s*:|REFS?\s*:|"
    r"(?:\(\w{1,4}\)\s*)?CLASSIFI?E?D\s+BY\b|(?:\d{1,2}\.|¶))",
    _I,
)

# Patterns used per line or per cable, compiled once (a `re.match(str, ...)` call costs a
# cache lookup each time).
_PAGE_BREAK_START = re.compile(r"^\s*" + PAGE_BREAK, _I)
_WS_RUN = re.compile(r"\s+")


def _block(lines: list[str], i: int, cont: Callable[[str], Any] | None = None,
           first: str | None = None) -> tuple[str, int]:
    """Join line ``i`` and its continuation lines (up to a blank line, the next field, or
    a line that is the body rather than more of the field: `field_continues`). ``first``
    stands for line ``i`` when given (its value without the field name)."""
    head = lines[i] if first is None else first
    parts = [head]
    j = i + 1
    while j < len(lines):
        ln = lines[j]
        if not field_continues(head, ln, j - i - 1):
            break
        if not ln.strip() or _FIELD_START.match(ln) or _PAGE_BREAK_START.match(ln):
            if not (cont and ln.strip() and cont(ln)):
                break
        if cont is not None and not cont(ln):
            break
        parts.append(ln)
        j += 1
    return _WS_RUN.sub(" ", " ".join(p.strip() for p in parts)).strip(), j


def _line_scan(pat: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pat`` (a line pattern opening with ``^``) for a scan of ``"\\n" + "\\n".join(lines)``:
    ``^`` becomes the ``\\n`` before a line, ``$`` matches at line ends. It matches at every
    line ``pat`` matches (and maybe more: ``\\s`` may cross a line end). None for a pattern
    of another shape."""
    if pat not in _LINE_SCANS:
        src = pat.pattern
        ok = src.startswith("^") and "^" not in src[1:].replace("[^", "")
        body = src[1:]
        for lead in (r"\s*+", r"\s*", r"[ \t]*+", r"[ \t]*"):
            if body.startswith(lead):  # "\n\s*" would run across every later blank line
                body = r"[^\S\n]*+" + body[len(lead):]
                break
        _LINE_SCANS[pat] = re.compile("\n" + body, pat.flags | _M) if ok else None
    return _LINE_SCANS[pat]


_LINE_SCANS: dict[re.Pattern[str], re.Pattern[str] | None] = {}


def _find_line(lines: list[str], pat: re.Pattern[str], limit: int | None = None) -> int | None:
    """Index of the first of ``lines[:limit]`` that ``pat`` matches, or None.

    Long inputs are scanned once with `_line_scan` (a literal ``\\n`` start lets the regex
    engine jump between lines); only the lines a scan match touches get ``pat.match``.
    """
    head = lines[:limit]
    scan = _line_scan(pat) if len(head) > 8 else None
    if scan is None:
        for i, ln in enumerate(head):
            if pat.match(ln):
                return i
        return None
    text = "\n" + "\n".join(head) + "\n"
    last = len(head) - 1
    for m in scan.finditer(text):
        # from the line before the match start to the line holding its end
        a = max(text.count("\n", 0, m.start()) - 1, 0)
        b = min(text.count("\n", 0, m.end() + 1) - 1, last)
        for i in range(a, b + 1):
            if pat.match(head[i]):
                return i
    return None


def _field_value(lines: list[str], pat: re.Pattern[str], cont: Callable[[str], Any] | None = None,
                 limit: int | None = 120) -> str | None:
    i = _find_line(lines, pat, limit)
    if i is None:
        return None
    first = pat.match(lines[i])
    value, _ = _block(lines, i, cont, first.group("v") if first else lines[i])
    return value
