"""The stages of a run, each reading the previous stage's saved output in the run directory.

Every ``stage_NAME(state, *, seed, progress)`` returns a dict of counts for the manifest.
`topics.pipeline.run` decides which stages run and which are cached.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from topics.config import RunConfig
from topics.runinfo import atomic_write, atomic_write_json

if TYPE_CHECKING:
    from topics.pipeline import Run

__all__ = [
    "load_cable_meta",
    "stage_evaluate",
    "stage_ingest",
    "stage_model",
    "stage_report",
    "stage_themes",
    "stage_tokenize",
    "stage_vectorize",
    "sweep_store",
    "text_options",
]

logger = logging.getLogger(__name__)

_META_COLUMNS = ["ref", "date", "origin", "classification", "tags", "subject_tags", "subject"]


def _tqdm(progress: bool, **kw):
    from topics.progress import progress_bar  # no widget warning in notebooks

    return progress_bar(disable=not progress, **kw)


# --- ingest ------------------------------------------------------------------------------

def stage_ingest(state: Run, *, seed: int, progress: bool) -> dict:
    """Read the configured sources into the run's corpus store (or open a given store)."""
    from corpora.store import CorpusStore

    cfg = state.config.corpus
    if cfg.sources:
        from topics.progress import ingest_bar

        # files and bytes counted first: the bar has a total and an ETA from the start
        with ingest_bar(cfg.sources, follow_symlinks=cfg.follow_symlinks,
                        disable=not progress) as bar:
            store = CorpusStore.ingest(cfg.sources, state.store_path, format=cfg.format,
                                       follow_symlinks=cfg.follow_symlinks, progress=bar,
                                       columns=cfg.columns or None)
    else:
        store = CorpusStore(state.store_path)
    counts = store.manifest.get("counts", {})
    n_cables = len(store)
    if n_cables == 0:
        raise ValueError(
            f"the corpus store {state.store_path} holds no cables "
            f"({counts.get('rejected', 0)} records were rejected: see rejects.jsonl); "
            "check [corpus] sources and format."
        )
    return {"n_cables": n_cables, "n_rejected": counts.get("rejected"),
            "n_duplicates": counts.get("duplicate")}


def _store_filters(cfg: RunConfig) -> dict:
    c = cfg.corpus
    filters: dict = {"min_length": c.min_length}
    if c.date_from or c.date_to:
        filters["date_range"] = (c.date_from or None, c.date_to or None)
    if c.origins:
        filters["origins"] = list(c.origins)
    if c.tags:
        filters["tags"] = list(c.tags)
    if c.classifications:
        filters["classifications"] = list(c.classifications)
    return filters


# --- tokenize -----------------------------------------------------------------------------

def text_options(cfg: RunConfig):
    """The tokenizer options of a config."""
    from topics.text import TextOptions

    t = cfg.text
    return TextOptions(
        lowercase=t.lowercase,
        min_token_len=t.min_token_len,
        stopwords=t.stopwords,
        extra_stopwords=tuple(t.extra_stopwords),
        lemmatize=t.lemmatize,
        phrases=t.phrases,
        phrase_min_count=t.phrase_min_count,
        phrase_threshold=t.phrase_threshold,
        drop_place_names=t.drop_place_names,
        drop_demonyms=t.drop_demonyms,
        drop_person_names=t.drop_person_names,
        authorless=t.authorless,
    )


