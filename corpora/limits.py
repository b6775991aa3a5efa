"""Input limits: the sizes past which a record, a line or an archive is refused.

Every reader streams its input and stops reading a record once it passes these limits, so
one hostile or broken file costs one `Reject` (with the limit in its reason) and bounded
memory, never the whole ingest. The values are far above anything in the real archives
(Cablegate's longest cable is about 600 KB; its longest TAGS line about 20 tags) and far
below what would exhaust a laptop. They are documented in ``docs/limits.md``.

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
=========================  ================  ===============================================
"""

from __future__ import annotations

__all__ = [
    "MAX_EXPANSION_RATIO",
    "MAX_LINE_BYTES",
    "MAX_MEMBER_BYTES",
    "MAX_PAGE_BYTES",
    "MAX_RECORD_BYTES",
    "MAX_TAGS",
    "MAX_TAG_CHARS",
    "MAX_XML_DEPTH",
    "MIN_EXPANSION_BUDGET",
    "LimitExceeded",
    "expansion_budget",
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


class LimitExceeded(ValueError):
    """An input passed one of the limits of this module; the message names which."""


def expansion_budget(archive_bytes: int) -> int:
    """Expanded bytes allowed for all members of an archive of ``archive_bytes`` bytes."""
    return max(MIN_EXPANSION_BUDGET, MAX_EXPANSION_RATIO * int(archive_bytes))
