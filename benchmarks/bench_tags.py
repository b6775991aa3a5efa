"""TAG suggestion on real cables: plda/llda label-topic shares beside logistic regression.

On a corpus store (default the lead's 4,000-cable dev store, ``/tmp/lead/dev-store``), the
cables are tokenized and vectorized once with the default config (cached in ``--work``),
then for each engine spec `topics.tagsuggest.build_suggester` splits the tagged cables
(seeded: 60% fit, 15% calibration, 25% test), fits the TAG-supervised topic model and the
one-vs-rest logistic regression on TF-IDF on the fit cables, chooses per-TAG thresholds
(and LR's C) on the calibration cables; fits ``lr-cv`` (the same baseline on fit +
calibration cables, C and thresholds by 4-fold cross-validation) and ``text`` (ours,
`topics.tagtext`, read from the store's subject, body, post, country TAGS and addressees; same
cross-validation) and scores every method on the test cables.

Printed: one row per (engine spec, method) with micro-F1 over all label TAGS, micro-F1
over the 20 most common specific subject TAGS (not PREL/PGOV), how many of those reach
F1 >= 0.5, and the fit time; then the per-TAG F1 of the 20 specific TAGS; then, per seed,
``text`` against the better baseline (``lr`` or ``lr-cv``, by test micro-F1): test positives,
ours P / R / F1 with a 95% bootstrap interval, the baseline's F1. Results are written to
``--work/results.json``.

With ``--engines`` it prints instead the engines table of docs/engines.md: each engine
fitted on every modelled cable, its fit time, the AMI of the dominant topics with the first
subject TAG and with the post (`topics.evaluate.tag_agreement`), the same for the mixtures
inferred *without* TAGS (`transform`; for llda/plda the training mixtures are restricted to
each cable's TAGS, so their AMI vs TAGS is circular) and NPMI of the top-10 terms; for a
seeded ``lda-gibbs`` also the seeded topics' top words and sizes.

Run (niced, it takes minutes)::

    nice -n 10 python -m benchmarks tags
    python -m benchmarks tags --specs "plda:50,llda:0" --seeds 0,1
    nice -n 10 python -m benchmarks tags --specs plda:50 --outer-folds 4   # every cable tested once
    nice -n 10 python -m benchmarks tags --run RUN --engines "plda:50,llda:200,lda-gibbs:50,seeded:50"
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from benchmarks.common import print_table

DEV_STORE = Path("/tmp/lead/dev-store")

#: The seeded themes of the ``seeded`` spec (``[themes.seeds]`` of the docs' example).
DEV_SEEDS = {
    "nonproliferation": ["iaea", "enrichment", "npt"],
    "terrorism": ["terrorist", "terrorism"],
    "narcotics": ["narcotics", "cocaine"],
}


def engines_table(dtm, tags, run_dir: Path, store: Path, specs: str, iterations: int,
                  infer_iterations: int = 100) -> None:
    """Fit each ``engine:K`` on every cable and print fit time, AMI and NPMI (module doc)."""
    import numpy as np

    from topics import evaluate as ev
    from topics.models import make_model
    from topics.stages import load_cable_meta, read_tokens

    meta = load_cable_meta(store.resolve(), dtm.refs).to_pydict()
    first = [ev.first_subject_tag(t) for t in meta["tags"]]
    origins = meta["origin"]
    _, _, tokens = read_tokens(run_dir)
    reference = ev.ReferenceCorpus.from_texts(tokens)
    rows, seeded = [], []
    for item in specs.split(","):
        engine, _, k = item.partition(":")
        params = {"iterations": iterations}
        if engine in ("llda", "plda", "plda-seeded"):
            params["infer_iterations"] = infer_iterations
        if engine in ("seeded", "plda-seeded"):
            params["seed_words"] = DEV_SEEDS
        name = {"seeded": "lda-gibbs", "plda-seeded": "plda"}.get(engine, engine)
        model = make_model(name, n_topics=int(k), seed=0, **params)
        t0 = time.perf_counter()
        model.fit(dtm, labels=tags) if name in ("llda", "plda") else model.fit(dtm)
        fit_s = time.perf_counter() - t0
        fitted = ev.tag_agreement(model.doc_topic_.argmax(axis=1), first, origins, seed=0)
        inferred = model.transform(dtm) if name in ("llda", "plda") else model.doc_topic_
        blind = ev.tag_agreement(inferred.argmax(axis=1), first, origins, seed=0)
        terms = np.asarray(model.terms_)
        top = [list(terms[np.argsort(-r, kind="stable")[:10]]) for r in model.topic_term_]
        npmi = ev.coherence_scores(top, reference, measures=("c_npmi",), on_missing="drop")
        rows.append([item, model.n_topics_, f"{fit_s:.0f}", f"{fitted['ami_tag']:.3f}",
                     f"{blind['ami_tag']:.3f}", f"{fitted['ami_post']:.3f}",
                     f"{blind['ami_post']:.3f}", f"{npmi['c_npmi'].mean:.3f}"])
        if engine in ("seeded", "plda-seeded"):
            sizes = np.bincount(model.doc_topic_.argmax(axis=1), minlength=model.n_topics_)
            for i, theme in enumerate(DEV_SEEDS):
                j = model.seed_topics_[theme] if engine == "plda-seeded" else i
                seeded.append([item, theme, ", ".join(DEV_SEEDS[theme]), int(sizes[j]),
                               f"{sizes[j] / dtm.n_docs:.1%}", ", ".join(top[j])])
        print(f"done {item}: {rows[-1]}", file=sys.stderr, flush=True)
    print(f"\nengines on {store} ({dtm.n_docs:,} modelled cables x {dtm.n_terms:,} terms, "
          f"{iterations} iterations, {infer_iterations} per cable to infer, seed 0)\n")
    print_table(["engine:K", "topics", "fit s", "AMI tag (fit)", "AMI tag (inferred)",
                 "AMI post (fit)", "AMI post (inferred)", "NPMI top 10"], rows)
    if seeded:
        print("\nseeded themes ([themes.seeds]; lda-gibbs: word priors, plda: seed labels)\n")
        print_table(["engine:K", "theme", "seed words", "cables (dominant)", "share",
                     "top 10 words"], seeded)


def _prep(store: Path, work: Path):
    """Tokenize and vectorize the store once with the default config (cached)."""
    from topics.config import RunConfig
    from topics.pipeline import run
    from topics.stages import load_cable_meta, load_dtm

    cfg = RunConfig.from_dict({"corpus": {"store": str(store.resolve())},
                               "report": {"enabled": False}})
    prep = work / "prep"
    run(cfg, prep, until="vectorize")
    dtm = load_dtm(prep / "dtm")
    tags = load_cable_meta(store.resolve(), dtm.refs).column("subject_tags").to_pylist()
    return dtm, [t or [] for t in tags]


def parse_specs(text: str) -> list[tuple[str, int]]:
    """``"plda:50,llda:30"`` -> [("plda", 50), ("llda", 30)]."""
    out = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        engine, _, k = item.partition(":")
        if engine not in ("plda", "llda") or not k.isdigit():
            raise SystemExit(f"bench tags: bad spec {item!r}; expected plda:K or llda:K")
        out.append((engine, int(k)))
    return out


def _texts(store: Path, refs):
    from topics.tagtext import CableTexts

    return CableTexts.from_store(store.resolve(), refs)


def _versus_table(report: dict) -> list[list]:
    """Per specific TAG: positives, ``text`` P/R/F1 [95% interval], best baseline F1."""
    ev = report["methods"]
    base = max(("lr", "lr-cv"), key=lambda m: ev[m]["micro_f1"])
    ours = {r["tag"]: r for r in ev["text"]["per_tag"]}
    theirs = {r["tag"]: r for r in ev[base]["per_tag"]}
    rows = []
    for tag in report["specific_tags"]:
        o, b = ours[tag], theirs[tag]
        rows.append([tag, o["support"], f"{o['precision']:.2f}", f"{o['recall']:.2f}",
                     f"{o['f1']:.2f} [{o['f1_low']:.2f}, {o['f1_high']:.2f}]",
                     f"{b['f1']:.2f} ({base})", "yes" if o["f1"] >= 0.5 else "no"])
    rows.append(["(micro, all labels)", "", f"{ev['text']['micro_precision']:.3f}",
                 f"{ev['text']['micro_recall']:.3f}", f"{ev['text']['micro_f1']:.3f}",
                 f"{ev[base]['micro_f1']:.3f} ({base})", ""])
    return rows


def _label_setup(dtm, tags):
    """The tagged, non-empty rows, their labels (subject TAGS on 10+ of them), the 20
    specific TAGS among those and the 0/1 matrix: ``(subj, rows, labels, specific, y)``."""
    from collections import Counter

    import numpy as np

    from topics.models.tomotopy_labeled import subject_labels
    from topics.tagsuggest import binarize, top_specific_tags

    subj = [subject_labels(t) for t in tags]
    rows = np.flatnonzero([bool(t) for t in subj] & (np.asarray(dtm.matrix.sum(axis=1)).ravel() > 0))
    counts = Counter(t for i in rows for t in subj[i])
    labels = sorted(t for t, n in counts.items() if n >= 10)
    specific = [t for t in top_specific_tags(subj) if t in labels]
    return subj, rows, labels, specific, binarize(subj, labels)


def _fit_scorers(dtm, texts, y, rows, seed: int):
    """Fit ``lr-cv`` and ``text`` on ``rows`` as the suggester fits them (C / penalty and
    per-TAG thresholds by cross-validation inside those cables).

    Returns ``(predict, info)``: ``predict(matrix, texts) -> {method: bool array}`` for other
    cables' counts and texts; ``info``: ``{"C", "lambda", "seconds": {method: s}}``.
    """
    from topics.tagsuggest import _fit_lr_cv, _idf, _lr_scores, _micro, _tfidf
    from topics.tagtext import fit_text_tagger

    t0 = time.perf_counter()
    idf = _idf(dtm.matrix[rows])
    coef, icpt, c, th_lr, _ = _fit_lr_cv(_tfidf(dtm.matrix[rows], idf), y[rows], seed)
    lr_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tagger, th_text, text_info = fit_text_tagger(texts.subset(rows), y[rows], seed=seed,
                                                 choose=_micro)
    text_s = time.perf_counter() - t0

    def predict(matrix, other_texts) -> dict:
        return {"lr-cv": _lr_scores(_tfidf(matrix, idf), coef, icpt) >= th_lr,
                "text": tagger.scores(other_texts) >= th_text}

    return predict, {"C": c, "lambda": text_info["lambda"],
                     "seconds": {"lr-cv": lr_s, "text": text_s}}


def outer_cv(dtm, tags, texts, n_folds: int, seed: int) -> None:
    """Every tagged cable a test cable once: ``text`` and ``lr-cv`` over ``n_folds`` outer folds.

    Each fold's scorers are fitted on the other folds exactly as the suggester fits them
    (penalty / C and per-TAG thresholds by 4-fold cross-validation inside the training
    cables), then predict the fold's cables; the pooled predictions give per-TAG precision,
    recall and F1 over all tagged cables (4x the test positives of one 25% test split), with
    95% bootstrap intervals over cables.
    """
    import numpy as np
    from sklearn.model_selection import KFold

    from topics.tagsuggest import evaluate_predictions, f1_intervals

    _, rows, labels, specific, y = _label_setup(dtm, tags)
    pred = {m: np.zeros((rows.size, len(labels)), dtype=bool) for m in ("lr-cv", "text")}
    seconds = {"lr-cv": 0.0, "text": 0.0}
    for k, (a, b) in enumerate(KFold(n_folds, shuffle=True, random_state=seed).split(rows)):
        predict, info = _fit_scorers(dtm, texts, y, rows[a], seed)
        for m, p in predict(dtm.matrix[rows[b]], texts.subset(rows[b])).items():
            pred[m][b] = p
            seconds[m] += info["seconds"][m]
        print(f"outer fold {k + 1}/{n_folds} done ({sum(seconds.values()):.0f} s)",
              file=sys.stderr, flush=True)
    yy = y[rows]
    ev = {m: evaluate_predictions(yy, p, labels, specific) for m, p in pred.items()}
    ci = {m: f1_intervals(yy, p, seed=seed) for m, p in pred.items()}
    print(f"\n{n_folds}-fold outer cross-validation, seed {seed}: {rows.size:,} tagged cables, "
          f"each a test cable once; {len(labels)} TAGS on 10+ cables\n")
    print_table(["method", "micro-F1 (all labels)", "micro-F1 (20 specific)",
                 "specific TAGS F1 >= 0.5", "fit s (all folds)"],
                [[m, f"{e['micro_f1']:.3f}", f"{e['micro_f1_specific']:.3f}",
                  f"{e['specific_f1_ge_0_5']}/{e['n_specific']}", f"{seconds[m]:.0f}"]
                 for m, e in ev.items()])
    index = {t: j for j, t in enumerate(labels)}
    per = {m: {r["tag"]: r for r in e["per_tag"]} for m, e in ev.items()}
    print()
    print_table(["TAG", "positives", "ours P", "ours R", "ours F1 [95%]", "lr-cv F1 [95%]",
                 "ours >= 0.5"],
                [[t, per["text"][t]["support"], f"{per['text'][t]['precision']:.2f}",
                  f"{per['text'][t]['recall']:.2f}",
                  f"{per['text'][t]['f1']:.2f} [{ci['text'][index[t], 0]:.2f}, "
                  f"{ci['text'][index[t], 1]:.2f}]",
                  f"{per['lr-cv'][t]['f1']:.2f} [{ci['lr-cv'][index[t], 0]:.2f}, "
                  f"{ci['lr-cv'][index[t], 1]:.2f}]",
                  "yes" if per["text"][t]["f1"] >= 0.5 else "no"] for t in specific])


def heldout_check(dtm, tags, texts, run_dir: Path, dev_store: Path, other: Path,
                  seed: int) -> None:
    """Train ``text`` and ``lr-cv`` on every tagged dev cable; score another store's cables.

    The other store's cables that share a ref with the dev store are left out; the labels
    and the 20 specific TAGS are the dev corpus's. Prints micro-F1 of both and the per-TAG
    table (positives, ours P/R/F1 [95% bootstrap], baseline F1).
    """

    from topics.models.tomotopy_labeled import subject_labels
    from topics.tagsuggest import (
        binarize,
        evaluate_predictions,
        f1_intervals,
        read_store_cables,
    )

    subj, rows, labels, specific, y = _label_setup(dtm, tags)
    predict, info = _fit_scorers(dtm, texts, y, rows, seed)
    refs, odtm, otexts, otags = read_store_cables(other, run_dir, dtm.vocabulary)
    dev_refs = set(dtm.refs)
    osubj = [subject_labels(t) for t in otags]
    keep = [i for i, r in enumerate(refs) if r not in dev_refs and osubj[i]
            and odtm.matrix[i].nnz]
    oy = binarize([osubj[i] for i in keep], labels)
    pred = predict(odtm.matrix[keep], otexts.subset(keep))
    ev = {m: evaluate_predictions(oy, p, labels, specific) for m, p in pred.items()}
    ci = f1_intervals(oy, pred["text"], seed=seed)
    print(f"\nheld-out corpus {other}: {len(keep):,} cables with a subject TAG, not in the dev "
          f"store (of {len(refs):,}); trained on {rows.size:,} tagged dev cables, {len(labels)} "
          f"TAGS; lr-cv C={info['C']} ({info['seconds']['lr-cv']:.0f} s), text "
          f"lambda={info['lambda']} ({info['seconds']['text']:.0f} s)\n")
    print_table(["method", "micro-F1 (all labels)", "micro-F1 (20 specific)",
                 "specific TAGS F1 >= 0.5"],
                [[m, f"{e['micro_f1']:.3f}", f"{e['micro_f1_specific']:.3f}",
                  f"{e['specific_f1_ge_0_5']}/{e['n_specific']}"] for m, e in ev.items()])
    index = {t: j for j, t in enumerate(labels)}
    per = {m: {r["tag"]: r for r in e["per_tag"]} for m, e in ev.items()}
    print()
    print_table(["TAG", "held-out positives", "ours P", "ours R", "ours F1 [95%]",
                 "lr-cv F1"],
                [[t, per["text"][t]["support"], f"{per['text'][t]['precision']:.2f}",
                  f"{per['text'][t]['recall']:.2f}",
                  f"{per['text'][t]['f1']:.2f} [{ci[index[t], 0]:.2f}, {ci[index[t], 1]:.2f}]",
                  f"{per['lr-cv'][t]['f1']:.2f}"] for t in specific])


def main(argv: list[str] | None = None) -> int:
    from topics.tagsuggest import build_suggester

    p = argparse.ArgumentParser(prog="python -m benchmarks tags", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", type=Path, default=DEV_STORE)
    p.add_argument("--work", type=Path, default=Path("/tmp/bench_tags"))
    p.add_argument("--run", type=Path, help="reuse the matrix of this run of the store "
                   "(e.g. from `cable-topics fit STORE --model plda`) instead of preparing one")
    p.add_argument("--specs", default="plda:50,llda:200",
                   help="engine:K list (plda K = latent topics, llda K = most common TAGS)")
    p.add_argument("--seeds", default="0", help="split and model seeds, e.g. 0,1")
    p.add_argument("--iterations", type=int, default=500)
    p.add_argument("--infer-iterations", type=int, default=100)
    p.add_argument("--heldout", type=Path, help="another corpus store: train text and lr-cv "
                   "on every tagged cable of --store, score this store's cables")
    p.add_argument("--outer-folds", type=int, metavar="N",
                   help="instead of one split: N-fold outer cross-validation of text and lr-cv "
                   "over every tagged cable (each a test cable once)")
    p.add_argument("--no-text", action="store_true",
                   help="leave out the text suggester (topics.tagtext)")
    p.add_argument("--engines", help="print the engines table for these engine:K specs "
                   "(plda, llda, lda-gibbs, seeded = lda-gibbs with DEV_SEEDS, plda-seeded = plda with "
                   "DEV_SEEDS); needs --run")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if not (args.store / "cables.parquet").is_file():
        print(f"bench tags: no corpus store at {args.store}; ingest the dev zip first:\n"
              "  cable-topics ingest ../shared/data/cablegate-dev/cables-4000.zip --out "
              f"{args.store}", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    p_no_text = args.no_text
    if args.run:
        from topics.stages import load_cable_meta, load_dtm

        dtm = load_dtm(args.run / "dtm")
        tags = [t or [] for t in load_cable_meta(args.store.resolve(), dtm.refs)
                .column("subject_tags").to_pylist()]
    else:
        dtm, tags = _prep(args.store, args.work)
    if args.engines:
        engines_table(dtm, tags, args.run or args.work / "prep", args.store, args.engines,
                      args.iterations, args.infer_iterations)
        return 0
    texts = None if p_no_text else _texts(args.store, dtm.refs)
    if args.outer_folds is not None:
        if texts is None or args.outer_folds < 2:
            raise SystemExit("bench tags: --outer-folds needs N >= 2 and the text suggester")
        outer_cv(dtm, tags, texts, args.outer_folds, int(args.seeds.split(",")[0]))
        return 0
    if args.heldout:
        heldout_check(dtm, tags, texts, args.run or args.work / "prep", args.store,
                      args.heldout, int(args.seeds.split(",")[0]))
        return 0
    results = []
    per_tag = {}
    versus = {}
    reports = {}
    for engine, k in parse_specs(args.specs):
        for seed in (int(s) for s in args.seeds.split(",")):
            t0 = time.perf_counter()
            _, report = build_suggester(dtm, tags, engine=engine, n_topics=k, seed=seed,
                                        params={"iterations": args.iterations,
                                                "infer_iterations": args.infer_iterations},
                                        texts=texts)
            total = time.perf_counter() - t0
            if "text" in report["methods"]:
                versus[(f"{engine}:{k}", seed)] = _versus_table(report)
            for method, e in report["methods"].items():
                results.append({"spec": f"{engine}:{k}", "seed": seed, "method": method,
                                "micro_f1": e["micro_f1"],
                                "micro_f1_specific": e.get("micro_f1_specific"),
                                "specific_ge_0_5": e.get("specific_f1_ge_0_5"),
                                "n_specific": e.get("n_specific"),
                                "chosen": method == report["chosen"],
                                "fit_model_s": report["seconds"]["fit_model"],
                                "total_s": round(total, 1), "lr_C": report["lr_C"],
                                "n_labels": len(report["labels"]), "split": report["split"]})
                per_tag[(f"{engine}:{k}", seed, method)] = {
                    r["tag"]: r for r in e["per_tag"] if r["tag"] in report["specific_tags"]}
            specific = report["specific_tags"]
            reports[f"{engine}:{k}:{seed}"] = report
            (args.work / "results.json").write_text(json.dumps(
                {"results": results, "specific_tags": specific, "reports": reports}, indent=1))
    print(f"\nTAG suggestion on {args.store} ({dtm.n_docs:,} modelled cables, "
          f"{sum(map(bool, tags)):,} with TAGS); test = 25% of the tagged cables; "
          f"{args.iterations} iterations, {args.infer_iterations} per cable to infer\n")
    print_table(
        ["spec", "seed", "method", "micro-F1 (all labels)", "micro-F1 (20 specific)",
         "specific TAGS F1 >= 0.5", "chosen on calib.", "model fit s"],
        [[r["spec"], r["seed"], r["method"], f"{r['micro_f1']:.3f}",
          f"{r['micro_f1_specific']:.3f}", f"{r['specific_ge_0_5']}/{r['n_specific']}",
          "yes" if r["chosen"] else "", f"{r['fit_model_s']:.1f}"] for r in results])
    keys = list(per_tag)
    print("\nper-TAG F1 (test cables; support = test cables carrying the TAG)\n")
    rows = []
    for tag in specific:
        first = next((per_tag[k][tag] for k in keys if tag in per_tag[k]), None)
        rows.append([tag, first["support"] if first else 0] +
                    [f"{per_tag[k][tag]['f1']:.2f}" if tag in per_tag[k] else "-" for k in keys])
    print_table(["TAG", "support"] + [f"{s} s{seed} {m}" for s, seed, m in keys], rows)
    for (spec, seed), vrows in versus.items():
        print(f"\n{spec} seed {seed}: text (ours) against the better-scoring baseline, test "
              "cables (95% bootstrap interval of F1, 1,000 resamples of the test cables)\n")
        print_table(["TAG", "test positives", "ours P", "ours R", "ours F1 [95%]",
                     "baseline F1", "ours >= 0.5"], vrows)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
