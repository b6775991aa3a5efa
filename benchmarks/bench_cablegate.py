"""Cablegate scale: generated cables with real statistics, raw files to report (issue 16).

``python -m benchmarks cablegate [--sizes 25000,100000,251287] [--k 50] [--work DIR]``

For each size N the benchmark writes N cables of the ``cablegate`` profile of
`corpora.synthetic` (real Cablegate lengths, a 40,000-word Zipf vocabulary, 50 planted
themes; generation is not timed) as raw files, 100 a file, then runs the whole road in
one child process: ``topics.pipeline.run`` with the default config, the files as
``corpus.sources`` (so the run's ``ingest`` stage reads them, as ``cable-topics ingest``
does) and ``model.n_topics = K``, through the report. Per stage it records

- wall seconds,
- CPU seconds of the process tree (this process, its finished children and its live ones),
- peak RSS and peak PSS of the process tree (polled every 0.2 s; PSS counts pages shared
  between forked workers once, RSS counts them in every process),

and, at the end, the agreement of the run's themes with the planted themes (adjusted
mutual information and adjusted Rand index over the cables the run modelled). The table
goes to stdout and, with every number, to ``WORK/results.json`` and ``WORK/results.md``
(appended as sizes finish, so a killed run keeps what it measured).

The budget of issue 16: 251,287 cables in <= 15 min with peak memory <= 4 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.common import ROOT, markdown_table

STAGE_NAMES = ("ingest", "tokenize", "vectorize", "model", "themes", "evaluate", "report")
CABLEGATE_N = 251_287
_START_RE = re.compile(r"^stage (\w+): running")
_DONE_RE = re.compile(r"^stage (\w+): (done|cached)")


# --- measuring a process tree from inside -------------------------------------------------

def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMeter:
    """Polls this process and its descendants: peak RSS and PSS since the last `reset`."""

    def __init__(self, interval: float = 0.2):
        import psutil

        self._psutil = psutil
        self.me = psutil.Process()
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss_kb = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _procs(self):
        try:
            return [self.me, *self.me.children(recursive=True)]
        except self._psutil.Error:
            return [self.me]

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            procs = self._procs()
            rss = pss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except self._psutil.Error:
                    continue
                pss += _pss_kb(p.pid)
            with self._lock:
                self.peak_rss = max(self.peak_rss, rss)
                self.peak_pss_kb = max(self.peak_pss_kb, pss)

    def cpu_seconds(self) -> float:
        """CPU (user + system) of this process, its waited-for children and live ones, and
        the children those live ones waited for (a forkserver's pool workers: ingest's
        parsing processes are not this process's children)."""
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        total = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
        for p in self._procs()[1:]:
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except self._psutil.Error:
                pass
        return total

    def reset(self) -> tuple[int, int]:
        """(peak RSS bytes, peak PSS bytes) since the last reset; starts a new window."""
        with self._lock:
            out = (self.peak_rss, self.peak_pss_kb * 1024)
            self.peak_rss = self.peak_pss_kb = 0
        return out

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class _StageHook(logging.Handler):
    """Turns the pipeline's ``stage X: running`` / ``done`` log lines into measurements."""

    def __init__(self, meter: TreeMeter):
        super().__init__(logging.INFO)
        self.meter = meter
        self.rows: list[dict] = []
        self._open: dict | None = None

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if m := _START_RE.match(msg):
            self.meter.reset()
            self._open = {"stage": m.group(1), "t0": time.perf_counter(),
                          "cpu0": self.meter.cpu_seconds()}
        elif (m := _DONE_RE.match(msg)) and self._open and self._open["stage"] == m.group(1):
            rss, pss = self.meter.reset()
            o = self._open
            self.rows.append({
                "stage": o["stage"],
                "wall_s": time.perf_counter() - o["t0"],
                "cpu_s": self.meter.cpu_seconds() - o["cpu0"],
                "peak_rss": rss,
                "peak_pss": pss,
            })
            self._open = None
            print(json.dumps({"stage_done": self.rows[-1]}), flush=True)
            # also in the child's log: a run stopped by --timeout keeps its finished stages
            print(json.dumps({"stage_done": self.rows[-1]}), file=sys.stderr, flush=True)


def child(config_path: Path, run_dir: Path) -> int:
    """Run the whole road of ``config_path`` into ``run_dir``; print one JSON report."""
    from topics.config import RunConfig
    from topics.pipeline import run

    cfg = RunConfig.load(config_path)
    meter = TreeMeter()
    hook = _StageHook(meter)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("topics.pipeline").addHandler(hook)
    t0 = time.perf_counter()
    cpu0 = meter.cpu_seconds()
    try:
        run(cfg, run_dir, force=True)
    finally:
        meter.stop()
    print(json.dumps({"stages": hook.rows, "total_wall_s": time.perf_counter() - t0,
                      "total_cpu_s": meter.cpu_seconds() - cpu0}), flush=True)
    return 0


# --- the tokenize + vectorize road alone, str against ids --------------------------------

def micro(n: int, seed: int, n_jobs: int = 2) -> list[list]:
    """CPU seconds of each step of tokenize + vectorize on ``n`` cablegate-profile bodies.

    The str road (``tokenize_corpus``, gensim ``Phrases``, ``PhraseModel.apply``,
    ``pa.array`` of lists, ``build_dtm``) against the id road (`topics.tokenids`), same
    tokenizer, same process; CPU is this process plus its workers, so the numbers hold on
    a shared machine where wall time does not.
    """
    import pyarrow as pa

    from corpora.synthetic import iter_synthetic_cables
    from topics.names import learn_person_names
    from topics.text import TextOptions, learn_phrases, tokenize_corpus
    from topics.vectorize import build_dtm

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    bodies = [c.text.split("\n\n", 6)[-1]
              for c in iter_synthetic_cables(n, seed=seed, profile="cablegate")]
    refs = [f"r{i}" for i in range(n)]
    # Names learned once here, so neither road learns them again (a placeholder when the
    # corpus has none: an empty tuple means "learn them").
    names = learn_person_names(bodies) or {"no-such-name"}
    opts = TextOptions(phrases=False, person_names=tuple(sorted(names)))
    rows = []
    t = cpu()
    docs = tokenize_corpus(bodies, opts, n_jobs=n_jobs)
    n_tok = sum(map(len, docs))
    rows.append(["str", "tokenize", cpu() - t, n_tok / max(cpu() - t, 1e-9)])
    t = cpu()
    model = learn_phrases(docs, 5, 10.0)
    docs = [model.apply(d) for d in docs]
    rows.append(["str", "phrases (gensim) + apply", cpu() - t, ""])
    t = cpu()
    pa.array(docs, pa.list_(pa.string()))
    build_dtm(docs, refs, min_df=3, max_df=0.5, max_terms=20000)
    rows.append(["str", "table + build_dtm", cpu() - t, ""])
    del docs
    try:
        from topics.phrases_ids import apply_phrases_ids, learn_phrases_ids
        from topics.tokenids import count_matrix_ids, ids_from_table, token_table, tokenize_ids
    except ImportError:
        return rows
    t = cpu()
    corpus = tokenize_ids(bodies, opts, n_jobs=n_jobs)
    rows.append(["ids", "tokenize", cpu() - t, corpus.n_tokens / max(cpu() - t, 1e-9)])
    t = cpu()
    model2 = learn_phrases_ids(corpus, 5, 10.0)
    corpus = apply_phrases_ids(model2, corpus)
    rows.append(["ids", "phrases (numpy) + apply", cpu() - t, ""])
    t = cpu()
    table = token_table(refs, refs, corpus)
    count_matrix_ids(ids_from_table(table.column("tokens")), refs, min_df=3, max_df=0.5,
                     max_terms=20000)
    rows.append(["ids", "table + count_matrix_ids", cpu() - t, ""])
    if model2.to_dict() != model.to_dict():
        raise AssertionError("micro: the id road found other phrases than gensim")
    return rows


# --- the parent ------------------------------------------------------------------------------

def make_corpus(n: int, seed: int, folder: Path, per_file: int) -> Path:
    """Generate (once) ``n`` cablegate-profile cables under ``folder``."""
    from corpora.synthetic import generate_corpus

    done = folder / ".complete"
    if done.is_file() and done.read_text() == f"{n} {seed} {per_file} cablegate":
        return folder
    t0 = time.perf_counter()
    generate_corpus(folder, n, seed, per_file, profile="cablegate", progress_every=25_000)
    done.write_text(f"{n} {seed} {per_file} cablegate")
    logging.info("generated %d cables in %.0f s", n, time.perf_counter() - t0)
    return folder


def write_config(path: Path, sources: Path, k: int, store: Path | None = None) -> Path:
    """The default config with these sources (or an ingested ``store``) and K topics."""
    from topics.config import RunConfig

    data = RunConfig().to_dict()
    data["name"] = f"cablegate-{path.parent.name}"
    if store is not None:
        data["corpus"]["store"] = str(store)
        data["corpus"]["sources"] = []
    else:
        data["corpus"]["sources"] = [str(sources)]
    data["model"]["n_topics"] = k
    cfg = RunConfig.from_dict(data)
    path.write_text(cfg.to_toml(), encoding="utf-8")
    return path


def theme_agreement(run_dir: Path, truth_csv: Path) -> dict:
    """AMI and ARI of the run's themes against the planted themes."""
    import pyarrow.parquet as pq
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

    with open(truth_csv, encoding="utf-8") as fh:
        truth = {r["ref"]: int(r["theme"]) for r in csv.DictReader(fh)}
    doc = pq.read_table(run_dir / "doc_topics.parquet", columns=["ref", "theme"]).to_pydict()
    pairs = [(truth[r], t) for r, t in zip(doc["ref"], doc["theme"], strict=True) if r in truth]
    planted = [p for p, _ in pairs]
    found = [t for _, t in pairs]
    return {"n_scored": len(pairs), "n_truth": len(truth),
            "ami": float(adjusted_mutual_info_score(planted, found)),
            "ari": float(adjusted_rand_score(planted, found))}


def measure_size(n: int, args, work: Path) -> dict:
    corpora = args.corpora.resolve() if args.corpora else work
    folder = make_corpus(n, args.seed, corpora / f"corpus-{n}", args.per_file)
    run_dir = work / f"run-{n}"
    store = None
    if args.store_from:
        store = (args.store_from / f"run-{n}" / "store").resolve()
        if not (store / "cables.parquet").is_file():
            raise SystemExit(f"--store-from: no store at {store} (run the benchmark there first)")
    cfg = write_config(work / f"run-{n}.toml", folder / "cables", args.k, store)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    log_path = work / f"run-{n}.child.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_cablegate", "--child", str(cfg),
             str(run_dir)],
            stdout=subprocess.PIPE, stderr=log, text=True, env=env,
            timeout=args.timeout, check=False,
        )
    wall = time.perf_counter() - t0
    report: dict = {}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith('{"stages"'):
            report = json.loads(line)
            break
    result = {"n": n, "k": args.k, "returncode": proc.returncode, "wall_s": wall,
              "loadavg_before": load0, "loadavg_after": os.getloadavg(), **report}
    if proc.returncode != 0:
        result["error"] = f"child failed (exit {proc.returncode}); see {log_path}"
        return result
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    counts = {s: r.get("counts", {}) for s, r in manifest.get("stages", {}).items()}
    result["counts"] = counts
    result["quality"] = theme_agreement(run_dir, folder / "truth.csv")
    return result


