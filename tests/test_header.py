"""Tests for corpora.header: parse_cable and the field normalizers, on real cables."""

from __future__ import annotations

import csv
import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpora.cable import CLASSIFICATIONS, Cable, CableParseError, Source
from corpora.clean import BOILERPLATE_PATTERNS
from corpora.header import (
    canonical_origin,
    canonical_ref,
    normalize_classification,
    parse_cable,
    parse_dtg,
)

SRC = Source("test.txt", "line 1")


def _boilerplate(body: str) -> list[str]:
    return [m.group(0) for p in BOILERPLATE_PATTERNS for m in [p.search(body)] if m]


def _html_pres(path: Path) -> tuple[str, str]:
    """Header and body <pre> blocks of a Cablegate page (test helper, not the reader)."""
    pres = re.findall(r"<pre>(.*?)</pre>", path.read_text(encoding="utf-8"), re.S)
    return tuple(html.unescape(re.sub(r"<[^>]+>", "", p)) for p in pres[:2])  # type: ignore


def _manifest(root: Path) -> list[dict[str, str]]:
    with (root / "MANIFEST.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- seed cable


@pytest.fixture(scope="module")
def seed(seed_cable_path: Path) -> Cable:
    return parse_cable(seed_cable_path.read_text(encoding="utf-8"), source=SRC)


def test_seed_fields(seed):
    assert seed.ref == "09TOKYO1346"
    assert seed.date == datetime(2009, 6, 15, 8, 43, tzinfo=UTC)
    assert seed.origin == "Embassy Tokyo"
    assert seed.origin_raw == "AMEMBASSY TOKYO"
    assert seed.classification == "SECRET"
    assert seed.tags == ("PREL", "PARM", "MNUC", "MARR", "CH", "RU", "JA", "KN")
    assert seed.subject_tags == ("PREL", "PARM", "MNUC", "MARR")
    assert seed.country_tags == ("CH", "RU", "JA", "KN")
    assert seed.subject == (
        "U.S., JAPANESE OFFICIALS ENGAGE IN EXTENDED DETERRENCE DIALOGUE AND OVERVIEW OF "
        "2009 NUCLEAR POSTURE REVIEW"
    )
    assert seed.reasons == "1.4 (b/d)"
    assert seed.classified_by == "James P. Zumwalt, Charge d'Affaires, a.i."
    assert seed.declassify_on == "AFTER KOREAN REUNIFICATION"
    assert seed.to == ("SECSTATE WASHDC",)
    assert seed.info[:2] == ("ASEAN REGIONAL FORUM COLLECTIVE", "AMEMBASSY BEIJING")
    assert "HQ USPACOM HONOLULU HI" in seed.info
    assert "SIPDIS" in seed.caveats
    assert seed.disagreements == () and seed.notes == ()


def test_seed_body(seed):
    assert _boilerplate(seed.body) == []
    assert "extended deterrence for U.S. allies is central" in seed.body
    assert "SIPDIS" not in seed.body and "TOKYO 00001346" not in seed.body
    assert len(seed.paragraphs) == 20


def test_seed_with_container_meta_records_disagreements(seed_cable_path):
    meta = {
        "ref": "09TOKYO1346",
        "origin": "Embassy Osaka",
        "classification": "CONFIDENTIAL",
        "date": datetime(2009, 6, 15, 9, 0, tzinfo=UTC),  # minutes off: not a disagreement
        "released": datetime(2010, 11, 28, tzinfo=UTC),
    }
    c = parse_cable(seed_cable_path.read_text(encoding="utf-8"), source=SRC, meta=meta)
    assert c.origin == "Embassy Osaka" and c.classification == "CONFIDENTIAL"
    assert c.released == meta["released"]
    got = {(d.field, d.container, d.header) for d in c.disagreements}
    assert got == {
        ("origin", "Embassy Osaka", "Embassy Tokyo"),
        ("classification", "CONFIDENTIAL", "SECRET"),
    }


def test_meta_separate_header(seed_cable_path):
    text = seed_cable_path.read_text(encoding="utf-8")
    i = text.index("S E C R E T SECTION 01")
    c = parse_cable(text[i:], source=SRC, meta={"header": text[:i]})
    assert (c.ref, c.origin, c.date.day) == ("09TOKYO1346", "Embassy Tokyo", 15)
    assert c.to == ("SECSTATE WASHDC",)


def test_meta_rejects_unknown_keys_and_naive_dates():
    with pytest.raises(ValueError, match="meta keys"):
        parse_cable("UNCLAS X 1\n\nText.", source=SRC, meta={"orign": "x"})
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_cable("UNCLAS X 1\n\nText.", source=SRC, meta={"date": datetime(2009, 1, 1)})


# --------------------------------------------------------------------------- real files

RAW_ORIGINS = {
    "06NEWDELHI5135": "Embassy New Delhi",
    "07KUALALUMPUR1376": "Embassy Kuala Lumpur",
    "09UNVIEVIENNA279": "UNVIE",
    "09USEUBRUSSELS948": "USEU Brussels",
}


def _raw_files(root: Path) -> list[Path]:
    files = sorted((root / "cablegate-rawtext").glob("*.txt"))
    assert len(files) == 14
    return files


def test_rawtext_files(shared_data):
    for f in _raw_files(shared_data):
        c = parse_cable(f.read_text(encoding="latin-1"), source=Source(str(f), "line 1"))
        assert c.ref == f.stem, f.name
        assert c.date is not None and c.date.tzinfo is not None
        assert c.date.year == 2000 + int(f.stem[:2]), f.name
        assert c.classification in CLASSIFICATIONS, f.name
        assert c.origin and c.origin_raw, f.name
        if f.stem in RAW_ORIGINS:
            assert c.origin == RAW_ORIGINS[f.stem]
        assert c.tags and c.subject_tags, f.name
        assert c.subject and "SUBJECT" not in c.subject, f.name
        assert _boilerplate(c.body) == [], f.name
        assert "SIPDIS" in c.caveats


def test_rawtext_details(shared_data):
    root = shared_data / "cablegate-rawtext"

    def parse(name):
        return parse_cable((root / f"{name}.txt").read_text(encoding="latin-1"), source=SRC)

    c = parse("09UNVIEVIENNA279")
    assert c.classification == "UNCLASSIFIED//FOR OFFICIAL USE ONLY"  # UNCLAS + SENSITIVE
    assert c.references == ("A. UNVIE 109", "B. UNVIE 201")
    assert c.origin_raw == "USMISSION UNVIE VIENNA"
    c = parse("06NEWDELHI5237")  # TAGS wrapped onto a second line, comma-separated
    assert c.tags[-4:] == ("PREF", "PREL", "IN", "IR")
    assert c.country_tags == ("IN", "IR")
    assert c.references == ("SECSTATE 119436",)
    assert c.reasons == "1.4 (B,D)"
    c = parse("09USEUBRUSSELS948")
    assert c.tags[-1] == "EUN" and c.subject == "TEC STAKEHOLDERS PRAISE DAY-LONG OUTREACH EVENT"
    c = parse("09PARIS1007")  # "Classified By" wraps; reasons continue on the next line
    assert c.reasons == "1.4 (B) AND (D)"
    c = parse("07BOGOTA1232")
    assert c.classified_by == "Political Counselor John S. Creamer"
    assert c.reasons == "1.4 (b) and (d)"
    assert c.declassify_on == "01/30/2017"
    c = parse("07BOGOTA1165")
    assert c.declassify_on is None  # E.O. 12958: N/A
    c = parse("09UNVIEVIENNA285")  # DTG with suffix "ZDK MANY SVCS"; 36 sections
    assert c.date == datetime(2009, 6, 18, 13, 13, tzinfo=UTC)
    assert "UNVIE VIEN 00000285" not in c.body


def test_cablegate_html_against_manifest(shared_data):
    """Header-derived values agree with the page's own metadata table (MANIFEST.csv)."""
    root = shared_data / "cablegate-html"
    rows = _manifest(root)
    n = agree_origin = agree_class = agree_ref = has_origin = errors = 0
    for row in rows:
        header, body = _html_pres(root / row["file"])
        created = datetime.strptime(row["created"], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        meta = {
            "ref": row["refid"],
            "date": created,
            "origin": row["origin"],
            "classification": row["classification"],
            "header": header,
        }
        try:
            c = parse_cable(body, source=Source(row["file"], "pre"), meta=meta)
        except CableParseError:
            errors += 1  # a few mirror pages hold a truncated preview ("Classified By: A...")
            continue
        n += 1
        assert c.ref == row["refid"] and c.origin == row["origin"]  # the container wins
        assert _boilerplate(c.body) == [], row["file"]
        fields = {d.field for d in c.disagreements}
        has_origin += c.origin_raw is not None
        agree_origin += c.origin_raw is not None and "origin" not in fields
        agree_class += "classification" not in fields
        agree_ref += "ref" not in fields
    assert errors <= 8
    assert n >= 440
    assert has_origin >= 400
    assert agree_origin == has_origin  # every FM line maps to the page's origin name
    assert agree_class / n >= 0.97
    assert agree_ref / n >= 0.97


def test_cablegate_jsonl_glued(shared_data):
    path = shared_data / "cablegate-jsonl" / "wikileaks-11-28-10.json"
    records = {}
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        d = json.loads(line)
        meta = {
            "ref": d["_id"],
            "origin": d["origin"],
            "classification": d["classification"],
            "date": datetime.strptime(d["date_time"], "%Y-%m-%d %H:%M").replace(tzinfo=UTC),
            "header": d["header"],
        }
        c = parse_cable(d["body"], source=Source(str(path), f"line {i + 1}"), meta=meta)
        assert _boilerplate(c.body) == [], d["_id"]
        records[c.ref] = c
    assert len(records) == 219
    with_tags = sum(1 for c in records.values() if c.tags)
    assert with_tags >= 200
    c = records["05ANKARA7215"]
    assert c.tags == ("ECON", "PGOV", "PINR", "TU", "POLITICAL", "PARTIES")
    assert c.subject == "NO SPLITS IN TURKEY'S GOVERNING AKP PARLIAMENTARY GROUP -- FOR NOW"
    assert c.references == ("A. ANKARA 6543", "B. ANKARA 6251", "C. ANKARA 6337")
    assert any("newlines lost" in n for n in c.notes)
    assert any("partial extract" in n for n in c.notes)
    c = records["04ANKARA348"]  # sentence-cased partial extract
    assert c.tags == ("PREL", "PGOV", "PINS", "TU")
    assert c.reasons == "1.5 (b,d)"
    assert c.subject.startswith("turkish p.m. Erdogan goes to washington")
    assert c.subject.endswith("challenges?")


def test_header_only_cablegate_csv_like_old_cable():
    text = (
        "P R 281848Z DEC 66\nFM AMEMBASSY BUENOS AIRES\nTO SECSTATE WASHDC PRIORITY\n"
        "INFO USCINCSO\nCINCLANT\n"
        "UNCLASSIFIED BUENOS AIRES 2481\n\nE.O. 12958: DECL: DECLASSIFIED BY NARA 09/02/2009\n"
        "TAGS: EFIS, PBTS, AR\nSUBJECT:  EXTENDED NATIONAL JURISDICTIONS OVER HIGH SEAS\n\n"
        "1. THE ARGENTINE GOVERNMENT HAS EXTENDED ITS JURISDICTION.\n\nMARTIN\n"
    )
    c = parse_cable(text, source=SRC)
    assert c.ref == "66BUENOSAIRES2481"
    assert c.date == datetime(1966, 12, 28, 18, 48, tzinfo=UTC)
    assert c.origin == "Embassy Buenos Aires"
    assert c.to == ("SECSTATE WASHDC",) and c.info == ("USCINCSO", "CINCLANT")
    assert c.tags == ("EFIS", "PBTS", "AR")
    assert c.body == "THE ARGENTINE GOVERNMENT HAS EXTENDED ITS JURISDICTION."


# --------------------------------------------------------------------------- normalizers


@pytest.mark.parametrize(
    ("raw", "year", "expected"),
    [
        ("09TOKYO1346", None, "09TOKYO1346"),
        ("09TOKYO001346", None, "09TOKYO1346"),
        ("TOKYO 001346", 2009, "09TOKYO1346"),
        ("NEW DELHI 005135", 2006, "06NEWDELHI5135"),
        ("USEU BRUSSELS 000948", 2009, "09USEUBRUSSELS948"),
        ("UNVIE VIENNA 000279", 2009, "09UNVIEVIENNA279"),
        ("1974ATHENS02959_b", None, "1974ATHENS02959_b"),
        ("frus1977-80v11p1d3", None, "frus1977-80v11p1d3"),
    ],
)
def test_canonical_ref(raw, year, expected):
    assert canonical_ref(raw, year) == expected


@pytest.mark.parametrize("raw", ["", "TOKYO", "12345", "TOKYO 001346"])
def test_canonical_ref_rejects(raw):
    with pytest.raises(CableParseError, match="ref"):
        canonical_ref(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("P 150843Z JUN 09", datetime(2009, 6, 15, 8, 43, tzinfo=UTC)),
        ("O 260858Z JUL 06 ZDK", datetime(2006, 7, 26, 8, 58, tzinfo=UTC)),
        ("P R 221828 Z MAY 73", datetime(1973, 5, 22, 18, 28, tzinfo=UTC)),
        ("201247Z Jan 04", datetime(2004, 1, 20, 12, 47, tzinfo=UTC)),
        ("R 281848Z DEC 66", datetime(1966, 12, 28, 18, 48, tzinfo=UTC)),
    ],
)
def test_parse_dtg(raw, expected):
    assert parse_dtg(raw) == expected


def test_parse_dtg_year_hint_and_errors():
    assert parse_dtg("P 150843Z JUN 65").year == 2065
    assert parse_dtg("P 150843Z JUN 65", year_hint=1966).year == 1965
    for bad in ("no date here", "P 320843Z JUN 09", "P 150843Z FOO 09", "P 152543Z JUN 09"):
        with pytest.raises(CableParseError, match="date"):
            parse_dtg(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("S E C R E T", "SECRET"),
        ("C O N F I D E N T I A L SECTION 01 OF 02 PARIS 000119 NOFORN", "CONFIDENTIAL//NOFORN"),
        ("C o n f i d e n t i a l section 01 of 04 ankara 000348", "CONFIDENTIAL"),
        ("TelegramC O N F I D E N T I A L", "CONFIDENTIAL"),
        ("UNCLAS", "UNCLASSIFIED"),
        ("UNCLAS SENSITIVE", "UNCLASSIFIED//FOR OFFICIAL USE ONLY"),
        ("LIMITED OFFICIAL USE", "LIMITED OFFICIAL USE"),
        ("SECRET//NOFORN", "SECRET//NOFORN"),
        ("TOP SECRET", "TOP SECRET"),
    ],
)
def test_normalize_classification(raw, expected):
    assert normalize_classification(raw) == expected


