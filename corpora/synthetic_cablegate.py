"""The ``cablegate`` profile of `corpora.synthetic`: generated cables with real statistics.

The default generator writes short cables (150-580 body words) from ~470 distinct words, so
a model fitted on it says little about speed or quality at Cablegate scale. This profile
keeps the raw layout of `corpora.synthetic` (the same headers, markings, page breaks and
signatures) and changes what the bodies are made of, after measurements on the 3,966 real
Cablegate cables of the dev store (``cablegate-dev/cables-4000.zip``):

Length
    Body words are log-normal, ``exp(N(6.68, 0.92))`` clipped to [40, 12,000]: median
    ~800, mean ~1,100 words, 5th/95th percentiles ~170/3,600 (the dev store: median 951,
    mean 1,112, 5th/95th 119/2,579, log-mean 6.68, log-sd 0.92).
Vocabulary
    A general vocabulary of `N_GENERAL_WORDS` pseudo-words (syllable strings that are no
    English or cable stopword) with Zipf frequencies (exponent 1.0), plus the shared
    diplomatic `corpora.synthetic.BACKGROUND_WORDS` and the English function words (which
    the tokenizer drops, as ~45% of a real cable's words are). After pruning
    (``min_df=3, max_df=0.5``) 25k-40k distinct terms survive from 25,000 cables up.
Themes
    `N_THEMES` planted themes: the eight named `corpora.synthetic.PLANTED_THEMES` (their
    own words and TAGS) and 42 more, each a block of `THEME_WORDS` pseudo-words from the
    general vocabulary with its own Zipf weights, TAGS, office and subjects. A cable has
    one planted (primary) theme and a minor second theme; ``truth.csv`` records the
    primary one, what a topic model's dominant theme should recover.
Posts and dates
    The 33 posts of `corpora.synthetic.POSTS` with Zipf shares (a few large embassies send
    most cables, as in Cablegate); years 2000-2010 with the dev store's shares (2009 the
    largest, ~37%; 2010 ends in February).

The vocabulary and theme words depend only on `PROFILE_VERSION`, not on the corpus seed,
so corpora of different seeds share their themes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

__all__ = ["N_GENERAL_WORDS", "N_THEMES", "PROFILE_VERSION", "THEME_WORDS", "CablegateProfile"]

PROFILE_VERSION = "1"
N_GENERAL_WORDS = 40_000
N_THEMES = 50
THEME_WORDS = 300

#: Log-normal body length in words, fitted on the dev store's 3,966 real cables.
LOG_WORDS_MEAN, LOG_WORDS_SD = 6.68, 0.92
MIN_WORDS, MAX_WORDS = 40, 12_000

#: Shares of a body's words by source. Function words are English stopwords (dropped by the
#: tokenizer); the rest is content.
_FUNCTION, _BACKGROUND, _GENERAL, _PRIMARY, _SECONDARY, _GEO = 0.47, 0.06, 0.21, 0.19, 0.05, 0.02

#: Real Cablegate years (dev store shares, 2000-2010).
YEARS = np.arange(2000, 2011)
YEAR_WEIGHTS = np.array(
    [0.0003, 0.0008, 0.0013, 0.0066, 0.023, 0.068, 0.115, 0.103, 0.217, 0.371, 0.092]
)
YEAR_WEIGHTS = YEAR_WEIGHTS / YEAR_WEIGHTS.sum()

_ONSETS = (
    "b bl br c ch cl cr d dr f fl fr g gl gr h j k kl kr l m n p pl pr qu r s sc sh sk sl "
    "sm sn sp st str t th tr v w z"
).split()
_VOWELS = "a e i o u ai ea ie io ou ei".split()
_CODAS = ("", "", "", "n", "r", "s", "l", "m", "t", "nd", "rt", "st", "x", "k", "ng")
# Real Cablegate subject TAGS (State Department TAGS lexicon) for the generated themes.
_EXTRA_TAGS = (
    "PGOV PHUM ECON ETRD EFIN ENRG EAID SNAR KCRM PTER MARR MOPS SOCI KDEM ELAB EAGR "
    "SENV TBIO KHIV KPAO CASC CVIS PREF KTIP KJUS ASEC AMGT OVIP EINV EPET EMIN ECPS "
    "EAIR ELTN KSCA TSPL KIPR KWMN KIRF SMIG PINR KPKO KFRD PINS"
).split()
_OFFICES = ("EUR/PGI", "WHA/EPSC", "EEB/TPP", "DRL/AWH", "INR/B", "OES/PCI", "CA/VO", "EAP/EP")


def _pseudo_words(n: int, rng: np.random.Generator, avoid: frozenset[str]) -> list[str]:
    """``n`` distinct pronounceable lower-case words of 4-12 letters, none in ``avoid``."""
    words: list[str] = []
    seen: set[str] = set(avoid)
    while len(words) < n:
        k = 1 + int(rng.choice(3, p=(0.2, 0.55, 0.25)))
        parts = []
        for _ in range(k):
            parts.append(_ONSETS[int(rng.integers(len(_ONSETS)))])
            parts.append(_VOWELS[int(rng.integers(len(_VOWELS)))])
        parts.append(_CODAS[int(rng.integers(len(_CODAS)))])
        w = "".join(parts)
        if 4 <= len(w) <= 12 and w not in seen:
            seen.add(w)
            words.append(w)
    return words


def _zipf(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def _cdf(p: np.ndarray) -> np.ndarray:
    c = np.cumsum(p)
    return c / c[-1]


@lru_cache(maxsize=1)
def _tables() -> tuple[list[str], np.ndarray]:
    """The general vocabulary and each generated theme's word indices into it."""
    from corpora.synthetic_vocab import BACKGROUND_WORDS, FUNCTION_WORDS, PLANTED_THEMES, POSTS

    rng = np.random.default_rng([int(PROFILE_VERSION), 2010])
    avoid = {w.lower() for w in (*BACKGROUND_WORDS, *FUNCTION_WORDS)}
    for t in PLANTED_THEMES:
        avoid.update(w.lower() for w in t.words)
    for p in POSTS:
        avoid.update(w.lower() for w in (p.country, p.adjective, p.gov, *p.places))
    avoid.update(_STOPWORD_GUARD)
    general = _pseudo_words(N_GENERAL_WORDS, rng, frozenset(avoid))
    # Theme words come from the middle and tail of the Zipf ranks (frequent words are
    # shared by all themes, as in real text), in disjoint blocks.
    pool = rng.permutation(np.arange(300, N_GENERAL_WORDS))
    blocks = pool[: N_THEMES * THEME_WORDS].reshape(N_THEMES, THEME_WORDS)
    return general, blocks


