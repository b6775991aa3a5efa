"""WikiLeaks Cablegate site pages (``cable/YYYY/MM/REF.html``), one cable per page.

The page's metadata table (``<table class='cable'>``) gives reference id, created (UTC, to
the minute), released (WikiLeaks release time), classification and origin. The
classification is the *cell text*: the cell's ``title`` attribute is wrong on many pages.
Two ``<pre>`` blocks follow: the routing header and the body. Inside them newlines are the
entity ``&#x000A;``, TAGS are links and each paragraph starts with an ``¶`` anchor; the
link texts are kept, the markup dropped. The navigation pane (two thirds of the bytes) and
``<script>``/``<style>`` are ignored. A page without the cable table is a `Reject`.

The malformed id ``7575LIBREVILLE1895`` (75LIBREVILLE1895 in the cable's own header) is
kept as published: it is the id WikiLeaks and every Cablegate index use for that cable, so
joins with other Cablegate data keep working; a note on the record says it looks malformed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import BinaryIO

from corpora.cable import Source
from corpora.read.base import (
    Record,
    decode_bytes,
    locate,
    parse_timestamp,
    parse_with_header,
    read_all,
    read_path,
    reject,
    with_note,
)

__all__ = ["NAME", "read", "read_stream", "sniff"]

logger = logging.getLogger(__name__)

NAME = "cablegate-html"
_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
_TABLE_FIELDS = ("ref", "created", "released", "classification", "origin")
_DOUBLED_YEAR = re.compile(r"^(\d\d)\1[A-Z]")


def sniff(head: bytes, path: str) -> bool:
    """True for a Cablegate "Cable Viewer" page (title, or the cable table near the top)."""
    low = head.lower()
    if not low.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    if b"<html" not in low and b"<!doctype html" not in low:
        return False
    return (
        b"<title>cable viewer</title>" in low
        or b"class='cable'" in low
        or b'class="cable"' in low
    )


def read(path: str, *, sha256: str = "") -> Iterator[Record]:
    """Yield the page's cable (or a `Reject`) from the Cablegate HTML page ``path``."""
    yield from read_path(path, sha256, read_stream)


class _PageParser(HTMLParser):
    """Collects the cable table cells and the text of the ``<pre>`` blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.pres: list[str] = []
        self._in_table = 0
        self._cell: list[str] | None = None
        self._pre: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table" and ("class", "cable") in attrs:
            self._in_table += 1
        elif tag == "table" and self._in_table:
            self._in_table += 1
        elif tag == "td" and self._in_table:
            self._cell = []
        elif tag == "pre":
            self._pre = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "table" and self._in_table:
            self._in_table -= 1
        elif tag == "td" and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "pre" and self._pre is not None:
            self.pres.append("".join(self._pre))
            self._pre = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        if self._pre is not None:
            self._pre.append(data)


_PROLOG = re.compile(r"\s*+(?:<\?xml[^<>]*+>\s*+)?(?:<!doctype[^<>]*+>)?")
#: Tags whose content (or whose own form) changes how the text after them is parsed.
_NOT_BEFORE_TABLE = ("<pre", "<script", "<style", "<textarea", "<plaintext", "<xmp", "<!",
                     "<?", "<td", "<table")
#: Text and whole tags (quoted attribute values may hold any character but their quote);
#: a prefix this does not match whole (a tag left open, a '<' or '>' out of place) is
#: parsed as it is.
_PLAIN_MARKUP = re.compile(
    r"(?:[^<]++|<[a-z][^<>\"']*+(?:(?:\"[^\"]*+\"|'[^']*+')[^<>\"']*+)*+>|</[a-z][^<>\"']*+>)*+"
)


def _table_start(text: str) -> int:
    """Where the page's text can be parsed from: the ``<table`` tag of the cable table, when
    nothing before it can change what the parser collects (-1: parse the whole page).

    On WikiLeaks' pages the navigation pane (~60 KB of a ~65 KB page, 1,200 links) comes
    before the cable table and is most of `html.parser`'s work. It is skipped when,
    after an XML declaration and a DOCTYPE, it is plain text and whole tags
    (`_PLAIN_MARKUP`) with no ``<pre>``, ``<td>``, other table, script, style, comment,
    declaration or processing instruction, and its title closed. Any other page is parsed
    whole.
    """
    at = -1
    for form in ("class='cable'", 'class="cable"'):
        i = text.find(form)
        if i >= 0 and (at < 0 or i < at):
            at = i
    if at < 0:
        return -1
    cut = text.rfind("<table", 0, at)
    if cut <= 0 or ">" in text[cut:at] or "<" in text[cut + 1:at]:
        return -1
    head = text[:cut].lower()
    prolog = _PROLOG.match(head).end()  # an XML declaration and a DOCTYPE, which end at '>'
    if head.rfind("<title") > head.rfind("</title"):
        return -1  # (newer Pythons read a title's content as text up to </title>)
    body = head[prolog:]
    if any(tag in body for tag in _NOT_BEFORE_TABLE) or not _PLAIN_MARKUP.fullmatch(body):
        return -1
    return cut


def _parse_page(text: str) -> _PageParser:
    """The page's cable-table cells and ``<pre>`` texts (`_PageParser`), parsed from the
    cable table on when `_table_start` allows it (the same cells and blocks as a parse of
    the whole page: tested on the dev corpus's 4,000 pages), else from the top."""
    parser = _PageParser()
    cut = _table_start(text)
    parser.feed(text[cut:] if cut > 0 else text)
    parser.close()
    return parser

def read_stream(fh: BinaryIO, *, path: str, sha256: str = "", prefix: str = "") -> Iterator[Record]:
    """Read the one cable of a page from an open binary file."""
    locator = locate(prefix, "page")
    data = read_all(fh)
    if not data.strip():
        yield reject(path, locator, f"empty file: {path} has no page content", NAME, sha256)
        return
    text, encoding = decode_bytes(data)
    parser = _parse_page(text)
    if len(parser.cells) < len(_TABLE_FIELDS):
        yield reject(
            path,
            locator,
            f"no cable on page: {path} has no <table class='cable'> with ref, created, "
            "released, classification and origin cells; expected a Cablegate cable page",
            NAME,
            sha256,
            "ref",
        )
        return
    table = dict(zip(_TABLE_FIELDS, parser.cells[: len(_TABLE_FIELDS)], strict=True))
    if len(parser.pres) < 2:
        yield reject(
            path,
            locator,
            f"truncated page: {path} ({table['ref']}) has {len(parser.pres)} <pre> block(s), "
            "expected 2 (header and body)",
            NAME,
            sha256,
            "body",
        )
        return
    meta = {
        "ref": table["ref"],
        "date": parse_timestamp(table["created"], _TIME_FORMATS),
        "released": parse_timestamp(table["released"], _TIME_FORMATS),
        "classification": table["classification"],
        "origin": table["origin"],
        "header": parser.pres[0].strip("\n"),
    }
    for key in ("date", "released"):
        raw = table["created" if key == "date" else key]
        if raw and meta[key] is None:
            yield reject(
                path,
                locator,
                f"bad date: {path} ({table['ref']}) has {key} {raw!r}; expected YYYY-MM-DD HH:MM",
                NAME,
                sha256,
                key,
            )
            return
    source = Source(path, locate(prefix, table["ref"] or "page"), sha256, NAME)
    record = parse_with_header(parser.pres[1], source, meta, encoding=encoding)
    if hasattr(record, "ref") and _DOUBLED_YEAR.match(table["ref"]):
        record = with_note(
            record,
            f"ref {table['ref']} looks malformed (year prefix doubled); kept as published",
        )
    yield record
