"""The ``text`` TAG suggester: what a TAG coder reads, scored by ridge regression.

A State Department TAG coder reads the subject line and the first paragraph first, knows
the post, the cable's country TAGS and its addressees, and recognises phrases ("human rights", "money
laundering") and acronyms (IAEA, NPT, UNHCR). `CableFeaturizer` turns those into one sparse
row per cable, in weighted blocks (`BLOCKS`, weights in `DEFAULT_WEIGHTS`):

``body``
    word unigrams and bigrams of the whole body (TF-IDF: sublinear tf, smoothed idf, rows
    l2-normalised; English stopwords out; terms on 2+ and at most half of the cables);
``first``
    the same of the body's first `FIRST_WORDS` words (where the summary is);
``subject``
    word unigrams and bigrams of the subject line;
``subject_chars``
    character 3-5-grams of the subject's words (acronyms, word stems);
``meta``
    the post, the country TAGS and the addressees (``post:embassy_tehran``, ``ctag:ir``,
    ``to:secstate_washdc``, ``info:usaid_washdc``), never the subject TAGS it predicts.
    Who a cable is sent to is part of what a coder reads: aid cables go to USAID, narcotics
    cables to DEA, nonproliferation cables to the IAEA mission.

Each block is l2-normalised per row and multiplied by its weight. `RidgeTagger` fits one
ridge regression per TAG on the 0/1 labels, all TAGS at once in the dual (kernel) form: an
eigendecomposition of the training cables' Gram matrix gives every ridge penalty in the grid
for the price of one. `fit_text_tagger` chooses the penalty and the per-TAG thresholds by
K-fold cross-validation on the training cables (out-of-fold scores), then refits on all of
them. Nothing here reads the test cables.

Saved without pickle: the vocabularies as JSON, idf, weights and thresholds as ``.npy``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from topics.runinfo import atomic_write, atomic_write_json

__all__ = ["BLOCKS", "CableFeaturizer", "CableTexts", "RidgeTagger", "cv_scores",
           "fit_text_tagger"]

logger = logging.getLogger(__name__)

BLOCKS = ("body", "first", "subject", "subject_chars", "meta")
#: Block weights (chosen on the dev corpus's training cables, seed 0; docs/engines.md).
DEFAULT_WEIGHTS = {"body": 1.0, "first": 0.5, "subject": 0.6, "subject_chars": 0.4,
                   "meta": 0.4}
#: Words of the body's start that make the ``first`` block.
FIRST_WORDS = 120
#: Ridge penalties tried by cross-validation (on l2-normalised blocks).
LAMBDA_GRID = (0.1, 0.3, 1.0)
#: Folds of the cross-validation that chooses the penalty and thresholds.
N_FOLDS = 4
# a word: a letter, then letters, digits, '_' or '-' (one character class: linear time)
_WORD = r"(?u)\b[a-z][a-z0-9_\-]+\b"
_NON_WORD = re.compile(r"\W+")
#: The store columns a `CableTexts` holds, in its fields' order.
TEXT_FIELDS = ("subject", "body", "origin", "country_tags", "to", "info")


@dataclass
class CableTexts:
    """The fields of cables the featurizer reads, one entry per cable (row order).

    Attributes
    ----------
    subject, body, origin : list of str
        Missing values as ``""``.
    country_tags : list of list of str
        The cables' country TAGS (``[]`` when unknown).
    to, info : list of list of str, optional
        The action and information addressees (``[]`` when unknown; default: none for
        every cable).
    """

    subject: list[str]
    body: list[str]
    origin: list[str]
    country_tags: list[list[str]]
    to: list[list[str]] | None = None
    info: list[list[str]] | None = None

    def __post_init__(self) -> None:
        n = len(self.body)
        if self.to is None:
            self.to = [[] for _ in range(n)]
        if self.info is None:
            self.info = [[] for _ in range(n)]
        for name in ("subject", "origin", "country_tags", "to", "info"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"CableTexts: {len(getattr(self, name)):,} {name} values for "
                                 f"{n:,} bodies; give one per cable")
        self.subject = [s or "" for s in self.subject]
        self.body = [s or "" for s in self.body]
        self.origin = [s or "" for s in self.origin]
        self.country_tags = [list(t or ()) for t in self.country_tags]
        self.to = [list(t or ()) for t in self.to]
        self.info = [list(t or ()) for t in self.info]

    def __len__(self) -> int:
        return len(self.body)

    def subset(self, rows: Sequence[int]) -> CableTexts:
        """The cables at ``rows``."""
        return CableTexts(*([getattr(self, f)[i] for i in rows] for f in TEXT_FIELDS))

    @classmethod
    def from_store(cls, store: str | Path, refs: Sequence[str] | None = None) -> CableTexts:
        """Read the cables of a corpus store (all, or ``refs`` in that order).

        Raises
        ------
        KeyError
            A ref that is not in the store (named).
        """
        from corpora.store import CorpusStore

        cols: dict[str, list] = {k: [] for k in ("ref", *TEXT_FIELDS)}
        for batch in CorpusStore(Path(store)).iter_batches(batch_size=2000,
                                                           columns=list(cols)):
            for k, v in batch.to_pydict().items():
                cols[k] += v
        if refs is not None:
            pos = {r: i for i, r in enumerate(cols["ref"])}
            missing = [r for r in refs if r not in pos]
            if missing:
                raise KeyError(f"store {store}: {len(missing):,} refs not found, e.g. "
                               f"{missing[0]!r}")
            idx = [pos[r] for r in refs]
            cols = {k: [v[i] for i in idx] for k, v in cols.items()}
        return cls(*(cols[k] for k in TEXT_FIELDS))


def _block_docs(texts: CableTexts, block: str) -> list[str]:
    if block == "body":
        return [b.lower() for b in texts.body]
    if block == "first":
        return [" ".join(b.lower().split()[:FIRST_WORDS]) for b in texts.body]
    if block in ("subject", "subject_chars"):
        return [s.lower() for s in texts.subject]
    return [" ".join(["post:" + _slug(o)] + ["ctag:" + c.lower() for c in ct]
                     + ["to:" + _slug(a) for a in to] + ["info:" + _slug(a) for a in info])
            for o, ct, to, info in zip(texts.origin, texts.country_tags, texts.to, texts.info,
                                       strict=True)]


def _slug(name: str) -> str:
    """One token of a post or addressee name: ``AMEMBASSY SAN JOSE`` -> ``amembassy_san_jose``."""
    return _NON_WORD.sub("_", name.lower()).strip("_")


def _counter(block: str, vocabulary: dict[str, int] | None = None, n_docs: int = 0):
    from sklearn.feature_extraction.text import CountVectorizer

    if block == "subject_chars":
        kw: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": (3, 5),
                              "min_df": 2 if n_docs >= 50 else 1}
    elif block == "meta":
        kw = {"token_pattern": r"\S+", "lowercase": False}
    elif block == "subject":
        kw = {"ngram_range": (1, 2), "token_pattern": _WORD}
    else:
        kw = {"ngram_range": (1, 2), "token_pattern": _WORD, "stop_words": "english",
              "min_df": 2 if n_docs >= 50 else 1, "max_df": 0.5 if n_docs >= 50 else 1.0}
    if vocabulary is not None:
        kw = {k: v for k, v in kw.items() if k not in ("min_df", "max_df")}
        kw["vocabulary"] = vocabulary
    return CountVectorizer(dtype=np.float64, **kw)


@dataclass
class CableFeaturizer:
    """Weighted TF-IDF blocks of a cable's body, start, subject and metadata (module doc).

    Attributes
    ----------
    weights : dict of str -> float
        One weight per block of `BLOCKS`; a block weighted 0 is left out.
    vocab : dict of str -> list of str
        Each block's terms (column order), after `fit`.
    idf : dict of str -> numpy.ndarray
        Each block's idf, after `fit`.
    """

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    vocab: dict[str, list[str]] = field(default_factory=dict)
    idf: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(BLOCKS)
        if unknown:
            raise ValueError(f"CableFeaturizer: unknown blocks {sorted(unknown)}; the blocks "
                             f"are {', '.join(BLOCKS)}")
        if not any(w > 0 for w in self.weights.values()):
            raise ValueError("CableFeaturizer: every block weight is 0; give one a weight > 0")

    @property
    def blocks(self) -> list[str]:
        return [b for b in BLOCKS if self.weights.get(b, 0) > 0]

    def fit(self, texts: CableTexts) -> CableFeaturizer:
        """Learn each block's vocabulary and idf from ``texts``."""
        for b in self.blocks:
            cv = _counter(b, n_docs=len(texts))
            try:
                counts = cv.fit_transform(_block_docs(texts, b))
            except ValueError:  # empty vocabulary (e.g. no subjects at all)
                self.vocab[b], self.idf[b] = [], np.zeros(0)
                continue
            terms = cv.get_feature_names_out().tolist()
            self.vocab[b] = terms
            df = np.bincount(counts.tocsr().indices, minlength=len(terms))
            self.idf[b] = np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0
        return self

    def transform(self, texts: CableTexts) -> sp.csr_matrix:
        """One row per cable: the weighted, row-normalised blocks side by side."""
        from sklearn.preprocessing import normalize

        if not self.vocab:
            raise RuntimeError("CableFeaturizer.transform before fit")
        parts = []
        for b in self.blocks:
            terms = self.vocab[b]
            if not terms:
                continue
            cv = _counter(b, vocabulary={t: i for i, t in enumerate(terms)})
            x = cv.transform(_block_docs(texts, b)).tocsr()
            x.data = 1.0 + np.log(x.data)
            x = normalize(x @ sp.diags(self.idf[b]), norm="l2", copy=False)
            parts.append(float(self.weights[b]) * x)
        return sp.hstack(parts, format="csr") if parts else sp.csr_matrix((len(texts), 0))

    @property
    def n_features(self) -> int:
        return sum(len(self.vocab[b]) for b in self.blocks if b in self.vocab)

    def save(self, folder: Path) -> None:
        atomic_write_json(folder / "featurizer.json",
                          {"weights": self.weights, "first_words": FIRST_WORDS,
                           "vocab": self.vocab})
        for b, arr in self.idf.items():
            _save_npy(folder / f"featurizer_idf_{b}.npy", arr)

    @classmethod
    def load(cls, folder: Path) -> CableFeaturizer:
        from topics.models.base import _load_npy

        meta = json.loads((folder / "featurizer.json").read_text(encoding="utf-8"))
        if meta.get("first_words", FIRST_WORDS) != FIRST_WORDS:
            raise ValueError(f"{folder / 'featurizer.json'}: saved with first_words = "
                             f"{meta['first_words']}, this version reads {FIRST_WORDS}")
        out = cls(weights=meta["weights"], vocab=meta["vocab"])
        out.idf = {b: _load_npy(folder / f"featurizer_idf_{b}.npy") for b in out.vocab}
        return out


