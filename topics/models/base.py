"""The `TopicModel` interface shared by every engine, and saving/loading without pickle.

A topic model here follows scikit-learn's estimator contract: the constructor stores its
arguments unchanged, `TopicModel.fit` validates its input, fits, sets attributes ending in
``_`` and returns ``self``. Each engine module implements four hooks:

``_fit(dtm)`` returns ``(topic_term, doc_topic)``;
``_transform(dtm)`` returns the unnormalised doc-topic weights of an aligned matrix;
``_state()`` returns the arrays (and native files) needed to transform after loading;
``_restore(arrays, directory)`` rebuilds the engine from them.

A saved model is a directory (spaCy's "the artefact carries its config")::

    params.json      engine, constructor params, library versions, n_terms, n_topics_
    vocabulary.json  Vocabulary.to_dict() of the training matrix
    refs.json        row ids of doc_topic.npy
    topic_term.npy   (n_topics, n_terms) float64
    doc_topic.npy    (n_docs, n_topics) float64
    state_*.npy      engine arrays needed by transform (loaded with allow_pickle=False)
    tomotopy.bin     tomotopy's own binary format (lda-gibbs only; not a pickle)

``params.json`` records the sha256 of every other file (``"files"``). `load_model` checks
them all before it reads any array or hands a byte to a native loader (tomotopy crashes,
aborts or hangs on a damaged file), and checks each ``.npy`` header against the file's size
before numpy allocates what it declares. A save is atomic: the files are written into a
temporary folder beside ``directory``, flushed to disk and renamed into place, so a killed
save leaves the previous model (or none), never a mix.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import shutil
from numbers import Integral, Real
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from topics.runinfo import atomic_write_bytes, package_versions
from topics.safeload import UnsafeArrayFile, check_npy
from topics.vectorize import DocTermMatrix, Vocabulary

__all__ = ["ModelFormatError", "TopicModel", "check_int", "check_real", "normalize_rows"]

logger = logging.getLogger(__name__)

#: Written into ``params.json``; bump when the saved layout changes.
MODEL_FORMAT_VERSION = 1
_VERSIONED = ("numpy", "scipy", "scikit-learn", "gensim", "tomotopy")


class ModelFormatError(ValueError):
    """A saved model directory is missing a file or holds something unexpected."""


def check_int(owner: str, name: str, value: Any, low: int | None = None) -> None:
    """Raise in scikit-learn's words unless ``value`` is an int (not bool) ``>= low``."""
    ok = isinstance(value, Integral) and not isinstance(value, bool)
    if ok and (low is None or value >= low):
        return
    bound = "" if low is None else f" >= {low}"
    raise ValueError(
        f"The {name!r} parameter of {owner} must be an int{bound}. Got {value!r} instead."
    )


