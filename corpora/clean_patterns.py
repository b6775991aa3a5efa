"""The patterns of body cleaning (`corpora.clean`): classification words and markings,
page-break, routing, caveat, drop and header-field lines, inline junk, the signature, and
the line openings the scans (and `corpora._clean_scan`'s flags) look for.
`BOILERPLATE_PATTERNS` must not match a clean body. Every pattern runs in linear time
(`tests/test_linear_time.py` audits this module).
"""

from __future__ import annotations

import re

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
#: The executive orders a cable's classification cites on its ``E.O.`` line (1972-2009):
#: ``E.O. 13224`` (terrorist designations) or ``E.O. 13460`` in prose is no header.
CLASSIFYING_EO = r"(?:11652|12065|12356|12958|13292|13526)"
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
#: `_PARA_START` without ``^``, matched from an offset: the pattern has no lookbehind, so
#: a match of it at offset ``i`` is ``_PARA_START.match(line[i:])`` without the copy.
_PARA_START_AT = re.compile(_PARA_START.pattern.removeprefix("^"), _I)

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
    r"(?!N/A$)[A-Z]{1,6}/[A-Z0-9-]{1,8}(?:[/,;\s]+[A-Z]{1,6}(?:/[A-Z0-9-]{1,8})*)*",  # not "N/A"
    r"(?:DRL|SCA|NEA|EUR|WHA|EAP|AF|INR|ISN|IO|PM|OES|EEB|INL|PRM|CA|DS)",
)
_CAVEAT = (
    r"(?:NOFORN|SIPDIS|SENSITIVE|EXDIS|NODIS|LIMDIS|STADIS|NOCONTRACT|ORCON|PROPIN|"
    r"CHEROKEE|ROGER|SPECAT|TERREP|NOTAL)"
)
_MARKER_LINES = (
    r"SECTION\s+\d{1,2}\s+OF\s+\d{1,2}.*",
    _CAVEAT + r"(?:[\s,;]+" + _CAVEAT + r")*",
    # section rules (-----, ----- --): rule characters and blanks only, three rule
    # characters in a row; possessive, so a long rule costs linear time. Every line this
    # matches (stripped, or after a scan's leading blanks) opens with a rule character:
    # the first lookahead spares the second's walk over every other line (same matches).
    r"(?=[-=_])(?=[^\n]*?[-=_]{3})[-=_\t\x0b\x0c\r \u00a0]*+",
    r"(?:BEGIN|END)\s+(?:SUMMARY|COMMENT|TEXT|NOTE)\.?:?",
    r"(?:SUMMARY|COMMENT|END|NOTE)\s*[.:]?",
    r"C\s?O\s?R\s?R\s?E\s?C\s?T\s?E\s?D\s+C\s?O\s?P\s?Y.*",
    r"Declassified/Released US Department of State.*",
    r"Original Telegram was .*|de-classified",
    r"This record is a partial extract of the original cable.*",
    r"\*{3,}+[\s*]*+Missing\s++Section\s++\d++[\s*]*+",  # a mirror's gap marker
    r"SENSITIVE BUT UNCLASSIFIED\W+PLEASE PROTECT ACCORDINGLY\.?",
)
# Lines dropped wherever they occur (whole-line matches, after stripping). Routing patterns
# are case-sensitive: case-insensitive, R[A-Z]{3,7} would eat the word "Rebecca".
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
    r"^\s*(?:¶\s*)?(?:E\.?\s?O\.?\s*" + CLASSIFYING_EO + r"|TAGS?\b|SUBJ(?:ECT)?\s*:|REFS?\s*:|REFERENCES?\s*:|"
    r"(?:\(\w{1,4}\)\s*)?CLASSIFI?E?D\s+BY\b|REASONS?\s*:\s*1\.\d)",
    _I,
)
_REF_ITEM = re.compile(r"^\s*+¶?+\s*+[A-Z]\.\s++(?:\d{2}(?:\d{2})?+\s++)?+[A-Z][A-Z ]+\s\d")
_EO_OR_TAGS = re.compile(
    r"^\s*(?:¶\s*)?(?:E\.?\s?O\.?\s*" + CLASSIFYING_EO + r"|TAGS?\b|SUBJ(?:ECT)?\s*:)", _I
)
#: Page-break line of a multi-section cable: ``TOKYO 00001346 002.2 OF 006``.
PAGE_BREAK = r"(?:[A-Z][A-Z.'-]*\s+){1,4}\d{8}\s+\d{3}(?:\.\d+)?\s+(?i:OF)\s+\d{3}"
_PAGE_BREAK_LINE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'-]*\s+){1,4}\d{8}\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3}\s*$", _I
)
# Inline (glued) page breaks: post in capitals, then the number part in any case; a word
# glued after the page count ("002 of 002politician") does not hide it.
_PAGE_BREAK_INLINE = re.compile(
    r"(?:\b" + PAGE_BREAK + r"|\b\d{8}\s+\d{3}(?:\.\d+)?\s+(?i:OF)\s+\d{3})(?!\d)"
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
# Routing and section marks glued into running text (mirror pages append header previews).
_INLINE_JUNK = re.compile(
    r"(?:" + CLASS_WORD + r"\s+)?SECTION\s+\d{1,2}\s+OF\s+\d{1,2}"
    r"(?:\s+(?:[A-Z][A-Z.'-]*\s+){1,3}\d{3,8}\b)?|VZCZC\w*|ZN[YR]\s+[A-Z]{5}\s+ZZH|"
    r"\bR[UH][A-Z]{2,5}/(?=[A-Z])"
)
#: The routing-indicator alternative of `_INLINE_JUNK` (``\bR[UH][A-Z]{2,5}/(?=[A-Z])``),
#: opening with its literal ``R`` so a scan jumps between capital Rs.
_ROUTING_SLASH = re.compile(r"R(?<=\bR)[UH][A-Z]{2,5}/(?=[A-Z])")
_RULE_RUN = re.compile(r"-{3,}|={4,}|_{4,}")
_REDACTION = re.compile(r"X{4,}|x{5,}")
#: A later section's Classified By line glued into the middle of a sentence ("U.S. allies in
#: the Classified by: Ambassador Adam Ereli for reason 1.4 (b) (d) Arab world kept"): the
#: words up to the reason codes go. Bounded and possessive: linear time.
_INLINE_CLBY = re.compile(
    r"(?<=\S[ \t])Classified[ \t]++By[ \t]*+:?+[^\n]{0,160}?\breasons?[ \t]*+:?+[ \t]*+"
    r"\d\.\d(?:[ \t]*+[,;&/]?+[ \t]*+(?:(?:and|or)[ \t]++)?+"
    r"(?:\d\.\d|\([ \t]*+[a-h](?:[ \t]*+[,/&][ \t]*+[a-h])*+[ \t]*+\)|[a-h](?![\w.'’-])))*+\.?+",
    re.IGNORECASE,
)
# Runs of blanks become one space: tabs and no-break spaces are first turned into spaces,
# then runs of two or more spaces are collapsed (a lone space is left alone). A pattern
# opening with a literal ("  ") is searched with a fast literal scan; ``[ \t]{2,}|\t``
# would stop at every single space.
_SPACE_RUN = re.compile("  +")
_BLANKS_TO_SPACE = str.maketrans({"\t": " ", "\u00a0": " "})
_TAB_TO_SPACE = str.maketrans({"\t": " "})
_SIGNATURE = re.compile(r"^\s*+-?+\s*+[A-Z][A-Z'.-]{1,25}(?:\s+[A-Z][A-Z'.-]{1,25}){0,2}\s*$")

#: Compiled patterns that must not match anywhere in a body returned by `clean_body`.
BOILERPLATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"VZCZC"),
    re.compile(r"^[^\S\n]*+DE\s+R[A-Z]{3,7}\s*#", _M),
    re.compile(r"ZN[YR]\s+[A-Z]{5}\s+ZZH"),
    re.compile(r"\bR[UH][A-Z]{2,5}/[A-Z]"),
    re.compile(r"^[^\S\n]*+FM\s+(?:AMEMBASSY|AMCONSUL|SECSTATE|USMISSION)", _M),
    re.compile(r"^[^\S\n]*+TO\s+(?:R[A-Z]{3,7}/|SECSTATE|AMEMBASSY)", _M),
    re.compile(r"\b\d{8}\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3}(?!\d)", _I),
    re.compile(r"SIPDIS", _I),
    re.compile(r"\bSECTION\s+\d{1,2}\s+OF\s+\d{1,2}\b"),
    re.compile(r"^[^\S\n]*+" + CLASS_WORD + r"[^\S\n]*+$", _M),
    re.compile(
        r"^[^\S\n]*+(?:E\.?\s?O\.?\s*" + CLASSIFYING_EO + r"|TAGS\b|SUBJECT\s*:|Classified\s+By\b)", _I | _M
    ),
    re.compile(r"X{4,}"),
    re.compile(r"¶"),
    re.compile(r"\b(?:END|BEGIN)\s+(?:SUMMARY|COMMENT)\b", _I),
    re.compile(r"^[^\S\n]*+-{3,}", _M),
)