def _save_npy(path: Path, arr: np.ndarray) -> None:
    atomic_write(path, lambda fh: np.save(fh, np.asarray(arr), allow_pickle=False))


def _ridge_dual(x_train: sp.csr_matrix, y: np.ndarray, lams: Sequence[float]):
    """Per penalty, the dual coefficients (n_train, n_labels) and the label means."""
    gram = (x_train @ x_train.T).toarray()
    w, v = np.linalg.eigh(gram)
    mean = y.mean(axis=0)
    proj = v.T @ (y - mean)
    return {lam: v @ (proj / (w + lam)[:, None]) for lam in lams}, mean


def cv_scores(x: sp.csr_matrix, y: np.ndarray, lams: Sequence[float] = LAMBDA_GRID,
              n_folds: int = N_FOLDS, seed: int = 0) -> dict[float, np.ndarray]:
    """Out-of-fold ridge scores (n_rows, n_labels) of every penalty in ``lams``."""
    from sklearn.model_selection import KFold

    y = np.asarray(y, dtype=np.float64)
    out = {lam: np.zeros(y.shape) for lam in lams}
    for a, b in KFold(n_folds, shuffle=True, random_state=seed).split(np.arange(x.shape[0])):
        duals, mean = _ridge_dual(x[a], y[a], lams)
        kt = (x[b] @ x[a].T).toarray()
        for lam in lams:
            out[lam][b] = kt @ duals[lam] + mean
    return out