def check_real(owner: str, name: str, value: Any, low: float = 0.0, *, strict: bool = True) -> None:
    """Raise unless ``value`` is a real number ``> low`` (``>= low`` when not strict)."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok and (value > low if strict else value >= low):
        return
    op = ">" if strict else ">="
    raise ValueError(
        f"The {name!r} parameter of {owner} must be a float {op} {low}. Got {value!r} instead."
    )


def normalize_rows(weights: np.ndarray) -> np.ndarray:
    """Rows scaled to sum to 1; an all-zero (or non-finite) row becomes uniform.

    Parameters
    ----------
    weights : numpy.ndarray, shape (n_rows, n_cols)
        Non-negative weights.

    Returns
    -------
    numpy.ndarray of float64, shape (n_rows, n_cols)
    """
    w = np.asarray(weights, dtype=np.float64)
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    sums = w.sum(axis=1, keepdims=True)
    out = np.divide(w, sums, out=np.zeros_like(w), where=sums > 0)
    zero = sums[:, 0] <= 0
    if zero.any():
        # A cable with no modelled term carries no evidence: the prior, i.e. uniform.
        out[zero] = 1.0 / w.shape[1]
    return out


class TopicModel:
    """Base class of every engine: fit on a `DocTermMatrix`, transform, save.

    Parameters
    ----------
    n_topics : int, default 20
        Number of topics (K), >= 2.
    seed : int, default 0
        Random seed handed to the engine as a plain int; same seed, same arrays.

    Attributes
    ----------
    topic_term_ : numpy.ndarray, shape (n_topics_, n_terms)
        p(term | topic); rows sum to 1.
    doc_topic_ : numpy.ndarray, shape (n_docs, n_topics_)
        p(topic | cable) of the training cables; rows sum to 1.
    terms_ : tuple of str
        Column terms (``vocabulary_.terms``).
    vocabulary_ : Vocabulary
        The training vocabulary; `transform` re-indexes other matrices to it.
    refs_ : tuple of str
        Row ids of ``doc_topic_``.
    n_topics_ : int
        Number of topics fitted (``n_topics`` except for ``hdp``).
    """

    #: Engine name, the key in `topics.models.ENGINES`.
    engine: ClassVar[str] = ""
    #: Whether the engine models raw counts (LDA family) rather than any weighting.
    needs_counts: ClassVar[bool] = True

    def __init__(self, n_topics: int = 20, seed: int = 0):
        self.n_topics = n_topics
        self.seed = seed

    # ------------------------------------------------------------------------------ params
    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        """Constructor parameter names, in signature order."""
        sig = inspect.signature(cls.__init__)
        return tuple(p for p in sig.parameters if p != "self")

    #: Values of parameters added later, for models saved before they existed.
    absent_params: dict[str, Any] = {}

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters as given (scikit-learn's ``get_params(deep=False)``)."""
        return {name: getattr(self, name) for name in self.param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _validate_params(self) -> None:
        """Check constructor parameters; engines extend it. Called at the start of fit."""
        owner = type(self).__name__
        check_int(owner, "n_topics", self.n_topics, 2)
        check_int(owner, "seed", self.seed, 0)

    # --------------------------------------------------------------------------------- fit
    def fit(self, dtm: DocTermMatrix) -> TopicModel:
        """Fit the model on a document-term matrix.

        Parameters
        ----------
        dtm : DocTermMatrix, shape (n_docs, n_terms)
            Counts (``weighting="count"``); ``nmf`` also accepts a TF-IDF matrix.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On invalid parameters, an empty matrix, more topics than cables or terms, or a
            TF-IDF matrix given to an engine that models counts.
        """
        self._validate_params()
        self._check_dtm(dtm, "fit")
        n_docs, n_terms = dtm.shape
        if n_docs == 0 or n_terms == 0 or dtm.matrix.nnz == 0:
            raise ValueError(
                f"{type(self).__name__}.fit got an empty DocTermMatrix ({n_docs} cables x "
                f"{n_terms} terms, {dtm.matrix.nnz} non-zero entries); build it from tokenized "
                f"cables with build_dtm and check min_df/max_df"
            )
        k = self._requested_topics()
        if k > n_docs:
            raise ValueError(
                f"{type(self).__name__}.fit: n_topics={k} but the DocTermMatrix has only "
                f"{n_docs} cables; lower n_topics to at most {n_docs} or add cables"
            )
        if k > n_terms:
            raise ValueError(
                f"{type(self).__name__}.fit: n_topics={k} but the DocTermMatrix has only "
                f"{n_terms} terms; lower n_topics or relax min_df/max_df"
            )
        logger.info(
            "%s: fitting %d topics on %d cables x %d terms", self.engine, k, n_docs, n_terms
        )
        self.vocabulary_ = dtm.vocabulary
        self.terms_ = dtm.vocabulary.terms
        topic_term, doc_topic = self._fit(dtm)
        self.topic_term_ = normalize_rows(topic_term)
        self.doc_topic_ = normalize_rows(doc_topic)
        self.refs_ = tuple(dtm.refs)
        self.n_topics_ = int(self.topic_term_.shape[0])
        return self

    def _requested_topics(self) -> int:
        return int(self.n_topics)

    def _check_dtm(self, dtm: Any, where: str) -> None:
        if not isinstance(dtm, DocTermMatrix):
            raise TypeError(
                f"{type(self).__name__}.{where} expects a DocTermMatrix (topics.vectorize."
                f"build_dtm). Got {type(dtm).__name__}."
            )
        if self.needs_counts and dtm.weighting != "count":
            raise ValueError(
                f"{type(self).__name__}.{where}: engine {self.engine!r} models raw counts but "
                f"got a DocTermMatrix with weighting={dtm.weighting!r}; pass the count matrix "
                f"from build_dtm, not dtm.tfidf()"
            )

    # --------------------------------------------------------------------------- transform
    def transform(self, dtm: DocTermMatrix) -> np.ndarray:
        """Infer p(topic | cable) for (unseen) cables.

        Parameters
        ----------
        dtm : DocTermMatrix, shape (n_docs, n_terms_other)
            Re-indexed by term to ``vocabulary_`` when its vocabulary differs: unknown
            terms are dropped, missing terms count zero.

        Returns
        -------
        numpy.ndarray, shape (n_docs, n_topics_)
            Rows sum to 1; a cable with no known term gets the uniform row.
        """
        self._check_fitted()
        self._check_dtm(dtm, "transform")
        aligned = self._align(dtm)
        if aligned.n_docs == 0:
            return np.zeros((0, self.n_topics_))
        return normalize_rows(self._transform(aligned))

    def _align(self, dtm: DocTermMatrix) -> DocTermMatrix:
        if dtm.vocabulary.terms == self.terms_:
            return dtm
        aligned = dtm.reindex(self.vocabulary_)
        known = int(np.count_nonzero(self.vocabulary_.indices(dtm.vocabulary.terms) >= 0))
        logger.info(
            "%s.transform: re-indexed %d terms to the model's %d terms (%d known)",
            self.engine,
            len(dtm.vocabulary),
            len(self.vocabulary_),
            known,
        )
        if known == 0 and dtm.n_docs:
            raise ValueError(
                f"{type(self).__name__}.transform: none of the {len(dtm.vocabulary)} terms of "
                f"the DocTermMatrix is in the model's vocabulary of {len(self.vocabulary_)} "
                f"terms; vectorize the cables with the same tokenizer options"
            )
        return aligned

    def _check_fitted(self) -> None:
        if not hasattr(self, "topic_term_"):
            raise ValueError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with a "
                f"DocTermMatrix first, or load a saved model with load_model(dir)."
            )

    # ------------------------------------------------------------------------ persistence
    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write the fitted model into ``directory`` (created if needed); nothing is pickled.

        Returns
        -------
        pathlib.Path
            The directory.
        """
        self._check_fitted()
        final = Path(directory)
        if final.exists() and not final.is_dir():
            raise FileExistsError(f"{final} is a file; save a model into a folder")
        final.parent.mkdir(parents=True, exist_ok=True)
        out = final.parent / f".{final.name}.tmp-{os.getpid()}"
        if out.exists():
            shutil.rmtree(out)
        out.mkdir()
        try:
            self._save_into(out)
            _swap_in(out, final)
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
        logger.info("%s: saved model to %s", self.engine, final)
        return final

    def _save_into(self, out: Path) -> None:
        """Write every file of the model into the (new, empty) folder ``out``."""
        arrays = self._state(out)
        params = {
            "format_version": MODEL_FORMAT_VERSION,
            "engine": self.engine,
            "params": self.get_params(),
            "n_topics_": self.n_topics_,
            "n_terms": len(self.terms_),
            "n_docs": len(self.refs_),
            "state": sorted(arrays),
            "versions": package_versions(_VERSIONED, missing=""),
        }
        np.save(out / "topic_term.npy", self.topic_term_, allow_pickle=False)
        np.save(out / "doc_topic.npy", self.doc_topic_, allow_pickle=False)
        for name, arr in arrays.items():
            np.save(out / f"state_{name}.npy", np.asarray(arr), allow_pickle=False)
        _write_json(out / "vocabulary.json", self.vocabulary_.to_dict())
        _write_json(out / "refs.json", list(self.refs_))
        params["files"] = {f.name: _sha256(f, sync=True) for f in sorted(out.iterdir())
                           if f.is_file() and f.name != "params.json"}
        _write_json(out / "params.json", params)

    @classmethod
    def _load(cls, directory: Path, meta: dict[str, Any]) -> TopicModel:
        params = meta.get("params")
        if not isinstance(params, dict):
            raise ModelFormatError(f"{directory / 'params.json'}: 'params' must be an object")
        unknown = sorted(set(params) - set(cls.param_names()))
        if unknown:
            raise ModelFormatError(
                f"{directory / 'params.json'}: unknown parameter(s) {unknown} for engine "
                f"{cls.engine!r}; valid: {list(cls.param_names())}"
            )
        _verify_files(directory, meta)
        # A parameter added after a model was saved takes the value that model was fitted with.
        model = cls(**{**cls.absent_params, **params})
        model.topic_term_ = _load_npy(directory / "topic_term.npy")
        model.doc_topic_ = _load_npy(directory / "doc_topic.npy")
        vocab_path = directory / "vocabulary.json"
        model.vocabulary_ = Vocabulary.from_dict(_read_json(vocab_path), where=str(vocab_path))
        model.terms_ = model.vocabulary_.terms
        model.refs_ = tuple(_read_json(directory / "refs.json"))
        model.n_topics_ = int(model.topic_term_.shape[0])
        if model.topic_term_.shape != (meta.get("n_topics_"), len(model.terms_)):
            raise ModelFormatError(
                f"{directory / 'topic_term.npy'}: shape {model.topic_term_.shape}, expected "
                f"({meta.get('n_topics_')}, {len(model.terms_)}) from params.json and "
                f"vocabulary.json; the files come from different saves"
            )
        arrays = {name: _load_npy(directory / f"state_{name}.npy") for name in meta["state"]}
        model._restore(arrays, directory)
        return model

    # ------------------------------------------------------------------------ engine hooks
    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        raise NotImplementedError

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        return {}

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        return None


def _sha256(path: Path, *, sync: bool = False) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
        if sync:
            os.fsync(fh.fileno())
    return h.hexdigest()


def _swap_in(new: Path, final: Path) -> None:
    """Replace the folder ``final`` by ``new`` with renames (the old one is removed after)."""
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        os.rename(final, old)
    os.rename(new, final)
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if old.exists():
        shutil.rmtree(old)


def _verify_files(directory: Path, meta: dict[str, Any]) -> None:
    """Check every saved file against the sha256 in ``params.json`` before any is loaded.

    A model saved before checksums were recorded may still load its ``.npy`` and JSON files
    (read by safe loaders), but never a native engine file.
    """
    files = meta.get("files")
    where = directory / "params.json"
    if files is None:
        native = sorted(f.name for f in directory.iterdir()
                        if f.is_file() and f.suffix not in (".npy", ".json"))
        if native:
            raise ModelFormatError(
                f"{where}: records no sha256 for {native}; an engine's native file is loaded "
                "only when its checksum is recorded. Re-fit and save the model with this "
                "cable-topics"
            )
        return
    if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise ModelFormatError(f"{where}: 'files' must map file names to sha256 strings")
    for name, expected in sorted(files.items()):
        path = directory / name
        if "/" in name or "\\" in name or name.startswith("."):
            raise ModelFormatError(f"{where}: file name {name!r} is not a plain file name")
        if not path.is_file():
            raise ModelFormatError(f"{path}: not found; the model directory is incomplete")
        if _sha256(path) != expected:
            raise ModelFormatError(
                f"{path}: sha256 differs from the one recorded in params.json when the model "
                "was saved; the file is damaged or was changed. Refused before loading"
            )
    unlisted = sorted(f.name for f in directory.iterdir() if f.is_file()
                      and f.name != "params.json" and f.name not in files
                      and f.suffix not in (".json",))
    if unlisted:
        raise ModelFormatError(
            f"{where}: files {unlisted} are not among the saved files; refused (they would be "
            "loaded without a checksum)"
        )


def _write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise ModelFormatError(f"{path}: not found; a saved model directory is written by save()")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{path}: not valid UTF-8 JSON ({exc}); re-save the model") from exc


def _load_npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise ModelFormatError(f"{path}: not found; re-save the model with save()")
    try:
        check_npy(path)
        return np.load(path, allow_pickle=False)
    except UnsafeArrayFile as exc:
        raise ModelFormatError(str(exc)) from exc
    except ValueError as exc:
        raise ModelFormatError(
            f"{path}: not a plain .npy array ({exc}); object arrays are refused because "
            f"loading them would unpickle"
        ) from exc


def read_params(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed ``params.json`` of a saved model directory, format version checked."""
    d = Path(directory)
    meta = _read_json(d / "params.json")
    if not isinstance(meta, dict) or meta.get("format_version") != MODEL_FORMAT_VERSION:
        got = meta.get("format_version") if isinstance(meta, dict) else None
        raise ModelFormatError(
            f"{d / 'params.json'}: format_version {got!r} is not supported (expected "
            f"{MODEL_FORMAT_VERSION}); re-fit and save the model with this cable-topics"
        )
    for key in ("engine", "params", "n_topics_", "state"):
        if key not in meta:
            raise ModelFormatError(f"{d / 'params.json'}: missing key {key!r}")
    return meta
