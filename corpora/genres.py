"""Cable genres: form cables (rosters, visit logistics, demarche reports, press summaries,
notices) told apart from subject cables by their structure.

A form cable says little about what a post reports on: a Leahy vetting roster repeats
``RANK/NAME: ... DOB: ... UNIT/INSTITUTION:`` sixty times, a country-clearance request
fills a template of arrival, hotel and control-officer paragraphs. Topic models turn such
cables into "topics" of field labels. `detect_genres` marks them from the corpus itself:

- **repeated field labels**: three or more ``Label: value`` labels each used at least three
  times, on at least a quarter of the cable's lines (a roster of records);
- **templates**: a large share (``template_share``) of the cable's word 5-grams recur in
  at least ``min_shingle_cables`` other cables: the corpus's own templates, with their
  slots filled differently (clearance and visit requests, end-use checks, notices,
  request/response pairs of rosters);
- **labelled forms**: at least six field labels making up at least 40% of the lines.

A cable caught by one of these is a form. Its genre is then named from State Department
subject-line conventions (a short, generic list, `GENRE_CUES`, not a list of the words of a
corpus): ``vetting`` or a structure of repeated records -> ``roster``; ``clearance``,
``visit``, ``codel``, ``logistics`` -> ``visit logistics``; ``media reaction``, ``press
summary`` -> ``press summary``; ``visa``, ``travel``, ``announcement``, ``notice`` ->
``notice``; otherwise ``other form``. Short cables whose subject or opening says a demarche
was delivered are ``demarche report`` (the one genre told by its words, as it has no
template: it is a short reply to a reference cable). Every other cable is ``subject``.

Regexes here are linear (no nested quantifiers; bounded repeats).

Examples
--------
>>> roster = "\\n".join(f"RANK/NAME: Officer {i}\\nDOB: 1970\\nUNIT/INSTITUTION: Police"
...                     for i in range(5))
>>> detect_genres([roster, "The minister discussed the budget with us."],
...               ["LEAHY VETTING RESPONSE", "BUDGET TALKS"])
['roster', 'subject']
"""

from __future__ import annotations

import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["GENRES", "GENRE_CUES", "SUBJECT", "detect_genres", "genre_of", "genre_summary"]

logger = logging.getLogger(__name__)

SUBJECT = "subject"
GENRES = (SUBJECT, "roster", "visit logistics", "demarche report", "press summary", "notice",
          "other form")

#: Subject-line conventions naming the genre of a cable found to be a form (first match).
GENRE_CUES = (
    ("roster", re.compile(r"\bvetting\b|\bnominat|\bparticipants?\b|\broster\b", re.I)),
    ("visit logistics", re.compile(
        r"\bclearance\b|\bvisit\b|\bcodel\b|\blogistic|\baccommodation|\bhotel\b|\bstaffdel\b",
        re.I)),
    ("press summary", re.compile(
        r"\b(?:media|press)\s(?:reaction|summary|review|roundup|highlights)\b|\bdaily\b|"
        r"\bnewspapers?\b|\beditorials?\b", re.I)),
    ("notice", re.compile(r"\bvisas?\b|\btravel\b|\bannouncement\b|\bnotice\b|\bwarden\b",
                          re.I)),
)
_DEMARCHE = re.compile(r"\bdemarche\b|\bdelivered\b", re.I)
_LABEL = re.compile(r"^[ \t]{0,8}(?:[-*][ \t]{0,3}|\(?[A-Za-z0-9]{1,2}[.)][ \t]{0,3})?"
                    r"([A-Za-z][A-Za-z /&'.-]{0,30}[A-Za-z.])[ \t]{0,3}:[ \t]{0,8}\S", re.M)
_WORD = re.compile(r"[a-z]+")

#: A cable with at most this many words may be a demarche report.
DEMARCHE_MAX_WORDS = 350


def _shingles(body: str, n: int = 5) -> set[int]:
    words = _WORD.findall(body.lower())
    return {zlib.crc32(" ".join(words[i:i + n]).encode()) for i in range(len(words) - n + 1)}


def _lines(body: str) -> list[str]:
    return [ln for ln in body.splitlines() if ln.strip()]


def _structure(body: str) -> tuple[bool, bool, int]:
    """(roster, labelled form, number of label lines) of one body."""
    lines = _lines(body)
    labels = [m.group(1).strip().lower() for m in _LABEL.finditer(body)]
    counts = Counter(labels)
    repeated = [lab for lab, c in counts.items() if c >= 3]
    n_rep = sum(counts[lab] for lab in repeated)
    n = max(len(lines), 1)
    roster = len(repeated) >= 3 and n_rep >= 0.25 * n
    labelled = len(counts) >= 6 and len(labels) >= 0.4 * n
    return roster, labelled, len(labels)


