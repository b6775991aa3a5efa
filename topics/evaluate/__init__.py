"""Evaluation of topic models and choice of the number of topics.

- `coherence` / `coherence_scores`: UMass, NPMI, C_V equal to gensim's ``CoherenceModel``,
  computed with sparse products over a `ReferenceCorpus` (encode the token lists once).
- `diversity`, `exclusivity`: how distinct the topics are.
- `stability`: do topics come back with another seed (Hungarian matching, cosine).
- `tag_agreement`, `tag_lift`: chance-adjusted agreement (AMI, ARI, beside a shuffled
  baseline; NMI secondary) with the first subject TAG and the sending post.
- `heldout_likelihood`, `heldout_completion`, `heldout_bound`: per-word log-likelihood of
  held-out cables (plug-in, document completion, the engine's own bound).
- `sweep`, `recommend_k`, `parse_k_range`, `plot_sweep`: model selection over K.
"""

from topics.evaluate.coherence import (
    ALIASES,
    DEFAULT_WINDOWS,
    EPSILON,
    MEASURES,
    Coherence,
    ReferenceCorpus,
    coherence,
    coherence_scores,
    top_terms,
)
from topics.evaluate.scores import (
    diversity,
    exclusivity,
    first_subject_tag,
    heldout_bound,
    heldout_completion,
    heldout_likelihood,
    per_tag_scores,
    tag_agreement,
    tag_lift,
)
from topics.evaluate.selection import parse_k_range, plot_sweep, recommend_k, sweep
from topics.evaluate.stability import match_topics, stability

#: The architecture contract's name for the held-out score.
perplexity = heldout_likelihood

__all__ = [
    "ALIASES",
    "Coherence",
    "DEFAULT_WINDOWS",
    "EPSILON",
    "MEASURES",
    "ReferenceCorpus",
    "coherence",
    "coherence_scores",
    "diversity",
    "exclusivity",
    "first_subject_tag",
    "heldout_bound",
    "heldout_completion",
    "heldout_likelihood",
    "match_topics",
    "parse_k_range",
    "per_tag_scores",
    "perplexity",
    "plot_sweep",
    "recommend_k",
    "stability",
    "sweep",
    "tag_agreement",
    "tag_lift",
    "top_terms",
]
