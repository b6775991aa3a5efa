"""TAG suggestion: predicted subject TAGS, with scores, for cables without TAGS or with few.

What the suggester is (written into ``suggester.json`` as ``method``):

``plda``
    The label topics' share of a cable (`TomotopyPlda.transform` infers it *without* its
    TAGS, so every topic is open; `label_scores` sums each TAG's topics).
``lr``
    The supervised baseline: one-vs-rest logistic regression (scikit-learn,
    ``liblinear``) on TF-IDF of the same counts (sublinear tf, smoothed idf, rows
    l2-normalised); C chosen from `C_GRID` on the calibration cables.
``mean``
    The average of the two scores above, per TAG.
``stack``
    Logistic regression (same C) on the TF-IDF features *and* the model's label-topic
    shares (inferred without the TAGS, also for the fit cables, weighted by
    `STACK_WEIGHT`): the topic model as features of the supervised classifier.
``lr-cv``
    The baseline again, trained on the fit *and* calibration cables, with C and the per-TAG
    thresholds chosen by `N_FOLDS`-fold cross-validation on them (out-of-fold scores): the
    same protocol as ``text``, so the two differ only in what they read and how they score.
``text``
    `topics.tagtext`: ridge regression per TAG on what a TAG coder reads (the body's words
    and word pairs, its first words, the subject line's words and character n-grams, the
    post, the country TAGS and the addressees), penalty and thresholds by the same cross-validation. Needs
    the cables' texts (`topics.tagtext.CableTexts`).

The tagged cables are split by a seeded permutation into *fit*, *calibration* and *test*
(the evaluation; never seen before). ``plda``, ``lr``, ``mean`` and ``stack`` are trained on
the fit cables and get their per-TAG thresholds (and LR's C) from the calibration cables;
``lr-cv`` and ``text`` are trained on fit + calibration and choose C / the penalty and the
thresholds by cross-validation on those cables (the calibration set alone is small for
rare TAGS). A TAG with fewer than `MIN_CALIB_POSITIVES` positive cables where thresholds are
chosen gets the threshold that maximises micro-F1 over all TAGS. The suggester kept for
``cable-topics suggest-tags`` is the one with the best *selection* micro-F1: on the
calibration cables, or out of fold for the cross-validated ones (the test cables only
report it). The topic model used is the one fitted on the fit cables (saved with the
suggester), so the thresholds are the ones chosen for it.

Labels are the subject TAGS of the TAGS handbook (`topics.models.tomotopy_labeled.
subject_labels`) on ``min_label_docs`` or more fit cables.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from corpora.csvsafe import neutralize_cell
from topics.runinfo import atomic_write_json, atomic_write_text

__all__ = [
    "C_GRID",
    "TagSuggester",
    "build_suggester",
    "choose_thresholds",
    "evaluate_predictions",
    "f1_intervals",
    "read_store_cables",
    "split_tagged",
    "suggest_store",
    "top_specific_tags",
]

logger = logging.getLogger(__name__)

#: Inverse regularisation strengths tried for the logistic-regression baseline.
C_GRID = (1.0, 4.0, 16.0)
#: A TAG needs this many positive calibration cables for a threshold of its own.
MIN_CALIB_POSITIVES = 3
#: The generic TAGS on most cables, left out of the "specific" TAGS.
GENERIC_TAGS = ("PREL", "PGOV")
METHODS = ("plda", "lr", "mean", "stack", "lr-cv", "text")
#: The methods that need the cables' texts (`topics.tagtext.CableTexts`).
TEXT_METHODS = ("text",)
#: Folds of the cross-validation of ``lr-cv`` (``text``: `topics.tagtext.N_FOLDS`).
N_FOLDS = 4
#: C values tried by ``lr-cv``'s cross-validation.
C_GRID_CV = (4.0, 16.0, 64.0)
#: Scale of the label-topic shares beside the l2-normalised TF-IDF row in ``stack``.
STACK_WEIGHT = 1.0
_FOLDER = "tag_suggest"


# --- splitting, thresholds, scores ---------------------------------------------------------

def split_tagged(has_tags: Sequence[bool], seed: int, test: float = 0.25,
                 calib: float = 0.15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices (fit, calibration, test) of the tagged rows, by a seeded permutation.

    ``test`` and ``calib`` are shares of the tagged rows; the rest is fit.
    """
    rows = np.flatnonzero(np.asarray(has_tags, dtype=bool))
    if not (0 < test < 1 and 0 < calib < 1 and test + calib < 0.9):
        raise ValueError(f"split_tagged: test={test} and calib={calib} must be shares in (0, 1) "
                         "leaving at least 10% of the tagged cables to fit on")
    rng = np.random.default_rng(seed)
    perm = rows[rng.permutation(rows.size)]
    n_test = int(round(test * rows.size))
    n_calib = int(round(calib * rows.size))
    if min(n_test, n_calib, rows.size - n_test - n_calib) < 1:
        raise ValueError(f"split_tagged: {rows.size} tagged cables are too few to split into "
                         "fit, calibration and test cables")
    return (np.sort(perm[n_test + n_calib:]), np.sort(perm[n_test:n_test + n_calib]),
            np.sort(perm[:n_test]))


