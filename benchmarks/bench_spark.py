"""The Spark road against the single-machine road on the same corpus (docs/spark.md).

``python -m benchmarks spark [--n N | --real] [--master local[2]] [--topics K] [--sample S]``

Each road runs the whole pipeline (ingest to report, the default config but for
``[backend]``) in its own child process: wall time, peak RSS of the process tree (the
Spark JVM and its Python workers included) and every stage's seconds from the run's
manifest. Themes agreement is the adjusted mutual information (and adjusted Rand index)
between the two roads' theme labels over the cables both modelled; with generated cables
the planted themes' agreement with each road is shown too.

``--store STORE --until vectorize`` starts both roads from an ingested store and stops
after the named stage; the Spark tokenize stage's steps are then tabled (wall time and
the process tree's peak RSS during each), and both roads' ``tokens.parquet``,
``token_vocab.parquet``, ``phrases.json`` and ``dtm/`` compared file by file.

``--real`` uses the 4,000 real Cablegate pages of ``../shared/data/cablegate-dev``;
otherwise ``--n`` cables are generated with `corpora.synthetic.generate_corpus`
(``--profile cablegate`` for cable-like lengths and a ~25,000-term Zipfian vocabulary).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT, child_report, print_table, run_child

REAL = ROOT.parent / "shared" / "data" / "cablegate-dev" / "cables-4000.zip"


def _child(road: str, config: str, run_dir: str, until: str = "report") -> int:
    import logging
    import threading

    import psutil

    from topics.config import RunConfig
    from topics.pipeline import run

    # each Spark tokenize step's wall time (its log line) and the process tree's peak RSS
    # during it
    me, peak, steps = psutil.Process(), [0], {}

    def tree() -> int:
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        return total

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], tree())
            time.sleep(0.25)

    class Steps(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            msg = record.getMessage()
            if msg.startswith("tokenize step "):
                name, seconds = msg[len("tokenize step "):].split(": ")
                steps[name] = {"s": float(seconds.split()[0]), "peak_mb": peak[0] / 2**20}
                peak[0] = tree()

    logging.getLogger("topics.spark").addHandler(Steps())
    logging.getLogger("topics.spark").setLevel(logging.INFO)
    threading.Thread(target=sample, daemon=True).start()
    cfg = RunConfig.load(config)
    t0 = time.perf_counter()
    run(cfg, run_dir, until=until)
    wall = time.perf_counter() - t0
    manifest = json.loads((Path(run_dir) / "manifest.json").read_text())
    stages = {k: v.get("seconds") for k, v in manifest["stages"].items()}
    print(child_report(road=road, wall_s=wall, stages=stages, steps=steps,
                       counts={k: v.get("counts") for k, v in manifest["stages"].items()}),
          flush=True)
    return 0


def _config_text(sources: str, road: str, args) -> str:
    source = (f"store = {json.dumps(str(Path(args.store).resolve()))}" if args.store
              else f"sources = [{json.dumps(sources)}]")
    lines = ['name = "bench-spark"', "seed = 0", "", "[corpus]", source, "", "[model]",
             f"n_topics = {args.topics}", "", "[backend]",
             f'engine = "{"spark" if road == "spark" else "local"}"',
             f"master = {json.dumps(args.master)}", f"sample = {args.sample}", "",
             "[backend.conf]", f'"spark.driver.memory" = {json.dumps(args.driver_memory)}',
             '"spark.ui.enabled" = false']
    return "\n".join(lines) + "\n"


def _agreement(run_a: Path, run_b: Path, truth: dict | None) -> dict:
    import pyarrow.parquet as pq
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

    a = pq.read_table(run_a / "doc_topics.parquet", columns=["ref", "theme"]).to_pydict()
    b = pq.read_table(run_b / "doc_topics.parquet", columns=["ref", "theme"]).to_pydict()
    tb = dict(zip(b["ref"], b["theme"], strict=True))
    common = [(t, tb[r], r) for r, t in zip(a["ref"], a["theme"], strict=True) if r in tb]
    out = {"n_common": len(common), "n_a": len(a["ref"]), "n_b": len(b["ref"])}
    if common:
        la, lb, refs = zip(*common, strict=True)
        out["ami"] = adjusted_mutual_info_score(la, lb)
        out["ari"] = adjusted_rand_score(la, lb)
        if truth:
            keep = [i for i, r in enumerate(refs) if r in truth]
            planted = [truth[refs[i]] for i in keep]
            out["ami_truth_a"] = adjusted_mutual_info_score(planted, [la[i] for i in keep])
            out["ami_truth_b"] = adjusted_mutual_info_score(planted, [lb[i] for i in keep])
    return out


def _truth(corpus: Path) -> dict | None:
    import csv

    path = corpus / "truth.csv"
    if not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return None
    key = "theme" if "theme" in rows[0] else next(k for k in rows[0] if k != "ref")
    return {r["ref"]: r[key] for r in rows}


def _unpack(archive: Path, folder: Path, limit: int) -> Path:
    """The archive's HTML pages (the first ``limit``, 0 = all) unpacked under ``folder``."""
    import zipfile

    target = folder / f"pages-{limit or 'all'}"
    if not (target / ".done").is_file():
        with zipfile.ZipFile(archive) as zf:
            names = sorted(n for n in zf.namelist() if n.endswith(".html"))
            for name in names[:limit] if limit else names:
                dest = target / name
                if ".." in Path(name).parts:
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(zf.read(name))
        (target / ".done").write_text("")
    return target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks spark", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=4000, help="generated cables (default 4000)")
    p.add_argument("--real", action="store_true", help="the 4,000 real dev cables instead")
    p.add_argument("--limit", type=int, default=0,
                   help="with --real: only the first N pages (0 = all 4,000)")
    p.add_argument("--profile", default="default", help="corpora.synthetic profile")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--topics", type=int, default=20)
    p.add_argument("--sample", type=int, default=50000,
                   help="[backend] sample: cables the Spark road fits on (0 = all)")
    p.add_argument("--driver-memory", default="4g")
    p.add_argument("--roads", default="local,spark")
    p.add_argument("--out", default="/tmp/cable-topics-bench-spark")
    p.add_argument("--timeout", type=float, default=3600.0, help="per road, seconds")
    p.add_argument("--store", default="",
                   help="an ingested corpus store to start from (ingest is not run)")
    p.add_argument("--until", default="report",
                   help="the last stage to run, e.g. tokenize or vectorize (default report)")
    p.add_argument("--child", nargs=4, metavar=("ROAD", "CONFIG", "RUN_DIR", "UNTIL"),
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return _child(*args.child)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.store:
        sources, truth = Path(args.store), None
        label = f"the store {args.store}"
    elif args.real:
        if not REAL.is_file():
            print(f"bench spark: {REAL} is absent (../shared not checked out)", file=sys.stderr)
            return 2
        # unpacked (outside the repository), so both roads parse the pages in parallel:
        # an archive is one file, read by one task
        sources, truth = _unpack(REAL, out / "cablegate-dev", args.limit), None
        label = f"{sum(1 for _ in sources.rglob('*.html')):,} real Cablegate cables"
    else:
        from corpora.synthetic import generate_corpus

        sources = out / f"corpus-{args.profile}-{args.n}"
        if not (sources / "truth.csv").is_file():
            t0 = time.perf_counter()
            generate_corpus(sources, args.n, seed=0, cables_per_file=100,
                            profile=args.profile)
            print(f"generated {args.n:,} cables in {time.perf_counter() - t0:.0f} s",
                  flush=True)
        label, truth = f"{args.n:,} generated cables ({args.profile})", _truth(sources)
    tag = ("store-" + Path(args.store).name if args.store else
           "real" if args.real else f"{args.profile}-{args.n}")
    results: dict = {"corpus": label, "master": args.master, "topics": args.topics,
                     "sample": args.sample, "roads": {}}
    for road in args.roads.split(","):
        run_dir = out / f"run-{tag}-{road}"
        if run_dir.exists():
            import shutil

            shutil.rmtree(run_dir)
        config = out / f"config-{tag}-{road}.toml"
        config.write_text(_config_text(str(sources), road, args))
        res = run_child([sys.executable, "-m", "benchmarks.bench_spark", "--child", road,
                         str(config), str(run_dir), args.until], poll_s=0.25, timeout_s=args.timeout)
        if res.returncode != 0:
            # the whole stderr goes to a file: a JVM's shutdown traces can fill the last
            # few thousand characters and hide the Python error that stopped the road
            log = out / f"{road}-{tag}.stderr.log"
            log.write_text(res.stderr or "", encoding="utf-8")
            errors = [ln for ln in (res.stderr or "").splitlines()
                      if "Error" in ln or "Exception:" in ln][:20]
            print("\n".join(errors) + "\n...\n" + (res.stderr or "")[-4000:], file=sys.stderr)
            print(f"bench spark: the {road} road failed (exit {res.returncode}); its whole "
                  f"stderr: {log}", file=sys.stderr)
            return 1
        results["roads"][road] = {"wall_s": res.wall_s, "peak_rss_mb": res.peak_rss / 2**20,
                                  "stages": res.report.get("stages", {}),
                                  "counts": res.report.get("counts", {}),
                                  "steps": res.report.get("steps", {}), "run": str(run_dir)}
        print(f"{road}: {res.wall_s:.0f} s, peak RSS {res.peak_rss / 2**20:,.0f} MB",
              flush=True)
    roads = list(results["roads"])
    if len(roads) == 2 and args.until == "report":
        results["agreement"] = _agreement(Path(results["roads"][roads[0]]["run"]),
                                          Path(results["roads"][roads[1]]["run"]), truth)
    stages = ["ingest", "tokenize", "vectorize", "model", "themes", "evaluate", "report"]
    rows = []
    for road, r in results["roads"].items():
        rows.append([road, *[f"{(r['stages'].get(s) or 0):.1f}" for s in stages],
                     f"{r['wall_s']:.0f}", f"{r['peak_rss_mb']:,.0f}"])
    print(f"\n{label}, K = {args.topics}, Spark master {args.master}, "
          f"sample {args.sample or 'all'}\n")
    print_table(["road", *[f"{s} s" for s in stages], "wall s", "peak RSS MB"], rows)
    if len(roads) == 2:
        a, b = (Path(results["roads"][r]["run"]) for r in roads)
        same = {}
        for name in ("tokens.parquet", "token_vocab.parquet", "phrases.json", "genres.json",
                     "dtm/dtm.npz"):
            if (a / name).is_file() and (b / name).is_file():
                same[name] = (a / name).read_bytes() == (b / name).read_bytes()
        results["same_files"] = same
        print(f"\nbyte-identical outputs of the two roads: {same}")
    step_rows = [[road, name, f"{v['s']:.1f}", f"{v['peak_mb']:,.0f}"]
                 for road, r in results["roads"].items()
                 for name, v in r.get("steps", {}).items()]
    if step_rows:
        print("\nthe Spark tokenize stage's steps (peak RSS of the process tree during each)\n")
        print_table(["road", "step", "wall s", "peak RSS MB"], step_rows)
    if "agreement" in results:
        ag = results["agreement"]
        line = (f"\nthemes agreement local vs spark over {ag['n_common']:,} cables: "
                f"AMI {ag.get('ami', float('nan')):.3f}, ARI {ag.get('ari', float('nan')):.3f}")
        if "ami_truth_a" in ag:
            line += (f"; planted themes AMI: {roads[0]} {ag['ami_truth_a']:.3f}, "
                     f"{roads[1]} {ag['ami_truth_b']:.3f}")
        print(line)
    (out / f"results-{tag}.json").write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
