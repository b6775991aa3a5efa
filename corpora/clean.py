"""Boilerplate removal for cable bodies, shared by every reader.

`clean_body` turns the text of a cable body (everything after the routing header, or a
whole cable) into clean prose for modelling plus the numbered paragraphs with their
classification markings. It removes, anywhere in the text, the mechanics that otherwise
leak into topics (see ``../shared/FINDINGS.md``): routing lines copied into bodies, page
breaks (re-joining the sentence they split), classification and ``SECTION nn OF nn`` lines,
``SIPDIS``, section rules, the E.O./TAGS/SUBJECT/REF/Classified-By header, addressee and
office-symbol lines, redaction runs, summary/comment markers, the signature line, paragraph
numbers, markings and ``¶`` signs.

`BOILERPLATE_PATTERNS` lists compiled regexes that must not match a clean body; the
tokenizer and the tests use them to check that no boilerplate survives.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from types import ModuleType

import numpy as np

from corpora.cable import Paragraph
from corpora.clean_markers import (  # _MARKERS, _SIPDIS: re-exported, the tests use them here
    _MARKERS,  # noqa: F401
    _SIPDIS,  # noqa: F401
    _marker_spans,
    _sub_markers,
    _sub_sipdis,
)
from corpora.clean_patterns import (
    _BLANK_RUN,
    _BLANKS_TO_SPACE,
    _CLASS_REST,
    _DIRTY_WORDS,
    _DROP_ANY,
    _EO_OR_TAGS,
    _FUNCTION_WORDS,
    _HEADER_FIELD,
    _INLINE_CLBY,
    _INLINE_JUNK,
    _LOWER,
    _LOWER_WORD,
    _PAGE_BREAK_INLINE,
    _PAGE_BREAK_LINE,
    _PARA_START,
    _PARA_START_AT,
    _REASONS_CONT,
    _REDACTION,
    _REF_ITEM,
    _ROUTING_SLASH,
    _RULE_RUN,
    _SCAN_HEADER_FIELD,
    _SCAN_LINE,
    _SCAN_PARA,
    _SCAN_STRONG,
    _SENTENCE_END,
    _SIGNATURE,
    _SPACE_RUN,
    _SUB_GUARDS,
    _SUBJ_HEAD,
    _SUBJ_IN_LINE,
    _TAB_TO_SPACE,
    _TAGS_OR_EO,
    _UPPER2,
    _WS,
    BOILERPLATE_PATTERNS,
    CLASS_LINE,
)
from corpora.linescan import (
    _DIGITS8,
    _line_starts,
    _lines_holding,
    _lines_with_digits8,
    _sub_at,
    _touched,
    fold,
)

__all__ = ["BOILERPLATE_PATTERNS", "clean_body", "field_continues", "fold"]

logger = logging.getLogger(__name__)

_PB = object()  # sentinel for a removed page-break or repeated classification line

#: `corpora._clean_scan` (the numba kernel that flags the lines each rule may touch) once
#: loaded; False where numba cannot be imported (then the whole-text regex scans find the
#: lines: the same output, slower). Tests set it to False to compare the two roads.
_KERNEL: ModuleType | bool | None = None


def _kernel() -> ModuleType | bool:
    """`corpora._clean_scan`, imported on first use, or False (see `_KERNEL`)."""
    global _KERNEL
    if _KERNEL is None:
        try:
            from corpora import _clean_scan
        except ImportError as exc:  # pragma: no cover - numba is a core dependency
            logger.warning("numba is not importable (%s): bodies cleaned by the regex "
                           "scans (the same output, slower)", exc)
            _KERNEL = False
        else:
            _KERNEL = _clean_scan
    return _KERNEL


def _caps_prose(line: str) -> bool:
    """An all-caps line of prose: at least two different English function words
    (``THERE WILL BE "NOTHING TO VOTE FOR" BY THE TIME``); TAGS lines hold codes and names."""
    words = {w.strip("\"'“”‘’.,;:()") for w in line.split()}
    return len(words & _FUNCTION_WORDS) >= 2


def field_continues(first: str, line: str, count: int) -> bool:
    """Whether ``line`` can continue the header field opened by line ``first`` (``count``
    continuation lines already taken), rather than being the body that follows it with no
    blank line between (real pages lost that line: ``TAGS: MARR PREL AR`` then prose).

    TAGS and E.O. values are capitals: a line with small letters ends them, and so does an
    all-caps line of prose (two English function words, `_caps_prose`). A field written
    in capitals ends at a line of three or more lower-case words; a mixed-case one at a
    line of eight, and a subject after three lines. A "for reasons ..." line always
    continues (the Classified By line's reasons).
    """
    if _REASONS_CONT.match(line):
        return True  # "for reasons 1.4 (b) and (d)." goes on a Classified By line
    lower = len(_LOWER_WORD.findall(line))
    if _TAGS_OR_EO.match(first) and not _SUBJ_IN_LINE.search(first):
        return lower == 0 and count < 4 and not _caps_prose(line)
    head = _HEADER_FIELD.match(first)
    value = first[head.end():] if head else first
    if not any(c.islower() for c in value):  # written in capitals
        return lower < 3
    if _SUBJ_HEAD.match(first) and count >= 3:
        return False
    return lower < 8


def _is_para_start(line: str) -> bool:
    return _para_ok(_PARA_START.match(line))


def _para_ok(m: re.Match[str] | None) -> bool:
    """Whether a `_PARA_START` match opens a paragraph (see `_is_para_start`)."""
    if m is None:
        return False
    pil, num, mark = m.groups()  # the pattern's only groups, in this order
    if num and num.isalpha():
        # Lettered items (A., B.) count only with a pilcrow or a marking: "A. SECSTATE 6516".
        return bool(pil or mark)
    return bool(num or mark)


def _is_heading(line: str) -> bool:
    s = line.strip()
    return (
        bool(s)
        and len(s) < 80
        and _UPPER2.search(s) is not None
        and not _LOWER.search(s)
        and not s.endswith((".", ":"))
    )


def _drop(line: str) -> bool:
    s = line.strip()
    if not s:
        return False
    return _DROP_ANY.fullmatch(s) is not None


def _is_class_line(line: str) -> bool:
    m = CLASS_LINE.match(line)
    return bool(m) and _CLASS_REST.match(m.group("rest") or "") is not None


def _join_breaks(items: list, breaks: list[int]) -> list[str]:
    """Remove page-break sentinels, re-joining the sentence a page break split.

    ``breaks``: the indices of the sentinels in ``items``, in order (the lines between
    them are copied slice by slice)."""
    out: list[str] = []
    i = 0
    n = len(items)
    q = 0
    n_breaks = len(breaks)
    while i < n:
        while q < n_breaks and breaks[q] < i:
            q += 1
        j = breaks[q] if q < n_breaks else n
        if j > i:
            out += items[i:j]
        if j >= n:
            break
        i = j
        while out and not out[-1].strip():
            out.pop()
        while i < n and (items[i] is _PB or not items[i].strip()):
            i += 1
        if i >= n or not out:
            continue
        nxt = items[i]
        prev = out[-1]
        if (
            _SENTENCE_END.search(prev)
            or _is_para_start(nxt)
            or nxt.lstrip().startswith("-")
            or (_is_heading(nxt) and not _is_heading(prev))
        ):
            out.append("")
            out.append(nxt)
        else:
            out[-1] = prev.rstrip() + " " + nxt.lstrip()
        i += 1
    return out


def _strip_marking(line: str, first: re.Match[str] | None = None) -> str:
    """Remove paragraph numbers, markings and pilcrows at the start of a paragraph line.

    The openings are stepped over in place (``_PARA_START_AT.match`` from an offset), not cut off
    one by one: a line of 10,000 ``1. (C)`` costs linear time, not quadratic. ``first`` is
    ``_PARA_START.match(line)`` when the caller has it already.
    """
    pos = 0
    m = first if first is not None else _PARA_START_AT.match(line)
    while True:
        if not _para_ok(m) or m.end() == pos:
            break
        pos = m.end()
        m = _PARA_START_AT.match(line, pos)
    return line[pos:].lstrip()


def _lines_pass(text: str) -> list:
    # Each substitution below is guarded by a plain substring test that every one of its
    # matches needs: the regex scans dominate ingest time and most lines have no match.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    low = fold(text)
    if "sipdis" in low:
        text = _sub_sipdis(text, low)
    if "XXXX" in text or "xxxxx" in text:
        text = _REDACTION.sub(" ", text)
    if "classified" in low:
        # each match starts at "Classified" (the text changed above only where no match
        # can start: the offsets are found again)
        text = _sub_at(_INLINE_CLBY, text, fold(text), ("classified",))
    # "End\n\nSummary." is split over lines in real cables: remove markers across lines.
    text = _sub_markers(text)
    lines = [ln.rstrip() for ln in text.split("\n")]
    n = len(lines)
    # Header zone (`_strip_header_zone`) and header blocks (`_drop_header_blocks`), tested
    # only on the lines a header-field scan touches (or the kernel flags: more lines at
    # most); `special`: the lines some line rule may apply to, in order.
    kernel = _kernel()
    if kernel:
        flags, _starts = kernel.line_flags("\n".join(lines))
        cands = np.flatnonzero(flags & kernel.FIELD).tolist()
        at = np.flatnonzero(flags & (kernel.LINE | kernel.DIGITS8 | kernel.GUARD))
        special = at.tolist()
        bits = flags[at].tolist()  # which rules each special line may need
        # a line `_is_para_start` accepts opens with a pilcrow, "(", a number or a letter
        # and a full stop: the kernel flags it STRONG
        opening = np.flatnonzero(flags[:60] & kernel.STRONG).tolist()
    else:
        cands, special = _scan_lines_pass(lines)
        bits = None
        opening = range(min(n, 60))
    zone = 0
    for i in cands:
        if i >= 60:
            break
        if _EO_OR_TAGS.match(lines[i]):
            # the lines before the E.O./TAGS line are header unless a paragraph opened
            # there: then it is a later section's repeated header, not this text's
            if not any(_is_para_start(lines[j]) for j in opening if j < i):
                zone = i
            break
    kept: list[tuple[int, int]] = []  # ranges of lines kept
    i = zone
    for h in cands:
        if h < i or not _HEADER_FIELD.match(lines[h]):
            continue
        kept.append((i, h))
        i = h + 1
        head = h  # the field a line continues: the last field opened in the block
        while i < n and lines[i].strip() and (
            not _is_para_start(lines[i]) or _REF_ITEM.match(lines[i])
        ):
            if _PAGE_BREAK_LINE.match(lines[i]):
                break
            if _HEADER_FIELD.match(lines[i]):
                head = i
            elif not field_continues(lines[head], lines[i], i - head - 1):
                break
            i += 1
    kept.append((i, n))

    # The lines no rule applies to are kept as they are, run by run (a kept line is
    # rstripped: it has text when it is not empty).
    items: list = []
    breaks: list[int] = []  # where `_PB` is in ``items``
    first_content = True  # no line with text kept yet
    n_special = len(special)
    for a, b in kept:
        q = bisect_left(special, a)
        i = a
        while i < b:
            j = special[q] if q < n_special and special[q] < b else b
            if j > i:
                run = lines[i:j]
                items += run
                if first_content and any(run):
                    first_content = False
            if j == b:
                break
            item = _line_item(lines[j], first_content, _ALL_RULES if bits is None else bits[q])
            if item is _PB:
                breaks.append(len(items))
                items.append(item)
            elif item is not None:
                items.append(item)
                if first_content and item.strip():
                    first_content = False
            i = j + 1
            q += 1
    return _join_breaks(items, breaks) if breaks else items


#: `_line_item`'s ``rules`` when every rule may apply (the kernel's bits: 2 = DIGITS8,
#: a page break or 8 digits; 4 = LINE, a classification or dropped line).
_ALL_RULES = 2 | 4


@lru_cache(maxsize=4096)
def _line_kind(line: str) -> int:
    """1 for a classification line, 2 for a dropped line, else 0. Cached: headings, rules,
    signatures and routing lines recur across a corpus's cables."""
    if _is_class_line(line):
        return 1
    return 2 if _drop(line) else 0


def _line_item(line: str, first_content: bool, rules: int = _ALL_RULES) -> object:
    """What `_lines_pass` keeps of a line some line rule may apply to: the line with
    inline junk removed, `_PB` for a page break (a classification line after the first
    line with text), None for a dropped line. ``first_content``: no line with text kept
    before it. ``rules``: the kernel's bits of the line (`corpora._clean_scan`): a page
    break and an inline one need ``DIGITS8`` (2), a classification or dropped line
    ``LINE`` (4)."""
    if rules & 2 and _PAGE_BREAK_LINE.match(line):
        return _PB
    if rules & 4:
        kind = _line_kind(line)
        if kind == 1:
            return None if first_content else _PB
        if kind == 2:
            return None
    if rules & 2 and _DIGITS8.search(line):
        line = _PAGE_BREAK_INLINE.sub(" ", line)
    if "---" in line or "====" in line or "____" in line:
        line = _RULE_RUN.sub(" ", line)
    if "/" in line or "SECTION" in line or "VZCZC" in line or "ZZH" in line:
        line = _INLINE_JUNK.sub(" ", line)
    return line


def _scan_lines_pass(lines: list[str]) -> tuple[list[int], list[int]]:
    """`_lines_pass`'s candidate lines by the whole-text scans (the road without numba):
    the lines a header-field scan touches, and those some line rule may apply to."""
    scan = "\n" + "\n".join(lines) + "\n"
    starts = _line_starts(lines)
    fields: set[int] = set()
    _touched(_SCAN_HEADER_FIELD, scan, starts, fields)
    special: set[int] = set()
    _touched(_SCAN_LINE, scan, starts, special)
    _lines_with_digits8(scan, starts, special)
    _lines_holding(scan, _SUB_GUARDS, starts, special)
    return sorted(fields), sorted(special)


def _scan_once(lines: list[str]) -> tuple[set[int], set[int]]:
    """`_once`'s candidate lines by the whole-text scans (the road without numba): the
    lines a strong-paragraph scan touches, and those `_clean_text` may change."""
    scan = "\n" + "\n".join(lines) + "\n"
    starts = _line_starts(lines)
    strong: set[int] = set()
    _touched(_SCAN_STRONG, scan, starts, strong)
    dirty: set[int] = set()
    low = fold(scan)
    if len(low) == len(scan):
        _lines_holding(low, _DIRTY_WORDS, starts, dirty)
    else:
        dirty = set(range(len(lines)))
    return strong, dirty


def _normalize(lines: list) -> list[str]:
    """Runs of blanks collapsed, lines stripped, runs of blank lines collapsed to one, no
    blank line at either end."""
    text = "\n".join(lines)
    if "\t" in text or "\u00a0" in text:
        text = text.translate(_BLANKS_TO_SPACE)
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)  # spaces never span a line end
    text = "\n".join([ln.strip() for ln in text.split("\n")]).strip("\n")
    if not text:
        return []
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.split("\n")


