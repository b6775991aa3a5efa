"""State Department TAGS: lexicon and splitting into subject tags and country codes.

(Stub: the full lexicon is being added.)
"""

from __future__ import annotations

__all__ = ["COUNTRY_CODES", "TAG_NAMES", "split_tags", "tag_name"]

TAG_NAMES: dict[str, str] = {}
COUNTRY_CODES: dict[str, str] = {}


def tag_name(tag: str) -> str | None:
    """The name of a TAG (``PREL`` -> ``External Political Relations``), or None."""
    return TAG_NAMES.get(tag) or COUNTRY_CODES.get(tag)


def split_tags(tags: tuple[str, ...] | list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split TAGS into (subject tags, country codes), order kept."""
    subject = tuple(t for t in tags if not (len(t) == 2 and t.isalpha()))
    country = tuple(t for t in tags if len(t) == 2 and t.isalpha())
    return subject, country
