"""Vocabulary and document-term matrix: token lists in, a sparse CSR matrix with row ids out.

The `DocTermMatrix` keeps its row ids (cable refs) and its `Vocabulary` in the same object,
so rows can never drift from cables and columns never drift from terms. `to_gensim` is the
one place in the project where a matrix becomes a gensim corpus.

Examples
--------
>>> dtm = build_dtm([["nuclear", "talks"], ["nuclear", "trade"], ["trade", "talks"]],
...                 ["09A1", "09A2", "09A3"], min_df=2, max_df=1.0)
>>> dtm.vocabulary.terms
('nuclear', 'talks', 'trade')
>>> dtm.matrix.toarray().tolist()
[[1, 1, 0], [1, 0, 1], [0, 1, 1]]
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from topics.runinfo import atomic_write
from topics.safeload import write_npz

__all__ = ["DocTermMatrix", "Vocabulary", "build_dtm"]

logger = logging.getLogger(__name__)

#: Written into ``dtm.json``; bump when the layout changes.
DTM_FORMAT_VERSION = 1
WEIGHTINGS = ("count", "tfidf")


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------


class Vocabulary:
    """Terms (matrix columns) with their document frequencies.

    Parameters
    ----------
    terms : sequence of str
        The terms, in column order; unique.
    df : array-like of int, shape (n_terms,)
        Document frequency of each term: in how many of the ``n_docs`` documents it occurs.
    n_docs : int
        Number of documents the frequencies were counted over.

    Attributes
    ----------
    terms : tuple of str
    df : numpy.ndarray of int64, shape (n_terms,), read-only
    n_docs : int

    Raises
    ------
    ValueError
        On duplicate terms, a ``df`` of the wrong length, or a frequency outside
        ``[0, n_docs]``.
    TypeError
        When a term is not a str.
    """

    __slots__ = ("terms", "df", "n_docs", "_index")

    def __init__(self, terms: Sequence[str], df: Sequence[int] | np.ndarray, n_docs: int):
        terms = tuple(terms)
        for i, term in enumerate(terms):
            if not isinstance(term, str):
                raise TypeError(
                    f"Vocabulary term {i} must be a str. Got {type(term).__name__} {term!r}."
                )
        # np.str_ and other str subclasses become plain str so JSON and gensim see strings.
        terms = tuple(t if type(t) is str else str(t) for t in terms)
        index = {term: i for i, term in enumerate(terms)}
        if len(index) != len(terms):
            dupes = sorted(t for t, c in Counter(terms).items() if c > 1)
            raise ValueError(
                f"Vocabulary terms must be unique; {len(dupes)} repeated, first {dupes[0]!r}."
            )
        df_arr = np.array(df, dtype=np.int64).reshape(-1)
        if df_arr.shape[0] != len(terms):
            raise ValueError(
                f"Vocabulary df must have one entry per term: {len(terms)} terms, "
                f"{df_arr.shape[0]} df values."
            )
        if isinstance(n_docs, bool) or not isinstance(n_docs, Integral) or n_docs < 0:
            raise ValueError(f"Vocabulary n_docs must be an int >= 0. Got {n_docs!r} instead.")
        if df_arr.size and (df_arr.min() < 0 or df_arr.max() > n_docs):
            bad = int(np.flatnonzero((df_arr < 0) | (df_arr > n_docs))[0])
            raise ValueError(
                f"Vocabulary df of term {terms[bad]!r} is {int(df_arr[bad])}, outside "
                f"[0, n_docs={n_docs}]."
            )
        df_arr.flags.writeable = False
        object.__setattr__(self, "terms", terms)
        object.__setattr__(self, "df", df_arr)
        object.__setattr__(self, "n_docs", int(n_docs))
        object.__setattr__(self, "_index", index)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Vocabulary is immutable; cannot set {name!r}")

    def __reduce__(self):
        # in-memory copies (multiprocessing, joblib, copy.deepcopy) rebuild it through
        # __init__; saved vocabularies are JSON (DocTermMatrix.save), never pickles
        return (type(self), (list(self.terms), np.array(self.df), self.n_docs))

    def __len__(self) -> int:
        return len(self.terms)

    def __contains__(self, term: object) -> bool:
        return term in self._index

    def __iter__(self):
        return iter(self.terms)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return (
            self.terms == other.terms
            and self.n_docs == other.n_docs
            and np.array_equal(self.df, other.df)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.terms[:5])
        more = ", ..." if len(self.terms) > 5 else ""
        return f"Vocabulary({len(self)} terms [{head}{more}], n_docs={self.n_docs})"

    def index(self, term: str) -> int:
        """Column index of ``term``.

        Raises
        ------
        KeyError
            When the term is not in the vocabulary.
        """
        try:
            return self._index[term]
        except KeyError:
            raise KeyError(
                f"term {term!r} is not in the vocabulary ({len(self)} terms); check "
                f"`term in vocabulary` first"
            ) from None

    def indices(self, terms: Iterable[str]) -> np.ndarray:
        """Column indices of ``terms``, -1 for terms not in the vocabulary (int64 array)."""
        get = self._index.get
        return np.fromiter((get(t, -1) for t in terms), dtype=np.int64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: ``{"terms": [...], "df": [...], "n_docs": int}``."""
        return {"terms": list(self.terms), "df": self.df.tolist(), "n_docs": self.n_docs}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "vocabulary") -> Vocabulary:
        """Rebuild from `to_dict` output; ``where`` names the source in error messages."""
        missing = [k for k in ("terms", "df", "n_docs") if k not in data]
        if missing:
            raise ValueError(
                f"{where}: vocabulary is missing key(s) {missing}; expected 'terms', 'df' "
                f"and 'n_docs' as written by Vocabulary.to_dict()"
            )
        try:
            return cls(data["terms"], data["df"], data["n_docs"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: invalid vocabulary: {exc}") from exc

    def prune(
        self,
        *,
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        max_terms: int | None = None,
    ) -> Vocabulary:
        """A new vocabulary keeping the terms that pass the document-frequency limits.

        Parameters are as in `build_dtm`; the kept terms are sorted alphabetically.
        """
        keep = _prune_columns(
            np.asarray(self.df), self.terms, self.n_docs, min_df, max_df, max_terms
        )
        return Vocabulary([self.terms[i] for i in keep], self.df[keep], self.n_docs)


def _check_df_limit(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"The {name!r} parameter must be an int (document count) or a float in [0, 1] "
            f"(share of documents). Got {value!r} instead."
        )
    if isinstance(value, Integral):
        if value < 0:
            raise ValueError(f"The {name!r} parameter as a count must be >= 0. Got {value}.")
    elif not 0.0 <= float(value) <= 1.0:
        raise ValueError(
            f"The {name!r} parameter as a share must be a float in [0, 1]. Got {value} "
            f"instead; pass an int for a document count."
        )


def _prune_columns(
    df: np.ndarray,
    terms: Sequence[str],
    n_docs: int,
    min_df: int | float,
    max_df: int | float,
    max_terms: int | None,
) -> np.ndarray:
    """Indices of the kept columns, ordered so the kept terms are alphabetical.

    Limits follow scikit-learn's ``CountVectorizer``: an int is a document count, a float a
    share of ``n_docs``; a term is kept when ``min_count <= df <= max_count``. Then
    ``max_terms`` keeps the terms with the highest df, ties broken by term alphabetically.
    """
    _check_df_limit("min_df", min_df)
    _check_df_limit("max_df", max_df)
    if max_terms is not None and (
        isinstance(max_terms, bool) or not isinstance(max_terms, Integral) or max_terms < 1
    ):
        raise ValueError(
            f"The 'max_terms' parameter must be None or an int >= 1. Got {max_terms!r}."
        )
    min_count = min_df if isinstance(min_df, Integral) else min_df * n_docs
    max_count = max_df if isinstance(max_df, Integral) else max_df * n_docs
    # Alphabetical order first; every later selection keeps it by stable sorting.
    alpha = np.array(sorted(range(len(terms)), key=terms.__getitem__), dtype=np.int64)
    keep = alpha[(df[alpha] >= min_count) & (df[alpha] <= max_count)]
    if keep.size == 0:
        raise ValueError(
            f"min_df={min_df!r} and max_df={max_df!r} left 0 of {len(terms):,} terms "
            f"over {n_docs:,} documents (kept when {min_count:g} <= df <= {max_count:g}): "
            f"lower min_df or raise max_df"
        )
    if max_terms is not None and keep.size > max_terms:
        top = np.argsort(-df[keep], kind="stable")[:max_terms]
        keep = keep[np.sort(top)]
    return keep


# --------------------------------------------------------------------------------------------
# DocTermMatrix
# --------------------------------------------------------------------------------------------


#: Entries per block of rows in `DocTermMatrix.tfidf`.
_TFIDF_BLOCK = 4_000_000


def row_blocks(indptr: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Row ranges ``(lo, hi)`` of a CSR matrix, in order, covering every row once; a block
    holds at most ``size`` entries unless it is a single longer row."""
    n_rows = len(indptr) - 1
    blocks = []
    lo = 0
    while lo < n_rows:
        hi = int(np.searchsorted(indptr, indptr[lo] + size, side="right")) - 1
        hi = min(max(hi, lo + 1), n_rows)
        blocks.append((lo, hi))
        lo = hi
    return blocks


class DocTermMatrix:
    """A document-term matrix with its row ids and vocabulary.

    Parameters
    ----------
    matrix : scipy.sparse matrix, shape (n_docs, n_terms)
        Converted to CSR with sorted indices; int64 counts for ``weighting="count"``,
        float64 for ``weighting="tfidf"``.
    refs : sequence of str, length n_docs
        Row ids (cable refs), unique.
    vocabulary : Vocabulary, length n_terms
        Column terms.
    weighting : {"count", "tfidf"}

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix, shape (n_docs, n_terms)
    refs : tuple of str
    vocabulary : Vocabulary
    weighting : str

    Notes
    -----
    Attributes cannot be rebound; treat ``matrix`` as read-only too (methods return new
    objects and never modify it).
    """

    __slots__ = ("matrix", "refs", "vocabulary", "weighting")

    def __init__(
        self,
        matrix: Any,
        refs: Sequence[str],
        vocabulary: Vocabulary,
        weighting: str = "count",
    ):
        if weighting not in WEIGHTINGS:
            raise ValueError(
                f"The 'weighting' parameter of DocTermMatrix must be one of {WEIGHTINGS}. "
                f"Got {weighting!r} instead."
            )
        if not isinstance(vocabulary, Vocabulary):
            raise TypeError(
                f"DocTermMatrix vocabulary must be a Vocabulary. Got {type(vocabulary).__name__}."
            )
        if not sp.issparse(matrix):
            raise TypeError(
                f"DocTermMatrix matrix must be a scipy.sparse matrix. Got {type(matrix).__name__}."
            )
        refs = _check_refs(refs, "DocTermMatrix")
        dtype = np.int64 if weighting == "count" else np.float64
        if weighting == "count" and not np.issubdtype(matrix.dtype, np.integer):
            raise TypeError(
                f"DocTermMatrix with weighting='count' needs an integer matrix. Got "
                f"{matrix.dtype}; pass weighting='tfidf' for real-valued weights."
            )
        csr = sp.csr_matrix(matrix, dtype=dtype)
        if csr.shape != (len(refs), len(vocabulary)):
            raise ValueError(
                f"DocTermMatrix matrix shape {csr.shape} does not match {len(refs)} refs x "
                f"{len(vocabulary)} terms."
            )
        csr.sum_duplicates()
        csr.sort_indices()
        object.__setattr__(self, "matrix", csr)
        object.__setattr__(self, "refs", refs)
        object.__setattr__(self, "vocabulary", vocabulary)
        object.__setattr__(self, "weighting", weighting)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"DocTermMatrix is immutable; cannot set {name!r}")

    def __reduce__(self):
        # in-memory copies only (see Vocabulary.__reduce__); saved with save()
        return (type(self), (self.matrix, list(self.refs), self.vocabulary, self.weighting))

    def __repr__(self) -> str:
        n_docs, n_terms = self.matrix.shape
        return (
            f"DocTermMatrix({n_docs} docs x {n_terms} terms, nnz={self.matrix.nnz}, "
            f"weighting={self.weighting!r})"
        )

    @property
    def shape(self) -> tuple[int, int]:
        """(n_docs, n_terms)."""
        return self.matrix.shape

    @property
    def n_docs(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_terms(self) -> int:
        return self.matrix.shape[1]

    # ---------------------------------------------------------------------------- weighting
    def tfidf(
        self, *, sublinear: bool = False, norm: str | None = "l2", idf: str = "matrix"
    ) -> DocTermMatrix:
        """TF-IDF weights, the formula of scikit-learn's ``TfidfTransformer(smooth_idf=True)``.

        ``tf`` is the raw count, or ``1 + ln(count)`` when ``sublinear``; ``idf(t) =
        ln((1 + n) / (1 + df(t))) + 1``; each row is then scaled to unit ``norm``.

        Parameters
        ----------
        sublinear : bool, default False
            Replace tf with ``1 + ln(tf)`` (``sublinear_tf`` in scikit-learn).
        norm : {"l2", "l1", None}, default "l2"
            Row normalisation; None leaves rows unscaled.
        idf : {"matrix", "vocabulary"}, default "matrix"
            Where ``n`` and ``df`` come from: ``"matrix"`` counts them on this matrix's rows
            (equal to ``TfidfTransformer().fit_transform(dtm.matrix)``); ``"vocabulary"``
            uses ``vocabulary.df`` and ``vocabulary.n_docs``, the training-corpus statistics,
            for a subset or for new cables re-indexed to a training vocabulary.

        Returns
        -------
        DocTermMatrix
            float64 matrix, ``weighting="tfidf"``, same refs and vocabulary.

        Raises
        ------
        ValueError
            When this matrix is already TF-IDF weighted or a parameter is invalid.
        """
        if self.weighting != "count":
            raise ValueError(
                "DocTermMatrix.tfidf needs raw counts; this matrix is already "
                f"weighting={self.weighting!r}. Call tfidf() on the count matrix."
            )
        if norm not in ("l2", "l1", None):
            raise ValueError(f"The 'norm' parameter must be 'l2', 'l1' or None. Got {norm!r}.")
        if idf == "matrix":
            n = self.n_docs
            df = np.bincount(self.matrix.indices, minlength=self.n_terms)
        elif idf == "vocabulary":
            n = self.vocabulary.n_docs
            df = np.asarray(self.vocabulary.df)
        else:
            raise ValueError(
                f"The 'idf' parameter must be 'matrix' or 'vocabulary'. Got {idf!r} instead."
            )
        idf_w = np.log((1.0 + n) / (1.0 + df.astype(np.float64))) + 1.0
        m = self.matrix
        # The weights are made in blocks of rows (about _TFIDF_BLOCK entries each), so no
        # temporary as long as the matrix exists: at 251k cables (70 M entries) the
        # whole-matrix temporaries took 2.4 GB. The same operations per entry, in the same
        # order, as on the whole matrix: the same numbers.
        data = np.empty(m.data.shape[0], dtype=np.float64)
        indptr = m.indptr
        for lo, hi in row_blocks(indptr, _TFIDF_BLOCK):
            a, b = int(indptr[lo]), int(indptr[hi])
            block = data[a:b]
            block[:] = m.data[a:b]
            if sublinear:
                np.log(block, block)
                block += 1.0
            block *= idf_w[m.indices[a:b]]
            if norm is not None:
                sq = block**2 if norm == "l2" else np.abs(block)
                lengths = np.diff(indptr[lo:hi + 1])
                row_of = np.repeat(np.arange(hi - lo), lengths)
                per_row = np.bincount(row_of, weights=sq, minlength=hi - lo)
                if norm == "l2":
                    per_row = np.sqrt(per_row)
                per_row[per_row == 0.0] = 1.0
                block /= np.repeat(per_row, lengths)
        # The index arrays are shared with the count matrix, not copied.
        out = sp.csr_matrix((data, m.indices, m.indptr), shape=m.shape, copy=False)
        return DocTermMatrix(out, self.refs, self.vocabulary, "tfidf")

    # ------------------------------------------------------------------------------ gensim
    def to_gensim(self) -> tuple[list[list[tuple[int, int | float]]], Any]:
        """The matrix as a gensim bag-of-words corpus and a matching ``Dictionary``.

        The only gensim conversion in the project: term id ``j`` in the corpus is column
        ``j`` of the matrix and ``dictionary[j] == vocabulary.terms[j]``.

        Returns
        -------
        corpus : list of list of (int, int)
            One list per row, ``(term_id, count)`` pairs in increasing term id; ``float``
            weights when ``weighting="tfidf"``.
        dictionary : gensim.corpora.Dictionary
            ``token2id`` from the vocabulary; ``dfs`` and ``num_docs`` from
            ``vocabulary.df`` and ``vocabulary.n_docs``; ``cfs``, ``num_pos`` and
            ``num_nnz`` from this matrix.
        """
        from gensim.corpora import Dictionary

        m = self.matrix
        indptr, indices, data = m.indptr, m.indices.tolist(), m.data.tolist()
        corpus = [
            list(
                zip(
                    indices[indptr[i] : indptr[i + 1]], data[indptr[i] : indptr[i + 1]], strict=True
                )
            )
            for i in range(m.shape[0])
        ]
        dictionary = Dictionary()
        dictionary.token2id = {term: j for j, term in enumerate(self.vocabulary.terms)}
        dictionary.id2token = dict(enumerate(self.vocabulary.terms))
        dictionary.dfs = {j: int(d) for j, d in enumerate(self.vocabulary.df.tolist())}
        col_sums = np.asarray(m.sum(axis=0)).ravel()
        if self.weighting == "count":
            dictionary.cfs = {j: int(c) for j, c in enumerate(col_sums.tolist())}
            dictionary.num_pos = int(col_sums.sum())
        dictionary.num_docs = self.vocabulary.n_docs
        dictionary.num_nnz = int(m.nnz)
        return corpus, dictionary

    # --------------------------------------------------------------------------- selection
    def subset(self, rows: Sequence[int] | Sequence[str] | np.ndarray) -> DocTermMatrix:
        """Rows selected by integer position, boolean mask or ref; same vocabulary.

        Parameters
        ----------
        rows : array-like of int, array-like of bool (length n_docs) or sequence of str
            Positions, a mask, or refs. Order is kept; a row may not be chosen twice.

        Raises
        ------
        KeyError
            For a ref that is not a row.
        IndexError
            For a position out of range.
        ValueError
            For a mask of the wrong length or a row chosen twice.
        """
        rows_list = list(rows) if not isinstance(rows, np.ndarray) else rows
        if len(rows_list) and isinstance(rows_list[0], str):
            pos = {ref: i for i, ref in enumerate(self.refs)}
            try:
                idx = np.array([pos[r] for r in rows_list], dtype=np.int64)
            except KeyError as exc:
                raise KeyError(
                    f"DocTermMatrix.subset: ref {exc.args[0]!r} is not a row of this matrix "
                    f"({self.n_docs} rows)"
                ) from None
        else:
            arr = np.asarray(rows_list)
            if arr.dtype == bool:
                if arr.shape != (self.n_docs,):
                    raise ValueError(
                        f"DocTermMatrix.subset: boolean mask has length {arr.shape[0]}, "
                        f"expected {self.n_docs} (one per row)"
                    )
                idx = np.flatnonzero(arr)
            elif arr.size == 0:
                idx = np.zeros(0, dtype=np.int64)
            elif np.issubdtype(arr.dtype, np.integer):
                idx = arr.astype(np.int64).reshape(-1)
                bad = (idx < -self.n_docs) | (idx >= self.n_docs)
                if bad.any():
                    raise IndexError(
                        f"DocTermMatrix.subset: row {int(idx[bad][0])} out of range for "
                        f"{self.n_docs} rows"
                    )
                idx = idx % self.n_docs
            else:
                raise TypeError(
                    "DocTermMatrix.subset expects int positions, a bool mask or refs (str). "
                    f"Got dtype {arr.dtype}."
                )
        refs = tuple(self.refs[i] for i in idx.tolist())
        return DocTermMatrix(self.matrix[idx], refs, self.vocabulary, self.weighting)

    def reindex(self, vocabulary: Vocabulary) -> DocTermMatrix:
        """Columns aligned to ``vocabulary`` by term.

        Terms of this matrix missing from ``vocabulary`` are dropped; terms of
        ``vocabulary`` missing here get empty columns. Use it to bring new cables into the
        column space of a fitted model.

        Returns
        -------
        DocTermMatrix
            Same refs and weighting, ``len(vocabulary)`` columns, ``vocabulary`` attached.
        """
        if not isinstance(vocabulary, Vocabulary):
            raise TypeError(f"reindex expects a Vocabulary. Got {type(vocabulary).__name__}.")
        target = vocabulary.indices(self.vocabulary.terms)  # per source column
        src = np.flatnonzero(target >= 0)
        proj = sp.csr_matrix(
            (np.ones(src.size, dtype=self.matrix.dtype), (src, target[src])),
            shape=(self.n_terms, len(vocabulary)),
        )
        dropped = self.n_terms - src.size
        if dropped:
            logger.debug(
                "reindex dropped %d of %d terms not in the target vocabulary", dropped, self.n_terms
            )
        out = (self.matrix @ proj).tocsr()
        return DocTermMatrix(out, self.refs, vocabulary, self.weighting)

    # ------------------------------------------------------------------------- persistence
    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``dtm.npz`` (``scipy.sparse.save_npz``'s layout) and ``dtm.json`` into ``directory``.

        ``dtm.json`` holds ``refs``, ``terms``, ``df``, ``n_docs``, ``weighting``, ``shape``
        and ``format_version``. Each file is written to a temporary name and moved into
        place with ``os.replace``, so a reader never sees half a file. Nothing is pickled.

        Returns
        -------
        pathlib.Path
            The directory.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        meta = {
            "format_version": DTM_FORMAT_VERSION,
            "weighting": self.weighting,
            "shape": list(self.shape),
            "refs": list(self.refs),
            **self.vocabulary.to_dict(),
        }
        m = self.matrix.tocsr()
        # scipy.sparse.save_npz's layout, deflated at a faster level (topics.safeload)
        arrays = {"indices": m.indices, "indptr": m.indptr, "format": np.array(b"csr"),
                  "shape": np.array(m.shape), "data": m.data}
        atomic_write(out / "dtm.npz", lambda fh: write_npz(fh, arrays))
        payload = json.dumps(meta, ensure_ascii=False).encode("utf-8")
        atomic_write(out / "dtm.json", lambda fh: fh.write(payload))
        return out

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> DocTermMatrix:
        """Read a matrix written by `save` (``allow_pickle=False``).

        Raises
        ------
        FileNotFoundError
            When ``dtm.npz`` or ``dtm.json`` is missing.
        ValueError
            When the files are malformed or disagree with each other.
        """
        d = Path(directory)
        npz_path, json_path = d / "dtm.npz", d / "dtm.json"
        for p in (npz_path, json_path):
            if not p.is_file():
                raise FileNotFoundError(
                    f"{p}: not found; a saved DocTermMatrix directory holds dtm.npz and "
                    f"dtm.json (written by DocTermMatrix.save)"
                )
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{json_path}: not valid UTF-8 JSON: {exc}") from exc
        if not isinstance(meta, dict):
            raise ValueError(f"{json_path}: expected a JSON object, got {type(meta).__name__}")
        version = meta.get("format_version")
        if version != DTM_FORMAT_VERSION:
            raise ValueError(
                f"{json_path}: format_version {version!r} is not supported (expected "
                f"{DTM_FORMAT_VERSION}); re-save the matrix with this version of cable-topics"
            )
        for key in ("refs", "weighting", "shape"):
            if key not in meta:
                raise ValueError(f"{json_path}: missing key {key!r}")
        vocabulary = Vocabulary.from_dict(meta, where=str(json_path))
        try:
            with np.load(npz_path, allow_pickle=False) as npz:
                fmt = npz["format"].item()
                fmt = fmt.decode("ascii") if isinstance(fmt, bytes) else str(fmt)
                if fmt != "csr":
                    raise ValueError(f"{npz_path}: sparse format {fmt!r}, expected 'csr'")
                shape = tuple(int(x) for x in npz["shape"])
                matrix = sp.csr_matrix((npz["data"], npz["indices"], npz["indptr"]), shape=shape)
        except (KeyError, OSError) as exc:
            raise ValueError(
                f"{npz_path}: not a scipy.sparse .npz matrix ({exc}); re-save with "
                f"DocTermMatrix.save"
            ) from exc
        if list(shape) != list(meta["shape"]):
            raise ValueError(
                f"{npz_path}: matrix shape {shape} differs from shape {meta['shape']} in "
                f"{json_path.name}; the two files come from different saves"
            )
        try:
            return cls(matrix, meta["refs"], vocabulary, meta["weighting"])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{d}: invalid saved DocTermMatrix: {exc}") from exc




def _check_refs(refs: Iterable[str], who: str) -> tuple[str, ...]:
    refs = tuple(refs)
    for i, ref in enumerate(refs):
        if not isinstance(ref, str):
            raise TypeError(f"{who}: ref {i} must be a str. Got {type(ref).__name__} {ref!r}.")
    if len(set(refs)) != len(refs):
        dupes = [r for r, c in Counter(refs).items() if c > 1]
        raise ValueError(
            f"{who}: refs must be unique; {len(dupes)} repeated, first {dupes[0]!r}. "
            f"De-duplicate cables by ref before vectorizing (CorpusStore does this)."
        )
    return refs


# --------------------------------------------------------------------------------------------
# build_dtm
# --------------------------------------------------------------------------------------------


def build_dtm(
    token_lists: Iterable[Sequence[str]],
    refs: Iterable[str],
    *,
    min_df: int | float = 3,
    max_df: int | float = 0.5,
    max_terms: int | None = 20000,
) -> DocTermMatrix:
    """Count tokens into a document-term matrix, pruning terms by document frequency.

    ``token_lists`` is read once, so a generator works: counts are collected in a single
    pass with a growing term index, then columns outside the limits are dropped.

    Parameters
    ----------
    token_lists : iterable of sequence of str
        One token list per document (output of `topics.text.Tokenizer`).
    refs : iterable of str
        Row ids, one per document, unique.
    min_df : int or float, default 3
        Keep terms in at least this many documents (int) or this share of them (float).
    max_df : int or float, default 0.5
        Keep terms in at most this share of documents (float) or this many (int).
    max_terms : int or None, default 20000
        Then keep at most this many terms, those with the highest df; ties go to the term
        first in alphabetical order.

    Returns
    -------
    DocTermMatrix
        int64 counts, shape (n_docs, n_terms), terms in alphabetical order,
        ``vocabulary.df`` counted over all documents.

    Raises
    ------
    ValueError
        On no documents, a number of refs different from the number of documents,
        duplicate refs, or limits that leave no term.
    TypeError
        When a document is a str rather than a token list.
    """
    refs_t = _check_refs(refs, "build_dtm")
    # Validate the limits before the (possibly long) counting pass.
    _check_df_limit("min_df", min_df)
    _check_df_limit("max_df", max_df)
    index: dict[str, int] = {}
    indices: list[int] = []
    counts: list[int] = []
    indptr = [0]
    for i, tokens in enumerate(token_lists):
        if isinstance(tokens, str | bytes):
            raise TypeError(
                f"build_dtm: document {i} is a {type(tokens).__name__}, expected a list of "
                f"tokens; tokenize texts first (topics.text.Tokenizer or tokenize_corpus)"
            )
        bag = Counter(tokens)
        indices.extend(index.setdefault(t, len(index)) for t in bag)
        counts.extend(bag.values())
        indptr.append(len(indices))
        if (i + 1) % 10_000 == 0:
            logger.debug("build_dtm: counted %d documents, %d distinct terms", i + 1, len(index))
    n_docs = len(indptr) - 1
    if n_docs == 0:
        raise ValueError("build_dtm got 0 documents; pass at least one token list")
    if n_docs != len(refs_t):
        raise ValueError(
            f"build_dtm got {n_docs:,} documents but {len(refs_t):,} refs; pass one ref per "
            f"token list, in the same order"
        )
    terms = list(index)
    for t in terms:
        if not isinstance(t, str):
            raise TypeError(f"build_dtm: tokens must be str. Got {type(t).__name__} {t!r}.")
    col = np.array(indices, dtype=np.int64)
    data = np.array(counts, dtype=np.int64)
    ptr = np.array(indptr, dtype=np.int64)
    df = np.bincount(col, minlength=len(terms)).astype(np.int64)
    if not terms:
        raise ValueError(
            f"build_dtm: all {n_docs:,} documents are empty (no tokens); check the "
            f"tokenizer options"
        )
    keep = _prune_columns(df, terms, n_docs, min_df, max_df, max_terms)
    remap = np.full(len(terms), -1, dtype=np.int64)
    remap[keep] = np.arange(keep.size, dtype=np.int64)
    new_col = remap[col]
    kept = new_col >= 0
    row_of = np.repeat(np.arange(n_docs), np.diff(ptr))
    new_ptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of[kept], minlength=n_docs), out=new_ptr[1:])
    matrix = sp.csr_matrix((data[kept], new_col[kept], new_ptr), shape=(n_docs, keep.size))
    vocabulary = Vocabulary([terms[j] for j in keep], df[keep], n_docs)
    n_empty = int(np.count_nonzero(np.diff(matrix.indptr) == 0))
    logger.info(
        "build_dtm: %d documents, kept %d of %d terms (min_df=%r, max_df=%r, max_terms=%r); "
        "%d documents have no kept term",
        n_docs,
        keep.size,
        len(terms),
        min_df,
        max_df,
        max_terms,
        n_empty,
    )
    return DocTermMatrix(matrix, refs_t, vocabulary, "count")
