"""corpora: read diplomatic cables from the formats they come in into typed records.

Public API: the `Cable` record and its parts, the header parser and boilerplate cleaner,
`read_cables` over every supported format, and `CorpusStore`.
"""

from corpora.cable import (
    CLASSIFICATIONS,
    Cable,
    CableParseError,
    Disagreement,
    Paragraph,
    Reject,
    Source,
)
from corpora.clean import BOILERPLATE_PATTERNS, clean_body
from corpora.header import (
    canonical_origin,
    canonical_ref,
    normalize_classification,
    parse_cable,
    parse_dtg,
)
from corpora.read import detect_format, read_cables
from corpora.store import CorpusStore

__all__ = [
    "BOILERPLATE_PATTERNS",
    "CLASSIFICATIONS",
    "Cable",
    "CorpusStore",
    "CableParseError",
    "Disagreement",
    "Paragraph",
    "Reject",
    "Source",
    "canonical_origin",
    "canonical_ref",
    "clean_body",
    "detect_format",
    "normalize_classification",
    "parse_cable",
    "parse_dtg",
    "read_cables",
]