def test_normalize_classification_rejects():
    with pytest.raises(CableParseError, match="classification"):
        normalize_classification("SECRETARY OF STATE")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AMEMBASSY TOKYO", "Embassy Tokyo"),
        ("AMCONSUL NAHA", "Consulate Naha"),
        ("USMISSION USNATO", "Mission USNATO"),
        ("SECSTATE WASHDC", "Secretary of State"),
        ("USMISSION UNVIE VIENNA", "UNVIE"),
        ("AMEMBASSY PORT AU PRINCE", "Embassy Port Au Prince"),
        ("USINT HAVANA", "US Interests Section Havana"),
        ("USDEL SECRETARY//MEXICO//", "US Delegation, Secretary"),
        ("WHO KNOWS", None),
    ],
)
def test_canonical_origin(raw, expected):
    assert canonical_origin(raw) == expected


def test_canonical_origin_matches_cablegate_pages(shared_data):
    root = shared_data / "cablegate-html"
    pairs = 0
    for row in _manifest(root):
        header, _ = _html_pres(root / row["file"])
        m = re.search(r"^FM (.*)$", header, re.M)
        if m:
            pairs += 1
            assert canonical_origin(m.group(1).strip()) == row["origin"], row["file"]
    assert pairs >= 400


def test_route2name_embassies(shared_data):
    """Every RUEH... embassy/consulate station name maps to an origin of the right kind."""
    rows = (shared_data / "cablegate-metadata" / "route2name.csv").read_text().splitlines()
    n = 0
    for line in rows:
        _, _, name = line.partition(",")
        if name.startswith(("AMEMBASSY ", "AMCONSUL ")):
            n += 1
            origin = canonical_origin(name)
            assert origin is not None and origin.startswith(("Embassy ", "Consulate ")), name
    assert n > 100


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\r\n  ",
        "VZCZCXRO8638\nPP RUEHDT\nDE RUEHKO #1346/01 1660843\nZNY SSSSS ZZH\n"
        "P 150843Z JUN 09\nFM AMEMBASSY TOKYO\nTO RUEHC/SECSTATE WASHDC PRIORITY 3730\n",
        "lorem ipsum dolor sit amet, nothing cable-like here at all",
        "S E C R E T SECTION 01 OF 06 TOKYO 001346\n\nSIPDIS\n\nE.O. 12958: DECL: X\n",
    ],
)
def test_bad_input_raises(text):
    with pytest.raises(CableParseError) as info:
        parse_cable(text, source=Source("bad.txt", "line 3"))
    assert "bad.txt:line 3" in str(info.value)
    assert info.value.path == "bad.txt" and info.value.field


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_parse_cable_returns_cable_or_raises(text):
    try:
        c = parse_cable(text, source=SRC)
    except CableParseError:
        return
    assert isinstance(c, Cable) and c.body


