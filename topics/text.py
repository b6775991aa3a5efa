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

Examples
--------
>>> tok = Tokenizer(TextOptions())
>>> tok("1. (C) The U.S. raised DPRK missile tests and BMD follow-on talks (REF: STATE 097844).")
['united_states', 'raised', 'dprk', 'missile', 'tests', 'bmd', 'follow-on', 'talks']
"""

from __future__ import annotations

import json
import logging
import os
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from gensim.parsing.preprocessing import STOPWORDS as _GENSIM_STOPWORDS
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as _SKLEARN_STOPWORDS

from topics.names import DEMONYMS, NAME_PARTICLES, learn_person_names
from topics.runinfo import atomic_write_bytes

if TYPE_CHECKING:
    from topics.vectorize import DocTermMatrix

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

logger = logging.getLogger(__name__)

#: scikit-learn's ``ENGLISH_STOP_WORDS`` united with gensim's ``STOPWORDS`` (337 words).
#: Both derive from the Glasgow list, which includes some words that can carry content in
#: cables (``system``, ``interest``, ``fire``, ``bill``); keep them with
#: ``TextOptions(keep_terms=...)``.
ENGLISH_STOPWORDS: frozenset[str] = frozenset(_SKLEARN_STOPWORDS) | frozenset(_GENSIM_STOPWORDS)

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun"
# Handling caveats, classification and declassification lines that survive cleaning.
_HANDLING = (
    "sipdis sipdis noforn nodis exdis limdis stadis roger orcon nf rel fvey "
    "classified classification reasons reason decl declassify declassified unclas "
    "unclassified confidential secret sensitive sbu fouo lou eo"
)
# Cable structure words: references, paragraphs, summary/comment brackets.
_STRUCTURE = (
    "ref refs reftel reftels septel septels para paras summary comment comments end begin "
    "text cable cables tel telegram msg mrn tags subj subject"
)
# Routing forms of senders and recipients, and precedence.
_ROUTING = (
    "amembassy amconsul amcongen usmission usdel usint usdao usdoc secstate washdc secdef "
    "hqs info action priority immediate routine niact flash"
)
# Bureau and office symbols (State Department functional and regional bureaus).
_OFFICES = (
    "nea eur wha sca eap af inr drl pm isn ca cso ct dhs eeb enr oes prm iip ecabur "
    "ara ea io ip nsc cso sa le"
)
# Host-government abbreviations ``GO`` + country letters (GOJ Japan, GOI India/Iraq/...):
# frequent, post-specific, and never thematic.
_HOST_GOVERNMENTS = (
    "goa gob goc goe gof gog goh goi goj gok gol gom gon gop gor gos got gou gov goz "
    "gocr gosl gotl gotg goam gobh gocm gohk gosa goeg gorm gots gotk "
    # ... and the other forms cables use for "the government" (USG, HMG, UAEG, SARG, RGOB)
    "usg hmg uaeg sarg rgob rgc rgm"
)
# Titles and office names of the reporting staff: they mark who wrote or met, not what
# about. Content titles (minister, president, secretary, general) are kept.
_STAFF = (
    "ambassador amb ambassadors charge dcm poloff poloffs econoff econoffs emboff emboffs "
    "conoff daffaires affaires pol econ polcouns econcouns pao mission embassy embassies post mr mrs ms dr"
)
_MISC = "xxxxxxxxxxxx eg ie etc dont didnt doesnt isnt wasnt wont cant couldnt wouldnt per"
# The reporting verbs and fillers of diplomatic prose ("X told poloff", "he noted", "key
# issues", "in recent meetings"): on real cables they rank high in every topic and make
# whole topics of their own ("asked noted visit added agreed noting stressed explained"),
# so they are removed with the boilerplate. Subject words stay, however frequent.
_REPORTING = (
    "told tell telling noted noting note notes asked asking added adding said saying stated "
    "stating stressed stressing explained explaining indicated indicating suggested "
    "suggesting claimed claiming commented remarked emphasized emphasised underscored "
    "underlined highlighted pointed mentioned expressed acknowledged replied responded "
    "reiterated confirmed insisted recalled observed opined conveyed asserted described "
    "according reportedly apparently clearly likely possible possibly perhaps certainly "
    "probably believe believes believed think thinks thought feel felt want wants wanted "
    "need needs needed like way ways thing things lot kind sort issue issues matter matters "
    "point points question questions meeting meetings met meet discussion discussions "
    "discussed discuss conversation year years month months week weeks day days "
    "time times today yesterday recent recently currently current early late later earlier "
    "important key significant major particular particularly especially general generally "
    "clear given following able example instance addition additional include including "
    "includes use used using work working worked provide provided providing continue "
    "continued continues continuing remain remains remained number level part place fact "
    "result order end set called come came going went good better best new old high long "
    "large small little great"
)

#: Boilerplate and reporting-staff words that survive `corpora.clean`; see the groups above.
CABLE_STOPWORDS: frozenset[str] = frozenset(
    " ".join(
        (
            _MONTHS,
            _WEEKDAYS,
            _HANDLING,
            _STRUCTURE,
            _ROUTING,
            _OFFICES,
            _HOST_GOVERNMENTS,
            _STAFF,
            _MISC,
            _REPORTING,
        )
    ).split()
)

# ---------------------------------------------------------------------------- place names

_COUNTRIES = """afghanistan albania algeria andorra angola antigua argentina armenia australia
austria azerbaijan bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan
bolivia bosnia herzegovina botswana brazil brunei bulgaria burkina faso burma burundi cambodia
cameroon canada cape verde chad chile china colombia comoros congo costa rica croatia cuba
cyprus czech czechoslovakia denmark djibouti dominica dominican ecuador egypt el salvador
eritrea estonia eswatini ethiopia fiji finland france gabon gambia georgia germany ghana
greece grenada guatemala guinea guinea-bissau guyana haiti honduras hungary iceland india
indonesia iran iraq ireland israel italy ivory coast jamaica japan jordan kazakhstan kenya
kiribati korea kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya
liechtenstein lithuania luxembourg macedonia madagascar malawi malaysia maldives mali malta
mauritania mauritius mexico micronesia moldova monaco mongolia montenegro morocco mozambique
myanmar namibia nauru nepal netherlands new zealand nicaragua niger nigeria norway oman
pakistan palau panama papua paraguay peru philippines poland portugal qatar romania russia
rwanda samoa san marino saudi arabia senegal serbia seychelles sierra leone singapore slovakia
slovenia solomon somalia south africa spain sri lanka sudan suriname swaziland sweden
switzerland syria taiwan tajikistan tanzania thailand timor togo tonga trinidad tobago tunisia
turkey turkmenistan tuvalu uganda ukraine uae emirates uruguay uzbekistan vanuatu venezuela
vietnam yemen yugoslavia zaire zambia zimbabwe ussr soviet palestine gaza"""
_CAPITALS_AND_POSTS = """kabul tirana algiers luanda buenos aires yerevan canberra vienna baku
nassau manama dhaka bridgetown minsk brussels belmopan cotonou thimphu la paz sarajevo
gaborone brasilia bandar seri begawan sofia ouagadougou rangoon bujumbura phnom penh yaounde
ottawa praia bangui ndjamena santiago beijing bogota moroni kinshasa brazzaville san jose
abidjan zagreb havana nicosia prague copenhagen santo domingo quito cairo san salvador
malabo asmara tallinn addis ababa suva helsinki paris libreville banjul tbilisi berlin bonn
accra athens guatemala conakry bissau georgetown port-au-prince tegucigalpa budapest
reykjavik new delhi jakarta tehran baghdad dublin tel aviv jerusalem rome kingston tokyo
amman astana almaty nairobi pristina kuwait vientiane riga beirut maseru monrovia tripoli
vilnius luxembourg skopje antananarivo lilongwe kuala lumpur valletta nouakchott port louis
mexico chisinau ulaanbaatar podgorica rabat maputo windhoek kathmandu hague amsterdam
wellington managua niamey abuja lagos oslo muscat islamabad koror panama port moresby asuncion
lima manila warsaw lisbon doha bucharest moscow kigali riyadh dakar belgrade freetown
singapore bratislava ljubljana mogadishu pretoria madrid colombo khartoum paramaribo mbabane
stockholm bern damascus taipei dushanbe dar es salaam bangkok dili lome nukualofa
port-of-spain tunis ankara ashgabat kampala kiev kyiv abu dhabi london montevideo tashkent
caracas hanoi sanaa lusaka harare saigon ho chi minh city
istanbul adana karachi lahore peshawar mumbai bombay chennai madras kolkata calcutta
hyderabad shanghai guangzhou shenyang chengdu wuhan hong kong osaka kobe naha sapporo
fukuoka nagoya busan frankfurt munich hamburg dusseldorf leipzig milan naples florence
marseille strasbourg lyon barcelona toronto montreal vancouver calgary halifax quebec
monterrey guadalajara tijuana juarez ciudad matamoros nuevo laredo hermosillo nogales merida
sao paulo rio de janeiro recife porto alegre jeddah dhahran erbil basrah kirkuk mosul
casablanca alexandria johannesburg cape town durban lagos chiang mai surabaya medan
vladivostok yekaterinburg st petersburg leningrad krakow thessaloniki ponta delgada
auckland sydney melbourne perth brisbane edinburgh belfast hamilton curacao
usnato usun useu unvie usoecd geneva"""

#: Home-country names: in every cable, so not a place signal (max_df handles them).
_HOME = frozenset({"united states", "united_states", "america", "us", "usa"})


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Lower-case country, capital and post names.

    From ``corpora.tags.COUNTRY_CODES`` values (where the lexicon is filled) plus a built-in
    list of countries, capitals and State Department posts. Multi-word names appear both
    whole (``"new delhi"``) and as their distinctive words (``"delhi"``); generic words
    (``new``, ``city``, ``port``, ``south``) are never names on their own. The United
    States is not included: it is in every cable.

    Returns
    -------
    frozenset of str
    """
    from corpora.tags import COUNTRY_CODES

    names: set[str] = set()
    raw = [n for n in re.split(r"\s+", _COUNTRIES + " " + _CAPITALS_AND_POSTS) if n]
    names.update(raw)
    names.update(_MULTIWORD)  # whole, for phrase removal before tokenizing
    for value in COUNTRY_CODES.values():
        for piece in re.split(r"[,()/;]", str(value)):
            piece = " ".join(piece.lower().split())
            if not piece or piece.startswith(("republic of", "the ")):
                piece = piece.removeprefix("the ").removeprefix("republic of ").strip()
            if piece:
                names.add(piece)
                if " " in piece:
                    names.update(w for w in piece.split() if w not in _GENERIC_PLACE_WORDS)
    names -= _GENERIC_PLACE_WORDS
    names -= _HOME
    return frozenset(n for n in names if len(n) > 1)