# Short English and cable words a pseudo-word must not be (the tokenizer drops or keeps
# them differently); pseudo-words have 4+ letters, so only longer words matter.
_STOPWORD_GUARD = frozenset(
    "also amid back been both does done down each even ever from have here into just keep "
    "less made make many more most much must next none once only over same seem some such "
    "than that them then there these they this thus very were what when whom will with "
    "cable sipdis noforn summary comment post embassy".split()
)


class CablegateProfile:
    """Themes, vocabulary and draws of the ``cablegate`` profile (see the module docstring).

    Parameters
    ----------
    posts : sequence of corpora.synthetic.Post
        The sending posts (their geography words are mixed into bodies).
    """

    def __init__(self, posts: Sequence) -> None:
        from corpora.synthetic_vocab import BACKGROUND_WORDS, FUNCTION_WORDS, PLANTED_THEMES, Theme

        general, blocks = _tables()
        self.general = np.array(general, dtype=object)
        self.general_cdf = _cdf(_zipf(len(general), 1.0))
        self.background = np.array(BACKGROUND_WORDS, dtype=object)
        self.background_cdf = _cdf(_zipf(len(BACKGROUND_WORDS), 0.3))
        self.function = np.array(FUNCTION_WORDS, dtype=object)
        self.function_cdf = _cdf(np.ones(len(FUNCTION_WORDS)))
        themes = []
        theme_words = []
        theme_cdfs = []
        for i in range(N_THEMES):
            block = [general[j] for j in blocks[i]]
            if i < len(PLANTED_THEMES):
                base = PLANTED_THEMES[i]
                # The named theme's own words first, then its block.
                words = list(base.words) + block[: THEME_WORDS - len(base.words)]
                themes.append(base)
            else:
                words = block
                tags = (_EXTRA_TAGS[i % len(_EXTRA_TAGS)],
                        _EXTRA_TAGS[(7 * i + 3) % len(_EXTRA_TAGS)])
                top = [w.upper() for w in words[:6]]
                themes.append(Theme(
                    i, f"theme_{i:02d}_{words[0]}", tuple(words[:40]), tags,
                    _OFFICES[i % len(_OFFICES)],
                    (f"{{ADJ}} VIEWS ON {top[0]} AND {top[1]}",
                     f"{top[2]} {top[3]}: {{COUNTRY}} UPDATE",
                     f"{{COUNTRY}}: {top[4]} AND THE {top[5]} QUESTION"),
                    (top[0], top[2], top[4], "THE WAY AHEAD"),
                ))
            theme_words.append(np.array(words, dtype=object))
            theme_cdfs.append(_cdf(_zipf(len(words), 0.8)))
        self.themes = tuple(themes)
        self.theme_words = theme_words
        self.theme_cdfs = theme_cdfs
        self.geo = [np.array((p.country, p.adjective, p.gov, *p.places), dtype=object)
                    for p in posts]
        # A few large embassies send most cables: Zipf shares over a fixed post order.
        order = np.random.default_rng([int(PROFILE_VERSION), 33]).permutation(len(posts))
        w = np.empty(len(posts))
        w[order] = _zipf(len(posts), 0.9)
        self.post_weights = w

    def n_words(self, rng: np.random.Generator) -> int:
        """A body length in words (log-normal, clipped)."""
        return int(np.clip(rng.lognormal(LOG_WORDS_MEAN, LOG_WORDS_SD), MIN_WORDS, MAX_WORDS))

    def draw(self, rng: np.random.Generator, theme: int, post: int, n: int) -> list[str]:
        """``n`` words of a body with primary ``theme`` from ``post``, in random order."""
        second = int(rng.integers(N_THEMES - 1))
        second += second >= theme
        shares = np.array([_FUNCTION, _BACKGROUND, _GENERAL, _PRIMARY, _SECONDARY, _GEO])
        counts = rng.multinomial(n, shares)
        sources = (
            (self.function, self.function_cdf),
            (self.background, self.background_cdf),
            (self.general, self.general_cdf),
            (self.theme_words[theme], self.theme_cdfs[theme]),
            (self.theme_words[second], self.theme_cdfs[second]),
            (self.geo[post], _cdf(_zipf(len(self.geo[post]), 0.5))),
        )
        parts = []
        for (words, cdf), k in zip(sources, counts, strict=True):
            if k:
                idx = np.searchsorted(cdf, rng.random(int(k)), side="right")
                np.minimum(idx, len(words) - 1, out=idx)
                parts.append(words[idx])
        out = np.concatenate(parts)
        rng.shuffle(out)
        return out.tolist()


def expected_tokens_per_cable() -> float:
    """Mean body words of the profile (log-normal mean, ignoring the clip)."""
    return math.exp(LOG_WORDS_MEAN + LOG_WORDS_SD**2 / 2)