_PIECES = [
    "P 150843Z JUN 09", "FM AMEMBASSY TOKYO", "TO RUEHC/SECSTATE WASHDC", "S E C R E T",
    "UNCLAS TOKYO 001346", "TAGS: PREL", "SUBJECT: X", "E.O. 12958: N/A", "Text.", "",
    "¶1. (C) Para", "REF: A. STATE 1", "Classified By: X, reasons 1.4 (b)", "P 999999Z ZZZ 09",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14), st.booleans())
def test_parse_cable_cable_like_fuzz(pieces, glue):
    text = ("" if glue else "\n").join(pieces)
    try:
        c = parse_cable(text, source=SRC)
    except CableParseError:
        return
    assert c.classification is None or c.classification.split("//")[0] in CLASSIFICATIONS


@given(st.text(max_size=60))
def test_normalizers_idempotent(raw):
    try:
        once = normalize_classification(raw)
    except CableParseError:
        pass
    else:
        assert normalize_classification(once) == once
    origin = canonical_origin(raw)
    if origin is not None:
        assert canonical_origin(origin) == origin
    try:
        ref = canonical_ref(raw, 2009)
    except CableParseError:
        pass
    else:
        assert canonical_ref(ref) == ref


# `_find_line` scans long inputs once and tests only the lines a scan match touches; it must
# give the first line the pattern matches, as a plain loop does.
_FIELD_LINES = [
    "", "TAGS: PREL", "  tags prel", "SUBJECT: X", "SUBJ:", "REF: A. STATE 1", "REFS:", "E.O. 12958",
    "E. O. 12958: N/A", "Classified By: A for reasons 1.4", "(C) CLASSIFED BY X", "FM AMEMBASSY X",
    "FM", "1. (C) Text", "¶TAGS X", "¶ SUBJECT: Y", "Refer to", "plain prose line", "\t", "TAGS",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_FIELD_LINES), max_size=40), st.sampled_from([None, 5, 20, 120]))