def binarize(tag_lists: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    """0/1 matrix (n_rows, len(labels)) of which rows carry which label."""
    index = {t: j for j, t in enumerate(labels)}
    y = np.zeros((len(tag_lists), len(labels)), dtype=np.int8)
    for i, tags in enumerate(tag_lists):
        for t in tags:
            j = index.get(t)
            if j is not None:
                y[i, j] = 1
    return y


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros(np.shape(tp), dtype=float), where=denom > 0)


def choose_thresholds(scores: np.ndarray, y: np.ndarray,
                      min_positives: int = MIN_CALIB_POSITIVES) -> np.ndarray:
    """Per-column thresholds maximising F1 on (``scores``, ``y``); a column with fewer than
    ``min_positives`` positives gets the shared threshold that maximises micro-F1.

    A cable is suggested a TAG when its score is ``>=`` the threshold.
    """
    scores = np.asarray(scores, dtype=float)
    y = np.asarray(y, dtype=bool)
    grid = np.unique(np.quantile(scores, np.linspace(0.5, 0.9995, 400)))
    # the shared threshold (micro-F1 over all columns)
    best_shared, best_f = grid[-1], -1.0
    for t in grid:
        pred = scores >= t
        tp = np.sum(pred & y)
        f = _f1(np.array(tp), np.array(np.sum(pred & ~y)), np.array(np.sum(~pred & y)))
        if f > best_f:
            best_shared, best_f = t, float(f)
    out = np.full(scores.shape[1], best_shared, dtype=float)
    for j in range(scores.shape[1]):
        pos = y[:, j]
        if pos.sum() < min_positives:
            continue
        cands = np.unique(scores[pos, j])
        s = scores[:, j]
        best_t, best = best_shared, -1.0
        for t in cands:
            pred = s >= t
            f = float(_f1(np.array(np.sum(pred & pos)), np.array(np.sum(pred & ~pos)),
                          np.array(np.sum(~pred & pos))))
            if f > best:
                best_t, best = t, f
        out[j] = best_t
    return out


