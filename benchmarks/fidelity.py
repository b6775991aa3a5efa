"""Fidelity of a store to the Cablegate pages it was read from.

Used by ``python -m benchmarks fidelity`` and by the ``real`` test tier. Each stored cable is
compared with its own page, read here independently of the parser:

* **fields**: ``created`` (to the minute), classification and origin against the pages'
  ``MANIFEST.csv`` (read from the pages by a separate tool); the stored TAGS against the
  page's TAGS line (the manifest's ``tags``, tag words as they were published: a run-together
  string such as ``ETRDEINVECINPGOVCS`` counts as matched by the tags it is made of, a
  multi-word tag such as ``HUMAN RIGHTS`` by its words);
* **words**: the page's words from the first marked paragraph on (after dropping the lines
  that are cable boilerplate by shape: page breaks, classification banners, ``SIPDIS``)
  against the stored ``subject + references + classified_by + body``. A page word counts as
  kept when one of the page's 4-word windows holding it occurs in the stored text; runs of 8
  or more page words not kept count as lost;
* **leftovers**: boilerplate patterns still in stored bodies.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from corpora.clean_patterns import CLASSIFYING_EO
from corpora.read.base import decode_bytes
from corpora.read.cablegate_html import _PageParser

__all__ = [
    "LEFTOVERS",
    "FidelityReport",
    "compare",
    "lost_runs",
    "page_words",
    "read_manifest",
    "read_pages",
]

#: Boilerplate that must never reach a stored body (name -> pattern).
LEFTOVERS: dict[str, re.Pattern[str]] = {
    "E.O. 12958": re.compile(r"\bE\.\s?O\.\s?" + CLASSIFYING_EO + r"\b", re.I),
    "TAGS:": re.compile(r"\bTAGS\s*:", re.I),
    "Classified By": re.compile(r"\bClassified\s+By\s*:", re.I),
    "routing (RUEH/VZCZC)": re.compile(r"\bVZCZC|\bRUEH[A-Z]{1,4}\b|\bZNY\s|\bZZH\b"),
    "page-break line": re.compile(
        r"(?m)^\s*[A-Z][A-Z .'-]{1,30}\s\d{8}\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3}\s*$", re.I
    ),
    "SIPDIS": re.compile(r"\bSIPDIS\b", re.I),
    "end-of-cable marker": re.compile(
        r"(?m)^[ \t]*[-=]*[ \t]*(?:header\s+ends|cable\s+ends|end\s+of\s+cable)[ \t]*[-=]*[ \t]*$", re.I
    ),
}

_WORD = re.compile(r"[a-z0-9]+")
# the first marked paragraph: "1. (C)", "¶1.", "(SBU) Text", "1. SUMMARY"
_FIRST_PARA = re.compile(
    r"¶|(?m:^[ \t]*1\.[ \t])|\b1\.[ \t]?\((?:U|C|S|SBU|TS|[SC]//?NF|S/NF|C/NF)\)|"
    r"\((?:U|C|S|SBU|TS|SBU//NF|[SC]//?NF)\)[ \t]+[A-Z]"
)
_PAGE_BREAK_LINE = re.compile(
    r"(?m)^[^\S\n]*[A-Z][A-Za-z .'-]{1,30}[^\S\n]\d{8}[^\S\n]+\d{3}(?:\.\d+)?[^\S\n]+OF[^\S\n]+"
    r"\d{3}[^\S\n]*$"
)
_BANNER_LINE = re.compile(
    r"(?mi)^[^\S\n]*(?:(?:[A-Z][^\S\n]){4,}[A-Z]|UNCLAS|SECRET|CONFIDENTIAL|"
    r"UNCLASSIFIED)\b[^\n]{0,60}(?:SECTION[^\S\n]+\d+[^\S\n]+OF[^\S\n]+\d+|\d{5,8})[^\S\n]*$"
)
_SIPDIS = re.compile(r"\bSIPDIS\b")
# distribution lists of old telegrams: "INFO LOG-00 NP-00 AID-00 ... /038W"
_DIST_LIST = re.compile(r"(?:\b(?:INFO|ACTION)\s+)?(?:\b[A-Z]{1,6}-\d\d\b\s*){2,}(?:/\d{3}W\b)?")


@dataclass(frozen=True)
class Page:
    """One page as published: the manifest row and the text of its two ``<pre>`` blocks."""

    file: str
    row: dict[str, str]
    header: str
    body: str


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """``MANIFEST.csv`` rows keyed by member name (``YYYY/MM/REF.html``)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


