"""The shortcuts that make cleaning and header parsing fast give what the plain rules give:
`clean.fold` against ``str.lower``, `clean._sub_at` against ``Pattern.sub``, the gated line
scan against the ungated one, and header_repair's `_preview_cut`, `_upper_holds` and
`_DUMP_ROW_HINT` against the full scans they stand for."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from corpora import clean as _c
from corpora import clean_patterns as _p
from corpora import header_repair as _h

# Text where case folding is tricky: Latin-1 letters (À, ß, ÿ, µ), the characters Python's
# case-insensitive patterns take for ASCII letters (İ ı ſ K), wide text and pilcrows.
_TRICKY = "aAsSiIkKeEdDcClLfF \n\t.:-¶ÀàßÿµİıſK€—"
_WORDS = ("sipdis", "summary", "comment", "note", "text", "classified", "partial",
          "header ends", "end", "begin", "¶")
_text = st.lists(st.sampled_from([*_TRICKY, *_WORDS, "CLASSIFIED BY: X reason 1.4 (b)"]),
                max_size=40).map("".join)


def _offsets(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


@settings(max_examples=300, deadline=None)
@given(_text)
def test_fold_finds_ascii_words_where_lower_does(text):
    low, ref = _c.fold(text), text.lower()
    assert (len(low) == len(text)) == (len(ref) == len(text))
    for word in _WORDS:
        assert (word in low) == (word in ref)
        if len(ref) == len(text):
            assert _offsets(low, word) == _offsets(ref, word)


def test_fold_of_latin1_text_is_not_str_lower_but_byte_wise():
    assert _c.fold("ÀB¶") == "Àb¶"  # str.lower gives "àb¶": only ASCII letters change
    assert _c.fold("İX") == "İX".lower()  # not Latin-1: str.lower


@settings(max_examples=300, deadline=None)
@given(_text, st.sampled_from(["", "U.S. allies in the ", "x\t"]))
def test_sub_at_equals_pattern_sub(text, before):
    text = before + text
    assert _c._sub_at(_c._INLINE_CLBY, text, _c.fold(text), ("classified",)) == (
        _c._INLINE_CLBY.sub(" ", text))


def test_sub_at_removes_a_glued_classified_by_line():
    text = "allies in the Classified by: Ambassador X for reason 1.4 (b) (d) Arab world"
    out = _c._sub_at(_c._INLINE_CLBY, text, _c.fold(text), ("classified",))
    assert out == _c._INLINE_CLBY.sub(" ", text) and "Ambassador" not in out


# The line scan without its opener lookahead: the lookahead must not change a match.
_UNGATED = re.compile(
    _c._SCAN_LINE.pattern.replace(_p._LINE_OPENER + _p._LOWER_OPENER, "", 1))
# every word a case-insensitive alternative opens with, in odd cases and spellings
_LOWER_WORDS = [
    "telegram confidential", "top secret", "secret", "s e c r e t", "ſecret", "c o n f i d e n t "
    "i a l", "confidential", "unclas tokyo 001", "unclassified", "limited official use",
    "lımıted official use", "also for USTR", "for EUR/WE", "section 1 of 2 x", "noforn",
    "sipdis", "sİpdis", "sensitive", "exdis", "nodis", "limdis", "stadis", "nocontract",
    "orcon", "propin", "cherokee", "cheroKee", "roger", "specat", "terrep", "notal",
    "begin text", "end note.", "summary:", "comment", "end", "note", "c o r r e c t e d copy",
    "corrected copy", "declassified/released us department of state", "de-classified",
    "original telegram was sent", "this record is a partial extract of the original cable",
    "sensitive but unclassified please protect accordingly", "sEcret", "tOp secret",
]
_line = st.sampled_from([
    "", " ", "\t", "¶1. (C) Text.", "(U) Text", "the text goes on", "SECRET", "s e c r e t",
    "UNCLAS TOKYO 001346", "RUEHC/SECSTATE WASHDC", "-----", " ===", "___ __", "*** Missing "
    "Section 003 ***", "ſummary:", "İ", "ı", "K", "\u00a0---", "٣٣٣٣", "123", "/S", "NNN",
    "also for USTR", "Embassy also for USTR", "Treasury for OFAC", "END SUMMARY.", "Note:",
    "de-classified", "SECTION 01 OF 02 TOKYO 001", "PAGE 02 STATE 123456 221828Z", "BT",
    "FM AMEMBASSY TOKYO", "Telegram C O N F I D E N T I A L", "NOFORN", "- ZUMWALT",
    "said he", "and the", "of", "the", "to", *_LOWER_WORDS,
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=25), st.text(alphabet=_TRICKY + "-=_*/0٣", max_size=12))
def test_line_opener_keeps_every_line_scan_match(lines, noise):
    scan = "\n" + "\n".join(lines) + noise + "\n"
    assert [m.span() for m in _c._SCAN_LINE.finditer(scan)] == [
        m.span() for m in _UNGATED.finditer(scan)]


def test_line_opener_set_holds_every_first_character():
    # the opener admits each character some alternative can open with, and no blank
    for ch in "AzZ09/*=_-\u0130\u0131\u017f\u212a\u0663":
        assert re.match(_p._LINE_OPENER, ch), ch
    for ch in "¶( \n\"'":
        assert not re.match(_p._LINE_OPENER, ch), ch


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["...", "…", ". ..", "\n", " ", "\t", "x", "....", "...\t"]),
                max_size=40), st.integers(0, 30))
def test_preview_cut_is_the_first_match_up_to_the_limit(parts, limit):
    text = "".join(parts)
    m = _h._PREVIEW_CUT.search(text)
    want = m.span() if m is not None and m.start() <= limit else None
    got = _h._preview_cut(text, limit)
    assert (got.span() if got else None) == want


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="CABLE NDSsßſabcé€ı", max_size=30))
def test_upper_holds_is_in_upper(text):
    for word in ("CABLE ENDS", "ENDS", "S"):
        assert _h._upper_holds(text, word) == (word in text.upper())
    assert _h._upper_holds("cable endß", "CABLE ENDS")  # ß upper-cases to SS


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789: /-\t\nA٣", max_size=40).map(
    lambda t: t + " 190588 2/5/2009 13:20 09CAIRO210"[: len(t) % 35]))
def test_dump_row_hint_is_needed_by_every_dump_row(text):
    if _h._DUMP_ROW.search(text):
        assert _h._DUMP_ROW_HINT.search(text)


def _strip_marking_by_slices(line: str) -> str:
    """`clean._strip_marking` as it was written first: cut each opening off the line."""
    while _c._is_para_start(line):
        m = _c._PARA_START.match(line)
        if m is None or m.end() == 0:
            break
        rest = line[m.end():]
        if rest == line:
            break
        line = rest
    return line.lstrip()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["1. ", "(C) ", "¶", " ", "A. ", "a.", "(S//NF)", "12.(U)",
                                 "Text", "\t", "(", "B.(", "1000. ", "x"]), max_size=12))
def test_strip_marking_in_place_equals_cutting(parts):
    line = "".join(parts)
    assert _c._strip_marking(line) == _strip_marking_by_slices(line)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*_TRICKY, " ", "  ", "\t", "\u00a0", "\r\n", "¶1. (C)",
                                 "Summary: x", "note", "END NOTE."]), max_size=40).map("".join))
def test_once_leaves_no_double_space_tab_or_pilcrow(text):
    body = _c._once(text)[0]
    for s in ("  ", "\t", "\u00a0", "\r", "\x00", "¶"):
        assert s not in body


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["RUEHC/", "RUEHKO/SECSTATE", "xRUEH/A", " R", "U", "H", "AB",
                                 "/", "A", "a", "RHEHAAA/B", "-", "é"]), max_size=20)
       .map("".join))
def test_routing_slash_is_inline_junks_routing_part(text):
    # without SECTION, VZCZC and ZZH only the routing-indicator part of _INLINE_JUNK can match
    assert (_c._ROUTING_SLASH.search(text) is None) == (_c._INLINE_JUNK.search(text) is None)


def test_lower_opener_passes_every_lower_case_word_a_line_may_open_with():
    for word in _LOWER_WORDS:
        for line in (word, word.upper(), word.title(), " \t" + word):
            scan = "\n" + line + "\n"
            assert [m.span() for m in _c._SCAN_LINE.finditer(scan)] == [
                m.span() for m in _UNGATED.finditer(scan)], line
        assert _UNGATED.search("\n" + word + "\n"), word  # the words do reach a line rule


_UNGATED_FIELD = re.compile(
    _c._SCAN_HEADER_FIELD.pattern.replace(_p._FIELD_OPENER, "", 1), _c._SCAN_HEADER_FIELD.flags)
_FIELD_WORDS = ["E.O. 12958: DECL", "e.o. 12958", "eo 12958", "e o 12958", "EO12958", "TAGS: PREL",
                "tags", "Tag x", "SUBJECT: X", "subj: x", "ſubject: x", "REF: A", "refs:",
                "REFERENCES: A", "references: a", "(C) CLASSIFIED BY: X", "(u) classified by x",
                "Classifed by", "REASONS: 1.4", "reason: 1.4", "¶ TAGS x", "¶E.O. 13526",
                "¶ (C) Classified By: X", "¶\tsubject: x", "¶1. (C) Text", "¶ the",
                "the", "said", "Then", "\tsubj: x", "(C) text", "c lassified by"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FIELD_WORDS + ["", " ", "x"]), max_size=20),
       st.text(alphabet=_TRICKY, max_size=10))
def test_field_opener_keeps_every_header_field_scan_match(lines, noise):
    scan = "\n" + "\n".join(lines) + noise + "\n"
    assert [m.span() for m in _c._SCAN_HEADER_FIELD.finditer(scan)] == [
        m.span() for m in _UNGATED_FIELD.finditer(scan)]


def test_field_opener_passes_every_field_word():
    for word in _FIELD_WORDS:
        for line in (word, word.upper(), word.lower(), word.title(), "  " + word):
            scan = "\n" + line + "\n"
            assert [m.span() for m in _c._SCAN_HEADER_FIELD.finditer(scan)] == [
                m.span() for m in _UNGATED_FIELD.finditer(scan)], line
