"""The leaked Cablegate ``cables.csv``: 8 columns, no header row, MySQL-style escapes.

Columns: row number, created (``M/D/YYYY H:MM``, UTC), reference id, origin,
classification, references (``|``-separated), header (routing lines), body. Quotes and
apostrophes inside fields are escaped with a backslash (``\\"``, ``\\'``), not doubled,
so the reader uses ``escapechar='\\\\'`` and ``doublequote=False``. Fields hold raw newlines.
The file is streamed row by row; a row with the wrong column count or bytes that are not
UTF-8 becomes a `Reject` and reading goes on. A last row cut short (the file ends inside a
quoted field: a truncated download) is a `Reject`, not half a cable. A line or field
longer than `corpora.limits.MAX_RECORD_BYTES` stops the file with a `Reject` (memory stays
bounded); the rows before it are kept.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import sys
from collections.abc import Iterator
from typing import BinaryIO

from corpora.cable import Source
from corpora.limits import MAX_RECORD_BYTES
from corpora.read.base import Record, locate, parse_timestamp, parse_with_header, read_path, reject

__all__ = ["NAME", "read", "read_stream", "sniff"]

logger = logging.getLogger(__name__)

NAME = "cablegate-csv"
N_COLUMNS = 8
COLUMNS = ("row", "date", "ref", "origin", "classification", "references", "header", "body")
_DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
_SNIFF = re.compile(rb'^\s*"\d+","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}","')
_SURROGATE = re.compile("[\udc80-\udcff]")


def sniff(head: bytes, path: str) -> bool:
    """True when the first row starts ``"<n>","<M/D/YYYY H:MM>","``."""
    return bool(_SNIFF.match(head.removeprefix(b"\xef\xbb\xbf")))


def read(path: str, *, sha256: str = "") -> Iterator[Record]:
    """Yield one `Cable` or `Reject` per row of the Cablegate CSV file ``path``."""
    yield from read_path(path, sha256, read_stream)


def read_stream(fh: BinaryIO, *, path: str, sha256: str = "", prefix: str = "") -> Iterator[Record]:
    """Read rows from an open binary file (streaming)."""
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=",", quotechar='"', escapechar="\\", doublequote=False)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, MAX_RECORD_BYTES))  # long cables exceed 128 KiB
    n_rows = 0
    row_no = 0
    pending: tuple | None = None  # the last row read: yielded once the next one is read
    try:
        while True:
            first_line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, ValueError) as exc:
                if pending is not None:
                    yield _row_record(*pending)
                    pending = None
                yield reject(
                    path,
                    locate(prefix, f"row {row_no + 1} (line {first_line})"),
                    f"malformed CSV: {exc} in {path} at line {reader.line_num}; expected "
                    f"{N_COLUMNS} double-quoted fields with backslash escapes (file truncated?)",
                    NAME,
                    sha256,
                )
                break
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            row_no += 1
            n_rows += 1
            if pending is not None:
                yield _row_record(*pending)
            pending = (row, row_no, first_line, path, sha256, prefix)
        if pending is not None:
            if lines.ends_in_quote():
                row_no, first_line = pending[1], pending[2]
                yield reject(
                    path,
                    locate(prefix, f"row {row_no} (line {first_line})"),
                    f"truncated CSV: {path} ends inside a quoted field of row {row_no} (line "
                    f"{first_line}); the row is incomplete and was not kept (file cut short?)",
                    NAME,
                    sha256,
                    COLUMNS[min(len(pending[0]), N_COLUMNS) - 1],
                )
            else:
                yield _row_record(*pending)
    finally:
        csv.field_size_limit(old_limit)
        text.detach()
    if n_rows == 0:
        yield reject(
            path,
            locate(prefix, "row 1"),
            f"empty file: {path} has no CSV rows; expected {N_COLUMNS}-column Cablegate rows",
            NAME,
            sha256,
        )


class _Lines:
    """The lines of a text stream, each read with a bounded ``readline`` (a line over
    `MAX_RECORD_BYTES` raises ``ValueError``), remembering the file's last line."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._text = text
        self.last = ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._text.readline(MAX_RECORD_BYTES + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_RECORD_BYTES:
            raise ValueError(f"line longer than {MAX_RECORD_BYTES:,} characters "
                             "(corpora.limits.MAX_RECORD_BYTES)")
        if line.strip():
            self.last = line
        return line

    def ends_in_quote(self) -> bool:
        """True when the file ends inside a quoted field: its last line does not close one.

        Every field of a Cablegate row is quoted, so a complete file ends with ``"`` that is
        not escaped (an even number of backslashes before it) or with an unquoted NULL.
        """
        tail = self.last.rstrip()
        if tail.endswith("\\N"):
            return False
        if not tail.endswith('"'):
            return True
        n_backslashes = len(tail[:-1]) - len(tail[:-1].rstrip("\\"))
        return n_backslashes % 2 == 1


def _row_record(
    row: list[str], row_no: int, line: int, path: str, sha256: str, prefix: str
) -> Record:
    locator = locate(prefix, f"row {row_no} (line {line})")
    if len(row) != N_COLUMNS:
        return reject(
            path,
            locator,
            f"wrong column count: {path} row {row_no} has {len(row)} columns, expected "
            f"{N_COLUMNS} ({', '.join(COLUMNS)}); check quoting and backslash escapes",
            NAME,
            sha256,
        )
    for name, value in zip(COLUMNS, row, strict=True):
        if _SURROGATE.search(value):
            return reject(
                path,
                locator,
                f"bytes are not UTF-8: {path} row {row_no} field {name!r}; re-encode the "
                "file as UTF-8",
                NAME,
                sha256,
                name,
            )
    fields = dict(zip(COLUMNS, (v if v != "\\N" else "" for v in row), strict=True))
    date = parse_timestamp(fields["date"], _DATE_FORMATS)
    if fields["date"].strip() and date is None:
        return reject(
            path,
            locator,
            f"bad date: {path} row {row_no} has date {fields['date']!r}; expected M/D/YYYY H:MM",
            NAME,
            sha256,
            "date",
        )
    refs = tuple(r.strip() for r in fields["references"].split("|") if r.strip())
    meta = {
        "ref": fields["ref"].strip(),
        "date": date,
        "origin": fields["origin"].strip(),
        "classification": fields["classification"].strip(),
        "references": refs,
        "header": fields["header"].replace("\r\n", "\n"),
    }
    source = Source(path, locator, sha256, NAME)
    return parse_with_header(fields["body"].replace("\r\n", "\n"), source, meta)
