"""The Cablegate page reader parses from the cable table on when the navigation pane before
it cannot change what is collected: the same cells and ``<pre>`` blocks as a whole-page
parse, on real pages and on pages built to trip the shortcut."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpora.read.base import decode_bytes
from corpora.read.cablegate_html import _PageParser, _parse_page, _table_start

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEV_ZIP = SHARED / "cablegate-dev" / "cables-4000.zip"

TABLE = ("<table class='cable'><tr><th>Reference ID</th></tr><tr><td>09TOKYO1</td>"
         "<td>2009-01-02 03:04</td><td>2011-08-30 01:44</td><td>CONFIDENTIAL</td>"
         "<td>Embassy Tokyo</td></tr></table>"
         "<pre>VZCZC&#x000A;R 020304Z JAN 09</pre><pre>C O N F I D E N T I A L&#x000A;"
         "SUBJECT: TEST&#x000A;&#x000A;1. (C) Body &amp; text.</pre>")
PROLOG = ("<?xml version='1.0' encoding='utf-8' ?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD\">\n"
          "<html><head><title>Cable Viewer</title></head><body>")

# Pieces of a navigation pane, harmless and not: open tags, quotes holding markup, blocks
# the parser collects, comments, a fake cable table inside an attribute value.
PIECES = [
    "<div class='pane'>", "</div>", "<a href='/cable/2009/01/09TOKYO1.html'>", "</a>",
    "text ", "&amp; ", "<br/>", "<a title=\"<table class='cable'>\">", "<a t=\"'\" v='",
    "x > y ", "<", ">", "'", '"', "<pre>p</pre>", "<pre>", "<!-- note -->", "<!--",
    "<script>var t = \"<pre>\";</script>", "<style>p {}</style>", "<title>T</title>",
    "<title>", "<td>cell</td>", "<table>", "</table>", "<b>", "<a b=x'y>", "<?pi ?>",
    "<textarea>", "<table class='cable'>", "\n",
]


def _whole(text: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return parser


def _same(text: str) -> None:
    a, b = _whole(text), _parse_page(text)
    assert a.cells[:5] == b.cells[:5]
    assert a.pres[:2] == b.pres[:2]
    assert (len(a.cells) >= 5, len(a.pres) >= 2) == (len(b.cells) >= 5, len(b.pres) >= 2)


def test_a_plain_pane_is_skipped_and_the_page_reads_the_same():
    pane = "<div class='pane'>" + "<a href='/cable/x.html'>x</a> " * 500 + "</div>"
    page = PROLOG + pane + TABLE + "</body></html>"
    assert _table_start(page) == page.index("<table class='cable'>")
    _same(page)
    assert _parse_page(page).cells[:5] == ["09TOKYO1", "2009-01-02 03:04", "2011-08-30 01:44",
                                           "CONFIDENTIAL", "Embassy Tokyo"]


@pytest.mark.parametrize("piece", [p for p in PIECES if p not in ("text ", "\n", "&amp; ")])
def test_what_could_change_the_parse_is_parsed_whole_or_reads_the_same(piece):
    page = PROLOG + "<div>" + piece + "</div>" + TABLE
    _same(page)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_any_pane_reads_as_the_whole_page_does(pieces):
    _same(PROLOG + "".join(pieces) + TABLE + "<div>after</div>")


@pytest.mark.skipif(not DEV_ZIP.is_file(), reason="../shared/data/cablegate-dev is absent")
def test_real_pages_take_the_shortcut_and_read_the_same():
    with zipfile.ZipFile(DEV_ZIP) as zf:
        names = sorted(n for n in zf.namelist() if n.endswith(".html"))[::40]
        for name in names:
            text, _ = decode_bytes(zf.read(name))
            assert _table_start(text) > 0, name
            _same(text)
