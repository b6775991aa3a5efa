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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["GENRES", "GENRE_CUES", "SUBJECT", "GenreFeatures", "GenreScan", "detect_genres",
           "genre_features", "genre_of", "genre_summary"]

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


#: Odd 64-bit multipliers combining five word hashes into one 5-gram hash.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)
_BASE = 0x100000001B3  # odd: invertible modulo 2**64
_POW = np.ones(1, dtype=np.uint64)
_INV = np.ones(1, dtype=np.uint64)


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``_BASE ** j`` and its inverse modulo 2**64 for ``j < n`` (cached, grown by doubling)."""
    global _POW, _INV
    if _POW.size < n:
        size = max(n, 2 * _POW.size, 1 << 16)
        inv = pow(_BASE, -1, 1 << 64)
        with np.errstate(over="ignore"):
            _POW = np.ones(size, dtype=np.uint64)
            _INV = np.ones(size, dtype=np.uint64)
            np.cumprod(np.full(size - 1, _BASE, dtype=np.uint64), out=_POW[1:])
            np.cumprod(np.full(size - 1, inv, dtype=np.uint64), out=_INV[1:])
    return _POW, _INV


def _shingles(body: str, n: int = 5) -> np.ndarray:
    """The distinct hashes of a body's lower-cased word ``n``-grams (sorted uint32).

    The words are ``[a-z]+`` runs of the lower-cased body (non-ASCII characters break
    words, as in ``re.findall("[a-z]+", body.lower())``). A word's hash is a polynomial
    hash of its letters modulo 2**64, computed for every word at once from prefix sums;
    an ``n``-gram's mixes its words' hashes with fixed odd multipliers and keeps 32 bits.
    All numpy, no Python object per word.
    """
    raw = np.frombuffer(body.lower().encode("ascii", "replace"), dtype=np.uint8)
    alpha = (raw >= 97) & (raw <= 122)
    edges = np.diff(alpha.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    if starts.size < n:
        return np.zeros(0, np.uint32)
    ends = np.flatnonzero(edges == -1)
    pw, inv = _powers(raw.size + 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(raw.size + 1, dtype=np.uint64)
        np.cumsum(raw.astype(np.uint64) * alpha * pw[:raw.size], out=prefix[1:])
        h = (prefix[ends] - prefix[starts]) * inv[starts]
        m = h.size - n + 1
        acc = h[:m] * _MIX[0]
        for j in range(1, n):
            acc += h[j:j + m] * _MIX[j % len(_MIX)]
        acc ^= acc >> np.uint64(31)
        acc *= _MIX[4]
    out = np.sort((acc >> np.uint64(32)).astype(np.uint32))
    keep = np.ones(out.size, dtype=bool)
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def _lines(body: str) -> list[str]:
    return [ln for ln in body.splitlines() if ln.strip()]


def _structure(body: str) -> tuple[bool, bool, int]:
    """(roster, labelled form, number of label lines) of one body."""
    lines = _lines(body)
    # _LABEL never crosses a line: match it on the lines with a colon only.
    labels = [m.group(1).strip().lower() for m in map(_LABEL.match, [
        ln for ln in body.split("\n") if ":" in ln]) if m]
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

    See Also
    --------
    GenreScan : the same genres from batches of cables (a corpus that does not fit in
        memory, batches computed in worker processes).
    """
    bodies = list(bodies)
    subjects = list(subjects) if subjects is not None else [None] * len(bodies)
    if len(subjects) != len(bodies):
        raise ValueError(f"detect_genres: {len(subjects)} subjects for {len(bodies)} bodies; "
                         "pass one subject (or None) per cable.")
    scan = GenreScan(min_shingle_cables=min_shingle_cables, template_share=template_share)
    scan.add(genre_features(bodies, subjects))
    return scan.genres()


@dataclass
class GenreFeatures:
    """What `detect_genres` needs of a batch of cables, without their text.

    ``shingles`` holds each cable's distinct 5-gram hashes (`_shingles`), concatenated;
    ``n_shingles`` their number per cable; ``roster``, ``labelled``, ``demarche`` the
    structure tests of `genre_of`; ``cue`` the genre the subject line names ("" none).
    A batch of 2,000 cables is ~8 MB of shingles and pickles cheaply between processes.
    """

    shingles: np.ndarray
    n_shingles: np.ndarray
    roster: np.ndarray
    labelled: np.ndarray
    demarche: np.ndarray
    cue: list[str]

    def __len__(self) -> int:
        return len(self.cue)


