"""Person names and demonyms: words that make topics about people and nations, not subjects.

Themes named ``chavez, venezuelan, morales`` group cables by who or which country they
mention, which the sending post and the country TAGS already tell. The tokenizer drops, by
default (`topics.text.TextOptions` ``drop_person_names``, ``drop_demonyms``):

- `DEMONYMS`: adjectives of nationality (``iranian``, ``russian``, ``chinese``), the
  companions of the place names `topics.text.place_names` drops;
- person names learned from the corpus itself by `learn_person_names`: a word is a name
  when it follows a title (``President``, ``Minister``, ``Mr.``, ``Ambassador``) at least
  ``min_count`` times and, where the corpus writes it in mixed case, it is (almost) never
  written in lower case. All-caps cables contribute candidates after their titles, but a
  candidate must pass the mixed-case test, so the detector works on all-caps cables with
  what the mixed-case ones teach it. Person TAGS (``CLINTON``, ``HILLARY`` in a TAGS line)
  are candidates too (`person_names_from_tags`).

Every regex here runs in linear time (no nested quantifiers). With numba (a core
dependency), `count_names` and `count_beside` find these regexes' matches with the kernels
of `topics._names_scan`, a batch of bodies per call, and give the same counts (tested
against the regexes and against the passes frozen in `benchmarks.names_reference`).

Examples
--------
>>> sorted(learn_person_names(["President Chavez spoke. Mr. Chavez left.",
...                            "The talks with Minister Lavrov went well; Lavrov smiled."],
...                           min_count=1))
['chavez', 'lavrov']
>>> "iranian" in DEMONYMS
True
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field

__all__ = [
    "DEMONYMS",
    "NAME_PARTICLES",
    "TITLES",
    "NameCounts",
    "count_beside",
    "count_names",
    "final_names",
    "first_names",
    "learn_person_names",
    "load_kernels",
    "person_names_from_tags",
]

logger = logging.getLogger(__name__)

#: Adjectives and nouns of nationality (lower case), for countries and regions cables name.
DEMONYMS = frozenset(
    """afghan afghans albanian albanians algerian algerians andorran angolan angolans
argentine argentines argentinian armenian armenians australian australians austrian austrians
azerbaijani azerbaijanis azeri azeris bahamian bahraini bahrainis bangladeshi bangladeshis
barbadian belarusian belarusians belgian belgians belizean beninese bhutanese bolivian
bolivians bosnian bosnians botswanan brazilian brazilians british bruneian bulgarian
bulgarians burkinabe burmese burundian cambodian cambodians cameroonian cameroonians
canadian canadians chadian chilean chileans chinese colombian colombians comoran congolese
croatian croatians croat croats cuban cubans cypriot cypriots czech czechs danish dane danes
djiboutian dominican dominicans dutch ecuadorian ecuadorians egyptian egyptians emirati
emiratis eritrean eritreans estonian estonians ethiopian ethiopians fijian filipino filipinos
finnish finn finns french gabonese gambian georgian georgians german germans ghanaian
ghanaians greek greeks grenadian guatemalan guatemalans guinean guineans guyanese haitian
haitians honduran hondurans hungarian hungarians icelandic icelander icelanders indian
indians indonesian indonesians iranian iranians iraqi iraqis irish israeli israelis italian
italians ivorian jamaican jamaicans japanese jordanian jordanians kazakh kazakhs kazakhstani
kenyan kenyans korean koreans kosovar kosovars kosovan kuwaiti kuwaitis kyrgyz lao laotian
latvian latvians lebanese liberian liberians libyan libyans lithuanian lithuanians
luxembourgish macedonian macedonians malagasy malawian malaysian malaysians maldivian malian
maltese mauritanian mauritian mexican mexicans moldovan moldovans monegasque mongolian
mongolians montenegrin montenegrins moroccan moroccans mozambican namibian nepali nepalese
nicaraguan nicaraguans nigerian nigerians nigerien norwegian norwegians omani omanis
pakistani pakistanis palestinian palestinians panamanian panamanians paraguayan paraguayans
peruvian peruvians polish pole poles portuguese qatari qataris romanian romanians russian
russians rwandan rwandans salvadoran salvadorans samoan saudi saudis senegalese serbian
serbians serb serbs seychellois singaporean singaporeans slovak slovaks slovakian slovenian
slovenians slovene somali somalis somalian spanish spaniard spaniards sri_lankan sudanese
surinamese swazi swedish swede swedes swiss syrian syrians taiwanese tajik tajiks tanzanian
tanzanians thai thais timorese togolese tongan trinidadian tunisian tunisians turkish turk
turks turkmen ugandan ugandans ukrainian ukrainians uruguayan uruguayans uzbek uzbeks
venezuelan venezuelans vietnamese rican ricans yemeni yemenis zambian zambians zimbabwean zimbabweans
arab arabs persian kurdish kurd kurds pashtun pashtuns baluch tamil tamils sinhalese
balkan caribbean scandinavian nordic baltic latin_american latin_americans african africans
asian asians european europeans""".split()
)

#: Words after which a capitalised word is taken as a person-name candidate.
TITLES = frozenset(
    """mr mrs ms dr president minister ambassador senator sen rep congressman congresswoman
