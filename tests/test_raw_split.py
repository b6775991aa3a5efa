"""The whole-file cable splitter of the raw reader (`raw._split_whole`) against the
line-by-line rules of `raw.read_stream`, on generated files."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpora.read import raw

# Lines that decide where cables start and end, and lines around them.
_LINES = st.sampled_from([
    b"VZCZCXRO1", b"  VZCZC2", b"\tVZCZC", b"\x0bVZCZC9", b"a VZCZC", b"NNNN", b" NNN \r",
    b"NNNNN", b"NNN x", b"xNNN", b"", b" ", b"\r", b"\t \x0b", b"UNCLAS TOKYO 000001",
    b"1. Text.", b"\xb6 pilcrow",
])


def _records(data: bytes, whole: bool) -> list[tuple[str, str, str]]:
    """``(locator, text, encoding)`` of each record `read_stream` yields for ``data``, read
    whole (`raw._split_whole`) or line by line."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(raw, "parse_with_header",
                   lambda text, source, encoding: (source.locator, text, encoding))
        mp.setattr(raw, "_WHOLE_MAX", 1 << 20 if whole else 4)
        return [r if isinstance(r, tuple) else ("reject", r.reason, "")
                for r in raw.read_stream(io.BytesIO(data), path="x.txt")]


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_LINES, max_size=30), ends=st.sampled_from([b"\n", b"\r\n"]),
       last=st.booleans())
def test_split_whole_finds_the_line_splitters_cables(lines, ends, last):
    data = ends.join(lines) + (ends if last else b"")
    assert _records(data, True) == _records(data, False)


def test_split_whole_offsets_and_line_numbers():
    data = b"\n\nVZCZC1\nA\nVZCZC2\nB\nNNNN\n\n \nC\nNNN"
    cables = list(raw._split_whole(data))
    assert [(n, data[a:b]) for n, a, b in cables] == [
        (3, b"VZCZC1\nA\n"), (5, b"VZCZC2\nB\nNNNN\n"), (10, b"C\nNNN")
    ]
    assert list(raw._split_whole(b" \n\n")) == []
