"""The tokenizer as it was at commit 89a3529 (before issue 16's tokenizer work), frozen.

`benchmarks.bench_tokenize` and ``tests/test_tokenize_fast.py`` compare
`topics.tokenize.Tokenizer` against this `Tokenizer`: the same tokens, and how much
cheaper. Only the tokenizer is kept (`TextOptions` is today's); do not change it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from topics.names import DEMONYMS, NAME_PARTICLES
from topics.stopwords import CABLE_STOPWORDS, ENGLISH_STOPWORDS, place_names
from topics.tokenize import TextOptions

__all__ = ["Tokenizer"]



# ---------------------------------------------------------------------------- tokenizer

_URL_RE = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_REDACTION_RE = re.compile(r"(?<![^\W\d_])[xX]{3,}(?![^\W\d_])")
# Media partners' redaction notes: "[SOURCE REMOVED]", "[Name removed]", "(NAME REMOVED)".
_REMOVED_NOTE_RE = re.compile(r"[\[(][^\])\n]{0,40}\bremoved[\])]", re.IGNORECASE)
_MARKING_RE = re.compile(
    r"\(\s*(?:U|C|S|TS|SBU|LOU|FOUO|NF)(?:\s*/{1,2}\s*[A-Z]+)*\s*\)", re.IGNORECASE
)
# ``STATE 097844``, ``SECSTATE 12345``, ``TOKYO 001346`` (a serial with a leading zero),
# ``USNATO 123``: reference ids written as sender + serial.
_REF_SENDER_RE = re.compile(
    r"\b(?:(?:SEC)?STATE|USNATO|USUN|USEU|UNVIE|USOECD)\s+\d{2,7}\b|\b[A-Z]{3,}(?:\s[A-Z]{3,})?\s+0\d{3,6}\b"
)
_US_DOTTED_RE = re.compile(r"(?<![\w.])U\.\s?S\.?(?:\s?A\.?)?(?![\w.])")
_UN_DOTTED_RE = re.compile(r"(?<![\w.])U\.\s?N\.?(?![\w.])")
_UK_DOTTED_RE = re.compile(r"(?<![\w.])U\.\s?K\.?(?![\w.])")
_SPELLED_RE = re.compile(r"\bunited\s+(states|nations|kingdom)\b", re.IGNORECASE)
_DOTTED_ACRONYM_RE = re.compile(r"(?<![\w.])((?:[^\W\d_]\.){2,})(?![\w])")
_BARE_RE = re.compile(r"\b(USA|UN|UK)\b")
_US_RE = re.compile(r"\b([A-Za-z]+)?(\W+)?\bUS\b")
# Verbs and prepositions taking an object pronoun: ``TOLD US``, ``LET US``, ``WITH US``.
_PRONOUN_BEFORE = frozenset(
    """let told tell tells telling gave give gives giving asked ask asks informed inform
    informs briefed brief showed show shows sent send sends help helped helps join joined
    invited invite urged urge assured assure reminded remind thanked thank to for with by
    from between among against of about upon toward towards before after behind like
    allow allowed allows leave left lets offered offer pressed press called call contacted
    contact visited visit approached approach warned warn encouraged encourage requested
    request advised advise""".split()
)
_POSSESSIVE_RE = re.compile(r"(?<=[^\W\d_])['’]s\b", re.IGNORECASE)
_APOSTROPHE_RE = re.compile(r"(?<=[^\W\d_])['’](?=[^\W\d_])")
# A token starts with a letter not preceded by a word character (so ``1970s``, ``09TOKYO``
# and ``5th`` give nothing), continues with letters/digits, and may join parts with ``-``
# or ``_`` (``follow-on``, ``united_states``).
_TOKEN_RE = re.compile(r"(?<![\w])[^\W\d_][^\W_]*(?:[-_][^\W_]+)*")
_ALLCAPS_MIN_LETTERS = 20


_ASCII_NOT_LETTER = bytes(c for c in range(128) if not chr(c).isalpha())
_ASCII_NOT_UPPER = bytes(c for c in range(128) if not chr(c).isupper())
_US_WORD_RE = re.compile(r"\bUS\b")


def _is_all_caps(text: str) -> bool:
    head = text[:5000]
    if head.isascii():  # the same counts, by C-level byte deletion
        raw = head.encode("ascii")
        n_letters = len(raw.translate(None, _ASCII_NOT_LETTER))
        if n_letters < _ALLCAPS_MIN_LETTERS:
            return text.upper() == text
        return len(raw.translate(None, _ASCII_NOT_UPPER)) >= 0.9 * n_letters
    letters = [c for c in head if c.isalpha()]
    if len(letters) < _ALLCAPS_MIN_LETTERS:
        return text.upper() == text
    upper = sum(c.isupper() for c in letters)
    return upper >= 0.9 * len(letters)


@lru_cache(maxsize=1)
def _multiword_place_re() -> re.Pattern[str]:
    multi = sorted((n for n in place_names() if " " in n), key=len, reverse=True)
    alternation = "|".join(r"\s+".join(map(re.escape, n.split())) for n in multi)
    return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE)


def _trie_pattern(names: list[str]) -> str:
    """One regex matching the same strings as ``name1|name2|...``, factored by prefix.

    CPython's regex engine tries every branch of a flat alternation at every position;
    factored by common prefixes (``s(?:an\\s+jose|ao\\s+paulo|...)``) it tries a few
    characters. Spaces become ``\\s+`` as in `_multiword_place_re`.
    """
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [(r"\s+" if ch == " " else re.escape(ch)) + emit(child)
                for ch, child in sorted(node.items()) if ch]
        if "" in node:
            alts.append("")
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    return emit(trie)


@lru_cache(maxsize=1)
def _multiword_place_finder() -> re.Pattern[str]:
    """Zero-width matches exactly where `_multiword_place_re` can match (a prefix trie)."""
    multi = sorted({" ".join(n.lower().split()) for n in place_names() if " " in n})
    return re.compile(rf"\b(?=(?:{_trie_pattern(multi)})\b)", re.IGNORECASE)


def _drop_multiword_places(text: str) -> str:
    """``_multiword_place_re().sub(" ", text)``, several times faster.

    The trie finder yields every position where the flat alternation can match; the flat
    pattern is then matched there, left to right without overlap, so the replaced spans
    are the ones ``sub`` replaces.
    """
    flat = _multiword_place_re()
    pieces: list[str] = []
    last = 0
    for m in _multiword_place_finder().finditer(text):
        start = m.start()
        if start < last:
            continue
        hit = flat.match(text, start)
        if hit is not None:
            pieces.append(text[last:start])
            pieces.append(" ")
            last = hit.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


# Characters that re.IGNORECASE folds onto ASCII letters (dotless i, long s, Kelvin sign,
# dotted capital I): where one occurs, case-insensitive guards below are not trusted.
_FOLDS_TO_ASCII = ("\u0131", "\u017f", "\u212a", "\u0130")
_DOT_LETTER_DOT_RE = re.compile(r"\.[^\W\d_]\.")
_ZERO_SERIAL_RE = re.compile(r"\s0\d{3}")


def _may_fold(text: str) -> bool:
    return not text.isascii() and any(c in text for c in _FOLDS_TO_ASCII)


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
    text always gives the same tokens. Phrases are not applied here: they are learned over a
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

    def __repr__(self) -> str:
        return f"Tokenizer({self.options!r})"

    def __call__(self, text: str) -> list[str]:
        """Tokens of ``text``, in order."""
        if not isinstance(text, str):
            raise TypeError(
                f"Tokenizer expects a str (a cable body). Got {type(text).__name__}; "
                f"decode bytes first and pass '' for a missing body."
            )
        opts = self.options
        # Each pass runs only where the text holds what it needs to match (a substring
        # test is ~100 times cheaper than a regex scan); the guards are necessary
        # conditions, so the result is what running every pass gives.
        low = text.lower()
        fold = _may_fold(text)
        if "://" in text or "www." in low:
            text = _URL_RE.sub(" ", text)
        if "@" in text:
            text = _EMAIL_RE.sub(" ", text)
        text = _MARKING_RE.sub(" ", text)
        if ("STATE" in text or "US" in text or "UNVIE" in text
                or _ZERO_SERIAL_RE.search(text)):
            text = _REF_SENDER_RE.sub(" ", text)
        if "xxx" in low:
            text = _REDACTION_RE.sub(" ", text)
        if "removed" in low:
            text = _REMOVED_NOTE_RE.sub(" ", text)
        text = self._normalize_names(text, "nited" in low or fold)
        if opts.drop_place_names:
            text = _drop_multiword_places(text)
        if "'" in text or "\u2019" in text:
            text = _POSSESSIVE_RE.sub("", text)
            text = _APOSTROPHE_RE.sub("", text)
        drop, lo, hi = self._drop, opts.min_token_len, opts.max_token_len
        if not opts.lemmatize:
            return self._plain_tokens(text, drop, lo, hi, opts.lowercase)
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
    def _normalize_names(text: str, spelled: bool = True) -> str:
        if spelled:
            text = _SPELLED_RE.sub(lambda m: f" united_{m.group(1).lower()} ", text)
        if "U." in text:
            text = _US_DOTTED_RE.sub(" united_states ", text)
            text = _UN_DOTTED_RE.sub(" united_nations ", text)
            text = _UK_DOTTED_RE.sub(" united_kingdom ", text)
        if _DOT_LETTER_DOT_RE.search(text):
            text = _DOTTED_ACRONYM_RE.sub(lambda m: m.group(1).replace(".", ""), text)
        if "UN" in text or "UK" in text or "USA" in text:
            text = _BARE_RE.sub(
                lambda m: {
                    "USA": " united_states ",
                    "UN": " united_nations ",
                    "UK": " united_kingdom ",
                }[m.group(1)],
                text,
            )
        if "US" not in text or not _US_WORD_RE.search(text):
            return text
        if not _is_all_caps(text):
            return re.sub(r"\bUS\b", " united_states ", text)

        def caps(m: re.Match[str]) -> str:
            before = (m.group(1) or "").lower()
            sep = m.group(2) or ""
            # A pronoun follows its verb or preposition directly (``TOLD US``), not across
            # punctuation (``TO THE US.``).
            if before in _PRONOUN_BEFORE and sep.strip() == "":
                return m.group(0)
            return f"{m.group(1) or ''}{sep} united_states "

        return _US_RE.sub(caps, text)


def _trim_numeric_parts(token: str) -> str:
    """``post-2009`` -> ``post``; letter-digit names (``f-16``, ``g-20``) stay whole."""
    parts = token.split("-")
    if len(parts[0]) <= 2:
        return token
    kept = [p for p in parts if not p.isdigit()]
    return "-".join(kept)
