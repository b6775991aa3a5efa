"""Stopwords and place names the tokenizer drops (`topics.tokenize.Tokenizer`).

`ENGLISH_STOPWORDS` (scikit-learn's and gensim's lists), `CABLE_STOPWORDS` (boilerplate,
routing, staff titles and the reporting verbs of diplomatic prose) and `place_names`
(countries, capitals and posts). Re-exported by `topics.text`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gensim.parsing.preprocessing import STOPWORDS as _GENSIM_STOPWORDS
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as _SKLEARN_STOPWORDS

__all__ = ["CABLE_STOPWORDS", "ENGLISH_STOPWORDS", "place_names"]

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
reykjavik new delhi new york jakarta tehran baghdad dublin tel aviv jerusalem rome kingston tokyo
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
united arab emirates|new york""".replace("\n", "").split("|")
)
_GENERIC_PLACE_WORDS = frozenset(
    "new city port san santo la de el es st cape south north east west coast republic "
    "of the and islands island united arab democratic people's kingdom town".split()
)
