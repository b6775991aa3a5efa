"""The stages of a run on Spark (``[backend] engine = "spark"``).

`topics.pipeline.run` calls these instead of `topics.stages` with the Spark backend: the
same stage names, caching, outputs and run-directory layout. Ingest, tokenize, vectorize
and the model's inference run on the executors; themes, evaluation and the report are
the single-machine stages, reading the same files.
"""

from __future__ import annotations

import logging
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
    """Genres, person names, tokens and phrases on the executors (`topics.spark.text`);
    ``tokens.parquet`` and ``token_vocab.parquet`` as the single-machine stage writes them."""
    from corpora.genres import SUBJECT, genre_summary
    from corpora.store import CABLES, CorpusStore
    from topics.spark.text import Steps, learn_names_spark, scan_genres_spark, tokenize_spark

    cfg = state.config
    spark = session(state)
    store = CorpusStore(state.store_path)
    n_total = len(store)
    filters = _store_filters(cfg)
    path = store.path / CABLES
    steps = Steps()
    scan = scan_genres_spark(spark, path, filters)
    n_forms = 0
    if scan.refs:  # form cables (rosters, visit logistics, ...) are their own groups
        summary = genre_summary(scan.refs, scan.genres, scan.dates, scan.origins)
        summary["modelled"] = cfg.corpus.genres
        atomic_write_json(state.dir / "genres.json", summary)
        n_forms = len(summary["by_ref"])
    keep = None
    n_docs = len(scan.refs)
    if cfg.corpus.genres == "subject":
        masks = {g: np.array([x == SUBJECT for x in genres], dtype=bool)
                 for g, genres in scan.by_group.items()}
        n_docs = int(sum(int(m.sum()) for m in masks.values()))
        keep = spark.sparkContext.broadcast(masks)
    del scan
    steps.done("genres")
    try:
        if not n_docs:
            raise ValueError(
                f"no cable left to model: the store holds {n_total:,} cables and the filters "
                f"{filters} keep none (e.g. every cable is shorter than "
                f"corpus.min_length={cfg.corpus.min_length} characters); relax the filters."
            )
        options = replace(text_options(cfg), phrases=False)
        if options.drop_person_names and not options.person_names:
            names = learn_names_spark(spark, path, filters, keep)
            options = replace(options, person_names=tuple(sorted(names)))
            steps.done("names")
        phrases = ({"min_count": cfg.text.phrase_min_count,
                    "threshold": cfg.text.phrase_threshold} if cfg.text.phrases else None)
        n_written, n_tokens, model = tokenize_spark(
            spark, path, filters, options, state.dir / "tokens.parquet", keep=keep,
            phrases=phrases, steps=steps)
    finally:
        if keep is not None:
            keep.unpersist()
    n_phrases = 0
    if model is not None:
        n_phrases = len(model)
        model.save(state.dir / "phrases.json")
    if n_written != n_docs:  # pragma: no cover - the passes read the same row groups
        raise RuntimeError(f"tokenize (spark): {n_written} cables written, {n_docs} kept")
    logger.info("tokenize (spark) steps: %s", steps.seconds)
    return {"n_docs": n_docs, "n_filtered_out": n_total - n_docs, "n_form_cables": n_forms,
            "n_tokens": int(n_tokens), "n_phrases": n_phrases}


def stage_vectorize(state: Run, *, seed: int, progress: bool) -> dict:
    """Document frequencies and count rows on the executors, the vocabulary pruned on the
    driver by `topics.vectorize`'s rule (`topics.spark.text.count_matrix_spark`); then as
    `topics.stages.stage_vectorize`."""
    from topics.spark.text import count_matrix_spark
    from topics.vectorize import _check_df_limit

    cfg = state.config
    v = cfg.vocabulary
    min_df = int(v.min_df) if v.min_df >= 1 else v.min_df
    _check_df_limit("min_df", min_df)
    _check_df_limit("max_df", v.max_df)
    dtm, origins = count_matrix_spark(session(state), state.dir / "tokens.parquet",
                                      min_df=min_df, max_df=v.max_df,
                                      max_terms=v.max_terms or None)
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