def read_pages(zip_path: Path, manifest: dict[str, dict[str, str]]) -> Iterator[Page]:
    """Every page of the zip that the manifest lists, with its ``<pre>`` texts."""
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            key = name.split("/", 1)[1] if name.count("/") > 2 else name
            row = manifest.get(key) or manifest.get(name)
            if row is None:
                continue
            text, _ = decode_bytes(zf.read(name))
            parser = _PageParser()
            parser.feed(text)
            parser.close()
            pres = [*parser.pres, "", ""]
            yield Page(row["file"], row, pres[0], pres[1])


# a routing block glued into the text (VZCZC ... FM ... TO ... INFO ...) up to the
# classification line or E.O. line that ends it
_ROUTING_BLOCK = re.compile(
    r"VZCZC[\s\S]{0,4000}?(?=C O N F I D|S E C R E T|\bUNCLAS|\bCONFIDENTIAL\b|\bSECRET\b|"
    r"E\.O\.|$)"
)
# the routing block of a later section of an old (pre-2003) multi-section telegram:
# "------------------A54E56 291401Z /38 O 291359Z NOV 00 FM AMEMBASSY HARARE TO ..." up to
# the section's classification line
_OLD_ROUTING = re.compile(
    r"-{6,}[A-Z0-9]{6}[ \t]+\d{6}Z[ \t]+/\d+[\s\S]{0,4000}?(?=C O N F I D|S E C R E T|"
    r"\bUNCLAS|\bCONFIDENTIAL\b|\bSECRET\b|E\.O\.|$)"
)
# a section's repeated header lines: E.O./TAGS lines, and addressee lines in capitals
# ("NSC FOR SENIOR AFRICA DIRECTOR GAYLE SMITH", "DEPT FOR E, P, EB, EAP/J; ...")
_HEADER_LINE = re.compile(
    r"(?m)^[ \t]*(?:E\.?[ \t]?O\.?[ \t]*1[23]\d{3}|TAGS?[ \t]*:)[^\n]*$|"
    # a section's header run together on one line: banner ... E.O. 12958: ... TAGS: ...
    r"^[^\n]{0,300}?E\.O\.[ \t]*1[23]\d{3}[^\n]{0,80}?TAGS?[ \t]*:[^\n]*$"
)
_ADDRESSEE_LINE = re.compile(
    r"(?m)^[ \t]*(?:[A-Z][A-Z/&.,-]*[ \t]+){1,3}(?:FOR|PASS)[ \t]+[^a-z\n]*$"
)
_REDACTED = re.compile(r"[Xx]{4,}")  # media partners' redactions: no words
_DUMP_HEADER_ENDS = re.compile(r"(?mi)^[ \t]*-{3,}[ \t]*header ends[ \t]*-{3,}[ \t]*$")
# paragraph numbers and markings, summary/comment markers: formatting, not words
_MARKUP = re.compile(
    r"\(\s*(?:U|C|S|SBU|TS|LOU|FOUO|NF)(?:\s*/{1,2}\s*[A-Z]+)*\s*\)|(?<![\w.])\d{1,2}\.(?=\s|\()|"
    r"(?<![\w.])[A-Z]\.(?=[ \t]*\((?:U|C|S|SBU)\))|"  # lettered item: "B. (U) N/A"
    r"\b(?:END\s+|BEGIN\s+)?(?:SUMMARY|COMMENT)\b\s*[.:]?",
    re.I,
)
# a cables.csv row opening another cable's record, appended to the page by a mirror
_FOREIGN_ROW = re.compile(
    r"(?<!\S)\d{4,7}[ \t]+\d{1,4}[/-]\d{1,2}[/-]\d{2,4}[ \t]+\d{1,2}:\d\d(?::\d\d)?[ \t]+"
    r"(\d\d[A-Z][A-Z0-9]*)"
)


