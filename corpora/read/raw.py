"""Raw cable text: routing header + body as transmitted, one or many cables per file.

Real raw files (``cablegate-rawtext``) are Latin-1 with ``¶`` as byte 0xB6, CRLF line ends
and a leading blank line. A file may hold several cables; a new cable starts at

* a ``VZCZC`` line (start of a message) once the current cable has text,
* the line after ``NNNN`` (end of message), or
* a form feed,

and leading blank lines before a cable are skipped. Each cable's bytes are decoded on their
own (UTF-8, else cp1252, else Latin-1), so memory holds one cable at a time. Lines are read
at most `corpora.limits.MAX_LINE_BYTES` at a time: a cable with a longer line, or one
longer than `corpora.limits.MAX_RECORD_BYTES`, becomes a `Reject` and the file's next
cable is read as usual.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import BinaryIO

from corpora.cable import Source
from corpora.limits import MAX_LINE_BYTES, MAX_RECORD_BYTES
from corpora.read.base import (
    Record,
    decode_bytes,
    locate,
    parse_with_header,
    read_line,
    read_path,
    reject,
)

__all__ = ["NAME", "read", "read_stream", "sniff"]

logger = logging.getLogger(__name__)

NAME = "raw"
_WHOLE_MAX = 1 << 20  # files up to this size are read whole (most hold one cable)

# [ \t]* and not \s*: \s would also eat the newlines of a run of blank lines and try again
# from each of them (quadratic in the run's length: 16 KB of blank lines took 12 s).
_CABLE_HINT = re.compile(
    rb"(^|\n)[ \t\r\f\v]*(VZCZC|FM |TO |[OPRZ]{1,2} \d{6}Z|(UNCLAS|CONFIDENTIAL|SECRET|"
    rb"C O N F I D E N T I A L|S E C R E T|LIMITED OFFICIAL USE)\b|E\.O\. |TAGS|SUBJECT:)"
)


def sniff(head: bytes, path: str) -> bool:
    """True for plain text that looks like a cable (routing, DTG, classification lines)."""
    if b"\x00" in head[:4096]:
        return False
    # leading blank lines (real files start with one; some with pages of them) are skipped
    return bool(_CABLE_HINT.search(head.lstrip(b" \t\r\n\f\v")[:16384]))


def read(path: str, *, sha256: str = "") -> Iterator[Record]:
    """Yield one `Cable` or `Reject` per cable in the raw text file ``path``."""
    yield from read_path(path, sha256, read_stream)


def _is_vzczc(line: bytes) -> bool:
    return line.lstrip().startswith(b"VZCZC")


def read_stream(fh: BinaryIO, *, path: str, sha256: str = "", prefix: str = "") -> Iterator[Record]:
    """Read cables from an open binary file; see the module docstring for splitting rules."""
    head = fh.read(_WHOLE_MAX + 1)
    if len(head) <= _WHOLE_MAX:
        one = _single_cable(head)
        if one is not None:  # the usual file: one cable (or none), read whole
            start_line, offset = one
            if offset < 0:
                yield _empty(path, sha256, prefix)
                return
            text, encoding = decode_bytes(head[offset:])
            source = Source(path, locate(prefix, f"line {start_line}"), sha256, NAME)
            yield parse_with_header(text, source, encoding=encoding)
            return
        if b"\f" not in head and len(head) <= min(MAX_LINE_BYTES, MAX_RECORD_BYTES):
            # a whole file with no form feed, too short for a line or cable over the limits:
            # its cables are found with str-level scans, not line by line (same cables)
            n_found = 0
            for start_line, a, b in _split_whole(head):
                n_found += 1
                text, encoding = decode_bytes(head[a:b])
                source = Source(path, locate(prefix, f"line {start_line}"), sha256, NAME)
                yield parse_with_header(text, source, encoding=encoding)
            if n_found == 0:
                yield _empty(path, sha256, prefix)
            return
    chunk: list[bytes] = []
    size = 0
    too_big: str | None = None  # why the current cable is refused (its text is dropped)
    start_line = 0
    n_found = 0
    has_text = False

    def flush() -> Iterator[Record]:
        nonlocal n_found
        if not has_text:
            return
        n_found += 1
        locator = locate(prefix, f"line {start_line}")
        if too_big is not None:
            yield reject(path, locator, f"{too_big} in {path} (cable at {locator}); not read, "
                         "the file's other cables are", NAME, sha256, "body")
            return
        text, encoding = decode_bytes(b"".join(chunk))
        source = Source(path, locator, sha256, NAME)
        yield parse_with_header(text, source, encoding=encoding)

    for lineno, (line, long_line) in enumerate(_lines(head, fh), start=1):
        pieces = line.split(b"\f")
        for i, piece in enumerate(pieces):
            if i > 0 or (has_text and _is_vzczc(piece)):
                yield from flush()
                chunk, has_text, size, too_big = [], False, 0, None
            if not has_text:
                if not piece.strip() and not long_line:
                    continue  # blank lines before a cable belong to no cable
                start_line = lineno
                has_text = True
            if long_line and too_big is None:
                too_big = (f"line too long: line {lineno} is over {MAX_LINE_BYTES:,} bytes "
                           "(corpora.limits.MAX_LINE_BYTES)")
            size += len(piece)
            if size > MAX_RECORD_BYTES and too_big is None:
                too_big = (f"record too large: over {MAX_RECORD_BYTES:,} bytes "
                           "(corpora.limits.MAX_RECORD_BYTES)")
            if too_big is None:
                chunk.append(piece)
            else:
                chunk = []
            if piece.strip() in (b"NNNN", b"NNN") and has_text:
                yield from flush()
                chunk, has_text, size, too_big = [], False, 0, None
    yield from flush()
    if n_found == 0:
        yield _empty(path, sha256, prefix)


def _empty(path: str, sha256: str, prefix: str) -> Record:
    return reject(
        path,
        locate(prefix, "line 1"),
        f"empty file: {path} holds no cable text; expected one or more raw cables",
        NAME,
        sha256,
    )


def _lines(head: bytes, fh: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """``(line, too_long)`` for the lines of ``head`` and then of the rest of ``fh``; a line
    is cut to `MAX_LINE_BYTES` (``too_long`` True) and its rest is skipped unread."""
    for line in io.BytesIO(head):
        too_long = len(line) > MAX_LINE_BYTES
        if not line.endswith(b"\n"):
            rest, too_long = read_line(fh, max(0, MAX_LINE_BYTES - len(line)))
            line += rest
            if too_long:  # what is left of this line in ``head`` is none (it was the last)
                yield line[:MAX_LINE_BYTES], True
                continue
        yield (line[:MAX_LINE_BYTES], True) if too_long else (line, False)
    while True:
        line, too_long = read_line(fh, MAX_LINE_BYTES)
        if not line:
            return
        yield line, too_long


_BLANKS = b" \t\r\x0b\x0c"  # what bytes.strip removes, less the newline


def _marked_lines(data: bytes) -> list[tuple[int, int, bool]]:
    """``(start, end, is_vzczc)`` of each line of ``data`` that opens with ``VZCZC``
    (leading blanks aside) or holds only ``NNN``/``NNNN`` (and blanks), in order; ``end``
    is past the line's newline. Found with `bytes.find`, not line by line."""
    out: list[tuple[int, int, bool]] = []
    for word, vz in ((b"VZCZC", True), (b"NNN", False)):
        i = data.find(word)
        while i >= 0:
            start = data.rfind(b"\n", 0, i) + 1
            end = data.find(b"\n", i)
            end = len(data) if end < 0 else end + 1
            if vz:
                if not data[start:i].strip(_BLANKS):
                    out.append((start, end, True))
            elif data[start:end].strip() in (b"NNNN", b"NNN"):
                out.append((start, end, False))
            i = data.find(word, end)
    out.sort()
    return out


