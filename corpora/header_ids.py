"""Dates and reference ids of a cable: the date-time group (DTG) and the Cablegate
reference id (``09TOKYO1346``), from the header and from the classification, page-break
and ``DE`` lines. Part of `corpora.header`, which re-exports `parse_dtg` and `canonical_ref`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from corpora.cable import CableParseError

_I = re.IGNORECASE
_M = re.MULTILINE

_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
)}
_DTG_RE = re.compile(
    r"(?<![\dA-Za-z])(?:(?P<prec>[ZOPRM](?:\s?[ZOPRM])?)\s+)?(?P<day>\d{2})(?P<hh>\d{2})"
    r"(?P<mm>\d{2})\s?Z\s+(?P<mon>[A-Za-z]{3})\s+(?P<year>\d{4}|\d{2})(?!\d)"
)
_DE_RE = re.compile(r"^[ \t]*+DE\s+(?P<ri>R[A-Z]{3,7})\s*#\s*(?P<serial>\d{1,7})(?:/\d+)?", _M)
_SECTION = re.compile(r"\bSECTION\s+\d{1,2}\s+OF\s+\d{1,2}\b", _I)
_POST_SERIAL = re.compile(
    r"^\s*(?:(?P<yy>\d{2})\s+)?(?P<post>[A-Z][A-Z.'-]*(?:\s+[A-Z][A-Z.'-]*){0,3})\s+"
    r"(?P<serial>\d{1,8})\s*$",
    _I,
)
_PAGE_LINE = re.compile(
    r"^[ \t]*+(?P<post>(?:[A-Z][A-Z.'-]*+[ \t]++){1,4}?)(?P<serial>\d{8})\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3}",
    _I | _M,
)
_YEAR4 = re.compile(r"\d{4}")
_ORIGIN_HEAD = re.compile(r"^(?:AMEMBASSY|AMCONSUL|USMISSION|AMCONGEN)\s+")


def canonical_ref(raw: str, year: int | None = None) -> str:
    """The canonical Cablegate reference id (``09TOKYO1346``).

    Parameters
    ----------
    raw : str
        A reference as found: ``09TOKYO1346``, ``09TOKYO001346``, ``TOKYO 001346`` (needs
        `year`), ``NEW DELHI 005135``, ``09 USEU BRUSSELS 948``. PlusD ids
        (``1974ATHENS02959_b``) and FRUS ids (``frus1977-80v11p1d3``) are returned as they are.
    year : int, optional
        Year of the cable (four digits, or two); needed when `raw` carries no year.

    Returns
    -------
    str
        Two-digit year + post without spaces + serial without leading zeros.

    Raises
    ------
    CableParseError
        When `raw` holds no post and serial, or no year is given or written.

    Examples
    --------
    >>> canonical_ref("NEW DELHI 005135", year=2006)
    '06NEWDELHI5135'
    """
    s = (raw or "").strip()
    if re.fullmatch(r"\d{4}[A-Z]+\d+(?:_[a-z0-9]+)?", s) or s.lower().startswith("frus"):
        return s  # PlusD and FRUS ids keep their own form
    m = re.fullmatch(
        r"(?P<yy>\d{2})?\s*(?P<post>[A-Za-z][A-Za-z.'\- ]*?)\s*(?P<serial>\d{1,8})", s
    )
    if m is None:
        raise CableParseError(
            f"reference {raw!r} is not a cable reference; expected e.g. '09TOKYO1346' or "
            "'TOKYO 001346' with a year",
            field="ref",
        )
    yy = m.group("yy")
    if yy is None:
        if year is None:
            raise CableParseError(
                f"reference {raw!r} has no year; pass year= (e.g. the DTG's year)", field="ref"
            )
        yy = f"{int(year) % 100:02d}"
    post = re.sub(r"[\s.'\-]+", "", m.group("post")).upper()
    if not post:
        raise CableParseError(f"reference {raw!r} has no post name", field="ref")
    return f"{yy}{post}{int(m.group('serial'))}"


def _century(yy: int, hint: int | None) -> int:
    if hint is not None and hint >= 100:
        base = hint - hint % 100
        cands = (base - 100 + yy, base + yy, base + 100 + yy)
        return min(cands, key=lambda y: abs(y - hint))
    return 1900 + yy if yy >= 66 else 2000 + yy


def parse_dtg(s: str, year_hint: int | None = None) -> datetime:
    """Parse a date-time group into a UTC-aware datetime.

    Parameters
    ----------
    s : str
        Text holding a DTG: ``P 150843Z JUN 09``, ``O 260858Z JUL 06 ZDK``,
        ``P R 221828 Z MAY 73``, ``201247Z Jan 04``.
    year_hint : int, optional
        A four-digit year the cable is known to be near (from the container or a PlusD id);
        the century closest to it is used. Without it two-digit years 66-99 are 19xx and
        00-65 are 20xx (Cablegate spans 1966-2010).

    Returns
    -------
    datetime
        Timezone-aware (UTC).

    Raises
    ------
    CableParseError
        When no DTG is found or its day, time or month is impossible.

    Examples
    --------
    >>> parse_dtg("P 150843Z JUN 09")
    datetime.datetime(2009, 6, 15, 8, 43, tzinfo=datetime.timezone.utc)
    """
    m = _DTG_RE.search(s or "")
    if m is None:
        raise CableParseError(
            f"no date-time group in {s[:60]!r}; expected e.g. '150843Z JUN 09'", field="date"
        )
    mon = _MONTHS.get(m.group("mon").upper())
    y = m.group("year")
    year = int(y) if len(y) == 4 else _century(int(y), year_hint)
    try:
        if mon is None:
            raise ValueError(f"unknown month {m.group('mon')!r}")
        return datetime(
            year, mon, int(m.group("day")), int(m.group("hh")), int(m.group("mm")), tzinfo=UTC
        )
    except ValueError as exc:
        raise CableParseError(
            f"impossible date-time group {m.group(0)!r} ({exc}); expected DDHHMMZ MON YY",
            field="date",
        ) from exc


def _post_from_origin(origin_raw: str | None) -> str | None:
    """The post as it appears in reference ids, from the FM line (``NEW DELHI``, ``STATE``)."""
    if not origin_raw:
        return None
    s = origin_raw.upper().split("//")[0].strip()
    if s.startswith("SECSTATE"):
        return "STATE"
    s = _ORIGIN_HEAD.sub("", s)
    return s or None