def _drop_signature(lines: list[str]) -> list[str]:
    while lines and _SIGNATURE.match(lines[-1]) and not _is_para_start(lines[-1]):
        lines = lines[:-1]
        while lines and not lines[-1]:
            lines.pop()
    return lines


def _clean_text(text: str, markers: bool = True) -> str:
    """A body line cleaned: markers removed (``markers=False``: the caller knows the line
    holds no marker word), pilcrows and tabs as spaces, runs of spaces as one, stripped."""
    if markers:
        text = _sub_markers(text)
    text = text.replace("¶", " ")
    if "\t" in text:
        text = text.translate(_TAB_TO_SPACE)
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    return text.strip()


def _strong_ok(m: re.Match[str] | None) -> bool:
    """Whether a `_PARA_START` match is a strong opening: a pilcrow or a marking."""
    if m is None:
        return False
    pil, _num, mark = m.groups()
    return bool(pil or mark)


def _split_blocks(lines: list[str], strong: set[int]) -> list[tuple[int, int]]:
    """Blocks of lines between blank lines, as ``(first, end)`` index ranges; a pilcrow or
    marked paragraph (a line in ``strong``) opens a new one."""
    blocks: list[tuple[int, int]] = []
    start = -1
    for i, line in enumerate(lines):
        if not line:
            if start >= 0:
                blocks.append((start, i))
                start = -1
        elif start < 0:
            start = i
        elif i in strong:
            blocks.append((start, i))
            start = i
    if start >= 0:
        blocks.append((start, len(lines)))
    return blocks