def stage_tokenize(state: Run, *, seed: int, progress: bool) -> dict:
    """Tokenize the filtered cables' bodies (both cores), learn and apply phrases.

    The store is read in batches, several times (`topics.corpus_scan`): genres, person
    names, then tokens; no pass holds the corpus's text, and each pass's work runs on
    ``text.n_jobs`` processes.
    """
    from dataclasses import replace

    from corpora.genres import SUBJECT, genre_summary
    from corpora.store import CorpusStore
    from topics.corpus_scan import iter_bodies, learn_names, release_memory, scan_genres
    from topics.phrases_ids import apply_phrases_ids, learn_phrases_ids
    from topics.tokenids import tokenize_ids, write_token_ids

    cfg = state.config
    store = CorpusStore(state.store_path)
    n_total = len(store)
    filters = _store_filters(cfg)
    n_jobs = cfg.text.n_jobs
    scan = scan_genres(store, filters, n_jobs=n_jobs, progress=progress)
    refs, origins = scan.refs, scan.origins
    n_forms = 0
    keep = None
    if refs:  # form cables (rosters, visit logistics, ...) are their own groups
        summary = genre_summary(refs, scan.genres, scan.dates, origins)
        summary["modelled"] = cfg.corpus.genres
        atomic_write_json(state.dir / "genres.json", summary)
        n_forms = len(summary["by_ref"])
        if cfg.corpus.genres == "subject":
            keep = np.fromiter((g == SUBJECT for g in scan.genres), dtype=bool,
                               count=len(refs))
            refs = [r for r, k in zip(refs, keep, strict=True) if k]
            origins = [o for o, k in zip(origins, keep, strict=True) if k]
    del scan
    if not refs:
        raise ValueError(
            f"no cable left to model: the store holds {n_total:,} cables and the filters "
            f"{filters} keep none (e.g. every cable is shorter than "
            f"corpus.min_length={cfg.corpus.min_length} characters); relax the filters."
        )
    # Phrases are learned below (and saved); person names from the bodies and TAGS. Tokens
    # travel as uint32 ids (topics.tokenids, docs/scale.md): the same tokens and phrases as
    # tokenize_corpus + learn_phrases, without a Python str per token.
    options = replace(text_options(cfg), phrases=False)
    if options.drop_person_names and not options.person_names:
        names = learn_names(store, filters, keep, n_jobs=n_jobs, progress=progress,
                            total=len(refs))
        options = replace(options, person_names=tuple(sorted(names)))
    bodies = (b for cols in iter_bodies(store, filters, keep) for b in cols["body"])
    with _tqdm(progress, total=len(refs), desc="tokenize", unit="cables") as bar:
        corpus = tokenize_ids(bodies, options, n_jobs=n_jobs,
                              progress=lambda done: bar.update(done - bar.n))
    release_memory()
    n_phrases = 0
    if cfg.text.phrases:
        model = learn_phrases_ids(corpus, min_count=cfg.text.phrase_min_count,
                                  threshold=cfg.text.phrase_threshold)
        release_memory()
        corpus = apply_phrases_ids(model, corpus)
        release_memory()
        n_phrases = len(model)
        model.save(state.dir / "phrases.json")
    write_token_ids(state.dir / "tokens.parquet", refs, origins, corpus)
    return {"n_docs": len(refs), "n_filtered_out": n_total - len(refs),
            "n_form_cables": n_forms,
            "n_tokens": int(corpus.n_tokens), "n_phrases": n_phrases}


def read_tokens(run_dir: Path) -> tuple[list[str], list[str], list[list[str]]]:
    """(refs, origins, token lists) of a run's tokenize stage."""
    from topics.tokenids import read_token_lists

    return read_token_lists(Path(run_dir) / "tokens.parquet")


# --- vectorize ----------------------------------------------------------------------------

def stage_vectorize(state: Run, *, seed: int, progress: bool) -> dict:
    """Build the pruned document-term matrix (and down-weight post-typical words)."""
    from topics.tokenids import count_matrix_ids, read_token_ids

    cfg = state.config
    # Read in batches as ids, counted in batches: build_dtm's matrix (topics.tokenids).
    refs, origins, corpus = read_token_ids(state.dir / "tokens.parquet")
    v = cfg.vocabulary
    min_df = int(v.min_df) if v.min_df >= 1 else v.min_df
    dtm = count_matrix_ids(corpus, refs, min_df=min_df, max_df=v.max_df,
                           max_terms=v.max_terms or None)
    del corpus
    return finish_dtm(state, dtm, origins)


