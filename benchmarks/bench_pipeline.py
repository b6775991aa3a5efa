"""End-to-end modelling benchmark: our pipeline beside the plain library calls it wraps.

Two parts, each printing Markdown tables:

1. **Synthetic** (``--sizes``, default ``10000,50000``): tokenize + vectorize + fit (K=50)
   on generated cables (`corpora.synthetic.iter_synthetic_cables`, bodies cleaned with
   `corpora.clean.clean_body`), each approach in its own subprocess (wall time, peak RSS
   of the child and its workers up to the end of the fit), then NPMI coherence (our
   `topics.evaluate.coherence`, top 10 terms against the approach's own token lists) and
   planted-theme recovery (adjusted Rand index between the dominant topic, or k-means
   with as many clusters as planted themes on the doc-topic rows, and the planted theme).
   Pairs compared at equal settings (same K, iterations, priors, min/max df, term cap):
   ``ours lda-gibbs`` / plain tomotopy, ``ours lda`` / plain gensim, ``ours lda-sklearn`` /
   plain scikit-learn. Tokenizing speed-up: `tokenize_corpus` with ``n_jobs=1`` vs ``2``.
2. **Real cables** (``--real``, default on when ``../shared/data`` exists): every cable of
   the shared data ingested with `CorpusStore.ingest`, K=20: our default pipeline
   (`RunConfig()` through `topics.pipeline.run`) and variants of it against plain gensim
   LDA, scikit-learn LDA and NMF, and tomotopy LDA; NMI of the themes with the first
   subject TAG and with the sending post, NPMI, and topics with place names or
   boilerplate among their top 10 terms.

Run::

    python -m benchmarks pipeline --quick          # smoke run, under a minute
    python -m benchmarks pipeline --sizes 10000,50000 --no-real
    python -m benchmarks pipeline --no-synthetic --variants
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks.common import child_report, print_table, run_child

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

#: approach -> (kind, engine) ; "ours" runs our modules, "plain" the library calls.
APPROACHES = {
    "ours lda-gibbs": ("ours", "lda-gibbs"),
    "plain tomotopy": ("plain", "tomotopy"),
    "ours lda": ("ours", "lda"),
    "plain gensim": ("plain", "gensim"),
    "ours lda-sklearn": ("ours", "lda-sklearn"),
    "plain sklearn": ("plain", "sklearn"),
    "ours nmf": ("ours", "nmf"),
    "plain sklearn NMF": ("plain", "sklearn-nmf"),
}
PAIRS = [("ours lda-gibbs", "plain tomotopy"), ("ours lda", "plain gensim"),
         ("ours lda-sklearn", "plain sklearn"), ("ours nmf", "plain sklearn NMF")]

MIN_DF, MAX_DF, MAX_TERMS = 3, 0.5, 20000


def settings(quick: bool) -> dict:
    """Iterations per engine; the same numbers go to ours and to the plain call."""
    if quick:
        return {"gibbs_iterations": 50, "passes": 1, "vb_iterations": 50, "sklearn_max_iter": 5}
    return {"gibbs_iterations": 200, "passes": 3, "vb_iterations": 50, "sklearn_max_iter": 10}


# --- synthetic input -------------------------------------------------------------------

def write_synthetic(n: int, seed: int, path: Path) -> None:
    """Generate ``n`` cables and write ``{"ref", "body", "theme", "post"}`` JSON lines."""
    from corpora.clean import clean_body
    from corpora.synthetic import iter_synthetic_cables

    with open(path, "w", encoding="utf-8") as fh:
        for c in iter_synthetic_cables(n, seed=seed):
            body, _ = clean_body(c.text)
            fh.write(json.dumps({"ref": c.ref, "body": body, "theme": c.theme,
                                 "post": c.post}) + "\n")


def read_input(path: Path) -> tuple[list[str], list[str], list[int]]:
    refs, bodies, themes = [], [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            refs.append(row["ref"])
            bodies.append(row["body"])
            themes.append(int(row["theme"]))
    return refs, bodies, themes


# --- the fits --------------------------------------------------------------------------

def default_text_options():
    """Tokenizer options of the default run config (`topics.stages.text_options`)."""
    from topics.config import RunConfig
    from topics.stages import text_options

    return text_options(RunConfig())


def fit_ours(engine: str, refs, bodies, k: int, seed: int, st: dict, n_jobs: int = 2):
    """Our tokenize (default options, phrases) + build_dtm + make_model; returns a dict."""
    from topics.models import make_model
    from topics.text import learn_phrases, tokenize_corpus
    from topics.vectorize import build_dtm

    t0 = time.perf_counter()
    tokens = tokenize_corpus(bodies, default_text_options(), n_jobs=n_jobs)
    phrases = learn_phrases(tokens, min_count=5, threshold=10.0)
    tokens = [phrases.apply(t) for t in tokens]
    t1 = time.perf_counter()
    dtm = build_dtm(tokens, refs, min_df=MIN_DF, max_df=MAX_DF, max_terms=MAX_TERMS)
    params = {
        "lda-gibbs": {"iterations": st["gibbs_iterations"]},
        "lda": {"passes": st["passes"], "iterations": st["vb_iterations"]},
        "lda-sklearn": {"max_iter": st["sklearn_max_iter"]},
        "nmf": {},
    }[engine]
    t2 = time.perf_counter()
    model = make_model(engine, n_topics=k, seed=seed, **params).fit(dtm)
    t3 = time.perf_counter()
    tt = np.asarray(model.topic_term_)
    terms = list(model.terms_)
    top = [[terms[j] for j in np.argsort(-row, kind="stable")[:10]] for row in tt]
    # Documents dropped by pruning keep their row (the model gives them the prior).
    return {"tokens": tokens, "top_terms": top, "doc_topic": np.asarray(model.doc_topic_),
            "tokenize_s": t1 - t0, "vectorize_s": t2 - t1, "fit_s": t3 - t2, "wall_s": t3 - t0}


def _df_filter(token_lists: list[list[str]]) -> set[str]:
    """Terms kept by gensim's ``filter_extremes(no_below, no_above, keep_n)`` rule."""
    df = Counter()
    for toks in token_lists:
        df.update(set(toks))
    n = len(token_lists)
    kept = [(t, c) for t, c in df.items() if c >= MIN_DF and c <= MAX_DF * n]
    kept.sort(key=lambda tc: -tc[1])
    return {t for t, _ in kept[:MAX_TERMS]}


