"""topics: vectorize cable corpora, fit topic models, cluster themes, evaluate, report.

The names below are imported lazily (on first use), so ``import topics`` stays cheap and
does not pull in gensim, scikit-learn or tomotopy until they are needed.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "RunConfig": "topics.config",
    "ConfigError": "topics.config",
    "run": "topics.pipeline",
    "verify": "topics.pipeline",
    "PipelineError": "topics.pipeline",
    "TextOptions": "topics.text",
    "Tokenizer": "topics.text",
    "tokenize_corpus": "topics.text",
    "learn_phrases": "topics.text",
    "Vocabulary": "topics.vectorize",
    "DocTermMatrix": "topics.vectorize",
    "build_dtm": "topics.vectorize",
    "TopicModel": "topics.models",
    "make_model": "topics.models",
    "load_model": "topics.models",
    "ENGINES": "topics.models",
    "fit_themes": "topics.themes",
    "label_topics": "topics.themes",
    "label_themes": "topics.themes",
    "coherence": "topics.evaluate",
    "diversity": "topics.evaluate",
    "stability": "topics.evaluate",
    "tag_agreement": "topics.evaluate",
    "sweep": "topics.evaluate",
    "recommend_k": "topics.evaluate",
    "render_report": "topics.report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'topics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