def finish_dtm(state: Run, dtm, origins: list[str]) -> dict:
    """The vectorize stage's last steps, on any road: authorless down-sampling, cables left
    without a term dropped, ``dtm/`` saved. Returns the stage's counts."""
    from topics.text import authorless_counts

    cfg = state.config
    counts = {"n_docs": dtm.n_docs, "n_terms": dtm.n_terms}
    if cfg.text.authorless:
        # Its own fixed seed: the run seed changes only the model (dtm.npz is the same).
        dtm, info = authorless_counts(dtm, origins, seed=cfg.text.authorless_seed)
        counts.update({f"authorless_{k}": val for k, val in info.items()})
    empty = np.flatnonzero(np.asarray(dtm.matrix.sum(axis=1)).ravel() == 0)
    if len(empty):
        keep = np.setdiff1d(np.arange(dtm.n_docs), empty)
        logger.warning("%d cables have no term left after pruning; left out of the model "
                       "(first: %s)", len(empty), dtm.refs[empty[0]])
        dtm = dtm.subset(keep)
        counts["n_empty_docs_dropped"] = int(len(empty))
    dtm.save(state.dir / "dtm")
    return counts


# --- model --------------------------------------------------------------------------------

def model_params(state: Run) -> dict:
    """The engine's parameters: ``[model.params]``, plus the run's store as the TAGS of
    ``llda``/``plda`` (``label_store``) and ``[themes.seeds]`` as ``seed_words`` for engines
    that take them (a parameter given in ``[model.params]`` wins)."""
    from topics.models import ENGINES

    cfg = state.config
    params = dict(cfg.model.params)
    names = ENGINES[cfg.model.engine].param_names()
    if "label_store" in names:
        params.setdefault("label_store", str(state.store_path.resolve()))
    if cfg.themes.seeds and "seed_words" in names:
        params.setdefault("seed_words", {k: list(v) for k, v in cfg.themes.seeds.items()})
    if getattr(ENGINES[cfg.model.engine], "uses_metadata", False):  # dmr, dtm
        params.setdefault("covariates", str(write_run_covariates(state.store_path, state.dir)))
    return params


def write_run_covariates(store_path: Path, run_dir: Path) -> Path:
    """``RUN/covariates.parquet``: post, region, classification, genre, year of the modelled
    cables (`topics.formula.cable_covariates`), what ``dmr`` and ``dtm`` model."""
    from topics.formula import cable_covariates, write_covariates

    dtm = load_dtm(run_dir / "dtm")
    frame = cable_covariates(store_path, dtm.refs, run_dir / "genres.json")
    return write_covariates(frame, (run_dir / "covariates.parquet").resolve())


def stage_model(state: Run, *, seed: int, progress: bool) -> dict:
    from topics.models import make_model

    cfg = state.config
    dtm = load_dtm(state.dir / "dtm")
    model = make_model(cfg.model.engine, n_topics=cfg.model.n_topics, seed=seed,
                       **model_params(state))
    model.fit(dtm)
    model.save(state.dir / "model")
    return {"n_topics": int(model.n_topics_), "n_docs": dtm.n_docs, "n_terms": dtm.n_terms}


# --- themes -------------------------------------------------------------------------------

def load_cable_meta(store_path: Path, refs) -> pa.Table:
    """Metadata columns of the store for ``refs``, in that order."""
    from corpora.store import CorpusStore

    store = CorpusStore(store_path)
    wanted = set(refs)
    parts = []
    for batch in store.iter_batches(batch_size=5000, columns=_META_COLUMNS):
        mask = pa.array([r in wanted for r in batch.column("ref").to_pylist()])
        parts.append(pa.Table.from_batches([batch]).filter(mask))
    table = pa.concat_tables(parts) if parts else None
    if table is None:
        raise ValueError(f"store {store_path} has none of the modelled cables")
    index = {r: i for i, r in enumerate(table.column("ref").to_pylist())}
    order = pa.array([index[r] for r in refs])
    return table.take(order)


