"""corpora: read diplomatic cables from the formats they come in into typed records."""

from corpora.cable import (
    CLASSIFICATIONS,
    Cable,
    CableParseError,
    Disagreement,
    Paragraph,
    Reject,
    Source,
)

__all__ = [
    "CLASSIFICATIONS",
    "Cable",
    "CableParseError",
    "Disagreement",
    "Paragraph",
    "Reject",
    "Source",
]
