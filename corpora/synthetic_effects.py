"""Synthetic cables with a planted covariate effect and a planted vocabulary drift.

An option of `corpora.synthetic`'s generator (same raw cable layout, posts, themes and
vocabulary; nothing of it is rewritten): instead of one theme per cable, each cable's words
are a mixture of the planted themes, its mixture drawn from a Dirichlet whose mean depends
on the cable's year and post (`PlantedEffect`): the planted theme's expected share

    m(year, post) = base + per_year * (year - 2003) + post_boost * [post == effect post]

and every other theme ``(1 - m) / (K - 1)``. That is a linear (additive) model of the
expected share in post and year, the estimand of `topics.report.model_effects`. Words of a
cable are drawn theme by theme from the generator's own (theme, post) word distributions
(so each planted theme's distribution is an LDA topic), then shuffled.

`PlantedDrift` makes one theme's vocabulary change over the years: a word drawn from that
theme is replaced, with probability ``(year - 2003) / 7``, by the word of the same rank in
`DRIFT_WORDS`, so the theme's top terms in 2003 are its own and in 2010 the drift words.

``truth.csv`` holds each cable's ref, post, year and planted mixture ``theta_0..theta_7``.

**The planted share and what a model estimates.** A topic model's share of a cable is a
share of the cable's *modelled* words: the words left after the vocabulary is pruned
(`topics.vectorize.build_dtm`'s ``min_df``/``max_df``). When a theme is common, its most
frequent words occur in more than half the cables and ``max_df = 0.5`` drops them (with the
default effect: theme 0's five most frequent words, 30% of its own words), so the theme
keeps a smaller part of its tokens than the others and its share of the modelled words is
below its mixing weight. `kept_mass` measures each (theme, post) word distribution's
probability on a vocabulary, and `modelled_share` turns the planted mixing weights into
the expected share of the modelled words, ``theta_j r_j / sum_i theta_i r_i`` averaged over
the planted Dirichlet: the quantity to compare a fitted topic share with.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpora.synthetic import (
    _CLASS_WEIGHTS,
    _CLASSIFICATIONS,
    _YEAR_WEIGHTS,
    _YEARS,
    PLANTED_THEMES,
    POSTS,
    SyntheticCable,
    _Generator,
    _Vocab,
)

__all__ = ["DRIFT_WORDS", "EffectDocument", "PlantedDrift", "PlantedEffect",
           "generate_effect_corpus", "iter_effect_cables", "iter_effect_documents",
           "kept_mass", "modelled_share"]

#: Words a drifting theme takes on (none is in the generator's vocabulary).
DRIFT_WORDS = ("cyberattack", "drone", "botnet", "malware", "ransomware", "encryption",
               "firewall", "hacker", "phishing", "spyware", "intrusion", "exploit",
               "backdoor", "payload", "keylogger", "rootkit", "darknet", "cryptocurrency",
               "blockchain", "deepfake")
FIRST_YEAR, LAST_YEAR = 2003, 2010


@dataclass(frozen=True)
class PlantedEffect:
    """The planted prevalence effect (see the module docstring).

    Attributes
    ----------
    theme : int
        Index of the planted theme in `corpora.synthetic.PLANTED_THEMES`.
    post : str
        Sender line of the post where the theme is more common.
    base, per_year, post_boost : float
        The expected share's intercept (2003, other posts), slope per year, post effect.
    concentration : float
        Sum of the Dirichlet parameters (lower: cables about fewer themes).
    """

    theme: int = 0
    post: str = "AMEMBASSY TOKYO"
    base: float = 0.08
    per_year: float = 0.04
    post_boost: float = 0.15
    concentration: float = 1.0

    def share(self, year: float, post: str) -> float:
        """The planted theme's expected share in a cable of ``year`` from ``post``."""
        return self.base + self.per_year * (year - FIRST_YEAR) + \
            self.post_boost * (post == self.post)

    def mean(self, year: float, post: str, n_themes: int) -> np.ndarray:
        m = self.share(year, post)
        out = np.full(n_themes, (1.0 - m) / (n_themes - 1))
        out[self.theme] = m
        return out


@dataclass(frozen=True)
class PlantedDrift:
    """One theme whose words turn into `DRIFT_WORDS` from 2003 to 2010."""

    theme: int = 1

    def weight(self, year: float) -> float:
        return float(np.clip((year - FIRST_YEAR) / (LAST_YEAR - FIRST_YEAR), 0.0, 1.0))