_MULTIWORD = frozenset(
    """bosnia herzegovina|burkina faso|cape verde|costa rica|el salvador|ivory coast|
new zealand|san marino|saudi arabia|sierra leone|south africa|sri lanka|trinidad tobago|
buenos aires|la paz|bandar seri begawan|phnom penh|san jose|santo domingo|addis ababa|
new delhi|tel aviv|kuala lumpur|port louis|port moresby|dar es salaam|abu dhabi|
ho chi minh city|hong kong|nuevo laredo|ciudad juarez|sao paulo|rio de janeiro|porto alegre|
chiang mai|cape town|st petersburg|ponta delgada|south korea|north korea|east timor|
dominican republic|czech republic|papua new guinea|equatorial guinea|united kingdom|
united arab emirates""".replace("\n", "").split("|")
)
_GENERIC_PLACE_WORDS = frozenset(
    "new city port san santo la de el es st cape south north east west coast republic "
    "of the and islands island united arab democratic people's kingdom town".split()
)


# ---------------------------------------------------------------------------- options


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


def _is_all_caps(text: str) -> bool:
    letters = [c for c in text[:5000] if c.isalpha()]
    if len(letters) < _ALLCAPS_MIN_LETTERS:
        return text.upper() == text
    upper = sum(c.isupper() for c in letters)
    return upper >= 0.9 * len(letters)


