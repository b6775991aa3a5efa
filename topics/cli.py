"""`cable-topics`: a thin command-line shell over the library.

Commands: ``ingest``, ``info``, ``coverage``, ``fit``, ``sweep``, ``report``, ``run``, ``verify``, ``demo``,
``suggest-tags``.
Run ``cable-topics COMMAND --help`` for each one's options.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from topics.config import ConfigError, RunConfig

__all__ = ["main"]

logger = logging.getLogger("cable_topics.cli")

_PACKAGE_DIR = Path(__file__).resolve().parent

_EXAMPLES = """examples:
  cable-topics ingest cables.csv cablegate-html/ --out store/
  cable-topics info store/
  cable-topics fit store/ --topics 50 --out runs/k50
  cable-topics report runs/k50            # runs/k50/report/index.html
  cable-topics run study.toml model.n_topics=30 --out runs/study
  cable-topics demo                       # the bundled sample, end to end

Run `cable-topics COMMAND --help` for a command's options."""

_COMMAND_EXAMPLES = {
    "ingest": "example:\n  cable-topics ingest cables.csv pages/ archive.zip --out store/\n"
              "  cable-topics ingest letters.csv --columns ref=doc_id,body=text,date=sent "
              "--out store/",
    "info": "example:\n  cable-topics info store/ | head -20",
    "fit": "example:\n  cable-topics fit store/ --model nmf --topics 50 --seed 0 --out runs/k50",
    "sweep": "example:\n  cable-topics sweep store/ --topics 10:100:10 --seeds 3 --out sweep/",
    "report": "example:\n  cable-topics report runs/k50   # writes runs/k50/report/",
    "run": "example:\n  cable-topics run study.toml model.n_topics=30 corpus.date_from=2006-01-01",
    "verify": "example:\n  cable-topics verify runs/study",
    "demo": "example:\n  cable-topics demo --out runs/demo",
    "coverage": "example:\n  cable-topics coverage store/ --out cov/ --figures",
    "suggest-tags": "example:\n  cable-topics fit store/ --model plda --topics 50 --out runs/plda\n"
                    "  cable-topics suggest-tags frus-store/ --model runs/plda --out tags.csv",
}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Defaults after each option's help (not for flags or required ones); examples kept
    as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.required or action.default is None or action.default is False or \
                action.default == argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cable-topics")
    except PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


def _out(text: str = "") -> None:
    from topics.runinfo import terminal_safe

    sys.stdout.write(terminal_safe(text) + "\n")


def _err(text: str) -> None:
    from topics.runinfo import terminal_safe

    sys.stderr.write(terminal_safe(text) + "\n")


