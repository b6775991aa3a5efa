"""Items 12-15: tampered model files, verify, Unicode configs, OS errors."""

from __future__ import annotations

import json
import os
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.hostile.conftest import SAMPLE, cli, run_python
from tests.hostile.test_runs import small_config


@pytest.fixture(scope="module")
def gibbs_model(tmp_path_factory):
    from topics.models import make_model
    from topics.vectorize import build_dtm

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    docs = [list(rng.choice(words, 30)) for _ in range(60)]
    dtm = build_dtm(docs, [f"r{i}" for i in range(60)], min_df=1, max_df=1.0)
    model = make_model("lda-gibbs", n_topics=3, seed=0, iterations=20).fit(dtm)
    return model.save(tmp_path_factory.mktemp("gibbs") / "model")


def test_item12_tampered_tomotopy_bin_is_refused_before_loading(gibbs_model, tmp_path):
    """A tomotopy.bin with 6 changed bytes made `run` die with SIGSEGV (45 mutants: 1
    segfault, 23 aborts, 4 hangs, 11 uncaught UnicodeDecodeError)."""
    data = (gibbs_model / "tomotopy.bin").read_bytes()
    rng = np.random.default_rng(12)
    for i in range(4):
        bad = tmp_path / f"m{i}"
        bad.mkdir()
        for f in gibbs_model.iterdir():
            (bad / f.name).write_bytes(f.read_bytes())
        mutant = bytearray(data)
        for pos in rng.choice(len(data), 6, replace=False):
            mutant[pos] ^= 0xFF
        (bad / "tomotopy.bin").write_bytes(bytes(mutant))
        proc = run_python(
            "from topics.models import load_model\n"
            "from topics.models.base import ModelFormatError\n"
            f"try:\n    load_model({str(bad)!r})\n"
            "except ModelFormatError as exc:\n    print('REFUSED', exc)\n", timeout=60)
        assert proc.returncode == 0 and "REFUSED" in proc.stdout and "sha256" in proc.stdout, \
            (proc.returncode, proc.stdout[-500:], proc.stderr[-1000:])


def _npz_bomb(path: Path, n_bytes: int) -> None:
    """A .npz whose one array is ``n_bytes`` of zeros (a few hundred KB compressed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("data.npy", "w", force_zip64=True) as fh:
        np.lib.format.write_array_header_2_0(
            fh, {"descr": "<f8", "fortran_order": False, "shape": (n_bytes // 8,)})
        block = bytes(1 << 20)
        for _ in range(n_bytes >> 20):
            fh.write(block)


def test_item12_inflating_or_lying_npz_is_refused(tmp_path):
    """A 2 MB dtm.npz inflated to 2.1 GB."""
    from topics.safeload import UnsafeArrayFile
    from topics.stages import load_dtm

    d = tmp_path / "dtm"
    d.mkdir()
    _npz_bomb(d / "dtm.npz", 256 << 20)
    assert (d / "dtm.npz").stat().st_size < 2 << 20
    with pytest.raises(UnsafeArrayFile, match="inflate"):
        load_dtm(d)
    # a small file whose header declares a huge array
    with zipfile.ZipFile(d / "dtm.npz", "w") as zf, zf.open("data.npy", "w") as fh:
        np.lib.format.write_array_header_1_0(
            fh, {"descr": "<f8", "fortran_order": False, "shape": (10**10,)})
        fh.write(bytes(64))
    with pytest.raises(UnsafeArrayFile, match="declares"):
        load_dtm(d)


def test_item14_config_toml_is_valid_for_any_unicode(tmp_path):
    """An emoji in a name, path or title wrote surrogate escapes TOML rejects."""
    from topics.config import RunConfig

    cfg = small_config(report={"title": "Cables 🎉 \U0001F4DC of İstanbul \x7f"})
    cfg = RunConfig.from_dict({**cfg.to_dict(), "name": "study 😀"}, base_dir=None)
    text = cfg.to_toml()
    data = tomllib.loads(text)
    assert data["name"] == "study 😀" and "\U0001F4DC" in data["report"]["title"]
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    assert RunConfig.load(path).report.title == cfg.report.title


def test_item15_os_errors_are_one_line_with_exit_2(tmp_path):
    """`--out` an existing file, a non-store folder, disk full, a nested model.params table:
    tracebacks before."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("x")
    nested = tmp_path / "nested.toml"
    nested.write_text('name = "n"\n[corpus]\nsources = ["@sample"]\n[model.params.inner]\nx = 1\n')
    for args in (("ingest", str(SAMPLE / "2003"), "--out", str(afile)),
                 ("ingest", str(SAMPLE / "2003"), "--out", str(other)),
                 ("run", str(nested), "--out", str(tmp_path / "r"))):
        proc = cli(*args)
        assert proc.returncode == 2, (args, proc.stderr[-1500:])
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith(f"cable-topics {args[0]}:") and "Traceback" not in proc.stderr
    # disk full while writing a store: one line, exit 2, the store as it was
    store = tmp_path / "store"
    assert cli("ingest", str(SAMPLE / "2003"), "--out", str(store)).returncode == 0
    before = {p.name: p.read_bytes() for p in store.iterdir() if p.is_file()
              and not p.name.startswith(".")}
    code = (
        "import errno, sys, pyarrow.parquet as pq\n"
        "def full(*a, **k):\n"
        "    raise OSError(errno.ENOSPC, 'No space left on device')\n"
        "pq.ParquetWriter.write_table = full\n"
        "pq.ParquetWriter.write_batch = full\n"
        "from topics.cli import main\n"
        f"sys.exit(main(['ingest', {str(SAMPLE / '2004')!r}, '--out', {str(store)!r}]))\n"
    )
    proc = run_python(code)
    assert proc.returncode == 2, proc.stderr[-1500:]
    assert proc.stderr.strip().splitlines()[-1].endswith("No space left on device")
    after = {p.name: p.read_bytes() for p in store.iterdir() if p.is_file()
             and not p.name.startswith(".")}
    assert after == before
    assert json.loads((store / "manifest.json").read_text())["counts"]["kept"] > 0
    assert os.path.isdir(store)