general gen admiral adm colonel col lieutenant lt major maj captain capt sergeant secretary
chancellor premier king queen prince princess sheikh shaykh sheik emir amir sultan governor
gov mayor judge justice bishop archbishop cardinal father imam ayatollah cleric chairman
chairwoman commissioner speaker prosecutor professor prof pm fm vp deputy director
undersecretary counselor counsellor envoy mp senior candidate amb brigadier crown vice
first lady""".split()
)

# A run of title words, then the capitalised word(s) that follow. Each part is a bounded
# character class followed by a single separator: linear time.
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]{0,30}\.?")
# Each pattern starts with what it matches first and checks the character before after it
# (the same matches as a leading lookbehind, which the engine would try at every position).
_LOWER_RE = re.compile(r"[a-z](?<![A-Za-z][a-z])[a-z'-]{1,30}(?![A-Za-z])")
_CAP_RE = re.compile(r"[A-Z](?<![A-Za-z][A-Z])[a-z][a-z'-]{0,29}(?![A-Za-z])")
_THE_RE = re.compile(r"he (?<=(?<![A-Za-z])[Tt]he )([A-Z][a-z][a-z'-]{0,29})(?![A-Za-z])")

#: Largest share of a name's capitalised occurrences that may follow "the".
MAX_THE_SHARE = 0.1

_PAIR_RE = re.compile(r"([A-Z](?<![A-Za-z][A-Z])[a-z]{1,30}) ([A-Z][a-z]{1,30})(?![A-Za-z])")

#: Particles of Arabic names written joined to the name (``al-Qadhafi``, ``bin-Laden``).
NAME_PARTICLES = frozenset({"al", "el", "bin", "ibn", "abu", "abd", "bani", "ould"})

#: Share of a word's mixed-case occurrences that may be lower case for it to be a name.
MAX_LOWER_SHARE = 0.05

#: Words never taken as names (frequent sentence words written capitalised in headings).
_NEVER = frozenset(
    """the a an and or of for in on to with by at from as is was are were be been has have
