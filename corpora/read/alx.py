"""The alx/cablegate text layout: five metadata lines, then header and body glued.

::

    line 1: reference id        02ANKARA8150
    line 2: subject             UPDATE ON TURKEY'S CONTRIBUTION TO AFGHANISTAN
    line 3: date (Ruby Time)    Wed Nov 13 00:00:00 +0100 2002
    line 4: classification      UNCLASSIFIED
    line 5: origin              Embassy Ankara
    line 6+: header <pre> + body <pre> text, concatenated without a separator

The date's time and offset are an artefact of the converter's time zone (the source value
was a date at midnight UTC), so the wall-clock value is kept as UTC and the offset
ignored: converting it would move the cable to the previous day.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from corpora.cable import Source
from corpora.read.base import (
    REF_RE,
    Record,
    decode_bytes,
    locate,
    parse_with_header,
    read_all,
    read_path,
    reject,
)

__all__ = ["NAME", "read", "read_stream", "sniff"]

logger = logging.getLogger(__name__)

NAME = "alx"
_RUBY_TIME = re.compile(
    r"^[A-Z][a-z]{2} (?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<time>\d{2}:\d{2}:\d{2}) "
    r"[+-]\d{4} (?P<year>\d{4})$"
)


def sniff(head: bytes, path: str) -> bool:
    """True when line 1 is a reference id and line 3 a Ruby ``Time#to_s`` date."""
    text, _ = decode_bytes(head[:4096])
    lines = text.split("\n")
    return (
        len(lines) >= 5
        and bool(REF_RE.match(lines[0].strip()))
        and bool(_RUBY_TIME.match(lines[2].strip()))
    )


def read(path: str, *, sha256: str = "") -> Iterator[Record]:
    """Yield the cable (or a `Reject`) of the alx-layout file ``path``."""
    yield from read_path(path, sha256, read_stream)


def read_stream(fh: BinaryIO, *, path: str, sha256: str = "", prefix: str = "") -> Iterator[Record]:
    """Read the one cable of an alx-layout file from an open binary file."""
    locator = locate(prefix, "line 1")
    data = read_all(fh)
    if not data.strip():
        yield reject(path, locator, f"empty file: {path} has no cable text", NAME, sha256)
        return
    text, encoding = decode_bytes(data)
    lines = text.split("\n")
    if len(lines) < 6:
        yield reject(
            path,
            locator,
            f"truncated file: {path} has {len(lines)} lines; expected 5 metadata lines "
            "(ref, subject, date, classification, origin) and the cable text",
            NAME,
            sha256,
            "body",
        )
        return
    ref, subject, date_raw, classification, origin = (s.strip() for s in lines[:5])
    m = _RUBY_TIME.match(date_raw)
    if not m:
        yield reject(
            path,
            locate(prefix, "line 3"),
            f"bad date: {path} line 3 is {date_raw!r}; expected Ruby Time like "
            "'Wed Nov 13 00:00:00 +0100 2002'",
            NAME,
            sha256,
            "date",
        )
        return
    try:
        date = datetime.strptime(
            f"{m['year']} {m['mon']} {m['day']} {m['time']}", "%Y %b %d %H:%M:%S"
        ).replace(tzinfo=UTC)
    except ValueError as exc:  # a day or time that does not exist (Feb 31, 25:00)
        yield reject(path, locate(prefix, "line 3"), f"bad date: {path} line 3 is "
                     f"{date_raw!r} ({exc})", NAME, sha256, "date")
        return
    meta = {
        "ref": ref,
        "subject": subject,
        "date": date,
        "classification": classification,
        "origin": origin,
    }
    source = Source(path, locate(prefix, ref or "line 1"), sha256, NAME)
    yield parse_with_header("\n".join(lines[5:]), source, meta, encoding=encoding)
