"""WikiLeaks PlusD pages (Public Library of US Diplomacy: 1970s "Kissinger cables").

The page's ``<table id="synopsis">`` holds label/value pairs (``<div class="s_key">`` then
``<div class="s_val">``): Date (``1974 May 17, 16:00 (Friday)``, UTC), Canonical ID
(``1974ATHENS02959_b``: kept in that form), Original Classification, TAGS (links, some of
them person names), ... The Content pane has the telegram header
(``<div class="text-header">``) and body (``<div id="tagged-text">``). ``<script>`` and
``<style>`` are skipped (the saved pages carry the site's JavaScript). The
classification kept is the *original* one: "Current Classification" is the
declassification status.
"""

from __future__ import annotations

import logging
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
)

__all__ = ["NAME", "read", "read_stream", "sniff"]

logger = logging.getLogger(__name__)

NAME = "plusd"
_TIME_FORMATS = ("%Y %b %d, %H:%M", "%Y %B %d, %H:%M", "%Y %b %d")


def sniff(head: bytes, path: str) -> bool:
    """True for a PlusD page (``Cable: <id>`` title, ``/plusd/`` links or the synopsis table)."""
    low = head.lower()
    if not low.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    if b"<html" not in low:
        return False
    return b"id=\"synopsis\"" in low or b"/plusd/" in low or b"<title>cable: " in low


def read(path: str, *, sha256: str = "") -> Iterator[Record]:
    """Yield the page's cable (or a `Reject`) from the PlusD page ``path``."""
    yield from read_path(path, sha256, read_stream)


class _PlusdParser(HTMLParser):
    """Collects synopsis key/value pairs, the subject row and the Content pane texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: dict[str, str] = {}
        self.title_row: str | None = None
        self.header: str | None = None
        self.body: str | None = None
        self._skip = 0
        self._in_synopsis = False
        self._capture: tuple[str, list[str]] | None = None  # (kind, parts)
        self._depth = 0  # div depth inside the captured div
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
            return
        if tag == "table" and attr.get("id") == "synopsis":
            self._in_synopsis = True
        if self._capture is not None:
            if tag == "div":
                self._depth += 1
            elif tag == "br" and self._capture[0] in ("header", "body"):
                self._capture[1].append("\n")
            return
        classes = (attr.get("class") or "").split()
        kind = None
        if tag == "div" and self._in_synopsis and "s_key" in classes:
            kind = "key"
        elif tag == "div" and self._in_synopsis and "s_val" in classes:
            kind = "val"
        elif tag == "td" and self._in_synopsis and attr.get("colspan") and self.title_row is None:
            kind = "title"
        elif tag == "div" and "text-header" in classes and self.header is None:
            kind = "header"
        elif tag == "div" and attr.get("id") == "tagged-text" and self.body is None:
            kind = "body"
        if kind is not None:
            self._capture = (kind, [])
            self._depth = 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
            return
        if tag == "table" and self._in_synopsis and self._capture is None:
            self._in_synopsis = False
        if self._capture is None:
            return
        kind, parts = self._capture
        closes = (tag == "div" and kind != "title") or (tag == "td" and kind == "title")
        if tag == "div" and kind != "title":
            self._depth -= 1
            closes = self._depth == 0
        if not closes:
            return
        self._capture = None
        text = "".join(parts)
        if kind == "key":
            self._key = " ".join(text.split()).rstrip(":").strip()
        elif kind == "val" and self._key:
            self.pairs.setdefault(self._key, " ".join(text.split()))
            self._key = None
        elif kind == "title":
            self.title_row = " ".join(text.split())
        elif kind == "header":
            self.header = text
        elif kind == "body":
            self.body = text

    def handle_data(self, data: str) -> None:
        if not self._skip and self._capture is not None:
            self._capture[1].append(data)


def _tags(value: str | None) -> tuple[str, ...] | None:
    """``GR - Greece; Crete | PINS - Political Affairs...`` -> ``("GR", "PINS")``."""
    if not value or value.startswith("--"):
        return None
    out = []
    for part in value.split("|"):
        part = part.split(" - ", 1)[0].strip()
        if part:
            out.append(part)
    return tuple(out) or None


def read_stream(fh: BinaryIO, *, path: str, sha256: str = "", prefix: str = "") -> Iterator[Record]:
    """Read the one telegram of a PlusD page from an open binary file."""
    locator = locate(prefix, "page")
    data = read_all(fh)
    if not data.strip():
        yield reject(path, locator, f"empty file: {path} has no page content", NAME, sha256)
        return
    text, encoding = decode_bytes(data)
    parser = _PlusdParser()
    parser.feed(text)
    parser.close()
    ref = parser.pairs.get("Canonical ID")
    if not ref or parser.body is None:
        missing = "Canonical ID in <table id='synopsis'>" if not ref else "<div id='tagged-text'>"
        yield reject(
            path,
            locator,
            f"no cable on page: {path} lacks {missing}; expected a PlusD cable page",
            NAME,
            sha256,
            "ref" if not ref else "body",
        )
        return
    date_raw = (parser.pairs.get("Date") or "").split("(")[0].strip()
    date = parse_timestamp(date_raw, _TIME_FORMATS)
    classification = parser.pairs.get("Original Classification")
    if classification and classification.startswith("--"):
        classification = None
    meta = {
        "ref": ref,
        "date": date,
        "classification": classification,
        "tags": _tags(parser.pairs.get("TAGS")),
        "subject": parser.title_row,
        "header": (parser.header or "").strip("\n"),
    }
    source = Source(path, locate(prefix, ref), sha256, NAME)
    yield parse_with_header(parser.body.strip("\n"), source, meta, encoding=encoding)