def fit_plain(which: str, refs, bodies, k: int, seed: int, st: dict) -> dict:
    """The plain library calls a user would write, at the same settings as ours."""
    t0 = time.perf_counter()
    if which in ("gensim", "tomotopy"):
        from gensim.utils import simple_preprocess

        tokens = [simple_preprocess(b) for b in bodies]
    t1 = time.perf_counter()
    if which == "gensim":
        from gensim.corpora import Dictionary
        from gensim.models import LdaModel

        dictionary = Dictionary(tokens)
        dictionary.filter_extremes(no_below=MIN_DF, no_above=MAX_DF, keep_n=MAX_TERMS)
        corpus = [dictionary.doc2bow(t) for t in tokens]
        t2 = time.perf_counter()
        lda = LdaModel(corpus, num_topics=k, id2word=dictionary, passes=st["passes"],
                       iterations=st["vb_iterations"], chunksize=2000, random_state=seed)
        t3 = time.perf_counter()
        top = [[w for w, _ in lda.show_topic(j, topn=10)] for j in range(k)]
        doc_topic = np.zeros((len(corpus), k))
        for i, bow in enumerate(corpus):
            for j, p in lda.get_document_topics(bow, minimum_probability=0.0):
                doc_topic[i, j] = p
    elif which == "tomotopy":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import tomotopy as tp
        keep = _df_filter(tokens)
        mdl = tp.LDAModel(k=k, alpha=0.1, eta=0.01, seed=seed, min_cf=0)
        mdl.optim_interval = 10
        rows = []
        for i, toks in enumerate(tokens):
            words = [w for w in toks if w in keep]
            if words:
                mdl.add_doc(words)
                rows.append(i)
        t2 = time.perf_counter()
        mdl.train(st["gibbs_iterations"], workers=1, parallel=tp.ParallelScheme.NONE)
        t3 = time.perf_counter()
        top = [[w for w, _ in mdl.get_topic_words(j, top_n=10)] for j in range(k)]
        doc_topic = np.full((len(bodies), k), 1.0 / k)
        for doc, i in zip(mdl.docs, rows, strict=True):
            doc_topic[i] = doc.get_topic_dist()
    elif which in ("sklearn", "sklearn-nmf"):
        from sklearn.decomposition import NMF, LatentDirichletAllocation
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

        vec_cls = TfidfVectorizer if which == "sklearn-nmf" else CountVectorizer
        vec = vec_cls(stop_words="english", min_df=MIN_DF, max_df=MAX_DF,
                      max_features=MAX_TERMS)
        t1 = t0  # scikit-learn tokenizes while it vectorizes
        x = vec.fit_transform(bodies)
        t2 = time.perf_counter()
        if which == "sklearn":
            est = LatentDirichletAllocation(n_components=k, max_iter=st["sklearn_max_iter"],
                                            learning_method="batch", random_state=seed)
        else:
            est = NMF(n_components=k, init="nndsvda", max_iter=400, random_state=seed)
        doc_topic = est.fit_transform(x)
        t3 = time.perf_counter()
        analyzer = vec.build_analyzer()
        tokens = [analyzer(b) for b in bodies]  # for coherence only, after the timing
        names = vec.get_feature_names_out()
        top = [[str(names[j]) for j in np.argsort(-row, kind="stable")[:10]]
               for row in est.components_]
    else:
        raise ValueError(f"fit_plain: unknown library {which!r}; expected gensim, tomotopy, "
                         "sklearn or sklearn-nmf")
    return {"tokens": tokens, "top_terms": top, "doc_topic": doc_topic,
            "tokenize_s": t1 - t0, "vectorize_s": t2 - t1, "fit_s": t3 - t2, "wall_s": t3 - t0}


