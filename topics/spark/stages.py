"""The stages of a run on Spark (``[backend] engine = "spark"``).

`topics.pipeline.run` calls these instead of `topics.stages` with the Spark backend: the
same stage names, caching, outputs and run-directory layout. Ingest, tokenize, vectorize
and the model's inference run on the executors; themes, evaluation and the report are
the single-machine stages, reading the same files.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from topics.runinfo import atomic_write_json
from topics.stages import (  # noqa: F401 - the stages that run on the driver, re-exported
    _store_filters,
    finish_dtm,
    load_dtm,
    model_params,
    stage_evaluate,
    stage_report,
    stage_themes,
    text_options,
)

if TYPE_CHECKING:
    from topics.pipeline import Run

__all__ = ["stage_evaluate", "stage_ingest", "stage_model", "stage_report", "stage_themes",
           "stage_tokenize", "stage_vectorize"]

logger = logging.getLogger(__name__)


def session(state: Run):
    """The run's SparkSession (started on ``[backend] master``, or the active one)."""
    from topics.spark.session import spark_session

    b = state.config.backend
    return spark_session(b.master, app_name=f"cable-topics {state.config.name}", conf=b.conf)


def stage_ingest(state: Run, *, seed: int, progress: bool) -> dict:
    """Parse the configured sources on the executors into the run's corpus store."""
    from corpora.store import CorpusStore
    from topics.spark.ingest import spark_ingest

    cfg = state.config.corpus
    if cfg.sources:
        store = spark_ingest(session(state), cfg.sources, state.store_path, format=cfg.format,
                             follow_symlinks=cfg.follow_symlinks)
    else:
        store = CorpusStore(state.store_path)
    counts = store.manifest.get("counts", {})
    if len(store) == 0:
        raise ValueError(
            f"the corpus store {state.store_path} holds no cables "
            f"({counts.get('rejected', 0)} records were rejected: see rejects.jsonl); "
            "check [corpus] sources and format."
        )
    return {"n_cables": len(store), "n_rejected": counts.get("rejected"),
            "n_duplicates": counts.get("duplicate")}


def stage_tokenize(state: Run, *, seed: int, progress: bool) -> dict:
    """Genres, person names, tokens and phrases on the executors; ``tokens.parquet``."""
    from corpora.genres import SUBJECT, genre_summary
    from corpora.store import CABLES, CorpusStore
    from topics.spark.text import (
        TOKENS_SCHEMA,
        detect_genres_spark,
        learn_person_names_spark,
        learn_phrases_spark,
        read_store_rdd,
        tokenize_rdd,
        tokens_batch,
        write_parts,
    )
    from topics.tokenids import convert_token_parts

    cfg = state.config
    spark = session(state)
    store = CorpusStore(state.store_path)
    n_total = len(store)
    filters = _store_filters(cfg)
    docs = detect_genres_spark(read_store_rdd(spark, store.path / CABLES, filters)).persist()
    cached = [docs]
    try:
        # every cable's genre (forms with their ref, date and post) in one pass
        seen = docs.map(lambda d: (d["genre"], None) if d["genre"] == SUBJECT else
                        (d["genre"], (d["ref"], d["date"], d["origin"] or ""))).collect()
        forms = [(info[0], g, info[1], info[2]) for g, info in seen if info is not None]
        n_forms = 0
        if seen:
            refs, genres, dates, origins = (list(c) for c in zip(*forms, strict=True)) \
                if forms else ([], [], [], [])
            summary = genre_summary(refs, genres, dates, origins)
            summary["modelled"] = cfg.corpus.genres
            atomic_write_json(state.dir / "genres.json", summary)
            n_forms = len(summary["by_ref"])
        subject_only = cfg.corpus.genres == "subject"
        kept = docs.filter(lambda d: d["genre"] == SUBJECT) if subject_only else docs
        n_docs = sum(g == SUBJECT for g, _ in seen) if subject_only else len(seen)
        del seen
        if not n_docs:
            raise ValueError(
                f"no cable left to model: the store holds {n_total:,} cables and the filters "
                f"{filters} keep none (e.g. every cable is shorter than "
                f"corpus.min_length={cfg.corpus.min_length} characters); relax the filters."
            )
        options = replace(text_options(cfg), phrases=False)
        if options.drop_person_names and not options.person_names:
            names = learn_person_names_spark(kept)
            options = replace(options, person_names=tuple(sorted(names)))
        tokens = tokenize_rdd(kept, options).persist()
        cached.append(tokens)
        n_phrases = 0
        if cfg.text.phrases:
            phrases = learn_phrases_spark(tokens.map(lambda r: r[2]),
                                          min_count=cfg.text.phrase_min_count,
                                          threshold=cfg.text.phrase_threshold)
            n_phrases = len(phrases)
            phrases.save(state.dir / "phrases.json")
            tokens = tokens.map(lambda r: (r[0], r[1], phrases.apply(r[2])))
        part_dir = state.dir / f".spark-tokens-{os.getpid()}"
        shutil.rmtree(part_dir, ignore_errors=True)
        part_dir.mkdir(parents=True)
        try:
            parts = write_parts(tokens, part_dir, TOKENS_SCHEMA, tokens_batch)
            # one ids file and its vocabulary, as the single-machine road writes them
            convert_token_parts(parts, state.dir / "tokens.parquet")
        finally:
            shutil.rmtree(part_dir, ignore_errors=True)
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        n_tokens = sum(pc.sum(pc.list_value_length(b.column(0))).as_py() or 0
                       for b in pq.ParquetFile(state.dir / "tokens.parquet")
                       .iter_batches(columns=["ids"]))
    finally:
        for rdd in cached:
            rdd.unpersist()
    return {"n_docs": n_docs, "n_filtered_out": n_total - n_docs, "n_form_cables": n_forms,
            "n_tokens": int(n_tokens), "n_phrases": n_phrases}


