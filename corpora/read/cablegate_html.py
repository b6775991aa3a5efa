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


def read_stream(fh: BinaryIO, *, path: str, sha256: str = "", prefix: str = "") -> Iterator[Record]:
    """Read the one cable of a page from an open binary file."""
    locator = locate(prefix, "page")
    data = read_all(fh)
    if not data.strip():
        yield reject(path, locator, f"empty file: {path} has no page content", NAME, sha256)
        return
    text, encoding = decode_bytes(data)
    parser = _PageParser()
    parser.feed(text)
    parser.close()
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
