"""Archives: ``.zip`` (members in name order) and ``.gz`` (one compressed file).

Members are read as streams and handed to the format reader of their content; nothing is
ever extracted or written. A member whose name is absolute or climbs out of the archive
(``../../x``) is a `Reject` with the reason, and the other members are still read.
Nested archives are refused (a `Reject`), so a small file cannot expand without bound.
Every member is read through a counter: one member may expand to at most
`corpora.limits.MAX_MEMBER_BYTES`, and all members together to
`corpora.limits.MAX_EXPANSION_RATIO` times the archive's size (at least
`corpora.limits.MIN_EXPANSION_BUDGET`); past that the member becomes a `Reject` (records read
before it are kept) and, once the whole budget is spent, the archive's other members too.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Iterator

from corpora.limits import MAX_MEMBER_BYTES, LimitExceeded, expansion_budget
from corpora.read.base import HEAD_BYTES, Record, open_regular, reject
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


class _Budget:
    """Expanded bytes an archive's members may still produce (shared by its members)."""

    def __init__(self, archive_bytes: int) -> None:
        self.total = expansion_budget(archive_bytes)
        self.left = self.total


class _Counted(io.RawIOBase):
    """A member stream that raises `LimitExceeded` past the member or archive limit."""

    def __init__(self, fh, budget: _Budget, name: str) -> None:
        super().__init__()
        self._fh = fh
        self._budget = budget
        self._name = name
        self._n = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._fh.read(len(buffer))
        n = len(data)
        self._n += n
        self._budget.left -= n
        if self._n > MAX_MEMBER_BYTES:
            raise LimitExceeded(
                f"archive member {self._name} expands past {MAX_MEMBER_BYTES:,} bytes "
                "(corpora.limits.MAX_MEMBER_BYTES)"
            )
        if self._budget.left < 0:
            raise LimitExceeded(
                f"archive expands past {self._budget.total:,} bytes, the limit for its size "
                "(corpora.limits.MAX_EXPANSION_RATIO); zip or gzip bomb?"
            )
        buffer[:n] = data
        return n

    def close(self) -> None:
        try:
            self._fh.close()
        finally:
            super().close()


def _counted(open_member, budget: _Budget, name: str):
    """A function opening a member as a buffered, counted binary stream."""
    return lambda: io.BufferedReader(_Counted(open_member(), budget, name), 1 << 16)


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
    with open_regular(path) as fh:
        magic = fh.read(4)
        budget = _Budget(os.fstat(fh.fileno()).st_size)
    if magic.startswith(b"PK") or str(path).lower().endswith(".zip"):
        yield from _read_zip(path, sha256, format, budget)
    else:
        yield from _read_gzip(path, sha256, format, budget)


def _member_records(
    open_member, name: str, path: str, sha256: str, format: str
) -> Iterator[Record]:
    """Detect a member's format from its head, then stream it through that reader."""
    prefix = f"member {name}"
    try:
        with open_member() as fh:
            head = fh.read(HEAD_BYTES)
        fmt = format if format != "auto" else detect_format(f"{path}!{name}", head)
    except LimitExceeded as exc:
        yield reject(path, prefix, f"archive member refused: {exc}", ARCHIVE, sha256, "size")
        return
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
    except LimitExceeded as exc:
        yield reject(
            path,
            prefix,
            f"archive member refused: {path} member {name}: {exc}; the records before the "
            "limit were kept",
            ARCHIVE,
            sha256,
            "size",
        )
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        yield reject(
            path,
            prefix,
            f"truncated archive member: {path} member {name} could not be read to the end "
            f"({exc}); the records before the damage were kept",
            ARCHIVE,
            sha256,
        )


def _read_zip(path: str, sha256: str, format: str, budget: _Budget) -> Iterator[Record]:
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
            if info.file_size > MAX_MEMBER_BYTES:
                yield reject(
                    path,
                    f"member {name}",
                    f"archive member refused: {path} member {name} declares "
                    f"{info.file_size:,} bytes, over {MAX_MEMBER_BYTES:,} "
                    "(corpora.limits.MAX_MEMBER_BYTES)",
                    ARCHIVE,
                    sha256,
                    "size",
                )
                continue
            if budget.left <= 0:
                yield reject(
                    path,
                    f"member {name}",
                    f"archive member refused: {path} has expanded past {budget.total:,} bytes "
                    "(corpora.limits.MAX_EXPANSION_RATIO); the rest of it was not read",
                    ARCHIVE,
                    sha256,
                    "size",
                )
                continue
            yield from _member_records(
                _counted(lambda info=info: archive.open(info), budget, name), name, path,
                sha256, format,
            )
        if n_files == 0 and not infos:
            yield reject(path, "archive", f"empty archive: {path} has no members", ARCHIVE, sha256)


def _read_gzip(path: str, sha256: str, format: str, budget: _Budget) -> Iterator[Record]:
    name = os.path.basename(path)
    name = name[:-3] if name.lower().endswith(".gz") else name
    yield from _member_records(
        _counted(lambda: gzip.open(path, "rb"), budget, name),
        name, path, sha256, format,
    )
