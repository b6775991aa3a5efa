"""The text passes of `topics.tokenize.Tokenizer`: what it rewrites or removes before tokens
are matched, and the numba road it matches tokens on.

Each pass is a regular expression's ``sub`` over the text, made cheaper without changing
what it replaces (docs/scale.md, "The tokenizer"): a literal first, so the engine skips to
it; or the pattern matched only at candidate starts that a cheap search finds (every
start where it can match, checked left to right as ``sub`` does). `_kernels` loads the
numba kernels of `topics._token_scan`; without numba every pass takes its regex road.
Every pattern here runs in linear time (tests/test_tokenize_fast.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import numpy as np

from corpora.linescan import blank_matches_at
from topics.stopwords import place_names

logger = logging.getLogger(__name__)

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
# The same matches as ``\b(?:(?:SEC)?STATE|USNATO|USUN|USEU|UNVIE|USOECD)\s+\d{2,7}\b|
# \b[A-Z]{3,}(?:\s[A-Z]{3,})?\s+0\d{3,6}\b``, branch for branch in the same order, written
# capital first so that the engine skips to capitals (4 times cheaper): the word boundary is
# checked after the first capital, and ``(?<=S)``/``(?<=U)`` pick the keywords it starts.
_REF_SENDER_RE = re.compile(
    r"[A-Z](?<!\w.)(?:(?:(?<=S)(?:ECSTATE|TATE)|(?<=U)(?:SNATO|SUN|SEU|NVIE|SOECD))"
    r"\s+\d{2,7}\b|[A-Z]{2,}(?:\s[A-Z]{3,})?\s+0\d{3,6}\b)"
)
# Each pattern begins with a literal (``U.``, ``U``, ``US``, ``u``) and checks the word
# boundary before it with a lookbehind placed after the literal: the same matches as a
# leading ``(?<![\w.])``/``\b``, but the regex engine skips to the literal with a fast
# search instead of trying a match at every position (20-60 times cheaper).
_US_DOTTED_RE = re.compile(r"U\.(?<![\w.]U\.)\s?S\.?(?:\s?A\.?)?(?![\w.])")
_UN_DOTTED_RE = re.compile(r"U\.(?<![\w.]U\.)\s?N\.?(?![\w.])")
_UK_DOTTED_RE = re.compile(r"U\.(?<![\w.]U\.)\s?K\.?(?![\w.])")
_SPELLED_RE = re.compile(r"u(?<!\w.)nited\s+(states|nations|kingdom)\b", re.IGNORECASE)
_DOTTED_ACRONYM_RE = re.compile(r"(?<![\w.])((?:[^\W\d_]\.){2,})(?![\w])")
_SPELLED_LOW_RE = re.compile(r"united(?<!\w.{6})\s+(states|nations|kingdom)\b")
_BARE_RE = re.compile(r"U(?<!\wU)(?:SA|N|K)\b")
_BARE_NAMES = {"USA": " united_states ", "UN": " united_nations ", "UK": " united_kingdom "}
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
# Possessive ``'s`` and inner apostrophes, the apostrophe first (see the U.S. patterns);
# one pair per apostrophe seen in the text (a literal first is searched fastest).
_POSSESSIVE_RE = re.compile(r"['’](?<=[^\W\d_].)s\b", re.IGNORECASE)
_APOSTROPHE_RE = re.compile(r"['’](?<=[^\W\d_].)(?=[^\W\d_])")
_APOSTROPHE_PASSES = {
    q: (re.compile(q + r"(?<=[^\W\d_].)s\b", re.IGNORECASE),
        re.compile(q + r"(?<=[^\W\d_].)(?=[^\W\d_])"))
    for q in ("'", "’")
}
# A token starts with a letter not preceded by a word character (so ``1970s``, ``09TOKYO``
# and ``5th`` give nothing), continues with letters/digits, and may join parts with ``-``
# or ``_`` (``follow-on``, ``united_states``).
_TOKEN_RE = re.compile(r"(?<![\w])[^\W\d_][^\W_]*(?:[-_][^\W_]+)*")
_ALLCAPS_MIN_LETTERS = 20


_ASCII_NOT_LETTER = bytes(c for c in range(128) if not chr(c).isalpha())
_ASCII_NOT_UPPER = bytes(c for c in range(128) if not chr(c).isupper())
_US_WORD_RE = re.compile(r"US(?<!\wUS)\b")


def _is_all_caps(text: str) -> bool:
    head = text[:5000]
    if head.isascii():  # the same counts, by C-level byte deletion
        raw = head.encode("ascii")
        n_letters = len(raw.translate(None, _ASCII_NOT_LETTER))
        if n_letters < _ALLCAPS_MIN_LETTERS:
            return text.upper() == text
        return len(raw.translate(None, _ASCII_NOT_UPPER)) >= 0.9 * n_letters
    letters = "".join(filter(str.isalpha, head))
    if len(letters) < _ALLCAPS_MIN_LETTERS:
        return text.upper() == text
    return sum(map(str.isupper, letters)) >= 0.9 * len(letters)


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


_NOT_WORD_BYTES = bytes.maketrans(
    bytes(c for c in range(256) if not (c < 128 and (chr(c).isalnum() or c == 95))),
    b" " * sum(1 for c in range(256) if not (c < 128 and (chr(c).isalnum() or c == 95))),
)


@lru_cache(maxsize=1)
def _place_first_words() -> frozenset[bytes]:
    """The first word (``\\w+`` run) of every multi-word place name, lower case."""
    multi = {" ".join(n.lower().split()) for n in place_names() if " " in n}
    return frozenset(re.match(r"\w+", n).group().encode("ascii") for n in multi)


@lru_cache(maxsize=256)
def _word_start_re(word: bytes) -> re.Pattern[str]:
    """``word`` where a word starts (the literal first, the boundary checked after it)."""
    return re.compile(re.escape(word.decode()) + rf"(?<!\w.{{{len(word)}}})")


def _place_candidates(low: str) -> Iterator[int]:
    """Positions in ``low`` (a lower-cased text, see `_lowers_in_place`) where a multi-word
    place name can start: where one of the names' first words starts a word.

    A name starts at a word boundary and its first word is followed by a non-word
    character, so that word is a whole ``\\w+`` run of the text; with every non-word ASCII
    byte made a space (and every other character a ``?`` first) it is one of the runs
    ``split`` gives. Only the first words present are then searched for, each with a
    literal first.
    """
    runs = low.encode("ascii", "replace").translate(_NOT_WORD_BYTES).split()
    present = _place_first_words().intersection(runs)
    if len(present) == 1:
        (word,) = present
        return (m.start() for m in _word_start_re(word).finditer(low))
    return iter(sorted(m.start() for w in present for m in _word_start_re(w).finditer(low)))


@lru_cache(maxsize=1)
def _place_first_hashes() -> np.ndarray:
    """`_place_first_words` as sorted `topics._token_scan.word_hash` values."""
    k = _kernels()
    return np.array(sorted({int(k.word_hash(np.frombuffer(w, dtype=np.uint8)))
                            for w in _place_first_words()}), dtype=np.uint64)


def _scanned_place_candidates(text: str) -> Iterator[int] | None:
    """`_place_candidates` by the numba scan, on ``text`` itself: the starts of the word
    runs that are, lower-cased, a first word of a name (hashes compared; every start is
    checked by the caller). None for text beyond Unicode's first plane."""
    starts = _text_scan(text, "run_starts", _place_first_hashes())
    return None if starts is None else iter(starts.tolist())