def _split_whole(data: bytes) -> Iterator[tuple[int, int, int]]:
    """``(start line, start, end)`` of each cable in ``data``, a whole file with no form
    feed: the cables (and line numbers) `read_stream`'s line-by-line rules find in it."""
    pos = 0  # the first line not yet in a cable
    lineno, counted = 1, 0  # line number of offset ``counted``

    def first_text(a: int, b: int) -> int:
        """Offset of the first line with text in ``data[a:b]`` (lines), or -1."""
        seg = data[a:b]
        rest = seg.lstrip()
        if not rest:
            return -1
        return data.rfind(b"\n", 0, a + len(seg) - len(rest)) + 1

    for start, end, vz in _marked_lines(data):
        if start < pos:
            continue
        cut = start if vz else end  # a VZCZC line opens the next cable; NNNN ends this one
        if vz:
            a = first_text(pos, start)
            if a < 0:  # no text before it: the VZCZC line opens the cable
                continue
        else:
            a = first_text(pos, end)
        lineno += data.count(b"\n", counted, a)
        counted = a
        yield lineno, a, cut
        pos = cut
    a = first_text(pos, len(data))
    if a >= 0:
        lineno += data.count(b"\n", counted, a)
        yield lineno, a, len(data)


def _single_cable(data: bytes) -> tuple[int, int] | None:
    """``(start line, byte offset)`` of the one cable in ``data`` (a whole file), ``(0, -1)``
    when it holds only blank lines, or None when the splitting rules may find more than one
    cable (a form feed, an ``NNN`` end, or a ``VZCZC`` after the first line with text)."""
    if b"\f" in data or b"NNN" in data:
        return None
    offset = 0
    lineno = 1
    n = len(data)
    while offset < n:
        end = data.find(b"\n", offset)
        end = n if end < 0 else end + 1
        if data[offset:end].strip():
            break
        offset = end
        lineno += 1
    else:
        return (0, -1) if b"VZCZC" not in data else None
    if data.find(b"VZCZC", end) >= 0:
        return None
    return lineno, offset