had will would said says told met noted added stated that this these those who which
he she they it his her their its we our us you i not no but also after before during
assembly council party office ministry committee court parliament congress government
embassy department union commission agency forces army navy staff affairs bank house
state states national foreign defense defence interior justice finance economy trade
january february march april may june july august september october november december
islam islamic muslim muslims christian christians christianity catholic catholics jewish
jews judaism hindu hindus buddhist buddhists sunni sunnis shia shiite shiites alevi alevis
orthodox protestant evangelical""".split()
)


_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_ASCII_UPPER = bytes(range(65, 91))
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


#: Characters at the start of a body that `_is_all_caps` reads.
_HEAD = 5000


def _is_all_caps(text: str) -> bool:
    head = text[:_HEAD]
    # ASCII letters counted in C (bytes.translate deletes them), the rest one by one.
    raw = head.encode("ascii", "ignore")
    n_letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    n_upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
    if len(raw) < len(head):
        others = [c for c in _NON_ASCII_RE.findall(head) if c.isalpha()]
        n_letters += len(others)
        n_upper += sum(c.isupper() for c in others)
    return n_letters > 0 and n_upper >= 0.9 * n_letters


_TITLE_FORMS = frozenset(TITLES | {t + "." for t in TITLES})


def _capital(bare: str, all_caps: bool) -> bool:
    return bare[:1].isupper() and (all_caps or not bare.isupper() or len(bare) <= 3)


def _after_title(title: str, word: str, all_caps: bool) -> str | None:
    """The lower-cased name candidate ``word`` (a `_WORD_RE` token) after the title-form
    token ``title``, or None: the title is capitalised and the word is a capitalised
    non-title word, not in `_NEVER`, of 3+ letters, without an apostrophe."""
    if not _capital(title.rstrip("."), all_caps):
        return None
    bare = word.rstrip(".")
    low = bare.lower()
    if low in TITLES or not _capital(bare, all_caps):
        return None  # another title word (the run goes on) or not a name
    if low not in _NEVER and len(low) > 2 and "'" not in low:
        return low
    return None


def _after_titles(text: str, all_caps: bool) -> list[str]:
    """Lower-cased words right after a run of title words (the first non-title word)."""
    words = _WORD_RE.findall(text)
    lows = list(map(str.lower, words))
    out = []
    # Only a word after a title word can be taken: look at those, in order.
    for i in [i for i, low in enumerate(lows) if low in _TITLE_FORMS]:
        if i + 1 < len(words):
            low = _after_title(words[i], words[i + 1], all_caps)
            if low is not None:
                out.append(low)
    return out


@dataclass
class NameCounts:
    """The first pass of `learn_person_names` over some cables: mergeable counts.

    ``after``: words after a title; ``lower`` / ``capital``: a word's lower-case and
    capitalised occurrences in mixed-case cables; ``after_the``: capitalised after "the".
    Count batches in worker processes (`count_names`), `merge` them, then `first_names`.
    """

    after: Counter = field(default_factory=Counter)
    lower: Counter = field(default_factory=Counter)
    capital: Counter = field(default_factory=Counter)
    after_the: Counter = field(default_factory=Counter)

    def merge(self, other: NameCounts) -> NameCounts:
        self.after.update(other.after)
        self.lower.update(other.lower)
        self.capital.update(other.capital)
        self.after_the.update(other.after_the)
        return self

    def passes(self, w: str, max_lower_share: float = MAX_LOWER_SHARE) -> bool:
        """Written capitalised, rarely in lower case, and not after "the" (the Senate, the
        Taliban, the Muslim community): a person's name takes no article."""
        lower, capital = self.lower[w], self.capital[w]
        seen = lower + capital
        return (seen >= 2 and lower <= max_lower_share * seen
                and self.after_the[w] <= MAX_THE_SHARE * max(capital, 1))


#: Characters of bodies scanned by one call of the numba kernel (the batch is cut there).
_SCAN_CHARS = 16_000_000
_KERNEL: object = None


def load_kernels() -> bool:
    """Load the numba kernels of `count_names` and `count_beside` (from numba's disk cache,
    or compiled: seconds, once), so that worker processes forked after this call inherit
    them. False where numba cannot be imported (the regex road: the same counts, slower)."""
    return _kernel() is not None


def _kernel():
    """`topics._names_scan` with its kernels compiled, and the title forms' hashes, or None
    where numba cannot be imported (then `count_names` takes the regex road)."""
    global _KERNEL
    if _KERNEL is None:
        try:
            import numpy as np

            from topics import _names_scan as k
        except ImportError as exc:  # pragma: no cover - numba is a core dependency
            logger.warning("numba is not importable (%s): names by the regex road", exc)
            _KERNEL = False
            return None
        forms = sorted(_TITLE_FORMS, key=lambda f: int(k.word_hash(np.frombuffer(
            f.encode(), np.uint8))))
        hashes = np.array([k.word_hash(np.frombuffer(f.encode(), np.uint8)) for f in forms],
                          dtype=np.uint64)
        table = np.zeros((len(forms), max(map(len, forms))), dtype=np.uint8)
        for i, f in enumerate(forms):
            table[i, :len(f)] = np.frombuffer(f.encode(), np.uint8)
        lengths = np.array([len(f) for f in forms], dtype=np.int64)
        _KERNEL = (k, hashes, k.title_filter(hashes), table, lengths)
        one = np.zeros(1, np.int64)
        k.scan_names(np.zeros(1, np.uint8), one, one, np.ones(1, bool), *_KERNEL[1:])
        k.scan_pairs(np.zeros(1, np.uint8), one, one, np.ones(1, bool))
        k.head_case(np.zeros(1, np.uint8), one, one, _HEAD)
    return _KERNEL or None


def _count_regex(counts: NameCounts, text: str, caps: bool) -> None:
    counts.after.update(_after_titles(text, caps))
    if not caps:
        counts.lower.update(_LOWER_RE.findall(text))
        counts.capital.update(map(str.lower, _CAP_RE.findall(text)))