_SENTENCE_END = re.compile(r"[.:;!?\"')\]]\s*$")
_UPPER2 = re.compile(r"[A-Z]{2}")
_LOWER = re.compile(r"[a-z]")
_WS = re.compile(r"\s+")
_BLANK_RUN = re.compile("\n\n\n+")  # literal prefix: a fast scan (see _SPACE_RUN)

# Whole-text scans. Each line test below (``_X.match(line)`` on one line) has a "scan"
# twin run once over ``"\n" + "\n".join(lines) + "\n"``: ``^`` becomes the ``\n`` before a
# line (a literal first character lets the regex engine skip to line starts) and ``$``
# becomes ``(?=\n)``. The twins keep every other part of the pattern, so every line the line
# test accepts lies inside some scan match (``\s`` may also cross a line end: the scan
# finds a superset). Only the lines a scan match touches get the exact per-line test; every
# other line is known to pass through unchanged, without per-line regex calls. With numba
# the kernel `corpora._clean_scan.line_flags` finds such lines instead, in one walk over
# the bytes (its flags cover at least the lines these scans touch); the scans remain the
# road without numba and the reference the tests compare the kernel with.
#: A line's leading blanks in a scan: ``\\s*`` there would run on across every following
#: blank line at each line start (quadratic in a run of blank lines).
_LEAD = r"[^\S\n]*+"
#: The first two characters of a line `_HEADER_FIELD` matches (after leading blanks and a
#: pilcrow): a bracket or a capital that opens a field word (E.O., TAGS, SUBJECT, REF,
#: REASONS, CLASSIFIED), or that letter in lower case and the next one of its word in any
#: case. Case-sensitive: blank lines, most prose lines and numbered paragraphs fail this
#: one test.
_FIELD_OPENER = (
    r"(?=(?-i:" + _LEAD + r"(?:¶\s*+)?(?:[(ETSRC\u017f]|e[.\sOo]|t[Aa]|s[Uu]|r[Ee]|c[Ll])))"
)
_SCAN_HEADER_FIELD = re.compile(  # covers _EO_OR_TAGS
    r"\n" + _FIELD_OPENER + _LEAD + _HEADER_FIELD.pattern[len(r"^\s*"):], _I
)
# Classification lines (any case) and dropped lines (their own case rules), as one scan.
# Every case-sensitive drop pattern but the last (``... for USTR``) opens with a capital,
# digit, slash or hyphen not followed by a lower-case letter (checked in test_clean.py), so
# a lookahead skips them on the common line that opens with a capitalized word.
#: The first character (after leading blanks) of every line some `_SCAN_LINE` alternative
#: matches: a letter (or a character case-insensitive patterns take for one), a digit, or
#: ``/*=_-``. The lookahead skips blank lines and ``¶`` or ``(`` openings at once.
_LINE_OPENER = r"(?=" + _LEAD + r"[A-Za-z\d/*=_\u0130\u0131\u017f\u212a-])"
#: The first two characters of a line some `_SCAN_LINE` alternative matches, when the first
#: is a lower-case ASCII letter: only the case-insensitive alternatives (classification and
#: marker words) and the last drop pattern (``also for``, ``for``) take one, and each of
#: their words opens with one of these pairs (the second letter in any case, ``\s`` for a
#: letter-spaced word, ``ı``/``İ`` that case-insensitive patterns take for ``i``). Three in
#: four prose lines ("said", "and", "of") fail this one test instead of every alternative.
_LOWER_OPENER = (
    r"(?=" + _LEAD + r"(?:[^a-z]|t[EeOoHh]|s[\sEeIi\u0130\u0131TtPpUu]|c[\sOoHh]|u[Nn]"
    r"|l[Ii\u0130\u0131]|a[Ll]|f[Oo]|n[Oo]|e[XxNn]|o[Rr]|p[Rr]|r[Oo]|b[Ee]|d[Ee]))"
)
_SCAN_LINE = re.compile(
    r"\n" + _LINE_OPENER + _LOWER_OPENER + r"(?:(?i:" + _LEAD + r"(?:Telegram\s*)?" + CLASS_WORD + r")|" + _LEAD + r"(?:"
    + r"(?=[A-Z\d/-](?![a-z]))(?:" + "|".join(
        [f"(?:{p})" for p in _ROUTING_LINES] + [f"(?:{p})" for p in _DROP_LINE_CS_PATTERNS[:-1]]
    ) + r")|(?:" + _DROP_LINE_CS_PATTERNS[-1] + r")|"
    + "|".join(f"(?i:{p})" for p in _MARKER_LINES)
    + r")[^\S\n]*(?=\n))"
)
#: Literal guards of the per-line substitutions (a line without them passes unchanged).
_SUB_GUARDS = ("---", "====", "____", "/", "SECTION", "VZCZC", "ZZH", "Missing Section")
# A strong paragraph start (pilcrow or marking) needs one of these at the line start.
_SCAN_STRONG = re.compile(r"\n" + _LEAD + r"(?:¶|\(|(?:\d{1,3}|[A-Z])\.\s*\()", _I)
# A line `_is_para_start` or `_strong_ok` accepts starts with one of these.
_SCAN_PARA = re.compile(r"\n" + _LEAD + r"(?:¶|\(|(?:\d{1,3}|[A-Z])\.(?=\s|\())", _I)
#: `_clean_text` changes a normalized line only when its lower-cased text holds one of these.
_DIRTY_WORDS = ("summary", "comment", "note", "text", "¶")


_LOWER_WORD = re.compile(r"(?<![A-Za-z])[a-z][a-z'-]*+")
_TAGS_OR_EO = re.compile(r"^[ \t]*+(?:¶[ \t]*+)?(?:E\.?\s?O\.?|TAGS?\b)", _I)
_REASONS_CONT = re.compile(r"^[ \t]*+(?:for[ \t]++)?reasons?\b", _I)
_SUBJ_HEAD = re.compile(r"^[ \t]*+(?:¶[ \t]*+)?SUBJ", _I)
#: A SUBJECT field run on the same line as the TAGS (then the next line continues the subject)
_SUBJ_IN_LINE = re.compile(r"\bSUBJ(?:ECT)?[ \t]*+:", _I)


#: English function words: two different ones make an all-caps line prose, not TAGS codes.
_FUNCTION_WORDS = frozenset(
    "THE OF TO AND THAT IS WILL BE WITH WAS ARE HAS HAVE BY AT ON FROM WOULD THEY THEIR THIS "
    "HE SHE IT WE NOT BUT WHICH ITS HIS HER WERE BEEN".split()
)
