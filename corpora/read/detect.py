"""Format detection: which reader module handles a file, from its name and first bytes."""

from __future__ import annotations

import logging
from types import ModuleType

from corpora.read import alx, cablegate_csv, cablegate_html, frus, jsonl, plusd, raw

__all__ = ["ARCHIVE", "READERS", "detect_format"]

logger = logging.getLogger(__name__)

ARCHIVE = "archive"
#: Single-file readers in the order their ``sniff`` is tried (most specific first).
READERS: dict[str, ModuleType] = {
    m.NAME: m for m in (frus, plusd, cablegate_html, jsonl, cablegate_csv, alx, raw)
}
_ARCHIVE_SUFFIXES = (".zip", ".gz")
#: Documentation next to data (``SOURCE.md``) quotes cable text but is not a cable.
_DOC_SUFFIXES = (".md", ".markdown", ".rst")


def detect_format(path: str, head: bytes) -> str:
    """The format name for a file: ``"archive"`` for ``.zip``/``.gz``, else the first reader
    whose ``sniff`` accepts ``head`` (the file's first bytes). Documentation files
    (``.md``, ``.rst``) are never taken for cables, though they may quote cable text.

    Parameters
    ----------
    path : str
        File name (its suffix decides for archives).
    head : bytes
        The first bytes of the file (64 KiB are enough for every format).

    Returns
    -------
    str
        A key of `corpora.read.FORMATS`.

    Raises
    ------
    ValueError
        When no reader recognises the file.
    """
    lower = str(path).lower()
    if lower.endswith(_ARCHIVE_SUFFIXES) or head.startswith((b"PK\x03\x04", b"\x1f\x8b")):
        fmt = ARCHIVE
    elif lower.endswith(_DOC_SUFFIXES):
        fmt = None
    else:
        fmt = next((name for name, mod in READERS.items() if mod.sniff(head, str(path))), None)
    if fmt is None:
        raise ValueError(
            f"unrecognised format: {path} is none of {', '.join([*READERS, ARCHIVE])} "
            "(by its first bytes); pass format= to force a reader"
        )
    logger.info("%s: format %s", path, fmt)
    return fmt