def _joined(texts: list[str]):
    """``texts`` joined by newlines (no pattern's character: no match crosses one) as the
    numba kernels read them: one byte per character, every non-ASCII one ``?`` (no
    pattern matches either); with each text's start and end."""
    import numpy as np

    joined = "\n".join(texts)
    cps = np.frombuffer(joined.encode("ascii", "replace"), dtype=np.uint8)
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    ends = np.cumsum(lengths + 1) - 1
    return joined, cps, ends - lengths, ends


def _words(joined: str, id_start, id_end) -> list[str]:
    return [joined[s:e].lower() for s, e in zip(id_start.tolist(), id_end.tolist(),
                                                  strict=True)]


def _all_caps(texts: list[str], cps, starts, ends) -> list[bool]:
    """`_is_all_caps` of each of ``texts`` (joined in ``cps``): those whose head is ASCII
    counted by `topics._names_scan.head_case`, the others by `_is_all_caps` itself."""
    k = _kernel()[0]
    letters, upper = k.head_case(cps, starts, ends, _HEAD)
    return [(n > 0 and u >= 0.9 * n) if text.isascii() or text[:_HEAD].isascii()
            else _is_all_caps(text)
            for text, n, u in zip(texts, letters.tolist(), upper.tolist(), strict=True)]


def _count_scanned(counts: NameCounts, texts: list[str]) -> None:
    """`_count_regex` and the "the X" counts over ``texts`` by one call of
    `topics._names_scan.scan_names`."""
    import numpy as np

    k, *titles = _kernel()
    joined, cps, starts, ends = _joined(texts)
    caps = _all_caps(texts, cps, starts, ends)
    for text, all_caps in zip(texts, caps, strict=True):
        if not all_caps:
            counts.after_the.update(map(str.lower, _THE_RE.findall(text)))
    id_start, id_end, n, pairs = k.scan_names(cps, starts, ends, ~np.array(caps, dtype=bool),
                                              *titles)
    words = _words(joined, id_start, id_end)
    counts.lower.update({w: c for w, c in zip(words, n[:, 0].tolist(), strict=True) if c})
    counts.capital.update({w: c for w, c in zip(words, n[:, 1].tolist(), strict=True) if c})
    after = []
    for b, s1, e1, s2, e2 in pairs.tolist():
        low = _after_title(joined[s1:e1], joined[s2:e2], caps[b])
        if low is not None:
            after.append(low)
    counts.after.update(after)


def _beside_scanned(beside: Counter, texts: list[str], names: Set[str]) -> None:
    """`count_beside` over ``texts`` by one call of `topics._names_scan.scan_pairs`."""
    import numpy as np

    k = _kernel()[0]
    joined, cps, starts, ends = _joined(texts)
    mixed = ~np.array(_all_caps(texts, cps, starts, ends), dtype=bool)
    id_start, id_end, first, second = k.scan_pairs(cps, starts, ends, mixed)
    words = _words(joined, id_start, id_end)
    known = np.fromiter((w in names for w in words), dtype=bool, count=len(words))
    a, b = known[first], known[second]
    near = np.bincount(np.concatenate((second[a & ~b], first[b & ~a])), minlength=len(words))
    beside.update({words[i]: int(near[i]) for i in np.flatnonzero(near).tolist()})


def _chunks(texts: Iterable[str]) -> Iterator[list[str]]:
    """The non-empty ``texts``, `_SCAN_CHARS` characters at a time."""
    chunk: list[str] = []
    size = 0
    for text in texts:
        if not text:
            continue
        chunk.append(text)
        size += len(text)
        if size >= _SCAN_CHARS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def count_names(texts: Iterable[str]) -> NameCounts:
    """`NameCounts` of some cable bodies (the first pass of `learn_person_names`).

    With numba, the words after titles and the lower-case and capitalised words are found
    by `topics._names_scan.scan_names`, some million characters of bodies per call; the
    counts are those of the module's regexes (tested against them).
    """
    counts = NameCounts()
    if _kernel() is not None:
        for chunk in _chunks(texts):
            _count_scanned(counts, chunk)
        return counts
    for text in texts:
        if not text:
            continue
        caps = _is_all_caps(text)
        _count_regex(counts, text, caps)
        if not caps:
            counts.after_the.update(map(str.lower, _THE_RE.findall(text)))
    return counts


