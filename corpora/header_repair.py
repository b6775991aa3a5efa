"""Damaged pages put right before the header is read: line breaks a dump deleted
(`_unglue`, `_split_glued_fields`), cables.csv dump records and another cable's text in a
page (`_strip_dump_records`), cut-off previews (`_strip_preview`), backslash line ends of CSV
dumps (`_strip_escaped_newlines`). Part of `corpora.header`.
"""

from __future__ import annotations

import re

from corpora.clean_patterns import _LOWER_WORD, CLASS_LINE, CLASS_WORD, CLASSIFYING_EO
from corpora.linescan import fold

_I = re.IGNORECASE
_M = re.MULTILINE

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
    lines = text.split("\n", _GLUE_ZONE)  # the zone's lines, then the rest of the text
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
        # every `_GLUE_FIELD_INLINE` match holds a colon or is an "E.O." line
        found = _GLUE_FIELD_INLINE.finditer(ln, 0, 3000) if ":" in ln or "E.O." in ln else ()
        for m in found:
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
    if "\\" not in text or ("\\\n" not in text and "\\ \n" not in text):  # memchr first
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
