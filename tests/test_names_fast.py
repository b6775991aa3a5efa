"""Person-name learning made cheaper (issue 16) counts and learns what it did before.

The oracle is `topics.names` frozen at commit bfb6b83 (`benchmarks.names_reference`):
today's `count_names` and `count_beside` (numba kernels of `topics._names_scan`, and the
regex road without numba) must give the same counts, and `learn_person_names` the same
names, on texts built to hit every pattern's edges, on the bundled sample and on real
Cablegate pages (skipped where ``../shared`` is absent).
"""

from __future__ import annotations

import itertools
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import benchmarks.names_reference as ref
import topics.names as nm
from topics.config import sample_corpus_path

FIELDS = ("after", "lower", "capital", "after_the")
DEV_ZIP = Path(__file__).resolve().parents[2] / "shared/data/cablegate-dev/cables-4000.zip"

#: Pieces texts are built of: titles in every case, with and without their dot, words at
#: the patterns' length limits (30 and 31 lower-case letters), apostrophes, hyphens,
#: characters beyond ASCII (some fold onto ASCII letters under IGNORECASE), digits, "the".
PIECES = [
    "Mr", "Mr.", "mR", "MR.", "Mrs.", "President", "PRESIDENT", "president", "Vice",
    "Minister", "Foreign Minister", "Senator", "Amb.", "Gen", "Prime", "Mr.Smith", "Dr.-Jones",
    "Smith", "smith", "SMITH", "Smiths", "Chavez", "chavez", "Lavrov", "Al-Qadhafi", "bin-Laden",
    "O'Neil", "Neil's", "the ", "The ", "THE ", "xthe ", "Senate", "senate", "Roberto", "Mi",
    "Said", "General", "general", "Abc-Def", "abc-def", "x-Ray", "state-of-the-art",
    "a" * 30, "b" * 31, "C" + "c" * 29, "D" + "d" * 30, "E" + "e" * 31, "f" * 40 + "Mr",
    "é", "ſ", "\u212a", "\u0130", "caf\u00e9", "\u00e9coles", "\u00c9mile", "\U0001f600",
    " ", " ", " ", "  ", "\n", "\t", ".", ",", ";", "'", "-", "--", "'-", "5", "1999", "(", ")",
]

SEPARATORS = ["", " ", " ", " ", "\n", ". ", ", "]
text_st = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)),
                   max_size=40).map(lambda parts: "".join(a + b for a, b in parts))
texts_st = st.lists(text_st | text_st.map(str.upper), min_size=1, max_size=6)


def _same_counts(texts: list[str]) -> None:
    if nm._kernel() is not None and any(texts):
        texts_ = [t for t in texts if t]
        _, cps, starts, ends = nm._joined(texts_)
        assert nm._all_caps(texts_, cps, starts, ends) == list(map(ref._is_all_caps, texts_))
    want, got = ref.count_names(texts), nm.count_names(texts)
    for f in FIELDS:
        assert getattr(got, f) == getattr(want, f), f


def _same_pairs(texts: list[str]) -> None:
    """The kernel's capitalised pairs are ``_PAIR_RE.findall``'s, lower-cased."""
    mixed = [t for t in texts if t and not nm._is_all_caps(t)]
    if not mixed:
        return
    joined, cps, starts, ends = nm._joined(mixed)
    flags = np.ones(len(starts), dtype=bool)
    id_start, id_end, first, second = nm._kernel()[0].scan_pairs(cps, starts, ends, flags)
    words = nm._words(joined, id_start, id_end)
    got = [(words[a], words[b]) for a, b in zip(first.tolist(), second.tolist(), strict=True)]
    assert got == [(a.lower(), b.lower()) for t in mixed for a, b in ref._PAIR_RE.findall(t)]


def _same_names(texts: list[str], min_count: int = 2, candidates=()) -> None:
    counts = ref.count_names(texts)
    first = ref.first_names(counts, min_count=min_count, extra_candidates=candidates)
    # the second pass with the first's names and with any word set
    for names in (first, frozenset(w for w in counts.capital if len(w) % 3 == 0)):
        assert nm.count_beside(texts, names) == ref.count_beside(texts, names)
    assert (nm.learn_person_names(texts, min_count=min_count, extra_candidates=candidates)
            == ref.learn_person_names(texts, min_count=min_count,
                                      extra_candidates=candidates))


@pytest.fixture(params=["numba", "regex"])
def road(request, monkeypatch):
    """Both roads: the numba kernels (several calls per batch) and the regexes."""
    if request.param == "regex":
        monkeypatch.setattr(nm, "_KERNEL", False)
    else:
        assert nm._kernel() is not None
        monkeypatch.setattr(nm, "_SCAN_CHARS", 200)
    return request.param


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=texts_st)
def test_counts_and_names_equal_the_reference_on_edge_texts(texts):
    _same_counts(texts)
    _same_pairs(texts)
    _same_names(texts, min_count=1)
    _same_names(texts, candidates=("smith", "ſmith", "Lavrov", "neil's", "a b"))


@settings(max_examples=60, deadline=None)
@given(texts=texts_st)
def test_regex_road_equals_the_reference(texts):
    saved = nm._KERNEL
    nm._KERNEL = False
    try:
        _same_counts(texts)
        _same_names(texts, min_count=1)
    finally:
        nm._KERNEL = saved


