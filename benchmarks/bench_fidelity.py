"""Parser fidelity on real cables: the 4,000 Cablegate pages of ``../shared/data/cablegate-dev``.

``python -m benchmarks fidelity [--zip PATH] [--manifest PATH] [--store DIR] [--n-jobs 2]
[--examples 5]``

Ingests the zip as it is (``CorpusStore.ingest([zip], out=..., n_jobs=N)``) in a child
process (wall time and peak RSS of the process tree), then compares every stored cable
with its page (`benchmarks.fidelity`): field agreement with ``MANIFEST.csv``, rejects by
reason, cables losing 50+ words of their marked paragraphs, words lost, and boilerplate
left in bodies. ``--store`` reuses an existing store instead of ingesting.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, child_report, print_table, run_child
from benchmarks.fidelity import compare, read_manifest, read_pages

DEV = ROOT.parent / "shared" / "data" / "cablegate-dev"


def ingest(zip_path: Path, out: Path, n_jobs: int) -> dict:
    from corpora.store import CorpusStore

    t0 = time.perf_counter()
    store = CorpusStore.ingest([zip_path], out=out, n_jobs=n_jobs)
    return {"seconds": time.perf_counter() - t0, "kept": len(store)}


def load(store_dir: Path) -> tuple[dict, dict]:
    """Stored records by ref and reject reasons by ref (or member name)."""
    from corpora.store import CorpusStore

    store = CorpusStore(store_dir)
    cols = ["ref", "date", "classification", "origin", "tags", "subject", "references",
            "classified_by", "reasons", "body"]
    table = store.to_pandas()
    records = {r["ref"]: r for r in table[cols].to_dict("records")}
    for r in records.values():
        r["date"] = r["date"].to_pydatetime() if r["date"] is not None else None
        for key in ("tags", "references"):
            r[key] = list(r[key]) if r[key] is not None else None
        for key in ("subject", "classified_by", "reasons", "body"):
            if not isinstance(r[key], str):
                r[key] = None  # pandas gives NaN for a missing string
    rejects = {}
    for rej in store.rejects():
        loc = str(rej.get("locator") or "")
        # "member 2007/10/07MANAMA963.html 07MANAMA963": the member name and the ref
        for k in loc.split()[1:]:
            rejects[k.removesuffix(".html").rsplit("/", 1)[-1]] = rej["reason"]
    return records, rejects


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks fidelity", description=__doc__)
    ap.add_argument("--zip", type=Path, default=DEV / "cables-4000.zip")
    ap.add_argument("--manifest", type=Path, default=DEV / "MANIFEST.csv")
    ap.add_argument("--store", type=Path, default=None, help="reuse this store (no ingest)")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--examples", type=int, default=5, help="refs shown per problem")
    ap.add_argument("--child-ingest", nargs=3, metavar=("ZIP", "OUT", "N_JOBS"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_ingest:
        z, out, n = args.child_ingest
        print(child_report(**ingest(Path(z), Path(out), int(n))), flush=True)
        return 0
    if not args.zip.exists():
        print(f"fidelity: {args.zip} not found (needs ../shared/data/cablegate-dev)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fidelity-") as tmp:
        store_dir = args.store
        timing = None
        if store_dir is None:
            store_dir = Path(tmp) / "store"
            res = run_child([sys.executable, "-m", "benchmarks", "fidelity", "--child-ingest",
                             str(args.zip), str(store_dir), str(args.n_jobs)])
            if res.returncode != 0:
                print(res.stderr[-3000:], file=sys.stderr)
                return 1
            timing = (res.wall_s, res.report.get("seconds"), res.peak_rss)
        records, rejects = load(store_dir)
        manifest = read_manifest(args.manifest)
        rep = compare(read_pages(args.zip, manifest), records, rejects)
    print_table(["measure", "value", "target"], rep.rows())
    if timing is not None:
        wall, inner, rss = timing
        print()
        print_table(["ingest of the zip", "wall s", "ingest s", "peak RSS MB", "n_jobs"],
                    [["CorpusStore.ingest", wall, inner, rss / 2**20, args.n_jobs]])
    ex = args.examples
    print("\nexamples:")
    for name, refs in sorted(rep.disagree_refs.items()):
        print(f"  {name} disagrees: {' '.join(refs[:ex])}")
    for reason, refs in sorted(rep.reject_refs.items()):
        print(f"  rejected ({reason}): {' '.join(refs[:ex])}")
    print(f"  body text in reasons: {' '.join(rep.body_in_reasons[:ex])}")
    worst = sorted(rep.lost_cables, key=lambda t: -t[1])[:ex]
    print(f"  most words lost: {json.dumps(worst)}")
    for name, refs in sorted(rep.leftover_refs.items()):
        print(f"  {name} left in: {' '.join(refs[:ex])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
