"""Topic models behind one interface: `TopicModel`, `make_model`, `load_model`, `ENGINES`.

Engines wrap gensim, scikit-learn and tomotopy; ``lda-numba`` is our own numba sampler:

=================  ==========================================  ================================
engine             library                                     inference
=================  ==========================================  ================================
``lda-gibbs``      tomotopy ``LDAModel``                       collapsed Gibbs sampling
``lda-numba``      our numba sampler (no library wrapped)      collapsed Gibbs, sparse/dense/MH
``lda``            gensim ``LdaModel``                         online variational Bayes
``lda-multicore``  gensim ``LdaMulticore``                     online VB in worker processes
``lda-sklearn``    scikit-learn ``LatentDirichletAllocation``  batch variational Bayes
``nmf``            scikit-learn ``NMF`` on TF-IDF              coordinate descent (default)
``lsi``            gensim ``LsiModel``                         randomised truncated SVD
``hdp``            gensim ``HdpModel``                         online VB, number of topics inferred
``llda``           tomotopy ``LLDAModel`` (subject TAGS)       Gibbs, one topic per TAG
``plda``           tomotopy ``PLDAModel`` (subject TAGS)       Gibbs, TAG topics + latent topics
``dmr``            tomotopy ``DMRModel`` / ``GDMRModel``       Gibbs, prior from covariates
``dtm``            tomotopy ``DTModel`` (yearly slices)        SGLD + Gibbs, drifting topics
=================  ==========================================  ================================

Examples
--------
>>> model = make_model("lda-gibbs", n_topics=30, seed=1, iterations=300)  # doctest: +SKIP
>>> model.fit(dtm).save("run/model")                                      # doctest: +SKIP
>>> load_model("run/model").transform(new_dtm)                            # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from topics.models.base import ModelFormatError, TopicModel, read_params
from topics.models.gensim_lda import GensimLda, GensimLdaMulticore
from topics.models.gensim_other import GensimHdp, GensimLsi
from topics.models.sklearn_models import SklearnLda, SklearnNmf
from topics.models.sparse_lda import NumbaLda
from topics.models.tomotopy_covariates import TomotopyDmr, TomotopyDtm
from topics.models.tomotopy_labeled import TomotopyLlda, TomotopyPlda
from topics.models.tomotopy_lda import TomotopyLda

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "ModelFormatError",
    "TopicModel",
    "load_model",
    "make_model",
]

#: Engine name -> TopicModel subclass.
ENGINES: dict[str, type[TopicModel]] = {
    cls.engine: cls
    for cls in (
        TomotopyLda,
        NumbaLda,
        GensimLda,
        GensimLdaMulticore,
        SklearnLda,
        SklearnNmf,
        GensimLsi,
        GensimHdp,
        TomotopyLlda,
        TomotopyPlda,
        TomotopyDmr,
        TomotopyDtm,
    )
}

#: Best matched-topic quality per second on planted data (see benchmarks/bench_models.py).
DEFAULT_ENGINE = "nmf"


def _engine_class(engine: str, where: str = "make_model") -> type[TopicModel]:
    try:
        return ENGINES[engine]
    except (KeyError, TypeError):
        raise ValueError(
            f"{where}: unknown engine {engine!r}; valid engines: {sorted(ENGINES)}"
        ) from None


def make_model(
    engine: str = DEFAULT_ENGINE, n_topics: int = 20, seed: int = 0, **params: Any
) -> TopicModel:
    """An unfitted topic model of the named engine.

    Parameters
    ----------
    engine : str, default "nmf"
        A key of `ENGINES`.
    n_topics : int, default 20
        Number of topics (an upper bound for ``hdp``).
    seed : int, default 0
        The engine's random seed.
    **params
        Engine parameters (see each engine's class docstring).

    Returns
    -------
    TopicModel

    Raises
    ------
    ValueError
        For an unknown engine or parameter; the message lists the valid ones. Parameter
        values are validated at ``fit``.
    """
    cls = _engine_class(engine)
    valid = cls.param_names()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"make_model: unknown parameter(s) {unknown} for engine {engine!r}; valid "
            f"parameters: {[p for p in valid if p not in ('n_topics', 'seed')]}"
        )
    return cls(n_topics=n_topics, seed=seed, **params)


def load_model(directory: str | os.PathLike[str]) -> TopicModel:
    """A fitted model saved with `TopicModel.save`; reads JSON, ``.npy`` and native files.

    Never unpickles: arrays are loaded with ``allow_pickle=False``.

    Raises
    ------
    ModelFormatError
        When a file is missing or malformed, or the engine is unknown.
    """
    d = Path(directory)
    meta = read_params(d)
    try:
        cls = _engine_class(meta["engine"], where=str(d / "params.json"))
    except ValueError as exc:
        raise ModelFormatError(str(exc)) from None
    return cls._load(d, meta)
