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

from corpora.cable import Paragraph

__all__ = ["BOILERPLATE_PATTERNS", "clean_body"]

logger = logging.getLogger(__name__)

_I = re.IGNORECASE
_M = re.MULTILINE


def _spaced(word: str) -> str:
    """A pattern for ``word`` written plain or letter-spaced (``S E C R E T``)."""
    return r"\s?".join(re.escape(c) for c in word)


#: Classification words as they open the classification line (letter-spaced or not).
CLASS_WORD = (
    r"(?:TOP\s+" + _spaced("SECRET") + r"|" + _spaced("SECRET") + r"|"
    + _spaced("CONFIDENTIAL") + r"|UNCLASSIFIED|UNCLAS|LIMITED\s+OFFICIAL\s+USE)(?![A-Za-z])"
)
_MARK_HEAD = r"(?:TS|S|C|U|SBU|LOU|FOUO|NF)"
#: A paragraph marking such as ``(S)``, ``(C/NF)``, ``(S//NF)``, ``(SBU)``, ``(U//FOUO)``.
MARKING = (
    r"\(\s*(?P<mark>" + _MARK_HEAD + r"(?:\s*/{1,2}\s*(?:NF|NOFORN|FOUO|REL[A-Z ,]*|SBU|OC|PR))*"
    r")\s*\)"
)
_PARA_START = re.compile(
    r"^\s*(?:(?P<pil>¶)\s*)?(?:(?P<num>\d{1,3}|[A-Z])\.(?=\s|\()\s*)?(?:" + MARKING + r")?",
    _I,
)