def _split_blocks_at(n: int, blanks: list[int], strong: list[int]) -> list[tuple[int, int]]:
    """`_split_blocks` of ``n`` lines from the indices of the blank ones and of the strong
    ones (both in order; no strong line is blank): the same blocks, in Python steps per
    blank and strong line instead of per line."""
    blocks: list[tuple[int, int]] = []
    prev = -1
    q = 0
    n_strong = len(strong)
    for end in (*blanks, n):
        a = prev + 1
        if a < end:  # a run of lines with text: strong lines after its first open blocks
            while q < n_strong and strong[q] <= a:
                q += 1
            while q < n_strong and strong[q] < end:
                blocks.append((a, strong[q]))
                a = strong[q]
                q += 1
            blocks.append((a, end))
        prev = end
    return blocks


def _once(text: str) -> tuple[str, tuple[Paragraph, ...]]:
    lines = _drop_signature(_normalize(_lines_pass(text)))
    kernel = _kernel()
    if kernel:
        joined = "\n".join(lines)
        flags, starts = kernel.line_flags(joined, walk=False)
        strong = set(np.flatnonzero(flags & kernel.STRONG).tolist())
        blanks = np.flatnonzero(flags & kernel.EMPTY).tolist() if lines else []
        if starts is None:  # not Latin-1: every line may change
            dirty = words = set(range(len(lines)))
        else:
            words = set()  # lines holding a marker word (`_sub_markers` may change them)
            at = starts.tolist()
            _lines_holding(fold(joined), _DIRTY_WORDS[:-1], at, words)
            dirty = set(words)  # the only lines `_clean_text` may change
            _lines_holding(joined, ("¶",), at, dirty)
    else:
        strong, dirty = _scan_once(lines)
        words = dirty
        blanks = None
    opens: dict[int, re.Match[str] | None] = {}  # _PARA_START matches of the lines tried
    for i in sorted(strong):
        if i < len(lines) and lines[i]:
            m = opens[i] = _PARA_START.match(lines[i])
            if not _strong_ok(m):
                strong.discard(i)
        else:
            strong.discard(i)
    dirty_at = sorted(dirty)
    paragraphs: list[Paragraph] = []
    current: tuple[str | None, str | None, list[str]] | None = None
    body_blocks: list[str] = []
    blocks = (_split_blocks(lines, strong) if blanks is None
              else _split_blocks_at(len(lines), blanks, sorted(strong)))
    for a, b in blocks:
        first = lines[a]
        head: str | None = None  # the first line, cleaned, when it is not lines[a]
        m = opens[a] if a in opens else _PARA_START.match(first)
        if _para_ok(m):
            if current is not None:
                paragraphs.append(Paragraph(current[0], current[1], " ".join(current[2])))
            num = m.group("num")
            mark = m.group("mark")
            mark = _WS.sub("", mark) if mark else None
            head = _clean_text(_strip_marking(first, m), a in words)
            current = (num, mark, [])
        elif b - a == 1 and _is_heading(first) and current is not None:
            paragraphs.append(Paragraph(current[0], current[1], " ".join(current[2])))
            current = None
        if head is None:
            head = _clean_text(first, a in words) if a in dirty else first
        q = bisect_right(dirty_at, a)
        if q < len(dirty_at) and dirty_at[q] < b:  # a line after the first may change
            cleaned = [head] + [_clean_text(ln, j in words) if j in dirty else ln
                                for j, ln in enumerate(lines[a + 1:b], a + 1)]
            cleaned = [c for c in cleaned if c]
        else:  # the block's other lines are not blank (`_split_blocks`) and stay as they are
            cleaned = [head] if head else []
            cleaned += lines[a + 1:b]
        if not cleaned:
            continue
        if current is not None:
            current[2].extend(cleaned)
        body_blocks.append("\n".join(cleaned))
    if current is not None:
        paragraphs.append(Paragraph(current[0], current[1], " ".join(current[2])))
    body = "\n\n".join(body_blocks)
    return body, tuple(p for p in paragraphs if p.text or p.number)


