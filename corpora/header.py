"""Cable header parsing: one cable's text (routing header + body) into a `Cable` record.

Every reader calls `parse_cable`. Container formats (Cablegate HTML/CSV, JSON Lines, PlusD)
pass their own metadata as ``meta``; the container's value is kept and each field where the
cable's own header text says something else becomes a `Disagreement`.

Real headers come in many variants (see ``../shared/data/*/SOURCE.md``): the ALDAC routing
block (``VZCZC``, ``DE RUEHKO #1346/01 1660843``, DTG, ``FM``/``TO``/``INFO``), DTG-only
headers of old cables, PlusD telegrams with distribution lists, media-partner "partial
extracts" with sentence-cased bodies, and JSON Lines dumps whose newlines were all deleted.

The field readers live in named modules beside this one, each holding one family of fields:
`corpora.header_ids` (DTG, reference ids), `corpora.header_routing` (sender, addressees),
`corpora.header_marks` (classification, caveats, Classified By, E.O.), `corpora.header_fields`
(TAGS, SUBJECT, REF), `corpora.header_repair` (damaged pages) and `corpora.header_lines`
(line scanning). This module puts them together in `parse_cable` and re-exports the public
names.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from corpora import limits
from corpora.cable import Cable, CableParseError, Disagreement, Source
from corpora.clean import clean_body
from corpora.clean_patterns import CLASS_LINE
from corpora.header_fields import (
    _REF_CONT,
    _REF_LINE,
    _SUBJ_CUT,
    _SUBJ_LINE,
    _TAGS_LINE,
    _is_tags_cont,
    _parse_tags,
    _split_refs,
)
from corpora.header_ids import (
    _DE_RE,
    _DTG_RE,
    _PAGE_LINE,
    _POST_SERIAL,
    _SECTION,
    _YEAR4,
    _post_from_origin,
    canonical_ref,
    parse_dtg,
)
from corpora.header_lines import _WS_RUN, _field_value, _find_line
from corpora.header_marks import (
    _CAVEATS,
    _CAVEATS_ANY,
    _CLBY_CONT,
    _CLBY_LINE,
    _DECL,
    _EO_LINE,
    _FIELD_ZONE,
    _NA,
    _REASONS_LINE,
    _REST_CAVEATS,
    _SENSITIVE_LINE,
    _SIPDIS_I,
    _split_classified_by,
    _split_reasons_tail,
    normalize_classification,
)
from corpora.header_repair import (
    _is_glued,
    _split_glued_fields,
    _strip_dump_records,
    _strip_escaped_newlines,
    _strip_preview,
    _unglue,
)
from corpora.header_routing import (
    _FM_BODY_RE,
    _FM_RE,
    _recipients,
    _split_header,
    _strip_precedence,
    canonical_origin,
)
from corpora.linescan import fold
from corpora.tags import split_tags

__all__ = [
    "canonical_origin",
    "canonical_ref",
    "normalize_classification",
    "parse_cable",
    "parse_dtg",
]

logger = logging.getLogger(__name__)

_I = re.IGNORECASE
#: Container fields a reader may pass in ``meta`` (the rest is read from the cable text).
_META_KEYS = frozenset(
    ("ref", "date", "origin", "classification", "references", "subject", "released", "tags",
     "header")
)
_PARTIAL = re.compile(
    r"This record is a partial extract of the original cable\.\s*"
    r"(?:The full text of the original cable is not available\.)?",
    _I,
)
_TRUNCATED = re.compile(r"(?:\.\.\.|…)[ \t]*+(?:\n|$)")
#: Characters the case-insensitive patterns match as an ASCII letter that ``str.lower``
#: does not turn into that letter (or turns into two characters).
_CASE_FOLD_ODD = ("\u0130", "\u0131", "\u017f")


def _has_word_i(text: str, low: str, word: str, pattern: re.Pattern[str]) -> bool:
    """``pattern.search(text)`` for a pattern needing ``word`` (lower case, any case in the
    text): False at once when ``low`` (``text.lower()``) lacks it and that is exact."""
    if word not in low and len(low) == len(text) and not any(c in text for c in _CASE_FOLD_ODD):
        return False
    return pattern.search(text) is not None


# --------------------------------------------------------------------------- parse_cable


def parse_cable(text: str, *, source: Source, meta: dict[str, Any] | None = None,
                max_seconds: float | None = None) -> Cable:
    """Parse one cable's text into a `Cable`, within a time budget.

    The work is `_parse_cable` run under `corpora.limits.time_budget` (``max_seconds``;
    None: `corpora.limits.MAX_PARSE_SECONDS`): a record that takes longer is a
    `CableParseError` with reason ``parse timeout``, never a hang. Parameters, return
    value and errors are `_parse_cable`'s.
    """
    budget = limits.MAX_PARSE_SECONDS if max_seconds is None else max_seconds
    try:
        with limits.time_budget(budget):
            return _parse_cable(text, source=source, meta=meta)
    except limits.ParseTimeout as exc:
        raise CableParseError(f"parse timeout: the cable {exc} to parse ({len(text):,} "
                              "characters); see corpora/limits.py",
                              path=source.path, locator=source.locator) from None


def _parse_cable(text: str, *, source: Source, meta: dict[str, Any] | None = None) -> Cable:
    """Parse one cable's text into a `Cable`.

    Parameters
    ----------
    text : str
        One whole cable (routing header + body), or only the body when ``meta["header"]``
        holds the routing header. Line ends ``\\n``, ``\\r\\n`` or ``\\r``.
    source : Source
        Where the text was read (used in records and error messages).
    meta : dict, optional
        Container metadata with keys named like `Cable` fields (``ref``, ``date`` (aware
        datetime), ``origin``, ``classification``, ``references``, ``subject``,
        ``released``, ``tags``, ...) plus ``header``. The container's value wins; each field
        where the header text differs is recorded as a `Disagreement`.

    Returns
    -------
    Cable

    Raises
    ------
    CableParseError
        When the text is empty, holds no body, or nothing cable-like (no classification
        line, DTG, FM line, TAGS/SUBJECT/E.O. line, nor a container reference).
    ValueError
        When `meta` has a key that is no `Cable` field, or a naive datetime.
    """
    meta = dict(meta or {})
    unknown = sorted(set(meta) - _META_KEYS)
    if unknown:
        raise ValueError(
            f"parse_cable got meta keys {unknown} for {source}; a container may pass only "
            f"{', '.join(sorted(_META_KEYS))} (other fields are read from the cable text)"
        )
    for key in ("date", "released"):
        v = meta.get(key)
        if v is not None and (not isinstance(v, datetime) or v.tzinfo is None):
            raise ValueError(
                f"meta[{key!r}] for {source} must be a timezone-aware datetime, got {v!r}; "
                "attach the zone, e.g. dt.replace(tzinfo=datetime.UTC)"
            )

    def fail(msg: str, fld: str = "") -> CableParseError:
        return CableParseError(msg, path=source.path, locator=source.locator, field=fld)

    if not isinstance(text, str):
        raise fail(f"expected the cable text as str, got {type(text).__name__}", "body")
    notes: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    header_text = meta.pop("header", None)
    header_text = (header_text or "").replace("\r\n", "\n").replace("\r", "\n")
    if _has_word_i(header_text, fold(header_text), "partial", _PARTIAL) or _has_word_i(
        text, fold(text), "partial", _PARTIAL
    ):
        notes.append("partial extract: the full text of the original cable is not available")
        header_text = _PARTIAL.sub("\n", header_text)
        text = _PARTIAL.sub("\n", text)
    glued = False
    container_ref = meta.get("ref")
    text = _strip_escaped_newlines(text)
    text, dump_note = _strip_dump_records(text, container_ref)
    text, preview = _strip_preview(text)
    if preview:
        notes.append("page preview left out: the page repeats the cable after a cut-off preview")
    if dump_note:
        notes.append(dump_note)
    if _is_glued(text):
        glued = True
        text = _unglue(text, container_ref)
        notes.append(
            "newlines lost in source: paragraphs split at ¶ signs only; subject and "
            "header field ends inferred from the next field's keyword"
        )
    else:
        # a header field line that runs into the body ("REF: TRIPOLI 401  CLASSIFIED BY: ...
        # 1. (C) Summary: ..."): split that line alone, or the field would swallow the body
        text, n_split = _split_glued_fields(text, container_ref)
        if n_split:
            notes.append(
                "newlines lost in source: the body ran on from a header field line; split "
                "where the first paragraph opens"
            )
    if header_text and _is_glued(header_text):
        header_text = _unglue(header_text, container_ref)
    if not text.strip():
        raise fail("empty cable text: expected a routing header and a body", "body")

    lines = text.split("\n")
    if header_text.strip():
        hlines = header_text.split("\n")
        blines = lines
    else:
        cut = _split_header(lines)
        hlines, blines = lines[:cut], lines[cut:]
    htext = "\n".join(hlines)

    # --- routing header
    fm = (
        _FM_BODY_RE.search(htext)
        or (_FM_RE.search(htext) if _DTG_RE.search(htext) else None)
        or _FM_BODY_RE.search("\n".join(blines[:40]))
    )
    origin_raw = fm.group("fm").strip() if fm else None
    if origin_raw:
        origin_raw = _strip_precedence(origin_raw).strip() or None
    h_origin = canonical_origin(origin_raw) if origin_raw else None
    to, info = _recipients(hlines)

    year_hint = None
    if meta.get("date") is not None:
        year_hint = meta["date"].year
    elif isinstance(meta.get("ref"), str) and _YEAR4.match(meta["ref"]):
        year_hint = int(meta["ref"][:4])
    dtg_src = htext if _DTG_RE.search(htext) else "\n".join(blines[:15])
    h_date = None
    if _DTG_RE.search(dtg_src):
        try:
            h_date = parse_dtg(dtg_src, year_hint)
        except CableParseError as exc:
            notes.append(f"date: {exc.reason}")

    # --- classification line, caveats
    cls_i = _find_line(blines, CLASS_LINE, 40)
    cls_line = blines[cls_i] if cls_i is not None else None
    fld_i = _find_line(blines, _FIELD_ZONE, 60)
    zone_end = fld_i if fld_i is not None else (cls_i + 8 if cls_i is not None else 0)
    zone = "\n".join(blines[(cls_i or 0):zone_end]) if cls_line else ""
    found = {m.lastindex for m in _CAVEATS_ANY.finditer(zone)} if zone else set()
    caveats = [c for i, c in enumerate(_CAVEATS, 1) if i in found]
    if "SIPDIS" not in caveats and _has_word_i(text, fold(text), "sipdis", _SIPDIS_I):
        caveats.append("SIPDIS")
    h_class = None
    if cls_line is not None:
        extra = " NOFORN" if "NOFORN" in caveats else ""
        if _SENSITIVE_LINE.search(zone):
            extra += " SENSITIVE"
        try:
            h_class = normalize_classification(CLASS_LINE.match(cls_line).group("cls") + extra)
        except CableParseError as exc:  # pragma: no cover - CLASS_LINE implies a level
            notes.append(f"classification: {exc.reason}")

    # --- reference id
    dtg_year = h_date.year if h_date else year_hint
    h_ref = None
    ref_src = None
    if cls_line is not None:
        rest = _SECTION.sub(" ", CLASS_LINE.match(cls_line).group("rest") or "")
        rest = _REST_CAVEATS.sub(" ", rest)
        m = _POST_SERIAL.match(rest)
        if m:
            ref_src = (m.group("yy"), m.group("post"), m.group("serial"))
    if ref_src is None:
        m = _PAGE_LINE.search("\n".join(blines))
        if m:
            ref_src = (None, m.group("post"), m.group("serial"))
    if ref_src is None:
        de = _DE_RE.search(htext)
        post = _post_from_origin(origin_raw)
        if de and post:
            ref_src = (None, post, de.group("serial"))
    if ref_src is not None:
        yy, post, serial = ref_src
        try:
            if yy is not None:
                h_ref = canonical_ref(f"{yy}{post}{serial}")
            elif dtg_year is not None:
                h_ref = canonical_ref(f"{post} {serial}", dtg_year)
        except CableParseError as exc:
            notes.append(f"ref: {exc.reason}")

    # --- E.O. / TAGS / SUBJECT / REF / Classified By
    eo = _field_value(blines, _EO_LINE)
    declassify_on = None
    if eo is not None:
        d = _DECL.search(eo)
        value = (d.group(1) if d else eo).strip(" .;")
        if value and not _NA.fullmatch(value):
            declassify_on = value
    tags_v = _field_value(blines, _TAGS_LINE, _is_tags_cont)
    h_tags = _parse_tags(tags_v) if tags_v is not None else None
    h_tags = h_tags or None
    subject = _field_value(blines, _SUBJ_LINE)
    if subject is not None:
        subject = _SUBJ_CUT.split(subject)[0]
        subject = subject.strip() or None
    ref_v = _field_value(blines, _REF_LINE, None)
    if ref_v is not None:
        i = _find_line(blines, _REF_LINE, 120)
        # lettered REF items continue past the first line: "A. UNVIE 109" / "¶B. UNVIE 201"
        j = i + 1
        while j < len(blines) and _REF_CONT.match(blines[j]):
            ref_v += " " + blines[j].strip()
            j += 1
    h_references = _split_refs(ref_v) if ref_v is not None else None
    h_references = h_references or None
    clby_at = _find_line(blines, _CLBY_LINE, 120)
    if clby_at is not None:
        _split_reasons_tail(blines, clby_at)
    clby = _field_value(blines, _CLBY_LINE, _CLBY_CONT.match)
    classified_by = reasons = None
    if clby is not None:
        classified_by, reasons = _split_classified_by(clby)
    if reasons is None:
        m = _REASONS_LINE.search("\n".join(blines[:80]))
        if m:
            reasons = m.group(1).strip(" .")

    # --- body
    body, paragraphs = clean_body("\n".join(blines))
    if glued and not paragraphs:
        notes.append("newlines lost in source: no paragraph boundaries recovered")

    cable_like = any(
        v is not None for v in (cls_line, h_date, origin_raw, tags_v, subject, eo, h_ref)
    ) or bool(meta.get("ref"))
    if not cable_like:
        raise fail(
            "no cable found: no classification line, date-time group, FM line, TAGS, SUBJECT "
            "or E.O. line, and no container reference",
            "header",
        )
    if not body.strip():
        if dump_note and "another cable's record" in dump_note:
            raise fail(
                "cable has no prose: the page's text after its header is another cable's "
                f"record ({dump_note.split('(')[-1].split(')')[0]})",
                "body",
            )
        if _TRUNCATED.search(text) or len(text) < 1000:
            raise fail(
                "cable has no prose: the published text breaks off in the header, a "
                "truncated page",
                "body",
            )
        raise fail(
            "cable has no body text after the header (only routing/header lines found)", "body"
        )
    if h_date is None and meta.get("date") is None:
        notes.append("date: no date-time group found")

    # --- container metadata wins; differences are recorded
    disagreements: list[Disagreement] = []

    def pick(name: str, header_value: Any, same: Any = None) -> Any:
        if name not in meta or meta[name] is None:
            return header_value
        cont = meta[name]
        if header_value is not None:
            eq = same(cont, header_value) if same else cont == header_value
            if not eq:
                disagreements.append(Disagreement(name, _show(cont), _show(header_value)))
        return cont

    ref = pick("ref", h_ref)
    # Cablegate's "created" time is not the DTG to the minute (it differs by minutes to an
    # hour on most pages): only a difference of more than a day is a disagreement.
    date = pick("date", h_date, lambda a, b: abs((a - b).total_seconds()) <= 86400)
    origin = pick("origin", h_origin)
    classification = pick(
        "classification", h_class, lambda a, b: _norm_class_or_self(a) == _norm_class_or_self(b)
    )
    subject = pick("subject", subject, lambda a, b: _norm_ws(a).casefold() == _norm_ws(b).casefold())
    tags = pick("tags", h_tags, lambda a, b: tuple(a) == tuple(b))
    if tags is not None:
        tags = tuple(tags)
    # Container references are ids (66STATE106206), the header's are as written
    # ("SECSTATE 6516"): different forms, so no disagreement is recorded for them.
    references = meta.get("references") if meta.get("references") is not None else h_references
    if references is not None:
        references = tuple(references)
    subject_tags = country_tags = None
    if tags:
        subject_tags, country_tags = (tuple(x) for x in split_tags(tags))
    return Cable(
        ref=ref,
        date=date,
        origin=origin,
        origin_raw=origin_raw,
        to=to,
        info=info,
        classification=classification,
        caveats=tuple(caveats),
        tags=tags,
        subject_tags=subject_tags,
        country_tags=country_tags,
        subject=subject,
        references=references,
        classified_by=classified_by,
        reasons=reasons,
        declassify_on=declassify_on,
        paragraphs=paragraphs,
        body=body,
        source=source,
        released=meta.get("released"),
        disagreements=tuple(disagreements),
        notes=tuple(notes),
    )


def _norm_ws(s: Any) -> str:
    return _WS_RUN.sub(" ", str(s)).strip()


def _norm_class_or_self(s: str) -> str:
    try:
        return normalize_classification(s)
    except CableParseError:
        return s


def _show(v: Any) -> str:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, (tuple, list)):
        return " ".join(str(x) for x in v)
    return str(v)
