"""Cable text to tokens: the tokenizer, its options, and corpus tokenizing over processes.

The tokenizer keeps what carries meaning in diplomatic cables and drops what does not.

Kept
    Acronyms (``DPRK`` -> ``dprk``, ``BMD``, ``NPT``), hyphenated words (``follow-on``),
    letter-digit names (``g-20``, ``f-16``, ``h1n1``), dotted acronyms without the dots
    (``E.U.`` -> ``eu``, ``U.S.S.R.`` -> ``ussr``).
Normalized
    The United States becomes one token, ``united_states``, because ``us`` is a stopword:
    ``United States``, ``U.S.``, ``U.S.A.``, ``USA`` always, and a bare upper-case ``US`` in mixed-case text.
    In all-caps cables (most of the 1970s) a bare ``US`` is the country unless it follows a
    verb or preposition that takes an object pronoun (``TOLD US``, ``LET US``, ``WITH
    US``), in which case it is the pronoun and dropped. ``U.N.``/``UN`` becomes
    ``united_nations`` and ``U.K.``/``UK`` ``united_kingdom`` for the same reason.
    Possessive ``'s`` is removed; other apostrophes are deleted (``don't`` -> ``dont``).
Dropped
    Numbers and tokens starting with a digit, reference ids (``09TOKYO1346``,
    ``1974ATHENS02959_b``, ``STATE 097844``, ``TOKYO 001346``), redaction marks
    (``XXXXXXXXXXXX``, ``xxxxx``), paragraph numbers and classification markings
    (``1.``, ``(C)``, ``(SBU)``, ``(S//NF)``), URLs and e-mail addresses, tokens shorter
    than ``min_token_len``, and stopwords: `ENGLISH_STOPWORDS` plus `CABLE_STOPWORDS`.

Examples
--------
>>> tok = Tokenizer(TextOptions())
>>> tok("1. (C) The U.S. raised DPRK missile tests and BMD follow-on talks (REF: STATE 097844).")
['united_states', 'raised', 'dprk', 'missile', 'tests', 'bmd', 'follow-on', 'talks']
"""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from itertools import count, filterfalse, islice
from typing import Any

import numpy as np

from topics.names import DEMONYMS, NAME_PARTICLES, learn_person_names
from topics.phrases import PhraseModel, learn_phrases
from topics.stopwords import CABLE_STOPWORDS, ENGLISH_STOPWORDS, place_names
from topics.tokenize_passes import (  # the passes before tokens are matched
    _BARE_NAMES,
    _BARE_RE,
    _DASH_DIGIT_RE,
    _MARKING_RE,
    _MAX_MATCH_IDS,
    _PRONOUN_BEFORE,
    _REDACTION_RE,
    _REMOVED_NOTE_RE,
    _TOKEN_RE,
    _UK_DOTTED_RE,
    _UN_DOTTED_RE,
    _US_DOTTED_RE,
    _US_RE,
    _US_WORD_RE,
    _ZERO_SERIAL_RE,
    _drop_apostrophes,
    _drop_emails,
    _drop_multiword_places,
    _drop_reference_ids,
    _drop_urls,
    _encode_lists,
    _is_all_caps,
    _join_dotted_acronyms,
    _join_spelled,
    _kernels,
    _lowers_in_place,
    _MatchIds,
    _may_fold,
    _trim_numeric_parts,
    code_points,
)