def stage_vectorize(state: Run, *, seed: int, progress: bool) -> dict:
    """Document frequencies and count rows on the executors, the vocabulary pruned on the
    driver by `topics.vectorize`'s rule; then as `topics.stages.stage_vectorize`."""
    import scipy.sparse as sp

    from topics.spark.text import count_df, read_tokens_rdd
    from topics.vectorize import (
        DocTermMatrix,
        Vocabulary,
        _check_df_limit,
        _check_refs,
        _prune_columns,
    )

    cfg = state.config
    v = cfg.vocabulary
    min_df = int(v.min_df) if v.min_df >= 1 else v.min_df
    max_terms = v.max_terms or None
    _check_df_limit("min_df", min_df)
    _check_df_limit("max_df", v.max_df)
    spark = session(state)
    tokens = read_tokens_rdd(spark, state.dir / "tokens.parquet").persist()
    try:
        terms, df, n_docs = count_df(tokens)
        if n_docs == 0:
            raise ValueError("build_dtm got 0 documents; pass at least one token list")
        if not terms:
            raise ValueError(f"build_dtm: all {n_docs:,} documents are empty (no tokens); "
                             "check the tokenizer options")
        keep = _prune_columns(df, terms, n_docs, min_df, v.max_df, max_terms)
        kept_terms = [terms[j] for j in keep]
        vocabulary = Vocabulary(kept_terms, df[keep], n_docs)
        index = spark.sparkContext.broadcast({t: i for i, t in enumerate(kept_terms)})

        def count_rows(part):
            from collections import Counter

            where = index.value
            for ref, origin, toks in part:
                bag = Counter(toks)  # columns in first-seen order, as build_dtm
                cols = [(where[t], c) for t, c in bag.items() if t in where]
                yield (ref, origin, np.array([j for j, _ in cols], dtype=np.int64),
                       np.array([c for _, c in cols], dtype=np.int64))

        rows = tokens.mapPartitions(count_rows).collect()
        index.unpersist()
    finally:
        tokens.unpersist()
    refs = _check_refs([r[0] for r in rows], "build_dtm")
    origins = [r[1] for r in rows]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r[2]) for r in rows], out=indptr[1:])
    indices = np.concatenate([r[2] for r in rows]) if rows else np.zeros(0, np.int64)
    data = np.concatenate([r[3] for r in rows]) if rows else np.zeros(0, np.int64)
    del rows
    matrix = sp.csr_matrix((data, indices, indptr), shape=(len(refs), len(kept_terms)))
    dtm = DocTermMatrix(matrix, refs, vocabulary, "count")
    logger.info("vectorize (spark): %d documents, kept %d of %d terms", n_docs, len(kept_terms),
                len(terms))
    return finish_dtm(state, dtm, origins)


def stage_model(state: Run, *, seed: int, progress: bool) -> dict:
    """The run's engine fitted on a seeded sample of ``[backend] sample`` cables on the
    driver, every cable's topic shares inferred on the executors."""
    from topics.models import make_model
    from topics.spark.model import fit_on_sample

    cfg = state.config
    dtm = load_dtm(state.dir / "dtm")
    model = make_model(cfg.model.engine, n_topics=cfg.model.n_topics, seed=seed,
                       **model_params(state))
    spark = session(state) if 0 < cfg.backend.sample < dtm.n_docs else None
    info = fit_on_sample(spark, model, dtm, sample=cfg.backend.sample, seed=seed,
                         partitions=cfg.backend.partitions)
    model.save(state.dir / "model")
    return {"n_topics": int(model.n_topics_), "n_docs": dtm.n_docs, "n_terms": dtm.n_terms,
            **info}