@dataclass(frozen=True)
class EffectDocument:
    """A generated cable's words with its covariates and planted mixture."""

    ref: str
    post: str
    year: int
    classification: str
    words: list[str]
    theta: np.ndarray


class _MixtureGenerator(_Generator):
    """`corpora.synthetic`'s generator drawing each cable's words from a theme mixture."""

    def __init__(self, seed: int, effect: PlantedEffect | None, drift: PlantedDrift | None):
        super().__init__(seed)
        self.effect, self.drift = effect, drift
        self.base_vocab = self.vocab
        self.vocab = self  # `_paragraphs` calls self.vocab.draw(rng, ti, pi, n)
        self.theta = np.full(len(PLANTED_THEMES), 1.0 / len(PLANTED_THEMES))
        self.year = FIRST_YEAR
        words = PLANTED_THEMES[drift.theme].words if drift else ()
        self.drift_map = {w: DRIFT_WORDS[i % len(DRIFT_WORDS)] for i, w in enumerate(words)}

    def _render(self, rng, post, pi, theme, ti, date, serial, classification) -> str:
        k = len(PLANTED_THEMES)
        self.year = date.year
        mean = self.effect.mean(date.year, post.sender, k) if self.effect \
            else np.full(k, 1.0 / k)
        conc = self.effect.concentration if self.effect else 1.0
        self.theta = rng.dirichlet(mean * conc)
        ti = int(np.argmax(self.theta))  # TAGS and headings of the dominant theme
        return super()._render(rng, post, pi, PLANTED_THEMES[ti], ti, date, serial,
                               classification)

    def document(self, i: int) -> EffectDocument:
        """A cable's words without the cable around them (the fast road of tests)."""
        rng = self.rng
        pi = int(rng.integers(len(POSTS)))
        year = int(rng.choice(_YEARS, p=_YEAR_WEIGHTS))
        k = len(PLANTED_THEMES)
        self.year = year
        mean = self.effect.mean(year, POSTS[pi].sender, k) if self.effect \
            else np.full(k, 1.0 / k)
        conc = self.effect.concentration if self.effect else 1.0
        self.theta = rng.dirichlet(mean * conc)
        n_words = int(np.clip(rng.lognormal(np.log(320), 0.35), 150, 580))
        words = [w.replace(" ", "_") for w in self.draw(rng, 0, pi, n_words)]
        cls = _CLASSIFICATIONS[int(rng.choice(len(_CLASSIFICATIONS), p=_CLASS_WEIGHTS))]
        return EffectDocument(f"D{i:06d}", POSTS[pi].sender, year, cls.split("//")[0], words,
                              self.theta.copy())

    def draw(self, rng, ti, pi, n) -> list[str]:
        counts = rng.multinomial(n, self.theta)
        words: list[str] = []
        for t, c in enumerate(counts.tolist()):
            if not c:
                continue
            drawn = self.base_vocab.draw(rng, t, pi, c)
            if self.drift is not None and t == self.drift.theme:
                w = self.drift.weight(self.year)
                flip = rng.random(len(drawn)) < w
                drawn = [self.drift_map.get(x, x) if f else x
                         for x, f in zip(drawn, flip.tolist(), strict=True)]
            words.extend(drawn)
        order = rng.permutation(len(words))
        return [words[i] for i in order.tolist()]


def iter_effect_cables(n: int, seed: int = 0, *, effect: PlantedEffect | None = None,
                       drift: PlantedDrift | None = None
                       ) -> Iterator[tuple[SyntheticCable, np.ndarray]]:
    """Yield ``n`` (cable, planted mixture) pairs.

    Parameters
    ----------
    n : int
    seed : int
        Same seed, same cables.
    effect : PlantedEffect, optional
        The covariate effect (default: every theme equally likely, no effect).
    drift : PlantedDrift, optional
        A theme whose vocabulary drifts.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"iter_effect_cables: 'n' must be an int >= 0. Got {n!r} instead.")
    gen = _MixtureGenerator(int(seed), effect, drift)
    for _ in range(n):
        cable = gen.cable()
        yield cable, gen.theta.copy()


def iter_effect_documents(n: int, seed: int = 0, *, effect: PlantedEffect | None = None,
                          drift: PlantedDrift | None = None) -> Iterator[EffectDocument]:
    """Yield ``n`` generated cables as word lists (no header, no rendering): the same word
    distributions, posts, years and planted mixtures as `iter_effect_cables`, for tests and
    benchmarks that need many corpora fast."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"iter_effect_documents: 'n' must be an int >= 0. Got {n!r} instead.")
    gen = _MixtureGenerator(int(seed), effect, drift)
    for i in range(n):
        yield gen.document(i)


