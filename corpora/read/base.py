"""Helpers shared by the format readers: decoding, dates, building records.

Every reader module exposes ``NAME``, ``sniff(head, path)``, ``read(path, *, sha256)`` and
``read_stream(fh, *, path, sha256, prefix="")``; ``read_stream`` takes an open binary file
(a real file or an archive member) so archives are read without extracting anything.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from corpora.cable import Cable, CableParseError, Reject, Source
from corpora.limits import (
    MAX_PAGE_BYTES,
    MAX_RECORD_BYTES,
    MAX_TAG_CHARS,
    MAX_TAGS,
    LimitExceeded,
)

__all__ = [
    "Record",
    "decode_bytes",
    "NotRegularFile",
    "locate",
    "open_regular",
    "parse_with_header",
    "read_line",
    "synthetic_ref",
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
    """Naive datetimes are taken as UTC; aware ones are converted to UTC.

    Raises
    ------
    ValueError
        When the UTC time falls outside the years 1-9999 (``9999-12-31T23:00-05:00``);
        Python's ``OverflowError`` is turned into a ``ValueError`` every reader handles.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"date {value.isoformat()} is outside years 1-9999 in UTC") from exc


class NotRegularFile(OSError):
    """A path that is not a regular file (FIFO, device, socket, folder): never read."""


def file_kind(mode: int) -> str:
    """A file type in words, from ``st_mode``."""
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character "
                       "device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for binary reading only if it is a regular file.

    The file is opened non-blocking and checked with ``fstat`` on the open descriptor, so a
    FIFO never blocks and a device (``/dev/zero`` behind a symlink) is never read, even when
    the path was swapped after it was listed.

    Raises
    ------
    NotRegularFile
        When ``path`` is a FIFO, device, socket or folder.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"{path} is {file_kind(mode)}, not a regular file; skipped")
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_line(fh: BinaryIO, limit: int) -> tuple[bytes, bool]:
    """The next line of ``fh`` (with its newline), reading at most ``limit`` bytes of it.

    Returns
    -------
    line : bytes
        The line, cut to ``limit`` bytes when longer (``b""`` at the end of the file).
    too_long : bool
        True when the line was longer than ``limit``; the rest of it was read and dropped
        in 1 MiB blocks, so memory stays bounded whatever the line's length.
    """
    line = fh.readline(limit + 1)
    if len(line) <= limit:
        return line, False
    rest = line[limit:]
    while rest and not rest.endswith(b"\n"):
        rest = fh.readline(1 << 20)
    return line[:limit], True


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


def synthetic_ref(source: Source) -> str:
    """A stable reference id for a cable whose own could not be read.

    ``NOREF-`` and 16 hex digits of the sha256 of the file's content hash and the record's
    locator: the same file gives the same ids wherever it lies, and two records never share
    one. It cannot collide with a real ref (those start with two digits, FRUS ids with
    ``frus``).
    """
    digest = hashlib.sha256(f"{source.sha256}\0{source.locator}".encode()).hexdigest()
    return f"NOREF-{digest[:16]}"


def _field_of(exc: BaseException) -> str | None:
    """The cable field a parser exception points at, when its message says."""
    text = str(exc).lower()
    for name in ("date", "released", "tags", "ref", "subject", "classification", "origin"):
        if name in text:
            return name
    return None


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
    size = len(text) + len(meta.get("header") or "")
    if size > MAX_RECORD_BYTES:
        return Reject(
            source,
            f"record too large: {source} holds {size:,} characters, over the limit of "
            f"{MAX_RECORD_BYTES:,} (corpora.limits.MAX_RECORD_BYTES); not a single cable",
            "body",
        )
    try:
        cable = parse_cable(text, source=source, meta=meta)
    except CableParseError as exc:
        reason = getattr(exc, "reason", str(exc))
        return Reject(source, f"cable not parsed: {reason} (at {source})", exc.field or None)
    except (ValueError, OverflowError, RecursionError, TypeError, IndexError) as exc:
        # A parser bug or an out-of-range value must cost this record, never the ingest.
        return Reject(
            source,
            f"cable not parsed: {type(exc).__name__}: {exc} (at {source})",
            _field_of(exc),
        )
    return check_cable(cable, encoding)


def check_cable(cable: Cable, encoding: str = "utf-8") -> Record:
    """The limits every parsed cable must keep, and a stable ref for one without a ref.

    A cable with more than `corpora.limits.MAX_TAGS` TAGS or a TAGS value longer than
    `corpora.limits.MAX_TAG_CHARS` becomes a `Reject` naming the field ``tags``. A cable
    with no ref gets `synthetic_ref` and a note saying so.
    """
    source = cable.source
    tags = cable.tags or ()
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in tags):
        longest = max((len(t) for t in tags), default=0)
        return Reject(
            source,
            f"tags over the limit: {source} has {len(tags):,} TAGS values (limit {MAX_TAGS}), "
            f"the longest {longest:,} characters (limit {MAX_TAG_CHARS}); "
            "see corpora.limits",
            "tags",
        )
    if not cable.ref:
        ref = synthetic_ref(source)
        cable = dataclasses.replace(
            cable,
            ref=ref,
            notes=(*cable.notes, f"no reference id could be read: synthetic ref {ref} "
                   "(from the file's sha256 and the record's locator)"),
        )
    if encoding != "utf-8":
        cable = with_note(cable, f"bytes are not UTF-8: decoded as {encoding}")
    return cable


def read_path(
    path: str,
    sha256: str,
    read_stream: Callable[..., Iterator[Record]],
) -> Iterator[Record]:
    """Open ``path`` (a regular file only) and run a module's ``read_stream`` on it."""
    with open_regular(path) as fh:
        yield from read_stream(fh, path=path, sha256=sha256)


def read_all(fh: BinaryIO, limit: int = MAX_PAGE_BYTES) -> bytes:
    """Read a single-document file (one page, one cable); refuse absurd sizes.

    Raises
    ------
    LimitExceeded
        When the file holds more than ``limit`` bytes (`corpora.limits.MAX_PAGE_BYTES`).
    """
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise LimitExceeded(
            f"file larger than {limit:,} bytes (corpora.limits.MAX_PAGE_BYTES): not a single "
            "cable page"
        )
    return data


#: Reference ids in Cablegate form: 2-digit year, post, serial (``09TOKYO1346``).
REF_RE = re.compile(r"^\d{2}[A-Z][A-Z0-9]*\d+$")
