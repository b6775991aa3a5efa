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

__all__ = [
    "BOILERPLATE_PATTERNS",
    "CLASSIFICATIONS",
    "Cable",
    "CableParseError",
    "Disagreement",
    "Paragraph",
    "Reject",
    "Source",
    "canonical_origin",
    "canonical_ref",
    "clean_body",
    "normalize_classification",
    "parse_cable",
    "parse_dtg",
]
