"""Items 10-11: hostile cable content and file names stay inert in exports, reports and on
the terminal."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.hostile.conftest import SAMPLE, cli
from tests.hostile.test_runs import small_config
from topics.pipeline import run

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)",
            "\tTAB", "\rCR"]


def test_item10_csv_exports_neutralise_formulas_and_parquet_keeps_them(tmp_path):
    from topics.report.exports import export_tables

    n = len(FORMULAS)
    doc = pa.table({"ref": [f"03X{i}" for i in range(n)], "origin": FORMULAS,
                    "subject": FORMULAS[::-1], "classification": FORMULAS,
                    "tags": [[f] for f in FORMULAS], "topic_0": [0.5] * n, "theme": [0] * n})
    pq.write_table(doc, tmp_path / "doc_topics.parquet")
    themes = pd.DataFrame({"id": range(n), "label": FORMULAS, "share": [-0.5] * n})
    topics = pd.DataFrame({"id": range(n), "label": FORMULAS})
    effects = pd.DataFrame({"covariate": ["origin"] * n, "level": FORMULAS,
                            "estimate": [-1.5] * n})
    out = tmp_path / "report"
    export_tables(out, tmp_path / "doc_topics.parquet", themes, topics, effects)
    for name in ("doc_topics", "themes", "topics", "effects"):
        rows = list(csv.reader(io.StringIO((out / f"{name}.csv").read_text())))
        cells = [c for row in rows[1:] for c in row]
        live = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
                or (c.startswith("-") and not _is_number(c))]
        assert not live, (name, live)
        assert any(c.startswith("'=") for c in cells) or name == "doc_topics" and any(
            c.startswith("'") for c in cells)
    # numbers stay numbers; Parquet keeps the true values
    assert "-1.5" in (out / "effects.csv").read_text()
    assert pq.read_table(out / "effects.parquet").column("level").to_pylist() == FORMULAS
    assert pq.read_table(out / "themes.parquet").column("label").to_pylist() == FORMULAS


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_item11_file_and_folder_names_are_escaped_in_report_md(tmp_path):
    """A source named ``a\\n<img src=x onerror=alert(7)>.txt`` put a live <img onerror> in
    report.md, and a folder name with ``|`` broke its table."""
    src = tmp_path / "src"
    (src / "x|y").mkdir(parents=True)
    files = sorted(SAMPLE.rglob("*.txt"))
    for f in files[:60]:
        shutil.copy(f, src / "x|y" / f.name)
    for f in files[60:-1]:
        shutil.copy(f, src / f.name)
    # "0" so it sorts first and is listed among the report's first sources
    shutil.copy(files[-1], src / "0\n<img src=x onerror=alert(7)>.txt")
    cfg = small_config(corpus={"sources": [str(src)]})
    run(cfg, tmp_path / "run")
    md = (tmp_path / "run" / "report" / "report.md").read_text()
    for line in md.splitlines():
        if "<img" in line:  # only ever inside a code span, on one table row
            assert line.startswith("| `") and "onerror" in line, line
            assert line.count("`") % 2 == 0
        if line.startswith("| `x"):
            assert "x\\|y" in line, line
    assert "<img src=x onerror=alert(7)>.txt" in md


def test_item11_control_characters_are_not_printed_raw(tmp_path):
    """Origins with terminal escape sequences were printed raw (`ingest` set the terminal
    title and cleared the screen)."""
    hostile = "\x1b]0;pwned\x07\x1b[2J\x1b[H Embassy"
    lines = []
    for i, f in enumerate(sorted(SAMPLE.rglob("*.txt"))[:3]):
        lines.append(json.dumps({"reference_id": f"03EVIL{i}", "date_time": "2003-01-06 23:41",
                                 "origin": hostile, "body": f.read_text(encoding="latin-1")}))
    (tmp_path / "evil.jsonl").write_text("\n".join(lines) + "\n")
    bad_name = tmp_path / "\x1b[2Jname.txt"
    bad_name.write_text("not a cable at all")
    proc = cli("-v", "ingest", str(tmp_path / "evil.jsonl"), str(bad_name), "--out",
               str(tmp_path / "store"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    for stream in (proc.stdout, proc.stderr):
        assert "\x1b" not in stream and "\x07" not in stream
    assert "\\x1b" in proc.stdout + proc.stderr


def test_item11_terminal_safe_keeps_text():
    from topics.runinfo import terminal_safe

    assert terminal_safe("Ankara\tİstanbul\nok ü 😀") == "Ankara\tİstanbul\nok ü 😀"
    assert terminal_safe("a\x1b[2Jb\x9bc\u202ed") == "a\\x1b[2Jb\\x9bc\\u202ed"
    assert Path  # (module used above)


def test_item10_coverage_csvs_neutralise_formulas(tmp_path):
    """Ids that are formulas land in ``unparsed.csv`` (and post names in the other two):
    the coverage CSVs follow the report exports' rule (`corpora.csvsafe`)."""
    from corpora.coverage import coverage

    ids = ["09TOKYO10", "09TOKYO20", "09TOKYO30", *FORMULAS]
    res = coverage(ids, tmp_path / "cov", min_cables=2)
    assert list(res.unparsed["ref"]) == FORMULAS  # the frame keeps the true values
    n_quoted = 0
    for name in ("coverage", "variants", "unparsed"):
        rows = list(csv.reader(io.StringIO((tmp_path / "cov" / f"{name}.csv").read_text())))
        cells = [c for row in rows[1:] for c in row]
        live = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
                or (c.startswith("-") and not _is_number(c))]
        assert not live, (name, live)
        n_quoted += sum(c.startswith(("'=", "'+", "'-", "'@")) for c in cells)
    assert n_quoted == 5  # =HYPERLINK, =cmd, +1+1, -2+3, @SUM(1): kept, as text
    assert "TOKYO" in (tmp_path / "cov" / "coverage.csv").read_text()


def test_item10_every_csv_writer_uses_the_one_rule():
    """Every CSV the toolkit writes goes through `corpora.csvsafe`: each ``.to_csv(...)`` is
    called on ``neutralize_frame(...)``, and a function that uses ``csv.writer`` or
    pyarrow's ``write_csv`` also calls ``neutralize_cell``. (The synthetic-corpus makers
    write test inputs, not exports.) A new CSV export that skips the rule fails here."""
    import ast

    root = Path(__file__).resolve().parents[2]
    bad = []
    for path in sorted([*(root / "topics").rglob("*.py"), *(root / "corpora").rglob("*.py")]):
        text = path.read_text(encoding="utf-8")
        if path.name.startswith("synthetic") or path.name == "csvsafe.py" or (
                "csv" not in text):
            continue
        tree = ast.parse(text)
        for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            names = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)} | {
                n.attr for n in ast.walk(func) if isinstance(n, ast.Attribute)}
            for node in ast.walk(func):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                where = f"{path.relative_to(root)}:{node.lineno}"
                if node.func.attr == "to_csv":
                    recv = node.func.value
                    ok = (isinstance(recv, ast.Call) and isinstance(recv.func, ast.Name)
                          and recv.func.id == "neutralize_frame")
                    if not ok:
                        bad.append(f"{where}: .to_csv on something not neutralize_frame(...)")
                elif node.func.attr in ("writer", "write_csv", "DictWriter") and isinstance(
                        node.func.value, ast.Name) and node.func.value.id in ("csv", "pacsv"):
                    if "neutralize_cell" not in names:
                        bad.append(f"{where}: {node.func.attr} without neutralize_cell")
    assert not bad, bad
