"""The `Cable` record: one parsed diplomatic cable, and the types around it.

A `Cable` is immutable. Missing fields are ``None``, never guessed. Lists are tuples so the
record stays hashable and frozen; the store writes them as Parquet list columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

__all__ = [
    "Cable",
    "CableParseError",
    "Disagreement",
    "Paragraph",
    "Reject",
    "Source",
    "CLASSIFICATIONS",
]

#: Canonical classification levels, lowest to highest (the form Cablegate metadata uses).
CLASSIFICATIONS = (
    "UNCLASSIFIED",
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
    "LIMITED OFFICIAL USE",
    "CONFIDENTIAL",
    "SECRET",
    "TOP SECRET",
)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from.

    Parameters
    ----------
    path : str
        The file read (for archives: the archive file).
    locator : str
        Where inside the file: ``"line 1"``, ``"row 3"``, ``"member cables/a.txt"``,
        ``"member cables/a.txt line 12"``.
    sha256 : str
        Hex sha256 of the whole file at ``path`` (empty string when unknown).
    format : str
        The reader that produced the record (``"raw"``, ``"cablegate-csv"``, ...).
    """

    path: str
    locator: str
    sha256: str = ""
    format: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.locator}"


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One numbered paragraph: number as written (unreliable in real cables), marking, text."""

    number: str | None
    marking: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A field where the container's metadata and the cable's own header text differ.

    The container's value is kept on the record; this notes what the header said.
    """

    field: str
    container: str
    header: str


@dataclass(frozen=True, slots=True)
class Cable:
    """A parsed cable.

    Attributes
    ----------
    ref : str or None
        Canonical reference id: ``09TOKYO1346`` (two-digit year, post, serial without
        leading zeros). PlusD (``1974ATHENS02959_b``) and FRUS ids keep their own form.
    date : datetime or None
        UTC, timezone-aware, from the date-time group or the container's ``created`` value.
    origin : str or None
        Sending post in Cablegate form (``Embassy Tokyo``, ``Consulate Naha``,
        ``Mission USNATO``, ``Secretary of State``).
    origin_raw : str or None
        The sender as written (``AMEMBASSY TOKYO``).
    to, info : tuple of str or None
        Recipients as written, routing indicators stripped.
    classification : str or None
        One of `CLASSIFICATIONS`, with ``//NOFORN`` appended where the cable says so.
    caveats : tuple of str
        Handling caveats (NOFORN, SIPDIS, EXDIS, NODIS, LIMDIS, ...).
    tags : tuple of str or None
        All TAGS in order as written; `subject_tags` and `country_tags` split them.
    subject, references, classified_by, reasons, declassify_on
        Header fields; ``None`` when the cable has none.
    paragraphs : tuple of Paragraph
        Numbered paragraphs with their markings.
    body : str
        Clean text for modelling: no routing, page breaks, classification lines, SIPDIS,
        section rules, E.O./TAGS/SUBJECT/Classified-By header, signature or markings.
    source : Source
        Where it was read.
    released : datetime or None
        Release time (WikiLeaks release for Cablegate pages): newest release wins in the
        store when one ref is read twice.
    disagreements : tuple of Disagreement
        Container vs header differences (the container's value is kept).
    notes : tuple of str
        What the parser could not recover (e.g. ``"newlines lost: paragraphs not split"``).
    """

    ref: str | None
    date: datetime | None
    origin: str | None
    origin_raw: str | None
    to: tuple[str, ...] | None
    info: tuple[str, ...] | None
    classification: str | None
    caveats: tuple[str, ...]
    tags: tuple[str, ...] | None
    subject_tags: tuple[str, ...] | None
    country_tags: tuple[str, ...] | None
    subject: str | None
    references: tuple[str, ...] | None
    classified_by: str | None
    reasons: str | None
    declassify_on: str | None
    paragraphs: tuple[Paragraph, ...]
    body: str
    source: Source
    released: datetime | None = None
    disagreements: tuple[Disagreement, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True, slots=True)
class Reject:
    """A record that could not be read, with the reason (never silently dropped)."""

    source: Source
    reason: str
    field: str | None = None

    def __str__(self) -> str:
        where = f" (field {self.field})" if self.field else ""
        return f"{self.source}: {self.reason}{where}"


class CableParseError(ValueError):
    """A cable (or one of its fields) could not be parsed.

    Carries the path, the locator inside the file and the field, so a message can say
    exactly where.
    """

    def __init__(self, message: str, *, path: str = "", locator: str = "", field: str = ""):
        self.path = path
        self.locator = locator
        self.field = field
        where = ":".join(p for p in (path, locator) if p)
        detail = f" [field {field}]" if field else ""
        super().__init__(f"{where}: {message}{detail}" if where else f"{message}{detail}")
        self.reason = message
