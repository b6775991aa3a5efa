"""Person-name learning (`topics.names`) as it was at commit bfb6b83 (before issue 16's
person-name work), frozen.

``tests/test_names_fast.py`` and `benchmarks.bench_names` compare today's `topics.names`
against these functions: the same counts and the same names, and how much cheaper. The
word lists are today's (`topics.names.TITLES`, `DEMONYMS`, ...); only the passes are kept
here. Do not change it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field

from topics.names import _NEVER, DEMONYMS, TITLES

__all__ = ["NameCounts", "count_beside", "count_names", "final_names", "first_names",
           "learn_person_names"]

logger = logging.getLogger(__name__)

# A run of title words, then the capitalised word(s) that follow. Each part is a bounded
# character class followed by a single separator: linear time.
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]{0,30}\.?")
# Each pattern starts with what it matches first and checks the character before after it
# (the same matches as a leading lookbehind, which the engine would try at every position).
_LOWER_RE = re.compile(r"[a-z](?<![A-Za-z][a-z])[a-z'-]{1,30}(?![A-Za-z])")
_CAP_RE = re.compile(r"[A-Z](?<![A-Za-z][A-Z])[a-z][a-z'-]{0,29}(?![A-Za-z])")
_THE_RE = re.compile(r"he (?<=(?<![A-Za-z])[Tt]he )([A-Z][a-z][a-z'-]{0,29})(?![A-Za-z])")

#: Largest share of a name's capitalised occurrences that may follow "the".
MAX_THE_SHARE = 0.1

_PAIR_RE = re.compile(r"([A-Z](?<![A-Za-z][A-Z])[a-z]{1,30}) ([A-Z][a-z]{1,30})(?![A-Za-z])")

#: Share of a word's mixed-case occurrences that may be lower case for it to be a name.
MAX_LOWER_SHARE = 0.05

_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ASCII_UPPER = bytes(range(65, 91))
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def _is_all_caps(text: str) -> bool:
    head = text[:5000]
    # ASCII letters counted in C (bytes.translate deletes them), the rest one by one.
    raw = head.encode("ascii", "ignore")
    n_letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    n_upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
    if len(raw) < len(head):
        others = [c for c in _NON_ASCII_RE.findall(head) if c.isalpha()]
        n_letters += len(others)
        n_upper += sum(c.isupper() for c in others)
    return n_letters > 0 and n_upper >= 0.9 * n_letters


_TITLE_FORMS = frozenset(TITLES | {t + "." for t in TITLES})


def _capital(bare: str, all_caps: bool) -> bool:
    return bare[:1].isupper() and (all_caps or not bare.isupper() or len(bare) <= 3)


def _after_titles(text: str, all_caps: bool) -> list[str]:
    """Lower-cased words right after a run of title words (the first non-title word)."""
    words = _WORD_RE.findall(text)
    lows = list(map(str.lower, words))
    out = []
    # Only a word after a title word can be taken: look at those, in order.
    for i in [i for i, low in enumerate(lows) if low in _TITLE_FORMS]:
        if not _capital(words[i].rstrip("."), all_caps) or i + 1 >= len(words):
            continue
        bare = words[i + 1].rstrip(".")
        low = bare.lower()
        if low in TITLES or not _capital(bare, all_caps):
            continue  # another title word (the run goes on) or not a name
        if low not in _NEVER and len(low) > 2 and "'" not in low:
            out.append(low)
    return out


@dataclass
class NameCounts:
    """The first pass of `learn_person_names` over some cables: mergeable counts.

    ``after``: words after a title; ``lower`` / ``capital``: a word's lower-case and
    capitalised occurrences in mixed-case cables; ``after_the``: capitalised after "the".
    Count batches in worker processes (`count_names`), `merge` them, then `first_names`.
    """

    after: Counter = field(default_factory=Counter)
    lower: Counter = field(default_factory=Counter)
    capital: Counter = field(default_factory=Counter)
    after_the: Counter = field(default_factory=Counter)

    def merge(self, other: NameCounts) -> NameCounts:
        self.after.update(other.after)
        self.lower.update(other.lower)
        self.capital.update(other.capital)
        self.after_the.update(other.after_the)
        return self

    def passes(self, w: str, max_lower_share: float = MAX_LOWER_SHARE) -> bool:
        """Written capitalised, rarely in lower case, and not after "the" (the Senate, the
        Taliban, the Muslim community): a person's name takes no article."""
        lower, capital = self.lower[w], self.capital[w]
        seen = lower + capital
        return (seen >= 2 and lower <= max_lower_share * seen
                and self.after_the[w] <= MAX_THE_SHARE * max(capital, 1))