class _SafeLogFilter(logging.Filter):
    """Log lines on the terminal show control characters as escapes (see _out)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from topics.runinfo import terminal_safe

        record.msg = terminal_safe(record.getMessage())
        record.args = ()
        return True


def _progress_bar(desc: str, unit: str = "file"):
    """A tqdm progress bar on stderr (hidden when stderr is not a terminal)."""
    from topics.progress import progress_bar

    return progress_bar(desc=desc, unit=unit, file=sys.stderr, disable=None)


# --- ingest / info --------------------------------------------------------------------

def _print_summary(summary: dict) -> None:
    counts = summary.get("counts", {})
    _out(f"records read: {counts.get('read', 0):,}   cables kept: {summary.get('cables', 0):,}"
         f"   rejected: {counts.get('rejected', 0):,}   duplicates: "
         f"{counts.get('duplicate', 0):,}")
    for title, key, limit in (
        ("by year", "by_year", None),
        ("by classification", "by_classification", None),
        ("by post (top 20)", "by_origin", 20),
        ("rejects by reason", "rejects_by_reason", None),
    ):
        counts = summary.get(key) or {}
        if not counts:
            continue
        _out(f"\n{title}:")
        items = list(counts.items())
        if key != "by_year":
            items.sort(key=lambda kv: (-kv[1], str(kv[0])))
        for name, n in items[:limit]:
            _out(f"  {str(name):<45} {n:>8,}")


def cmd_ingest(args: argparse.Namespace) -> int:
    from corpora.store import CorpusStore

    for src in args.sources:
        if not Path(src).exists():
            raise ConfigError(f"ingest: source {src!r} does not exist.")
    from corpora.read import check_format
    from topics.progress import ingest_bar

    check_format(args.format, args.columns, "ingest")  # a bad --columns fails before any work

    if args.spark:  # parsed on Spark executors (docs/spark.md)
        from topics.spark import spark_session
        from topics.spark.ingest import spark_ingest

        store = spark_ingest(spark_session(args.spark), args.sources, args.out,
                             format=args.format, follow_symlinks=args.follow_symlinks,
                             columns=args.columns)
    else:
        # files and bytes counted first: the bar shows a total and an ETA from the start
        with ingest_bar(args.sources, follow_symlinks=args.follow_symlinks, file=sys.stderr,
                        disable=None) as bar:
            store = CorpusStore.ingest(args.sources, args.out, format=args.format,
                                       progress=bar, follow_symlinks=args.follow_symlinks,
                                       columns=args.columns)
    summary = store.summary()
    _print_summary(summary)
    _out(f"\nstore: {Path(args.out).resolve()}")
    return 0 if summary.get("cables", 0) > 0 else 1


def cmd_info(args: argparse.Namespace) -> int:
    from corpora.store import CorpusStore

    store = CorpusStore(args.store)
    _print_summary(store.summary())
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from corpora.coverage import coverage

    years = None
    if args.years:
        a, _, b = args.years.partition(":")
        try:
            years = (int(a), int(b or a))
        except ValueError as exc:
            raise ValueError(f"--years must be FIRST:LAST (e.g. 2006:2009); got {args.years!r}") from exc
    res = coverage(args.source, args.out, min_cables=args.min_cables, years=years,
                   exclude=args.exclude or (), seed=args.seed)
    s = res.summary
    _out(f"ids: {s['n_ids']:,}   without a serial: {s['n_ids_unparsed']:,}   post names merged: "
         f"{s['n_post_names_merged']:,}   post-years: {len(res.table):,}")
    if s.get("observed_share") is None:
        _out(f"no post-year has {args.min_cables}+ serials: no overall share")
    else:
        _out(f"post-years used: {s['n_post_years']:,} ({s['n_cables']:,} cables); left out "
             f"(< {args.min_cables} serials): {s['n_post_years_left_out']:,} "
             f"({s['n_cables_left_out']:,} cables)")
        _out(f"observed share: {s['observed_share']:.2%} "
             f"[{s['observed_share_low']:.2%}, {s['observed_share_high']:.2%}] "
             f"(Bayesian, {s['level']:.0%} credible interval; MVU "
             f"{s['observed_share_mvu']:.2%}, ML {s['observed_share_ml']:.2%})")
    _out(f"\ncoverage: {(Path(args.out) / 'coverage.csv').resolve()}")
    if args.figures:
        from topics.report.extras import coverage_figures

        for path in coverage_figures(res.table, args.out, years=years, exclude=args.exclude or ()):
            _out(f"figure: {path.resolve()}")
    return 0


# --- run / fit / demo / verify --------------------------------------------------------

def _print_themes(run_dir: Path) -> None:
    topics = json.loads((run_dir / "topics.json").read_text())
    _out(f"\nthemes ({topics.get('engine')}, K={topics.get('n_topics')}):")
    _out(f"  {'id':>3}  {'size':>6}  {'share':>6}  label / top terms")
    for th in topics.get("themes", []):
        terms = ", ".join(th.get("top_terms", [])[:8])
        tags = " ".join(t["tag"] for t in th.get("tags", [])[:3])
        _out(f"  {th['id']:>3}  {th['size']:>6}  {th['share']:>6.1%}  {terms}  [{tags}]")


def cmd_run(args: argparse.Namespace) -> int:
    from topics.pipeline import run

    cfg = RunConfig.load(args.config, args.overrides)
    out = Path(args.out) if args.out else Path("runs") / cfg.name
    run(cfg, out, overrides=args.overrides, force=args.force, progress=True)
    _print_themes(out)
    report = out / "report" / "index.html"
    _out(f"\nrun directory: {out.resolve()}")
    if report.exists():
        _out(f"report: {report.resolve()}")
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    from topics.pipeline import run

    data = {
        "name": Path(args.out).name,
        "seed": args.seed,
        "corpus": {"store": str(Path(args.store).resolve())},
        "model": {"engine": args.model, "n_topics": args.topics},
        "report": {"enabled": False},
    }
    cfg = RunConfig.from_dict(data)
    out = Path(args.out)
    manifest = out / "manifest.json"
    if manifest.exists() and not args.force:
        try:
            old = json.loads(manifest.read_text(encoding="utf-8")).get("config_hash")
        except (OSError, json.JSONDecodeError):
            old = None
        if old != cfg.config_hash():  # the same command again only re-uses its cache
            raise ValueError(
                f"{out} already holds a run with other settings; pass --force to overwrite "
                "it, or choose another --out")
    run(cfg, out, force=args.force, progress=True, until="evaluate")
    _print_themes(out)
    _out(f"\nrun directory: {out.resolve()}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from topics.pipeline import run

    cfg = RunConfig.load(_PACKAGE_DIR / "configs" / "demo.toml", args.overrides)
    out = Path(args.out)
    run(cfg, out, overrides=args.overrides, force=args.force, progress=True)
    _print_themes(out)
    _out(f"\nrun directory: {out.resolve()}")
    _out(f"report: {(out / 'report' / 'index.html').resolve()}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from topics.pipeline import verify

    result = verify(args.run)
    if result["identical"]:
        _out(f"{args.run}: re-run gives identical results.")
        return 0
    _out(f"{args.run}: results differ; first differing stage: {result['first_difference']}")
    for d in result["differences"]:
        _out(f"  {d['stage']}: {d['file']}")
    return 1


def cmd_report(args: argparse.Namespace) -> int:
    from corpora.locking import exclusive_lock
    from topics.report import render_report

    if not Path(args.run).is_dir():
        raise FileNotFoundError(f"{args.run} is not a run directory")
    with exclusive_lock(Path(args.run), "run directory"):  # not while a `run` writes it
        path = render_report(Path(args.run))
    _out(f"report: {Path(path).resolve()}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from topics.evaluate import parse_k_range
    from topics.stages import sweep_store

    ks = parse_k_range(args.topics)
    table, (k, reason) = sweep_store(
        args.store, ks, n_seeds=args.seeds, engine=args.model, out_dir=args.out,
        n_jobs=args.jobs,
    )
    _out(table.to_string(index=False))
    _out(f"\nrecommended K = {k}: {reason}")
    _out(f"sweep directory: {Path(args.out).resolve()}")
    return 0


def cmd_suggest_tags(args: argparse.Namespace) -> int:
    from topics.tagsuggest import suggest_store

    result = suggest_store(args.store, args.model, args.out)
    _out(f"{result['n_cables']:,} cables, {result['n_with_suggestion']:,} with a suggested TAG "
         f"(suggester: {result['method']})")
    _out(f"suggestions: {Path(result['out']).resolve()}")
    _out(f"evaluation: {Path(result['out']).with_suffix('').resolve()}.evaluation.csv")
    return 0


# --- parser -----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    from topics.config import ModelConfig

    engines = ModelConfig.__dataclass_fields__["engine"].metadata["choices"]
    p = argparse.ArgumentParser(
        prog="cable-topics",
        description="Topic models and theme reports for diplomatic cable corpora.",
        epilog=_EXAMPLES, formatter_class=_HelpFormatter,
    )
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="more log output: -v this tool's steps, -vv also the libraries' "
                        "(gensim, ...)")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add = sub.add_parser

    def add_parser(name: str, **kw):  # every command shows its defaults and examples
        return _add(name, formatter_class=_HelpFormatter, epilog=_COMMAND_EXAMPLES.get(name),
                    **kw)

    sub.add_parser = add_parser  # type: ignore[method-assign]

    s = sub.add_parser("ingest", help="read cable files into a corpus store")
    s.add_argument("sources", nargs="+", help="files, folders or .zip/.gz archives")
    s.add_argument("--out", required=True, help="store directory (created or appended)")
    s.add_argument("--format", default="auto",
                   help="raw, cablegate-csv, cablegate-html, jsonl, plusd, frus, alx, auto, "
                        "or table (your own CSV/TSV/JSON Lines/Parquet, see --columns)")
    s.add_argument("--columns", default=None, metavar="FIELD=COLUMN,...",
                   help="read the sources as tables, with this column mapping, e.g. "
                        "ref=doc_id,body=text,date=sent (fields: ref, body, date, released, "
                        "origin, classification, subject, tags, header; body is required)")
    s.add_argument("--follow-symlinks", action="store_true",
                   help="read symlinks that point outside the source folders (default: "
                        "skipped and listed as rejects)")
    s.add_argument("--spark", default=None, metavar="MASTER",
                   help="parse the files on Spark executors at this master (local[*], "
                        "spark://host:7077, ...); needs pip install 'cable-topics[spark]' "
                        "and storage every node sees (docs/spark.md)")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("info", help="summarize a corpus store")
    s.add_argument("store", help="a corpus store directory (from ingest)")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("coverage", help="estimate the share of each post-year's cables a "
                       "corpus holds, from reference serials (Gill & Spirling 2015)")
    s.add_argument("source", help="a corpus store, or a file of reference ids (.csv/.gz/.txt)")
    s.add_argument("--out", required=True, help="directory for coverage.csv and summary.json")
    s.add_argument("--min-cables", type=int, default=10,
                   help="post-years with fewer serials are flagged and left out of totals")
    s.add_argument("--years", help="FIRST:LAST years of the overall share (default all)")
    s.add_argument("--exclude", nargs="*", help="posts left out of the overall share (STATE)")
    s.add_argument("--seed", type=int, default=0, help="seed of the interval's draws")
    s.add_argument("--figures", action="store_true",
                   help="also write coverage_heatmap.png and coverage_ranked.png")
    s.set_defaults(func=cmd_coverage)

    s = sub.add_parser("fit", help="fit a topic model and themes on a store")
    s.add_argument("store", help="a corpus store directory (from ingest)")
    s.add_argument("--model", default="nmf", choices=engines, help="topic-model engine")
    s.add_argument("--topics", type=int, default=20, help="number of topics K")
    s.add_argument("--seed", type=int, default=0, help="the run's seed")
    s.add_argument("--out", required=True, help="run directory to write")
    s.add_argument("--force", action="store_true",
                   help="write into a run directory that holds another run's results")
    s.set_defaults(func=cmd_fit)

    s = sub.add_parser("sweep", help="fit K x seeds and recommend a number of topics")
    s.add_argument("store", help="a corpus store directory (from ingest)")
    s.add_argument("--topics", default="5:40:5", help="START:STOP:STEP (inclusive) or a,b,c")
    s.add_argument("--seeds", type=int, default=3, help="seeds per K (for stability)")
    s.add_argument("--model", default="nmf", choices=engines, help="topic-model engine")
    s.add_argument("--jobs", type=int, default=2, help="fits run in parallel")
    s.add_argument("--out", required=True, help="directory for the sweep's tables and figure")
    s.set_defaults(func=cmd_sweep)

    s = sub.add_parser("suggest-tags", help="suggest subject TAGS for a store's cables from "
                       "a TAG-supervised run (llda/plda)")
    s.add_argument("store", help="a corpus store directory (from ingest)")
    s.add_argument("--model", required=True, help="a run of `fit --model plda` (or llda); its "
                   "suggester is calibrated and evaluated on first use (RUN/tag_suggest/)")
    s.add_argument("--out", required=True, help="CSV to write (ref, suggested, scores)")
    s.set_defaults(func=cmd_suggest_tags)

    s = sub.add_parser("report", help="render the report of a finished run")
    s.add_argument("run", help="a run directory (from fit or run)")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("run", help="run a whole study from a TOML config")
    s.add_argument("config", help="a TOML config (every key: docs/config.md)")
    s.add_argument("overrides", nargs="*", help="section.key=value overrides")
    s.add_argument("--out", help="run directory (default runs/NAME)")
    s.add_argument("--force", action="store_true", help="re-run every stage")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("verify", help="re-run a run and check the results are identical")
    s.add_argument("run", help="a run directory (from fit or run)")
    s.set_defaults(func=cmd_verify)

    s = sub.add_parser("demo", help="run the bundled study on the bundled sample corpus")
    s.add_argument("overrides", nargs="*", help="section.key=value overrides")
    s.add_argument("--out", default="runs/demo", help="run directory to write")
    s.add_argument("--force", action="store_true", help="re-run every stage")
    s.set_defaults(func=cmd_demo)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # libraries' own INFO lines (gensim's lifecycle events, ...) only with -vv
    for noisy in ("gensim", "smart_open", "numexpr", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING if args.verbose < 2 else level)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _SafeLogFilter) for f in handler.filters):
            handler.addFilter(_SafeLogFilter())
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        _err(f"cable-topics {args.command}: config error: {exc}")
        return 2
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        _err(f"cable-topics {args.command}: error: {exc}")
        return 2
    except BrokenPipeError:
        # the reader went away (`cable-topics info | head -1`): no traceback, no second
        # error when Python flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        # disk full, permission denied, a file where a folder is needed: one line, exit 2
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        _err(f"cable-topics {args.command}: error: {exc.strerror or exc}{where}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
