"""Exclusive writer locks on a folder (a corpus store, a run directory) and stale temp files.

One writer at a time: `exclusive_lock` takes an ``fcntl.flock`` on ``FOLDER/.lock``. The
kernel drops the lock when its process dies (``kill -9`` included), so a lock is never
stale; the file itself stays and only records who holds it, for the message a second
writer gets. While the lock is held no other writer is alive, so temporary files that
match a writer's naming pattern are leftovers of a killed process: `remove_stale` deletes
them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["LOCK_NAME", "FolderLocked", "exclusive_lock", "remove_stale"]

logger = logging.getLogger(__name__)

LOCK_NAME = ".lock"


class FolderLocked(RuntimeError):
    """Another process holds the folder's writer lock."""


@contextmanager
def exclusive_lock(folder: str | os.PathLike, what: str, *, wait: float = 0.0) -> Iterator[Path]:
    """Hold the exclusive writer lock of ``folder`` (created if needed) in a ``with`` block.

    Parameters
    ----------
    folder : path
        The folder written (its ``.lock`` file is the lock).
    what : str
        What the folder is, for the message (``"corpus store"``, ``"run directory"``).
    wait : float
        Seconds to wait for another writer to finish before giving up (default 0: fail at
        once).

    Raises
    ------
    FolderLocked
        When another process still holds the lock after ``wait`` seconds; the message names
        its pid and since when it holds it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    raise FolderLocked(
                        f"the {what} {folder} is being written by another process "
                        f"({holder}); wait for it to finish and run this again, or write to "
                        "another folder"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        os.write(fd, f"pid {os.getpid()} since {now}\n".encode())
        try:
            yield folder
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "pid unknown"


def remove_stale(folder: str | os.PathLike, pattern: re.Pattern[str], *,
                 recursive: bool = False) -> list[str]:
    """Delete the files and folders in ``folder`` whose name matches ``pattern``.

    Call it only while holding the folder's `exclusive_lock`: then every match is a
    leftover of a writer that died (no live writer can own it).

    Returns
    -------
    list of str
        The paths removed.
    """
    removed: list[str] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    entries = folder.rglob("*") if recursive else folder.iterdir()
    for entry in sorted(entries, key=lambda p: len(p.parts), reverse=True):
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:
            continue
        removed.append(str(entry))
    if removed:
        logger.warning("removed %d temporary file(s) left by a killed process in %s: %s",
                       len(removed), folder, ", ".join(Path(r).name for r in removed[:5]))
    return removed