def test_find_line_equals_plain_loop(lines, limit):
    from corpora import header as h

    for pat in (h._TAGS_LINE, h._SUBJ_LINE, h._REF_LINE, h._EO_LINE, h._CLBY_LINE, h._FM_RE,
                h.CLASS_LINE, h._FIELD_ZONE):
        plain = next((i for i, ln in enumerate(lines[:limit]) if pat.match(ln)), None)
        assert h._find_line(lines, pat, limit) == plain, pat.pattern


def test_glued_page_break_does_not_take_the_subjects_last_words():
    # a JSON Lines dump deleted the newlines: the subject's wrapped end "SENATOR LIEBERMAN"
    # sits two spaces before the glued page-break line "DUBAI 00000355 001.2 OF 003"
    body = (
        "S E C R E T SECTION 01 OF 03 DUBAI 000355  SIPDIS  E.O. 12958: DECL: 6/3/2017 "
        "TAGS: PREL PGOV IR SAAESUBJECT: DUBAI RULER DISCUSSES IRAN WITH SENATOR LIEBERMAN  "
        "DUBAI 00000355  001.2 OF 003   CLASSIFIED BY: Paul R Sutphin, Consul General. "
        "REASON: 1.4 (b), (d)     1.(S) SUMMARY.  Senator Joseph Lieberman met the Ruler of "
        "Dubai on 29 May and discussed Iran at length with him and his advisers.  "
        + "The Ruler said that Iran worried him. " * 8
    )
    cable = parse_cable(body, source=Source("dump.json", "line 1", "", "jsonl"))
    assert cable.subject == "DUBAI RULER DISCUSSES IRAN WITH SENATOR LIEBERMAN"
    assert cable.tags == ("PREL", "PGOV", "IR", "SAAE")  # as written (see test_real_ingest)
    assert "00000355" not in cable.body and "Lieberman met the Ruler" in cable.body


