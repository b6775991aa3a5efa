"""Tests for corpora.clean: boilerplate removal on real cables, idempotence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpora import clean as _c
from corpora import clean_patterns as _p
from corpora.clean import BOILERPLATE_PATTERNS, clean_body


def _boilerplate(body: str) -> list[str]:
    return [m.group(0) for p in BOILERPLATE_PATTERNS for m in [p.search(body)] if m]


@pytest.fixture(scope="module")
def seed_text(seed_cable_path: Path) -> str:
    return seed_cable_path.read_text(encoding="utf-8")


def test_seed_body_is_clean(seed_text):
    body, paragraphs = clean_body(seed_text)
    assert _boilerplate(body) == []
    assert "extended deterrence for U.S. allies is central" in body
    assert "TOKYO 00001346" not in body
    assert "RUEH" not in body and "AMEMBASSY" not in body
    assert "ZUMWALT" not in body
    assert "Hiroshi Sanomura" in body  # the last real line survives the signature rule
    assert "End" not in body.split("\n\n")[0][-10:]  # "End\n\nSummary." marker removed
    assert "¶" not in body and "(S)" not in body


def test_seed_paragraphs(seed_text):
    _, paragraphs = clean_body(seed_text)
    numbers = [p.number for p in paragraphs]
    # numbers as written: the seed goes 1..6, 17, 18, 19, 10, ...
    assert numbers[:10] == ["1", "2", "3", "4", "5", "6", "17", "18", "19", "10"]
    assert numbers[-2:] == ["19", "20"]
    assert [p.marking for p in paragraphs[-2:]] == ["U", "SBU"]
    assert all(p.marking == "S" for p in paragraphs[:-2])
    p4 = paragraphs[3]
    assert p4.text.startswith("DASD Hersman underscored that extended deterrence for U.S. allies")
    assert "\n" not in p4.text


def test_clean_body_removes_each_kind():
    text = "\n".join(
        [
            "C O N F I D E N T I A L SECTION 01 OF 02 PARIS 000119",
            "",
            "NOFORN",
            "SIPDIS",
            "",
            "STATE FOR S/WCI, EUR/ERA",
            "NSC FOR KVIEN",
            "",
            "E.O. 12958: DECL: 01/26/2019",
            "TAGS: PREL KAWK",
            "SUBJECT: FRANCE SEEKING COORDINATED EU POSITION AS",
            "PREREQUISITE TO ACCEPTANCE",
            "",
            "REF: A. SECSTATE 6516",
            "     ¶B. BRUSSELS 79",
            "",
            "Classified By: Political Counselor Andrew R. Young for reasons",
            "1.4 (B & D).",
            "",
            "-------",
            "SUMMARY",
            "-------",
            "",
            "¶1. (C/NF) Summary: The French met XXXXXXXXXXXX on the question of",
            "PARIS 00000119  002 OF 002",
            "",
            "detainees.  End Summary.",
            "",
            "VZCZCXRO6236",
            "DE RUEHFR #0119/01 0271814",
            "ZNY CCCCC ZZH",
            "FM AMEMBASSY PARIS",
            "TO RUEHC/SECSTATE WASHDC IMMEDIATE 5315",
            "NEA/ELA",
            "",
            "2. (S//NF) Second paragraph.SIPDIS Comment: still here. End comment.",
            "",
            "BEGIN TEXT:",
            "Quoted text.",
            "END TEXT",
            "",
            "PEKALA",
        ]
    )
    body, paragraphs = clean_body(text)
    assert _boilerplate(body) == []
    assert body == (
        "The French met on the question of detainees.\n\n"
        "Second paragraph. still here.\n\nQuoted text."
    )
    assert [(p.number, p.marking) for p in paragraphs] == [("1", "C/NF"), ("2", "S//NF")]
    assert paragraphs[1].text == "Second paragraph. still here. Quoted text."


def test_page_break_between_paragraphs_keeps_break():
    text = "1. (C) First ends here.\n\nOTTAWA 00000918  002.2 OF 003\n\n2. (C) Second."
    body, paragraphs = clean_body(text)
    assert body == "First ends here.\n\nSecond."
    assert len(paragraphs) == 2


def test_crlf_and_latin1_pilcrow():
    body, paragraphs = clean_body("UNCLAS BOGOTA 001165\r\n\r\n\xb61.  This is a request.\r\n")
    assert body == "This is a request."
    assert paragraphs[0].number == "1" and paragraphs[0].marking is None


def test_body_without_boilerplate_is_unchanged_text():
    text = "The minister said the talks went well.\n\nHe will travel on Monday."
    assert clean_body(text)[0] == text


def test_real_rawtext_bodies_clean(shared_data):
    files = sorted((shared_data / "cablegate-rawtext").glob("*.txt"))
    assert len(files) >= 10
    for f in files:
        body, paragraphs = clean_body(f.read_text(encoding="latin-1"))
        assert _boilerplate(body) == [], f.name
        assert len(body) > 200, f.name
        assert clean_body(body)[0] == body, f"{f.name}: not idempotent"


# Lines that look like cable material, to let hypothesis build cable-like texts.
_LINES = [
    "S E C R E T SECTION 01 OF 06 TOKYO 001346",
    "SIPDIS",
    "",
    "TOKYO 00001346 002.2 OF 006",
    "E.O. 12958: DECL: 01/26/2019",
    "TAGS: PREL PGOV",
    "SUBJECT: A SUBJECT",
    "REF: A. STATE 1",
    "Classified By: Someone, reasons 1.4 (b)",
    "¶1. (C) Text of a paragraph",
    "2. (S/NF) More text.",
    "-----",
    "END SUMMARY",
    "XXXXXXXXXXXX said so.",
    "ZUMWALT",
    "- ZUMWALT",
    "RUEHC/SECSTATE WASHDC",
    "A. ONE",
    "continued sentence",
    "GROWING CONCERN",
    "(U) marked only",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_LINES), max_size=25))
def test_clean_body_idempotent_cable_like(lines):
    body, _ = clean_body("\n".join(lines))
    assert clean_body(body)[0] == body
    assert _boilerplate(body) == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_clean_body_idempotent_arbitrary(text):
    body, paragraphs = clean_body(text)
    assert isinstance(body, str)
    assert clean_body(body)[0] == body


# --- the fast paths give what the plain rules give -------------------------------------
# `clean_body` finds the lines a rule may touch with whole-text scans, removes markers and
# SIPDIS by `str.find` and skips the second pass when `_is_fixed_point` says it would change
# nothing. Each shortcut is checked here against the plain rule it stands for.

_ODD = ["ı", "ſ", "İ", "\u00a0", "\t", "\x0c", "٣٣٣٣٣٣٣٣", "12345678", "End\n\nSummary.",
        "NOTE:", "(C) Comment: x", "sipdis", "SIPDİS", "ſummary:", "also for USTR", "Please pass"]
_cable_lines = st.lists(st.sampled_from(_LINES + _ODD), max_size=30)


def _scan_lines(text: str) -> set[int]:
    lines = text.split("\n")
    scan = "\n" + text + "\n"
    starts = _c._line_starts(lines)
    out: set[int] = set()
    _c._touched(_c._SCAN_LINE, scan, starts, out)
    _c._lines_with_digits8(scan, starts, out)
    _c._lines_holding(scan, _c._SUB_GUARDS, starts, out)
    return out


def _real_lines() -> list[str]:
    root = Path(__file__).resolve().parents[1] / "corpora" / "data" / "sample" / "cables"
    files = sorted(root.rglob("*.txt"))[:40]
    return [ln for f in files for ln in f.read_text(encoding="utf-8").split("\n")]


def test_line_scans_find_every_line_a_line_rule_takes():
    lines = _real_lines() + _LINES + _ODD + [
        "RR RUEHJA", "DE RUEHUJA #0219/01 0190520", "R 190520Z JAN 03", "FM AMEMBASSY ABUJA",
        "INFO RUEHJA/AMEMBASSY JAKARTA 5759", "ACTION EUR-00", "PAGE 02 STATE 123456 221828Z",
        "STATE FOR EUR/WE", "Embassy also for USTR", "C O R R E C T E D C O P Y", "NNN",
        "  ---- ", "TOKYO 00001346 002.2 OF 006", "Telegram C O N F I D E N T I A L", "12",
    ]
    assert len(lines) > 1000
    found = _scan_lines("\n".join(lines))
    for i, line in enumerate(lines):
        needs = (_c._drop(line) or _c._is_class_line(line) or _c._PAGE_BREAK_LINE.match(line)
                 or _c._DIGITS8.search(line) or any(g in line for g in _c._SUB_GUARDS))
        if needs:
            assert i in found, line


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cable_lines, st.text(alphabet="aAeEnNdDbBgGiIsS \t\n.:-ıſİ", max_size=40))
def test_fast_rules_equal_plain_rules(lines, noise):
    text = "\n".join(lines) + noise
    assert _c._sub_markers(text) == (
        _c._MARKERS.sub(" ", text)
        if any(w in text.lower() for w in ("summary", "comment", "note", "text")) else text
    )
    assert _c._sub_sipdis(text, text.lower()) == _c._SIPDIS.sub(" ", text)
    lines_all = text.split("\n")
    found = _scan_lines(text)
    for i, line in enumerate(lines_all):
        if _c._drop(line) or _c._is_class_line(line) or _c._DIGITS8.search(line):
            assert i in found
    body = _c._once(text)[0]
    if _c._is_fixed_point(body):
        assert _c._once(body)[0] == body


def test_scan_lookahead_claim_for_case_sensitive_drops():
    # _SCAN_LINE skips the case-sensitive drop patterns (all but the last) on a line that
    # opens with a capital followed by a lower-case letter: none of them can match there.
    for pat in _p._ROUTING_LINES + _p._DROP_LINE_CS_PATTERNS[:-1]:
        p = re.compile(pat)
        for head in ("Ab", "Zz", "Rebecca", "Ma", "FMa", "De", "To", "Info", "Page", "Nn"):
            for tail in ("", " x", " RUEHC/SECSTATE 1", " 150843Z JUN 09", "-00", "/ABC"):
                assert p.fullmatch(head + tail) is None or not head[1].islower(), (pat, head)


# --- parser 4 ------------------------------------------------------------------------------

def test_all_caps_prose_after_a_tags_line_is_body_not_tags():
    """An old telegram's later section: its E.O./TAGS line, then the paragraph running on
    from the previous section with no blank line and no paragraph number."""
    text = ("1. (C) THE OPPOSITION LEADER WENT ON TO SAY THAT IF IT WAITS THAT LONG,\n\n"
            "E.O. 12958: DECL: 11/29/10 TAGS: PGOV PREL ECON PINR ZI SA\n"
            "THERE WILL BE \"NOTHING TO VOTE FOR\" BY THE TIME THE ELECTION ARRIVES.\n\n"
            "2. (C) ON THE GOZ REACTION TO A MASS DEMONSTRATION, HE SPOKE.\n")
    body, _ = clean_body(text)
    assert "NOTHING TO VOTE FOR" in body
    assert "PINR" not in body and "12958" not in body
    # a real TAGS continuation line (codes and a person TAG) is still part of the field
    body, _ = clean_body("TAGS: PGOV PREL KDEM\nCLINTON, HILLARY ZI\n\n1. (C) Text of it.\n")
    assert body == "Text of it."


def test_mid_sentence_classified_by_line_is_dropped():
    text = ("1. (C) The Crown Prince complained that U.S. allies in the Classified by: "
            "Ambassador Adam Ereli for reason 1.4 (b) (d) Arab world kept sticking their "
            "necks out.\n")
    body, _ = clean_body(text)
    assert body == ("The Crown Prince complained that U.S. allies in the Arab world kept "
                    "sticking their necks out.")


def test_not_applicable_answers_are_text_and_office_symbols_are_not():
    body, _ = clean_body("A. (U) No.\n\nB. (U) N/A\n\nNEA/ELA\n\nC. (U) Yes, in 2008.\n")
    assert "N/A" in body and "NEA/ELA" not in body


def test_a_mirrors_missing_section_marker_is_dropped():
    body, _ = clean_body("1. (U) Text one.\n\n"
                         "*********************** * Missing Section 003 * *****************\n\n"
                         "2. (U) Text two.\n")
    assert "Missing" not in body and "Text two." in body