__all__ = [
    "TextOptions",
    "Tokenizer",
    "iter_tokenize",
    "tokenize_corpus",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextOptions:
    """How text becomes tokens. Validated on construction.

    Parameters
    ----------
    lowercase : bool, default True
        Lower-case tokens (stopwords are always matched lower-case).
    min_token_len, max_token_len : int, default 2 and 40
        Tokens outside these lengths are dropped (``max`` catches run-together junk).
    stopwords : bool, default True
        Drop `ENGLISH_STOPWORDS`.
    cable_stopwords : bool, default True
        Drop `CABLE_STOPWORDS`.
    extra_stopwords : tuple of str, default ()
        More words to drop (matched lower-case).
    keep_terms : tuple of str, default ()
        Words never dropped as stopwords or place names (e.g. ``("system", "interest")``).
    lemmatize : bool, default False
        English lemmas from ``simplemma`` (``talks`` -> ``talk``); acronyms written in
        capitals in the source, ``united_states`` and other joined tokens are left alone.
    phrases : bool, default True
        `tokenize_corpus` learns bigram phrases (``extended_deterrence``) with
        `learn_phrases` and applies them.
    phrase_min_count : int, default 5
        Minimum bigram count for a phrase.
    phrase_threshold : float, default 10.0
        Score threshold; for ``phrase_scoring="npmi"`` it must lie in [-1, 1].
    phrase_scoring : {"default", "npmi"}, default "default"
        gensim's scorer: ``"default"`` is Mikolov et al. (2013), ``"npmi"`` is normalized
        pointwise mutual information (Bouma 2009).
    drop_place_names : bool, default True
        Drop country, capital and post names (`place_names`).
    drop_demonyms : bool, default True
        Drop adjectives of nationality (`topics.names.DEMONYMS`: ``iranian``, ``russian``).
    drop_person_names : bool, default True
        Drop person names: those in ``person_names``, or, when it is empty, those
        `tokenize_corpus` learns from the corpus (`topics.names.learn_person_names`).
        A lone `Tokenizer` drops only ``person_names``.
    person_names : tuple of str, default ()
        Person names to drop (lower case).
    authorless : bool, default True
        Ask the pipeline to downsample post-specific words with `authorless_weights`.
    authorless_threshold : float, default 2.0
        Passed to `authorless_weights` as ``threshold``.

    Raises
    ------
    ValueError, TypeError
        Naming the option, the value and what was expected.
    """

    lowercase: bool = True
    min_token_len: int = 2
    max_token_len: int = 40
    stopwords: bool = True
    cable_stopwords: bool = True
    extra_stopwords: tuple[str, ...] = ()
    keep_terms: tuple[str, ...] = ()
    lemmatize: bool = False
    phrases: bool = True
    phrase_min_count: int = 5
    phrase_threshold: float = 10.0
    phrase_scoring: str = "default"
    drop_place_names: bool = True
    drop_demonyms: bool = True
    drop_person_names: bool = True
    person_names: tuple[str, ...] = ()
    authorless: bool = True
    authorless_threshold: float = 2.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("bool",) and not isinstance(value, bool):
                raise TypeError(
                    f"The {f.name!r} option of TextOptions must be a bool. Got {value!r}."
                )
            if f.type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(
                    f"The {f.name!r} option of TextOptions must be an int. Got {value!r}."
                )
            if f.type == "float" and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise TypeError(
                    f"The {f.name!r} option of TextOptions must be a number. Got {value!r}."
                )
        for name in ("extra_stopwords", "keep_terms", "person_names"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(w, str) for w in value):
                raise TypeError(
                    f"The {name!r} option of TextOptions must be a tuple of str. Got {value!r}."
                )
            object.__setattr__(self, name, tuple(value))
        if self.min_token_len < 1:
            raise ValueError(
                f"The 'min_token_len' option of TextOptions must be >= 1. Got {self.min_token_len}."
            )
        if self.max_token_len < self.min_token_len:
            raise ValueError(
                f"The 'max_token_len' option of TextOptions must be >= min_token_len="
                f"{self.min_token_len}. Got {self.max_token_len}."
            )
        if self.phrase_min_count < 1:
            raise ValueError(
                "The 'phrase_min_count' option of TextOptions must be >= 1. "
                f"Got {self.phrase_min_count}."
            )
        if self.phrase_scoring not in ("default", "npmi"):
            raise ValueError(
                "The 'phrase_scoring' option of TextOptions must be 'default' or 'npmi'. "
                f"Got {self.phrase_scoring!r}."
            )
        if self.phrase_scoring == "npmi" and not -1.0 <= self.phrase_threshold <= 1.0:
            raise ValueError(
                "The 'phrase_threshold' option of TextOptions must lie in [-1, 1] with "
                f"phrase_scoring='npmi'. Got {self.phrase_threshold}."
            )
        if self.phrase_scoring == "default" and self.phrase_threshold <= 0:
            raise ValueError(
                "The 'phrase_threshold' option of TextOptions must be > 0 with "
                f"phrase_scoring='default'. Got {self.phrase_threshold}."
            )
        if self.authorless_threshold < 1.0:
            raise ValueError(
                "The 'authorless_threshold' option of TextOptions must be >= 1 (a word may "
                f"occur this many times its expected rate). Got {self.authorless_threshold}."
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of all options (tuples as lists)."""
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in fields(self)
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TextOptions:
        """Build from a mapping (e.g. a TOML table); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"Unknown TextOptions key(s) {unknown}; expected some of {sorted(known)}."
            )
        kw = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**kw)


