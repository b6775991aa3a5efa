"""FRUS (Foreign Relations of the United States) TEI XML: per-document files and volumes.

Every ``<div type="document">`` becomes one record, in a per-document file or a whole
volume (``<TEI xml:id="frus1969-76v19p2">``, hundreds of documents), read with
``iterparse`` and cleared as it goes so a volume is never held whole. The id is
``<volume>-<doc>`` (``frus1977-80v11p1-d10``); the volume comes from the TEI root's
``xml:id`` or the ``<bibl type="frus-volume-id">`` of split files. Date from
``frus:doc-dateTime-min`` (converted to UTC) or the dateline's ``<date when>``; subject
from ``<head>``; classification from the source note (``Secret; Nodis.``) when it has one.
The body drops ``<note>`` footnotes (keeping the text after them), ``<pb>`` page breaks and
``[1 line not declassified]``-style redaction marks.

FRUS documents are memoranda, letters and telegrams without a routing header, so records
are built here rather than by the cable-header parser. ElementTree (expat) does not fetch
external entities; a document type with entity declarations is refused outright, and so is
nesting deeper than `corpora.limits.MAX_XML_DEPTH`. A document that cannot be built (an
out-of-range date, a parser error) is a `Reject` naming it; the volume's other documents
are still read.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

from corpora.cable import Cable, Paragraph, Source
from corpora.limits import MAX_RECORD_BYTES, MAX_XML_DEPTH
from corpora.read.base import HEAD_BYTES, Record, check_cable, locate, read_path, reject, to_utc

__all__ = ["NAME", "read", "read_stream", "sniff"]

logger = logging.getLogger(__name__)

NAME = "frus"
TEI = "{http://www.tei-c.org/ns/1.0}"
FRUS = "{http://history.state.gov/frus/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_REDACTION = re.compile(r"\[\s*[^\[\]]{0,80}?\bnot\s+declassified\s*\]", re.I)
_LEVELS = (
    ("TOP SECRET", re.compile(r"\bTop Secret\b", re.I)),
    ("SECRET", re.compile(r"(?<!Top )\bSecret\b", re.I)),
    ("CONFIDENTIAL", re.compile(r"\bConfidential\b", re.I)),
    ("LIMITED OFFICIAL USE", re.compile(r"\bLimited Official Use\b", re.I)),
    ("UNCLASSIFIED", re.compile(r"\bUnclassified\b", re.I)),
)
_CAVEATS = ("NODIS", "EXDIS", "LIMDIS", "NOFORN", "ORCON", "SENSITIVE", "EYES ONLY")
_BLOCKS = {"p", "item", "head", "closer", "signed", "postscript", "salute", "label", "ab"}
_META_LISTS = {"COUNTRY", "SUBJECT", "SOURCE", "SOURCES", "REFERENCE", "DOI"}
_END = "\x1e"  # block separator (source newlines inside a <p> are just whitespace)
_NUMBERED = re.compile(r"^\s*(\d{1,3})\.\s+")


def sniff(head: bytes, path: str) -> bool:
    """True for TEI XML (the TEI namespace or a ``<TEI`` root near the top)."""
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    return b"http://www.tei-c.org/ns/1.0" in head or b"<TEI" in head[:4096]


def read(path: str, *, sha256: str = "") -> Iterator[Record]:
    """Yield one `Cable` or `Reject` per FRUS document in the TEI file ``path``."""
    yield from read_path(path, sha256, read_stream)


class _Prefixed:
    """A binary reader that replays already-read bytes before the rest of ``fh``."""

    def __init__(self, head: bytes, fh: BinaryIO) -> None:
        self._head = head
        self._fh = fh

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                out, self._head = self._head + self._fh.read(), b""
                return out
            out, self._head = self._head[:size], self._head[size:]
            return out
        return self._fh.read(size)


def read_stream(fh: BinaryIO, *, path: str, sha256: str = "", prefix: str = "") -> Iterator[Record]:
    """Read documents from an open binary file, one `<div type="document">` at a time."""
    head = fh.read(HEAD_BYTES)
    if not head.strip():
        yield reject(
            path, locate(prefix, "document 1"), f"empty file: {path} has no XML", NAME, sha256
        )
        return
    if b"<!ENTITY" in head.upper():
        yield reject(
            path,
            locate(prefix, "prolog"),
            f"entity declarations refused: {path} declares XML entities in its document type; "
            "FRUS TEI needs none (remove the DOCTYPE internal subset)",
            NAME,
            sha256,
        )
        return
    volume = None
    n_docs = 0
    stack: list[ET.Element] = []
    try:
        for event, elem in ET.iterparse(_Prefixed(head, fh), events=("start", "end")):
            if event == "start":
                stack.append(elem)
                if len(stack) > MAX_XML_DEPTH:
                    yield reject(
                        path,
                        locate(prefix, f"document {n_docs + 1}"),
                        f"XML nested too deep: {path} nests elements over {MAX_XML_DEPTH} "
                        "deep (corpora.limits.MAX_XML_DEPTH); the rest of the file was not "
                        "read",
                        NAME,
                        sha256,
                    )
                    return
                if elem.tag == f"{TEI}TEI" and volume is None:
                    volume = elem.get(XML_ID)
                continue
            stack.pop()
            if elem.tag == f"{TEI}bibl" and elem.get("type") == "frus-volume-id":
                volume = volume or (elem.text or "").strip() or None
            elif elem.tag == f"{TEI}div" and elem.get("type") == "document":
                n_docs += 1
                try:
                    yield _document(elem, volume, n_docs, path, sha256, prefix)
                except (ValueError, TypeError, OverflowError, RecursionError) as exc:
                    doc_id = elem.get(XML_ID) or f"d{elem.get('n') or n_docs}"
                    yield reject(
                        path,
                        locate(prefix, f"document {doc_id}"),
                        f"document not read: {path} document {doc_id}: "
                        f"{type(exc).__name__}: {exc}",
                        NAME,
                        sha256,
                    )
                elem.clear()
                if stack:
                    stack[-1].remove(elem)  # keep a volume's tree from growing
    except (ET.ParseError, LookupError) as exc:  # LookupError: an unknown encoding declared
        yield reject(
            path,
            locate(prefix, f"document {n_docs + 1}"),
            f"malformed XML: {path}: {exc}; expected well-formed TEI (file truncated?)",
            NAME,
            sha256,
        )
        return
    if n_docs == 0:
        yield reject(
            path,
            locate(prefix, "document 1"),
            f"no FRUS document: {path} has no <div type='document'>; expected FRUS TEI",
            NAME,
            sha256,
        )


def _text(elem: ET.Element, skip_head: bool = False) -> str:
    """Text of ``elem`` without notes and page breaks; block elements end with `_END`."""
    parts: list[str] = []
    # An explicit stack, not recursion: nesting is bounded by MAX_XML_DEPTH, but a walk
    # must not depend on Python's recursion limit. Items: (node, top) to enter it, or a
    # string to emit once its children are done.
    todo: list = [(elem, True)]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        node, top = item
        tag = node.tag.removeprefix(TEI) if isinstance(node.tag, str) else ""
        skip = tag in ("note", "pb", "fw") or (top is False and skip_head and tag == "head")
        after: list[str] = []
        if not skip and tag in _BLOCKS:
            after.append(_END)
        if node.tail and not top:
            after.append(node.tail)
        todo.extend(reversed(after))
        if not skip:
            if node.text:
                parts.append(node.text)
            todo.extend((child, False) for child in reversed(list(node)))
    return "".join(parts)


def _squash(text: str) -> str:
    text = _REDACTION.sub(" ", text)
    return " ".join(text.split())


def _document(
    div: ET.Element, volume: str | None, n: int, path: str, sha256: str, prefix: str
) -> Record:
    doc_id = div.get(XML_ID) or f"d{div.get('n') or n}"
    ref = f"{volume}-{doc_id}" if volume else doc_id
    locator = locate(prefix, f"document {doc_id}")
    source = Source(path, locator, sha256, NAME)
    head = div.find(f"{TEI}head")
    subject = _squash(_text(head)) if head is not None else None
    subject = _NUMBERED.sub("", subject) if subject else None
    note_texts = [_squash("".join(n.itertext())) for n in div.iter(f"{TEI}note")
                  if n.get("type") == "source"]
    classification, caveats = _classification(note_texts[0] if note_texts else "")
    date = _date(div)
    place = div.find(f".//{TEI}dateline/{TEI}placeName")
    paragraphs: list[Paragraph] = []
    for child in div:
        tag = child.tag.removeprefix(TEI) if isinstance(child.tag, str) else ""
        if tag in ("head", "opener", "note", "pb", "fw") or _is_meta_list(child):
            continue
        for line in _text(child, skip_head=True).split(_END):
            line = _squash(line)
            if not line:
                continue
            m = _NUMBERED.match(line)
            paragraphs.append(
                Paragraph(m.group(1) if m else None, None, line[m.end():] if m else line)
            )
    if not paragraphs:
        return reject(
            path,
            locator,
            f"empty document: {path} document {doc_id} has no text after notes and "
            "redaction marks were removed",
            NAME,
            sha256,
            "body",
        )
    body = "\n\n".join(p.text for p in paragraphs)
    if len(body) > MAX_RECORD_BYTES:
        return reject(
            path,
            locator,
            f"record too large: {path} document {doc_id} holds {len(body):,} characters, "
            f"over {MAX_RECORD_BYTES:,} (corpora.limits.MAX_RECORD_BYTES)",
            NAME,
            sha256,
            "body",
        )
    return check_cable(Cable(
        ref=ref,
        date=date,
        origin=None,
        origin_raw=_squash("".join(place.itertext())) if place is not None else None,
        to=None,
        info=None,
        classification=classification,
        caveats=caveats,
        tags=None,
        subject_tags=None,
        country_tags=None,
        subject=subject or None,
        references=None,
        classified_by=None,
        reasons=None,
        declassify_on=None,
        paragraphs=tuple(paragraphs),
        body=body,
        source=source,
        notes=("FRUS document: no routing header; origin is the dateline place",)
        if place is not None
        else ("FRUS document: no routing header",),
    ))


def _is_meta_list(elem: ET.Element) -> bool:
    """The COUNTRY / SUBJECT / SOURCE lists of intelligence cables are metadata, not text."""
    if elem.tag != f"{TEI}list":
        return False
    head = elem.find(f"{TEI}head")
    label = "".join(head.itertext()).strip().upper() if head is not None else ""
    return elem.get("type") in ("subject", "sources") or label in _META_LISTS


def _classification(note: str) -> tuple[str | None, tuple[str, ...]]:
    """``"Source: ... Secret; Nodis."`` -> ``("SECRET", ("NODIS",))``; level None if absent."""
    tail = note.split("Source:", 1)[-1]
    found = [(m.start(), level) for level, pat in _LEVELS if (m := pat.search(tail))]
    level = min(found)[1] if found else None
    upper = tail.upper()
    caveats = tuple(c for c in _CAVEATS if re.search(rf"\b{c}\b", upper))
    return level, caveats


def _date(div: ET.Element) -> datetime | None:
    raw = div.get(f"{FRUS}doc-dateTime-min")
    if raw:
        try:
            return to_utc(datetime.fromisoformat(raw))
        except ValueError:
            logger.debug("FRUS doc-dateTime-min %r is not ISO 8601", raw)
    for date in div.iter(f"{TEI}date"):
        when = date.get("when")
        if when:
            try:
                return to_utc(datetime.fromisoformat(when))
            except ValueError:
                continue
    return None