# --- parser 4: text run on after a Classified By line's reason codes --------------------

_RUN_ON = """C O N F I D E N T I A L SECTION 01 OF 02 LONDON 000118

SIPDIS

E.O. 12958: DECL: 01/13/2019
TAGS: EFIN KNNP IR UK
SUBJECT: UK IRAN SANCTIONS ROUNDUP

REF: A. 2008 STATE 133198
     B. STATE 1760
     C. 2008 STATE 115523
Classified By: KATHLEEN DOHERTY, ECON COUNSELOR, FOR REASONS {codes} {tail}

1. (S) British officials are eager to apply additional pressure on Iran.
"""


@pytest.mark.parametrize("codes, want", [
    ("1.4 B & D", "1.4 B & D"),
    ("1.4 (b) and (d).", "1.4 (b) and (d)"),
    ("1.4(b,d)", "1.4(b,d)"),
    ("1.5 (B) AND (D)", "1.5 (B) AND (D)"),
    ("1.4 (b), (d), 1.5 (c)", "1.4 (b), (d), 1.5 (c)"),
    ("1.4 B AND D.", "1.4 B AND D"),
    ("1.4(b)and(d)", "1.4(b)and(d)"),
    ("1.4(b and d)", "1.4(b and d)"),
    ("1.4 (b) a nd (d)", "1.4 (b) a nd (d)"),
    ("1.4 b\u00a0and d", "1.4 b and d"),  # no-break space read as a space
    ("1.4 (b+d)", "1.4 (b+d)"),
    ("1.5(b)-(d )", "1.5(b)-(d )"),
])
def test_text_after_reason_codes_goes_to_the_body(codes, want):
    tail = "This message contains action requests. Please see paragraphs 3 and 11."
    c = parse_cable(_RUN_ON.format(codes=codes, tail=tail), source=SRC)
    assert c.reasons == want
    assert c.classified_by == "KATHLEEN DOHERTY, ECON COUNSELOR"
    assert c.body.startswith(tail)  # kept, once, as the body's first line
    assert c.body.count("action requests") == 1
    assert "2008 STATE" not in c.body and "British officials" in c.body