# ---------------------------------------------------------------------------- tokenizer

@lru_cache(maxsize=200_000)
def _lemma(token: str) -> str:
    import simplemma

    return simplemma.lemmatize(token, lang="en")


class Tokenizer:
    """Callable turning one cable text into a list of tokens (see the module docstring).

    Parameters
    ----------
    options : TextOptions, optional
        Defaults to ``TextOptions()``.

    Notes
    -----
    The tokenizer is stateless apart from caches, so calls are independent and the same
    text always gives the same tokens. The caches (the matches seen, interned by numba)
    are updated by every call: use one tokenizer per thread. Phrases are not applied here: they are learned over a
    corpus (`learn_phrases`, `tokenize_corpus`).
    """

    def __init__(self, options: TextOptions | None = None):
        options = TextOptions() if options is None else options
        if not isinstance(options, TextOptions):
            raise TypeError(
                f"Tokenizer expects a TextOptions. Got {type(options).__name__}; build one "
                f"with TextOptions(...) or TextOptions.from_dict(...)."
            )
        self.options = options
        _kernels()
        drop: set[str] = set()
        if options.stopwords:
            drop |= ENGLISH_STOPWORDS
        if options.cable_stopwords:
            drop |= CABLE_STOPWORDS
        drop |= {w.lower() for w in options.extra_stopwords}
        if options.drop_place_names:
            drop |= {n for n in place_names() if " " not in n}
        if options.drop_demonyms:
            drop |= DEMONYMS
        names = frozenset(w.lower() for w in options.person_names)
        if options.drop_person_names:
            drop |= names
        drop -= {w.lower() for w in options.keep_terms}
        self._drop = frozenset(drop)
        # "al-qadhafi": a name particle joined to a dropped name goes with it.
        self._names = names if options.drop_person_names else frozenset()
        # `_lower_tokens`' one lookup per token: dropped words, particle-name compounds
        # (``al-qadhafi``: head and rest as `_plain_tokens` splits them; no particle holds
        # a hyphen) and, when the shortest token kept has 2 letters, the ASCII letters.
        fast = set(self._drop)
        fast |= {f"{p}-{n}" for p in NAME_PARTICLES for n in self._names}
        if options.min_token_len == 2:
            fast |= set("abcdefghijklmnopqrstuvwxyz")
        self._drop_lower = frozenset(fast)
        # `_scan_forms`' state: matches interned across calls, the token of each
        self._match_ids = _MatchIds()
        self._form_names: list[str] = []
        self._form_id_of: dict[str, int] = {}
        self._scratch_ids = np.zeros(0, dtype=np.int64)
        self.forms_key = _new_forms_key()

    def __repr__(self) -> str:
        return f"Tokenizer({self.options!r})"

    def __call__(self, text: str) -> list[str]:
        """Tokens of ``text``, in order."""
        if not isinstance(text, str):
            raise TypeError(
                f"Tokenizer expects a str (a cable body). Got {type(text).__name__}; "
                f"decode bytes first and pass '' for a missing body."
            )
        text = self._prepare(text)
        opts = self.options
        if not opts.lemmatize:
            if _kernels() is not None:
                return self._scanned_tokens(text)
            if opts.lowercase and _lowers_in_place(text):
                return self._lower_tokens(text)
            return self._plain_tokens(text, self._drop, opts.min_token_len,
                                      opts.max_token_len, opts.lowercase)
        return self._lemma_tokens(text)

    def encode(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Tokens of several texts as ids: ``(vocab, ids, lengths)``.

        ``vocab`` holds the distinct tokens (list of str, in order of first appearance),
        ``ids`` (uint32) the tokens of all texts in order as indices into ``vocab``,
        ``lengths`` (int64) the number of tokens of each text. The tokens are those of
        ``[self(t) for t in texts]``, without a Python str per token: with numba, the
        prepared texts are scanned in one pass and filtered once per distinct token.

        Raises
        ------
        TypeError
            If a text is not a str (naming its index).
        """
        vocab, order, ids, lengths = self.encode_forms(texts)
        if vocab is None:
            names = self._form_names
            vocab = [names[f] for f in order.tolist()]
        return vocab, ids, lengths

    @property
    def forms(self) -> list[str]:
        """The tokens `encode_forms`' ``order`` indexes (grows; read only). It starts over
        empty, with a new `forms_key`, when the interned matches are reset."""
        return self._form_names

    def encode_forms(self, texts: Sequence[str]
                     ) -> tuple[list[str] | None, np.ndarray | None, np.ndarray, np.ndarray]:
        """`encode` without a str per distinct token: ``(vocab, order, ids, lengths)``.

        Where the numba scan applies, ``vocab`` is None and ``order`` (int64) holds the
        chunk's distinct tokens in order of first appearance as indices into `forms`, so
        the token of id ``i`` is ``self.forms[order[i]]``; `forms` only grows until its
        `forms_key` changes. Otherwise (lemmas, no numba, text beyond Unicode's first
        plane) ``order`` is None and ``vocab`` is `encode`'s. ``ids`` and ``lengths`` are
        `encode`'s either way.

        Raises
        ------
        TypeError
            If a text is not a str (naming its index).
        """
        prepared: list[str] = []
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(
                    f"Tokenizer.encode: text {i} is a {type(text).__name__}, expected str; "
                    f"decode bytes first and pass '' for a missing body"
                )
            prepared.append(self._prepare(text))
        if self.options.lemmatize or _kernels() is None or not prepared:
            return self._encode_lists(prepared)
        # "\n" is no word character: no token crosses it, and each text's first token
        # sees a non-word character before it as at the start of a text.
        joined = "\n".join(prepared)
        scanned = self._scan_forms(joined)
        if scanned is None:
            return self._encode_lists(prepared)
        starts, token_form = scanned
        keep = token_form >= 0
        # chunk ids by first appearance, and the token of each
        ids, order = _kernels().first_appearance(token_form[keep], len(self._form_names),
                                                 self._scratch())
        doc_starts = np.zeros(len(prepared), dtype=np.int64)
        np.cumsum([len(t) + 1 for t in prepared[:-1]], out=doc_starts[1:])
        bounds = np.searchsorted(starts[keep], doc_starts)
        lengths = np.diff(np.append(bounds, int(keep.sum()))).astype(np.int64)
        return None, order, ids.astype(np.uint32), lengths

    def _encode_lists(self, prepared: list[str]):
        vocab, ids, lengths = _encode_lists([self._tokens_of_prepared(t) for t in prepared])
        return vocab, None, ids, lengths

    def _tokens_of_prepared(self, text: str) -> list[str]:
        opts = self.options
        if opts.lemmatize:
            return self._lemma_tokens(text)
        return self._plain_tokens(text, self._drop, opts.min_token_len, opts.max_token_len,
                                  opts.lowercase)

    def _prepare(self, text: str) -> str:
        """The text after every pass before tokens are matched."""
        opts = self.options
        # Each pass runs only where the text holds what it needs to match (a substring
        # test is ~100 times cheaper than a regex scan); the guards are necessary
        # conditions, so the result is what running every pass gives.
        low = text.lower()
        fold = _may_fold(text)
        if "://" in text or "www." in low:
            text = _drop_urls(text)
        if "@" in text:
            text = _drop_emails(text)
        text = _MARKING_RE.sub(" ", text)
        if ("STATE" in text or "US" in text or "UNVIE" in text
                or _ZERO_SERIAL_RE.search(text)):
            text = _drop_reference_ids(text)
        if "xxx" in low:
            text = _REDACTION_RE.sub(" ", text)
        if "removed" in low:
            text = _REMOVED_NOTE_RE.sub(" ", text)
        text = self._normalize_names(text, "nited" in low or fold, fold)
        if opts.drop_place_names:
            text = _drop_multiword_places(text, fast=not fold)
        return _drop_apostrophes(text)

    def _lemma_tokens(self, text: str) -> list[str]:
        """The token loop with lemmas (``options.lemmatize``) over a prepared text."""
        opts = self.options
        drop, lo, hi = self._drop, opts.min_token_len, opts.max_token_len
        all_caps = opts.lemmatize and _is_all_caps(text)
        out: list[str] = []
        for match in _TOKEN_RE.finditer(text):
            raw = match.group()
            if "-" in raw:
                raw = _trim_numeric_parts(raw)
            low = raw.lower()
            if low in drop or not lo <= len(low) <= hi:
                continue
            if self._names and "-" in low:
                head, _, rest = low.partition("-")
                if head in NAME_PARTICLES and rest in self._names:
                    continue
            # Capitals mark an acronym only in mixed-case text; all-caps cables are lemmatized
            # throughout (simplemma leaves unknown words such as ``dprk`` as they are).
            acronym = raw.isupper() and len(raw) > 1 and not all_caps
            if opts.lemmatize and not acronym and "_" not in low:
                lemma = _lemma(low)
                if lemma != low and lemma in drop:
                    continue
                low = lemma
                raw = lemma
            out.append(low if opts.lowercase else raw)
        return out

    def _scanned_tokens(self, text: str) -> list[str]:
        """`_plain_tokens` by the numba scan: each distinct match filtered once."""
        scanned = self._scan_forms(text)
        if scanned is None:
            return self._plain_tokens(text, self._drop, self.options.min_token_len,
                                      self.options.max_token_len, self.options.lowercase)
        token_form = scanned[1]
        return list(map(self._form_names.__getitem__, token_form[token_form >= 0].tolist()))

    def _scan_forms(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The token pattern's matches in ``text`` by the numba scan: (starts, token id of
        each match, -1 where it is dropped; ids index ``self._form_names``), or None for
        text beyond Unicode's first plane. Matches are interned across calls
        (`_MatchIds`), so only those never seen before reach Python code (`_form`)."""
        k = _kernels()
        coded = code_points(text)
        if coded is None:
            return None
        cps, table = coded
        state = self._match_ids
        if state.n_ids > _MAX_MATCH_IDS:  # bound the memory: start over
            state.reset()
            self._form_names = []  # a new list: `forms` handed out before stays valid
            self._form_id_of.clear()
            self.forms_key = _new_forms_key()
        before = state.n_ids
        state.reserve(len(cps))
        starts, ends, gids, state.slots = k.scan_global(
            cps, table, state.slots, state.id_hash, state.id_start, state.id_len,
            state.chars, state.counts)
        if state.n_ids > before:  # the tokens of matches never seen before
            new = np.flatnonzero(gids >= before)
            gid, first = np.unique(gids[new], return_index=True)
            at = new[first]
            names, id_of = self._form_names, self._form_id_of
            forms = np.empty(len(gid), dtype=np.int64)
            for i, (s, e) in enumerate(zip(starts[at].tolist(), ends[at].tolist(),
                                           strict=True)):
                token = self._form(text[s:e])
                if token is None:
                    forms[i] = -1
                    continue
                f = id_of.get(token, -1)
                if f < 0:
                    f = id_of[token] = len(names)
                    names.append(token)
                forms[i] = f
            state.set_forms(gid, forms)
        return starts, state.form[gids]

    def _scratch(self) -> np.ndarray:
        """All -1, at least as long as ``self._form_names`` (`first_appearance`'s)."""
        if len(self._scratch_ids) < len(self._form_names):
            self._scratch_ids = np.full(2 * len(self._form_names), -1, dtype=np.int64)
        return self._scratch_ids

    def _form(self, raw: str) -> str | None:
        """One match's token as `_plain_tokens` keeps it, or None."""
        opts = self.options
        if "-" in raw:
            raw = _trim_numeric_parts(raw)
        low = raw.lower()
        if low in self._drop or not opts.min_token_len <= len(low) <= opts.max_token_len:
            return None
        if self._names and "-" in low:
            head, _, rest = low.partition("-")
            if head in NAME_PARTICLES and rest in self._names:
                return None
        return low if opts.lowercase else raw

    def _lower_tokens(self, text: str) -> list[str]:
        """`_plain_tokens` with ``lowercase`` where `_lowers_in_place` holds: the tokens of
        the lower-cased text, filtered by one set lookup each in C (`filterfalse`)."""
        words = _TOKEN_RE.findall(text.lower())
        if "-" in text and (not text.isascii() or _DASH_DIGIT_RE.search(text)):
            words = [_trim_numeric_parts(w) if "-" in w else w for w in words]
        out = list(filterfalse(self._drop_lower.__contains__, words))
        lo, hi = self.options.min_token_len, self.options.max_token_len
        if out and (min(map(len, out)) < lo or max(map(len, out)) > hi):
            out = [w for w in out if lo <= len(w) <= hi]
        return out

    def _plain_tokens(self, text: str, drop, lo: int, hi: int, lowercase: bool) -> list[str]:
        """The token loop without lemmas: the same tokens, one findall and a filter."""
        words = _TOKEN_RE.findall(text)
        if "-" in text:
            words = [_trim_numeric_parts(w) if "-" in w else w for w in words]
        names = self._names
        out: list[str] = []
        append = out.append
        for raw in words:
            low = raw.lower()
            if low in drop or not lo <= len(low) <= hi:
                continue
            if names and "-" in low:
                head, _, rest = low.partition("-")
                if head in NAME_PARTICLES and rest in names:
                    continue
            append(low if lowercase else raw)
        return out

    @staticmethod
    def _normalize_names(text: str, spelled: bool = True, fold: bool = True) -> str:
        if spelled:
            text = _join_spelled(text, fold)
        if "U." in text:
            text = _US_DOTTED_RE.sub(" united_states ", text)
            text = _UN_DOTTED_RE.sub(" united_nations ", text)
            text = _UK_DOTTED_RE.sub(" united_kingdom ", text)
        if "." in text:
            text = _join_dotted_acronyms(text)
        if "UN" in text or "UK" in text or "USA" in text:
            text = _BARE_RE.sub(lambda m: _BARE_NAMES[m.group()], text)
        if "US" not in text or not _US_WORD_RE.search(text):
            return text
        if not _is_all_caps(text):
            return _US_WORD_RE.sub(" united_states ", text)

        def caps(m: re.Match[str]) -> str:
            before = (m.group(1) or "").lower()
            sep = m.group(2) or ""
            # A pronoun follows its verb or preposition directly (``TOLD US``), not across
            # punctuation (``TO THE US.``).
            if before in _PRONOUN_BEFORE and sep.strip() == "":
                return m.group(0)
            return f"{m.group(1) or ''}{sep} united_states "

        return _US_RE.sub(caps, text)


# ---------------------------------------------------------------------------- corpus

_WORKER_TOKENIZER: Tokenizer | None = None
_FORMS_KEYS = count()


def _new_forms_key() -> tuple[int, int]:
    """A key no other tokenizer's `forms` has had in any process (pid, serial)."""
    return os.getpid(), next(_FORMS_KEYS)


def _init_worker(options: TextOptions) -> None:
    global _WORKER_TOKENIZER
    _WORKER_TOKENIZER = Tokenizer(options)


_DOC_SEP, _TOKEN_SEP = "\x1e", "\x1f"


def _tokenize_chunk(offset: int, texts: list[str]) -> str:
    """Tokens of a chunk packed in one string: one pickled str crosses the process
    boundary much faster than a list of lists of short strs (tokens never hold the
    separators, which are control characters)."""
    tok = _WORKER_TOKENIZER
    if tok is None:  # pragma: no cover - initializer always runs first
        raise RuntimeError("worker tokenizer not initialised")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"iter_tokenize: text {offset + i} is a {type(text).__name__}, expected str; "
                f"pass '' for a missing body"
            )
    vocab, ids, lengths = tok.encode(texts)
    words = list(map(vocab.__getitem__, ids.tolist()))
    ends = np.cumsum(lengths).tolist()
    return _DOC_SEP.join(_TOKEN_SEP.join(words[end - n:end])
                         for n, end in zip(lengths.tolist(), ends, strict=True))


