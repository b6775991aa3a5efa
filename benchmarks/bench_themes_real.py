"""Themes on real cables at realistic K: our default pipeline beside the plain libraries.

On the 4,000-cable development corpus (``../shared/data/cablegate-dev/cables-4000.zip``,
ingested with `CorpusStore.ingest`), for each K and seed: our pipeline (`RunConfig` through
`topics.pipeline.run`, up to the themes; variants by config overrides) and the plain
library pipelines a user would write on the naive text (tomotopy LDA, gensim LDA,
scikit-learn LDA, scikit-learn NMF on TF-IDF; `benchmarks.bench_pipeline.fit_plain`). Every
approach is scored on the same cables (the store's cables with a clean body of at least
``corpus.min_length`` characters; a cable an approach leaves out is a group of its own):

- AMI and ARI of the themes (dominant topic for the plain pipelines) with the first
  four-letter subject TAG and with the sending post, and AMI of shuffled themes (the
  permutation baseline, `topics.evaluate.tag_agreement`);
- seed agreement: AMI between the themes of the first two seeds;
- topics whose top 10 terms (by probability) hold boilerplate, a post or country name, a
  demonym or a person name (`flagged_words`).

Each (approach, K, seed) result is cached as JSON in ``--work`` (default
``/tmp/bench_themes_real``), so an interrupted run resumes; ``--fresh`` ignores the cache.

Run::

    python -m benchmarks themes_real --k 50                 # K = 50, seeds 0 and 1
    python -m benchmarks themes_real --k 20,50,100 --only "ours,plain tomotopy"
    python -m benchmarks themes_real --k 50 --ours "lda-gibbs:model.engine=lda-gibbs"
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import print_table

ROOT = Path(__file__).resolve().parents[1]
DEV_ZIP = ROOT.parent / "shared" / "data" / "cablegate-dev" / "cables-4000.zip"

#: Plain pipelines: label -> `fit_plain` library name.
PLAIN = {
    "plain tomotopy LDA": "tomotopy",
    "plain gensim LDA": "gensim",
    "plain sklearn LDA": "sklearn",
    "plain sklearn NMF": "sklearn-nmf",
}

#: Iterations of the plain pipelines (as in bench_pipeline's real-cable part).
PLAIN_SETTINGS = {"gibbs_iterations": 500, "passes": 10, "vb_iterations": 100,
                  "sklearn_max_iter": 20}


def parse_ours(specs: list[str]) -> dict[str, list[str]]:
    """``"name:key=value,key=value"`` -> {name: overrides}; ``"ours"`` is the default."""
    out: dict[str, list[str]] = {"ours": []}
    for spec in specs:
        name, _, rest = spec.partition(":")
        out[f"ours {name.strip()}"] = [kv.strip() for kv in rest.split(",") if kv.strip()]
    return out


def ensure_store(zip_path: Path, work: Path) -> Path:
    """Ingest the corpus into ``work/store`` unless it is there (and newer than the code)."""
    from corpora.store import CorpusStore

    store = work / "store"
    if not (store / "manifest.json").exists():
        t0 = time.perf_counter()
        CorpusStore.ingest([str(zip_path)], store)
        print(f"ingested {zip_path.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    return store


def evaluation_set(store: Path, min_length: int):
    """Refs, bodies, first subject TAGS, origins of the cables every approach is scored on."""
    from corpora.store import CorpusStore
    from topics.evaluate import first_subject_tag

    df = CorpusStore(store).to_pandas(min_length=min_length)
    df = df.sort_values("ref", kind="stable")
    return (df["ref"].tolist(), df["body"].tolist(),
            [first_subject_tag(t) for t in df["tags"]], df["origin"].tolist())


def run_ours(store: Path, run_dir: Path, k: int, seed: int, overrides: list[str]) -> dict:
    """Our pipeline up to the themes; {ref: theme}, top terms by probability, seconds."""
    import pyarrow.parquet as pq

    from topics.config import RunConfig, _set_dotted, parse_override
    from topics.models import load_model
    from topics.pipeline import run

    data: dict = {"seed": seed, "corpus": {"store": str(store)},
                  "model": {"n_topics": k}, "report": {"enabled": False}}
    for item in overrides:
        key, value = parse_override(item)
        _set_dotted(data, key, value)
    t0 = time.perf_counter()
    run(RunConfig.from_dict(data), run_dir, until="themes")
    wall = time.perf_counter() - t0
    doc = pq.read_table(run_dir / "doc_topics.parquet", columns=["ref", "theme"]).to_pydict()
    model = load_model(run_dir / "model")
    terms = list(model.terms_)
    top = [[terms[j] for j in np.argsort(-row, kind="stable")[:10]]
           for row in np.asarray(model.topic_term_)]
    groups = {r: f"t{t}" for r, t in zip(doc["ref"], doc["theme"], strict=True)}
    genre_file = run_dir / "genres.json"
    if genre_file.exists():  # form cables reported as genre groups, not themes
        for ref, genre in json.loads(genre_file.read_text())["by_ref"].items():
            groups.setdefault(ref, f"genre:{genre}")
    return {"groups": groups, "top_terms": top, "wall_s": wall}


def run_plain(which: str, refs: list[str], bodies: list[str], k: int, seed: int) -> dict:
    from benchmarks.bench_pipeline import fit_plain

    t0 = time.perf_counter()
    res = fit_plain(which, refs, bodies, k, seed, PLAIN_SETTINGS)
    groups = {r: f"t{int(t)}" for r, t in zip(refs, np.argmax(res["doc_topic"], axis=1),
                                              strict=True)}
    return {"groups": groups, "top_terms": res["top_terms"],
            "wall_s": time.perf_counter() - t0}


#: Words of post names that are not place names ("Secretary of State", "USUN New York").
NOT_PLACES = frozenset({"state", "secretary", "department", "delegation", "mission", "office",
                        "prince", "kingdom"})


def flagged_words(origins: list[str]) -> frozenset[str]:
    """Boilerplate, post and country names, host-government abbreviations, demonyms."""
    from benchmarks.bench_pipeline import place_and_boilerplate_terms
    from topics.names import DEMONYMS

    return (place_and_boilerplate_terms(origins) - NOT_PLACES) | DEMONYMS


def person_names(store: Path) -> frozenset[str]:
    """Person names as `topics.names.learn_person_names` finds them in the store's cables
    (titles, case, person TAGS): what "a person name in the top 10" is checked against."""
    from corpora.store import CorpusStore
    from topics.names import learn_person_names, person_names_from_tags

    df = CorpusStore(store).to_pandas(columns=["ref", "body", "tags"])
    return learn_person_names(df["body"].tolist(),
                              extra_candidates=person_names_from_tags(df["tags"]))


def n_flagged(top_terms: list[list[str]], flagged: frozenset[str], names: frozenset[str]
              ) -> int:
    """Topics with a flagged word or a person name among their top 10 terms."""
    count = 0
    for terms in top_terms:
        # phrases count by their words (``hugo_chavez``); ``united_kingdom`` is one name
        words = {w for t in terms[:10]
                 for w in ([t] if t.startswith("united_") else t.split("_"))}
        if words & (flagged | names) or any(re.fullmatch(r"rueh\w*|\d+", w) for w in words):
            count += 1
    return count


def score(groups: dict[str, str], refs, tags, origins, seed: int) -> dict:
    from topics.evaluate import tag_agreement

    labels = [groups.get(r, "left out") for r in refs]
    return tag_agreement(labels, tags, origins, seed=seed, per_tag=0)


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring. Exit 1 when the default misses a target."""
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(prog="python -m benchmarks themes_real", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zip", type=Path, default=DEV_ZIP, help="the real cables")
    p.add_argument("--store", type=Path, help="an ingested store (default: ingest --zip)")
    p.add_argument("--k", default="50", help="comma-separated K values")
    p.add_argument("--seeds", default="0,1", help="comma-separated seeds (first two compared)")
    p.add_argument("--only", default="", help="comma-separated approaches to run")
    p.add_argument("--ours", action="append", default=[],
                   help="a variant of our pipeline, 'name:section.key=value,...'")
    p.add_argument("--work", type=Path, default=Path("/tmp/bench_themes_real"))
    p.add_argument("--fresh", action="store_true", help="ignore cached results")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if a.store is None and not a.zip.exists():
        print(f"(skipped: {a.zip} does not exist; pass --zip or --store)")
        return 0
    a.work.mkdir(parents=True, exist_ok=True)
    store = a.store or ensure_store(a.zip, a.work)
    from corpora.store import CorpusStore
    from topics.config import RunConfig

    store_id = CorpusStore(store).manifest.get("created", "")
    min_length = RunConfig().corpus.min_length
    refs, bodies, tags, origins = evaluation_set(store, min_length)
    ks = [int(x) for x in a.k.split(",")]
    seeds = [int(x) for x in a.seeds.split(",")]
    ours = parse_ours(a.ours)
    approaches = list(ours) + list(PLAIN)
    only = [x.strip() for x in a.only.split(",") if x.strip()]
    if only:
        approaches = [x for x in approaches if x in only]
    flagged = flagged_words([o for o in origins if o])
    names = person_names(store)
    print(f"\n### {len(refs):,} real cables ({store}), seeds {seeds}\n", flush=True)
    ok = True
    for k in ks:
        rows = []
        results: dict[str, list[dict]] = {}
        for name in approaches:
            for seed in seeds:
                key = re.sub(r"\W+", "_", f"{name}_k{k}_s{seed}")
                cache = a.work / f"{key}.json"
                spec = {"store": str(store), "store_created": store_id, "k": k, "seed": seed,
                        "overrides": ours.get(name)}
                if cache.exists() and not a.fresh:
                    res = json.loads(cache.read_text())
                    if res.get("spec") != spec:
                        res = None
                else:
                    res = None
                if res is None:
                    if name in ours:
                        res = run_ours(store, a.work / f"run_{key}", k, seed, ours[name])
                    else:
                        res = run_plain(PLAIN[name], refs, bodies, k, seed)
                    res["spec"] = spec
                    cache.write_text(json.dumps(res))
                res["scores"] = score(res["groups"], refs, tags, origins, seed=0)
                res["n_flagged"] = n_flagged(res["top_terms"], flagged, names)
                results.setdefault(name, []).append(res)
                print(f"  {name} K={k} seed {seed}: AMI tag {res['scores']['ami_tag']:.3f} "
                      f"post {res['scores']['ami_post']:.3f} ({res['wall_s']:.0f} s)",
                      flush=True)
        from sklearn.metrics import adjusted_mutual_info_score

        for name, runs in results.items():
            sc = [r["scores"] for r in runs]
            agree = None
            if len(runs) >= 2:
                agree = adjusted_mutual_info_score(
                    [runs[0]["groups"].get(r, "-") for r in refs],
                    [runs[1]["groups"].get(r, "-") for r in refs])

            def mean(key: str, sc=sc) -> float:
                return round(float(np.mean([s[key] for s in sc])), 3)

            rows.append([name, k, mean("ami_tag"), mean("ami_tag_shuffled"), mean("ari_tag"),
                         mean("ami_post"), mean("ami_post_shuffled"), mean("ari_post"),
                         mean("nmi_tag"), mean("nmi_post"),
                         "" if agree is None else round(float(agree), 3),
                         round(float(np.mean([r["n_flagged"] for r in runs])), 1),
                         round(float(np.mean([r["wall_s"] for r in runs])), 0)])
        print()
        print_table(["approach", "K", "AMI tag", "AMI tag shuffled", "ARI tag", "AMI post",
                     "AMI post shuffled", "ARI post", "NMI tag", "NMI post",
                     "seed agreement (AMI)", "topics flagged (top 10)", "wall s"], rows)
        by = {r[0]: r for r in rows}
        plain = [by[n] for n in PLAIN if n in by]
        if "ours" in by and plain:
            d = by["ours"]
            best_tag = max(r[2] for r in plain)
            low_post = min(r[5] for r in plain)
            checks = [("AMI tag >= 1.2x best plain", d[2] >= 1.2 * best_tag,
                       f"{d[2]:.3f} vs {best_tag:.3f}"),
                      ("AMI post <= 0.5x lowest plain", d[5] <= 0.5 * low_post,
                       f"{d[5]:.3f} vs {low_post:.3f}")]
            if d[10] != "":
                checks.append(("seed agreement >= 0.8", d[10] >= 0.8, f"{d[10]:.3f}"))
            print()
            print_table([f"target (K={k})", "met", "measured"],
                        [[c, "yes" if m else "NO", v] for c, m, v in checks])
            ok &= all(m for _, m, _ in checks)
        print(flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
