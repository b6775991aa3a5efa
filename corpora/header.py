"""Cable header parsing: one cable's text (routing header + body) into a `Cable` record.

Every reader calls `parse_cable`. Container formats (Cablegate HTML/CSV, JSON Lines, PlusD)
pass their own metadata as ``meta``; the container's value is kept and each field where the
cable's own header text says something else becomes a `Disagreement`.

Real headers come in many variants (see ``../shared/data/*/SOURCE.md``): the ALDAC routing
block (``VZCZC``, ``DE RUEHKO #1346/01 1660843``, DTG, ``FM``/``TO``/``INFO``), DTG-only
headers of old cables, PlusD telegrams with distribution lists, media-partner "partial
extracts" with sentence-cased bodies, and JSON Lines dumps whose newlines were all deleted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from corpora import limits
from corpora.cable import CLASSIFICATIONS, Cable, CableParseError, Disagreement, Source
from corpora.clean import (
    _LOWER_WORD,
    CLASS_LINE,
    CLASS_WORD,
    CLASSIFYING_EO,
    PAGE_BREAK,
    clean_body,
    field_continues,
    fold,
)
from corpora.tags import is_known_tag, split_run_together, split_tags

__all__ = [
    "canonical_origin",
    "canonical_ref",
    "normalize_classification",
    "parse_cable",
    "parse_dtg",
]

logger = logging.getLogger(__name__)

_I = re.IGNORECASE
_M = re.MULTILINE
_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
)}
#: Container fields a reader may pass in ``meta`` (the rest is read from the cable text).
_META_KEYS = frozenset(
    ("ref", "date", "origin", "classification", "references", "subject", "released", "tags",
     "header")
)
_PARTIAL = re.compile(
    r"This record is a partial extract of the original cable\.\s*"
    r"(?:The full text of the original cable is not available\.)?",
    _I,
)
_DTG_RE = re.compile(
    r"(?<![\dA-Za-z])(?:(?P<prec>[ZOPRM](?:\s?[ZOPRM])?)\s+)?(?P<day>\d{2})(?P<hh>\d{2})"
    r"(?P<mm>\d{2})\s?Z\s+(?P<mon>[A-Za-z]{3})\s+(?P<year>\d{4}|\d{2})(?!\d)"
)
_DE_RE = re.compile(r"^[ \t]*+DE\s+(?P<ri>R[A-Z]{3,7})\s*#\s*(?P<serial>\d{1,7})(?:/\d+)?", _M)
# The sender in capitals ("FM AMEMBASSY CAIRO"): a sentence-cased heading such as
# "FM on the Way Out?" (FM = Foreign Minister) is no routing line. Trailing blanks are
# part of the group (callers strip it): a lazy ``.*?\s*$`` costs quadratic time.
_FM_RE = re.compile(r"^[ \t]*+FM[ \t]++(?P<fm>[A-Z][A-Z0-9 \t.,/'&()-]*+)$", _M)
# In a body "FM" is also "Foreign Minister": only a known sender form counts there.
_FM_BODY_RE = re.compile(
    r"^[ \t]*+FM[ \t]++(?P<fm>(?:AMEMBASSY|AMCONSUL|SECSTATE|USMISSION|USDEL|USEU|USINT|USLO|AIT)"
    r"\b[^\n]*+)$",
    _M,
)
_SECTION = re.compile(r"\bSECTION\s+\d{1,2}\s+OF\s+\d{1,2}\b", _I)
_POST_SERIAL = re.compile(
    r"^\s*(?:(?P<yy>\d{2})\s+)?(?P<post>[A-Z][A-Z.'-]*(?:\s+[A-Z][A-Z.'-]*){0,3})\s+"
    r"(?P<serial>\d{1,8})\s*$",
    _I,
)
_PAGE_LINE = re.compile(
    r"^[ \t]*+(?P<post>(?:[A-Z][A-Z.'-]*+[ \t]++){1,4}?)(?P<serial>\d{8})\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3}",
    _I | _M,
)
_CAVEATS = (
    "NOFORN", "SIPDIS", "EXDIS", "NODIS", "LIMDIS", "STADIS", "NOCONTRACT", "ORCON",
    "PROPIN", "CHEROKEE", "ROGER", "SPECAT", "TERREP",
)
_PRECEDENCE_WORDS = frozenset(("IMMEDIATE", "PRIORITY", "ROUTINE", "FLASH", "NIACT"))


def _strip_precedence(s: str) -> str:
    """``s`` without its trailing precedence words and serial numbers ("SECSTATE WASHDC
    PRIORITY 1556" -> "SECSTATE WASHDC"), token by token (a regex over the suffix would
    cost quadratic time on long runs of numbers)."""
    words = s.split()
    n = len(words)
    while n > 1 and (words[n - 1] in _PRECEDENCE_WORDS or (
        words[n - 1].isdigit() and len(words[n - 1]) <= 5
    )):
        n -= 1
    if n == len(words):
        return s
    return " ".join(words[:n])
_FIELD_START = re.compile(
    r"^\s*(?:¶\s*)?(?:E\.?\s?O\.?\s*" + CLASSIFYING_EO + r"|TAGS?\b|SUBJ(?:ECT)?\s*:|REFS?\s*:|"
    r"(?:\(\w{1,4}\)\s*)?CLASSIFI?E?D\s+BY\b|(?:\d{1,2}\.|¶))",
    _I,
)


# Patterns used per line or per cable, compiled once (a `re.match(str, ...)` call costs a
# cache lookup each time).
_PAGE_BREAK_START = re.compile(r"^\s*" + PAGE_BREAK, _I)
_WS_RUN = re.compile(r"\s+")
_TO_INFO_HEAD = re.compile(r"^\s*(?:TO|INFO)\s+")
_RI_HEAD = re.compile(r"^R[A-Z]{3,7}/")
_TO = re.compile(r"^TO\s")
_INFO = re.compile(r"^INFO\s")
_ROUTING_HEAD = re.compile(r"^(?:FM|DE|ZN[YR]|VZCZC|BT)\b")
_DIST_LIST = re.compile(r"^(?:INFO\s+)?(?:[A-Z]{2,6}-\d\d\s*)+")
_ROUTING_CONT = re.compile(
    r"^\s*+(?:(?:TO|INFO)\s|R[A-Z]{3,7}/|(?:AMEMBASSY|AMCONSUL|SECSTATE|USMISSION|"
    r"[A-Z ]+WASHDC))"
)
# Each caveat is a whole word: two of them never overlap, so one scan finds them all.
_CAVEATS_ANY = re.compile(r"\b(?:" + "|".join(f"({c})" for c in _CAVEATS) + r")\b", _I)
_SIPDIS_I = re.compile("SIPDIS", _I)
_SENSITIVE_LINE = re.compile(r"^[ \t]*+SENSITIVE\b", _I | _M)
_REST_CAVEATS = re.compile(r"//\s*\w+|\bSENSITIVE\b|\bNOFORN\b", _I)
_FIELD_ZONE = re.compile(r"^\s*(?:¶\s*)?(?:E\.?\s?O\.?|TAGS?\b|SUBJ)", _I)
_DECL = re.compile(r"DECL\w*\s*:?\s*(.*)", _I)
_NA = re.compile(r"N/?A", _I)
_SUBJ_CUT = re.compile(r"(?<!\s)\s++(?=REFS?\s*:|Classified\s+By\b)", _I)
_REASONS_LINE = re.compile(r"^[ \t]*+REASONS?[ \t]*+:?+[ \t]*+(1\.\d.*)$", _I | _M)
_YEAR4 = re.compile(r"\d{4}")
_TRUNCATED = re.compile(r"(?:\.\.\.|…)[ \t]*+(?:\n|$)")
_SUBJ_SPLIT = re.compile(r"SUBJ(?:ECT)?\s*:", _I)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG_JUNK = re.compile(r"[^A-Za-z0-9_-]")
_TAG_SEP = re.compile(r"[\s,;]+")
_REF_LETTERED = re.compile(r"[A-Z]\.\s")
_REF_ITEM_SPLIT = re.compile(r"\s(?=[A-Z]\.\s+\S)")
_REASONS_WORD = re.compile(r"(?<![\s;,])[\s;,]*+\b(?:for\s++)?reasons?\b\s*+:?+\s*+", _I)
_EO_TAIL = re.compile(r"(?<![\s,;])[,;]?+\s*+E\.?\s?O\.?\s*+1\d{4}\s*+,?+\s*+$")
_REASON_CODE = re.compile(r"\d\.\d.*")
#: The reasons of a Classified By line, codes only: ``1.4 (b) and (d)``, ``1.4 B & D``,
#: ``1.4(b,d)``, ``1.5 (B) AND (D)``, ``1.4 (b), (d), 1.5 (c)``. What follows on the same line
#: is the cable's text run on (the page lost its line break). Possessive: linear time.
_REASON_CODES = re.compile(
    r"\d\.\d(?:[^\S\n]*+[,;&/+-]?+[^\S\n]*+(?:(?:a[^\S\n]?+n[^\S\n]?+d|or)[^\S\n]*+)?+"
    r"(?:\d\.\d|\([^\S\n]*+[a-h](?:[^\S\n]*+(?:[,/&+-]|and|or)?+[^\S\n]*+[a-h])*+[^\S\n]*+\)"
    r"|\[[a-h]\]|[a-h]\)|[a-h](?![\w'’-])))*+\.?+",
    _I,
)
#: Words of a run-on tail (three or more letters); "and"/"or" alone continue the codes on
#: the next line ("1.4 (b) and" / "(d)").
_TAIL_WORD = re.compile(r"[A-Za-z]{3,}+")
_ORIGIN_HEAD = re.compile(r"^(?:AMEMBASSY|AMCONSUL|USMISSION|AMCONGEN)\s+")
#: Characters the case-insensitive patterns match as an ASCII letter that ``str.lower``
#: does not turn into that letter (or turns into two characters).
_CASE_FOLD_ODD = ("\u0130", "\u0131", "\u017f")


def _has_word_i(text: str, low: str, word: str, pattern: re.Pattern[str]) -> bool:
    """``pattern.search(text)`` for a pattern needing ``word`` (lower case, any case in the
    text): False at once when ``low`` (``text.lower()``) lacks it and that is exact."""
    if word not in low and len(low) == len(text) and not any(c in text for c in _CASE_FOLD_ODD):
        return False
    return pattern.search(text) is not None


# --------------------------------------------------------------------------- normalizers


def canonical_ref(raw: str, year: int | None = None) -> str:
    """The canonical Cablegate reference id (``09TOKYO1346``).

    Parameters
    ----------
    raw : str
        A reference as found: ``09TOKYO1346``, ``09TOKYO001346``, ``TOKYO 001346`` (needs
        `year`), ``NEW DELHI 005135``, ``09 USEU BRUSSELS 948``. PlusD ids
        (``1974ATHENS02959_b``) and FRUS ids (``frus1977-80v11p1d3``) are returned as they are.
    year : int, optional
        Year of the cable (four digits, or two); needed when `raw` carries no year.

    Returns
    -------
    str
        Two-digit year + post without spaces + serial without leading zeros.

    Raises
    ------
    CableParseError
        When `raw` holds no post and serial, or no year is given or written.

    Examples
    --------
    >>> canonical_ref("NEW DELHI 005135", year=2006)
    '06NEWDELHI5135'
    """
    s = (raw or "").strip()
    if re.fullmatch(r"\d{4}[A-Z]+\d+(?:_[a-z0-9]+)?", s) or s.lower().startswith("frus"):
        return s  # PlusD and FRUS ids keep their own form
    m = re.fullmatch(
        r"(?P<yy>\d{2})?\s*(?P<post>[A-Za-z][A-Za-z.'\- ]*?)\s*(?P<serial>\d{1,8})", s
    )
    if m is None:
        raise CableParseError(
            f"reference {raw!r} is not a cable reference; expected e.g. '09TOKYO1346' or "
            "'TOKYO 001346' with a year",
            field="ref",
        )
    yy = m.group("yy")
    if yy is None:
        if year is None:
            raise CableParseError(
                f"reference {raw!r} has no year; pass year= (e.g. the DTG's year)", field="ref"
            )
        yy = f"{int(year) % 100:02d}"
    post = re.sub(r"[\s.'\-]+", "", m.group("post")).upper()
    if not post:
        raise CableParseError(f"reference {raw!r} has no post name", field="ref")
    return f"{yy}{post}{int(m.group('serial'))}"


def _century(yy: int, hint: int | None) -> int:
    if hint is not None and hint >= 100:
        base = hint - hint % 100
        cands = (base - 100 + yy, base + yy, base + 100 + yy)
        return min(cands, key=lambda y: abs(y - hint))
    return 1900 + yy if yy >= 66 else 2000 + yy


def parse_dtg(s: str, year_hint: int | None = None) -> datetime:
    """Parse a date-time group into a UTC-aware datetime.

    Parameters
    ----------
    s : str
        Text holding a DTG: ``P 150843Z JUN 09``, ``O 260858Z JUL 06 ZDK``,
        ``P R 221828 Z MAY 73``, ``201247Z Jan 04``.
    year_hint : int, optional
        A four-digit year the cable is known to be near (from the container or a PlusD id);
        the century closest to it is used. Without it two-digit years 66-99 are 19xx and
        00-65 are 20xx (Cablegate spans 1966-2010).

    Returns
    -------
    datetime
        Timezone-aware (UTC).

    Raises
    ------
    CableParseError
        When no DTG is found or its day, time or month is impossible.

    Examples
    --------
    >>> parse_dtg("P 150843Z JUN 09")
    datetime.datetime(2009, 6, 15, 8, 43, tzinfo=datetime.timezone.utc)
    """
    m = _DTG_RE.search(s or "")
    if m is None:
        raise CableParseError(
            f"no date-time group in {s[:60]!r}; expected e.g. '150843Z JUN 09'", field="date"
        )
    mon = _MONTHS.get(m.group("mon").upper())
    y = m.group("year")
    year = int(y) if len(y) == 4 else _century(int(y), year_hint)
    try:
        if mon is None:
            raise ValueError(f"unknown month {m.group('mon')!r}")
        return datetime(
            year, mon, int(m.group("day")), int(m.group("hh")), int(m.group("mm")), tzinfo=UTC
        )
    except ValueError as exc:
        raise CableParseError(
            f"impossible date-time group {m.group(0)!r} ({exc}); expected DDHHMMZ MON YY",
            field="date",
        ) from exc


_ORIGIN_FIXED = {
    "SECSTATE WASHDC": "Secretary of State",
    "SECSTATE": "Secretary of State",
    "USMISSION UNVIE VIENNA": "UNVIE",
    "USMISSION UNVIE": "UNVIE",
    "USMISSION USUN NEW YORK": "USUN New York",
    "USMISSION USUN NEWYORK": "USUN New York",
    "USUN NEW YORK": "USUN New York",
    "USMISSION GENEVA": "US Mission Geneva",
    "USEU BRUSSELS": "USEU Brussels",
    "USINT HAVANA": "US Interests Section Havana",
    "AIT TAIPEI": "American Institute Taiwan, Taipei",
    "IRAN RPO DUBAI": "Iran RPO Dubai",
    "USLO TRIPOLI": "Embassy Tripoli",
}


def _title(words: str) -> str:
    return " ".join(w.capitalize() for w in words.split())


def canonical_origin(raw: str) -> str | None:
    """The sending post in Cablegate's form, from the ``FM`` line as written.

    ``AMEMBASSY TOKYO`` -> ``Embassy Tokyo``, ``AMCONSUL NAHA`` -> ``Consulate Naha``,
    ``USMISSION USNATO`` -> ``Mission USNATO``, ``USMISSION GENEVA`` -> ``US Mission Geneva``,
    ``SECSTATE WASHDC`` -> ``Secretary of State``, ``USMISSION UNVIE VIENNA`` -> ``UNVIE``,
    ``USDEL SECRETARY//MEXICO//`` -> ``US Delegation, Secretary``. Forms follow the Cablegate
    site's origin names (checked against ``cablegate-html/MANIFEST.csv``).

    Parameters
    ----------
    raw : str
        Sender as written, or an origin already in Cablegate form (returned unchanged).

    Returns
    -------
    str or None
        None when the sender is of no form we know (never guessed).
    """
    s = _WS_RUN.sub(" ", (raw or "").strip())
    if not s:
        return None
    up = s.upper()
    if up != s:  # already canonical (mixed case), e.g. "Embassy Tokyo"
        return s
    up = _strip_precedence(up).strip()
    if up in _ORIGIN_FIXED:
        return _ORIGIN_FIXED[up]
    head, _, rest = up.partition(" ")
    rest = rest.split("//")[0].strip()
    if head in ("AMEMBASSY", "USEMBASSY", "AMEMB") and rest:
        return "Embassy " + _title(rest)
    if head in ("AMCONSUL", "AMCONGEN") and rest:
        return "Consulate " + _title(rest)
    if head == "USMISSION" and rest:
        if re.fullmatch(r"US[A-Z]+", rest):
            return "Mission " + rest
        return "US Mission " + _title(rest)
    if head == "USDEL" and rest:
        return "US Delegation, " + _title(rest)
    if head == "USOFFICE" and rest:
        return "US Office " + _title(rest)
    if head == "USINT" and rest:
        return "US Interests Section " + _title(rest)
    return None


def _squash_spacing(s: str) -> str:
    # "S E C R E T" -> "SECRET"; "C o n f i d e n t i a l" -> "Confidential"
    return _SPACED_LETTER.sub(r"\1", s)


# normalize_classification's patterns, compiled once (each `re.search(str, ...)` call
# looks its pattern up in the re module's cache)
_SPACED_LETTER = re.compile(r"(?<![A-Za-z])([A-Za-z])\s(?=[A-Za-z](?![A-Za-z]))")
_TELEGRAM_HEAD = re.compile(r"^\s*TELEGRAM\s*", _I)
_NOFORN_ANY = re.compile(r"NOFORN|//NF\b")
_TOP_SECRET = re.compile(r"TOP\s*SECRET")
_SECRET_WORD = re.compile(r"(?<![A-Z])SECRET(?![A-Z])")
_LOU = re.compile(r"LIMITED\s+OFFICIAL\s+USE")
_FOUO = re.compile(r"FOR\s+OFFICIAL\s+USE|FOUO|(?<![A-Z])SBU(?![A-Z])")
_UNCLAS_SENSITIVE = re.compile(r"UNCLAS(?:SIFIED)?\W+SENSITIVE")
_UNCLAS_WORD = re.compile(r"(?<![A-Z])UNCLAS(?:SIFIED)?(?![A-Z])")


def normalize_classification(raw: str) -> str:
    """Normalize a classification as written to one of `CLASSIFICATIONS` (+ ``//NOFORN``).

    Reads letter-spaced (``S E C R E T``), sentence-cased (``C o n f i d e n t i a l``) and
    glued (``TelegramC O N F I D E N T I A L``) forms, ``UNCLAS``, ``UNCLAS SENSITIVE`` and
    ``SBU`` (= ``UNCLASSIFIED//FOR OFFICIAL USE ONLY``), ``LIMITED OFFICIAL USE``. Appends
    ``//NOFORN`` when NOFORN is written. Idempotent.

    Raises
    ------
    CableParseError
        When no classification word is found.

    Examples
    --------
    >>> normalize_classification("S E C R E T SECTION 01 OF 06 TOKYO 001346 NOFORN")
    'SECRET//NOFORN'
    """
    s = _TELEGRAM_HEAD.sub("", raw or "")
    s = _squash_spacing(s).upper()
    noforn = _NOFORN_ANY.search(s) is not None
    if _TOP_SECRET.search(s):
        level = "TOP SECRET"
    elif _SECRET_WORD.search(s):
        level = "SECRET"
    elif "CONFIDENTIAL" in s:
        level = "CONFIDENTIAL"
    elif _LOU.search(s):
        level = "LIMITED OFFICIAL USE"
    elif _FOUO.search(s) or _UNCLAS_SENSITIVE.search(s):
        level = "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    elif _UNCLAS_WORD.search(s):
        level = "UNCLASSIFIED"
    else:
        raise CableParseError(
            f"no classification in {raw[:60]!r}; expected one of {', '.join(CLASSIFICATIONS)}",
            field="classification",
        )
    return level + "//NOFORN" if noforn else level


# --------------------------------------------------------------------------- helpers


#: A page-break line's post and serial, found without knowing the cable: post words in
#: capitals, one space apart (in "... WITH SENATOR LIEBERMAN  DUBAI 00000355  001.2 OF 003"
#: the subject's lost line end is two spaces: the page break must not take its last words).
_GLUED_PAGE_BREAK = (
    r"(?<![A-Za-z])[A-Z][A-Z.'-]*(?: [A-Z][A-Z.'-]*){0,2}\s+\d{8}\s+\d{3}(?:\.\d+)?"
    r"\s+(?i:OF)\s+\d{3}"
)
_REF_PARTS = re.compile(r"\d{2}(?P<post>[A-Z]+?)(?P<serial>\d{1,8})")


def _page_break_of(ref: str | None) -> str | None:
    """The page-break lines of cable ``ref`` as a regex: a tail of its post (3 letters or
    more, any case, a space allowed between letters) and its serial in 8 digits.

    ``07ANKARA1091`` finds ``seasonedAnkara 00001091 002 of 002politician`` (glued on both
    sides), ``07ABUDHABI145`` finds ``ABU DHABI 00000145 002 OF 002`` and ``09RPODUBAI177``
    finds ``DUBAI 00000177 003.2 OF 003``. None for a ref of another shape.
    """
    m = _REF_PARTS.fullmatch(ref or "")
    if m is None:
        return None
    post = m.group("post")
    tails = "|".join("[ ]?".join(post[i:]) for i in range(len(post) - 2))  # longest first
    return (
        rf"(?i:{tails})\s*{int(m.group('serial')):08d}\s+\d{{3}}(?:\.\d+)?\s+(?i:OF)\s+\d{{3}}"
    )


def _unglue(text: str, ref: str | None = None) -> str:
    """Re-insert the line breaks a JSON Lines dump deleted, by the fields' own patterns.

    ``ref`` (the container's reference id) pins page-break lines to the cable's own post and
    serial; without it they are found by shape (`_GLUED_PAGE_BREAK`).
    """
    t = text
    subs = (
        (r"(?=VZCZC)", "\n", 0),
        (r"(?<=[A-Z0-9])(?=DE R[A-Z]{3,7} ?#)", "\n", 0),
        (r"(?=ZN[YR] [A-Z]{5} ZZH)", "\n", 0),
        (r"(?<=ZZH)", "\n", 0),
        (r"(?<=\d\d)(?=FM [A-Z])", "\n", 0),
        (r"(?<=[A-Z0-9])(?=TO R[A-Z]{3,7}/)", "\n", 0),
        (r"(?<=[A-Z0-9])(?=INFO R[A-Z]{3,7}/)", "\n", 0),
        (r"(?<=[A-Z0-9 ])(?<!TO )(?<!INFO )(?=R[UH][A-Z]{2,5}/[A-Z])", "\n", 0),
        (r"SIPDIS", "\nSIPDIS\n", _I),
        (r"(?=E\.\s?O\.\s?" + CLASSIFYING_EO + ")", "\n", _I),
        (r"(?=\bTAGS?\s*:?\s+[A-Z]{2,})", "\n", _I),
        (r"(?=SUBJ(?:ECT)?\s*:)", "\n", _I),
        (r"(?=\bREFS?\s*:)", "\n", _I),
        # consume the match so the optional marking is not split from "Classified By" twice
        (r"(?:\(\w{1,4}\)\s*)?Classified\s+By", lambda m: "\n" + m.group(0), _I),
    )
    for pat, rep, flags in subs:
        t = re.sub(pat, rep, t, flags=flags)
    return _unglue_body(t, ref)


def _unglue_body(t: str, ref: str | None = None) -> str:
    """Page-break lines and paragraphs of a body whose line breaks were lost put back on
    lines of their own (see `_unglue`)."""
    pinned = _page_break_of(ref)
    n = 0
    if pinned is not None:  # each page-break line on a line of its own
        t, n = re.subn(pinned, r"\n\g<0>\n", t)
    if n == 0:
        t = re.sub(_GLUED_PAGE_BREAK, r"\n\g<0>\n", t)
    paragraphs = (
        (r"¶(?=\s*[A-Z]\.\s)", "\n¶", 0),
        (r"¶(?=\s*\d)", "\n\n¶", 0),
        (r"(?<![\d.¶])(?=\b\d{1,2}\.[ \t]*\((?:U|C|S|SBU|TS|[SC]//?NF)\)\s)", "\n\n", _I),
    )
    for pat, rep, flags in paragraphs:
        t = re.sub(pat, rep, t, flags=flags)
    return t


#: A header-field line (REF, Classified By, SUBJECT) that a body may have been glued onto.
_GLUE_FIELD_HEAD = re.compile(
    r"^[ \t]*+(?:¶[ \t]*+)?(?:REF(?:S|ERENCES?)?[ \t]*+:|(?:\(\w{1,4}\)[ \t]*+)?"
    r"CLASSIFI?E?D[ \t]++BY\b|SUBJ(?:ECT)?[ \t]*+:|REASONS?[ \t]*+:)",
    _I,
)
#: The same fields later in a line (a subject's continuation ``... CONFERENCE REF: A) ...``),
#: in capitals or as written in sentence case only: prose says "classified by" too.
_GLUE_FIELD_INLINE = re.compile(
    r"(?<![\w.])(?:REF(?:S|ERENCES?)?[ \t]*+:|Ref(?:s|erences?)?[ \t]*+:|"
    r"CLASSIFIED[ \t]++BY[ \t]*+:|Classified[ \t]++[Bb]y[ \t]*+:|SUBJECT[ \t]*+:)"
    # TAGS and E.O. after a value with its line end lost ("DECL: 08/16/2015TAGS: EMIN",
    # "INL FOR AGUILERAE.O. 12958: DECL")
    r"|(?<![A-Za-z])TAGS[ \t]*+:|E\.O\.[ \t]?+" + CLASSIFYING_EO + r"\b"
)
#: Where a paragraph opens inside such a line: ``1. (C)``, ``¶2.``, ``(SBU) According``
#: (a marking then a word), ``1. SUMMARY``. Case-sensitive: markings are capitals.
_GLUED_PARA = re.compile(
    r"(?:¶[ \t]*+)?\b\d{1,2}\.[ \t]*+\((?:U|C|S|SBU|TS|[SC]//?NF|SBU//?NF|U//FOUO)\)"
    r"|¶[ \t]*+\d{1,2}\b"
    r"|(?<=[ \t])\((?:U|C|S|SBU|TS|[SC]//?NF|SBU//?NF|U//FOUO)\)[ \t]++"
    r"(?!(?:AND|OR)\b)(?!(?:\d\d[ \t]++)?[A-Z][A-Z.'-]*+(?:[ \t]++[A-Z][A-Z.'-]*+){0,3}"
    r"[ \t]++\d)(?=[A-Z\"])"
    r"|(?<=[ \t])1\.[ \t]++(?=(?:SUMMARY|Summary|BEGIN|Begin)\b)"
)
#: Prose after an all-capitals REF or SUBJECT value with no paragraph mark: a capitalised
#: word and four more words holding small letters (``Per reftel, Post requests that``).
_GLUED_PROSE = re.compile(
    r"(?<=[ \t])[A-Z][a-z]++[,;]?+(?:[ \t]++(?=[^\s]*?[a-z])\S++){4}"
)
#: What may stand before a marking that is a paragraph: not a reason code (``1.4 (C)``),
#: nor a conjunction in a reasons list (``(B) and (D)``), nor a lettered REF item.
_REASON_TAIL = re.compile(r"(?:1\.\d[a-z]?|\band|\bor|&|,)[ \t]*+$", _I)


_GLUE_ZONE = 80  # header fields stand in a cable's first lines
_BODY_LINE = re.compile(r"^[ \t]*+(?:¶[ \t]*+\d|\d{1,2}\.[ \t]*+\((?:U|C|S|SBU|TS)\b)")


def _split_glued_fields(text: str, ref: str | None = None) -> tuple[str, int]:
    """Put the body on a line of its own where a page lost its line breaks after a header
    field (``REF: STATE 74305  (SBU) According to FCO ...``, ``Classified By: Ambassador X
    for reasons 1.4 (b) and (d) 1. (C) Summary ...``): the field's value ends where the
    first paragraph opens. Returns the text and the number of lines split.

    Lettered or bracketed REF items (``(C) CAIRO 458``) are not paragraphs: a marking opens
    one only when a word follows it that is not a post and serial.
    """
    lines = text.split("\n")
    n = 0
    for i, ln in enumerate(lines[:_GLUE_ZONE]):
        if _BODY_LINE.match(ln):
            break  # the body has begun: "Ref: 2008/515" in a quoted note is text
        if len(ln) < 40:
            continue
        # a field keyword inside the line ("... PRIORITIES Classified By: CDA ...") opens a
        # line of its own, so the field before it ends there; not after prose ("(begin
        # text) Ref: 09/107 To: Mr. Chairman")
        pieces = []
        cur = 0
        for m in _GLUE_FIELD_INLINE.finditer(ln, 0, 3000):
            if len(_LOWER_WORD.findall(ln, max(cur, m.start() - 80), m.start())) >= 4:
                break
            if ln[cur:m.start()].strip():
                pieces.append(ln[cur:m.start()].rstrip())
                cur = m.start()
        pieces.append(ln[cur:])
        last = pieces[-1]
        head = _GLUE_FIELD_HEAD.match(last) or _GLUE_FIELD_INLINE.match(last)
        if head is not None and len(last) >= 60:
            at = _glued_body_start(last, head.end())
            if at is not None:
                pieces[-1] = last[:at].rstrip()
                body = last[at:].lstrip()
                if len(body) >= 600:  # a whole body on one line: its paragraphs back
                    body = _unglue_body(body, ref)
                pieces.append("\n" + body)
        if len(pieces) > 1:
            lines[i] = "\n".join(pieces)
            n += 1
    return ("\n".join(lines) if n else text), n


def _glued_body_start(line: str, start: int) -> int | None:
    """Where the body starts in a header-field line from offset ``start`` (its value), or
    None when the line holds only the field."""
    first = True
    for m in _GLUED_PARA.finditer(line, start):
        if first and not line[start:m.start()].strip():
            return None  # a field with no value before the paragraph: nothing glued
        first = False
        # what stands just before (a bounded look: the whole prefix would cost quadratic
        # time over a line of many markings)
        if _REASON_TAIL.search(line, max(start, m.start() - 40), m.start()):
            continue
        if len(line) - m.start() < 30:
            return None
        return m.start()
    return _prose_start(line, start)


def _prose_start(line: str, start: int) -> int | None:
    """Where prose opens in a long all-capitals REF/SUBJECT value (no paragraph mark)."""
    if len(line) - start < 150:
        return None
    m = _GLUED_PROSE.search(line, start)
    if m is None:
        return None
    before = line[start:m.start()]
    letters = [c for c in before if c.isalpha()]
    if len(letters) < 8 or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return None
    return m.start()


#: A cables.csv record dumped into a page: "----- header ends -----" closes the record's
#: metadata lines (``id:``, ``refid:``, ``header:`` ...), "===== CABLE ENDS =====" its text,
#: and a row such as ``190588 2/5/2009 13:20 09CAIRO210 Embassy Cairo ...`` opens the next
#: record (another cable's text, appended by a mirror).
_DUMP_HEADER_ENDS = re.compile(r"^[ \t]*+-{3,}+[ \t]*+header ends[ \t]*+-{3,}+[ \t]*+$", _I | _M)
_DUMP_CABLE_ENDS = re.compile(r"^[ \t]*+={3,}+[ \t]*+CABLE ENDS[ \t]*+={3,}+", _I | _M)
_DUMP_ROW = re.compile(
    r"(?<!\S)\d{4,7}[ \t]++\d{1,4}[/-]\d{1,2}[/-]\d{2,4}[ \t]++\d{1,2}:\d\d(?::\d\d)?+[ \t]++"
    r"(?P<ref>\d\d[A-Z][A-Z0-9]*+)"
)




def _strip_escaped_newlines(text: str) -> str:
    """Drop the backslash a CSV dump left at the end of each line (``CONCERNS \\``)."""
    if "\\\n" not in text and "\\ \n" not in text:
        return text
    lines = text.split("\n")
    marked = sum(ln.rstrip().endswith("\\") for ln in lines)
    if marked < 3 or marked * 4 < sum(bool(ln.strip()) for ln in lines):
        return text
    out = []
    for ln in lines:
        s = ln.rstrip()
        out.append(s[:-1].rstrip() if s.endswith("\\") else ln)
    return "\n".join(out)


_PREVIEW_CUT = re.compile(r"(?:\.\.\.|…)[ \t]*+\n")
_SERIAL = re.compile(r"\b\d{5,6}\b")


def _preview_cut(text: str, limit: int = 6000) -> re.Match[str] | None:
    """The first `_PREVIEW_CUT` match in ``text`` when it starts at or before ``limit``,
    else None; tried only where ``...`` or ``…`` stands (found with `str.find`)."""
    starts: list[int] = []
    for word in ("...", "…"):
        end = limit + len(word)
        i = text.find(word, 0, end)
        while i >= 0:
            starts.append(i)
            i = text.find(word, i + 1, end)
    for p in sorted(starts):
        m = _PREVIEW_CUT.match(text, p)
        if m is not None:
            return m
    return None


def _strip_preview(text: str) -> tuple[str, bool]:
    """The cable after a cut-off preview: pages that open with the first lines of the
    cable ending in "..." and then repeat the whole cable from its classification line
    (same serial) keep only the repeat."""
    cut = _preview_cut(text)
    if cut is None:
        return text, False
    first = text.lstrip().split("\n", 1)[0]
    m = CLASS_LINE.match(first)
    serial = _SERIAL.search(first) if m else None
    if serial is None:
        return text, False
    start = cut.end()
    while True:
        nl = text.find("\n", start)
        line = text[start:nl if nl >= 0 else len(text)]
        if line.strip():
            break
        if nl < 0:
            return text, False
        start = nl + 1
    head = line[:200]
    if re.match(r"[ \t]*+(?:" + CLASS_WORD + ")", head, _I) and serial.group(0) in head:
        return text[start:], True
    return text, False


#: Every `_DUMP_ROW` match holds a time ``h:mm``; a literal first character makes this
#: scan a fast one (a scan for `_DUMP_ROW` itself tests each position).
_DUMP_ROW_HINT = re.compile(r":\d\d(?<=\d:\d\d)")


def _upper_holds(text: str, word: str) -> bool:
    """``word in text.upper()`` for an upper-case ASCII ``word``: Latin-1 text without
    ``ß`` (the one Latin-1 letter whose upper case holds ASCII letters, ``SS``) is
    upper-cased byte-wise, ASCII letters only."""
    if "ß" not in text:
        try:
            return word.encode("ascii") in text.encode("latin-1").upper()
        except UnicodeEncodeError:
            pass
    return word in text.upper()


_SECTION_EO_TAGS = re.compile(r"E\.O\.[ \t]*+1\d{4}[^\n]{0,80}TAGS?[ \t]*+:")


def _strip_dump_records(text: str, ref: str | None) -> tuple[str, str | None]:
    """The cable's own text out of a page that carries cables.csv dump records: the text
    after "header ends" (a page preview and the record's metadata stand before it), up to
    "CABLE ENDS" or to the row that opens another cable's record."""
    if "header ends" not in fold(text) and not _upper_holds(text, "CABLE ENDS") and not (
        _DUMP_ROW_HINT.search(text) and _DUMP_ROW.search(text)
    ):
        return text, None
    note = None
    m = _DUMP_HEADER_ENDS.search(text)
    if m is not None and text[m.end():].strip():
        text = text[m.end():]
        note = "cables.csv dump record in the page: text read after its 'header ends' line"
    m = _DUMP_CABLE_ENDS.search(text)
    if m is not None:
        text = text[:m.start()]
    for row in _DUMP_ROW.finditer(text):
        if ref and row.group("ref") == ref and text[:row.start()].strip():
            # the record's own row again, for a later section: the row's line (and the
            # section's E.O./TAGS line after it) are metadata, not text
            end = text.find("\n", row.end())
            end = len(text) if end < 0 else end
            nxt = text.find("\n", end + 1)
            nxt = len(text) if nxt < 0 else nxt
            if _SECTION_EO_TAGS.search(text, end, nxt):
                end = nxt
            text = text[:text.rfind("\n", 0, row.start()) + 1] + text[end:]
            note = (note + "; " if note else "") + "a section's cables.csv row in the text was left out"
            break
        if ref and row.group("ref") != ref and text[:row.start()].strip():
            text = text[:row.start()]
            note = (note + "; " if note else "") + (
                f"another cable's record ({row.group('ref')}) appended to the page was left out"
            )
            break
    return text, note


def _is_glued(text: str) -> bool:
    return len(text) > 300 and text.count("\n") < max(3, len(text) // 3000)


def _block(lines: list[str], i: int, cont: Callable[[str], Any] | None = None) -> tuple[str, int]:
    """Join line ``i`` and its continuation lines (up to a blank line, the next field, or
    a line that is the body rather than more of the field: `field_continues`)."""
    parts = [lines[i]]
    j = i + 1
    while j < len(lines):
        ln = lines[j]
        if not field_continues(lines[i], ln, j - i - 1):
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


_TAGS_LINE = re.compile(r"^\s*(?:¶\s*)?TAGS?\b\s*:?\s*(?P<v>.*)$", _I)
# possessive quantifiers: a run of capitals is one tag or none (no re-splitting on failure)
_TAGS_CONT = re.compile(r"^\s*+(?:\[?+[A-Z0-9]{2,}+\]?+(?:\(#\))?+[\s,;]*+)++$")
_SUBJ_LINE = re.compile(r"^\s*(?:¶\s*)?SUBJ(?:ECT)?\s*:\s*(?P<v>.*)$", _I)
_REF_LINE = re.compile(r"^\s*(?:¶\s*)?REF(?:S|ERENCES?)?\s*:\s*(?P<v>.*)$", _I)
_REF_CONT = re.compile(r"^[^\S\n]*+¶?+[^\S\n]*+[A-Z]\.\s++\S")
_CLBY_LINE = re.compile(r"^\s*(?:\(\w{1,4}\)\s*)?CLASSIFI?E?D\s+BY\s*:?\s*(?P<v>.*)$", _I)
_CLBY_CONT = re.compile(
    r"^\s*(?!¶|\d{1,2}\.\s)(?!\((?:U|C|S|SBU|TS|[SC]//?NF)\)\s+(?!AND\b|OR\b))\S", _I
)
_EO_LINE = re.compile(
    r"^\s*(?:¶\s*)?E\.?\s?O\.?\s*" + CLASSIFYING_EO + r"\s*:?\s*(?P<v>.*)$", _I
)


_TAG_GROUP = re.compile(r"\(([^()\n]{1,80})\)")
_TAG_ITEM_SEP = re.compile(r"[,;]")
_TAG_WORD = re.compile(r"[A-Za-z0-9_-]+")


def _parse_tags(value: str) -> tuple[str, ...]:
    """The tags of a TAGS value, in order.

    Commas or semicolons, where they separate most tags, separate tags, so a multi-word tag
    (``HUMAN RIGHTS``, ``USEU BRUSSELS``) stays whole unless all its words are known codes;
    a bracketed person tag (``OVIP (CLINTON, HILLARY)``) is one tag; otherwise blanks
    separate tags. A run-together string is split where it is exactly a concatenation of
    known tags (`split_run_together`).
    """
    value = _SUBJ_SPLIT.split(value, maxsplit=1)[0]
    value = _MD_LINK.sub(r"\1", value)  # markdown links [PREL](#)
    if "(" in value:
        value = value.replace("(#)", " ")
    groups: list[str] = []

    def keep_group(m: re.Match[str]) -> str:
        inner = " ".join(_TAG_WORD.findall(m.group(1))).upper()
        if "," in m.group(1) and inner:
            groups.append(", ".join(w.strip() for w in m.group(1).upper().split(",")))
            return f" \x00{len(groups) - 1} "
        return " " + m.group(1) + " "

    value = _TAG_GROUP.sub(keep_group, value)
    items = _TAG_ITEM_SEP.split(value)
    if len(items) * 2 < len(value.split()):
        items = [value]  # a stray comma in a blank-separated list: blanks separate tags
    out: list[str] = []
    for item in items:
        words = [w for w in item.split() if w]
        if not words:
            continue
        if len(words) > 1 and len(items) > 1 and not all(
            w.startswith("\x00") or is_known_tag(_TAG_JUNK.sub("", w)) for w in words
        ):
            out.append(" ".join(_TAG_JUNK.sub("", w).upper() for w in words))  # one tag
            continue
        for w in words:
            if w.startswith("\x00"):
                out.append(groups[int(w[1:])])
                continue
            t = _TAG_JUNK.sub("", w).upper()
            if t:
                out.extend(split_run_together(t))
    return tuple(dict.fromkeys(out))  # a tag repeated on the line is one tag


def _is_tags_cont(line: str) -> bool:
    """A TAGS continuation line: codes only (no classification banner, no words of a
    subject that lost its keyword, no numbers)."""
    if not _TAGS_CONT.match(line) or CLASS_LINE.match(line):
        return False
    words = [_TAG_JUNK.sub("", w) for w in _TAG_SEP.split(line.replace("(#)", " "))]
    words = [w for w in words if w]
    if not words or any(w.isdigit() for w in words):
        return False
    known = sum(is_known_tag(w) or len(split_run_together(w)) > 1 for w in words)
    return known * 2 >= len(words)


_PAGE_BREAK_IN_VALUE = re.compile(_GLUED_PAGE_BREAK)


def _split_refs(value: str) -> tuple[str, ...]:
    value = value.replace("¶", " ")
    if "OF" in value.upper():
        value = _PAGE_BREAK_IN_VALUE.sub(" ", value)  # "TRIPOLI 00001066 001.2 OF 004"
    value = _WS_RUN.sub(" ", value).strip()
    if not value:
        return ()
    if _REF_LETTERED.match(value):
        items = _REF_ITEM_SPLIT.split(value)
    else:
        items = value.split(";")
    return tuple(i.strip(" ;") for i in items if i.strip(" ;"))


def _split_classified_by(value: str) -> tuple[str | None, str | None]:
    m = _REASONS_WORD.search(value)
    if m is None:
        return _strip_period(value) or None, None
    by = value[: m.start()]
    by = _strip_period(_EO_TAIL.sub("", by)) or None
    reasons = value[m.end():].strip()
    r = _REASON_CODES.match(reasons)
    if r is None:
        r = _REASON_CODE.search(reasons)
    reasons = (r.group(0) if r else reasons).strip(" .;,")
    return by, reasons or None


def _split_reasons_tail(lines: list[str], start: int) -> None:
    """Move text run on after a Classified By line's reason codes to a line of its own.

    ``Classified By: Ambassador X, reasons 1.4 (b) and (d) This message contains an action
    request`` lost its line break: the codes end the field and the rest is the cable's
    text, put after a blank line (in place) so the body keeps it and the ``reasons`` field
    does not. Looks at the Classified By line ``start`` and its next two lines.
    """
    for j in range(start, min(start + 3, len(lines))):
        line = lines[j]
        m = _REASONS_WORD.search(line)
        if m is None:
            continue
        r = _REASON_CODES.match(line, m.end())
        if r is None:
            return
        tail = line[r.end():].strip()
        if any(w.lower() not in ("and", "for") for w in _TAIL_WORD.findall(tail)):
            lines[j:j + 1] = [line[:r.end()], "", tail]
        return


def _strip_period(s: str) -> str:
    """Strip a final full stop, but keep it on abbreviations (``a.i.``)."""
    s = s.strip(" ;,")
    if s.endswith(".") and "." not in s.split()[-1][:-1]:
        s = s[:-1].rstrip(" ;,")
    return s


def _strip_recipient(line: str) -> str:
    s = _TO_INFO_HEAD.sub("", line)
    s = _RI_HEAD.sub("", s.strip())
    return _strip_precedence(s).strip()


_ROUTING_ZONE = 60  # a routing header's lines (FM, TO, INFO lists) come first


def _split_header(lines: list[str]) -> int:
    """Index of the first body line (the classification line after the routing header).

    The routing header's FM line stands in the first lines, before the classification
    line: in an all-capitals body "FM FRATTINI SAID ..." (the Foreign Minister) further
    down is text, and taking it for the header would cut everything before it.
    """
    cls = _find_line(lines, CLASS_LINE, _ROUTING_ZONE)
    fm = _find_line(lines, _FM_RE, cls if cls is not None else _ROUTING_ZONE)
    start = fm + 1 if fm is not None else 0
    for i in range(start, len(lines)):
        if CLASS_LINE.match(lines[i]):
            return i
    if fm is not None:
        # no classification line: the body starts after the last routing line
        j = fm + 1
        while j < len(lines) and _ROUTING_CONT.match(lines[j]):
            j += 1
        return j
    return 0


def _recipients(header_lines: list[str]) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    to: list[str] = []
    info: list[str] = []
    target: list[str] | None = None
    for ln in header_lines:
        s = ln.strip()
        if _TO.match(s):
            target = to
        elif _INFO.match(s):
            target = info
        elif not s or _ROUTING_HEAD.match(s) or CLASS_LINE.match(s):
            target = None
            continue
        if target is None:
            continue
        if _DIST_LIST.match(s):  # distribution list
            continue
        r = _strip_recipient(s)
        if r:
            target.append(r)
    return (tuple(to) or None), (tuple(info) or None)


def _field_value(lines: list[str], pat: re.Pattern[str], cont: Callable[[str], Any] | None = None,
                 limit: int | None = 120) -> str | None:
    i = _find_line(lines, pat, limit)
    if i is None:
        return None
    first = pat.match(lines[i])
    rest = lines[:]
    rest[i] = first.group("v") if first else lines[i]
    value, _ = _block(rest, i, cont)
    return value


# --------------------------------------------------------------------------- parse_cable


def parse_cable(text: str, *, source: Source, meta: dict[str, Any] | None = None,
                max_seconds: float | None = None) -> Cable:
    """Parse one cable's text into a `Cable`, within a time budget.

    The work is `_parse_cable` run under `corpora.limits.time_budget` (``max_seconds``;
    None: `corpora.limits.MAX_PARSE_SECONDS`): a record that takes longer is a
    `CableParseError` with reason ``parse timeout``, never a hang. Parameters, return
    value and errors are `_parse_cable`'s.
    """
    budget = limits.MAX_PARSE_SECONDS if max_seconds is None else max_seconds
    try:
        with limits.time_budget(budget):
            return _parse_cable(text, source=source, meta=meta)
    except limits.ParseTimeout as exc:
        raise CableParseError(f"parse timeout: the cable {exc} to parse ({len(text):,} "
                              "characters); see corpora/limits.py",
                              path=source.path, locator=source.locator) from None


def _parse_cable(text: str, *, source: Source, meta: dict[str, Any] | None = None) -> Cable:
    """Parse one cable's text into a `Cable`.

    Parameters
    ----------
    text : str
        One whole cable (routing header + body), or only the body when ``meta["header"]``
        holds the routing header. Line ends ``\\n``, ``\\r\\n`` or ``\\r``.
    source : Source
        Where the text was read (used in records and error messages).
    meta : dict, optional
        Container metadata with keys named like `Cable` fields (``ref``, ``date`` (aware
        datetime), ``origin``, ``classification``, ``references``, ``subject``,
        ``released``, ``tags``, ...) plus ``header``. The container's value wins; each field
        where the header text differs is recorded as a `Disagreement`.

    Returns
    -------
    Cable

    Raises
    ------
    CableParseError
        When the text is empty, holds no body, or nothing cable-like (no classification
        line, DTG, FM line, TAGS/SUBJECT/E.O. line, nor a container reference).
    ValueError
        When `meta` has a key that is no `Cable` field, or a naive datetime.
    """
    meta = dict(meta or {})
    unknown = sorted(set(meta) - _META_KEYS)
    if unknown:
        raise ValueError(
            f"parse_cable got meta keys {unknown} for {source}; a container may pass only "
            f"{', '.join(sorted(_META_KEYS))} (other fields are read from the cable text)"
        )
    for key in ("date", "released"):
        v = meta.get(key)
        if v is not None and (not isinstance(v, datetime) or v.tzinfo is None):
            raise ValueError(
                f"meta[{key!r}] for {source} must be a timezone-aware datetime, got {v!r}; "
                "attach the zone, e.g. dt.replace(tzinfo=datetime.UTC)"
            )

    def fail(msg: str, fld: str = "") -> CableParseError:
        return CableParseError(msg, path=source.path, locator=source.locator, field=fld)

    if not isinstance(text, str):
        raise fail(f"expected the cable text as str, got {type(text).__name__}", "body")
    notes: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    header_text = meta.pop("header", None)
    header_text = (header_text or "").replace("\r\n", "\n").replace("\r", "\n")
    if _has_word_i(header_text, fold(header_text), "partial", _PARTIAL) or _has_word_i(
        text, fold(text), "partial", _PARTIAL
    ):
        notes.append("partial extract: the full text of the original cable is not available")
        header_text = _PARTIAL.sub("\n", header_text)
        text = _PARTIAL.sub("\n", text)
    glued = False
    container_ref = meta.get("ref")
    text = _strip_escaped_newlines(text)
    text, dump_note = _strip_dump_records(text, container_ref)
    text, preview = _strip_preview(text)
    if preview:
        notes.append("page preview left out: the page repeats the cable after a cut-off preview")
    if dump_note:
        notes.append(dump_note)
    if _is_glued(text):
        glued = True
        text = _unglue(text, container_ref)
        notes.append(
            "newlines lost in source: paragraphs split at ¶ signs only; subject and "
            "header field ends inferred from the next field's keyword"
        )
    else:
        # a header field line that runs into the body ("REF: TRIPOLI 401  CLASSIFIED BY: ...
        # 1. (C) Summary: ..."): split that line alone, or the field would swallow the body
        text, n_split = _split_glued_fields(text, container_ref)
        if n_split:
            notes.append(
                "newlines lost in source: the body ran on from a header field line; split "
                "where the first paragraph opens"
            )
    if header_text and _is_glued(header_text):
        header_text = _unglue(header_text, container_ref)
    if not text.strip():
        raise fail("empty cable text: expected a routing header and a body", "body")

    lines = text.split("\n")
    if header_text.strip():
        hlines = header_text.split("\n")
        blines = lines
    else:
        cut = _split_header(lines)
        hlines, blines = lines[:cut], lines[cut:]
    htext = "\n".join(hlines)

    # --- routing header
    fm = (
        _FM_BODY_RE.search(htext)
        or (_FM_RE.search(htext) if _DTG_RE.search(htext) else None)
        or _FM_BODY_RE.search("\n".join(blines[:40]))
    )
    origin_raw = fm.group("fm").strip() if fm else None
    if origin_raw:
        origin_raw = _strip_precedence(origin_raw).strip() or None
    h_origin = canonical_origin(origin_raw) if origin_raw else None
    to, info = _recipients(hlines)

    year_hint = None
    if meta.get("date") is not None:
        year_hint = meta["date"].year
    elif isinstance(meta.get("ref"), str) and _YEAR4.match(meta["ref"]):
        year_hint = int(meta["ref"][:4])
    dtg_src = htext if _DTG_RE.search(htext) else "\n".join(blines[:15])
    h_date = None
    if _DTG_RE.search(dtg_src):
        try:
            h_date = parse_dtg(dtg_src, year_hint)
        except CableParseError as exc:
            notes.append(f"date: {exc.reason}")

    # --- classification line, caveats
    cls_i = _find_line(blines, CLASS_LINE, 40)
    cls_line = blines[cls_i] if cls_i is not None else None
    fld_i = _find_line(blines, _FIELD_ZONE, 60)
    zone_end = fld_i if fld_i is not None else (cls_i + 8 if cls_i is not None else 0)
    zone = "\n".join(blines[(cls_i or 0):zone_end]) if cls_line else ""
    found = {m.lastindex for m in _CAVEATS_ANY.finditer(zone)} if zone else set()
    caveats = [c for i, c in enumerate(_CAVEATS, 1) if i in found]
    if "SIPDIS" not in caveats and _has_word_i(text, fold(text), "sipdis", _SIPDIS_I):
        caveats.append("SIPDIS")
    h_class = None
    if cls_line is not None:
        extra = " NOFORN" if "NOFORN" in caveats else ""
        if _SENSITIVE_LINE.search(zone):
            extra += " SENSITIVE"
        try:
            h_class = normalize_classification(CLASS_LINE.match(cls_line).group("cls") + extra)
        except CableParseError as exc:  # pragma: no cover - CLASS_LINE implies a level
            notes.append(f"classification: {exc.reason}")

    # --- reference id
    dtg_year = h_date.year if h_date else year_hint
    h_ref = None
    ref_src = None
    if cls_line is not None:
        rest = _SECTION.sub(" ", CLASS_LINE.match(cls_line).group("rest") or "")
        rest = _REST_CAVEATS.sub(" ", rest)
        m = _POST_SERIAL.match(rest)
        if m:
            ref_src = (m.group("yy"), m.group("post"), m.group("serial"))
    if ref_src is None:
        m = _PAGE_LINE.search("\n".join(blines))
        if m:
            ref_src = (None, m.group("post"), m.group("serial"))
    if ref_src is None:
        de = _DE_RE.search(htext)
        post = _post_from_origin(origin_raw)
        if de and post:
            ref_src = (None, post, de.group("serial"))
    if ref_src is not None:
        yy, post, serial = ref_src
        try:
            if yy is not None:
                h_ref = canonical_ref(f"{yy}{post}{serial}")
            elif dtg_year is not None:
                h_ref = canonical_ref(f"{post} {serial}", dtg_year)
        except CableParseError as exc:
            notes.append(f"ref: {exc.reason}")

    # --- E.O. / TAGS / SUBJECT / REF / Classified By
    eo = _field_value(blines, _EO_LINE)
    declassify_on = None
    if eo is not None:
        d = _DECL.search(eo)
        value = (d.group(1) if d else eo).strip(" .;")
        if value and not _NA.fullmatch(value):
            declassify_on = value
    tags_v = _field_value(blines, _TAGS_LINE, _is_tags_cont)
    h_tags = _parse_tags(tags_v) if tags_v is not None else None
    h_tags = h_tags or None
    subject = _field_value(blines, _SUBJ_LINE)
    if subject is not None:
        subject = _SUBJ_CUT.split(subject)[0]
        subject = subject.strip() or None
    ref_v = _field_value(blines, _REF_LINE, None)
    if ref_v is not None:
        i = _find_line(blines, _REF_LINE, 120)
        # lettered REF items continue past the first line: "A. UNVIE 109" / "¶B. UNVIE 201"
        j = i + 1
        while j < len(blines) and _REF_CONT.match(blines[j]):
            ref_v += " " + blines[j].strip()
            j += 1
    h_references = _split_refs(ref_v) if ref_v is not None else None
    h_references = h_references or None
    clby_at = _find_line(blines, _CLBY_LINE, 120)
    if clby_at is not None:
        _split_reasons_tail(blines, clby_at)
    clby = _field_value(blines, _CLBY_LINE, _CLBY_CONT.match)
    classified_by = reasons = None
    if clby is not None:
        classified_by, reasons = _split_classified_by(clby)
    if reasons is None:
        m = _REASONS_LINE.search("\n".join(blines[:80]))
        if m:
            reasons = m.group(1).strip(" .")

    # --- body
    body, paragraphs = clean_body("\n".join(blines))
    if glued and not paragraphs:
        notes.append("newlines lost in source: no paragraph boundaries recovered")

    cable_like = any(
        v is not None for v in (cls_line, h_date, origin_raw, tags_v, subject, eo, h_ref)
    ) or bool(meta.get("ref"))
    if not cable_like:
        raise fail(
            "no cable found: no classification line, date-time group, FM line, TAGS, SUBJECT "
            "or E.O. line, and no container reference",
            "header",
        )
    if not body.strip():
        if dump_note and "another cable's record" in dump_note:
            raise fail(
                "cable has no prose: the page's text after its header is another cable's "
                f"record ({dump_note.split('(')[-1].split(')')[0]})",
                "body",
            )
        if _TRUNCATED.search(text) or len(text) < 1000:
            raise fail(
                "cable has no prose: the published text breaks off in the header, a "
                "truncated page",
                "body",
            )
        raise fail(
            "cable has no body text after the header (only routing/header lines found)", "body"
        )
    if h_date is None and meta.get("date") is None:
        notes.append("date: no date-time group found")

    # --- container metadata wins; differences are recorded
    disagreements: list[Disagreement] = []

    def pick(name: str, header_value: Any, same: Any = None) -> Any:
        if name not in meta or meta[name] is None:
            return header_value
        cont = meta[name]
        if header_value is not None:
            eq = same(cont, header_value) if same else cont == header_value
            if not eq:
                disagreements.append(Disagreement(name, _show(cont), _show(header_value)))
        return cont

    ref = pick("ref", h_ref)
    # Cablegate's "created" time is not the DTG to the minute (it differs by minutes to an
    # hour on most pages): only a difference of more than a day is a disagreement.
    date = pick("date", h_date, lambda a, b: abs((a - b).total_seconds()) <= 86400)
    origin = pick("origin", h_origin)
    classification = pick(
        "classification", h_class, lambda a, b: _norm_class_or_self(a) == _norm_class_or_self(b)
    )
    subject = pick("subject", subject, lambda a, b: _norm_ws(a).casefold() == _norm_ws(b).casefold())
    tags = pick("tags", h_tags, lambda a, b: tuple(a) == tuple(b))
    if tags is not None:
        tags = tuple(tags)
    # Container references are ids (66STATE106206), the header's are as written
    # ("SECSTATE 6516"): different forms, so no disagreement is recorded for them.
    references = meta.get("references") if meta.get("references") is not None else h_references
    if references is not None:
        references = tuple(references)
    subject_tags = country_tags = None
    if tags:
        subject_tags, country_tags = (tuple(x) for x in split_tags(tags))
    return Cable(
        ref=ref,
        date=date,
        origin=origin,
        origin_raw=origin_raw,
        to=to,
        info=info,
        classification=classification,
        caveats=tuple(caveats),
        tags=tags,
        subject_tags=subject_tags,
        country_tags=country_tags,
        subject=subject,
        references=references,
        classified_by=classified_by,
        reasons=reasons,
        declassify_on=declassify_on,
        paragraphs=paragraphs,
        body=body,
        source=source,
        released=meta.get("released"),
        disagreements=tuple(disagreements),
        notes=tuple(notes),
    )


def _post_from_origin(origin_raw: str | None) -> str | None:
    """The post as it appears in reference ids, from the FM line (``NEW DELHI``, ``STATE``)."""
    if not origin_raw:
        return None
    s = origin_raw.upper().split("//")[0].strip()
    if s.startswith("SECSTATE"):
        return "STATE"
    s = _ORIGIN_HEAD.sub("", s)
    return s or None


def _norm_ws(s: Any) -> str:
    return _WS_RUN.sub(" ", str(s)).strip()


def _norm_class_or_self(s: str) -> str:
    try:
        return normalize_classification(s)
    except CableParseError:
        return s


def _show(v: Any) -> str:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, (tuple, list)):
        return " ".join(str(x) for x in v)
    return str(v)
