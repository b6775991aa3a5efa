"""Hostile-input probes (issue 12): what one bad file, a kill or a second writer does.

``python -m benchmarks hostile [--old TREE] [--only NAME ...] [--kills N]`` runs each probe
in a child process (timeout, peak RSS) against this checkout and, with ``--old``, against
another checkout of the project (e.g. ``git worktree add /tmp/old <commit>``), and prints
the table "probe | before | after". ``--kills N`` adds N fault-injection kills
(`tests.hostile.test_fault_injection.faults`) on this checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from benchmarks.common import ROOT, print_table, run_child

SAMPLE = ROOT / "corpora" / "data" / "sample" / "cables"
SEED = SAMPLE / "2003" / "01" / "03SEOUL1.txt"

#: name -> (what it does, timeout s, Python code printing one JSON line {"outcome": ...}).
#: ``W`` is a scratch folder, ``SAMPLE`` and ``SEED`` as above.
PROBES: dict[str, tuple[str, float, str]] = {
    "sniff-16k-blank": ("detect the format of a cable after 16 KB of blank lines", 60, """
        import time; from corpora.read import detect_format
        p = W / "b.txt"; p.write_bytes(b"\\n" * 16384 + SEED.read_bytes())
        t = time.perf_counter(); fmt = None
        try: fmt = detect_format(str(p), p.read_bytes()[:65536])
        except ValueError as e: fmt = "unrecognised"
        out(f"{fmt} in {time.perf_counter() - t:.2f} s")
    """),
    "blank-lines-in-cable": ("parse a cable holding a run of 4,000 blank lines (issue 10's "
                             "clean.py fix)", 60, """
        import time; from corpora.read import read_file
        t = SEED.read_text(encoding="latin-1").replace("\u00b61.", "\\n" * 4000 + "\u00b61.", 1)
        p = W / "b.txt"; p.write_text(t, encoding="latin-1")
        t0 = time.perf_counter(); r = list(read_file(str(p)))
        out(f"{type(r[0]).__name__} in {time.perf_counter() - t0:.2f} s")
    """),
    "1M-newlines": ("read a file of 1M newlines", 60, """
        import time; from corpora.read import read_file
        p = W / "n.txt"; p.write_bytes(b"\\n" * 1_000_000)
        t = time.perf_counter(); r = list(read_file(str(p)))
        out(f"{len(r)} reject in {time.perf_counter() - t:.2f} s")
    """),
    "single-line-100MB": ("read a 100 MB single-line file", 120, """
        from corpora.read import read_file
        p = W / "l.txt"
        with open(p, "wb") as fh:
            fh.write(b"SUBJECT: x ")
            for _ in range(100): fh.write(b"A" * (1 << 20))
        r = list(read_file(str(p)))
        out(", ".join(f"{type(x).__name__}: {getattr(x, 'reason', '')[:40]}" for x in r))
    """),
    "jsonl-cable-50MB": ("read a JSON Lines line holding a 50 MB cable", 120, """
        import json; from corpora.read import read_file
        p = W / "j.jsonl"
        p.write_text(json.dumps({"reference_id": "03X1", "date_time": "2003-01-06 23:41",
                     "body": SEED.read_text(encoding="latin-1") + "x" * (50 << 20)}) + "\\n")
        r = list(read_file(str(p)))
        out(", ".join(type(x).__name__ for x in r))
    """),
    "tags-1MB": ("read a cable whose TAGS line is 1 MB", 120, """
        from corpora.read import read_file
        t = SEED.read_text(encoding="latin-1").replace("TAGS: PGOV KDEM KS",
            "TAGS: PGOV " + "KDEM " * 200000)
        p = W / "t.txt"; p.write_text(t, encoding="latin-1")
        r = list(read_file(str(p)))
        out(", ".join(f"{type(x).__name__} {len(getattr(x, 'tags', None) or ())} tags"
                      for x in r))
    """),
    "zip-1GB-member": ("read a 1 MB zip whose cable member expands to 1 GB (2 GB cap)", 180, """
        import resource, zipfile
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        from corpora.read import read_file
        z = W / "z.zip"
        line = b"THE AMBASSADOR MET THE MINISTER TODAY ABOUT TRADE AND SECURITY.\\n"
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            with zf.open("a.txt", "w") as fh:
                fh.write(SEED.read_bytes())
                for _ in range(1024): fh.write(line * ((1 << 20) // len(line)))
        try:
            r = list(read_file(str(z)))
            out(f"{len(z.read_bytes()) >> 20} MB zip: " + ", ".join(
                f"{type(x).__name__}: {getattr(x, 'reason', '')[:50]}" for x in r))
        except MemoryError:
            out("MemoryError")
    """),
    "dev-zero-and-fifo": ("ingest a folder with a /dev/zero symlink and a FIFO", 40, """
        import os, shutil; from corpora.store import CorpusStore
        s = W / "src"; s.mkdir(); shutil.copy(SEED, s / "a.txt")
        os.symlink("/dev/zero", s / "z.txt"); os.mkfifo(s / "p.txt")
        st = CorpusStore.ingest([s], W / "store", n_jobs=1)
        out(f"{len(st)} cable, {len(st.rejects())} rejects")
    """),
    "bad-records-in-sample": ("ingest the sample + 9999-12-31T23:00-05:00 JSONL + FRUS "
                              "nested 1,500 deep", 300, """
        import json; from corpora.store import CorpusStore
        b = W / "bad"; b.mkdir()
        (b / "o.jsonl").write_text(json.dumps({"reference_id": "03B1", "date_time":
            "9999-12-31T23:00:00-05:00", "body": SEED.read_text(encoding="latin-1")}) + "\\n")
        deep = "<hi>" * 1500 + "x" + "</hi>" * 1500
        (b / "f.xml").write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="v">'
            '<text><body><div type="document" xml:id="d1"><p>' + deep + '</p></div>'
            '</body></text></TEI>')
        try:
            st = CorpusStore.ingest([SAMPLE, b], W / "store", n_jobs=1)
            out(f"{len(st)} cables stored, {len(st.rejects())} rejects")
        except Exception as e:
            out(f"ingest aborted: {type(e).__name__}, 0 stored")
    """),
    "no-ref-cable-then-fit": ("ingest the sample + a cable with no readable DTG, build "
                              "the matrix", 300, """
        from corpora.store import CorpusStore; from topics.vectorize import build_dtm
        t = SEED.read_text(encoding="latin-1").replace("DE RUEHUL #0001/01 0062341\\n", "")
        t = t.replace("SECTION 01 OF 03 SEOUL 000001", "").replace("R 062341Z JAN 03", "R 9Z")
        s = W / "s"; s.mkdir(); (s / "x.txt").write_text(t, encoding="latin-1")
        st = CorpusStore.ingest([SAMPLE, s], W / "store", n_jobs=1)
        refs = list(st.to_pandas(columns=["ref"])["ref"])
        try:
            build_dtm([["a"]] * len(refs), refs, min_df=1, max_df=1.0)
            out(f"{len(refs)} cables, fit input OK")
        except TypeError as e:
            out(f"TypeError: {str(e)[:50]}")
    """),
    "truncated-csv": ("read a CSV whose last row is cut inside its body", 60, """
        from corpora.read import read_file
        b = SEED.read_text(encoding="latin-1").replace('"', "'")
        row = '"{n}","1/6/2003 23:41","03S{n}","E","C","","","{b}"\\n'
        f = row.format(n=1, b=b) + row.format(n=2, b=b)
        p = W / "c.csv"; p.write_text(f[: len(f) - len(b) // 2])
        out(", ".join(type(x).__name__ for x in read_file(str(p))))
    """),
    "killed-report-rerun": ("report stage killed half-way, run again", 300, """
        import json
        from topics.config import RunConfig; from topics.pipeline import run; from topics import stages
        cfg = lambda t: RunConfig.from_dict({"name": "p", "corpus": {"sources": ["@sample"]},
            "model": {"n_topics": 6}, "evaluation": {"coherence": False},
            "report": {"title": t}}, base_dir=None)._resolve_paths(W)
        run(cfg("a"), W / "r")
        def killed(state, **kw):
            (state.dir / "report").mkdir(exist_ok=True); (state.dir / "report" / "x.png").write_text("")
            raise KeyboardInterrupt
        real, stages.stage_report = stages.stage_report, killed
        try: run(cfg("b"), W / "r")
        except KeyboardInterrupt: pass
        stages.stage_report = real
        run(cfg("a"), W / "r")
        m = json.loads((W / "r" / "manifest.json").read_text())
        out(f"report cached={m['stages']['report']['cached']}, index.html "
            f"{'present' if (W / 'r' / 'report' / 'index.html').exists() else 'missing'}")
    """),
    "two-ingests-one-store": ("two ingests of halves of the sample into one store at once",
                              300, """
        import subprocess, sys; from corpora.store import CorpusStore
        ys = sorted(p for p in SAMPLE.iterdir() if p.is_dir()); h = [ys[:4], ys[4:]]
        cmd = lambda half: [sys.executable, "-c", "import sys; from topics.cli import main; "
            "sys.exit(main())", "ingest", *map(str, half), "--out", str(W / "st")]
        ps = [subprocess.Popen(cmd(x), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
              text=True, cwd=W) for x in h]
        rcs = [p.wait() for p in ps]
        errs = [p.stderr.read().strip().splitlines()[-1:] for p in ps]
        n1 = len(CorpusStore(W / "st"))
        for rc, x in zip(rcs, h):  # what a user does: run the one that failed again
            if rc != 0:
                subprocess.run(cmd(x), capture_output=True, cwd=W)
        st = CorpusStore(W / "st")
        msg = "; ".join(e[0][:60] for e, rc in zip(errs, rcs) if rc and e)
        out(f"exits {rcs} ({msg}), {n1} of 400 stored; after re-running the failed one "
            f"{len(st)}, duplicates {st.manifest['counts']['duplicate']}")
    """),
    "stale-temp-first-ingest": ("ingest into a folder holding a killed first ingest's temp "
                                "file", 120, """
        from corpora.store import CorpusStore
        d = W / "st"; d.mkdir(); (d / "cables.parquet.tmp-999999-new").write_text("x")
        try:
            out(f"{len(CorpusStore.ingest([SAMPLE / '2003'], d))} cables")
        except Exception as e:
            out(type(e).__name__)
    """),
    "csv-formulas": ("export tables holding =HYPERLINK, +1+1, @SUM cells", 60, """
        import pandas as pd, pyarrow as pa, pyarrow.parquet as pq
        from topics.report.exports import export_tables
        f = ['=HYPERLINK("x")', "+1+1", "@SUM(1)", "=cmd|' /C calc'!A0"]
        pq.write_table(pa.table({"ref": list("abcd"), "origin": f}), W / "d.parquet")
        df = pd.DataFrame({"label": f})
        export_tables(W / "r", W / "d.parquet", df, df, df)
        import csv
        n = sum(bool(c) and c[0] in "=+@" for p in (W / "r").glob("*.csv")
                for row in csv.reader(p.read_text().splitlines()) for c in row)
        out(f"{n} live formula cells")
    """),
    "tampered-tomotopy": ("load 12 models with 6 random bytes changed in tomotopy.bin", 400,
                          """
        import numpy as np, subprocess, sys
        from topics.models import make_model; from topics.vectorize import build_dtm
        rng = np.random.default_rng(0); w = [f"w{i}" for i in range(40)]
        dtm = build_dtm([list(rng.choice(w, 30)) for _ in range(60)],
                        [f"r{i}" for i in range(60)], min_df=1, max_df=1.0)
        d = make_model("lda-gibbs", n_topics=3, seed=0, iterations=20).fit(dtm).save(W / "m")
        data = (d / "tomotopy.bin").read_bytes(); res = {}
        for i in range(12):
            b = bytearray(data)
            for p in rng.choice(len(b), 6, replace=False): b[p] ^= 0xFF
            (d / "tomotopy.bin").write_bytes(bytes(b))
            code = ("from topics.models import load_model\\nfrom topics.models.base import "
                    "ModelFormatError\\ntry:\\n load_model(%r)\\nexcept ModelFormatError:\\n"
                    " print('refused')\\n" % str(d))
            try:
                p = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                   text=True, timeout=15, cwd=W)
                k = ("refused" if "refused" in p.stdout else "loaded" if p.returncode == 0
                     else "signal %d" % -p.returncode if p.returncode < 0 else
                     p.stderr.strip().splitlines()[-1].split(":")[0])
            except subprocess.TimeoutExpired:
                k = "hang"
            res[k] = res.get(k, 0) + 1
        out(", ".join(f"{v} {k}" for k, v in sorted(res.items())))
    """),
    "npz-bomb": ("load a saved dtm whose dtm.npz (1 MB) has data.npy replaced by 1 GiB of "
                 "zeros", 120, """
        import resource, zipfile, numpy as np
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        from topics.vectorize import build_dtm
        d = W / "dtm"
        build_dtm([["a", "b"], ["b", "c"]], ["r1", "r2"], min_df=1, max_df=1.0).save(d)
        good = zipfile.ZipFile(d / "dtm.npz"); members = {n: good.read(n) for n in good.namelist()}
        good.close()
        with zipfile.ZipFile(d / "dtm.npz", "w", zipfile.ZIP_DEFLATED) as zf:
            for n, b in members.items():
                if n != "data.npy": zf.writestr(n, b)
            with zf.open("data.npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array_header_2_0(fh, {"descr": "<i8", "fortran_order": False,
                                                          "shape": (1 << 27,)})
                for _ in range(1024): fh.write(bytes(1 << 20))
        try:
            from topics.stages import load_dtm
        except ImportError:
            from topics.vectorize import DocTermMatrix; load_dtm = DocTermMatrix.load
        try:
            load_dtm(d); out(f"loaded ({(d / 'dtm.npz').stat().st_size >> 20} MB file)")
        except MemoryError:
            out("MemoryError")
        except Exception as e:
            out(f"{type(e).__name__}: {str(e)[-60:]}")
    """),
    "emoji-config": ("write and read back config.toml with an emoji title", 60, """
        import tomllib; from topics.config import RunConfig
        c = RunConfig.from_dict({"name": "s", "report": {"title": "Cables 🎉"}})
        try: tomllib.loads(c.to_toml()); out("valid TOML")
        except tomllib.TOMLDecodeError as e: out(f"TOMLDecodeError")
    """),
    "out-is-a-file": ("cable-topics ingest --out EXISTING_FILE", 60, """
        import subprocess, sys
        (W / "f").write_text("x")
        p = subprocess.run([sys.executable, "-c", "import sys; from topics.cli import main; "
            "sys.exit(main())", "ingest", str(SAMPLE / "2003"), "--out", str(W / "f")],
            capture_output=True, text=True, cwd=W)
        out(f"exit {p.returncode}, {len(p.stderr.strip().splitlines())} stderr lines")
    """),
}

_HEADER = """
import json, sys
sys.path[:] = [p for p in sys.path if p]  # not the working folder: the tree under test
from pathlib import Path
W = Path(sys.argv[1]); SAMPLE = Path({sample!r}); SEED = Path({seed!r})
def out(text): print(json.dumps({{"outcome": text}}), flush=True)
"""


def _env(tree: Path | None, scratch: Path) -> dict:
    """The environment running ``tree``'s code (this checkout when None)."""
    env = dict(os.environ)
    if tree is None:
        env["PYTHONPATH"] = str(ROOT)
        return env
    site = scratch / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(textwrap.dedent(f"""
        import os, sys
        sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != {str(ROOT)!r}]
        sys.path.insert(0, {str(tree)!r})
    """))
    env["PYTHONPATH"] = str(site)
    return env


def probe(name: str, tree: Path | None) -> str:
    """Run one probe; its outcome, seconds and peak RSS in words."""
    _, timeout, body = PROBES[name]
    with tempfile.TemporaryDirectory(prefix=f"hostile-{name}-") as tmp:
        tmp = Path(tmp)
        work = tmp / "w"
        work.mkdir()
        code = _HEADER.format(sample=str(SAMPLE), seed=str(SEED)) + textwrap.dedent(body)
        try:
            r = run_child([sys.executable, "-c", code, str(work)], timeout_s=timeout,
                          env=_env(tree, tmp))
        except subprocess.TimeoutExpired:
            return f"hang: killed after {timeout:.0f} s"
        cost = f"{r.wall_s:.1f} s, {r.peak_rss / 2**20:,.0f} MB"
        if "outcome" in r.report:
            return f"{r.report['outcome']} ({cost})"
        if r.returncode < 0:
            return f"killed by signal {-r.returncode} ({cost})"
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        return f"crash: {last[:70]} ({cost})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench_hostile", description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, help="another checkout to probe for the 'before'")
    ap.add_argument("--only", nargs="*", help="probe names (default: all)")
    ap.add_argument("--kills", type=int, default=0, help="fault-injection kills to add")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    args = ap.parse_args(argv)
    names = args.only or list(PROBES)
    rows = []
    for name in names:
        before = probe(name, args.old) if args.old else "-"
        after = probe(name, None)
        rows.append([f"{name}: {PROBES[name][0]}", before, after])
        print(f"{name}: {before} -> {after}", file=sys.stderr, flush=True)
    print_table(["probe", "before", "after"], rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if args.kills:
        sys.path.insert(0, str(ROOT))
        from tests.hostile.test_fault_injection import faults

        with tempfile.TemporaryDirectory(prefix="hostile-faults-") as tmp:
            kill_rows = faults(Path(tmp), args.kills, seed=2026)
        print_table(["kill at (s)", "finished first", "stages done at kill", "redone",
                     "identical after rerun"],
                    [[r["kill_at_s"], r["finished_first"], ", ".join(r["stages_done_at_kill"]),
                      ", ".join(r["redone"]), "yes"] for r in kill_rows])
    return 0


if __name__ == "__main__":
    sys.exit(main())
