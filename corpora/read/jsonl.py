"""JSON Lines: one cable object per line (the ``mongoexport`` dump of Cablegate).

Keys read (first present wins): ref from ``reference_id``/``_id``/``ref``; date from
``date_time``/``date``/``created`` (``YYYY-MM-DD HH:MM``, UTC); ``origin``,
``classification``, ``subject``, ``released``, ``header``; text from ``body``/``text``.
In the real dump every newline was deleted from header and body, so fields are glued
(``...000348SipdisE.o. 12958...``); the header parser recovers them by pattern and notes
that paragraphs could not be split. Each line is decoded on its own: a line that is not
UTF-8 or not a JSON object, nests deeper than JSON allows, has an out-of-range date or is
longer than `corpora.limits.MAX_RECORD_BYTES` (read in bounded blocks, never whole) is a
`Reject` naming the line and field, and reading goes on.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import BinaryIO

from corpora.cable import Source
from corpora.limits import MAX_RECORD_BYTES
from corpora.read.base import (
    Record,
    locate,
    parse_timestamp,
    parse_with_header,
    read_line,
    read_path,
    reject,
)

__all__ = ["NAME", "read", "read_stream", "sniff"]

logger = logging.getLogger(__name__)

NAME = "jsonl"
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d",
)
_ALIASES = {
    "ref": ("reference_id", "_id", "ref", "refid"),
    "date": ("date_time", "date", "created"),
    "body": ("body", "text"),
}
_SNIFF = re.compile(rb'^\s*\{\s*"[^"]+"\s*:')


def sniff(head: bytes, path: str) -> bool:
    """True when the file starts with a JSON object on its first line."""
    return bool(_SNIFF.match(head.removeprefix(b"\xef\xbb\xbf")))


def read(path: str, *, sha256: str = "") -> Iterator[Record]:
    """Yield one `Cable` or `Reject` per line of the JSON Lines file ``path``."""
    yield from read_path(path, sha256, read_stream)


def _first(obj: dict, key: str):
    for alias in _ALIASES.get(key, (key,)):
        value = obj.get(alias)
        if value not in (None, ""):
            return value
    return None


def read_stream(fh: BinaryIO, *, path: str, sha256: str = "", prefix: str = "") -> Iterator[Record]:
    """Read one record per non-blank line of an open binary file."""
    n_records = 0
    lineno = 0
    while True:
        raw, too_long = read_line(fh, MAX_RECORD_BYTES)
        if not raw:
            break
        lineno += 1
        if not raw.strip():
            continue
        n_records += 1
        locator = locate(prefix, f"line {lineno}")
        if too_long:
            yield reject(
                path,
                locator,
                f"record too large: {path} line {lineno} is over {MAX_RECORD_BYTES:,} bytes "
                "(corpora.limits.MAX_RECORD_BYTES); not a single cable",
                NAME,
                sha256,
                "body",
            )
            continue
        try:
            yield _line_record(raw, lineno, locator, path, sha256)
        except (ValueError, TypeError, OverflowError, RecursionError, AttributeError) as exc:
            yield reject(
                path,
                locator,
                f"record not read: {path} line {lineno}: {type(exc).__name__}: {exc}",
                NAME,
                sha256,
            )
    if n_records == 0:
        yield reject(
            path,
            locate(prefix, "line 1"),
            f"empty file: {path} has no JSON lines; expected one cable object per line",
            NAME,
            sha256,
        )


def _line_record(raw: bytes, lineno: int, locator: str, path: str, sha256: str) -> Record:
    try:
        line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return reject(
            path,
            locator,
            f"bytes are not UTF-8: {path} line {lineno} (byte {exc.start}); JSON Lines must "
            "be UTF-8, re-encode the file",
            NAME,
            sha256,
        )
    try:
        obj = json.loads(line)
    except RecursionError:
        return reject(path, locator, f"malformed JSON: {path} line {lineno} nests too deep",
                      NAME, sha256)
    except json.JSONDecodeError as exc:
        return reject(
            path,
            locator,
            f"malformed JSON: {path} line {lineno}: {exc.msg} at column {exc.colno} "
            "(line truncated?); expected one complete JSON object per line",
            NAME,
            sha256,
        )
    if not isinstance(obj, dict):
        return reject(
            path,
            locator,
            f"not a JSON object: {path} line {lineno} holds a {type(obj).__name__}; expected "
            "an object with reference_id, date_time, origin, classification, header, body",
            NAME,
            sha256,
        )
    body = _first(obj, "body")
    if not isinstance(body, str) or not body.strip():
        return reject(
            path,
            locator,
            f"missing field: {path} line {lineno} has no 'body' text; expected a string",
            NAME,
            sha256,
            "body",
        )
    date_raw = _first(obj, "date")
    date = parse_timestamp(str(date_raw), _TIME_FORMATS) if date_raw is not None else None
    if date_raw is not None and date is None:
        return reject(
            path,
            locator,
            f"bad date: {path} line {lineno} has date {date_raw!r}; expected YYYY-MM-DD HH:MM",
            NAME,
            sha256,
            "date",
        )
    released_raw = obj.get("released")
    meta = {
        "ref": str(_first(obj, "ref") or "").strip(),
        "date": date,
        "released": parse_timestamp(str(released_raw), _TIME_FORMATS) if released_raw else None,
        "origin": str(obj.get("origin") or "").strip(),
        "classification": str(obj.get("classification") or "").strip(),
        "subject": str(obj.get("subject") or "").strip(),
        "header": str(obj.get("header") or "").replace("\r\n", "\n"),
    }
    return parse_with_header(body.replace("\r\n", "\n"), Source(path, locator, sha256, NAME), meta)
