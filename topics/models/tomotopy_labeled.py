"""``llda`` and ``plda``: the cables' subject TAGS as supervision, and seed words for topics.

Labeled LDA (Ramage et al. 2009, tomotopy ``LLDAModel``) gives every label one topic and
lets a training cable use only the topics of its own labels. Partially labeled LDA (Ramage,
Manning & Dumais 2011, tomotopy ``PLDAModel``) adds ``n_topics`` free latent topics that
every cable may use, so the words a TAG does not explain (boilerplate, a post's own
business) need not be forced into some TAG's topic. Here the labels are a cable's four-
letter *subject* TAGS of the TAGS handbook (`corpora.tags.SUBJECT_TAGS`; country codes,
organisation tags and person names are not labels), kept when at least ``min_label_docs``
training cables carry them.

Topic order: the label topics first (``topics_per_label`` per label, labels in tomotopy's
order, recorded in ``labels_``), then, for ``plda``, the latent topics. ``topic_names_``
names each topic (``"PHUM"``, ``"PHUM#2"``, ``"latent 3"``).

Where the labels come from: ``fit(dtm, labels=...)`` (one iterable of TAGS per row), or the
``label_store`` parameter, a corpus store whose ``subject_tags`` of the matrix's refs are
read at fit. The pipeline sets ``label_store`` to the run's store, so ``cable-topics fit
STORE --model plda`` and the sweep fit on the store's TAGS with no extra option.

`transform` infers a cable *without* its TAGS: every topic is open to it (tomotopy's
inference for a document without labels), so the label topics' shares are the model's
guess at its TAGS (`label_scores`; what `topics.tagsuggest` builds on). The training
``doc_topic_`` is restricted to each cable's own TAGS: agreement of its dominant topics
with the TAGS is circular.

Determinism: one sampling thread (``workers=1``), so the same seed gives the same arrays.
A saved model keeps tomotopy's binary (``tomotopy.bin``, not a pickle), checksummed by
`topics.models.base` before it is read. tomotopy 0.14 marks ``LLDAModel`` deprecated (in
favour of ``PLDAModel``); its DeprecationWarning is silenced for that one call.

`apply_seed_words` is the guided-topics hook (``[themes.seeds]``) of ``lda-gibbs``:
tomotopy's ``set_word_prior`` makes each seed word (nearly) belong to its seeded topic.
``plda`` cannot take word priors in tomotopy 0.14 (see `TomotopyPlda`); it takes the seeds
as *seed labels* instead: each seeded theme is one more label topic, open to the training
cables that use one of its seed words.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from topics.models.base import ModelFormatError, TopicModel, check_int, check_real
from topics.models.tomotopy_lda import _tomotopy, _words, infer_by_words
from topics.vectorize import DocTermMatrix

__all__ = ["TomotopyLlda", "TomotopyPlda", "apply_seed_words", "check_seed_words",
           "subject_labels"]

logger = logging.getLogger(__name__)

_NATIVE = "tomotopy.bin"
#: How a seeded theme's label is told from a TAG inside tomotopy (TAGS have no ':').
_SEED_PREFIX = "seed:"


def subject_labels(tags: Iterable[str] | None) -> list[str]:
    """The four-letter subject TAGS of the TAGS handbook among ``tags``, order kept, once each.

    >>> subject_labels(["PREL", "KNNP", "IR", "IAEA", "knnp"])
    ['PREL', 'KNNP']
    """
    from corpora.tags import SUBJECT_TAGS

    out: list[str] = []
    for tag in tags or ():
        t = str(tag).strip().upper()
        if t in SUBJECT_TAGS and t not in out:
            out.append(t)
    return out


def check_seed_words(owner: str, seed_words: Any) -> None:
    """Raise a ValueError naming the problem unless ``seed_words`` maps names to word lists."""
    if seed_words is None:
        return
    if not isinstance(seed_words, Mapping) or not seed_words:
        raise ValueError(
            f"The 'seed_words' parameter of {owner} must be a non-empty table of theme name -> "
            f"list of seed words, e.g. {{nonproliferation = ['iaea', 'enrichment']}}. "
            f"Got {seed_words!r} instead."
        )
    seen: dict[str, str] = {}
    for name, words in seed_words.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{owner}: seed theme name {name!r} must be a non-empty string")
        if (isinstance(words, str) or not isinstance(words, Sequence) or not words
                or not all(isinstance(w, str) and w.strip() for w in words)):
            raise ValueError(
                f"{owner}: seed theme {name!r} must list one or more words as strings; got "
                f"{words!r}")
        for w in words:
            if w in seen and seen[w] != name:
                raise ValueError(f"{owner}: seed word {w!r} is given for both {seen[w]!r} and "
                                 f"{name!r}; give each word to one theme")
            seen[w] = name


def apply_seed_words(mdl: Any, seed_words: Mapping[str, Sequence[str]] | None,
                     terms: Sequence[str], *, first_topic: int = 0, eta: float = 0.01,
                     weight: float = 1.0, n_topics: int | None = None) -> list[str]:
    """Tie each seed word to its theme's topic with tomotopy's ``set_word_prior``.

    Theme ``i`` (in the table's order) is topic ``first_topic + i``. A seed word's
    topic-word prior becomes ``weight`` for its topic and ``eta / 100`` for every other
    topic, so the sampler puts (nearly) all its occurrences there and the topic gathers
    the words that co-occur with them. Words not in ``terms`` (pruned by the vocabulary
    options or never seen) are skipped with a warning.

    Returns
    -------
    list of str
        The seed words used.
    """
    if not seed_words:
        return []
    known = set(terms)
    used: list[str] = []
    k = int(mdl.k) if n_topics is None else int(n_topics)
    for i, (name, words) in enumerate(seed_words.items()):
        topic = first_topic + i
        missing = [w for w in words if w.lower() not in known]
        if missing:
            logger.warning("seed theme %r: %d of %d seed words are not in the vocabulary "
                           "(skipped): %s", name, len(missing), len(words), ", ".join(missing))
        for w in words:
            if w.lower() in known:
                prior = [eta / 100.0] * k
                prior[topic] = float(weight)
                mdl.set_word_prior(w.lower(), prior)
                used.append(w.lower())
        if not any(w.lower() in known for w in words):
            raise ValueError(
                f"seed theme {name!r}: none of its seed words {list(words)} is in the model's "
                f"vocabulary of {len(terms):,} terms (lower-cased, after stopwords and pruning);"
                " choose words that occur in the cables"
            )
    return used


class _Labeled(TopicModel):
    """What ``llda`` and ``plda`` share: labels in, label topics first, tomotopy inside."""

    _requires_latent = False

    def _validate_params(self) -> None:
        owner = type(self).__name__
        check_int(owner, "n_topics", self.n_topics, 1 if self._requires_latent else 2)
        check_int(owner, "seed", self.seed, 0)
        check_int(owner, "iterations", self.iterations, 1)
        check_int(owner, "infer_iterations", self.infer_iterations, 1)
        check_int(owner, "min_label_docs", self.min_label_docs, 1)
        check_int(owner, "workers", self.workers, 1)
        check_real(owner, "alpha", self.alpha)
        check_real(owner, "eta", self.eta)
        if not isinstance(self.label_store, str):
            raise ValueError(f"The 'label_store' parameter of {owner} must be a path string. "
                             f"Got {self.label_store!r} instead.")

    def fit(self, dtm: DocTermMatrix, labels: Sequence[Iterable[str]] | None = None):
        """Fit on a count matrix and each cable's TAGS.

        Parameters
        ----------
        dtm : DocTermMatrix
            Counts, rows are cables.
        labels : sequence of iterables of str, optional
            Each row's TAGS (any; only subject TAGS are used). Default: read the
            ``subject_tags`` of ``dtm.refs`` from ``label_store``.

        Raises
        ------
        ValueError
            When no labels are given and ``label_store`` is empty, a ref is missing from the
            store, the row counts differ, or no TAG is carried by ``min_label_docs`` cables.
        """
        self._validate_params()
        self._check_dtm(dtm, "fit")
        self._row_labels = self._read_labels(dtm, labels)
        try:
            return super().fit(dtm)
        finally:
            del self._row_labels

    def _read_labels(self, dtm: DocTermMatrix, labels) -> list[list[str]]:
        owner = type(self).__name__
        if labels is None:
            if not self.label_store:
                raise ValueError(
                    f"{owner}.fit needs the cables' TAGS: pass labels= (one list of TAGS per "
                    f"row) or set label_store= to the corpus store the matrix was built from")
            labels = _store_tags(self.label_store, dtm.refs)
        labels = list(labels)
        if len(labels) != dtm.n_docs:
            raise ValueError(f"{owner}.fit: {len(labels):,} label lists for {dtm.n_docs:,} "
                             "matrix rows; give one list of TAGS per cable, in row order")
        rows = [subject_labels(x) for x in labels]
        counts = Counter(t for r in rows for t in r)
        kept = {t for t, n in counts.items() if n >= self.min_label_docs}
        kept = self._cap_labels(kept, counts)
        if not kept:
            raise ValueError(
                f"{owner}.fit: no subject TAG is carried by {self.min_label_docs} or more of the "
                f"{dtm.n_docs:,} cables ({sum(map(bool, rows)):,} cables have any subject "
                "TAG); lower min_label_docs or fit on tagged cables")
        out = [[t for t in r if t in kept] for r in rows]
        logger.info("%s: %d labels (subject TAGS on >= %d cables); %d of %d cables carry one",
                    self.engine, len(kept), self.min_label_docs, sum(map(bool, out)), len(out))
        return out

    def _cap_labels(self, kept: set[str], counts: Counter) -> set[str]:
        return kept

    def _requested_topics(self) -> int:
        rows = getattr(self, "_row_labels", None)
        n_labels = len({t for r in rows for t in r}) if rows is not None else 0
        return n_labels * self._per_label() + self._n_latent()

    def _per_label(self) -> int:
        return 1

    def _n_latent(self) -> int:
        return 0

    def _make(self, tp):
        raise NotImplementedError

    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        tp = _tomotopy()
        mdl = self._make(tp)
        rows = []
        for i, words in enumerate(_words(dtm.matrix, self.terms_)):
            if words:  # tomotopy aborts on an empty document
                mdl.add_doc(words, labels=self._row_labels[i])
                rows.append(i)
        self._before_train(mdl)  # the labels (hence the topics) are known now
        mdl.train(self.iterations, workers=self.workers, parallel=tp.ParallelScheme.NONE)
        self._set_native(mdl)
        k = int(mdl.k)
        topic_term = np.zeros((k, len(self.terms_)))
        for j in range(k):
            topic_term[j, self._used_index] = mdl.get_topic_word_dist(j)
        doc_topic = np.tile(self._prior(), (dtm.n_docs, 1))
        for doc, i in zip(mdl.docs, rows, strict=True):
            doc_topic[i] = doc.get_topic_dist()
        # tomotopy's PLDA/LLDA infer differently in the trained object than after a save and
        # load (measured); `transform` uses the saved form from the start, so a model gives
        # the same mixtures before and after save/load.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*LLDAModel.* is deprecated",
                                    category=DeprecationWarning)
            self._set_native(self._native_class(tp).loads(mdl.saves(full=False)))
        logger.info("%s: %d topics (%d labels), log-likelihood per word %.4f", self.engine, k,
                    len(self.labels_), mdl.ll_per_word)
        return topic_term, doc_topic

    def _before_train(self, mdl) -> None:
        return None

    def _set_native(self, mdl) -> None:
        self._tp = mdl
        self._used_index = self.vocabulary_.indices(mdl.used_vocabs)
        all_labels = [str(t) for t in mdl.topic_label_dict]
        themes = {_SEED_PREFIX + n for n in (getattr(self, "seed_words", None) or {})}
        # labels_ are the TAGS; a seeded theme (plda) is a label topic but not a TAG
        self.labels_ = tuple(t for t in all_labels if t not in themes)
        index = {t: j for j, t in enumerate(self.labels_)}
        per = self._per_label()
        names = [t.removeprefix(_SEED_PREFIX) if per == 1 or t in themes else f"{t}#{j + 1}"
                 for t in all_labels for j in range(per)]
        names += [f"latent {j}" for j in range(int(mdl.k) - len(names))]
        self.topic_names_ = tuple(names)
        self.label_topics_ = np.repeat([index.get(t, -1) for t in all_labels], per)
        self.seed_topics_ = {t.removeprefix(_SEED_PREFIX): int(i) * per
                             for i, t in enumerate(all_labels) if t in themes}

    def _prior(self) -> np.ndarray:
        alpha = np.asarray(self._tp.alpha, dtype=np.float64).ravel()
        if alpha.size != int(self._tp.k):
            alpha = np.full(int(self._tp.k), float(alpha.mean()))
        return alpha / alpha.sum()

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        # no labels for new cables: every topic is open
        return infer_by_words(self._tp, dtm, self.terms_, self._used_index, self._prior(),
                              iterations=self.infer_iterations, workers=self.workers,
                              parallel=_tomotopy().ParallelScheme.NONE)

    def label_scores(self, doc_topic: np.ndarray) -> np.ndarray:
        """Each label's share of each cable: the sum of its topics' columns.

        Parameters
        ----------
        doc_topic : numpy.ndarray, shape (n_docs, n_topics_)
            From `transform` (or ``doc_topic_``).

        Returns
        -------
        numpy.ndarray, shape (n_docs, len(labels_))
            Columns in the order of ``labels_``.
        """
        self._check_fitted()
        dt = np.asarray(doc_topic, dtype=np.float64)
        out = np.zeros((dt.shape[0], len(self.labels_)))
        lt = np.asarray(self.label_topics_)
        cols = np.flatnonzero(lt >= 0)  # -1: a seeded theme's topic (plda), not a TAG's
        np.add.at(out.T, lt[cols], dt[:, cols].T)
        return out

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        self._tp.save(str(directory / _NATIVE), full=False)
        return {}

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        tp = _tomotopy()
        path = directory / _NATIVE
        if not path.is_file():
            raise ModelFormatError(
                f"{path}: not found; an {self.engine} model needs tomotopy's own model file to "
                "transform. Re-save the model with save()")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*LLDAModel.* is deprecated",
                                    category=DeprecationWarning)
            mdl = self._native_class(tp).load(str(path))
        self._set_native(mdl)
        if (self._used_index < 0).any() or int(mdl.k) != self.n_topics_:
            raise ModelFormatError(
                f"{path}: its vocabulary or topics do not match vocabulary.json and "
                "topic_term.npy; the files come from different saves")

    def _native_class(self, tp):
        raise NotImplementedError


class TomotopyLlda(_Labeled):
    """Labeled LDA: one topic per subject TAG, wrapping ``tomotopy.LLDAModel``.

    Parameters
    ----------
    n_topics : int, default 20
        The number of label topics: the ``n_topics`` subject TAGS carried by the most
        training cables (at least ``min_label_docs`` each) become the topics. A cable
        with none of them may use every topic in training.
    seed : int, default 0
        tomotopy ``seed``.
    iterations : int, default 500
        Gibbs sweeps.
    alpha, eta : float, default 0.1, 0.01
        Document-topic and topic-word Dirichlet priors.
    infer_iterations : int, default 100
        Gibbs sweeps per cable in `transform`.
    min_label_docs : int, default 10
        A TAG becomes a label when at least this many training cables carry it.
    label_store : str, default ""
        A corpus store to read each cable's TAGS from when `fit` gets no ``labels``.
    workers : int, default 1
        Sampling threads; only 1 is deterministic.
    """

    engine = "llda"

    def __init__(self, n_topics: int = 20, seed: int = 0, iterations: int = 500,
                 alpha: float = 0.1, eta: float = 0.01, infer_iterations: int = 100,
                 min_label_docs: int = 10, label_store: str = "", workers: int = 1):
        self.n_topics = n_topics
        self.seed = seed
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.infer_iterations = infer_iterations
        self.min_label_docs = min_label_docs
        self.label_store = label_store
        self.workers = workers

    def _cap_labels(self, kept: set[str], counts: Counter) -> set[str]:
        ranked = sorted(kept, key=lambda t: (-counts[t], t))
        return set(ranked[: self.n_topics])

    def _native_class(self, tp):
        return tp.LLDAModel

    def _make(self, tp):
        n_labels = len({t for r in self._row_labels for t in r})
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*LLDAModel.* is deprecated",
                                    category=DeprecationWarning)
            return tp.LLDAModel(k=n_labels, alpha=self.alpha, eta=self.eta, seed=self.seed,
                                min_cf=0)


class TomotopyPlda(_Labeled):
    """Partially labeled LDA: topics per subject TAG plus free latent topics (tomotopy
    ``PLDAModel``).

    Parameters
    ----------
    n_topics : int, default 20
        The number of free latent topics shared by all cables (>= 1); every subject TAG
        on ``min_label_docs`` or more cables adds ``topics_per_label`` topics on top.
    seed : int, default 0
        tomotopy ``seed``.
    topics_per_label : int, default 1
        Topics per TAG.
    iterations, alpha, eta, infer_iterations, min_label_docs, label_store, workers
        As for `TomotopyLlda`.
    seed_words : dict of str -> list of str, optional
        Seeded themes (``[themes.seeds]``): each theme becomes one more label topic
        (``topics_per_label`` of them), named after the theme, and every training cable
        that uses one of its seed words carries that label besides its TAGS. The theme's
        topic is thereby open only to those cables (and, in `transform`, to every cable),
        so it gathers what they share beyond their TAGS' and the latent topics' words.
        Theme topics are in ``topic_names_`` and ``seed_topics_``, not in ``labels_`` (the
        TAGS) nor in `label_scores`.

    Notes
    -----
    Why seed *labels* and not seed-word priors as in ``lda-gibbs``: tomotopy 0.14's
    ``PLDAModel`` is built with K = 1 and sets K = labels x ``topics_per_label`` + latent
    topics only when training starts (``initGlobalState``), while ``set_word_prior`` takes
    a prior of length K and is refused once training has started. Before training, a
    prior of the final length aborts the process (a C++ ``priors.size() must be equal to
    K``), and one of length 1 is accepted but aborts ``train``. So no word prior can reach a
    PLDA model through tomotopy's Python API.
    """

    engine = "plda"
    _requires_latent = True

    def __init__(self, n_topics: int = 20, seed: int = 0, topics_per_label: int = 1,
                 iterations: int = 500, alpha: float = 0.1, eta: float = 0.01,
                 infer_iterations: int = 100, min_label_docs: int = 10,
                 label_store: str = "", workers: int = 1,
                 seed_words: dict[str, list[str]] | None = None):
        self.n_topics = n_topics
        self.seed = seed
        self.seed_words = seed_words
        self.topics_per_label = topics_per_label
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.infer_iterations = infer_iterations
        self.min_label_docs = min_label_docs
        self.label_store = label_store
        self.workers = workers

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        check_int(owner, "topics_per_label", self.topics_per_label, 1)
        check_seed_words(owner, self.seed_words)

    def _read_labels(self, dtm: DocTermMatrix, labels) -> list[list[str]]:
        rows = super()._read_labels(dtm, labels)
        if not self.seed_words:
            return rows
        owner = type(self).__name__
        vocab = dtm.vocabulary
        known = set(vocab.terms)
        csc = dtm.matrix.tocsc()
        for name, words in self.seed_words.items():
            cols = [vocab.index(w.lower()) for w in words if w.lower() in known]
            if not cols:
                raise ValueError(
                    f"{owner}: seed theme {name!r}: none of its seed words {list(words)} is in "
                    f"the vocabulary of {len(known):,} terms (lower-cased, after stopwords and "
                    "pruning); choose words that occur in the cables")
            missing = [w for w in words if w.lower() not in known]
            if missing:
                logger.warning("seed theme %r: %d of %d seed words are not in the vocabulary "
                               "(skipped): %s", name, len(missing), len(words),
                               ", ".join(missing))
            hit = np.unique(csc[:, cols].nonzero()[0])
            for i in hit:
                rows[i] = [*rows[i], _SEED_PREFIX + name]
            logger.info("plda: seed theme %r is open to the %d cables using %s", name,
                        hit.size, ", ".join(w for w in words if w.lower() in known))
        return rows

    def _per_label(self) -> int:
        return int(self.topics_per_label)

    def _n_latent(self) -> int:
        return int(self.n_topics)

    def _native_class(self, tp):
        return tp.PLDAModel

    def _make(self, tp):
        return tp.PLDAModel(latent_topics=self.n_topics, topics_per_label=self.topics_per_label,
                            alpha=self.alpha, eta=self.eta, seed=self.seed, min_cf=0)


def _store_tags(store: str, refs: Sequence[str]) -> list[list[str]]:
    """The ``subject_tags`` of ``refs`` in the corpus store ``store`` (row order)."""
    from corpora.store import CorpusStore

    path = Path(store)
    if not path.is_dir():
        raise ValueError(f"label_store {store!r} is not a corpus store folder")
    wanted = set(refs)
    found: dict[str, list[str]] = {}
    for batch in CorpusStore(path).iter_batches(batch_size=5000,
                                                columns=["ref", "subject_tags"]):
        cols = batch.to_pydict()
        for ref, tags in zip(cols["ref"], cols["subject_tags"], strict=True):
            if ref in wanted:
                found[ref] = list(tags or [])
    missing = [r for r in refs if r not in found]
    if missing:
        raise ValueError(f"label_store {store}: {len(missing):,} of the {len(refs):,} cables "
                         f"are not in the store (first: {missing[0]!r}); give the store the "
                         "matrix was built from")
    return [found[r] for r in refs]


def name_rows(topic_rows: list[dict], theme_rows: list[dict], names: Sequence[str]) -> int:
    """Put the topic names of a labeled or seeded model into ``topics.json`` rows.

    A named topic's row gets ``"name"`` and its label becomes ``"NAME: label"``; a theme
    gets the name of its first topic (with ``method="dominant"`` its own topic). Rows are
    changed in place; returns how many themes were named.
    """
    for row in topic_rows:
        name = names[row["id"]] if 0 <= row["id"] < len(names) else ""
        if name:
            row["name"] = name
            row["label"] = f"{name}: {row['label']}"
    n = 0
    for row in theme_rows:
        topics = row.get("topics") or []
        name = names[topics[0]] if topics and 0 <= topics[0] < len(names) else ""
        if name:
            row["name"] = name
            row["label"] = f"{name}: {row['label']}"
            n += 1
    return n
