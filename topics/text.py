"""Cable text to tokens: cleaning, stopwords, lemmas, phrases, and author downweighting.

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

The code lives in `topics.tokenize` (tokenizer, options, corpus tokenizing),
`topics.stopwords` (stopwords, place names), `topics.phrases` (bigram phrases) and
`topics.authorless` (author downweighting); this module re-exports them.

Examples
--------
>>> tok = Tokenizer(TextOptions())
>>> tok("1. (C) The U.S. raised DPRK missile tests and BMD follow-on talks (REF: STATE 097844).")
['united_states', 'raised', 'dprk', 'missile', 'tests', 'bmd', 'follow-on', 'talks']
"""

from __future__ import annotations

from topics.authorless import authorless_counts, authorless_keep_rates, authorless_weights
from topics.phrases import PhraseModel, learn_phrases
from topics.stopwords import CABLE_STOPWORDS, ENGLISH_STOPWORDS, place_names
from topics.tokenize import TextOptions, Tokenizer, iter_tokenize, tokenize_corpus

__all__ = [
    "CABLE_STOPWORDS",
    "ENGLISH_STOPWORDS",
    "PhraseModel",
    "TextOptions",
    "Tokenizer",
    "authorless_counts",
    "authorless_keep_rates",
    "authorless_weights",
    "iter_tokenize",
    "learn_phrases",
    "place_names",
    "tokenize_corpus",
]
