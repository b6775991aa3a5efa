"""Open a finished run from Python: its tables as pandas DataFrames, nothing refitted.

>>> from topics.results import Run
>>> run = Run.open("runs/demo")                      # doctest: +SKIP
>>> run.doc_topics.head()                            # one row per cable  # doctest: +SKIP
>>> run.top_terms(3, n=10, ranking="frex")           # doctest: +SKIP
>>> run.cables(theme=3, text=True).head()            # doctest: +SKIP
>>> run.export_r("runs/demo/r")                      # Parquet + Matrix Market for R  # doctest: +SKIP

Everything is read lazily from the run directory laid out in ``docs/architecture.md`` and
validated by `topics.report.data.load_run`; the report and this object read the same files.
"""

from __future__ import annotations

import json
import logging
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.io
import scipy.sparse as sp

from corpora.csvsafe import neutralize_frame
from topics.report.data import RunDirectoryError, RunInputs, load_run
from topics.report.ldavis import ldavis_data, write_ldavis_json
from topics.report.termviews import RANKINGS, load_dtm, stm_score
from topics.runinfo import atomic_write_bytes
from topics.themes import term_scores

__all__ = ["Run"]

logger = logging.getLogger(__name__)


class Run:
    """A finished run directory, read-only.

    Use `Run.open`. Attributes are read on first use and kept.

    Attributes
    ----------
    path : Path
    doc_topics : pandas.DataFrame
        One row per cable, index ``ref``: date, origin, classification, tags (lists),
        subject, ``topic_<id>`` weights, theme.
    topic_terms : pandas.DataFrame
        Shape (n_topics, n_terms): p(term | topic), index topic id, columns terms.
    topics, themes : pandas.DataFrame
        ``topics.json`` as tables, index id; list fields (top terms, topics, tags) stay
        lists.
    evaluation : dict or None
        ``evaluation.json``.
    config, manifest : dict
    """

    def __init__(self, inputs: RunInputs) -> None:
        self._in = inputs
        self.path = inputs.path

    @classmethod
    def open(cls, path: str | Path) -> Run:
        """Open a run directory written by ``cable-topics fit`` / ``run``.

        Raises
        ------
        topics.report.RunDirectoryError
            When ``doc_topics.parquet`` or ``topics.json`` is missing or malformed.
        """
        return cls(load_run(path))

    def __repr__(self) -> str:
        k = len(self._in.topic_columns)
        return (f"Run({str(self.path)!r}: {len(self._in.doc_topics):,} cables, {k} topics, "
                f"{len(self._in.topics['themes'])} themes)")

    # ------------------------------------------------------------------------ tables
    @property
    def config(self) -> dict:
        return self._in.config

    @property
    def manifest(self) -> dict:
        return self._in.manifest

    @property
    def evaluation(self) -> dict | None:
        return self._in.evaluation

    @cached_property
    def doc_topics(self) -> pd.DataFrame:
        dt = self._in.doc_topics.copy()
        if "tags" in dt.columns:
            dt["tags"] = dt["tags"].map(_as_list)
        return dt.set_index("ref")

    @cached_property
    def topic_terms(self) -> pd.DataFrame:
        tt = self._topic_term()
        return pd.DataFrame(tt, index=pd.Index(self._topic_ids, name="topic"),
                            columns=pd.Index(self._in.terms, name="term"))

    @cached_property
    def topics(self) -> pd.DataFrame:
        return pd.DataFrame(self._in.topics["topics"]).set_index("id").sort_index()

    @cached_property
    def themes(self) -> pd.DataFrame:
        th = pd.DataFrame(self._in.topics["themes"]).set_index("id")
        sizes = self._in.doc_topics["theme"].value_counts()
        th["size"] = [int(sizes.get(t, 0)) for t in th.index]
        return th.sort_values("size", ascending=False, kind="stable")

    @cached_property
    def _topic_ids(self) -> list[int]:
        return [int(c.split("_")[1]) for c in self._in.topic_columns]

    def _topic_term(self) -> np.ndarray:
        tt = self._in.topic_term
        if tt is None or len(self._in.terms) != tt.shape[1]:
            raise RunDirectoryError(
                f"{self.path / 'model'}: topic_term.npy and vocabulary.json are needed for "
                "topic-term tables; this run lacks them or they disagree: rerun the fit"
            )
        tt = np.clip(np.asarray(tt, dtype=np.float64), 0, None)
        sums = tt.sum(axis=1, keepdims=True)
        return np.divide(tt, sums, out=np.zeros_like(tt), where=sums > 0)

    @cached_property
    def _dtm(self) -> tuple[sp.csr_matrix, list[str]] | None:
        return load_dtm(self.path)

    def topic_terms_long(self, n: int | None = None) -> pd.DataFrame:
        """The topic-term matrix in long format: ``topic, term, weight, rank``.

        Parameters
        ----------
        n : int, optional
            Keep each topic's ``n`` most probable terms; default every term with weight > 0.
        """
        tt = self._topic_term()
        rows = []
        for j, tid in enumerate(self._topic_ids):
            order = np.argsort(-tt[j], kind="stable")
            order = order[tt[j, order] > 0]
            if n is not None:
                order = order[:n]
            rows.append(pd.DataFrame({"topic": tid, "term": np.asarray(self._in.terms)[order],
                                      "weight": tt[j, order], "rank": np.arange(1, len(order) + 1)}))
        return pd.concat(rows, ignore_index=True)

    def top_terms(self, topic: int, n: int = 10, ranking: str = "prob") -> pd.DataFrame:
        """A topic's top ``n`` terms by one of stm's rankings.

        Parameters
        ----------
        topic : int
            Topic id.
        n : int
        ranking : {"prob", "frex", "lift", "score"}
            As in `topics.report.termviews`; lift uses the run's corpus term counts where
            ``dtm/`` is there.

        Returns
        -------
        pandas.DataFrame
            Columns ``term, weight`` (p(term | topic)) and ``score`` (the ranking's value).
        """
        if ranking not in RANKINGS:
            raise ValueError(f"The 'ranking' parameter of Run.top_terms must be one of "
                             f"{list(RANKINGS)}. Got {ranking!r} instead.")
        if topic not in self._topic_ids:
            raise KeyError(f"{self.path}: no topic {topic!r}; topics are "
                           f"{self._topic_ids[0]}..{self._topic_ids[-1]}")
        tt = self._topic_term()
        if ranking == "prob":
            scores = tt
        elif ranking == "score":
            scores = stm_score(tt)
        elif ranking == "lift":
            freq = None
            if self._dtm is not None and self._dtm[1] == self._in.terms:
                freq = np.asarray(self._dtm[0].sum(axis=0)).ravel()
            scores = term_scores(tt, "lift", term_freq=freq) * (tt > 0)
        else:
            scores = term_scores(tt, "frex")
        j = self._topic_ids.index(topic)
        order = np.argsort(-scores[j], kind="stable")[:n]
        return pd.DataFrame({"term": np.asarray(self._in.terms)[order], "weight": tt[j, order],
                             "score": scores[j, order]})

    def cables(self, theme: int | None = None, topic: int | None = None, *,
               text: bool = False) -> pd.DataFrame:
        """Cables of a theme (or with weight on a topic), most representative first.

        Parameters
        ----------
        theme : int, optional
            Cables assigned to this theme, by their weight on it.
        topic : int, optional
            All cables, by their weight on this topic.
        text : bool
            Add the cable's clean ``body`` from the corpus store.
        """
        dt = self.doc_topics
        if theme is not None:
            members = dt[dt["theme"] == theme]
            th = {int(t["id"]): t for t in self._in.topics["themes"]}
            if theme not in th:
                raise KeyError(f"{self.path}: no theme {theme!r}; themes are {sorted(th)}")
            cols = [f"topic_{t}" for t in th[theme].get("topics") or [] if
                    f"topic_{t}" in dt.columns]
            weight = members[cols].sum(axis=1) if cols else pd.Series(1.0, index=members.index)
            out = members.assign(weight=weight)
        elif topic is not None:
            col = f"topic_{topic}"
            if col not in dt.columns:
                raise KeyError(f"{self.path}: no topic {topic!r}")
            out = dt.assign(weight=dt[col])
        else:
            out = dt.assign(weight=np.nan)
        out = out.sort_values("weight", ascending=False, kind="stable")
        if text:
            store = self._in.store_path
            if store is None:
                raise RunDirectoryError(f"{self.path}: the corpus store named in manifest.json "
                                        "was not found; cable texts need it")
            from corpora.store import read_bodies

            bodies = read_bodies(store, out.index)
            out = out.assign(body=[bodies.get(r) for r in out.index])
        return out

    # ------------------------------------------------------------------------ LDAvis, R
    def ldavis(self, *, r: int = 30) -> dict:
        """The LDAvis JSON data (`topics.report.ldavis.ldavis_data`) of this run."""
        w = self._in.doc_topics[self._in.topic_columns].to_numpy(dtype=np.float64)
        lengths = np.ones(len(w))
        if self._dtm is not None:
            meta = json.loads((self.path / "dtm" / "dtm.json").read_text(encoding="utf-8"))
            sums = np.asarray(self._dtm[0].sum(axis=1)).ravel()
            by_ref = dict(zip(meta.get("refs") or [], sums.tolist(), strict=False))
            fill = float(np.median(sums)) if len(sums) else 1.0
            lengths = np.array([by_ref.get(x, fill) for x in self._in.doc_topics["ref"]])
        return ldavis_data(self._topic_term(), w, lengths, self._in.terms, r=r,
                           topic_ids=self._topic_ids)

    def to_pyldavis(self, *, r: int = 30) -> Any:
        """A ``pyLDAvis.PreparedData`` of this run (``pyLDAvis.display`` / ``save_html``).

        Raises
        ------
        ImportError
            When pyLDAvis is not installed (``pip install pyLDAvis``); `ldavis` gives the
            same data as a dict without it.
        """
        try:
            from pyLDAvis._prepare import PreparedData
        except ImportError as exc:
            raise ImportError("Run.to_pyldavis needs pyLDAvis (pip install pyLDAvis); "
                              "Run.ldavis() returns the same data as a dict") from exc
        d = self.ldavis(r=r)
        coords = pd.DataFrame(d["mdsDat"])
        return PreparedData(coords, pd.DataFrame(d["tinfo"]), pd.DataFrame(d["token.table"]),
                            d["R"], d["lambda.step"], d["plot.opts"], d["topic.order"])

    def export_r(self, out: str | Path) -> list[Path]:
        """Files for R users, in ``out``: Parquet with real list columns, Matrix Market.

        Writes ``doc_topics.parquet`` (``tags`` a list<string> column), ``topic_terms.parquet``
        (long: topic, term, weight, rank), both also as CSV for base R, ``themes.parquet``
        and ``topics.parquet`` (list columns as lists), ``ldavis.json`` (``LDAvis::serVis``)
        and, where the run has a
        document-term matrix, ``dtm.mtx`` + ``dtm_rows.txt`` + ``dtm_terms.txt``
        (``Matrix::readMM``, then ``quanteda::as.dfm``). See ``docs/results.md``.

        Returns
        -------
        list of Path
        """
        out = Path(out)
        written = []
        dt = self.doc_topics.reset_index()
        dt["date"] = dt["date"].astype("datetime64[us, UTC]")
        written.append(_parquet(out / "doc_topics.parquet", pa.Table.from_pandas(
            dt, preserve_index=False)))
        long = self.topic_terms_long()
        written.append(_parquet(out / "topic_terms.parquet",
                                pa.Table.from_pandas(long, preserve_index=False)))
        # the same two tables as CSV for R without the arrow package (base read.csv);
        # tags joined with ";", formula-like cells quoted (corpora.csvsafe; Parquet keeps them)
        written.append(atomic_write_bytes(out / "topic_terms.csv", neutralize_frame(
            long).to_csv(index=False).encode("utf-8")))
        flat = dt.assign(tags=dt["tags"].map(";".join),
                         date=dt["date"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        written.append(atomic_write_bytes(out / "doc_topics.csv", neutralize_frame(
            flat).to_csv(index=False).encode("utf-8")))
        for name, frame in (("themes", self.themes), ("topics", self.topics)):
            frame = frame.reset_index()
            keep = [c for c in frame.columns if c != "representative" or name == "themes"]
            table = pa.Table.from_pylist(
                [{k: _plain(v) for k, v in row.items()} for row in frame[keep].to_dict("records")])
            written.append(_parquet(out / f"{name}.parquet", table))
        written.append(write_ldavis_json(out / "ldavis.json", self.ldavis()))
        if self._dtm is not None:
            import io

            matrix, terms = self._dtm
            buf = io.BytesIO()
            scipy.io.mmwrite(buf, sp.coo_matrix(matrix))
            written.append(atomic_write_bytes(out / "dtm.mtx", buf.getvalue()))
            meta = json.loads((self.path / "dtm" / "dtm.json").read_text(encoding="utf-8"))
            written.append(atomic_write_bytes(out / "dtm_rows.txt", "\n".join(
                map(str, meta.get("refs") or [])).encode("utf-8") + b"\n"))
            written.append(atomic_write_bytes(out / "dtm_terms.txt",
                                              "\n".join(terms).encode("utf-8") + b"\n"))
        logger.info("export_r: %d files in %s", len(written), out)
        return written


def _as_list(v: Any) -> list:
    if v is None:
        return []
    if isinstance(v, np.ndarray):
        return [str(x) for x in v.tolist()]
    if isinstance(v, list | tuple):
        return [str(x) for x in v]
    return [str(v)]


def _plain(v: Any) -> Any:
    """JSON-like values for Arrow: numpy scalars to Python, NaN to None."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


def _parquet(path: Path, table: pa.Table) -> Path:
    import io

    buf = io.BytesIO()
    pq.write_table(table, buf)
    return atomic_write_bytes(path, buf.getvalue())