def _is_fixed_point(body: str) -> bool:
    """True when ``_once(body)[0] == body`` is certain for a ``body`` that `_once` returned.

    Such a body has stripped, non-blank lines in blocks one blank line apart, no ``\r``,
    tab, no-break space, double space or pilcrow (`_normalize` and `_clean_text` leave none:
    only the cheap one-character tests of that are repeated here, not the scan for a double
    space; `tests/test_clean_fast.py` checks it). `_once` then changes it only through a
    rule that matches somewhere in it, so each rule is checked with one test over the whole
    text that finds at least every line the rule would touch (see `_SCAN_LINE`). False means
    "not certain": the caller runs `_once` again.
    """
    if not body:
        return True
    kernel = _kernel()
    if kernel:
        flags, _starts = kernel.line_flags(body)
        seen = int(np.bitwise_or.reduce(flags))
        if seen & kernel.ODD:  # "¶", tab, no-break space, "\r" or "\x00" (exact)
            return False
        if "XXXX" in body or "xxxxx" in body or (seen & kernel.GUARD and (
            "---" in body or "====" in body or "____" in body
            or "SECTION" in body or "VZCZC" in body or "ZZH" in body
        )):
            return False
    else:
        flags = None
        if (
            "¶" in body or "\t" in body or "\u00a0" in body or "\r" in body
            or "\x00" in body or "XXXX" in body or "xxxxx" in body
            or "---" in body or "====" in body or "____" in body
            or "SECTION" in body or "VZCZC" in body or "ZZH" in body
        ):
            return False
    low = fold(body)
    if "sipdis" in low:
        return False
    if "summary" in low or "comment" in low or "note" in low or "text" in low:
        spans = _marker_spans(body, low)
        if spans is None or spans:
            return False
    if "/" in body and _ROUTING_SLASH.search(body):  # `_INLINE_JUNK` without SECTION,
        return False  # VZCZC or ZZH (none is in ``body``): its routing-indicator part
    last = body[body.rfind("\n") + 1:]
    if _SIGNATURE.match(last):
        return False
    digits8: set[int] = set()  # page-break lines and inline page breaks need 8 digits
    if flags is None or (flags & kernel.DIGITS8).any():
        _lines_with_digits8(body, [0], digits8)
    if digits8:
        return False
    if flags is not None:
        # The line rules of `_once` test one line at a time: with the checks above (page
        # breaks, markers, literals), ``body`` changes only where a line opens a paragraph
        # (a number, marking or pilcrow: stripped, or a block split), is a header field,
        # a classification or a dropped line. The kernel flags every such line (a
        # superset); each flagged line gets the exact test.
        lines = body.split("\n")
        for i in np.flatnonzero(flags & kernel.STRONG).tolist():
            m = _PARA_START.match(lines[i])
            if _para_ok(m) or _strong_ok(m):
                return False
        for i in np.flatnonzero(flags & kernel.FIELD).tolist():
            if _HEADER_FIELD.match(lines[i]):
                return False
        for i in np.flatnonzero(flags & kernel.LINE).tolist():
            if _line_kind(lines[i]):
                return False
        return True
    scan = "\n" + body + "\n"
    return (
        _SCAN_PARA.search(scan) is None
        and _SCAN_HEADER_FIELD.search(scan) is None
        and _SCAN_LINE.search(scan) is None
    )