def evaluate_predictions(y: np.ndarray, pred: np.ndarray, labels: Sequence[str],
                         specific: Sequence[str] = ()) -> dict[str, Any]:
    """Per-TAG precision/recall/F1/support and micro-F1 (all labels; the ``specific`` ones).

    Returns
    -------
    dict
        ``{"micro_f1", "micro_precision", "micro_recall", "micro_f1_specific",
        "specific_f1_ge_0_5", "per_tag": [{"tag", "precision", "recall", "f1", "support"}]}``
    """
    y = np.asarray(y, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    tp = (y & pred).sum(axis=0)
    fp = (~y & pred).sum(axis=0)
    fn = (y & ~pred).sum(axis=0)
    prec = np.divide(tp, tp + fp, out=np.zeros(len(labels)), where=(tp + fp) > 0)
    rec = np.divide(tp, tp + fn, out=np.zeros(len(labels)), where=(tp + fn) > 0)
    f1 = _f1(tp, fp, fn)
    per = [{"tag": t, "precision": float(prec[j]), "recall": float(rec[j]), "f1": float(f1[j]),
            "support": int(tp[j] + fn[j])} for j, t in enumerate(labels)]
    out: dict[str, Any] = {
        "micro_precision": float(tp.sum() / max(tp.sum() + fp.sum(), 1)),
        "micro_recall": float(tp.sum() / max(tp.sum() + fn.sum(), 1)),
        "micro_f1": float(_f1(np.array(tp.sum()), np.array(fp.sum()), np.array(fn.sum()))),
    }
    cols = [j for j, t in enumerate(labels) if t in set(specific)]
    if cols:
        out["micro_f1_specific"] = float(_f1(np.array(tp[cols].sum()), np.array(fp[cols].sum()),
                                             np.array(fn[cols].sum())))
        out["specific_f1_ge_0_5"] = int(sum(f1[j] >= 0.5 for j in cols))
        out["n_specific"] = len(cols)
    out["per_tag"] = per
    return out


def top_specific_tags(tag_lists: Sequence[Sequence[str]], n: int = 20) -> list[str]:
    """The ``n`` subject TAGS on the most cables, PREL and PGOV left out (ties by name)."""
    counts = Counter(t for tags in tag_lists for t in set(tags) if t not in GENERIC_TAGS)
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


# --- TF-IDF and the logistic-regression baseline ------------------------------------------

def _idf(counts: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    from sklearn.preprocessing import normalize

    x = counts.astype(np.float64).tocsr(copy=True)
    x.data = 1.0 + np.log(x.data)  # sublinear tf
    return normalize(x @ sp.diags(idf), norm="l2", copy=False).tocsr()


def _fit_lr(x: sp.csr_matrix, y: np.ndarray, c: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest logistic regression, one binary liblinear fit per label: (coef, intercept)."""
    from sklearn.linear_model import LogisticRegression

    coef = np.zeros((y.shape[1], x.shape[1]))
    intercept = np.zeros(y.shape[1])
    for j in range(y.shape[1]):
        col = y[:, j]
        if col.min() == col.max():  # a label on every or no fit cable: a constant score
            intercept[j] = 20.0 if col[0] else -20.0
            continue
        # the dual problem: the same optimum, ~9x faster when terms outnumber cables
        clf = LogisticRegression(C=c, solver="liblinear", dual=True, random_state=seed,
                                 max_iter=1000)
        clf.fit(x, col)
        coef[j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
    return coef, intercept


def _lr_scores(x: sp.csr_matrix, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    z = np.asarray(x @ coef.T) + intercept
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def _micro(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-TAG thresholds chosen on (scores, y) and the micro-F1 they give there."""
    th = choose_thresholds(scores, y)
    return th, evaluate_predictions(y, scores >= th, [str(j) for j in range(y.shape[1])])[
        "micro_f1"]


def _fit_lr_cv(x: sp.csr_matrix, y: np.ndarray, seed: int, cs=C_GRID_CV,
               n_folds: int = N_FOLDS) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, dict]:
    """``lr-cv``: C and per-TAG thresholds by K-fold cross-validation, then one fit on all.

    Returns (coef, intercept, C, thresholds, {C: out-of-fold micro-F1}).
    """
    from sklearn.model_selection import KFold

    folds = list(KFold(n_folds, shuffle=True, random_state=seed).split(np.arange(x.shape[0])))
    best, cv_f1 = None, {}
    for c in cs:
        oof = np.zeros(y.shape)
        for a, b in folds:
            coef, intercept = _fit_lr(x[a], y[a], c, seed)
            oof[b] = _lr_scores(x[b], coef, intercept)
        th, f = _micro(oof, y)
        cv_f1[str(c)] = float(f)
        logger.info("tag suggester: lr-cv C=%g %d-fold out-of-fold micro-F1 %.3f", c, n_folds, f)
        if best is None or f > best[1]:
            best = (c, f, th)
    c, _, th = best
    coef, intercept = _fit_lr(x, y, c, seed)
    return coef, intercept, c, th, cv_f1


def f1_intervals(y: np.ndarray, pred: np.ndarray, n_boot: int = 1000, seed: int = 0,
                 level: float = 0.95) -> np.ndarray:
    """Percentile bootstrap intervals (n_labels, 2) of each column's F1, resampling cables.

    A resample without a positive or a prediction of a column gives that column F1 0.
    """
    y = np.asarray(y, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    rng = np.random.default_rng(seed)
    n = y.shape[0]
    tp_i, fp_i, fn_i = ((y & pred), (~y & pred), (y & ~pred))
    out = np.zeros((n_boot, y.shape[1]))
    for b in range(n_boot):
        w = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        out[b] = _f1(w @ tp_i, w @ fp_i, w @ fn_i)
    a = (1 - level) / 2
    return np.quantile(out, [a, 1 - a], axis=0).T


# --- the suggester ------------------------------------------------------------------------

@dataclass
class TagSuggester:
    """A fitted TAG suggester: the topic model, the LR baseline, thresholds, the method used.

    Attributes
    ----------
    model : TomotopyPlda or TomotopyLlda
        Fitted on the fit cables.
    labels : tuple of str
        The TAGS it can suggest (the model's ``labels_``).
    method : str
        One of `METHODS` (see the module docstring).
    thresholds : dict of str -> numpy.ndarray
        Per method, one threshold per label.
    coef, intercept, idf : numpy.ndarray
        The logistic-regression baseline and its TF-IDF weights.
    cv_coef, cv_intercept, cv_idf : numpy.ndarray
        The same for ``lr-cv`` (trained on fit + calibration cables).
    text : topics.tagtext.RidgeTagger or None
        The ``text`` suggester (None when built without the cables' texts).
    info : dict
        Split sizes, seed, C, calibration scores (recorded in ``suggester.json``).
    """

    model: Any
    labels: tuple[str, ...]
    method: str
    thresholds: dict[str, np.ndarray]
    coef: np.ndarray
    intercept: np.ndarray
    idf: np.ndarray
    stack_coef: np.ndarray
    stack_intercept: np.ndarray
    cv_coef: np.ndarray
    cv_intercept: np.ndarray
    cv_idf: np.ndarray
    text: Any = None
    info: dict = field(default_factory=dict)

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods this suggester can score with (``text`` only when it was built)."""
        return tuple(m for m in METHODS if m not in TEXT_METHODS or self.text is not None)

    def scores(self, dtm, method: str | None = None, texts=None) -> np.ndarray:
        """Scores (n_docs, len(labels)) of ``method`` (default: the chosen one).

        ``texts`` (`topics.tagtext.CableTexts`, same rows as ``dtm``) is needed by ``text``.
        """
        method = method or self.method
        if method not in self.methods:
            raise ValueError(f"TagSuggester.scores: method must be one of {self.methods}; got "
                             f"{method!r}")
        if method in TEXT_METHODS:
            if texts is None:
                raise ValueError(f"TagSuggester.scores: method {method!r} reads the cables' "
                                 "texts; pass texts=CableTexts(...) (subject, body, origin, "
                                 "country TAGS, addressees)")
            if len(texts) != dtm.n_docs:
                raise ValueError(f"TagSuggester.scores: {len(texts):,} texts for "
                                 f"{dtm.n_docs:,} matrix rows")
            return self.text.scores(texts)
        aligned = dtm if dtm.vocabulary.terms == self.model.terms_ \
            else dtm.reindex(self.model.vocabulary_)
        if method == "lr-cv":
            return _lr_scores(_tfidf(aligned.matrix, self.cv_idf), self.cv_coef,
                              self.cv_intercept)
        shares = self.model.label_scores(self.model.transform(aligned)) \
            if method != "lr" else None
        x = _tfidf(aligned.matrix, self.idf) if method != "plda" else None
        if method == "plda":
            return shares
        if method == "lr":
            return _lr_scores(x, self.coef, self.intercept)
        if method == "mean":
            return 0.5 * (shares + _lr_scores(x, self.coef, self.intercept))
        return _lr_scores(_stack(x, shares), self.stack_coef, self.stack_intercept)

    def suggest(self, dtm, method: str | None = None,
                texts=None) -> tuple[np.ndarray, np.ndarray]:
        """(0/1 suggestions, scores), both (n_docs, len(labels))."""
        method = method or self.method
        s = self.scores(dtm, method, texts=texts)
        return s >= self.thresholds[method], s

    def save(self, folder: str | Path) -> Path:
        """Write ``model/`` (the topic model), ``suggester_*.npy`` and ``suggester.json``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(folder / "model")
        for name in _ARRAYS:
            arr = getattr(self, name)
            _save_npy(folder / f"suggester_{name}.npy", arr)
        if self.text is not None:
            (folder / "text").mkdir(exist_ok=True)
            self.text.save(folder / "text")
        atomic_write_json(folder / "suggester.json", {
            "method": self.method,
            "labels": list(self.labels),
            "thresholds": {m: [float(x) for x in t] for m, t in self.thresholds.items()},
            **self.info,
        })
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> TagSuggester:
        """Read a saved suggester (no pickle: JSON, ``.npy`` without objects, tomotopy)."""
        from topics.models import load_model
        from topics.models.base import _load_npy

        folder = Path(folder)
        path = folder / "suggester.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no TAG suggester here; run `cable-topics "
                                    "suggest-tags` on the run first")
        meta = json.loads(path.read_text(encoding="utf-8"))
        model = load_model(folder / "model")
        labels = tuple(meta["labels"])
        if labels != tuple(model.labels_):
            raise ValueError(f"{path}: labels differ from the saved model's; the files come "
                             "from different saves")
        arrays = {n: _load_npy(folder / f"suggester_{n}.npy") for n in _ARRAYS}
        text = None
        if (folder / "text" / "text_tagger.json").is_file():
            from topics.tagtext import RidgeTagger

            text = RidgeTagger.load(folder / "text")
            if text.coef.shape[1] != len(labels):
                raise ValueError(f"{folder / 'text'}: {text.coef.shape[1]} TAGS for "
                                 f"{len(labels)} labels; the files come from different saves")
        info = {k: v for k, v in meta.items() if k not in ("method", "labels", "thresholds")}
        return cls(model=model, labels=labels, method=meta["method"],
                   thresholds={m: np.asarray(t, dtype=float)
                               for m, t in meta["thresholds"].items()},
                   text=text, info=info, **arrays)


_ARRAYS = ("coef", "intercept", "idf", "stack_coef", "stack_intercept", "cv_coef",
           "cv_intercept", "cv_idf")


def _stack(x: sp.csr_matrix, shares: np.ndarray) -> sp.csr_matrix:
    return sp.hstack([x, sp.csr_matrix(STACK_WEIGHT * shares)], format="csr")


def _save_npy(path: Path, arr: np.ndarray) -> None:
    from topics.runinfo import atomic_write

    atomic_write(path, lambda fh: np.save(fh, np.asarray(arr), allow_pickle=False))


def build_suggester(dtm, tag_lists: Sequence[Sequence[str]], *, engine: str = "plda",
                    n_topics: int = 50, params: dict | None = None, seed: int = 0,
                    test: float = 0.25, calib: float = 0.15,
                    texts=None) -> tuple[TagSuggester, dict]:
    """Fit the topic model and the LR baseline on the fit cables, choose thresholds (and C)
    on the calibration cables; fit ``lr-cv`` (and ``text`` when ``texts`` are given) on fit +
    calibration cables with cross-validated thresholds; evaluate every method on the test
    cables.

    Parameters
    ----------
    dtm : DocTermMatrix
        Counts of the cables.
    tag_lists : sequence of sequences of str
        Each row's TAGS (only subject TAGS are used; rows without one are not used).
    engine : {"plda", "llda"}
    n_topics : int
        The engine's ``n_topics`` (latent topics for plda, label topics for llda).
    params : dict, optional
        More engine parameters.
    seed : int
        The split's and the models' seed.
    texts : topics.tagtext.CableTexts, optional
        The cables' subject, body, origin and country TAGS (rows of ``dtm``): enables the
        ``text`` suggester.

    Returns
    -------
    (TagSuggester, dict)
        The suggester and the evaluation (``{"methods": {method: evaluate_predictions},
        "chosen", "split", "specific_tags", ...}``).
    """
    from topics.models import make_model
    from topics.models.tomotopy_labeled import subject_labels

    if engine not in ("plda", "llda"):
        raise ValueError(f"build_suggester: engine must be 'plda' or 'llda'; got {engine!r}")
    tags = [subject_labels(t) for t in tag_lists]
    if len(tags) != dtm.n_docs:
        raise ValueError(f"build_suggester: {len(tags):,} TAGS lists for {dtm.n_docs:,} cables")
    has = np.asarray([bool(t) for t in tags]) & (np.asarray(dtm.matrix.sum(axis=1)).ravel() > 0)
    fit_rows, cal_rows, test_rows = split_tagged(has, seed, test=test, calib=calib)
    logger.info("tag suggester: %d tagged cables: %d fit, %d calibration, %d test",
                int(has.sum()), fit_rows.size, cal_rows.size, test_rows.size)
    t0 = time.perf_counter()
    params = {k: v for k, v in (params or {}).items() if k != "label_store"}
    model = make_model(engine, n_topics=n_topics, seed=seed, **params)
    fit_dtm = dtm.subset(fit_rows)
    model.fit(fit_dtm, labels=[tags[i] for i in fit_rows])
    fit_seconds = time.perf_counter() - t0
    labels = tuple(model.labels_)
    y = binarize(tags, labels)
    specific = [t for t in top_specific_tags(tags) if t in labels]

    t0 = time.perf_counter()
    scores: dict[str, dict[str, np.ndarray]] = {"plda": {}, "lr": {}}
    shares = {}
    for name, rows in (("fit", fit_rows), ("calib", cal_rows), ("test", test_rows)):
        # the fit cables too, inferred without their TAGS: features for "stack"
        shares[name] = model.label_scores(model.transform(dtm.subset(rows)))
    scores["plda"] = {n: shares[n] for n in ("calib", "test")}
    infer_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    idf = _idf(fit_dtm.matrix)
    x = {name: _tfidf(dtm.matrix[rows], idf)
         for name, rows in (("fit", fit_rows), ("calib", cal_rows), ("test", test_rows))}
    best_c, best_lr, best_f = None, None, -1.0
    for c in C_GRID:
        coef, intercept = _fit_lr(x["fit"], y[fit_rows], c, seed)
        s = _lr_scores(x["calib"], coef, intercept)
        th = choose_thresholds(s, y[cal_rows])
        f = evaluate_predictions(y[cal_rows], s >= th, labels)["micro_f1"]
        logger.info("tag suggester: LR C=%g calibration micro-F1 %.3f", c, f)
        if f > best_f:
            best_c, best_lr, best_f = c, (coef, intercept), f
    coef, intercept = best_lr
    lr_seconds = time.perf_counter() - t0
    for name in ("calib", "test"):
        scores["lr"][name] = _lr_scores(x[name], coef, intercept)
    scores["mean"] = {n: 0.5 * (scores["plda"][n] + scores["lr"][n]) for n in ("calib", "test")}
    stack_coef, stack_intercept = _fit_lr(_stack(x["fit"], shares["fit"]), y[fit_rows],
                                          best_c, seed)
    scores["stack"] = {n: _lr_scores(_stack(x[n], shares[n]), stack_coef, stack_intercept)
                       for n in ("calib", "test")}

    train_rows = np.sort(np.concatenate([fit_rows, cal_rows]))
    t0 = time.perf_counter()
    cv_idf = _idf(dtm.matrix[train_rows])
    cv_coef, cv_intercept, cv_c, cv_th, cv_f1 = _fit_lr_cv(
        _tfidf(dtm.matrix[train_rows], cv_idf), y[train_rows], seed)
    scores["lr-cv"] = {"test": _lr_scores(_tfidf(dtm.matrix[test_rows], cv_idf), cv_coef,
                                          cv_intercept)}
    lr_cv_seconds = time.perf_counter() - t0
    text, text_info, text_seconds = None, {}, 0.0
    if texts is not None:
        from topics.tagtext import fit_text_tagger

        if len(texts) != dtm.n_docs:
            raise ValueError(f"build_suggester: {len(texts):,} texts for {dtm.n_docs:,} cables")
        t0 = time.perf_counter()
        text, text_th, text_info = fit_text_tagger(texts.subset(train_rows), y[train_rows],
                                                   seed=seed, choose=_micro)
        scores["text"] = {"test": text.scores(texts.subset(test_rows))}
        text_seconds = time.perf_counter() - t0
    methods = tuple(m for m in METHODS if m in scores)

    thresholds, evaluation, calib_f1 = {}, {}, {}
    for m in methods:
        if m in ("lr-cv", "text"):  # chosen by cross-validation on fit + calibration
            thresholds[m] = cv_th if m == "lr-cv" else text_th
            calib_f1[m] = max((cv_f1 if m == "lr-cv" else text_info["cv_micro_f1"]).values())
            evaluation[m] = evaluate_predictions(y[test_rows],
                                                 scores[m]["test"] >= thresholds[m],
                                                 labels, specific)
            continue
        thresholds[m] = choose_thresholds(scores[m]["calib"], y[cal_rows])
        calib_f1[m] = evaluate_predictions(y[cal_rows], scores[m]["calib"] >= thresholds[m],
                                           labels)["micro_f1"]
        evaluation[m] = evaluate_predictions(y[test_rows], scores[m]["test"] >= thresholds[m],
                                             labels, specific)
    # the untuned baseline, for reference: LR at probability 0.5
    evaluation["lr@0.5"] = evaluate_predictions(y[test_rows], scores["lr"]["test"] >= 0.5,
                                                labels, specific)
    for m, e in evaluation.items():  # 95% bootstrap intervals of each TAG's test F1
        pred = scores["lr"]["test"] >= 0.5 if m == "lr@0.5" \
            else scores[m]["test"] >= thresholds[m]
        for row, (lo, hi) in zip(e["per_tag"], f1_intervals(y[test_rows], pred, seed=seed),
                                 strict=True):
            row["f1_low"], row["f1_high"] = float(lo), float(hi)
    chosen = max(methods, key=lambda m: (calib_f1[m], m == "plda"))
    info = {
        "engine": engine, "n_topics": n_topics, "seed": seed, "params": params,
        "split": {"test": test, "calib": calib, "n_fit": int(fit_rows.size),
                  "n_calib": int(cal_rows.size), "n_test": int(test_rows.size)},
        "lr_C": best_c, "lr_cv_C": cv_c, "lr_cv_micro_f1": cv_f1, "text": text_info,
        "selection_micro_f1": calib_f1,
        "thresholds_from": {m: "cross-validation on fit + calibration cables"
                            if m in ("lr-cv", "text") else "calibration cables"
                            for m in methods},
        "seconds": {"fit_model": round(fit_seconds, 2), "infer": round(infer_seconds, 2),
                    "lr": round(lr_seconds, 2), "lr_cv": round(lr_cv_seconds, 2),
                    "text": round(text_seconds, 2)},
    }
    suggester = TagSuggester(model=model, labels=labels, method=chosen, thresholds=thresholds,
                             coef=coef, intercept=intercept, idf=idf, stack_coef=stack_coef,
                             stack_intercept=stack_intercept, cv_coef=cv_coef,
                             cv_intercept=cv_intercept, cv_idf=cv_idf, text=text, info=info)
    report = {"chosen": chosen, "specific_tags": specific, "labels": list(labels),
              "methods": evaluation, **info}
    for m in (*methods, "lr@0.5"):
        e = evaluation[m]
        logger.info("tag suggester %-6s test micro-F1 %.3f, specific %.3f, %d/%d specific "
                    "TAGS with F1 >= 0.5", m, e["micro_f1"], e.get("micro_f1_specific", 0),
                    e.get("specific_f1_ge_0_5", 0), e.get("n_specific", 0))
    return suggester, report


def evaluation_table(report: dict) -> str:
    """The evaluation as CSV: one row per TAG and method, then the micro rows."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["method", "tag", "precision", "recall", "f1", "f1_low", "f1_high", "support",
                "specific"])
    specific = set(report.get("specific_tags", ()))
    for m, e in report["methods"].items():
        for row in e["per_tag"]:
            w.writerow([m, neutralize_cell(row["tag"]), f"{row['precision']:.4f}",
                        f"{row['recall']:.4f}", f"{row['f1']:.4f}",
                        *(f"{row[k]:.4f}" if k in row else "" for k in ("f1_low", "f1_high")),
                        row["support"], int(row["tag"] in specific)])
        w.writerow([m, "(micro)", f"{e['micro_precision']:.4f}", f"{e['micro_recall']:.4f}",
                    f"{e['micro_f1']:.4f}", "", "", "", ""])
    return buf.getvalue()


# --- the CLI's road: a run and a store ---------------------------------------------------

def calibrate_run(run_dir: str | Path) -> TagSuggester:
    """The run's suggester (``RUN/tag_suggest/``), built and evaluated on first use.

    The run must be an ``llda``/``plda`` run; its matrix and its store's TAGS are split as
    in `build_suggester` with the run's seed, engine, K and parameters; the store's texts
    give the ``text`` suggester.
    """
    from corpora.locking import exclusive_lock
    from topics.config import RunConfig
    from topics.stages import load_cable_meta, load_dtm

    run_dir = Path(run_dir)
    folder = run_dir / _FOLDER
    stamp = _run_stamp(run_dir)
    if (folder / "suggester.json").is_file():
        meta = json.loads((folder / "suggester.json").read_text(encoding="utf-8"))
        complete = all((folder / f"suggester_{n}.npy").is_file() for n in _ARRAYS) and (
            folder / "text" / "text_tagger.json").is_file()
        if meta.get("run_stamp") == stamp and complete:
            return TagSuggester.load(folder)
        logger.info("tag suggester in %s was built for another fit of the run or by an older "
                    "version (no lr-cv / text scorer); rebuilding", folder)
    cfg_path = run_dir / "config.toml"
    if not cfg_path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run directory (no config.toml)")
    cfg = RunConfig.load(cfg_path)
    if cfg.model.engine not in ("llda", "plda"):
        raise ValueError(f"{run_dir}: model.engine is {cfg.model.engine!r}; TAG suggestion needs "
                         "a TAG-supervised run: cable-topics fit STORE --model plda --out RUN")
    with exclusive_lock(run_dir, "run directory"):
        dtm = load_dtm(run_dir / "dtm")
        store = Path(cfg.corpus.store) if cfg.corpus.store else run_dir / "store"
        tags = load_cable_meta(store, dtm.refs).column("subject_tags").to_pylist()
        from topics.tagtext import CableTexts

        suggester, report = build_suggester(
            dtm, [t or [] for t in tags], engine=cfg.model.engine,
            n_topics=cfg.model.n_topics, params=dict(cfg.model.params), seed=cfg.seed,
            texts=CableTexts.from_store(store, dtm.refs))
        suggester.info["run_stamp"] = stamp
        suggester.save(folder)
        atomic_write_json(folder / "evaluation.json", report)
        atomic_write_text(folder / "evaluation.csv", evaluation_table(report))
    return suggester


def _run_stamp(run_dir: Path) -> str:
    """A fingerprint of the run's matrix and model files (their recorded sha256s): a
    suggester built for an earlier fit of the run is rebuilt."""
    import hashlib

    parts = []
    for rel in ("dtm/dtm.npz", "dtm/dtm.json", "model/params.json"):
        path = run_dir / rel
        parts.append(hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def read_store_cables(store: str | Path, run_dir: str | Path, vocabulary):
    """A store's cables as the run sees them: (refs, DocTermMatrix, CableTexts, TAGS lists).

    The bodies are tokenized with the run's text options and phrases and the matrix is
    re-indexed to ``vocabulary`` (the run's authorless down-weighting is not applied).
    """
    from dataclasses import replace

    from corpora.store import CorpusStore
    from topics.config import RunConfig
    from topics.names import person_names_from_tags
    from topics.stages import text_options
    from topics.tagtext import TEXT_FIELDS, CableTexts
    from topics.text import PhraseModel, tokenize_corpus
    from topics.vectorize import build_dtm

    run_dir = Path(run_dir)
    cfg = RunConfig.load(run_dir / "config.toml")
    cols: dict[str, list] = {k: [] for k in ("ref", "tags", *TEXT_FIELDS)}
    for batch in CorpusStore(Path(store)).iter_batches(batch_size=2000, columns=list(cols)):
        for k, v in batch.to_pydict().items():
            cols[k] += v
    if not cols["ref"]:
        raise ValueError(f"store {store} holds no cables")
    phrases = run_dir / "phrases.json"
    tokens = tokenize_corpus(cols["body"], replace(text_options(cfg), phrases=False),
                             n_jobs=cfg.text.n_jobs,
                             phrase_model=PhraseModel.load(phrases) if phrases.is_file() else None,
                             name_candidates=person_names_from_tags(cols["tags"]))
    texts = CableTexts(*(cols[k] for k in TEXT_FIELDS))
    dtm = build_dtm(tokens, cols["ref"], min_df=1, max_df=1.0, max_terms=None).reindex(
        vocabulary)
    return cols["ref"], dtm, texts, [t or [] for t in cols["tags"]]


def suggest_store(store: str | Path, run_dir: str | Path, out_csv: str | Path,
                  *, progress: bool = False) -> dict:
    """Write ``out_csv``: one row per cable of ``store`` (``ref``, ``suggested``, ``scores``).

    The cables are tokenized with the run's text options and phrases and re-indexed to the
    model's vocabulary (the run's authorless down-weighting is not applied to them).
    ``scores`` lists ``TAG:score`` for the suggested TAGS, or the three best when none is.
    The evaluation of the run's suggester is copied beside ``out_csv``
    (``NAME.evaluation.json`` and ``NAME.evaluation.csv``).
    """
    import csv
    import io
    import shutil

    run_dir = Path(run_dir)
    suggester = calibrate_run(run_dir)
    refs, dtm, texts, _ = read_store_cables(store, run_dir, suggester.model.vocabulary_)
    pred, scores = suggester.suggest(dtm, texts=texts)
    labels = suggester.labels
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["ref", "suggested", "scores"])
    n_suggested = 0
    for i, ref in enumerate(refs):
        cols = np.flatnonzero(pred[i])
        cols = cols[np.argsort(-scores[i, cols], kind="stable")]
        shown = cols if cols.size else np.argsort(-scores[i], kind="stable")[:3]
        n_suggested += int(cols.size > 0)
        w.writerow([neutralize_cell(c) for c in (  # refs and TAGS come from the cables
            ref, " ".join(labels[j] for j in cols),
            " ".join(f"{labels[j]}:{scores[i, j]:.3f}" for j in shown))])
    out = Path(out_csv)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, buf.getvalue())
    stem = out.with_suffix("")
    for name in ("evaluation.json", "evaluation.csv"):
        src = run_dir / _FOLDER / name
        if src.is_file():
            shutil.copyfile(src, f"{stem}.{name}")
    logger.info("suggest-tags: %d cables, %d with a suggestion (method %s)", len(refs),
                n_suggested, suggester.method)
    return {"n_cables": len(refs), "n_with_suggestion": n_suggested,
            "method": suggester.method, "out": str(out)}
