"""Ingest throughput: `CorpusStore.ingest` against the I/O floor on synthetic raw cables.

``python -m benchmarks ingest [--n 250000] [--seed 0] [--per-file 1] [--repeats 1]
[--n-jobs 2] [--workdir DIR] [--corpus DIR]``

Generates ``--n`` synthetic cables with `corpora.synthetic.generate_corpus` (raw format,
one file per cable by default), then runs, each in its own child process so its peak RSS
can be measured:

* **floor**: a bare loop that reads the same files (sorted walk), decodes them and writes
  the unparsed text to Parquet with pyarrow (``path``, ``text``), 1,000 rows or 32 MB a
  batch.
  Nothing an ingest can do is cheaper than this.
* **ingest**: ``CorpusStore.ingest([corpus], out=store, format="auto", n_jobs=N)``.

With ``--workdir`` the generated corpus is kept there and reused by later runs with the
same ``--n``, ``--seed`` and ``--per-file`` (``corpus/PARAMS.json`` records them), so a
250,000-cable corpus is generated once. ``--corpus DIR`` reads an existing folder of raw
files instead (read only; e.g. the ``cables`` folder of a ``python -m benchmarks
cablegate`` corpus); ``--n`` is then the number of cables it holds, as ingest counts them.

Besides wall time, each child reports its CPU seconds (its own, its children's and those
of a forkserver's pool workers: ingest's parsing processes), so the table gives the CPU
per cable and the CPU ratio to the floor, which a shared machine disturbs less than the
wall ratio; the load average is printed before and after.

Every file is read once, untimed, before the floor, so both runs find the corpus in the
page cache (a cold floor would flatter the ratio). Throughput is timed inside the child
(imports and interpreter start excluded); the table reports cables/s, MB/s, peak RSS and
the ratio to the floor, with the targets (ingest < 3x the floor, peak RSS < 1 GB) beside.
Medians over ``--repeats``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import child_report, print_table, run_child

TARGET_RATIO = 3.0
TARGET_RSS = 1 << 30
_BATCH = 1000
_BATCH_BYTES = 32 << 20  # also flush every 32 MB (files of many cables), as ingest does


def _iter_files(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _warm_cache(corpus: Path) -> None:
    """Read every file once, untimed, so the floor does not pay for a cold page cache that
    the ingest after it would not (that would flatter the ratio)."""
    for path in _iter_files(corpus):
        path.read_bytes()


def floor(corpus: Path, out: Path) -> dict:
    """Read every file under ``corpus`` and write its unparsed text to ``out`` (Parquet)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("path", pa.string()), ("text", pa.string())])
    t0 = time.perf_counter()
    n_files = n_bytes = batch_bytes = 0
    paths: list[str] = []
    texts: list[str] = []
    with pq.ParquetWriter(out, schema) as writer:
        for path in _iter_files(corpus):
            data = path.read_bytes()
            n_bytes += len(data)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            paths.append(str(path))
            texts.append(text)
            n_files += 1
            batch_bytes += len(data)
            if len(texts) == _BATCH or batch_bytes >= _BATCH_BYTES:
                writer.write_table(pa.table([paths, texts], schema=schema))
                paths, texts, batch_bytes = [], [], 0
        if texts:
            writer.write_table(pa.table([paths, texts], schema=schema))
    return {"seconds": time.perf_counter() - t0, "files": n_files, "bytes": n_bytes}


def cpu_seconds() -> float:
    """CPU (user + system) of this process, its waited-for children, its live children and
    the children those waited for (a forkserver's pool workers are not this process's)."""
    import psutil

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    try:
        live = psutil.Process().children(recursive=True)
    except psutil.Error:
        live = []
    for p in live:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def ingest(corpus: Path, out: Path, n_jobs: int = 2) -> dict:
    """`CorpusStore.ingest` the corpus into ``out``; count kept cables and rejects."""
    from corpora.store import CorpusStore

    c0 = cpu_seconds()
    t0 = time.perf_counter()
    store = CorpusStore.ingest([str(corpus)], out=str(out), format="auto", progress=None,
                               n_jobs=n_jobs)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "cpu_s": cpu_seconds() - c0, "cables": len(store),
            "rejects": len(store.rejects())}


def _child(argv: list[str]) -> int:
    what, corpus, out, n_jobs = argv
    if what == "floor":
        c0 = cpu_seconds()
        result = floor(Path(corpus), Path(out))
        result["cpu_s"] = cpu_seconds() - c0
    else:
        result = ingest(Path(corpus), Path(out), int(n_jobs))
    print(child_report(**result), flush=True)
    return 0