def _unpack(packed: str, n: int) -> list[list[str]]:
    docs = packed.split(_DOC_SEP) if n > 1 else [packed]
    return [d.split(_TOKEN_SEP) if d else [] for d in docs]


def iter_tokenize(
    texts: Iterable[str],
    options: TextOptions | None = None,
    n_jobs: int = 2,
    chunksize: int = 256,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[str]]:
    """Tokenize a stream of texts lazily, in order.

    Parameters
    ----------
    texts : iterable of str
        Read once; at most ``4 * n_jobs`` chunks are in flight, so memory stays bounded.
    options : TextOptions, optional
    n_jobs : int, default 2
        Worker processes; ``1`` tokenizes in this process. Results do not depend on it.
    chunksize : int, default 256
        Texts per task sent to a worker.
    progress : callable, optional
        Called with the number of texts done after each chunk.

    Yields
    ------
    list of str
        Tokens of each text (phrases are not applied; see `tokenize_corpus`).
    """
    options = TextOptions() if options is None else options
    _check_jobs(n_jobs, chunksize)
    chunks = _chunks(texts, chunksize)
    done = 0
    if n_jobs == 1:
        tok = Tokenizer(options)
        for chunk in chunks:
            for text in chunk:
                yield tok(text)
            done += len(chunk)
            if progress is not None:
                progress(done)
        return
    import multiprocessing as mp

    # Type errors surface in the parent, before a worker pickles a traceback.
    Tokenizer(options)
    with mp.get_context().Pool(n_jobs, initializer=_init_worker, initargs=(options,)) as pool:
        pending: deque[Any] = deque()
        sent = 0
        for chunk in chunks:
            pending.append((len(chunk), pool.apply_async(_tokenize_chunk, (sent, chunk))))
            sent += len(chunk)
            while len(pending) >= 4 * n_jobs:
                done += yield from _drain_one(pending)
                if progress is not None:
                    progress(done)
        while pending:
            done += yield from _drain_one(pending)
            if progress is not None:
                progress(done)


