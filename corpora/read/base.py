"""Helpers shared by the format readers: decoding, dates, building records.

Every reader module exposes ``NAME``, ``sniff(head, path)``, ``read(path, *, sha256)`` and
``read_stream(fh, *, path, sha256, prefix="")``; ``read_stream`` takes an open binary file
(a real file or an archive member) so archives are read without extracting anything.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from corpora.cable import Cable, CableParseError, Reject, Source

__all__ = [
    "Record",
    "decode_bytes",
    "locate",
    "parse_with_header",
    "reject",
    "to_utc",
    "with_note",
]

logger = logging.getLogger(__name__)

Record = Cable | Reject

#: Read this many bytes from the start of a file to detect its format.
HEAD_BYTES = 65536


def locate(prefix: str, locator: str) -> str:
    """Join an archive member prefix (``"member a.txt"``) and a record locator."""
    return f"{prefix} {locator}".strip() if prefix else locator


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode cable bytes: UTF-8 first, then cp1252, then Latin-1 (which never fails).

    Raw Cablegate text files are Latin-1 with ``¶`` as the single byte 0xB6, which is not
    valid UTF-8; cp1252 is tried before Latin-1 because Windows-converted files use its
    curly quotes in 0x80-0x9F. CRLF and lone CR line ends become LF.

    Returns
    -------
    text : str
    encoding : str
        ``"utf-8"``, ``"cp1252"`` or ``"latin-1"``.
    """
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def to_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_timestamp(text: str | None, formats: tuple[str, ...]) -> datetime | None:
    """Parse ``text`` with the first matching ``strptime`` format, as UTC; None if none match."""
    if not text:
        return None
    text = text.strip()
    for fmt in formats:
        try:
            return to_utc(datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def reject(path: str, locator: str, reason: str, fmt: str, sha256: str, field: str | None = None):
    """Build a `Reject` whose reason names the file and record."""
    return Reject(Source(path, locator, sha256, fmt), reason, field)


def with_note(cable: Cable, note: str) -> Cable:
    """Return ``cable`` with ``note`` appended to its notes."""
    return dataclasses.replace(cable, notes=(*cable.notes, note))


def parse_with_header(
    text: str,
    source: Source,
    meta: dict | None = None,
    *,
    encoding: str = "utf-8",
) -> Record:
    """Run `corpora.header.parse_cable` and turn a `CableParseError` into a `Reject`.

    Empty ``meta`` values are dropped, so the container only overrides what it has.
    """
    from corpora.header import parse_cable  # imported late: header.py is a sibling module

    meta = {k: v for k, v in (meta or {}).items() if v not in (None, "", ())}
    if not text.strip() and not meta.get("header"):
        return Reject(
            source,
            f"empty record: {source} holds no cable text; expected the cable header and body",
            "body",
        )
    try:
        cable = parse_cable(text, source=source, meta=meta)
    except CableParseError as exc:
        reason = getattr(exc, "reason", str(exc))
        return Reject(source, f"cable not parsed: {reason} (at {source})", exc.field or None)
    if encoding != "utf-8":
        cable = with_note(cable, f"bytes are not UTF-8: decoded as {encoding}")
    return cable


def read_path(
    path: str,
    sha256: str,
    read_stream: Callable[..., Iterator[Record]],
) -> Iterator[Record]:
    """Open ``path`` in binary mode and run a module's ``read_stream`` on it."""
    with open(path, "rb") as fh:
        yield from read_stream(fh, path=path, sha256=sha256)


def read_all(fh: BinaryIO, limit: int = 256 * 1024 * 1024) -> bytes:
    """Read a single-document file (one page, one cable); refuse absurd sizes."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"file larger than {limit} bytes: not a single cable page")
    return data


#: Reference ids in Cablegate form: 2-digit year, post, serial (``09TOKYO1346``).
REF_RE = re.compile(r"^\d{2}[A-Z][A-Z0-9]*\d+$")