def first_names(counts: NameCounts, *, min_count: int = 2, extra_candidates: Iterable[str] = (),
                max_lower_share: float = MAX_LOWER_SHARE) -> set[str]:
    """Names after the first pass: candidates that `NameCounts.passes`."""
    candidates = {w for w, c in counts.after.items() if c >= min_count}
    candidates |= {str(w).lower() for w in extra_candidates}
    names = {w for w in candidates if counts.passes(w, max_lower_share)}
    logger.debug("learn_person_names: %d candidates", len(candidates))
    return names - (TITLES | DEMONYMS | _NEVER)


def count_beside(texts: Iterable[str], names: Set[str]) -> Counter:
    """Second pass: capitalised words beside a known name in mixed-case cables."""
    beside: Counter = Counter()
    if _kernel() is not None:
        for chunk in _chunks(texts):
            _beside_scanned(beside, chunk, names)
        return beside
    for text in texts:
        if not text or _is_all_caps(text):
            continue
        for a, b in _PAIR_RE.findall(text):
            a, b = a.lower(), b.lower()
            if a in names and b not in names:
                beside[b] += 1
            elif b in names and a not in names:
                beside[a] += 1
    return beside


def final_names(counts: NameCounts, names: Set[str], beside: Counter, *, min_count: int = 2,
                max_lower_share: float = MAX_LOWER_SHARE) -> frozenset[str]:
    """The names: the first pass's and the words often beside them that pass the case test."""
    more = {w for w, c in beside.items() if c >= min_count and counts.passes(w, max_lower_share)
            and w not in TITLES | DEMONYMS | _NEVER}
    out = frozenset(set(names) | more)
    logger.info("learn_person_names: %d names", len(out))
    return out


def learn_person_names(texts: Iterable[str], *, min_count: int = 2,
                       extra_candidates: Iterable[str] = (),
                       max_lower_share: float = MAX_LOWER_SHARE) -> frozenset[str]:
    """Person names (lower case) used in a corpus, learned from how its cables write them.

    Parameters
    ----------
    texts : iterable of str
        Cable bodies, mixed case or all capitals (read twice if a sequence; an iterator is
        listed first).
    min_count : int, default 2
        Times a word must follow a title to be a candidate.
    extra_candidates : iterable of str
        Other candidates (e.g. `person_names_from_tags`), subject to the same case test.
    max_lower_share : float, default `MAX_LOWER_SHARE`
        Largest share of a candidate's mixed-case occurrences written in lower case.

    Returns
    -------
    frozenset of str
        Candidates seen in mixed-case text at least twice, lower case at most
        ``max_lower_share`` of the time, not demonyms or title words.

    Notes
    -----
    For a corpus too large for memory, run the passes over batches: `count_names` (merge
    with `NameCounts.merge`), `first_names`, `count_beside` (sum the counters),
    `final_names`; the tokenize stage does that in worker processes.
    """
    if not isinstance(texts, Sequence):
        texts = list(texts)
    counts = count_names(texts)
    names = first_names(counts, min_count=min_count, extra_candidates=extra_candidates,
                        max_lower_share=max_lower_share)
    # Second pass: a capitalised word beside a known name in mixed-case text ("Roberto
    # Micheletti", "Hillary Clinton") is a candidate too.
    return final_names(counts, names, count_beside(texts, names), min_count=min_count,
                       max_lower_share=max_lower_share)


def person_names_from_tags(tag_lists: Iterable[Sequence[str] | None]) -> frozenset[str]:
    """Candidate person names in TAGS lines: ``..., CLINTON, HILLARY`` (lower case).

    A TAG that is neither a subject code (four letters) nor a country code (two letters),
    all letters, of 3 to 20 characters, and next to another such TAG (a surname beside a
    given name) is a candidate. Use as ``extra_candidates`` of `learn_person_names`, which
    keeps only those the cables write as names.
    """
    out: set[str] = set()
    for tags in tag_lists:
        if tags is None or isinstance(tags, float | str):
            continue
        words = [str(t) for t in tags]
        ok = [w.isalpha() and w.isascii() and 3 <= len(w) <= 20 and len(w) != 4
              for w in words]
        for i, w in enumerate(words):
            if ok[i] and ((i > 0 and ok[i - 1]) or (i + 1 < len(words) and ok[i + 1])):
                out.add(w.lower())
    return frozenset(out)