def table_rows(results: list[dict]) -> list[list]:
    rows = []
    for r in results:
        if "stages" not in r:
            rows.append([f"{r['n']:,}", "failed", r.get("error", ""), "", "", ""])
            continue
        for s in r["stages"]:
            rows.append([f"{r['n']:,}", s["stage"], s["wall_s"], s["cpu_s"],
                         s["peak_rss"] / 2**20, s["peak_pss"] / 2**20])
        peak_rss = max(s["peak_rss"] for s in r["stages"])
        peak_pss = max(s["peak_pss"] for s in r["stages"])
        rows.append([f"{r['n']:,}", "**total**", r["total_wall_s"], r["total_cpu_s"],
                     peak_rss / 2**20, peak_pss / 2**20])
    return rows


def summary_rows(results: list[dict]) -> list[list]:
    rows = []
    for r in results:
        if "quality" not in r:
            continue
        c = r.get("counts", {})
        tok = c.get("tokenize", {})
        vec = c.get("vectorize", {})
        t_tok = next((s["wall_s"] for s in r["stages"] if s["stage"] == "tokenize"), 0.0)
        n_tokens = int(tok.get("n_tokens", 0))
        rows.append([f"{r['n']:,}", n_tokens, vec.get("n_terms", 0),
                     n_tokens / t_tok if t_tok else 0.0, r["quality"]["ami"],
                     r["quality"]["ari"], r["quality"]["n_scored"],
                     "{:.1f} / {:.1f}".format(r["loadavg_before"][0], r["loadavg_after"][0])])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks cablegate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="25000,100000,251287",
                        help="comma-separated corpus sizes (default 25000,100000,251287)")
    parser.add_argument("--k", type=int, default=50, help="number of topics (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-file", type=int, default=100, help="cables per raw file")
    parser.add_argument("--work", type=Path, default=Path("runs/bench-cablegate"),
                        help="where corpora, runs and results go (default runs/bench-cablegate)")
    parser.add_argument("--corpora", type=Path, default=None,
                        help="where the generated corpora go (default: --work); shared "
                        "between runs, generated once")
    parser.add_argument("--timeout", type=float, default=3 * 3600,
                        help="seconds one size may take (default 3 h)")
    parser.add_argument("--store-from", type=Path, default=None, metavar="WORK",
                        help="reuse the stores ingested by an earlier run in WORK "
                        "(run-N/store): ingest is then only opened, not timed")
    parser.add_argument("--micro", type=int, default=0, metavar="N",
                        help="only time tokenize + vectorize steps (CPU s) on N bodies, "
                        "the str road against the id road")
    parser.add_argument("--child", nargs=2, metavar=("CONFIG", "RUN_DIR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(Path(args.child[0]), Path(args.child[1]))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        stream=sys.stderr)
    if args.micro:
        print(markdown_table(["road", "step", "CPU s", "tokens per CPU s"],
                             micro(args.micro, args.seed)), flush=True)
        return 0
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers. Got {args.sizes!r}.")
    if not sizes or min(sizes) < 100:
        parser.error(f"--sizes must be integers >= 100. Got {args.sizes!r}.")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    headers = ["cables", "stage", "wall s", "CPU s", "peak RSS MB", "peak PSS MB"]
    for n in sizes:
        try:
            res = measure_size(n, args, work)
        except subprocess.TimeoutExpired:
            res = {"n": n, "error": f"timed out after {args.timeout:.0f} s"}
        results.append(res)
        with open(work / "results.json", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(res) + "\n")
        table = markdown_table(headers, table_rows([res]))
        with open(work / "results.md", "a", encoding="utf-8") as fh:
            fh.write(table + "\n\n")
    print(markdown_table(headers, table_rows(results)), flush=True)
    print(flush=True)
    print(markdown_table(
        ["cables", "tokens", "terms", "tokenize tokens/s", "AMI", "ARI", "scored",
         "load avg before / after"], summary_rows(results)), flush=True)
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