def clean_body(text: str) -> tuple[str, tuple[Paragraph, ...]]:
    """Clean a cable body for modelling and split out its numbered paragraphs.

    Parameters
    ----------
    text : str
        Body text (or a whole cable with its routing header). ``\\r\\n`` and ``\\r`` are
        accepted as line ends.

    Returns
    -------
    body : str
        Clean text: paragraphs separated by one blank line, runs of spaces collapsed, no
        boilerplate (no match of any `BOILERPLATE_PATTERNS`). Idempotent:
        ``clean_body(clean_body(t)[0])[0] == clean_body(t)[0]``.
    paragraphs : tuple of Paragraph
        Numbered or marked paragraphs in order, numbers as written (real cables skip and
        repeat numbers), marking without spaces (``S/NF``), text cleaned like the body and
        joined into one line.

    Examples
    --------
    >>> body, paras = clean_body("S E C R E T TOKYO 001346\\n\\nSIPDIS\\n\\n1. (S) Text.\\n")
    >>> body, paras[0].marking
    ('Text.', 'S')
    """
    body, paragraphs = _once(text)
    if _is_fixed_point(body):  # the usual case: spares the second pass
        return body, paragraphs
    for _ in range(8):
        again, _paras = _once(body)
        if again == body:
            break
        body = again
    else:
        logger.debug("clean_body did not reach a fixed point after 8 passes")
    return body, paragraphs