def test_reason_codes_without_run_on_text_are_left_alone():
    c = parse_cable(_RUN_ON.format(codes="1.4 (b) and (d)", tail=""), source=SRC)
    assert c.reasons == "1.4 (b) and (d)"
    assert c.body.startswith("British officials")


def test_a_sections_own_dump_row_is_metadata():
    """A mirror's cables.csv row of the record's own later section, inside the text."""
    from corpora.header import _strip_dump_records

    text = ("First paragraph of the cable about visas.\n"
            "0 07/20/2009 4953 PREL,PGOV 217296 Libyan visa problems 217296 7/20/2009 10:25 "
            "09TRIPOLI583 Embassy Tripoli SECRET//NOFORN RUEHBC #0583/02 20\n"
            "QRIPOLI 000583 NOFORN DEPT FOR NEA E.O. 12958: DECL: 7/20/2019 TAGS: PREL LY\n"
            "Second paragraph goes on about travellers.\n")
    out, note = _strip_dump_records(text, "09TRIPOLI583")
    assert out == ("First paragraph of the cable about visas.\n"
                   "\nSecond paragraph goes on about travellers.\n")
    assert "section's cables.csv row" in note
    # another cable's row still ends the text
    out, note = _strip_dump_records(text, "09TRIPOLI999")
    assert out.startswith("First paragraph of the cable about visas.\n")
    assert "Second paragraph" not in out and "09TRIPOLI583" in note


