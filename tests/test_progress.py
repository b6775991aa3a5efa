"""Progress bars: the ingest bar knows its total before the first file (issue 13, item 10),
and no bar warns in a notebook kernel without ipywidgets (item 11)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from corpora.store import CorpusStore
from topics.progress import ingest_bar, tqdm_class

SAMPLE = Path(__file__).resolve().parents[1] / "corpora" / "data" / "sample" / "cables"


def test_ingest_bar_has_its_total_from_the_start_and_reaches_it(tmp_path):
    sources = [SAMPLE / "2003", SAMPLE / "2004"]
    files = [p for s in sources for p in s.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    for round_ in range(2):  # the second ingest finds every file unchanged
        out = io.StringIO()
        with ingest_bar(sources, file=out, disable=False, mininterval=0) as bar:
            assert bar.bar.total == total and bar.n_files == len(files)
            CorpusStore.ingest(sources, tmp_path / "store", progress=bar, n_jobs=1)
            assert bar.bar.total == total  # never changed while reading
            assert bar.bar.n == total and bar.done_files == len(files), round_
        text = out.getvalue()
        assert re.search(rf"{len(files)}/{len(files)} files", text), text[-300:]
        assert "100%" in text


def test_no_tqdm_warning_in_a_notebook_kernel():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = ("import warnings; warnings.simplefilter('always')\n"
            "from topics.stages import _tqdm\n"
            "from topics.progress import ingest_bar\n"
            "b = _tqdm(False, desc='x'); b.close()\n"
            f"ingest_bar([{str(SAMPLE / '2003')!r}], disable=True).close()\n"
            "print(type(b).__module__)")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert "Warning" not in stderr, stderr
    stdout = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert stdout.strip() == tqdm_class().__module__
