"""LDAvis JSON: what pyLDAvis.prepare would compute, without refitting anything."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from topics.report.ldavis import ldavis_data, write_ldavis_json


def _model(seed: int = 0, k: int = 6, v: int = 80, n: int = 300):
    rng = np.random.default_rng(seed)
    phi = rng.dirichlet(np.full(v, 0.1), k)
    theta = rng.dirichlet(np.full(k, 0.3), n)
    lengths = rng.integers(20, 200, n)
    return phi, theta, lengths, [f"w{i}" for i in range(v)]


def test_ldavis_json_is_consistent(tmp_path):
    phi, theta, lengths, vocab = _model()
    ids = [10, 11, 12, 13, 14, 15]
    d = ldavis_data(phi, theta, lengths, vocab, r=12, lambda_step=0.1, topic_ids=ids)
    freq = np.asarray(d["mdsDat"]["Freq"])
    assert freq.sum() == pytest.approx(100) and (np.diff(freq) <= 0).all()  # by size
    size = theta.T @ lengths
    assert d["topic_ids"] == [ids[i] for i in np.argsort(-size, kind="stable")]
    assert d["topic.order"] == [t + 1 for t in d["topic_ids"]]
    ti = pd.DataFrame(d["tinfo"])
    # λ = 1 is in the grid: each topic's R most probable terms are among its rows
    for j, tid in enumerate(d["topic_ids"]):
        rows = ti[ti["Category"] == f"Topic{j + 1}"]
        top = {vocab[i] for i in np.argsort(-phi[ids.index(tid)])[:12]}
        assert top <= set(rows["Term"])
        np.testing.assert_allclose(
            rows["logprob"], np.round(np.log(phi[ids.index(tid)][[vocab.index(t) for t in
                                                                   rows["Term"]]]), 4))
    assert (ti["Category"] == "Default").sum() == 12
    path = write_ldavis_json(tmp_path / "ldavis.json", d)
    assert json.loads(path.read_text())["R"] == 12
    with pytest.raises(ValueError, match="do not agree"):
        ldavis_data(phi, theta[:, :3], lengths, vocab)


def test_ldavis_matches_pyldavis_prepare():
    pyldavis = pytest.importorskip(
        "pyLDAvis", reason="pyLDAvis is not installed (pip install pyLDAvis==3.4.1 to compare)")
    phi, theta, lengths, vocab = _model(seed=3)
    tf = ((theta.T * lengths).T @ phi).sum(axis=0)
    ours = ldavis_data(phi, theta, lengths, vocab, r=15, lambda_step=0.05)
    theirs = pyldavis.prepare(phi, theta, lengths, vocab, tf, R=15, lambda_step=0.05,
                              n_jobs=1, sort_topics=True).to_dict()
    assert ours["topic.order"] == theirs["topic.order"]
    np.testing.assert_allclose(ours["mdsDat"]["Freq"], theirs["mdsDat"]["Freq"])
    a, b = pd.DataFrame(ours["tinfo"]), pd.DataFrame(theirs["tinfo"])
    topic_rows = a[a["Category"] != "Default"].merge(
        b[b["Category"] != "Default"], on=["Category", "Term"], how="outer", indicator=True)
    assert (topic_rows["_merge"] == "both").all()  # the same terms for every topic
    for col in ("Freq", "Total", "logprob", "loglift"):
        np.testing.assert_allclose(topic_rows[f"{col}_x"], topic_rows[f"{col}_y"], atol=1e-3)
    assert set(a.loc[a["Category"] == "Default", "Term"]) == set(
        b.loc[b["Category"] == "Default", "Term"])
    ta, tb = pd.DataFrame(ours["token.table"]), pd.DataFrame(theirs["token.table"])
    tok = ta.merge(tb, on=["Term", "Topic"], how="outer", indicator=True)
    assert (tok["_merge"] == "both").all()
    np.testing.assert_allclose(tok["Freq_x"], tok["Freq_y"], atol=1e-9)