def stage_themes(state: Run, *, seed: int, progress: bool) -> dict:
    from topics.models import load_model
    from topics.themes import fit_themes, label_themes, label_topics

    cfg = state.config
    dtm = load_dtm(state.dir / "dtm")
    model = load_model(state.dir / "model")
    doc_topic = np.asarray(model.doc_topic_)
    n_themes = cfg.themes.n_themes or None
    themes = fit_themes(doc_topic, method=cfg.themes.method, n_themes=n_themes, seed=seed,
                        dtm=dtm, dims=cfg.themes.lsa_dims)
    meta = load_cable_meta(state.store_path, dtm.refs)
    meta_df = meta.to_pandas()
    topic_rows = label_topics(model, dtm, n=cfg.themes.n_terms)
    theme_rows = label_themes(themes, dtm, doc_topic, meta_df, n=cfg.themes.n_terms)
    # A topic that no cable has as its dominant topic is not a theme (ids stay the model's).
    theme_rows = [row for row in theme_rows if row["size"] > 0]
    names = getattr(model, "topic_names_", None)
    if names and any(names):  # TAG topics (llda/plda), seeded themes ([themes.seeds])
        from topics.models.tomotopy_labeled import name_rows

        name_rows(topic_rows, theme_rows, names)

    columns = {name: meta.column(name) for name in _META_COLUMNS}
    k = doc_topic.shape[1]
    for j in range(k):
        columns[f"topic_{j}"] = pa.array(doc_topic[:, j].astype(np.float64))
    columns["theme"] = pa.array(np.asarray(themes.labels, dtype=np.int64))
    _write_parquet(pa.table(columns), state.dir / "doc_topics.parquet")

    payload = {
        "engine": cfg.model.engine,
        "n_topics": int(k),
        "seed": cfg.seed,
        "theme_method": themes.method,
        "topics": topic_rows,
        "themes": theme_rows,
        "theme_linkage": _jsonable(getattr(themes, "linkage", None)),
    }
    atomic_write_json(state.dir / "topics.json", _jsonable(payload))
    return {"n_themes": int(themes.n_themes), "n_docs": int(doc_topic.shape[0])}


# --- evaluate -----------------------------------------------------------------------------

def stage_evaluate(state: Run, *, seed: int, progress: bool) -> dict:
    from topics import evaluate as ev
    from topics.models import load_model, make_model

    cfg = state.config
    top_n = cfg.evaluation.top_n
    # Coherence and diversity are defined on each topic's most probable terms (Röder et al.
    # 2015; Dieng et al. 2020), not on the FREX-ranked label terms (exclusive by design).
    prob_terms = _prob_top_terms(state.dir, max(top_n, 25))
    result: dict = {"top_n": top_n}
    if cfg.evaluation.coherence:
        from topics.tokenids import read_token_ids

        _, _, corpus = read_token_ids(state.dir / "tokens.parquet")
        scores = ev.coherence_scores([t[:top_n] for t in prob_terms],
                                     ev.ReferenceCorpus(corpus.ids, corpus.offsets,
                                                        corpus.vocab),
                                     on_missing="drop")
        del corpus
        result["coherence_per_topic"] = {m: [float(x) for x in c.per_topic]
                                         for m, c in scores.items()}
        for m, c in scores.items():
            result[f"coherence_{m}"] = float(c.mean)
    result["diversity"] = float(ev.diversity(prob_terms, top_n=25))
    doc = pq.read_table(state.dir / "doc_topics.parquet",
                        columns=["ref", "origin", "tags", "theme"]).to_pydict()
    # Every cable with a four-letter TAG is scored (its first one), see first_subject_tag.
    first_tag = [ev.first_subject_tag(t) for t in doc["tags"]]
    result["tag_agreement"] = ev.tag_agreement(doc["theme"], first_tag, doc["origin"],
                                               seed=seed)
    if cfg.evaluation.stability_seeds:
        dtm = load_dtm(state.dir / "dtm")
        base = load_model(state.dir / "model")
        mats = [np.asarray(base.topic_term_)]
        for i in range(cfg.evaluation.stability_seeds):
            m = make_model(cfg.model.engine, n_topics=cfg.model.n_topics, seed=seed + i + 1,
                           **model_params(state)).fit(dtm)
            mats.append(np.asarray(m.topic_term_))
        result["stability"] = ev.stability(mats, terms=list(dtm.vocabulary.terms))
    atomic_write_json(state.dir / "evaluation.json", _jsonable(result))
    return {k: result[k] for k in result if k.startswith("coherence_c") or k == "diversity"}


