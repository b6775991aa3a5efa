"""The routing header: the sender (``FM`` line, `canonical_origin`), the addressees
(``TO``/``INFO`` lists) and where the routing header ends and the body begins. Part of
`corpora.header`, which re-exports `canonical_origin`.
"""

from __future__ import annotations

import re

from corpora.clean_patterns import CLASS_LINE
from corpora.header_lines import _WS_RUN, _find_line

_M = re.MULTILINE

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
_TO_INFO_HEAD = re.compile(r"^\s*(?:TO|INFO)\s+")
_RI_HEAD = re.compile(r"^R[A-Z]{3,7}/")
_TO = re.compile(r"^TO\s")
_INFO = re.compile(r"^INFO\s")
_ROUTING_HEAD = re.compile(r"^(?:FM|DE|ZN[YR]|VZCZC|BT)\b")
# The office distribution block of a State telegram ("ACTION AF-00", "INFO  LOG-00
# ADS-00 INR-05 ...", continued as "H-01  NSCE-00 ..." and closed by "/037 W" and a rule):
# office codes, no addressees.
_DIST_LIST = re.compile(r"^(?:(?:INFO|ACTION)\s+)?(?:[A-Z]{1,6}-\d\d(?:\s+|$))+")
_ROUTING_CONT = re.compile(
    r"^\s*+(?:(?:TO|INFO)\s|R[A-Z]{3,7}/|(?:AMEMBASSY|AMCONSUL|SECSTATE|USMISSION|"
    r"[A-Z ]+WASHDC))"
)


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
        if _DIST_LIST.match(s):
            # a distribution block: its continuation lines, the "/037 W" count and the
            # rule after it are no addressees either, up to the next TO / INFO / FM line
            target = None
            continue
        r = _strip_recipient(s)
        if r:
            target.append(r)
    return (tuple(to) or None), (tuple(info) or None)