def code_points(text: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``text`` as the numba scans read it: (code points, the character-class table), ASCII
    as bytes, else UTF-32 within Unicode's first plane; None beyond it."""
    k = _kernels()
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8), k.ASCII_CLASSES
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if int(cps.max()) > 0xFFFF:
        return None
    return cps, k.bmp_classes()


def _drop_multiword_places(text: str, fast: bool = False) -> str:
    """``_multiword_place_re().sub(" ", text)``, several times faster.

    A finder yields (at least) every position where the flat alternation can match: the
    trie pattern `_multiword_place_finder`, or, with ``fast`` (the caller checked that no
    character folds onto ASCII under ``IGNORECASE``), the numba run scan
    `_scanned_place_candidates` or `_place_candidates` over the lower-cased text (where
    `_lowers_in_place` holds). The flat pattern is then matched there, left to right
    without overlap, so the replaced spans are the ones ``sub`` replaces.
    """
    flat = _multiword_place_re()
    starts: Iterable[int] | None = None
    if fast:
        if _kernels() is not None:
            starts = _scanned_place_candidates(text)
        if starts is None and _lowers_in_place(text):
            starts = _place_candidates(text.lower())
    if starts is None:
        starts = (m.start() for m in _multiword_place_finder().finditer(text))
    return blank_matches_at(text, flat, starts)


# Characters that re.IGNORECASE folds onto ASCII letters (dotless i, long s, Kelvin sign,
# dotted capital I): where one occurs, case-insensitive guards below are not trusted.
_FOLDS_TO_ASCII = ("\u0131", "\u017f", "\u212a", "\u0130")
_DOT_LETTER_DOT_RE = re.compile(r"\.[^\W\d_]\.")
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")
# ``\s0\d{3}`` (a serial with a leading zero) led by its literal "0", which `re` finds
# by a fast character search: ~15x faster over a cable than a pattern led by ``\s``.
_ZERO_SERIAL_RE = re.compile(r"0(?<=\s0)\d{3}")
# A token part of digits after a hyphen (``post-2009``): `_trim_numeric_parts` has work.
_DASH_DIGIT_RE = re.compile(r"-(?<=[^\W_]-)\d")