def npmi(top_terms: list[list[str]], tokens: list[list[str]]) -> float:
    """Mean NPMI (Bouma 2009) of the top terms against the approach's own token lists."""
    from topics.evaluate import coherence

    vals = coherence(top_terms, tokens, measure="c_npmi", on_missing="drop")
    return float(np.nanmean(np.asarray(vals, dtype=float)))


def child(argv: list[str]) -> int:
    """One approach on one input file, in its own process: prints a `child_report` line."""
    p = argparse.ArgumentParser(prog="bench_pipeline --child")
    p.add_argument("approach")
    p.add_argument("--input", required=True, type=Path)
    p.add_argument("--k", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--n-planted", type=int, default=8)
    a = p.parse_args(argv)
    refs, bodies, themes = read_input(a.input)
    st = settings(a.quick)
    kind, engine = APPROACHES[a.approach]
    if kind == "ours":
        res = fit_ours(engine, refs, bodies, a.k, a.seed, st)
    else:
        res = fit_plain(engine, refs, bodies, a.k, a.seed, st)
    import resource

    fit_rss_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                     resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    del bodies
    from sklearn.metrics import adjusted_rand_score

    from topics.themes import fit_themes

    dt = res["doc_topic"]
    dominant = np.argmax(dt, axis=1)
    km = fit_themes(dt / dt.sum(axis=1, keepdims=True), method="kmeans",
                    n_themes=a.n_planted, seed=a.seed).labels
    t0 = time.perf_counter()
    coh = npmi(res["top_terms"], res["tokens"])
    out = {k: round(float(res[k]), 3) for k in ("tokenize_s", "vectorize_s", "fit_s", "wall_s")}
    out.update({
        "fit_rss_mb": round(fit_rss_kb / 1024, 1),
        "npmi": round(coh, 4),
        "coherence_s": round(time.perf_counter() - t0, 2),
        "ari_dominant": round(float(adjusted_rand_score(themes, dominant)), 4),
        "ari_kmeans": round(float(adjusted_rand_score(themes, km)), 4),
    })
    print(child_report(**out), flush=True)
    return 0


def tokenize_speedup(path: Path, n_max: int = 4000) -> tuple[float, float]:
    """Seconds of `tokenize_corpus` (default options, no phrases) with n_jobs=1 and 2."""
    from topics.text import tokenize_corpus

    _, bodies, _ = read_input(path)
    bodies = bodies[:n_max]
    opts = default_text_options()
    times = []
    for n_jobs in (1, 2):
        t0 = time.perf_counter()
        tokenize_corpus(bodies, opts, n_jobs=n_jobs)
        times.append(time.perf_counter() - t0)
    return times[0], times[1]


def synthetic_part(sizes: list[int], k: int, seed: int, quick: bool, work: Path,
                   only: list[str] | None = None) -> bool:
    """Run every approach (or those in ``only``) on every size; print the tables. True
    when every check passed."""
    from corpora.synthetic import PLANTED_THEMES

    ok = True
    st = settings(quick)
    print(f"\n### Synthetic cables, K={k}, settings {st}, min_df={MIN_DF}, max_df={MAX_DF}\n")
    for n in sizes:
        path = work / f"synthetic_{n}.jsonl"
        t0 = time.perf_counter()
        write_synthetic(n, seed, path)
        print(f"generated {n:,} cables in {time.perf_counter() - t0:.1f} s", flush=True)
        one, two = tokenize_speedup(path)
        speed = one / two
        ok &= speed >= 1.6
        print(f"tokenize_corpus on {min(n, 4000):,} cables: n_jobs=1 {one:.2f} s, "
              f"n_jobs=2 {two:.2f} s, speed-up {speed:.2f}x (target >= 1.6x)\n", flush=True)
        results = {}
        for name in APPROACHES:
            if only and name not in only:
                continue
            argv = [sys.executable, "-m", "benchmarks.bench_pipeline", "--child", name,
                    "--input", str(path), "--k", str(k), "--seed", str(seed),
                    "--n-planted", str(len(PLANTED_THEMES))] + (["--quick"] if quick else [])
            r = run_child(argv)
            if r.returncode != 0 or not r.report:
                print(f"{name}: child failed (exit {r.returncode}):\n{r.stderr[-2000:]}",
                      file=sys.stderr)
                ok = False
                continue
            results[name] = r.report
        rows = [[name, n, round(rep["tokenize_s"] + rep["vectorize_s"], 3), rep["fit_s"], rep["wall_s"], rep["fit_rss_mb"],
                 rep["npmi"], rep["ari_dominant"], rep["ari_kmeans"]]
                for name, rep in results.items()]
        print_table(["approach", "cables", "tokenize+vectorize s", "fit s", "wall s",
                     "peak RSS MB", "NPMI@10", "ARI dominant", "ARI k-means(8)"], rows)
        pair_rows = []
        for ours, plain in PAIRS:
            if ours in results and plain in results:
                fit_ratio = results[ours]["fit_s"] / max(results[plain]["fit_s"], 1e-9)
                wall_ratio = results[ours]["wall_s"] / max(results[plain]["wall_s"], 1e-9)
                passed = fit_ratio <= 1.10
                ok &= passed
                pair_rows.append([f"{ours} / {plain}", n, round(fit_ratio, 3),
                                  round(wall_ratio, 3), "yes" if passed else "NO"])
        print()
        print_table(["pair", "cables", "fit time ratio", "wall time ratio",
                     "fit within 10%"], pair_rows)
        print(flush=True)
    return ok


# --- real cables -----------------------------------------------------------------------

BOILERPLATE = frozenset(
    "sipdis noforn nofor classified reasons reason ref refs para paras secret confidential "
    "unclassified decl declassified sbu subject tags amembassy secstate embassy usdel "
    "xxxxxxxxxxxx summary comment septel reftel cable emboff emboffs poloff econoff".split()
)


def place_and_boilerplate_terms(origins) -> frozenset[str]:
    """Post and country names, host-government abbreviations, cable boilerplate."""
    from corpora.tags import COUNTRY_CODES

    words: set[str] = set(BOILERPLATE)
    for name in list(COUNTRY_CODES.values()) + [o for o in origins if o]:
        for w in re.findall(r"[a-z]+", name.lower()):
            if len(w) > 2 and w not in {"and", "the", "embassy", "consulate", "general",
                                        "mission", "usun", "republic", "islands", "island",
                                        "united", "states", "saint", "new", "north",
                                        "south", "east", "west", "central", "democratic",
                                        "federated", "holy"}:
                words.add(w)
    # "Government of X" written GOB, GOJ, GOCR, ...
    for code in COUNTRY_CODES:
        words.add("go" + code.lower())
    words.update({"gob", "goj", "gocr", "gol", "goe", "goi", "gok", "gon", "gop", "gos",
                  "gou", "gotr", "goa", "gog", "gom", "gor", "goh"})
    words.discard("got")
    return frozenset(words)


def n_flagged(top_terms: list[list[str]], flagged: frozenset[str]) -> int:
    """Topics with a flagged word among their top 10 terms (phrases split on ``_``)."""
    count = 0
    for terms in top_terms:
        words = {w for t in terms[:10] for w in t.split("_")}
        if words & flagged or any(re.fullmatch(r"rueh\w*|\d+", w) for w in words):
            count += 1
    return count


#: Variants of the default pipeline tried against the baselines (RunConfig overrides).
VARIANTS = {
    "default": {},
    "no authorless": {"text": {"authorless": False}},
    "keep place names": {"text": {"drop_place_names": False}},
    "no phrases": {"text": {"phrases": False}},
    "min_df=5 max_df=0.3": {"vocabulary": {"min_df": 5.0, "max_df": 0.3}},
    "alpha=0.05 eta=0.05": {"model": {"params": {"alpha": 0.05, "eta": 0.05}}},
    "themes k-means": {"themes": {"method": "kmeans"}},
    "engine lda": {"model": {"engine": "lda"}},
    "engine lda-sklearn": {"model": {"engine": "lda-sklearn"}},
    "engine nmf": {"model": {"engine": "nmf"}},
}


def run_ours(store: Path, run_dir: Path, k: int, seed: int, overrides: dict) -> dict:
    """Our pipeline on an ingested store up to the themes; scores from its outputs."""
    import pyarrow.parquet as pq

    from topics.config import RunConfig
    from topics.evaluate import tag_agreement
    from topics.pipeline import run
    from topics.stages import read_tokens

    data: dict = {"seed": seed, "corpus": {"store": str(store)},
                  "model": {"n_topics": k}, "report": {"enabled": False}}
    for section, values in overrides.items():
        if section == "model" and "params" in values:
            data["model"]["params"] = dict(values["params"])
            values = {key: v for key, v in values.items() if key != "params"}
        data.setdefault(section, {}).update(values)
    cfg = RunConfig.from_dict(data)
    t0 = time.perf_counter()
    run(cfg, run_dir, until="themes")
    wall = time.perf_counter() - t0
    manifest = json.loads((run_dir / "manifest.json").read_text())
    fit_s = manifest["stages"]["model"]["seconds"]
    doc = pq.read_table(run_dir / "doc_topics.parquet",
                        columns=["ref", "origin", "subject_tags", "theme"]).to_pydict()
    first_tag = [(t[0] if t else None) for t in doc["subject_tags"]]
    agree = tag_agreement(doc["theme"], first_tag, doc["origin"])
    topics = json.loads((run_dir / "topics.json").read_text())
    from topics.models import load_model

    model = load_model(run_dir / "model")
    terms = list(model.terms_)
    prob_top = [[terms[j] for j in np.argsort(-row, kind="stable")[:10]]
                for row in np.asarray(model.topic_term_)]
    _, _, tokens = read_tokens(run_dir)
    return {"refs": doc["ref"], "nmi_tag": agree["nmi_tag"], "nmi_post": agree["nmi_post"],
            "npmi": npmi(prob_top, tokens), "top_terms": prob_top,
            "label_terms": [t["top_terms"][:10] for t in topics["topics"]],
            "fit_s": fit_s, "wall_s": wall}


def real_part(shared: Path, k: int, seed: int, work: Path, variants: bool) -> bool:
    """Real cables: ours (and variants) vs plain baselines. True when ours wins."""
    from corpora.store import CorpusStore
    from topics.evaluate import tag_agreement

    t0 = time.perf_counter()
    store_path = work / "store"
    store = CorpusStore.ingest([str(shared)], store_path)
    print(f"\n### Real cables ({shared}), K={k}, seed {seed}\n")
    print(f"ingested {len(store):,} cables in {time.perf_counter() - t0:.1f} s", flush=True)
    df = store.to_pandas()
    flagged = place_and_boilerplate_terms(df["origin"].dropna().unique().tolist())

    names = ["default"] + ([v for v in VARIANTS if v != "default"] if variants else [])
    ours = {}
    for name in names:
        ours[name] = run_ours(store_path, work / f"run_{len(ours)}", k, seed, VARIANTS[name])
    refs = ours["default"]["refs"]
    by_ref = df.set_index("ref")
    sub = by_ref.loc[list(refs)]
    bodies = sub["body"].tolist()
    first_tag = [(list(t)[0] if t is not None and len(t) else None)
                 for t in sub["subject_tags"]]
    origins = sub["origin"].tolist()

    rows = []
    for name, res in ours.items():
        rows.append([f"ours: {name}", res["nmi_tag"], res["nmi_post"], res["npmi"],
                     n_flagged(res["top_terms"], flagged), res["fit_s"], res["wall_s"]])
    st = {"gibbs_iterations": 500, "passes": 10, "vb_iterations": 100, "sklearn_max_iter": 20}
    baselines = {}
    for label, which in (("plain gensim LdaModel", "gensim"),
                         ("plain sklearn LDA", "sklearn"),
                         ("plain sklearn NMF (tf-idf)", "sklearn-nmf"),
                         ("plain tomotopy LDA", "tomotopy")):
        res = fit_plain(which, refs, bodies, k, seed, st)
        agree = tag_agreement(res["doc_topic"], first_tag, origins)
        baselines[label] = agree
        rows.append([label, agree["nmi_tag"], agree["nmi_post"],
                     npmi(res["top_terms"], res["tokens"]),
                     n_flagged(res["top_terms"], flagged), res["fit_s"], res["wall_s"]])
    print_table(["approach", "NMI vs subject TAG", "NMI vs post", "NPMI@10",
                 "topics with place/boilerplate in top 10", "fit s", "wall s"], rows)
    d = ours["default"]
    best_tag = max(b["nmi_tag"] for b in baselines.values())
    min_post = min(b["nmi_post"] for b in baselines.values())
    wins = d["nmi_tag"] > best_tag and d["nmi_post"] < min_post
    print(f"\ndefault pipeline: NMI tag {d['nmi_tag']:.3f} (best baseline {best_tag:.3f}), "
          f"NMI post {d['nmi_post']:.3f} (lowest baseline {min_post:.3f}): "
          f"{'WINS' if wins else 'does NOT win'}\n")
    print("Top 10 terms of each topic (default pipeline, by probability):\n")
    print_table(["topic", "top 10 terms"],
                [[i, " ".join(t)] for i, t in enumerate(d["top_terms"])])
    print(flush=True)
    return wins


# --- wrapper overhead on identical input ---------------------------------------------------

def wrapper_overhead(n: int, k: int, seed: int, quick: bool, repeats: int = 3) -> bool:
    """Our `make_model(...).fit(dtm)` against the library call it wraps, on the SAME matrix
    and settings (so the ratio is the wrapper's cost alone: conversion, validation,
    normalisation), median of ``repeats``. Target: ours within 10% of the plain call."""
    import gensim
    import tomotopy as tp
    from sklearn.decomposition import NMF, LatentDirichletAllocation

    from corpora.synthetic import iter_synthetic_cables
    from topics.models import make_model
    from topics.text import tokenize_corpus
    from topics.vectorize import build_dtm

    st = settings(quick)
    cables = list(iter_synthetic_cables(n, seed=seed))
    tokens = tokenize_corpus([c.text for c in cables], default_text_options(), n_jobs=2)
    dtm = build_dtm(tokens, [c.ref for c in cables], min_df=MIN_DF, max_df=MAX_DF,
                    max_terms=MAX_TERMS)
    terms = dtm.vocabulary.terms
    x = dtm.matrix

    def plain_tomotopy():
        mdl = tp.LDAModel(k=k, alpha=0.1, eta=0.01, seed=seed)
        for row in range(x.shape[0]):
            lo, hi = x.indptr[row], x.indptr[row + 1]
            words = [terms[j] for j, c in zip(x.indices[lo:hi], x.data[lo:hi], strict=True)
                     for _ in range(int(c))]
            if words:
                mdl.add_doc(words)
        mdl.train(st["gibbs_iterations"], workers=1, parallel=tp.ParallelScheme.NONE)
        return mdl

    def plain_gensim():
        corpus, dictionary = dtm.to_gensim()
        return gensim.models.LdaModel(corpus, id2word=dictionary, num_topics=k,
                                      passes=st["passes"], iterations=st["vb_iterations"],
                                      random_state=seed)

    def plain_sklearn():
        # fit_transform: a user needs the doc-topic matrix, as our fit computes it
        return LatentDirichletAllocation(n_components=k, max_iter=st["sklearn_max_iter"],
                                         learning_method="batch",
                                         random_state=seed).fit_transform(x)

    def plain_nmf():
        return NMF(n_components=k, init="nndsvda", max_iter=1000,
                   random_state=seed).fit_transform(dtm.tfidf(idf="vocabulary").matrix)

    cases = [
        ("lda-gibbs", {"iterations": st["gibbs_iterations"]}, "tomotopy LDAModel",
         plain_tomotopy),
        ("lda", {"passes": st["passes"], "iterations": st["vb_iterations"]},
         "gensim LdaModel", plain_gensim),
        ("lda-sklearn", {"max_iter": st["sklearn_max_iter"]}, "sklearn LDA", plain_sklearn),
        ("nmf", {}, "sklearn NMF", plain_nmf),
    ]
    rows, ok = [], True
    for engine, params, plain_name, plain in cases:
        ours_t, plain_t = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            make_model(engine, n_topics=k, seed=seed, **params).fit(dtm)
            ours_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            plain()
            plain_t.append(time.perf_counter() - t0)
        o, q = float(np.median(ours_t)), float(np.median(plain_t))
        passed = o <= 1.10 * q
        ok &= passed
        rows.append([f"ours {engine}", plain_name, n, round(o, 3), round(q, 3),
                     round(o / q, 3), "yes" if passed else "NO"])
    print(f"\n### Wrapper overhead on identical input ({n:,} synthetic cables, "
          f"{dtm.n_terms:,} terms, K={k}, median of {repeats})\n")
    print_table(["ours", "plain call", "cables", "ours fit s", "plain fit s", "ratio",
                 "within 10%"], rows)
    return ok


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring. Exit 1 when a check failed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--child":
        return child(argv[1:])
    p = argparse.ArgumentParser(prog="python -m benchmarks pipeline", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10000,50000", help="synthetic corpus sizes")
    p.add_argument("--quick", action="store_true",
                   help="1,000 synthetic cables, few iterations, default real pipeline only")
    p.add_argument("--k", type=int, default=50, help="topics on synthetic cables")
    p.add_argument("--real-k", type=int, default=20, help="topics on real cables")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--shared", type=Path, default=SHARED_DATA, help="real cables folder")
    p.add_argument("--no-synthetic", action="store_true")
    p.add_argument("--no-real", action="store_true")
    p.add_argument("--only", default="",
                   help="comma-separated approaches to run, e.g. 'ours nmf,plain sklearn NMF'")
    p.add_argument("--overhead", type=int, default=0, metavar="N",
                   help="also time our fit against the plain call on the same matrix "
                        "(N synthetic cables)")
    p.add_argument("--variants", action="store_true",
                   help="also run variants of the default pipeline on the real cables")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    sizes = [1000] if a.quick else [int(s) for s in a.sizes.split(",") if s.strip()]
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench_pipeline_") as tmp:
        work = Path(tmp)
        if a.overhead:
            ok &= wrapper_overhead(a.overhead, a.k, a.seed, a.quick)
        if not a.no_synthetic:
            only = [x.strip() for x in a.only.split(",") if x.strip()] or None
            ok &= synthetic_part(sizes, a.k, a.seed, a.quick, work, only)
        if not a.no_real:
            if a.shared.exists():
                ok &= real_part(a.shared, a.real_k, a.seed, work, a.variants and not a.quick)
            else:
                print(f"\n(real cables skipped: {a.shared} does not exist)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