def _measure(what: str, corpus: Path, out: Path, repeats: int, n_jobs: int = 2) -> dict:
    runs = []
    for _ in range(repeats):
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        res = run_child(
            [sys.executable, "-m", "benchmarks.bench_ingest", "--child", what, str(corpus),
             str(out), str(n_jobs)]
        )
        if res.returncode != 0 or "seconds" not in res.report:
            raise RuntimeError(
                f"bench_ingest: the {what} child failed (exit {res.returncode}); "
                f"stderr tail:\n{res.stderr[-3000:]}"
            )
        runs.append(res)
    report = dict(runs[-1].report)
    report["seconds"] = statistics.median(r.report["seconds"] for r in runs)
    report["cpu_s"] = statistics.median(r.report["cpu_s"] for r in runs)
    report["peak_rss"] = max(r.peak_rss for r in runs)
    return report


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks ingest", description=__doc__)
    parser.add_argument("--n", type=int, default=250_000, help="cables (default 250,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-file", type=int, default=1, help="cables per file (default 1)")
    parser.add_argument("--repeats", type=int, default=1, help="median over this many runs")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep files here; a corpus generated there is reused")
    parser.add_argument("--n-jobs", type=int, default=2, help="ingest processes (default 2)")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="ingest this folder of raw files (read only) instead of a "
                             "generated corpus; --n must be the cables it holds")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeats < 1 or args.n_jobs < 1:
        parser.error(f"--n, --repeats and --n-jobs must be >= 1 (got {args.n}, "
                     f"{args.repeats}, {args.n_jobs})")

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        from corpora.synthetic import generate_corpus

        params = {"n": args.n, "seed": args.seed, "per_file": args.per_file}
        marker = work / "corpus" / "PARAMS.json"
        if args.corpus is not None:
            if not args.corpus.is_dir():
                parser.error(f"--corpus {args.corpus}: no such folder")
            corpus, gen_s, how = args.corpus, 0.0, f"read from {args.corpus}"
        elif marker.is_file() and json.loads(marker.read_text()) == params:
            corpus, gen_s, how = work / "corpus", 0.0, "reused from --workdir"
        else:
            if (work / "corpus").exists():
                shutil.rmtree(work / "corpus")
            t0 = time.perf_counter()
            corpus = generate_corpus(work / "corpus", args.n, args.seed, args.per_file)
            gen_s = time.perf_counter() - t0
            marker.write_text(json.dumps(params))
            how = f"generated in {gen_s:.1f} s"
        cables_dir = corpus if args.corpus is not None else corpus / "cables"
        load0 = os.getloadavg()
        n_bytes = sum(p.stat().st_size for p in _iter_files(cables_dir))
        mb = n_bytes / 1e6
        _warm_cache(cables_dir)  # both runs see the files in the page cache: a fair floor
        fl = _measure("floor", cables_dir, work / "floor.parquet", args.repeats)
        try:
            ing = _measure("ingest", cables_dir, work / "store", args.repeats, args.n_jobs)
        except RuntimeError as exc:
            ing = None
            reason = str(exc).strip().splitlines()[-1]
            print(f"ingest not measured: {exc}", file=sys.stderr)
        load1 = os.getloadavg()
        print(
            f"\n{args.n:,} cables ({mb:,.1f} MB; {how}), ingest n_jobs={args.n_jobs}, "
            f"median of {args.repeats}, python {sys.version.split()[0]}, {os.cpu_count()} "
            f"CPUs, load average {load0[0]:.2f} before, {load1[0]:.2f} after\n"
        )
        rows = [
            [
                "floor (read + write text to Parquet)",
                args.n,
                fl["seconds"],
                args.n / fl["seconds"],
                mb / fl["seconds"],
                fl["peak_rss"] / 1e6,
                1.0,
                fl["cpu_s"],
                fl["cpu_s"] * 1e3 / args.n,
                1.0,
                "",
            ]
        ]
        status = 0
        if ing is not None:
            ratio = ing["seconds"] / fl["seconds"]
            ok_ratio = ratio < TARGET_RATIO
            ok_rss = ing["peak_rss"] < TARGET_RSS
            status = 0 if ing["cables"] == args.n else 1
            rows.append(
                [
                    f"CorpusStore.ingest n_jobs={args.n_jobs} (kept {ing['cables']:,}, "
                    f"rejected {ing['rejects']:,})",
                    args.n,
                    ing["seconds"],
                    args.n / ing["seconds"],
                    mb / ing["seconds"],
                    ing["peak_rss"] / 1e6,
                    ratio,
                    ing["cpu_s"],
                    ing["cpu_s"] * 1e3 / args.n,
                    ing["cpu_s"] / max(fl["cpu_s"], 1e-9),
                    f"< {TARGET_RATIO:g}x floor: {'ok' if ok_ratio else 'MISSED'}; "
                    f"RSS < 1 GB: {'ok' if ok_rss else 'MISSED'}",
                ]
            )
        else:
            status = 1
            rows.append(["CorpusStore.ingest", args.n, "-", "-", "-", "-", "-", "-", "-", "-",
                         f"not measured: {reason}"])
        print_table(
            ["step", "cables", "seconds", "cables/s", "MB/s", "peak RSS MB", "x floor",
             "CPU s", "CPU ms/cable", "CPU x floor", "target"],
            rows,
        )
        return status
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
