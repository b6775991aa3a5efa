"""topics: vectorize cable corpora, fit topic models, cluster themes, evaluate, report."""

__all__: list[str] = []
