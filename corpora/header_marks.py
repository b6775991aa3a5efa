"""Classification and handling marks: the classification level (`normalize_classification`),
the caveats (NOFORN, SIPDIS, ...), the Classified By line and its reasons, the E.O. line and
its declassification date. Part of `corpora.header`, which re-exports
`normalize_classification`.
"""

from __future__ import annotations

import re

from corpora.cable import CLASSIFICATIONS, CableParseError
from corpora.clean_patterns import CLASSIFYING_EO

_I = re.IGNORECASE
_M = re.MULTILINE

_CAVEATS = (
    "NOFORN", "SIPDIS", "EXDIS", "NODIS", "LIMDIS", "STADIS", "NOCONTRACT", "ORCON",
    "PROPIN", "CHEROKEE", "ROGER", "SPECAT", "TERREP",
)
# Each caveat is a whole word: two of them never overlap, so one scan finds them all.
_CAVEATS_ANY = re.compile(r"\b(?:" + "|".join(f"({c})" for c in _CAVEATS) + r")\b", _I)
_SIPDIS_I = re.compile("SIPDIS", _I)
_SENSITIVE_LINE = re.compile(r"^[ \t]*+SENSITIVE\b", _I | _M)
_REST_CAVEATS = re.compile(r"//\s*\w+|\bSENSITIVE\b|\bNOFORN\b", _I)
_FIELD_ZONE = re.compile(r"^\s*(?:¶\s*)?(?:E\.?\s?O\.?|TAGS?\b|SUBJ)", _I)
_DECL = re.compile(r"DECL\w*\s*:?\s*(.*)", _I)
_NA = re.compile(r"N/?A", _I)
_REASONS_LINE = re.compile(r"^[ \t]*+REASONS?[ \t]*+:?+[ \t]*+(1\.\d.*)$", _I | _M)
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


_CLBY_LINE = re.compile(r"^\s*(?:\(\w{1,4}\)\s*)?CLASSIFI?E?D\s+BY\s*:?\s*(?P<v>.*)$", _I)
_CLBY_CONT = re.compile(
    r"^\s*(?!¶|\d{1,2}\.\s)(?!\((?:U|C|S|SBU|TS|[SC]//?NF)\)\s+(?!AND\b|OR\b))\S", _I
)
_EO_LINE = re.compile(
    r"^\s*(?:¶\s*)?E\.?\s?O\.?\s*" + CLASSIFYING_EO + r"\s*:?\s*(?P<v>.*)$", _I
)


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