@lru_cache(maxsize=1)
def _multiword_place_re() -> re.Pattern[str]:
    multi = sorted((n for n in place_names() if " " in n), key=len, reverse=True)
    alternation = "|".join(r"\s+".join(map(re.escape, n.split())) for n in multi)
    return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE)


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
        text = _URL_RE.sub(" ", text)
        text = _EMAIL_RE.sub(" ", text)
        text = _MARKING_RE.sub(" ", text)
        text = _REF_SENDER_RE.sub(" ", text)
        text = _REDACTION_RE.sub(" ", text)
        text = _REMOVED_NOTE_RE.sub(" ", text)
        text = self._normalize_names(text)
        if opts.drop_place_names:
            text = _multiword_place_re().sub(" ", text)
        text = _POSSESSIVE_RE.sub("", text)
        text = _APOSTROPHE_RE.sub("", text)
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

    @staticmethod
    def _normalize_names(text: str) -> str:
        text = _SPELLED_RE.sub(lambda m: f" united_{m.group(1).lower()} ", text)
        text = _US_DOTTED_RE.sub(" united_states ", text)
        text = _UN_DOTTED_RE.sub(" united_nations ", text)
        text = _UK_DOTTED_RE.sub(" united_kingdom ", text)
        text = _DOTTED_ACRONYM_RE.sub(lambda m: m.group(1).replace(".", ""), text)
        text = _BARE_RE.sub(
            lambda m: {
                "USA": " united_states ",
                "UN": " united_nations ",
                "UK": " united_kingdom ",
            }[m.group(1)],
            text,
        )
        if "US" not in text:
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