def _prob_top_terms(run_dir: Path, n: int) -> list[list[str]]:
    """Top-n terms by probability (what coherence is defined on)."""
    from topics.models import load_model

    model = load_model(run_dir / "model")
    tt = np.asarray(model.topic_term_)
    terms = list(model.terms_)
    return [[terms[i] for i in np.argsort(-row, kind="stable")[:n]] for row in tt]


# --- report -------------------------------------------------------------------------------

def stage_report(state: Run, *, seed: int, progress: bool) -> dict:
    from topics.report import render_report

    path = render_report(state.dir, title=state.config.report.title,
                         excerpt_chars=state.config.report.excerpt_chars)
    return {"report": str(Path(path).relative_to(state.dir))}


# --- sweep over K on a store ------------------------------------------------------------

def sweep_store(store: str | Path, ks: list[int], *, n_seeds: int, engine: str,
                out_dir: str | Path, n_jobs: int = 2, config: RunConfig | None = None):
    """Tokenize and vectorize a store once (cached in ``out_dir/prep``), then sweep K.

    One sweep at a time writes ``out_dir`` (its exclusive lock, `corpora.locking`); each fit's
    result is written atomically, so a killed sweep resumes where it stopped.
    """
    from corpora.locking import exclusive_lock

    with exclusive_lock(out_dir, "sweep folder"):
        return _sweep_store(store, ks, n_seeds=n_seeds, engine=engine, out_dir=out_dir,
                            n_jobs=n_jobs, config=config)


def _sweep_store(store, ks, *, n_seeds, engine, out_dir, n_jobs, config):
    from topics import evaluate as ev
    from topics.pipeline import run

    base = config or RunConfig()
    data = base.to_dict()
    data["corpus"]["store"] = str(Path(store).resolve())
    data["corpus"]["sources"] = []
    cfg = RunConfig.from_dict(data)
    prep = Path(out_dir) / "prep"
    run(cfg, prep, until="vectorize")
    dtm = load_dtm(prep / "dtm")
    _, _, tokens = read_tokens(prep)
    # Agreement with TAGS and posts is tabulated beside the scores (not used to choose K).
    meta = load_cable_meta(Path(store).resolve(), dtm.refs).to_pydict()
    from topics.models import ENGINES

    params = {}
    if getattr(ENGINES.get(engine), "uses_metadata", False):  # dmr, dtm: their covariates
        params = {**base.model.params, "covariates": str(write_run_covariates(store, prep))}
    if engine in ("llda", "plda"):  # fitted on the store's subject TAGS
        params = {**base.model.params, "label_store": str(Path(store).resolve())}
    table = ev.sweep(dtm, tokens, ks, seeds=list(range(n_seeds)), engine=engine,
                     out_dir=out_dir, n_jobs=n_jobs, **params,
                     subject_tags=[ev.first_subject_tag(t) for t in meta["tags"]],
                     origins=meta["origin"])
    return table, ev.recommend_k(table)


# --- helpers ------------------------------------------------------------------------------

def load_dtm(folder: Path):
    """A saved `topics.vectorize.DocTermMatrix`, its ``dtm.npz`` checked first (bounded
    inflation, array headers matching their bytes: `topics.safeload.check_npz`)."""
    from topics.safeload import check_npz
    from topics.vectorize import DocTermMatrix

    npz = Path(folder) / "dtm.npz"
    if npz.is_file():
        check_npz(npz)
    return DocTermMatrix.load(folder)


def _write_parquet(table: pa.Table, path: Path) -> None:
    """Deterministic, atomic Parquet write (same table -> same bytes)."""
    atomic_write(path, lambda fh: pq.write_table(table, fh, compression="zstd"))


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if not np.isfinite(obj) else round(float(obj), 10)
    if isinstance(obj, float):
        return None if not np.isfinite(obj) else round(obj, 10)
    if isinstance(obj, datetime):
        return obj.astimezone(UTC).isoformat()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj
