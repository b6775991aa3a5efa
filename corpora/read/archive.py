"""Archives: ``.zip`` (members in name order) and ``.gz`` (one compressed file).

Members are read as streams and handed to the format reader of their content; nothing is
ever extracted or written. A member whose name is absolute or climbs out of the archive
(``../../x``) is a `Reject` with the reason, and the other members are still read.
Nested archives are refused (a `Reject`), so a small file cannot expand without bound.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Iterator

from corpora.read.base import HEAD_BYTES, Record, reject
from corpora.read.detect import ARCHIVE, READERS, detect_format

__all__ = ["NAME", "read", "sniff", "unsafe_member"]

logger = logging.getLogger(__name__)

NAME = ARCHIVE
_DRIVE = re.compile(r"^[A-Za-z]:")


def sniff(head: bytes, path: str) -> bool:
    """True for zip or gzip magic bytes."""
    return head.startswith((b"PK\x03\x04", b"\x1f\x8b"))


def unsafe_member(name: str) -> str | None:
    """Why a member name is unsafe (absolute, drive letter, ``..``), or None if it is safe."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "absolute path"
    if ".." in parts:
        return "path climbs out of the archive ('..')"
    if "\x00" in name:
        return "NUL byte in name"
    return None


def read(path: str, *, sha256: str = "", format: str = "auto") -> Iterator[Record]:
    """Yield the records of every member of the archive ``path``.

    Parameters
    ----------
    path : str
        A ``.zip`` or ``.gz`` file.
    sha256 : str
        Hex sha256 of the archive (recorded on every record's `Source`).
    format : str
        Format of the members, or ``"auto"`` to detect each member's.
    """
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic.startswith(b"PK") or str(path).lower().endswith(".zip"):
        yield from _read_zip(path, sha256, format)
    else:
        yield from _read_gzip(path, sha256, format)


def _member_records(
    open_member, name: str, path: str, sha256: str, format: str
) -> Iterator[Record]:
    """Detect a member's format from its head, then stream it through that reader."""
    prefix = f"member {name}"
    try:
        with open_member() as fh:
            head = fh.read(HEAD_BYTES)
        fmt = format if format != "auto" else detect_format(f"{path}!{name}", head)
    except ValueError as exc:
        yield reject(path, prefix, f"{exc} (archive member)", ARCHIVE, sha256, "format")
        return
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        yield reject(path, prefix, f"unreadable archive member: {exc}", ARCHIVE, sha256)
        return
    if fmt == ARCHIVE:
        yield reject(
            path,
            prefix,
            f"nested archive refused: {path} member {name}; unpack the inner archive first",
            ARCHIVE,
            sha256,
        )
        return
    if fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(READERS)}")
    try:
        with open_member() as fh:
            yield from READERS[fmt].read_stream(fh, path=path, sha256=sha256, prefix=prefix)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        yield reject(
            path,
            prefix,
            f"truncated archive member: {path} member {name} could not be read to the end "
            f"({exc}); the records before the damage were kept",
            ARCHIVE,
            sha256,
        )


def _read_zip(path: str, sha256: str, format: str) -> Iterator[Record]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield reject(
            path, "archive", f"unreadable zip: {path}: {exc} (truncated?)", ARCHIVE, sha256
        )
        return
    with archive:
        infos = sorted(archive.infolist(), key=lambda i: i.filename)
        n_files = 0
        for info in infos:
            name = info.filename
            why = unsafe_member(name)
            if why is not None:
                logger.warning("%s: refused member %r: %s", path, name, why)
                yield reject(
                    path,
                    f"member {name}",
                    f"unsafe member name: {name!r} in {path} ({why}); it was not read and "
                    "nothing was written; rename the member inside the archive",
                    ARCHIVE,
                    sha256,
                    "path",
                )
                continue
            if info.is_dir() or os.path.basename(name).startswith("."):
                continue
            n_files += 1
            yield from _member_records(
                lambda info=info: archive.open(info), name, path, sha256, format
            )
        if n_files == 0 and not infos:
            yield reject(path, "archive", f"empty archive: {path} has no members", ARCHIVE, sha256)


def _read_gzip(path: str, sha256: str, format: str) -> Iterator[Record]:
    name = os.path.basename(path)
    name = name[:-3] if name.lower().endswith(".gz") else name
    yield from _member_records(lambda: gzip.open(path, "rb"), name, path, sha256, format)