def _may_fold(text: str) -> bool:
    return not text.isascii() and any(c in text for c in _FOLDS_TO_ASCII)


@lru_cache(maxsize=1)
def _kernels():
    """`topics._token_scan` (numba) with its kernels loaded for both text layouts, or None
    where numba cannot be imported: the regex road (`Tokenizer._plain_tokens`) gives the
    same tokens, slower. Loaded when a `Tokenizer` is built, so that worker processes
    forked after it inherit the machine code instead of loading it each."""
    try:
        from topics import _token_scan as k
    except ImportError as exc:  # pragma: no cover - numba is a core dependency
        logger.warning("numba is not importable (%s): tokenizing with the regex road", exc)
        return None
    for cps, table in ((np.zeros(1, np.uint8), k.ASCII_CLASSES),
                       (np.zeros(1, np.uint32), k.bmp_classes())):
        k.scan(cps, table)
        k.run_starts(cps, table, np.zeros(1, np.uint64))
        k.sender_starts(cps, table)
        k.scan_global(cps, table, np.full(4, -1, np.int32), np.zeros(2, np.uint64),
                      np.zeros(2, np.int64), np.zeros(2, np.int64), np.zeros(2, np.uint32),
                      np.zeros(2, np.int64))
    k.first_appearance(np.zeros(1, np.int64), 1, np.full(1, -1, np.int64))
    k.word_hash(np.zeros(1, np.uint8))
    return k


#: Distinct matches a tokenizer keeps interned before it starts over (~100 bytes each).
_MAX_MATCH_IDS = 4_000_000


class _MatchIds:
    """A tokenizer's interned matches for `topics._token_scan.scan_global`: a hash table,
    each match's code points, and the token id it gives (-1: dropped)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.slots = np.full(1024, -1, dtype=np.int32)
        self.id_hash = np.zeros(0, dtype=np.uint64)
        self.id_start = np.zeros(0, dtype=np.int64)
        self.id_len = np.zeros(0, dtype=np.int64)
        self.chars = np.zeros(0, dtype=np.uint32)
        self.form = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(2, dtype=np.int64)  # ids, chars

    @property
    def n_ids(self) -> int:
        return int(self.counts[0])

    def reserve(self, n_cps: int) -> None:
        """Room for the ids and characters a text of ``n_cps`` code points can add."""
        need = self.n_ids + n_cps // 2 + 1
        if need > len(self.id_hash):
            cap = max(need, 2 * len(self.id_hash))
            self.id_hash = _grown(self.id_hash, cap)
            self.id_start = _grown(self.id_start, cap)
            self.id_len = _grown(self.id_len, cap)
            self.form = _grown(self.form, cap)
        need = int(self.counts[1]) + n_cps
        if need > len(self.chars):
            self.chars = _grown(self.chars, max(need, 2 * len(self.chars)))

    def set_forms(self, gids: np.ndarray, forms: np.ndarray) -> None:
        self.form[gids] = forms


def _grown(a: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=a.dtype)
    out[:len(a)] = a
    return out


def _encode_lists(docs: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(vocab, ids, lengths)`` of token lists (ids by first appearance)."""
    index: dict[str, int] = {}
    ids = [index.setdefault(t, len(index)) for doc in docs for t in doc]
    return (list(index), np.array(ids, dtype=np.uint32),
            np.array([len(d) for d in docs], dtype=np.int64))


def _lowers_in_place(text: str) -> bool:
    """True when ``text.lower()`` changes ASCII letters only (no non-ASCII capital), and no
    character is a digit without being a decimal (``²``).

    Then the lower-cased text has the same character classes at the same positions, so its
    tokens are the lower-cased tokens of ``text``, and a token part made of digits starts
    with a decimal digit (`_DASH_DIGIT_RE` finds every token `_trim_numeric_parts` changes).
    """
    if text.isascii():
        return True
    return all(c.lower() == c and (c.isdecimal() or not c.isdigit())
               for c in set("".join(_NON_ASCII_RE.findall(text))))


def _drop_apostrophes(text: str) -> str:
    """Possessive ``'s`` removed, then inner apostrophes (``don't`` -> ``dont``)."""
    straight, curly = "'" in text, "\u2019" in text
    if straight and curly:
        return _APOSTROPHE_RE.sub("", _POSSESSIVE_RE.sub("", text))
    if straight or curly:
        possessive, inner = _APOSTROPHE_PASSES["'" if straight else "\u2019"]
        return inner.sub("", possessive.sub("", text))
    return text