def detect_genres(bodies: Sequence[str | None], subjects: Sequence[str | None] | None = None,
                  *, min_shingle_cables: int = 3, template_share: float = 0.4
                  ) -> list[str]:
    """The genre of each cable (one of `GENRES`), from the corpus's structure.

    Parameters
    ----------
    bodies : sequence of str or None
        Clean cable bodies (``Cable.body``), the whole corpus (templates are learned from it).
    subjects : sequence of str or None, optional
        Subject lines, same order (name the genre; None: forms are ``roster`` or
        ``other form``).
    min_shingle_cables : int, default 3
        A word 5-gram in at least this many other cables is template text.
    template_share : float, default 0.4
        Share of a cable's 5-grams that are template text from which it is a form (on
        the 4,000-cable development corpus the median cable has 2%, the 99th percentile
        about 20%).

    Returns
    -------
    list of str
        One genre per cable.
    """
    bodies = [b or "" for b in bodies]
    subjects = list(subjects) if subjects is not None else [None] * len(bodies)
    if len(subjects) != len(bodies):
        raise ValueError(f"detect_genres: {len(subjects)} subjects for {len(bodies)} bodies; "
                         "pass one subject (or None) per cable.")
    # Each cable's distinct 5-gram hashes as a uint32 array (4 bytes a 5-gram; a set of
    # Python ints held ~185 kB a cable), their document frequencies by one np.unique.
    shingles = [np.fromiter(_shingles(b), dtype=np.uint32) for b in bodies]
    if shingles:
        uniq, df = np.unique(np.concatenate(shingles), return_counts=True)
    else:
        uniq, df = np.zeros(0, np.uint32), np.zeros(0, np.int64)
    out = []
    for body, subject, sh in zip(bodies, subjects, shingles, strict=True):
        # others: df - 1
        shared = int(np.count_nonzero(df[np.searchsorted(uniq, sh)] > min_shingle_cables))
        templated = sh.size > 0 and shared / sh.size >= template_share
        out.append(genre_of(body, subject, templated))
    n_forms = sum(g != SUBJECT for g in out)
    logger.info("detect_genres: %d of %d cables are forms (%s)", n_forms, len(out),
                dict(Counter(g for g in out if g != SUBJECT)))
    return out


def genre_of(body: str, subject: str | None, templated: bool) -> str:
    """One cable's genre given whether its text is template text of the corpus.

    ``templated``: at least ``template_share`` of its word 5-grams occur in other cables
    (`detect_genres` counts them over the corpus; the Spark backend with a broadcast table).
    """
    subject = str(subject or "")
    roster, labelled, _ = _structure(body)
    if roster or templated or labelled:
        genre = next((name for name, cue in GENRE_CUES if cue.search(subject)), None)
        return genre or ("roster" if roster else "other form")
    if (len(body.split()) <= DEMARCHE_MAX_WORDS
            and _DEMARCHE.search(subject + " " + body[:400])
            and re.search(r"\bdemarche\b", subject + " " + body[:600], re.I)):
        return "demarche report"
    return SUBJECT


def genre_summary(refs: Sequence[str], genres: Sequence[str], dates: Iterable | None = None,
                  origins: Iterable | None = None) -> dict:
    """Counts of the form genres overall, by year and by sending post (for reports).

    Returns
    -------
    dict
        ``{"counts": {genre: n}, "by_year": {genre: {year: n}}, "by_post": {genre: {post:
        n}}, "by_ref": {ref: genre}}`` over the non-subject cables.
    """
    dates = list(dates) if dates is not None else [None] * len(refs)
    origins = list(origins) if origins is not None else [None] * len(refs)
    counts: Counter[str] = Counter()
    by_year: dict[str, Counter] = {}
    by_post: dict[str, Counter] = {}
    by_ref = {}
    for ref, genre, date, origin in zip(refs, genres, dates, origins, strict=True):
        if genre == SUBJECT:
            continue
        counts[genre] += 1
        by_ref[ref] = genre
        year = str(getattr(date, "year", "") or "unknown")
        by_year.setdefault(genre, Counter())[year] += 1
        by_post.setdefault(genre, Counter())[str(origin or "unknown")] += 1
    return {"counts": dict(counts.most_common()),
            "by_year": {g: dict(sorted(c.items())) for g, c in by_year.items()},
            "by_post": {g: dict(c.most_common()) for g, c in by_post.items()},
            "by_ref": by_ref}