def _drain_one(pending: deque[Any]):
    n, result = pending.popleft()
    yield from _unpack(result.get(), n)
    return n


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(texts)
    while chunk := list(islice(it, size)):
        yield chunk


def _check_jobs(n_jobs: int, chunksize: int) -> None:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"The 'n_jobs' parameter must be an int >= 1. Got {n_jobs!r} instead.")
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise ValueError(
            f"The 'chunksize' parameter must be an int >= 1. Got {chunksize!r} instead."
        )


def tokenize_corpus(
    texts: Iterable[str],
    options: TextOptions | None = None,
    n_jobs: int = 2,
    chunksize: int = 256,
    *,
    phrase_model: PhraseModel | None = None,
    progress: Callable[[int], None] | None = None,
    name_candidates: Iterable[str] = (),
) -> list[list[str]]:
    """Tokenize a corpus over ``n_jobs`` processes, order kept; learn names; apply phrases.

    Parameters
    ----------
    texts : iterable of str
    options : TextOptions, optional
    n_jobs : int, default 2
        Worker processes (a ``multiprocessing`` pool); ``1`` runs in-process. The result is
        the same for any ``n_jobs``.
    chunksize : int, default 256
    phrase_model : PhraseModel, optional
        Applied to every document. When None and ``options.phrases`` is set, a model is
        learned on this corpus with ``options.phrase_min_count``, ``phrase_threshold`` and
        ``phrase_scoring``; call `learn_phrases` yourself to keep (and save) the model.
    progress : callable, optional
        As in `iter_tokenize`.
    name_candidates : iterable of str
        More person-name candidates for `topics.names.learn_person_names` (e.g. from the
        cables' TAGS, `topics.names.person_names_from_tags`); used when
        ``options.drop_person_names`` is set and ``options.person_names`` is empty.

    Returns
    -------
    list of list of str
    """
    options = TextOptions() if options is None else options
    if options.drop_person_names and not options.person_names:
        texts = list(texts)
        names = learn_person_names(texts, extra_candidates=name_candidates)
        options = replace(options, person_names=tuple(sorted(names)))
    docs = list(iter_tokenize(texts, options, n_jobs, chunksize, progress))
    if phrase_model is None and options.phrases:
        phrase_model = learn_phrases(
            docs,
            options.phrase_min_count,
            options.phrase_threshold,
            scoring=options.phrase_scoring,
        )
    if phrase_model is not None:
        docs = [phrase_model.apply(d) for d in docs]
    return docs
