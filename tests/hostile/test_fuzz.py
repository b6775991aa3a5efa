"""Bounded fuzzing (hypothesis): every reader and `load_model` either succeed or refuse with
their own errors; nothing else escapes, whatever the bytes."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpora.cable import Cable, Reject
from corpora.read import read_file
from corpora.read.detect import READERS
from tests.hostile.conftest import SEED_CABLE, frus_doc, jsonl_cable

SEED_TEXT = SEED_CABLE.read_text(encoding="latin-1")
_CSV_ROW = ('"1","1/6/2003 23:41","03SEOUL1","Embassy Seoul","CONFIDENTIAL","","","'
            + SEED_TEXT.replace('"', "'") + '"\n')
SEEDS = {
    "raw": SEED_CABLE.read_bytes(),
    "jsonl": jsonl_cable("03SEOUL1", "2003-01-06 23:41").encode(),
    "cablegate-csv": _CSV_ROW.encode(),
    "frus": frus_doc("d1", date="1977-01-01T10:00:00-05:00").encode(),
    "plusd": ('<html><head><title>Cable: 1974ATHENS02959_b</title></head><body>'
              '<table id="synopsis"><tr><td><div class="s_key">Date:</div><div class="s_val">'
              '1974 May 17, 16:00 (Friday)</div></td></tr></table><div id="tagged-text">'
              + SEED_TEXT + "</div></body></html>").encode(),
    "cablegate-html": ("<html><body><table class='cable'><tr><td>03SEOUL1</td></tr></table>"
                       "<pre>" + SEED_TEXT + "</pre></body></html>").encode(),
    "alx": SEED_TEXT.encode("latin-1"),
}

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@st.composite
def mutants(draw, seed: bytes):
    """``seed`` with a few bytes flipped, a slice cut out or copied, or truncated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "cut", "dup", "truncate", "insert"]))
        i = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[i] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[i: i + draw(st.integers(1, 200))]
        elif kind == "dup":
            data[i:i] = data[i: i + draw(st.integers(1, 400))] * draw(st.integers(1, 20))
        elif kind == "truncate":
            del data[i:]
        else:
            data[i:i] = draw(st.binary(min_size=1, max_size=40))
    return bytes(data)


def _check(records) -> None:
    assert records, "a reader must yield at least one record or reject"
    for r in records:
        assert isinstance(r, Cable | Reject), r
        if isinstance(r, Cable):
            assert isinstance(r.ref, str) and r.ref
        else:
            assert r.reason and r.source.path


@pytest.mark.parametrize("fmt", sorted(READERS))
@FUZZ
@given(data=st.data())
def test_readers_never_raise(fmt, data):
    payload = data.draw(st.one_of(mutants(SEEDS[fmt]), st.binary(max_size=2048)))
    module = READERS[fmt]
    _check(list(module.read_stream(io.BytesIO(payload), path=f"fuzz.{fmt}", sha256="0")))


def _table_seeds() -> dict[str, bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = {"id": ["a1", "a2"], "text": [SEED_TEXT, "Plain prose about the harbour."],
            "sent": ["2003-01-06", "2003-01-07T10:00:00+02:00"], "tags": ["PGOV;KDEM", ""]}
    csv_text = "id,text,sent,tags\n" + "".join(
        f'{i},"{t.replace(chr(34), chr(39))}",{d},{g}\n'
        for i, t, d, g in zip(*rows.values(), strict=True))
    buf = io.BytesIO()
    pq.write_table(pa.table(rows), buf)
    return {"csv": csv_text.encode(), "parquet": buf.getvalue(),
            "jsonl": "".join(json.dumps(dict(zip(rows, r, strict=True))) + "\n"
                             for r in zip(*rows.values(), strict=True)).encode()}


TABLE_SEEDS = _table_seeds()


@pytest.mark.parametrize("kind", sorted(TABLE_SEEDS))
@FUZZ
@given(data=st.data())
def test_table_reader_never_raises(kind, data):
    """Your own tables (`corpora.read.table`), with a mapping: any bytes give records or
    rejects."""
    from corpora.read import table

    payload = data.draw(st.one_of(mutants(TABLE_SEEDS[kind]), st.binary(max_size=2048)))
    cols = {"ref": "id", "body": "text", "date": "sent", "tags": "tags"}
    _check(list(table.read_stream(io.BytesIO(payload), path=f"fuzz.{kind}", sha256="0",
                                  columns=cols)))


@FUZZ
@given(data=st.data())
def test_archives_never_raise(tmp_path_factory, data):
    inner = data.draw(st.sampled_from(sorted(SEEDS)))
    buf = io.BytesIO()
    if data.draw(st.booleans()):
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("a.txt", SEEDS[inner])
            zf.writestr(data.draw(st.sampled_from(["b.txt", "../x.txt", "/abs.txt"])),
                        SEEDS["raw"])
        name = "fuzz.zip"
    else:
        buf.write(gzip.compress(SEEDS[inner]))
        name = "fuzz.txt.gz"
    path = tmp_path_factory.mktemp("fz") / name
    path.write_bytes(data.draw(mutants(buf.getvalue())))
    _check(list(read_file(str(path))))


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    from topics.models import make_model
    from topics.vectorize import build_dtm

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(30)]
    docs = [list(rng.choice(words, 25)) for _ in range(40)]
    dtm = build_dtm(docs, [f"r{i}" for i in range(40)], min_df=1, max_df=1.0)
    root = tmp_path_factory.mktemp("models")
    out = {}
    for engine, params in (("nmf", {}), ("lda-gibbs", {"iterations": 10}), ("lsi", {})):
        model = make_model(engine, n_topics=3, seed=0, **params).fit(dtm)
        out[engine] = {f.name: f.read_bytes() for f in model.save(root / engine).iterdir()}
    return out


@FUZZ
@given(data=st.data())
def test_load_model_refuses_any_damage(saved_models, tmp_path_factory, data):
    from topics.models import load_model
    from topics.models.base import ModelFormatError

    engine = data.draw(st.sampled_from(sorted(saved_models)))
    files = dict(saved_models[engine])
    target = data.draw(st.sampled_from(sorted(files)))
    files[target] = data.draw(mutants(files[target]))
    d = tmp_path_factory.mktemp("m")
    for name, content in files.items():
        (d / name).write_bytes(content)
    try:
        model = load_model(d)
    except ModelFormatError:
        return
    # loading went through: only possible when params.json still says the same
    params = json.loads(files["params.json"])
    assert all(files[n] == saved_models[engine][n] for n in params.get("files", {}))
    assert model.n_topics_ == 3