def _join_spelled(text: str, fold: bool = True) -> str:
    """``_SPELLED_RE.sub(" united_<name> ", text)``; where no character folds onto ASCII
    (``fold`` false) and the text lower-cases in place, by the case-sensitive
    `_SPELLED_LOW_RE` over the lower-cased text (a literal first: several times faster),
    which matches the same spans."""
    if fold or not _lowers_in_place(text):
        return _SPELLED_RE.sub(lambda m: f" united_{m.group(1).lower()} ", text)
    pieces: list[str] = []
    last = 0
    for m in _SPELLED_LOW_RE.finditer(text.lower()):
        pieces.append(text[last:m.start()])
        pieces.append(f" united_{m.group(1)} ")
        last = m.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _drop_urls(text: str) -> str:
    """``_URL_RE.sub(" ", text)``, the pattern matched only where it can start: 3 to 5
    characters before each ``://`` (``ftp``, ``http``, ``https``, in any case) and at each
    ``www.`` (found in the lower-cased text where `_lowers_in_place` holds, else the
    plain ``sub``)."""
    if not _lowers_in_place(text):
        return _URL_RE.sub(" ", text)
    starts: set[int] = set()
    for needle, offsets in (("://", (5, 4, 3)), ("www.", (0,))):
        hay = text if needle == "://" else text.lower()
        at = hay.find(needle)
        while at >= 0:
            starts.update(at - k for k in offsets if at >= k)
            at = hay.find(needle, at + 1)
    return blank_matches_at(text, _URL_RE, sorted(starts))


def _drop_reference_ids(text: str) -> str:
    """``_REF_SENDER_RE.sub(" ", text)``: with numba, the pattern is matched only at the
    starts `topics._token_scan.sender_starts` gives (every start where it can match), left
    to right without overlap as ``sub`` does."""
    starts = _text_scan(text, "sender_starts")
    if starts is None:
        return _REF_SENDER_RE.sub(" ", text)
    return blank_matches_at(text, _REF_SENDER_RE, starts.tolist())


def _text_scan(text: str, kernel: str, *args) -> np.ndarray | None:
    """``topics._token_scan.<kernel>(code points, class table, *args)`` over ``text``, or
    None without numba or for text beyond Unicode's first plane."""
    k = _kernels()
    coded = code_points(text) if k is not None else None
    if coded is None:
        return None
    return getattr(k, kernel)(*coded, *args)


def _drop_emails(text: str) -> str:
    """The e-mail pattern's ``sub(" ", text)`` in linear time (it is only ever matched here).

    Searched at every position, the pattern's ``[\\w.+-]+@`` runs to the end of each word
    run looking for an ``@``: quadratic in the run's length. A match uses the first ``@``
    after its start, and every start inside one run of ``[\\w.+-]`` before that ``@`` gives
    the same domain, so the leftmost match is at the run's start (or where the last match
    ended); the pattern is matched there only, once per ``@``.
    """
    pieces: list[str] = []
    last = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > last and (text[start - 1].isalnum() or text[start - 1] in "_.+-"):
            start -= 1
        hit = _EMAIL_RE.match(text, start) if start < at else None
        if hit is not None:
            pieces.append(text[last:start])
            pieces.append(" ")
            last = hit.end()
        at = text.find("@", max(at + 1, last))
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _join_dotted_acronyms(text: str) -> str:
    """``_DOTTED_ACRONYM_RE.sub(<the letters without dots>, text)``, tried only where it can
    match.

    A match ``L.L.`` starting at ``p`` holds ``.L.`` at ``p + 1``; `_DOT_LETTER_DOT_RE`
    (a literal-first search) finds that occurrence even without overlaps, because an
    occurrence at ``p - 1`` or ``p`` would need a dot at ``p - 1`` or ``p`` (the match rules
    out both). The pattern is then matched at ``p`` only, left to right as ``sub`` does.
    """
    pieces: list[str] = []
    last = 0
    for m in _DOT_LETTER_DOT_RE.finditer(text):
        start = m.start() - 1
        if start < last:
            continue
        hit = _DOTTED_ACRONYM_RE.match(text, start)
        if hit is not None:
            pieces.append(text[last:start])
            pieces.append(hit.group(1).replace(".", ""))
            last = hit.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _trim_numeric_parts(token: str) -> str:
    """``post-2009`` -> ``post``; letter-digit names (``f-16``, ``g-20``) stay whole."""
    parts = token.split("-")
    if len(parts[0]) <= 2:
        return token
    kept = [p for p in parts if not p.isdigit()]
    return "-".join(kept)