# --- per-record time budget -----------------------------------------------------------------

def test_a_cable_past_its_time_budget_is_a_parse_timeout_error():
    import signal

    from corpora.cable import CableParseError

    text = _RUN_ON.format(codes="1.4 (b)", tail="") + ("THE MINISTER SAID. " * 20_000 + "\n") * 20
    handler = signal.getsignal(signal.SIGALRM)
    with pytest.raises(CableParseError, match="parse timeout") as err:
        parse_cable(text, source=SRC, max_seconds=0.001)
    assert err.value.path == SRC.path and err.value.locator == SRC.locator
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0  # no timer left running
    assert signal.getsignal(signal.SIGALRM) is handler  # the handler restored
    # the same cable with the default budget parses
    cable = parse_cable(text, source=SRC)
    assert cable.classification == "CONFIDENTIAL" and "THE MINISTER SAID" in cable.body


def test_ingest_turns_a_parse_timeout_into_one_reject(tmp_path, monkeypatch):
    """The budget reaches the readers: the slow record is a reject, the others are stored."""
    from corpora import limits
    from corpora.store import CorpusStore

    src = tmp_path / "cables"
    src.mkdir()
    (src / "small.txt").write_text(_RUN_ON.format(codes="1.4 (b)", tail=""))
    big = _RUN_ON.format(codes="1.4 (b)", tail="").replace("LONDON 000118", "LONDON 000119")
    (src / "big.txt").write_text(big + ("THE MINISTER SAID. " * 20_000 + "\n") * 40)
    monkeypatch.setattr(limits, "MAX_PARSE_SECONDS", 0.05)
    store = CorpusStore.ingest([str(src)], tmp_path / "store", n_jobs=1)
    assert len(store.to_pandas()) == 1
    rejects = (tmp_path / "store" / "rejects.jsonl").read_text()
    assert "parse timeout" in rejects and "big.txt" in rejects