# Lines dropped wherever they occur (whole-line matches, after stripping).
_ROUTING_LINES = (
    r"VZCZC\w*",
    r"(?:[ZOPRM]{1,2}\s+)?(?:R[A-Z]{3,7}\s*)+",  # precedence + routing list
    r"DE\s+R[A-Z]{3,7}\s*#\s*\d+.*",
    r"ZN[YR]\s+[A-Z]{5}\s+ZZH.*",
    r"(?:[ZOPRM](?:\s?[ZOPRM])?\s+)?\d{6}\s?Z\s+(?:[A-Z]{3}|[A-Z][a-z]{2})\s+\d{2,4}(?:\s+[A-Z]{3}\b.*)?",
    r"R[A-Z]{3,7}/.*",  # addressee with routing indicator
    r"FM\s+(?:AMEMBASSY|AMCONSUL|SECSTATE|USMISSION|USDEL|USEU|USINT|USLO|AIT|[A-Z]+\s+WASHDC).*",
    r"TO\s+(?:R[A-Z]{3,7}/|AMEMBASSY|AMCONSUL|SECSTATE|USMISSION|USDEL|SECDEF|WHITE HOUSE).*",
    r"INFO\s+(?:R[A-Z]{3,7}/|AMEMBASSY|AMCONSUL|SECSTATE|USMISSION|[A-Z]{2,6}-\d\d).*",
    r"ACTION\s+[A-Z]{2,6}-\d\d.*",
    r"(?:[A-Z]{2,6}-\d\d\s*)+(?:/\d{3}\s+[A-Z])?",  # distribution-list continuation
    r"/\d{3}\s+[A-Z]",
    r"ORIGIN\s+[A-Z]{2,6}-\d\d.*",
    r"(?:DRAFTED|APPROVED|CLEARED)\s+BY\b.*",
    r"PAGE\s+\d{2}\s+[A-Z ]+\s+\d{3,6}\s+\d{6}\s?Z",
    r"-{5,}\s+\d+",
    r"NNN|BT|\d{1,4}",
    # Office-symbol-only lines: NEA/ELA, S/S-O, WHA/CAR, DRL, SCA.
    r"[A-Z]{1,6}/[A-Z0-9-]{1,8}(?:[/,;\s]+[A-Z]{1,6}(?:/[A-Z0-9-]{1,8})*)*",
    r"(?:DRL|SCA|NEA|EUR|WHA|EAP|AF|INR|ISN|IO|PM|OES|EEB|INL|PRM|CA|DS)",
)
_CAVEAT = (
    r"(?:NOFORN|SIPDIS|SENSITIVE|EXDIS|NODIS|LIMDIS|STADIS|NOCONTRACT|ORCON|PROPIN|"
    r"CHEROKEE|ROGER|SPECAT|TERREP|NOTAL)"
)
_MARKER_LINES = (
    r"SECTION\s+\d{1,2}\s+OF\s+\d{1,2}.*",
    _CAVEAT + r"(?:[\s,;]+" + _CAVEAT + r")*",
    r"[-=_\s]*[-=_]{3,}[-=_\s]*",  # section rules: -----, ----- --
    r"(?:BEGIN|END)\s+(?:SUMMARY|COMMENT|TEXT|NOTE)\.?:?",
    r"(?:SUMMARY|COMMENT|END|NOTE)\s*[.:]?",
    r"C\s?O\s?R\s?R\s?E\s?C\s?T\s?E\s?D\s+C\s?O\s?P\s?Y.*",
    r"Declassified/Released US Department of State.*",
    r"Original Telegram was .*|de-classified",
    r"This record is a partial extract of the original cable.*",
    r"SENSITIVE BUT UNCLASSIFIED\W+PLEASE PROTECT ACCORDINGLY\.?",
)
# Lines dropped wherever they occur (whole-line matches, after stripping). Routing patterns
# are case-sensitive: case-insensitive, R[A-Z]{3,7} would eat the word "Rebecca".
_DROP_LINE = [re.compile(p) for p in _ROUTING_LINES] + [
    re.compile(p, _I) for p in _MARKER_LINES
]
_DROP_LINE_CS_PATTERNS = (  # case-sensitive: would eat prose if case-insensitive
    (
        r"(?:(?:[A-Z][A-Z/&-]*\s+){0,2}(?:STATE|DEPT|DEPARTMENT|NSC|DOD|OSD|SECDEF|DOE|NRC|"
        r"USDOC|COMMERCE|TREASURY|USTR|PACOM|CENTCOM|EUCOM|SOUTHCOM|AFRICOM|JOINT STAFF|JCS|"
        r"USFJ|CIA|DHS|HHS|USAID|AID|FBI|DOJ|DIA|USEU|USNATO|USUN|USOSCE|GENEVA|PARIS|EXIM)"
        r"|[A-Z]{1,6}/[A-Z0-9/-]+)\s+(?:ALSO\s+)?(?:(?:PLEASE\s+)?PASS|FOR)\b[^a-z]*"
    ),
    r"(?:PLEASE\s+)?PASS\s+(?:TO\s+)?[A-Z][^a-z]*",
    r"FOR\s+[A-Z]{1,6}/[^a-z]*",
    r"(?:[A-Z][A-Za-z/&-]*\s+){0,2}(?:also\s+)?for\s+[A-Z/]{2,}[^a-z]*",
)
_DROP_LINE_CS = [re.compile(p) for p in _DROP_LINE_CS_PATTERNS]
# All of the above as one alternation, so a line costs one regex call, not 33 (the same
# lines match: fullmatch backtracks into every alternative).
_DROP_ANY = re.compile(
    "|".join(
        [f"(?:{p})" for p in _ROUTING_LINES]
        + [f"(?i:{p})" for p in _MARKER_LINES]
        + [f"(?:{p})" for p in _DROP_LINE_CS_PATTERNS]
    )
)
# Header fields: a line opening one of these starts a block dropped up to the next blank line.
_HEADER_FIELD = re.compile(
    r"^\s*(?:¶\s*)?(?:E\.?\s?O\.?\s*1\d{4}|TAGS?\b|SUBJ(?:ECT)?\s*:|REFS?\s*:|REFERENCES?\s*:|"
    r"(?:\(\w{1,4}\)\s*)?CLASSIFI?E?D\s+BY\b|REASONS?\s*:\s*1\.\d)",
    _I,
)
_REF_ITEM = re.compile(r"^\s*¶?\s*[A-Z]\.\s+(?:\d{2}\s+)?[A-Z][A-Z ]+\s\d")
_EO_OR_TAGS = re.compile(r"^\s*(?:¶\s*)?(?:E\.?\s?O\.?\s*1\d{4}|TAGS?\b|SUBJ(?:ECT)?\s*:)", _I)
#: Page-break line of a multi-section cable: ``TOKYO 00001346 002.2 OF 006``.
PAGE_BREAK = r"(?:[A-Z][A-Z.'-]*\s+){1,4}\d{8}\s+\d{3}(?:\.\d+)?\s+(?i:OF)\s+\d{3}"
_PAGE_BREAK_LINE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'-]*\s+){1,4}\d{8}\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3}\s*$", _I
)
# Inline (glued) page breaks: post in capitals, then the number part in any case.
_PAGE_BREAK_INLINE = re.compile(
    r"(?:\b" + PAGE_BREAK + r"|\b\d{8}\s+\d{3}(?:\.\d+)?\s+(?i:OF)\s+\d{3})(?!\w)"
)
#: Classification line: ``S E C R E T SECTION 01 OF 06 TOKYO 001346``, ``UNCLAS BOGOTA 001165``.
CLASS_LINE = re.compile(
    r"^\s*(?:Telegram\s*)?(?P<cls>" + CLASS_WORD + r")(?P<rest>(?:\s*(?://|\s)\s*\S+){0,8})\s*$",
    _I,
)
_CLASS_REST = re.compile(
    r"^(?:\s*//\s*[A-Z]+|\s+SENSITIVE|\s+NOFORN)*"
    r"(?:\s+SECTION\s+\d{1,2}\s+OF\s+\d{1,2})?"
    r"(?:\s+(?:\d{2}\s+)?(?:[A-Z][A-Z.'-]*\s+){1,4}\d{3,8})?\s*$",
    _I,
)
_SIPDIS = re.compile(r"SIPDIS", _I)
# Routing and section marks glued into running text (mirror pages append header previews).
_INLINE_JUNK = re.compile(
    r"(?:" + CLASS_WORD + r"\s+)?SECTION\s+\d{1,2}\s+OF\s+\d{1,2}"
    r"(?:\s+(?:[A-Z][A-Z.'-]*\s+){1,3}\d{3,8}\b)?|VZCZC\w*|ZN[YR]\s+[A-Z]{5}\s+ZZH|"
    r"\bR[UH][A-Z]{2,5}/(?=[A-Z])"
)
_RULE_RUN = re.compile(r"-{3,}|={4,}|_{4,}")
_REDACTION = re.compile(r"X{4,}|x{5,}")
# Every match starts with a blank or a marker word's first letter: the leading lookahead
# lets the scan reject other positions with one test (same matches, ~1.5x faster).
_MARKERS = re.compile(
    r"(?=[ \tBESCN])(?:\b(?:END|BEGIN)\s+(?:(?:OF\s+)?SUMMARY|COMMENT|TEXT|NOTE)\b\s*[.:]?|"
    r"(?:^|(?<=\)\s)|(?<=\))|(?<=[.!?]\s))[ \t]*(?:SUMMARY|COMMENT|NOTE)[ \t]*(?::|\.(?=\s|$)|-+))",
    _I | _M,
)
_DIGITS8 = re.compile(r"\d{8}")  # every inline page break has an 8-digit serial
_SPACES = re.compile(r"[ \t]+")
_SPACES_NBSP = re.compile(r"[ \t\u00a0]+")
_SIGNATURE = re.compile(r"^\s*-?\s*[A-Z][A-Z'.-]{1,25}(?:\s+[A-Z][A-Z'.-]{1,25}){0,2}\s*$")