# ---------------------------------------------------------------------------- phrases


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


# ---------------------------------------------------------------------------- corpus

_WORKER_TOKENIZER: Tokenizer | None = None


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
    return _DOC_SEP.join(_TOKEN_SEP.join(tok(t)) for t in texts)


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


# ---------------------------------------------------------------------------- authorless


def authorless_keep_rates(
    dtm: DocTermMatrix,
    groups: Sequence[Any],
    *,
    threshold: float = 2.0,
    slack: float = 2.0,
) -> tuple[list[Any], np.ndarray]:
    """Per-group keep probability of each term (author-based downsampling).

    After Thompson & Mimno (2018), "Authorless Topic Models: Biasing Models Away from Known
    Structure" (COLING): a word that a post (the "author") uses far more than the corpus
    as a whole is a signature of the post, and topics built on it track posts instead of
    themes. For group ``a`` and term ``w`` let ``n_aw`` be its count, ``N_a`` the group's
    token total and ``p_w`` the corpus-wide share of ``w``; the expected count under
    independence of word and author is ``e_aw = N_a * p_w``. Tokens beyond
    ``threshold * e_aw + slack`` are over-represented, so each token is kept with
    probability ``r_aw = min(1, (threshold * e_aw + slack) / n_aw)``, which brings the
    expected kept count down to that ceiling. ``slack`` stops a few occurrences in a small
    post from counting as a signature.

    Parameters
    ----------
    dtm : DocTermMatrix
        Count matrix, shape (n_docs, n_terms).
    groups : sequence, length n_docs
        Each row's author group, e.g. the sending post (``Cable.origin``); ``None`` is a
        group of its own.
    threshold : float, default 2.0
        How many times its expected rate a word may occur before being downsampled (>= 1).
    slack : float, default 2.0
        Occurrences always allowed per group and term (>= 0).

    Returns
    -------
    labels : list
        Group labels in first-seen order.
    rates : numpy.ndarray of float64, shape (n_groups, n_terms)
        Keep probabilities in (0, 1].
    """
    if dtm.weighting != "count":
        raise ValueError(
            f"authorless weighting needs a count matrix. Got weighting={dtm.weighting!r}; "
            f"pass the matrix from build_dtm before tfidf()."
        )
    groups = list(groups)
    if len(groups) != dtm.n_docs:
        raise ValueError(
            f"authorless: got {len(groups):,} groups for {dtm.n_docs:,} documents; pass one "
            f"group (e.g. the sending post) per row of the matrix"
        )
    if threshold < 1.0:
        raise ValueError(f"The 'threshold' parameter must be >= 1. Got {threshold!r}.")
    if slack < 0:
        raise ValueError(f"The 'slack' parameter must be >= 0. Got {slack!r}.")
    labels: list[Any] = []
    code: dict[Any, int] = {}
    row_group = np.array([code.setdefault(g, len(code)) for g in groups], dtype=np.int64)
    labels = list(code)
    import scipy.sparse as sp

    assign = sp.csr_matrix(
        (np.ones(dtm.n_docs), (row_group, np.arange(dtm.n_docs))),
        shape=(len(labels), dtm.n_docs),
    )
    n_aw = np.asarray((assign @ dtm.matrix.astype(np.float64)).todense())
    n_a = n_aw.sum(axis=1, keepdims=True)
    total = n_a.sum()
    p_w = n_aw.sum(axis=0, keepdims=True) / total if total else np.zeros((1, dtm.n_terms))
    ceiling = threshold * n_a * p_w + slack
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(n_aw > ceiling, ceiling / n_aw, 1.0)
    return labels, rates