def test_reason_codes_wrapped_over_two_lines_stay_in_the_field():
    text = _RUN_ON.format(codes="1.4 (b) and", tail="").replace(
        "and \n", "and\n(d).\n", 1)
    c = parse_cable(text, source=SRC)
    assert c.reasons.startswith("1.4 (b) and") and "(d)" in c.reasons
    assert c.body.startswith("British officials")


def test_a_wrapped_subject_after_tags_is_header_not_body():
    """A page cut off after its header (10MADRID49 on one mirror): the subject's second
    line, all-caps with function words, is still the subject, so there is no prose."""
    from corpora.cable import CableParseError

    text = ("C O N F I D E N T I A L SECTION 01 OF 02 MADRID 000049\n\nSIPDIS\n\n"
            "FOR EUR/WE\n\nE.O. 12958: DECL: 01/19/2020\nTAGS: PREL SP\n"
            "SUBJECT: AMBASSADOR SOLOMONT'S JANUARY 18, 2010, MEETING\n"
            "WITH SPANISH MINISTER OF INTERIOR RUBALCABA\n\nClassified By: A...")
    with pytest.raises(CableParseError, match="no prose"):
        parse_cable(text, source=SRC)
    c = parse_cable(text.replace("Classified By: A...",
                                 "Classified By: Ambassador X, reasons 1.4 (b).\n\n"
                                 "1. (C) The Ambassador met the Minister.\n"), source=SRC)
    assert c.subject.endswith("MINISTER OF INTERIOR RUBALCABA")
    assert c.body == "The Ambassador met the Minister."


def test_distribution_block_is_no_addressees():
    """A State telegram's office distribution block ("INFO LOG-00 ..." before the FM line,
    continued with one-letter codes, a count and a rule) names offices, not addressees: the
    INFO list is the one after TO."""
    text = (
        "PAGE 01        LUSAKA  00123  01 OF 02  021200Z\n"
        "ACTION AF-00\n\n"
        "INFO  LOG-00   ADS-00   INR-05   EUR-00   SS-00    CIAE-00  DODE-00\n"
        "      H-01     NSCE-00  L-03     TRSE-00  PM-10\n"
        "      P-02     T-01     /021 W\n"
        "                    ------------------1A2B3C  021300Z /38\n"
        "R 021145Z MAR 91\nFM AMEMBASSY LUSAKA\nTO SECSTATE WASHDC 4411\n"
        "INFO AMEMBASSY HARARE\nAMEMBASSY GABORONE\n"
        "C O N F I D E N T I A L LUSAKA 00123\n\nE.O. 12356: DECL: OADR\n"
        "TAGS: PGOV ZA\nSUBJECT: PARTY CONGRESS\n\n1. THE PARTY MET ON SUNDAY.\n"
    )
    c = parse_cable(text, source=SRC)
    assert c.to == ("SECSTATE WASHDC",)
    assert c.info == ("AMEMBASSY HARARE", "AMEMBASSY GABORONE")


def test_distribution_block_of_a_real_page(shared_data):
    """The real page this was found on: 90CAPETOWN97's INFO list held the distribution
    block's continuation lines, its rule and the date-time group."""
    import zipfile

    from corpora.read import read_file

    zpath = shared_data / "cablegate-dev" / "cables-4000.zip"
    if not zpath.exists():
        pytest.skip(f"{zpath} is absent")
    with zipfile.ZipFile(zpath) as zf:
        data = zf.read("1990/01/90CAPETOWN97.html")
    [c] = [r for r in read_file("90CAPETOWN97.html", data=data) if isinstance(r, Cable)]
    assert c.to == ("SECSTATE WASHDC",)
    assert c.info[0] == "AMEMBASSY PRETORIA" and "AMEMBASSY PARIS" in c.info
    assert not any(re.search(r"-\d\d\b|/\d+ W|^-+|\d{6}Z", x) for x in c.info), c.info