EDGE_TEXTS = [
    "", "President Chavez spoke. Mr. Chavez left; mr. chavez", "MINISTER LAVROV AND MR. SMITH",
    "Mr.Smith met Dr.Jones and Mr.-Smith; Mr. (Smith) 1999 Mr 5 Smith", "Mr.\n\nSmith",
    "The Senate and the Senate met Senator Lugar. Senator Lugar and Roberto Lugar spoke.",
    "x" * 31 + "Mr Smith, " + "y" * 32 + "-Mr Jones 'Mr Brown -Mr Green x-Mr White",
    "Ambassador Mc'Donald, President O'Neil, Minister Al-Qadhafi; al-Qadhafi said",
    "Caf\u00e9 Mr. \u00c9mile, \u00e9coles M\u0130nister Smith, Mr. \u212aarl, President \u017fmith",
    "Hillary Rodham Clinton, Hillary Clinton and " + "A" + "b" * 30 + " Jones " + "C" + "d" * 31,
    "MR. SMITH AND PRESIDENT JONES MET " * 160 + "the minister Mr. Brown and Mr. Smith " * 100,
    "Mr. Brown and the minister " * 190 + "MR. SMITH AND PRESIDENT JONES MET " * 100,
    "b" * 500 + "A" * 4500 + " the minister Smith said" * 40,  # 90% capitals in the head
    "A" * 4500 + "b" * 500 + " the minister Smith said" * 40,
    "A" * 4500 + "b" * 500 + " caf\u00e9 \u00c9mile Mr. Smith" * 20,  # ASCII head only
    "b" * 500 + "A" * 4499 + "\u00c9" + " the minister Smith said" * 40,
    "\u00c9MILE \u00c9COLE MR. SMITH " * 300 + "caf\u00e9 smith " * 10,
    "Jones " + "E" + "e" * 30 + ", Jones " + "F" + "f" * 31 + ". Jones Smith-Brown, Jones Smith's",
]


#: One body with more title pairs, distinct words and capitalised pairs than the kernels'
#: first arrays hold (they grow in the middle of a body).
_WORDS = ["".join(t) for t in itertools.product("abcdefghij", repeat=4)]
BIG_TEXT = " ".join(
    f"{w} Mr. {w.title()} and President {w[::-1].title()} {w.title()}, {w}'s" for w in _WORDS)


def test_growing_arrays_on_one_big_body(road):
    texts = [BIG_TEXT, "Mr. Abcd spoke. " + BIG_TEXT[:5000]]
    _same_counts(texts)
    if road == "numba":
        _same_pairs(texts)
    _same_names(texts)


def test_edge_texts_on_both_roads(road):
    _same_counts(EDGE_TEXTS)
    if road == "numba":
        _same_pairs(EDGE_TEXTS)
    _same_names(EDGE_TEXTS, min_count=1)
    _same_names(EDGE_TEXTS * 2)


def test_bundled_sample_on_both_roads(road):
    texts = [p.read_text(encoding="utf-8") for p in
             sorted((sample_corpus_path() / "cables").rglob("*.txt"))]
    assert len(texts) >= 100
    _same_counts(texts)
    assert nm.learn_person_names(texts) == ref.learn_person_names(texts)


@pytest.mark.skipif(not DEV_ZIP.exists(), reason=f"{DEV_ZIP} absent (../shared not mounted)")
def test_real_cablegate_pages_equal_the_reference():
    with zipfile.ZipFile(DEV_ZIP) as zf:
        members = [n for n in zf.namelist() if n.endswith((".html", ".htm"))][:100]
        texts = [zf.read(n).decode("utf-8", "replace") for n in members]
    assert len(texts) == 100
    _same_counts(texts)
    assert nm.learn_person_names(texts) == ref.learn_person_names(texts)


#: Inputs that would make a careless scan quadratic: runs longer than the patterns'
#: 31 characters, titles without end, pairs without end, apostrophe and hyphen runs.
NAME_FAMILIES = {
    "lower run": "a", "capital then lower run": "Ab" + "b" * 200 + " ", "capital run": "A",
    "titles": "Mr. ", "titles joined": "Mr", "title dots": "Mr.", "pairs": "Ab Cd ",
    "pair chain": "Ab Cd", "apostrophes": "a'-", "hyphenated": "ab-", "the": "The The ",
    "mixed": "aB",
}


def test_name_passes_grow_linearly():
    from tests.test_linear_time import FAMILIES, _grows_linearly, _make

    nm.count_names(["warm up Mr. Smith"])
    slow = []
    for fam, unit in {**FAMILIES, **NAME_FAMILIES}.items():
        def passes(text: str) -> None:
            nm.count_names([text])
            nm.count_beside([text], {"ab", "cd", "smith"})

        ok, small, large = _grows_linearly(passes, _make(unit, 20_000), _make(unit, 200_000),
                                           20.0)
        if not ok:
            slow.append(f"{fam!r}: {small * 1e3:.2f} -> {large * 1e3:.2f} ms")
    assert not slow, "10x input cost more than 20x time:\n" + "\n".join(slow)