def page_words(body: str, ref: str | None = None) -> list[str]:
    """The page's words from the first marked paragraph on, boilerplate lines dropped, up
    to the row of another cable's record appended to the page (when ``ref`` is given)."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if ref is not None:
        for row in _FOREIGN_ROW.finditer(body):
            if row.group(1) == ref and body[:row.start()].strip():
                # the record's own row again, for a later section: its line is metadata
                a = body.rfind("\n", 0, row.start()) + 1
                b = body.find("\n", row.end())
                body = body[:a] + body[len(body) if b < 0 else b:]
                break
            if row.group(1) != ref and body[:row.start()].strip():
                body = body[:row.start()]
                break
    dump = _DUMP_HEADER_ENDS.search(body)
    if dump is not None:  # a cables.csv record: its metadata lines are no cable words
        body = body[dump.end():]
    m = _FIRST_PARA.search(body)
    if m is not None:
        body = body[m.start():]
    body = _PAGE_BREAK_LINE.sub(" ", body)
    body = _BANNER_LINE.sub(" ", body)
    body = _SIPDIS.sub(" ", body)
    body = _DIST_LIST.sub(" ", body)
    body = _ROUTING_BLOCK.sub(" ", body)
    body = _OLD_ROUTING.sub(" ", body)
    body = _HEADER_LINE.sub(" ", body)
    body = _ADDRESSEE_LINE.sub(" ", body)
    body = _REDACTED.sub(" ", body)
    body = _MARKUP.sub(" ", body)
    return _WORD.findall(body.lower())


def lost_runs(page: list[str], stored: str, n: int = 4, min_run: int = 8) -> list[list[str]]:
    """Runs of ``min_run`` or more page words that no stored ``n``-word window covers."""
    words = _WORD.findall(_MARKUP.sub(" ", stored).lower())
    grams = {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}
    kept = [False] * len(page)
    for i in range(len(page) - n + 1):
        if tuple(page[i:i + n]) in grams:
            for j in range(i, i + n):
                kept[j] = True
    if len(page) < n:  # too short for a window: word by word
        have = set(words)
        kept = [w in have for w in page]
    runs: list[list[str]] = []
    start = None
    for i, k in enumerate([*kept, True]):
        if not k and start is None:
            start = i
        elif k and start is not None:
            if i - start >= min_run:
                runs.append(page[start:i])
            start = None
    return runs


def _tag_words(tags: Iterable[str]) -> list[str]:
    return [w for t in tags for w in re.split(r"[\s,]+", t.upper()) if w]


def _segment(word: str, parts: set[str]) -> list[str] | None:
    """``word`` as a concatenation of ``parts`` (first found), or None."""
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for i in range(1, len(word) + 1):
        for j in range(max(0, i - 12), i):
            if best[j] is not None and word[j:i] in parts:
                best[i] = [*best[j], word[j:i]]
                break
    return best[-1]


def tags_match(stored: Iterable[str] | None, published: str) -> bool:
    """True when the stored tags are the page's: the same tag words, where a published
    run-together string (``ETRDEINVCS``) may stand for the stored tags it concatenates."""
    have = set(_tag_words(stored or ()))
    want: set[str] = set()
    for w in published.upper().split():
        seg = None if w in have else _segment(w, have)
        want.update(seg or [w])
    return have == want


_TAGS_AT = re.compile(r"(?m)^[^\n]*?\bTAGS?\b[^\n]*$")
_CODES_LINE = re.compile(r"^[ \t]*+(?:[A-Z]{2,4}+[ \t,;]*+)++$")


def page_tags(body: str, published: str) -> str:
    """The page's TAGS: the manifest's (the TAGS line's links) plus the codes on the lines
    that continue it (``TAGS: PREL ... PK`` then ``VE CO``: the site linked only the first
    line), read by shape: lines of two- to four-letter capitals only."""
    m = _TAGS_AT.search(body.replace("\r", "\n"))
    if m is None:
        return published
    extra: list[str] = []
    for line in body[m.end():].lstrip("\n").split("\n")[:4]:
        if not _CODES_LINE.match(line) or _BANNER_LINE.match(line):
            break
        extra += re.findall(r"[A-Z]{2,4}", line)
    return " ".join([published, *extra]).strip()


@dataclass
class FidelityReport:
    """What `compare` found (counts, and examples for each kind of problem)."""

    pages: int = 0
    records: int = 0
    agree: Counter = field(default_factory=Counter)
    rejects: Counter = field(default_factory=Counter)
    reject_refs: dict[str, list[str]] = field(default_factory=dict)
    lost_cables: list[tuple[str, int]] = field(default_factory=list)
    words_lost: int = 0
    body_in_reasons: list[str] = field(default_factory=list)
    words_compared: int = 0
    leftovers: Counter = field(default_factory=Counter)
    leftover_refs: dict[str, list[str]] = field(default_factory=dict)
    disagree_refs: dict[str, list[str]] = field(default_factory=dict)

    def rate(self, name: str) -> float:
        """Agreement over all pages (a reject counts as a disagreement)."""
        return self.agree[name] / self.pages if self.pages else 0.0

    def rate_stored(self, name: str) -> float:
        """Agreement over the stored cables."""
        return self.agree[name] / self.records if self.records else 0.0

    def rows(self) -> list[tuple[str, Any, Any]]:
        """The fidelity table: (measure, value, target)."""
        out: list[tuple[str, Any, Any]] = [
            ("pages", self.pages, ""),
            ("records stored", self.records, ""),
        ]
        for name in ("created", "classification", "origin", "tags", "tags (line + continuation)"):
            target = ">= 99%" if name.startswith("tags") else ">= 99.5%"
            out.append((f"{name} agrees (of pages / of stored cables)",
                        f"{100 * self.rate(name):.2f}% / {100 * self.rate_stored(name):.2f}%",
                        target))
        for reason, n in sorted(self.rejects.items()):
            out.append((f"reject: {reason}", n, "only pages without prose"))
        out.append(("cables losing >= 50 words", len(self.lost_cables), 0))
        out.append(("words lost (runs of 8+)", self.words_lost, ""))
        out.append(("cables with body text in `reasons` (12+ words)", len(self.body_in_reasons),
                    0))
        out.append(("page words compared", self.words_compared, ""))
        for name in LEFTOVERS:
            out.append((f"bodies with {name}", self.leftovers[name], 0))
        return out


def _created(row: dict[str, str]) -> datetime:
    return datetime.strptime(row["created"], "%Y-%m-%d %H:%M")


def compare(pages: Iterable[Page], records: dict[str, dict[str, Any]],
            rejects: dict[str, str]) -> FidelityReport:
    """Compare pages with stored records (keyed by ref) and rejects (ref or file -> reason).

    ``records`` values are store rows (``date``, ``classification``, ``origin``, ``tags``,
    ``subject``, ``references``, ``classified_by``, ``body``).
    """
    rep = FidelityReport()
    for page in pages:
        rep.pages += 1
        row = page.row
        ref = row["ref"]
        rec = records.get(ref)
        if rec is None:
            reason = rejects.get(ref) or rejects.get(page.file) or "missing (no record, no reject)"
            reason = re.sub(r"\s*\(.*", "", reason.split(": ", 1)[-1])[:80]
            rep.rejects[reason] += 1
            rep.reject_refs.setdefault(reason, []).append(ref)
            continue
        rep.records += 1
        date = rec.get("date")
        checks = {
            "created": date is not None and date.replace(tzinfo=None, second=0, microsecond=0)
            == _created(row),
            "classification": rec.get("classification") == row["classification"],
            "origin": rec.get("origin") == row["origin"],
            "tags": tags_match(rec.get("tags"), row["tags"]),
            "tags (line + continuation)": tags_match(
                rec.get("tags"), page_tags(page.body, row["tags"])
            ),
        }
        for name, ok in checks.items():
            rep.agree[name] += ok
            if not ok:
                rep.disagree_refs.setdefault(name, []).append(ref)
        stored = " ".join(
            str(x) for x in (rec.get("subject"), " ".join(rec.get("references") or ()),
                             rec.get("classified_by"), rec.get("reasons"), rec.get("body"))
            if x
        )
        if len(_WORD.findall(rec.get("reasons") or "")) >= 12:
            rep.body_in_reasons.append(ref)
        words = page_words(page.body, ref)
        rep.words_compared += len(words)
        lost = sum(len(r) for r in lost_runs(words, stored))
        rep.words_lost += lost
        if lost >= 50:
            rep.lost_cables.append((ref, lost))
        body = rec.get("body") or ""
        for name, pat in LEFTOVERS.items():
            if pat.search(body):
                rep.leftovers[name] += 1
                rep.leftover_refs.setdefault(name, []).append(ref)
    return rep