def generate_effect_corpus(out_dir: str | Path, n: int = 1000, seed: int = 0, *,
                           effect: PlantedEffect | None = None,
                           drift: PlantedDrift | None = None) -> Path:
    """Write the cables (``cables/<YYYY>/<MM>/<REF>.txt``) and ``truth.csv``.

    Returns
    -------
    Path
        ``out_dir``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    k = len(PLANTED_THEMES)
    with open(out / "truth.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["ref", "post", "year", *(f"theta_{j}" for j in range(k))])
        for cable, theta in iter_effect_cables(n, seed, effect=effect, drift=drift):
            writer.writerow([cable.ref, cable.post, cable.date.year,
                             *(f"{x:.6f}" for x in theta.tolist())])
            path = out / "cables" / f"{cable.date:%Y}" / f"{cable.date:%m}" / f"{cable.ref}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(cable.text, encoding="utf-8", newline="\n")
    return out


def post_names() -> list[str]:
    """Sender lines of the generator's posts."""
    return [p.sender for p in POSTS]


def kept_mass(terms) -> np.ndarray:
    """Each planted (theme, post) word distribution's probability on the words ``terms``.

    Parameters
    ----------
    terms : iterable of str
        A vocabulary (multi-word phrases joined by ``_``, as `iter_effect_documents` writes
        them), e.g. the terms of the `DocTermMatrix` a model was fitted on.

    Returns
    -------
    numpy.ndarray, shape (n_themes, n_posts)
        ``r[j, p]``: the share of theme ``j``'s words at post ``p`` (`POSTS` order) that the
        vocabulary keeps. Equal across themes, pruning leaves the planted shares unchanged.
    """
    vocab = _Vocab(PLANTED_THEMES, POSTS)
    kept = set(terms)
    mask = np.array([t.replace(" ", "_") in kept for t in vocab.tokens.tolist()])
    probs = np.diff(vocab.cdf, axis=2, prepend=0.0)
    return (probs * mask).sum(axis=2)


def modelled_share(effect: PlantedEffect, years, posts, kept: np.ndarray, *,
                   n_draws: int = 20000, seed: int = 0) -> np.ndarray:
    """Expected share of the modelled words that come from ``effect.theme``, per cable.

    For a cable of ``year`` from ``post`` the planted mixture is ``theta ~ Dirichlet(
    concentration * effect.mean(year, post))``; a word of theme ``j`` is kept with
    probability ``kept[j, post]`` (`kept_mass`), so the theme's share of the kept words is
    ``theta_t r_t / sum_j theta_j r_j``. Its expectation over the Dirichlet is computed by
    Monte Carlo (``n_draws`` draws per distinct (year, post), each cell from the same seed).

    Parameters
    ----------
    effect : PlantedEffect
    years, posts : sequence
        One year and one post sender line per cable (or per point of interest).
    kept : numpy.ndarray, shape (n_themes, n_posts)
    n_draws : int
    seed : int

    Returns
    -------
    numpy.ndarray of float, one value per (year, post)
    """
    k = len(PLANTED_THEMES)
    index = {p.sender: i for i, p in enumerate(POSTS)}
    cache: dict[tuple[float, str], float] = {}
    draws: dict[tuple[float, ...], np.ndarray] = {}  # one set per distinct Dirichlet
    out = np.empty(len(years))
    for i, (year, post) in enumerate(zip(years, posts, strict=True)):
        key = (float(year), str(post))
        if key not in cache:
            shape = effect.concentration * effect.mean(float(year), str(post), k)
            skey = tuple(np.round(shape, 12).tolist())
            if skey not in draws:
                draws[skey] = np.random.default_rng(seed).gamma(shape, size=(n_draws, k))
            w = draws[skey] * kept[:, index[str(post)]]
            total = w.sum(axis=1)
            ok = total > 0
            cache[key] = float(np.mean(w[ok, effect.theme] / total[ok]))
        out[i] = cache[key]
    return out