#: Compiled patterns that must not match anywhere in a body returned by `clean_body`.
BOILERPLATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"VZCZC"),
    re.compile(r"^\s*DE\s+R[A-Z]{3,7}\s*#", _M),
    re.compile(r"ZN[YR]\s+[A-Z]{5}\s+ZZH"),
    re.compile(r"\bR[UH][A-Z]{2,5}/[A-Z]"),
    re.compile(r"^\s*FM\s+(?:AMEMBASSY|AMCONSUL|SECSTATE|USMISSION)", _M),
    re.compile(r"^\s*TO\s+(?:R[A-Z]{3,7}/|SECSTATE|AMEMBASSY)", _M),
    re.compile(r"\b\d{8}\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3}\b", _I),
    re.compile(r"SIPDIS", _I),
    re.compile(r"\bSECTION\s+\d{1,2}\s+OF\s+\d{1,2}\b"),
    re.compile(r"^\s*" + CLASS_WORD + r"\s*$", _M),
    re.compile(r"^\s*(?:E\.?\s?O\.?\s*1\d{4}|TAGS\b|SUBJECT\s*:|Classified\s+By\b)", _I | _M),
    re.compile(r"X{4,}"),
    re.compile(r"¶"),
    re.compile(r"\b(?:END|BEGIN)\s+(?:SUMMARY|COMMENT)\b", _I),
    re.compile(r"^\s*-{3,}", _M),
)

