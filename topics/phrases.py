"""Bigram phrases (``extended_deterrence``): learned with gensim ``Phrases``, applied as
gensim's ``FrozenPhrases`` does, saved as plain JSON. Re-exported by `topics.text`."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from topics.runinfo import atomic_write_bytes

__all__ = ["PhraseModel", "learn_phrases"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhraseModel:
    """Learned bigram phrases, applied greedily left to right (as gensim ``FrozenPhrases``).

    Saved as plain JSON (`to_dict`): the phrasegrams, i.e. ``{"extended_deterrence":
    score}``, and the settings that found them. No pickle.

    Attributes
    ----------
    phrasegrams : dict of str to float
        Joined bigram (``a_b``) to its score.
    min_count, threshold, scoring, delimiter
        The settings used.
    """

    phrasegrams: Mapping[str, float]
    min_count: int = 5
    threshold: float = 10.0
    scoring: str = "default"
    delimiter: str = "_"
    _pairs: frozenset[tuple[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs = set()
        for key in self.phrasegrams:
            a, sep, b = key.partition(self.delimiter)
            if not sep or not a or not b:
                raise ValueError(
                    f"PhraseModel phrasegram {key!r} is not two words joined by {self.delimiter!r}"
                )
        # Split at every delimiter position so words that contain it still match.
        for key in self.phrasegrams:
            for i, ch in enumerate(key):
                if ch == self.delimiter and 0 < i < len(key) - 1:
                    pairs.add((key[:i], key[i + 1 :]))
        object.__setattr__(self, "_pairs", frozenset(pairs))

    def __len__(self) -> int:
        return len(self.phrasegrams)

    def apply(self, tokens: Sequence[str]) -> list[str]:
        """Join each learned bigram into one token, scanning left to right."""
        pairs, delim = self._pairs, self.delimiter
        out: list[str] = []
        i, n = 0, len(tokens)
        while i < n:
            if i + 1 < n and (tokens[i], tokens[i + 1]) in pairs:
                out.append(f"{tokens[i]}{delim}{tokens[i + 1]}")
                i += 2
            else:
                out.append(tokens[i])
                i += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "phrasegrams": dict(sorted(self.phrasegrams.items())),
            "min_count": self.min_count,
            "threshold": self.threshold,
            "scoring": self.scoring,
            "delimiter": self.delimiter,
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write `to_dict` as JSON to ``path`` (temporary file + ``os.replace``)."""
        payload = json.dumps(self.to_dict(), ensure_ascii=False, indent=1).encode("utf-8")
        return atomic_write_bytes(path, payload)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PhraseModel:
        """Read a model written by `save`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: no phrase model here (PhraseModel.save)") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not valid UTF-8 JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a JSON object, got {type(data).__name__}")
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{path}: invalid phrase model: {exc}") from exc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PhraseModel:
        """Rebuild from `to_dict` output."""
        if "phrasegrams" not in data:
            raise ValueError("PhraseModel.from_dict: missing key 'phrasegrams'")
        return cls(
            {str(k): float(v) for k, v in data["phrasegrams"].items()},
            int(data.get("min_count", 5)),
            float(data.get("threshold", 10.0)),
            str(data.get("scoring", "default")),
            str(data.get("delimiter", "_")),
        )


def learn_phrases(
    token_lists: Iterable[Sequence[str]],
    min_count: int = 5,
    threshold: float = 10.0,
    *,
    scoring: str = "default",
) -> PhraseModel:
    """Find bigram phrases with gensim ``Phrases``.

    Parameters
    ----------
    token_lists : iterable of sequence of str
        Tokenized documents (stopwords already removed, so no connector words are used).
    min_count : int, default 5
        Ignore bigrams seen fewer times.
    threshold : float, default 10.0
        Keep bigrams scoring above this. The ``"default"`` scorer (Mikolov et al. 2013) is
        ``(count(a b) - min_count) / (count(a) * count(b)) * vocabulary_size``; ``"npmi"``
        (Bouma 2009) lies in [-1, 1].
    scoring : {"default", "npmi"}

    Returns
    -------
    PhraseModel
    """
    from gensim.models.phrases import Phrases

    if scoring not in ("default", "npmi"):
        raise ValueError(f"learn_phrases: scoring must be 'default' or 'npmi'. Got {scoring!r}.")
    sentences = [list(t) for t in token_lists]
    model = Phrases(
        sentences,
        min_count=min_count,
        threshold=threshold,
        scoring=scoring,
        delimiter="_",
        connector_words=frozenset(),
    )
    grams = {str(k): float(v) for k, v in model.export_phrases().items()}
    logger.info("learn_phrases: %d phrases from %d documents", len(grams), len(sentences))
    return PhraseModel(grams, min_count, float(threshold), scoring, "_")