def genre_features(bodies: Sequence[str | None],
                   subjects: Sequence[str | None] | None = None) -> GenreFeatures:
    """`GenreFeatures` of a batch of cables (run it in worker processes for speed)."""
    subjects = list(subjects) if subjects is not None else [None] * len(bodies)
    if len(subjects) != len(bodies):
        raise ValueError(f"genre_features: {len(subjects)} subjects for {len(bodies)} bodies")
    parts, n_sh, roster, labelled, demarche, cue = [], [], [], [], [], []
    for body, subject in zip(bodies, subjects, strict=True):
        body = body or ""
        sh = _shingles(body)
        parts.append(sh)
        n_sh.append(sh.size)
        r, lab, c, d = _form_tests(body, subject)
        roster.append(r)
        labelled.append(lab)
        cue.append(c or "")
        demarche.append(d)
    return GenreFeatures(
        np.concatenate(parts) if parts else np.zeros(0, np.uint32),
        np.asarray(n_sh, dtype=np.int64), np.asarray(roster, bool),
        np.asarray(labelled, bool), np.asarray(demarche, bool), cue)


class GenreScan:
    """`detect_genres` over batches: `add` each batch's `GenreFeatures`, then `genres`.

    Holds 4 bytes per distinct 5-gram of each cable (~4 kB a cable; ~1 GB at 251,287
    Cablegate cables) and no text. Document frequencies are counted in partitions of the
    hash space (by its top 3 bits), so no step sorts all hashes at once.
    """

    PARTITION_BITS = 3

    def __init__(self, *, min_shingle_cables: int = 3, template_share: float = 0.4) -> None:
        self.min_shingle_cables = min_shingle_cables
        self.template_share = template_share
        self._batches: list[GenreFeatures] = []

    def add(self, features: GenreFeatures) -> None:
        self._batches.append(features)

    def __len__(self) -> int:
        return sum(len(b) for b in self._batches)

    def template_hashes(self) -> np.ndarray:
        """Sorted hashes of the 5-grams in more than ``min_shingle_cables`` cables."""
        shift = np.uint32(32 - self.PARTITION_BITS)
        common = []
        for p in range(1 << self.PARTITION_BITS):
            sel = [b.shingles[(b.shingles >> shift) == p] for b in self._batches]
            if not sel:
                continue
            uniq, df = np.unique(np.concatenate(sel), return_counts=True)
            common.append(uniq[df > self.min_shingle_cables])  # others: df - 1
        return np.concatenate(common) if common else np.zeros(0, np.uint32)

    def genres(self) -> list[str]:
        """One genre per cable added, in the order added."""
        template = self.template_hashes()
        out: list[str] = []
        for b in self._batches:
            hit = np.zeros(b.shingles.size + 1, dtype=np.int64)
            if template.size and b.shingles.size:
                pos = np.minimum(np.searchsorted(template, b.shingles), template.size - 1)
                np.cumsum(template[pos] == b.shingles, out=hit[1:])
            ends = np.cumsum(b.n_shingles)
            shared = hit[ends] - hit[ends - b.n_shingles]
            templated = (b.n_shingles > 0) & (
                shared / np.maximum(b.n_shingles, 1) >= self.template_share)
            out += [_decide(*f) for f in zip(b.roster.tolist(), b.labelled.tolist(), b.cue,
                                              b.demarche.tolist(), templated.tolist(),
                                              strict=True)]
        n_forms = sum(g != SUBJECT for g in out)
        logger.info("detect_genres: %d of %d cables are forms (%s)", n_forms, len(out),
                    dict(Counter(g for g in out if g != SUBJECT)))
        return out


def _form_tests(body: str, subject: str | None) -> tuple[bool, bool, str | None, bool]:
    """(roster, labelled form, the genre the subject names, demarche report) of a cable."""
    subject = str(subject or "")
    roster, labelled, _ = _structure(body)
    cue = next((name for name, c in GENRE_CUES if c.search(subject)), None)
    demarche = bool(_DEMARCHE.search(subject + " " + body[:400])
                    and re.search(r"\bdemarche\b", subject + " " + body[:600], re.I)
                    and len(body.split()) <= DEMARCHE_MAX_WORDS)
    return roster, labelled, cue, demarche


def _decide(roster: bool, labelled: bool, cue: str | None, demarche: bool,
            templated: bool) -> str:
    if roster or templated or labelled:
        return cue or ("roster" if roster else "other form")
    return "demarche report" if demarche else SUBJECT


def genre_of(body: str, subject: str | None, templated: bool) -> str:
    """One cable's genre given whether its text is template text of the corpus.

    ``templated``: at least ``template_share`` of its word 5-grams occur in other cables
    (`detect_genres` counts them over the corpus; the Spark backend with a broadcast table).
    """
    roster, labelled, cue, demarche = _form_tests(body, subject)
    return _decide(roster, labelled, cue, demarche, templated)


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