_PB = object()  # sentinel for a removed page-break or repeated classification line
_SENTENCE_END = re.compile(r"[.:;!?\"')\]]\s*$")


def _is_para_start(line: str) -> bool:
    m = _PARA_START.match(line)
    if m is None:
        return False
    if m.group("num") and m.group("num").isalpha():
        # Lettered items (A., B.) count only with a pilcrow or a marking: "A. SECSTATE 6516".
        return bool(m.group("pil") or m.group("mark"))
    return bool(m.group("num") or m.group("mark"))


def _is_heading(line: str) -> bool:
    s = line.strip()
    return (
        bool(s)
        and len(s) < 80
        and re.search(r"[A-Z]{2}", s) is not None
        and not re.search(r"[a-z]", s)
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


def _strip_header_zone(lines: list[str]) -> list[str]:
    """Drop everything before the first E.O./TAGS/SUBJECT line when it is near the top.

    Lines above it are the classification line, caveats, addressees and archive notes.
    """
    for i, line in enumerate(lines[:60]):
        if _EO_OR_TAGS.match(line):
            return lines[i:]
    return lines


def _drop_header_blocks(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _HEADER_FIELD.match(lines[i]):
            i += 1
            while i < len(lines) and lines[i].strip() and (
                not _is_para_start(lines[i]) or _REF_ITEM.match(lines[i])
            ):
                if _PAGE_BREAK_LINE.match(lines[i]):
                    break
                i += 1
            continue
        out.append(lines[i])
        i += 1
    return out


def _join_breaks(items: list) -> list[str]:
    """Remove page-break sentinels, re-joining the sentence a page break split."""
    out: list[str] = []
    i = 0
    n = len(items)
    while i < n:
        item = items[i]
        if item is not _PB:
            out.append(item)
            i += 1
            continue
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


def _strip_marking(line: str) -> str:
    """Remove paragraph numbers, markings and pilcrows at the start of a paragraph line."""
    while _is_para_start(line):
        m = _PARA_START.match(line)
        if m is None or m.end() == 0:
            break
        rest = line[m.end():]
        if rest == line:
            break
        line = rest
    return line.lstrip()


def _sub_markers(text: str) -> str:
    """`_MARKERS` removed; skipped (the scan is slow) when no marker word is in ``text``."""
    low = text.lower()
    if "summary" in low or "comment" in low or "note" in low or "text" in low:
        return _MARKERS.sub(" ", text)
    return text


def _lines_pass(text: str) -> list[str]:
    # Each substitution below is guarded by a plain substring test that every one of its
    # matches needs: the regex scans dominate ingest time and most lines have no match.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if "sipdis" in text.lower():
        text = _SIPDIS.sub(" ", text)
    if "XXXX" in text or "xxxxx" in text:
        text = _REDACTION.sub(" ", text)
    # "End\n\nSummary." is split over lines in real cables: remove markers across lines.
    text = _sub_markers(text)
    lines = [ln.rstrip() for ln in text.split("\n")]
    lines = _strip_header_zone(lines)
    lines = _drop_header_blocks(lines)
    items: list = []
    first_content = True
    for line in lines:
        if _PAGE_BREAK_LINE.match(line):
            items.append(_PB)
            continue
        if _is_class_line(line):
            if not first_content:
                items.append(_PB)
            continue
        if _drop(line):
            continue
        if _DIGITS8.search(line):
            line = _PAGE_BREAK_INLINE.sub(" ", line)
        if "---" in line or "====" in line or "____" in line:
            line = _RULE_RUN.sub(" ", line)
        if "/" in line or "SECTION" in line or "VZCZC" in line or "ZZH" in line:
            line = _INLINE_JUNK.sub(" ", line)
        if line.strip():
            first_content = False
        items.append(line)
    return _join_breaks(items)


def _normalize(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if "  " in line or "\t" in line or "\u00a0" in line:
            line = _SPACES_NBSP.sub(" ", line)
        line = line.strip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def _drop_signature(lines: list[str]) -> list[str]:
    while lines and _SIGNATURE.match(lines[-1]) and not _is_para_start(lines[-1]):
        lines = lines[:-1]
        while lines and not lines[-1]:
            lines.pop()
    return lines


def _clean_text(text: str) -> str:
    text = _sub_markers(text).replace("¶", " ")
    if "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def _strong_start(line: str) -> bool:
    m = _PARA_START.match(line)
    return bool(m) and bool(m.group("pil") or m.group("mark"))


def _split_blocks(lines: list[str]) -> list[list[str]]:
    """Blocks of lines between blank lines; a pilcrow or marked paragraph opens a new one."""
    blocks: list[list[str]] = []
    cur: list[str] = []
    for line in lines:
        if line and cur and _strong_start(line):
            blocks.append(cur)
            cur = [line]
        elif line:
            cur.append(line)
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    return blocks


def _once(text: str) -> tuple[str, tuple[Paragraph, ...]]:
    lines = _drop_signature(_normalize(_lines_pass(text)))
    paragraphs: list[Paragraph] = []
    current: tuple[str | None, str | None, list[str]] | None = None
    body_blocks: list[str] = []
    for block in _split_blocks(lines):
        first = block[0]
        if _is_para_start(first):
            if current is not None:
                paragraphs.append(Paragraph(current[0], current[1], " ".join(current[2])))
            m = _PARA_START.match(first)
            num = m.group("num") if m else None
            mark = m.group("mark") if m else None
            mark = re.sub(r"\s+", "", mark) if mark else None
            block = [_strip_marking(first), *block[1:]]
            current = (num, mark, [])
        elif len(block) == 1 and _is_heading(first) and current is not None:
            paragraphs.append(Paragraph(current[0], current[1], " ".join(current[2])))
            current = None
        cleaned = [c for c in (_clean_text(b) for b in block) if c]
        if not cleaned:
            continue
        if current is not None:
            current[2].extend(cleaned)
        body_blocks.append("\n".join(cleaned))
    if current is not None:
        paragraphs.append(Paragraph(current[0], current[1], " ".join(current[2])))
    body = "\n\n".join(body_blocks)
    return body, tuple(p for p in paragraphs if p.text or p.number)


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
    for _ in range(8):
        again, _paras = _once(body)
        if again == body:
            break
        body = again
    else:
        logger.debug("clean_body did not reach a fixed point after 8 passes")
    return body, paragraphs
