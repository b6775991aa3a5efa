"""Readers: every input format into a stream of `Cable` records (or `Reject`s).

`read_cables` walks files, folders (recursively, in sorted order) and archives, detects
each file's format from its first bytes (or takes ``format``), and yields records lazily:
memory holds one record (one page, one CSV row) at a time, never the corpus.

Formats (`FORMATS`): ``raw``, ``cablegate-csv``, ``cablegate-html``, ``jsonl``, ``plusd``,
``frus``, ``alx`` and ``archive`` (``.zip``/``.gz``). Each reader module has
``read(path, *, sha256)`` and ``sniff(head, path)``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

from corpora.read import archive
from corpora.read.base import HEAD_BYTES, Record, reject
from corpora.read.detect import ARCHIVE, READERS, detect_format

__all__ = ["FORMATS", "detect_format", "iter_files", "read_cables", "read_file", "sha256_file"]

logger = logging.getLogger(__name__)

#: Format name -> reader module.
FORMATS: dict[str, ModuleType] = {**READERS, ARCHIVE: archive}


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def iter_files(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> Iterator[str]:
    """Every file under ``paths``: files as given, folders walked recursively in sorted
    order. Hidden files and folders (``.name``) are skipped.

    Raises
    ------
    FileNotFoundError
        When a path does not exist.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    for given in paths:
        p = Path(given)
        if p.is_file():
            yield str(p)
        elif p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield os.path.join(root, name)
        else:
            raise FileNotFoundError(
                f"read_cables: input {str(p)!r} does not exist; pass cable files, folders "
                "or .zip/.gz archives"
            )


def read_file(
    path: str, format: str = "auto", *, sha256: str | None = None, data: bytes | None = None
) -> Iterator[Record]:
    """Records of one file (an archive's records included), with its format detected.

    Parameters
    ----------
    path : str
        The file.
    format : str
        A key of `FORMATS`, or ``"auto"``.
    sha256 : str, optional
        The file's hex sha256 when already known (computed otherwise).
    data : bytes, optional
        The whole file's bytes when already read (small files: the file is then not opened
        again, neither to hash, to detect nor to read it).
    """
    if sha256 is None:
        sha256 = sha256_file(path) if data is None else hashlib.sha256(data).hexdigest()
    if format == "auto":
        if data is not None:
            head = data[:HEAD_BYTES]
        else:
            with open(path, "rb") as fh:
                head = fh.read(HEAD_BYTES)
        try:
            fmt = detect_format(path, head)
        except ValueError as exc:
            yield reject(path, "file", str(exc), "", sha256, "format")
            return
    else:
        fmt = format
    if fmt == ARCHIVE:
        # format="archive" says what the container is; its members are still detected
        member_format = "auto" if format == ARCHIVE else format
        yield from archive.read(path, sha256=sha256, format=member_format)
    elif data is not None:
        yield from READERS[fmt].read_stream(io.BytesIO(data), path=path, sha256=sha256)
    else:
        yield from READERS[fmt].read(path, sha256=sha256)


def read_cables(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    format: str = "auto",
    *,
    on_progress: Callable[[str, int], None] | None = None,
) -> Iterator[Record]:
    """Read cables from files, folders and archives, lazily.

    Parameters
    ----------
    paths : path or iterable of paths
        Files, folders (walked recursively in sorted order) and ``.zip``/``.gz`` archives.
    format : str
        A key of `FORMATS` to force one reader for every file (archive members included),
        or ``"auto"`` to detect each file's format (logged per file).
    on_progress : callable, optional
        Called after each file as ``on_progress(path, n_records)`` with the number of
        records (cables and rejects) read so far.

    Yields
    ------
    Cable or Reject
        One per cable found; unreadable records become `Reject` with a reason naming the
        file and record, and reading continues.

    Raises
    ------
    ValueError
        When ``format`` is not a known format.
    FileNotFoundError
        When an input path does not exist.

    Examples
    --------
    >>> from corpora.read import read_cables
    >>> cables = [r for r in read_cables("data/") if not isinstance(r, Reject)]  # doctest: +SKIP
    """
    if format != "auto" and format not in FORMATS:
        raise ValueError(
            f"The 'format' parameter of read_cables must be 'auto' or one of "
            f"{', '.join(FORMATS)}. Got {format!r} instead."
        )
    n = 0
    n_files = 0
    for path in iter_files(paths):
        for record in read_file(path, format):
            n += 1
            yield record
        n_files += 1
        if on_progress is not None:
            on_progress(path, n)
        if n_files % 1000 == 0:
            logger.info("read_cables: %d files, %d records", n_files, n)
