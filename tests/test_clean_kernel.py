"""The numba line kernel of `corpora.clean` (`corpora._clean_scan`) against the regex road.

Each flag of `line_flags` must cover every line its rule or scan can touch (more lines
only cost time); `clean_body` must give the same body and paragraphs with the kernel as
with the whole-text regex scans it replaces, and `_is_fixed_point` the same answer.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpora import clean as _c

_k = pytest.importorskip("corpora._clean_scan", reason="numba is not importable")

# Characters where case folding, blanks or digits are tricky: Latin-1 letters, the
# characters case-insensitive patterns take for ASCII letters (İ ı ſ K), Unicode blanks
# and digits, wide text, pilcrows, lone surrogates.
_TRICKY = "aAsSiIkKeEdDcClLfFrRoO \t.:-/=_*(¶ÀßµİıſK€—\u00a0\u2003\x1c\x0b٣0123\ud800\r\x00"
_LINES = [
    "", " ", "\t", "¶1. (C) Text.", "¶ 2. (S//NF) Text", "(U) Text", "A. (C) x", "a.(S) y",
    "12.(U) z", "1234. x", "the text goes on", "SECRET", "s e c r e t", "S\u00a0E C R E T",
    "UNCLAS TOKYO 001346", "RUEHC/SECSTATE WASHDC", "-----", " ===", "___ __",
    "*** Missing Section 003 ***", "ſummary:", "İ", "ı", "K", "\u00a0---", "٣٣٣٣٣٣٣٣",
    "123", "/S", "NNN", "BT", "also for USTR", "Embassy also for USTR", "Treasury for OFAC",
    "Press Office", "Embassy also", "for", "for EUR/WE", "END SUMMARY.", "Note:",
    "de-classified", "SECTION 01 OF 02 TOKYO 001", "PAGE 02 STATE 123456 221828Z",
    "FM AMEMBASSY TOKYO", "Telegram C O N F I D E N T I A L", "NOFORN", "- ZUMWALT",
    "TOKYO 00001346 002.2 OF 006", "tokyo 00001346 002 of 006", "12345678", "said he",
    "and the", "of", "the", "To", "E.O. 12958: DECL: 1/1/2019", "e o 13526", "E", "E.",
    "TAGS: PREL", "Tags", "SUBJECT: x", "subj: y", "REF: A. STATE 1", "REFERENCES: x",
    "Classified By: Amb X, reasons 1.4 (b)", "(C) Classified by x", "c lassified by",
    "REASONS: 1.4", "¶", "¶ ", "¶ TAGS x", "¶\tsubject: x", "Summary", "comment", "TEXT",
    "VZCZCXRO1234", "ZNY CCCCC ZZH", "O 221828Z JUN 07", "INFO RUEHXX/AMEMBASSY X",
    "R 041143Z JUN 07", "ACTION EUR-00", "NEA/ELA", "N/A", "DRL", "PLEASE PASS TO X",
    "STATE FOR EUR/WE", "This record is a partial extract of the original cable.",
    "this Record", "Original Telegram was sent", "Declassified/Released US Department of "
    "State EO Systematic Review", "C O R R E C T E D COPY", "corrected copy", "LIMDIS",
    "limited official use", "lımıted", "top secret", "TOP", "Telegram", "continue",
    "Begin text", "end note.", "sİpdis", "cheroKee", "xxxxx", "XXXX", "---- 3",
]
_line = st.one_of(st.sampled_from(_LINES), st.text(alphabet=_TRICKY, max_size=14))
_lines = st.lists(_line, max_size=30)


def _flagged(flags, i: int, bit: int) -> bool:
    return bool(flags[i] & bit)


@settings(max_examples=250, deadline=None)
@given(_lines)
def test_flags_cover_every_line_a_rule_applies_to(lines):
    lines = [ln.rstrip() for ln in lines]
    flags, starts = _k.line_flags("\n".join(lines))
    assert len(flags) == len(lines) or (not lines and len(flags) == 1)
    special = _k.LINE | _k.DIGITS8 | _k.GUARD
    for i, line in enumerate(lines):
        if (_c._PAGE_BREAK_LINE.match(line) or _c._is_class_line(line) or _c._drop(line)
                or _c._DIGITS8.search(line) or any(g in line for g in _c._SUB_GUARDS)):
            assert _flagged(flags, i, special), line
        if any(g in line for g in _c._SUB_GUARDS):
            assert _flagged(flags, i, _k.GUARD), line
        if _c._PAGE_BREAK_LINE.match(line) or _c._DIGITS8.search(line):
            assert _flagged(flags, i, _k.DIGITS8), line
        if _c._is_class_line(line) or _c._drop(line):
            assert _flagged(flags, i, _k.LINE), line
        if _c._HEADER_FIELD.match(line):
            assert _flagged(flags, i, _k.FIELD), line
        if _c._strong_ok(_c._PARA_START.match(line)):
            assert _flagged(flags, i, _k.STRONG), line
        assert _flagged(flags, i, _k.ODD) == any(c in line for c in "¶\t\u00a0\r\x00"), line
    joined = "\n".join(lines)
    openings = _k.LINE | _k.FIELD | _k.STRONG  # without the walk: the same openings
    assert ((_k.line_flags(joined, walk=False)[0] ^ flags) & openings == 0).all()
    if starts is not None:  # Latin-1 text: each line's offset
        assert starts.tolist() == [m.start() for m in re.finditer(r"^", joined, re.M)]
    else:
        assert any(ord(c) > 255 for c in joined)


def _both_roads(fn, *args):
    kernel = _c._kernel()
    try:
        fast = fn(*args)
        _c._KERNEL = False
        slow = fn(*args)
    finally:
        _c._KERNEL = kernel
    return fast, slow


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_line, st.sampled_from(["", "\n", "\r\n", "  x  ", "\t"])),
                max_size=40))
def test_clean_body_with_the_kernel_equals_the_regex_road(lines):
    text = "\n".join(lines)
    fast, slow = _both_roads(_c.clean_body, text)
    assert fast == slow
    once_fast, once_slow = _both_roads(_c._once, text)
    assert once_fast == once_slow
    body = once_fast[0]
    # certain only where it holds: one more pass leaves the body as it is
    fixed_fast, fixed_slow = _both_roads(_c._is_fixed_point, body)
    if fixed_fast:
        assert _c._once(body)[0] == body
    assert fixed_fast or not fixed_slow  # the per-line tests are at least as sure


_BODY_LINES = [*_LINES, "1. Text", "12. (C) x", "A. (S) y", "(U) z", "(Wikileaks note)",
               "Classified by x reason 1.4", "SUMMARY", "END SUMMARY.", "said that", "W.",
               "CONFIDENTIAL", "- ZUMWALT", "x ¶ y", "1.", "a. b", "(c)", "( S )"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_BODY_LINES), min_size=1, max_size=4), max_size=10))
def test_a_certain_fixed_point_is_one(blocks):
    # `_is_fixed_point` is asked about bodies `_once` returned
    body = _c._once("\n\n".join("\n".join(b) for b in blocks))[0]
    if _c._is_fixed_point(body):
        assert _c._once(body)[0] == body


@settings(max_examples=250, deadline=None)
@given(_lines)
def test_a_paragraph_start_is_flagged_strong(lines):
    # `_lines_pass` tests `_is_para_start` only on STRONG lines before the E.O./TAGS line
    lines = [ln.rstrip() for ln in lines]
    flags, _ = _k.line_flags("\n".join(lines))
    for i, line in enumerate(lines):
        if _c._is_para_start(line):
            assert _flagged(flags, i, _k.STRONG), line


_MARKER_BITS = ["end", "END", "begin", "Begin", "summary", "SUMMARY", "comment", "note", "Note",
                "text", "of", " ", "  ", "\t", "\n", ":", ".", "-", "--", ")", "(", "!", "x",
                "_", "é", "1", "\u00a0", "\u2003", "ſ", "K", "ı", "s", "ends", "noted", "attend",
                "END\tSUMMARY", "end\u00a0note", "begin\ntext", "End\u2003of summary.",
                "(note:", "x_end summary", "éend note", "1end text", "note \t-", "Comment\t:"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_MARKER_BITS), max_size=30).map("".join))
def test_marker_spans_are_the_pattern_matches(text):
    spans = _c._marker_spans(text, _c.fold(text))
    if spans is not None:  # None: the caller runs the full scan
        assert spans == [m.span() for m in _c._MARKERS.finditer(text)]
    assert _c._sub_markers(text) == (
        _c._MARKERS.sub(" ", text)
        if any(w in text.lower() for w in ("summary", "comment", "note", "text")) else text)


@settings(max_examples=250, deadline=None)
@given(st.lists(st.sampled_from(["REF", "Ref", "REFS", "References", "CLASSIFIED", "Classified",
                                 " ", "\t", "BY", "By", "by", ":", "SUBJECT", "TAGS", "E.O.",
                                 "E.O", "12958", "13526", "x", ".", "é"]), max_size=20).map("".join))
def test_glued_field_guard_needs_a_colon_or_eo(line):
    # `_split_glued_fields` skips the inline-field scan on lines without ":" or "E.O."
    from corpora import header_repair as _h

    if ":" not in line and "E.O." not in line:
        assert _h._GLUE_FIELD_INLINE.search(line) is None


def test_line_item_rule_bits_are_the_kernels():
    assert _c._ALL_RULES == _k.DIGITS8 | _k.LINE


def test_paragraph_start_groups_are_pil_num_mark():
    # `_para_ok` and `_strong_ok` unpack ``m.groups()`` in this order
    for pattern in (_c._PARA_START, _c._PARA_START_AT):
        assert pattern.groupindex == {"pil": 1, "num": 2, "mark": 3} and pattern.groups == 3


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "x", "¶1. (C) y", "z z"]), st.booleans()),
                max_size=30))
def test_blocks_from_blank_and_strong_lines_equal_the_line_walk(rows):
    lines = [text for text, _ in rows]
    strong = {i for i, (text, s) in enumerate(rows) if s and text}
    flags, _ = _k.line_flags("\n".join(lines), walk=False)
    blanks = [i for i in range(len(lines)) if flags[i] & _k.EMPTY]
    assert blanks == [i for i, text in enumerate(lines) if not text]
    assert _c._split_blocks_at(len(lines), blanks, sorted(strong)) == _c._split_blocks(lines, strong)