@dataclass
class RidgeTagger:
    """One ridge regression per TAG on `CableFeaturizer` rows: score = x @ coef + intercept.

    ``coef`` is kept as float32 (n_features, n_labels), recovered from the dual solution.
    """

    featurizer: CableFeaturizer
    coef: np.ndarray
    intercept: np.ndarray
    lam: float

    def scores(self, texts: CableTexts) -> np.ndarray:
        """Scores (n_cables, n_labels); about 0 for no, 1 for yes (not probabilities)."""
        x = self.featurizer.transform(texts)
        return np.asarray(x @ self.coef, dtype=np.float64) + self.intercept

    def save(self, folder: Path) -> None:
        self.featurizer.save(folder)
        _save_npy(folder / "text_coef.npy", self.coef)
        _save_npy(folder / "text_intercept.npy", self.intercept)
        atomic_write_json(folder / "text_tagger.json", {"lambda": self.lam})

    @classmethod
    def load(cls, folder: Path) -> RidgeTagger:
        from topics.models.base import _load_npy

        feat = CableFeaturizer.load(folder)
        coef = _load_npy(folder / "text_coef.npy")
        if coef.shape[0] != feat.n_features:
            raise ValueError(f"{folder / 'text_coef.npy'}: {coef.shape[0]:,} rows for "
                             f"{feat.n_features:,} features; the files come from different saves")
        lam = json.loads((folder / "text_tagger.json").read_text(encoding="utf-8"))["lambda"]
        return cls(featurizer=feat, coef=coef, intercept=_load_npy(folder / "text_intercept.npy"),
                   lam=float(lam))