def authorless_weights(
    dtm: DocTermMatrix,
    groups: Sequence[Any],
    *,
    threshold: float = 2.0,
    slack: float = 2.0,
    seed: int = 0,
) -> DocTermMatrix:
    """Downsample post-specific words: a count matrix with signature tokens thinned out.

    Each token of term ``w`` in a document of group ``a`` is kept with the probability
    ``r_aw`` of `authorless_keep_rates` (binomial thinning of the counts), as in the token
    downsampling of Thompson & Mimno (2018). Words used at similar rates across posts keep
    every token. Deterministic for a given ``seed`` (its own generator, derived from
    ``seed`` and the stage name; no global RNG).

    Parameters
    ----------
    dtm : DocTermMatrix
        Count matrix.
    groups : sequence, length n_docs
        Sending post (or other author label) of each row.
    threshold, slack : float
        See `authorless_keep_rates`.
    seed : int, default 0

    Returns
    -------
    DocTermMatrix
        int64 counts, same refs and vocabulary (whose ``df`` is left as counted before
        thinning), each entry <= the original.
    """
    from topics.vectorize import DocTermMatrix

    labels, rates = authorless_keep_rates(dtm, groups, threshold=threshold, slack=slack)
    code = {g: i for i, g in enumerate(labels)}
    row_group = np.array([code[g] for g in groups], dtype=np.int64)
    m = dtm.matrix
    rows = np.repeat(np.arange(dtm.n_docs), np.diff(m.indptr))
    p = rates[row_group[rows], m.indices]
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(b"authorless")]))
    thinned = m.data.copy()
    partial = p < 1.0
    thinned[partial] = rng.binomial(m.data[partial], p[partial])
    out = m.copy()
    out.data = thinned.astype(np.int64)
    out.eliminate_zeros()
    logger.info(
        "authorless_weights: %d groups, kept %d of %d tokens (threshold=%g, slack=%g)",
        len(labels),
        int(out.sum()),
        int(m.sum()),
        threshold,
        slack,
    )
    return DocTermMatrix(out, dtm.refs, dtm.vocabulary, "count")


def authorless_counts(
    dtm: DocTermMatrix,
    groups: Sequence[Any],
    *,
    threshold: float = 2.0,
    slack: float = 2.0,
    seed: int = 0,
) -> tuple[DocTermMatrix, dict[str, int]]:
    """`authorless_weights` plus counts for a run manifest.

    Returns
    -------
    dtm : DocTermMatrix
        As from `authorless_weights`.
    info : dict
        ``n_groups``, ``tokens_before``, ``tokens_after`` and ``n_pairs_downsampled``
        (group-term pairs with a keep rate below 1).
    """
    labels, rates = authorless_keep_rates(dtm, groups, threshold=threshold, slack=slack)
    out = authorless_weights(dtm, groups, threshold=threshold, slack=slack, seed=seed)
    info = {
        "n_groups": len(labels),
        "tokens_before": int(dtm.matrix.sum()),
        "tokens_after": int(out.matrix.sum()),
        "n_pairs_downsampled": int(np.count_nonzero(rates < 1.0)),
    }
    return out, info