def count_names(texts: Iterable[str]) -> NameCounts:
    """`NameCounts` of some cable bodies (the first pass of `learn_person_names`)."""
    counts = NameCounts()
    for text in texts:
        if not text:
            continue
        caps = _is_all_caps(text)
        counts.after.update(_after_titles(text, caps))
        if not caps:
            counts.lower.update(_LOWER_RE.findall(text))
            counts.capital.update(map(str.lower, _CAP_RE.findall(text)))
            counts.after_the.update(map(str.lower, _THE_RE.findall(text)))
    return counts


def first_names(counts: NameCounts, *, min_count: int = 2, extra_candidates: Iterable[str] = (),
                max_lower_share: float = MAX_LOWER_SHARE) -> set[str]:
    """Names after the first pass: candidates that `NameCounts.passes`."""
    candidates = {w for w, c in counts.after.items() if c >= min_count}
    candidates |= {str(w).lower() for w in extra_candidates}
    names = {w for w in candidates if counts.passes(w, max_lower_share)}
    logger.debug("learn_person_names: %d candidates", len(candidates))
    return names - (TITLES | DEMONYMS | _NEVER)


def count_beside(texts: Iterable[str], names: Set[str]) -> Counter:
    """Second pass: capitalised words beside a known name in mixed-case cables."""
    beside: Counter = Counter()
    for text in texts:
        if not text or _is_all_caps(text):
            continue
        for a, b in _PAIR_RE.findall(text):
            a, b = a.lower(), b.lower()
            if a in names and b not in names:
                beside[b] += 1
            elif b in names and a not in names:
                beside[a] += 1
    return beside


def final_names(counts: NameCounts, names: Set[str], beside: Counter, *, min_count: int = 2,
                max_lower_share: float = MAX_LOWER_SHARE) -> frozenset[str]:
    """The names: the first pass's and the words often beside them that pass the case test."""
    more = {w for w, c in beside.items() if c >= min_count and counts.passes(w, max_lower_share)
            and w not in TITLES | DEMONYMS | _NEVER}
    out = frozenset(set(names) | more)
    logger.info("learn_person_names: %d names", len(out))
    return out


def learn_person_names(texts: Iterable[str], *, min_count: int = 2,
                       extra_candidates: Iterable[str] = (),
                       max_lower_share: float = MAX_LOWER_SHARE) -> frozenset[str]:
    """Person names (lower case) used in a corpus, learned from how its cables write them.

    Parameters
    ----------
    texts : iterable of str
        Cable bodies, mixed case or all capitals (read twice if a sequence; an iterator is
        listed first).
    min_count : int, default 2
        Times a word must follow a title to be a candidate.
    extra_candidates : iterable of str
        Other candidates (e.g. `person_names_from_tags`), subject to the same case test.
    max_lower_share : float, default `MAX_LOWER_SHARE`
        Largest share of a candidate's mixed-case occurrences written in lower case.

    Returns
    -------
    frozenset of str
        Candidates seen in mixed-case text at least twice, lower case at most
        ``max_lower_share`` of the time, not demonyms or title words.

    Notes
    -----
    For a corpus too large for memory, run the passes over batches: `count_names` (merge
    with `NameCounts.merge`), `first_names`, `count_beside` (sum the counters),
    `final_names`; the tokenize stage does that in worker processes.
    """
    if not isinstance(texts, Sequence):
        texts = list(texts)
    counts = count_names(texts)
    names = first_names(counts, min_count=min_count, extra_candidates=extra_candidates,
                        max_lower_share=max_lower_share)
    # Second pass: a capitalised word beside a known name in mixed-case text ("Roberto
    # Micheletti", "Hillary Clinton") is a candidate too.
    return final_names(counts, names, count_beside(texts, names), min_count=min_count,
                       max_lower_share=max_lower_share)