def fit_text_tagger(texts: CableTexts, y: np.ndarray, *, seed: int = 0,
                    weights: dict[str, float] | None = None,
                    lams: Sequence[float] = LAMBDA_GRID, n_folds: int = N_FOLDS,
                    choose=None) -> tuple[RidgeTagger, np.ndarray, dict]:
    """Fit the ``text`` suggester on training cables; thresholds by cross-validation.

    Parameters
    ----------
    texts : CableTexts
        The training cables.
    y : numpy.ndarray, shape (n_cables, n_labels)
        0/1: which cable carries which TAG.
    seed : int
        The folds' seed.
    weights : dict, optional
        Block weights (default `DEFAULT_WEIGHTS`).
    lams : sequence of float
        Ridge penalties tried.
    choose : callable, optional
        ``choose(scores, y) -> (thresholds, micro_f1)``; default: per-TAG F1-maximising
        thresholds (`topics.tagsuggest.choose_thresholds`).

    Returns
    -------
    (RidgeTagger, numpy.ndarray, dict)
        The tagger refitted on all of ``texts`` with the penalty of the best out-of-fold
        micro-F1, its per-TAG thresholds (chosen on the out-of-fold scores) and ``info``
        (``{"lambda", "cv_micro_f1": {lam: f1}, "n_features", "n_folds"}``).
    """
    if choose is None:
        from topics.tagsuggest import choose_thresholds, evaluate_predictions

        def choose(s, yy):
            th = choose_thresholds(s, yy)
            return th, evaluate_predictions(yy, s >= th, [str(j) for j in range(yy.shape[1])])[
                "micro_f1"]
    feat = CableFeaturizer(weights=dict(weights or DEFAULT_WEIGHTS)).fit(texts)
    x = feat.transform(texts)
    y = np.asarray(y, dtype=np.float64)
    oof = cv_scores(x, y, lams, n_folds=n_folds, seed=seed)
    cv_f1, best = {}, None
    for lam in lams:
        th, f = choose(oof[lam], y > 0)
        cv_f1[lam] = float(f)
        logger.info("text tagger: lambda %g, %d-fold out-of-fold micro-F1 %.3f", lam,
                    n_folds, f)
        if best is None or f > best[1]:
            best = (lam, f, th)
    lam, _, thresholds = best
    duals, mean = _ridge_dual(x, y, [lam])
    coef = np.asarray(x.T @ duals[lam], dtype=np.float32)
    tagger = RidgeTagger(featurizer=feat, coef=coef, intercept=mean, lam=float(lam))
    info = {"lambda": float(lam), "cv_micro_f1": {str(k): v for k, v in cv_f1.items()},
            "n_features": feat.n_features, "n_folds": n_folds, "weights": feat.weights}
    return tagger, np.asarray(thresholds, dtype=float), info
