"""The TAGS, SUBJECT and REF fields: their line patterns and how their values are split
into tags (`_parse_tags`) and references (`_split_refs`). Part of `corpora.header`.
"""

from __future__ import annotations

import re

from corpora.clean_patterns import CLASS_LINE
from corpora.header_lines import _WS_RUN
from corpora.header_repair import _GLUED_PAGE_BREAK
from corpora.tags import is_known_tag, split_run_together

_I = re.IGNORECASE

_SUBJ_CUT = re.compile(r"(?<!\s)\s++(?=REFS?\s*:|Classified\s+By\b)", _I)
_SUBJ_SPLIT = re.compile(r"SUBJ(?:ECT)?\s*:", _I)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG_JUNK = re.compile(r"[^A-Za-z0-9_-]")
_TAG_SEP = re.compile(r"[\s,;]+")
_REF_LETTERED = re.compile(r"[A-Z]\.\s")
_REF_ITEM_SPLIT = re.compile(r"\s(?=[A-Z]\.\s+\S)")


_TAGS_LINE = re.compile(r"^\s*(?:¶\s*)?TAGS?\b\s*:?\s*(?P<v>.*)$", _I)
# possessive quantifiers: a run of capitals is one tag or none (no re-splitting on failure)
_TAGS_CONT = re.compile(r"^\s*+(?:\[?+[A-Z0-9]{2,}+\]?+(?:\(#\))?+[\s,;]*+)++$")
_SUBJ_LINE = re.compile(r"^\s*(?:¶\s*)?SUBJ(?:ECT)?\s*:\s*(?P<v>.*)$", _I)
_REF_LINE = re.compile(r"^\s*(?:¶\s*)?REF(?:S|ERENCES?)?\s*:\s*(?P<v>.*)$", _I)
_REF_CONT = re.compile(r"^[^\S\n]*+¶?+[^\S\n]*+[A-Z]\.\s++\S")


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
