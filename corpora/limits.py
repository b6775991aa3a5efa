"""Input limits: the sizes past which a record, a line or an archive is refused.

Every reader streams its input and stops reading a record once it passes these limits, so
one hostile or broken file costs one `Reject` (with the limit in its reason) and bounded
memory, never the whole ingest. The values are far above anything in the real archives
(Cablegate's longest cable is about 600 KB; its longest TAGS line about 20 tags) and far
below what would exhaust a laptop. They are documented in ``docs/robustness.md``.

=========================  ================  ===============================================
name                       value             applies to
=========================  ================  ===============================================
``MAX_RECORD_BYTES``       16 MiB            one cable: a raw cable, a JSON line, a CSV row
                                             (each field), a FRUS document's text
``MAX_PAGE_BYTES``         64 MiB            one single-document file (HTML page, alx file)
``MAX_LINE_BYTES``         4 MiB             one line of a raw cable (glued cables without
                                             newlines stay well below it)
``MAX_TAGS``               200               TAGS values of one cable
``MAX_TAG_CHARS``          100               characters of one TAGS value
``MAX_XML_DEPTH``          200               element nesting of a FRUS TEI file
``MAX_MEMBER_BYTES``       4 GiB             expanded bytes of one archive member
``MAX_EXPANSION_RATIO``    200               expanded bytes of all members / archive bytes
``MIN_EXPANSION_BUDGET``   64 MiB            expanded bytes always allowed (tiny archives)
``MAX_PARSE_SECONDS``      30 s              parsing one cable (`time_budget`); a record
                                             past it is a ``parse timeout`` reject
=========================  ================  ===============================================
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "MAX_EXPANSION_RATIO",
    "MAX_LINE_BYTES",
    "MAX_MEMBER_BYTES",
    "MAX_PAGE_BYTES",
    "MAX_PARSE_SECONDS",
    "MAX_RECORD_BYTES",
    "MAX_TAGS",
    "MAX_TAG_CHARS",
    "MAX_XML_DEPTH",
    "MIN_EXPANSION_BUDGET",
    "LimitExceeded",
    "ParseTimeout",
    "expansion_budget",
    "time_budget",
]

MiB = 1 << 20

MAX_RECORD_BYTES = 16 * MiB
MAX_PAGE_BYTES = 64 * MiB
MAX_LINE_BYTES = 4 * MiB
MAX_TAGS = 200
MAX_TAG_CHARS = 100
MAX_XML_DEPTH = 200
MAX_MEMBER_BYTES = 4096 * MiB
MAX_EXPANSION_RATIO = 200
MIN_EXPANSION_BUDGET = 64 * MiB
#: Seconds one cable may take to parse (a real cable takes about a millisecond; the 1 MB
#: single-line cable of the linear-time tests about 0.1 s).
MAX_PARSE_SECONDS = 30.0


class LimitExceeded(ValueError):
    """An input passed one of the limits of this module; the message names which."""


def expansion_budget(archive_bytes: int) -> int:
    """Expanded bytes allowed for all members of an archive of ``archive_bytes`` bytes."""
    return max(MIN_EXPANSION_BUDGET, MAX_EXPANSION_RATIO * int(archive_bytes))


class ParseTimeout(Exception):
    """A block run under `time_budget` took longer than its budget."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise `ParseTimeout` inside the block once it has run ``seconds`` of wall time.

    A SIGALRM timer (``signal.setitimer``) interrupts the block wherever it is, a regex
    match included (CPython's ``re`` checks for signals while it backtracks), so a
    pathological record costs at most ``seconds`` and becomes one reject instead of a hang.
    The timer works in a process's main thread (where ingest workers parse); elsewhere
    (another thread, a platform without ``setitimer``, or inside another running timer)
    the block runs without a budget. ``seconds <= 0`` turns the budget off.
    """
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return

    def _expired(signum, frame):  # noqa: ARG001 - the signal handler's signature
        raise ParseTimeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
