"""State Department TAGS: lexicon and splitting into subject tags and country codes.

TAGS ("Traffic Analysis by Geography and Subject") are the index terms on every cable's
``TAGS:`` line: four-letter subject tags (``PREL``, ``PGOV``, ...), organisation tags
(``EUN``, ``NATO``, ``IAEA``), two-letter geographic codes (``JA``, ``GM``, ``RS``) and,
in practice, person names (``ZOELLICK``) and typos. The geographic codes are the
Department's own, taken from FIPS 10-4, not ISO 3166: ``GM`` is Germany, ``SZ``
Switzerland, ``IS`` Israel, ``RS`` Russia.

The lexicon is deliberately conservative: only names we are sure of are listed, so
`tag_name` returns ``None`` rather than a guess for tags outside it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

__all__ = [
    "COUNTRY_CODES",
    "ORGANIZATION_TAGS",
    "TAG_NAMES",
    "is_known_tag",
    "split_run_together",
    "split_tags",
    "tag_name",
]

logger = logging.getLogger(__name__)

#: Subject tags of the TAGS handbook (first letter = area: A administration, B business,
#: C consular, E economic, K miscellaneous programmes, M military, O operations,
#: P political, S social, T technology).
SUBJECT_TAGS: dict[str, str] = {
    # Administration
    "ABLD": "Buildings and Grounds",
    "ADPM": "Diplomatic Pouch and Mail",
    "AEMR": "Emergency Planning and Evacuation",
    "AFIN": "Financial Management",
    "ALOW": "Allowances",
    "AMED": "Medical Services",
    "AMGT": "Management Operations",
    "AORC": "International Organizations and Conferences",
    "APER": "Personnel",
    "ASEC": "Security",
    "ASIG": "Inspector General",
    "ASUP": "Supplies and Equipment",
    "ATRN": "Transportation Services",
    # Business and commercial
    "BBSR": "Business Services Reporting",
    "BEXP": "Trade Expansion and Promotion",
    "BTIO": "Trade and Investment Opportunities",
    # Consular
    "CASC": "Assistance to Citizens",
    "CJAN": "Judicial Assistance and Notarial Services",
    "CLOK": "Visa Lookout",
    "CMGT": "Consular Management",
    "CPAS": "Passports and Citizenship",
    "CVIS": "Visas",
    # Economic
    "EAGR": "Agriculture and Forestry",
    "EAID": "Foreign Economic Assistance",
    "EAIR": "Civil Aviation",
    "ECIN": "Economic and Commercial Integration and Cooperation",
    "ECON": "Economic Conditions",
    "ECPS": "Communications and Postal Systems",
    "EFIN": "Financial and Monetary Affairs",
    "EFIS": "Commercial Fishing and Fish Processing",
    "EIND": "Industry and Manufacturing",
    "EINT": "Economic and Commercial Internet",
    "EINV": "Foreign Investments",
    "ELAB": "Labor Sector Affairs",
    "ELTN": "Land Transportation",
    "EMIN": "Minerals and Metals",
    "ENRG": "Energy",
    "EPET": "Petroleum and Natural Gas",
    "ETRD": "Foreign Trade",
    "ETTC": "Trade and Technology Controls",
    "EWWT": "Waterborne Transportation",
    # Programmes and miscellaneous (K)
    "KAWC": "Atrocities and War Crimes",
    "KCFE": "Conventional Armed Forces in Europe",
    "KCIP": "Critical Infrastructure Protection",
    "KCOR": "Corruption and Anti-Corruption",
    "KCRM": "Criminal Activity",
    "KDEM": "Democratization",
    "KFRD": "Fraud Prevention Programs",
    "KGHG": "Greenhouse Gases",
    "KHIV": "HIV/AIDS",
    "KHLS": "Homeland Security",
    "KICC": "International Criminal Court",
    "KIPR": "Intellectual Property Rights",
    "KIRF": "International Religious Freedom",
    "KISL": "Islam",
    "KJUS": "Justice",
    "KMCA": "Millennium Challenge Account",
    "KMDR": "Media Reaction Reporting",
    "KMPI": "Middle East Partnership Initiative",
    "KNNP": "Nuclear Non-Proliferation",
    "KOLY": "Olympics",
    "KPAL": "Palestinian Affairs",
    "KPAO": "Public Affairs Office",
    "KPKO": "Peacekeeping Operations",
    "KPOW": "Prisoners of War",
    "KTEX": "Textiles",
    "KTFN": "Terrorist Financing",
    "KTIP": "Trafficking in Persons",
    "KUNR": "United Nations Reform",
    "KWBG": "West Bank and Gaza",
    "KWMN": "Women",
    # Military
    "MARR": "Military and Defense Arrangements",
    "MASS": "Military Assistance and Sales",
    "MCAP": "Military Capabilities",
    "MNUC": "Military Nuclear Applications",
    "MOPS": "Military Operations",
    # Operations
    "OEXC": "Educational and Cultural Exchange Operations",
    "OIIP": "International Information Programs",
    "OPRC": "Public Relations and Correspondence",
    "OREP": "U.S. Congressional Travel",
    "OTRA": "Travel",
    "OVIP": "Visits and Travel of Prominent Individuals and Leaders",
    # Political (PFOR, PINT, PORG are the 1970s CFPF forms)
    "PARM": "Arms Controls and Disarmament",
    "PBTS": "National Boundaries, Territories and Sovereignty",
    "PFOR": "Foreign Policy and Relations",
    "PGOV": "Internal Governmental Affairs",
    "PHUM": "Human Rights",
    "PINR": "Intelligence",
    "PINS": "National Security",
    "PINT": "Internal Political Affairs",
    "PORG": "Policy Relations with International Organizations",
    "PREF": "Refugees",
    "PREL": "External Political Relations",
    "PROP": "Propaganda and Psychological Operations",
    "PTER": "Terrorists and Terrorism",
    # Social
    "SCUL": "Cultural Affairs",
    "SENV": "Environment",
    "SMIG": "Migration",
    "SNAR": "Narcotics",
    "SOCI": "Social Conditions",
    # Technology and science
    "TBIO": "Biotechnology",
    "TRGY": "Energy Technology",
    "TSPA": "Space Activities",
    "TSPL": "Science and Technology Policy",
}

#: Organisation tags (international organisations, regional bodies, U.S. agencies).
ORGANIZATION_TAGS: dict[str, str] = {
    "APEC": "Asia-Pacific Economic Cooperation",
    "ASEAN": "Association of Southeast Asian Nations",
    "AU-1": "African Union",
    "ECOWAS": "Economic Community of West African States",
    "EUN": "European Union",
    "G8": "Group of Eight",
    "IAEA": "International Atomic Energy Agency",
    "IBRD": "International Bank for Reconstruction and Development (World Bank)",
    "ICAO": "International Civil Aviation Organization",
    "ICRC": "International Committee of the Red Cross",
    "IMF": "International Monetary Fund",
    "IMO": "International Maritime Organization",
    "MTCR": "Missile Technology Control Regime",
    "MTCRE": "Missile Technology Control Regime",
    "NATO": "North Atlantic Treaty Organization",
    "OAS": "Organization of American States",
    "OECD": "Organisation for Economic Co-operation and Development",
    "OPEC": "Organization of the Petroleum Exporting Countries",
    "OPIC": "Overseas Private Investment Corporation",
    "OSCE": "Organization for Security and Co-operation in Europe",
    "SADC": "Southern African Development Community",
    "UN": "United Nations",
    "UNDP": "United Nations Development Programme",
    "UNESCO": "United Nations Educational, Scientific and Cultural Organization",
    "UNGA": "United Nations General Assembly",
    "UNHCR": "United Nations High Commissioner for Refugees",
    "UNHRC": "United Nations Human Rights Council",
    "UNICEF": "United Nations Children's Fund",
    "UNSC": "United Nations Security Council",
    "USTR": "Office of the U.S. Trade Representative",
    "WHO": "World Health Organization",
    "WTRO": "World Trade Organization",
}

#: Two-letter geographic codes as the Department writes them (FIPS 10-4 based).
COUNTRY_CODES: dict[str, str] = {
    "AA": "Aruba", "AC": "Antigua and Barbuda", "AE": "United Arab Emirates",
    "AF": "Afghanistan", "AG": "Algeria", "AJ": "Azerbaijan", "AL": "Albania",
    "AM": "Armenia", "AN": "Andorra", "AO": "Angola", "AQ": "American Samoa",
    "AR": "Argentina", "AS": "Australia", "AU": "Austria", "AV": "Anguilla",
    "AY": "Antarctica", "BA": "Bahrain", "BB": "Barbados", "BC": "Botswana",
    "BD": "Bermuda", "BE": "Belgium", "BF": "Bahamas", "BG": "Bangladesh",
    "BH": "Belize", "BK": "Bosnia and Herzegovina", "BL": "Bolivia", "BM": "Burma",
    "BN": "Benin", "BO": "Belarus", "BP": "Solomon Islands", "BR": "Brazil",
    "BT": "Bhutan", "BU": "Bulgaria", "BX": "Brunei", "BY": "Burundi", "CA": "Canada",
    "CB": "Cambodia", "CD": "Chad", "CE": "Sri Lanka", "CF": "Congo (Brazzaville)",
    "CG": "Congo (Kinshasa)", "CH": "China", "CI": "Chile", "CJ": "Cayman Islands",
    "CM": "Cameroon", "CN": "Comoros", "CO": "Colombia", "CQ": "Northern Mariana Islands",
    "CS": "Costa Rica", "CT": "Central African Republic", "CU": "Cuba", "CV": "Cape Verde",
    "CW": "Cook Islands", "CY": "Cyprus", "DA": "Denmark", "DJ": "Djibouti",
    "DO": "Dominica", "DR": "Dominican Republic", "EC": "Ecuador", "EG": "Egypt",
    "EI": "Ireland", "EK": "Equatorial Guinea", "EN": "Estonia", "ER": "Eritrea",
    "ES": "El Salvador", "ET": "Ethiopia",
    # FIPS 10-4 EU is Europa Island; posts use EU for the European Union (EUN is the tag).
    "EU": "European Union",
    "EZ": "Czech Republic", "FG": "French Guiana", "FI": "Finland", "FJ": "Fiji",
    "FK": "Falkland Islands", "FM": "Micronesia", "FO": "Faroe Islands",
    "FP": "French Polynesia", "FR": "France", "GA": "Gambia", "GB": "Gabon",
    "GG": "Georgia", "GH": "Ghana", "GI": "Gibraltar", "GJ": "Grenada", "GK": "Guernsey",
    "GL": "Greenland", "GM": "Germany", "GP": "Guadeloupe", "GQ": "Guam", "GR": "Greece",
    "GT": "Guatemala", "GV": "Guinea", "GY": "Guyana", "GZ": "Gaza Strip", "HA": "Haiti",
    "HK": "Hong Kong", "HO": "Honduras", "HR": "Croatia", "HU": "Hungary",
    "IC": "Iceland", "ID": "Indonesia", "IM": "Isle of Man", "IN": "India",
    "IR": "Iran", "IS": "Israel", "IT": "Italy", "IV": "Cote d'Ivoire", "IZ": "Iraq",
    "JA": "Japan", "JE": "Jersey", "JM": "Jamaica", "JO": "Jordan", "KE": "Kenya",
    "KG": "Kyrgyzstan", "KN": "North Korea", "KR": "Kiribati", "KS": "South Korea",
    "KU": "Kuwait", "KV": "Kosovo", "KZ": "Kazakhstan", "LA": "Laos", "LE": "Lebanon",
    "LG": "Latvia", "LH": "Lithuania", "LI": "Liberia", "LO": "Slovakia",
    "LS": "Liechtenstein", "LT": "Lesotho", "LU": "Luxembourg", "LY": "Libya",
    "MA": "Madagascar", "MB": "Martinique", "MC": "Macau", "MD": "Moldova",
    "MF": "Mayotte", "MG": "Mongolia", "MH": "Montserrat", "MI": "Malawi",
    "MJ": "Montenegro", "MK": "Macedonia", "ML": "Mali", "MN": "Monaco", "MO": "Morocco",
    "MP": "Mauritius", "MR": "Mauritania", "MT": "Malta", "MU": "Oman", "MV": "Maldives",
    "MX": "Mexico", "MY": "Malaysia", "MZ": "Mozambique", "NC": "New Caledonia",
    "NE": "Niue", "NG": "Niger", "NH": "Vanuatu", "NI": "Nigeria", "NL": "Netherlands",
    "NO": "Norway", "NP": "Nepal", "NR": "Nauru", "NS": "Suriname",
    "NT": "Netherlands Antilles", "NU": "Nicaragua", "NZ": "New Zealand",
    "PA": "Paraguay", "PE": "Peru", "PK": "Pakistan", "PL": "Poland", "PM": "Panama",
    "PO": "Portugal", "PP": "Papua New Guinea", "PS": "Palau", "PU": "Guinea-Bissau",
    "QA": "Qatar", "RE": "Reunion", "RM": "Marshall Islands", "RO": "Romania",
    "RP": "Philippines", "RQ": "Puerto Rico", "RS": "Russia", "RW": "Rwanda",
    "SA": "Saudi Arabia", "SB": "Saint Pierre and Miquelon", "SC": "Saint Kitts and Nevis",
    "SE": "Seychelles", "SF": "South Africa", "SG": "Senegal", "SH": "Saint Helena",
    "SI": "Slovenia", "SL": "Sierra Leone", "SM": "San Marino", "SN": "Singapore",
    "SO": "Somalia", "SP": "Spain", "ST": "Saint Lucia", "SU": "Sudan", "SV": "Svalbard",
    "SW": "Sweden", "SY": "Syria", "SZ": "Switzerland", "TD": "Trinidad and Tobago",
    "TH": "Thailand", "TI": "Tajikistan", "TK": "Turks and Caicos Islands",
    "TL": "Tokelau", "TN": "Tonga", "TO": "Togo", "TP": "Sao Tome and Principe",
    "TS": "Tunisia", "TT": "Timor-Leste", "TU": "Turkey", "TV": "Tuvalu", "TW": "Taiwan",
    "TX": "Turkmenistan", "TZ": "Tanzania", "UG": "Uganda", "UK": "United Kingdom",
    "UP": "Ukraine", "US": "United States", "UV": "Burkina Faso", "UY": "Uruguay",
    "UZ": "Uzbekistan", "VC": "Saint Vincent and the Grenadines", "VE": "Venezuela",
    "VI": "British Virgin Islands", "VM": "Vietnam", "VQ": "Virgin Islands",
    "VT": "Holy See", "WA": "Namibia", "WE": "West Bank", "WF": "Wallis and Futuna",
    "WI": "Western Sahara", "WS": "Samoa", "WZ": "Swaziland", "YM": "Yemen",
    "ZA": "Zambia", "ZI": "Zimbabwe",
    # Codes in use in cables that differ from the FIPS 10-4 table.
    "RU": "Russia (non-standard; the Department's code is RS)",
    "SR": "Serbia",
    "XA": "Africa (region)",
    "XF": "Middle East (region)",
}

#: Every named non-geographic tag: subject tags and organisation tags.
TAG_NAMES: dict[str, str] = {**SUBJECT_TAGS, **ORGANIZATION_TAGS}


def _normalize(tag: str) -> str:
    return tag.strip().strip(",;.").upper()


def tag_name(tag: str) -> str | None:
    """The name of a TAG, or ``None`` when the lexicon does not know it.

    Parameters
    ----------
    tag : str
        A subject tag, organisation tag or country code, any case, surrounding space and
        trailing punctuation ignored.

    Returns
    -------
    str or None
        ``"External Political Relations"`` for ``"PREL"``, ``"Germany"`` for ``"GM"``.

    Examples
    --------
    >>> tag_name("PREL")
    'External Political Relations'
    >>> tag_name("gm")
    'Germany'
    >>> tag_name("ZOELLICK") is None
    True
    """
    key = _normalize(tag)
    return TAG_NAMES.get(key) or COUNTRY_CODES.get(key)


def _is_country_code(tag: str) -> bool:
    # Two letters is the geographic-code shape; an unknown two-letter tag is still a
    # (possibly mistyped or newer) geographic code, never a subject.
    return len(tag) == 2 and tag.isalpha() and tag.upper() not in TAG_NAMES


def split_tags(
    tags: Iterable[str],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split TAGS into (subject tags, country codes), order kept.

    Two-letter alphabetic tags are country codes (also when the lexicon does not list
    them); everything else, organisation tags (``EUN``, ``NATO``) and person names
    (``ZOELLICK``) included, is a subject tag. Tags are upper-cased and stripped of
    surrounding space and ``,;.``; empty items are dropped.

    Parameters
    ----------
    tags : iterable of str
        The TAGS as written, e.g. ``("PREL", "PARM", "JA", "KN")``.

    Returns
    -------
    subject : tuple of str
    country : tuple of str

    Raises
    ------
    TypeError
        If ``tags`` is a single string (split it first) or holds a non-string.

    Examples
    --------
    >>> split_tags(["PREL", "PARM", "EUN", "ZOELLICK", "JA", "KN"])
    (('PREL', 'PARM', 'EUN', 'ZOELLICK'), ('JA', 'KN'))
    """
    if isinstance(tags, str):
        raise TypeError(
            f"split_tags expects a sequence of tags, got the string {tags!r}; "
            "split it first, e.g. split_tags(text.replace(',', ' ').split())"
        )
    subject: list[str] = []
    country: list[str] = []
    for i, raw in enumerate(tags):
        if not isinstance(raw, str):
            raise TypeError(
                f"split_tags: tag #{i} is {type(raw).__name__} {raw!r}, expected str"
            )
        tag = _normalize(raw)
        if not tag:
            continue
        (country if _is_country_code(tag) else subject).append(tag)
    return tuple(subject), tuple(country)


_AREA_LETTERS = frozenset("ABCEKMOPST")


@lru_cache(maxsize=1)
def _codes_in_use() -> frozenset[str]:
    """Codes of ``corpora/data/tag_codes.txt`` (codes seen on Cablegate TAGS lines)."""
    text = files("corpora").joinpath("data", "tag_codes.txt").read_text(encoding="utf-8")
    return frozenset(
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")
    )


def is_known_tag(tag: str) -> bool:
    """True for a TAGS code the project knows: named in the lexicon (subject, organisation,
    country) or seen in use on Cablegate TAGS lines (``corpora/data/tag_codes.txt``)."""
    key = _normalize(tag)
    return key in TAG_NAMES or key in COUNTRY_CODES or key in _codes_in_use()


def split_run_together(token: str) -> tuple[str, ...]:
    """Split a run-together TAGS string (``ETRDEINVECINPGOVCS``) into its tags.

    Only a string that is not itself a known tag and is *exactly* a concatenation of known
    tags (`is_known_tag`) is split; anything else comes back whole (``KSCA`` and ``KGIC``
    have the shape of two country codes but are tags of their own). Where several splits
    exist, the one with the fewest parts wins (four-letter subject tags before pairs of
    country codes). A four-letter string opening with a TAGS area letter (A B C E K M O P
    S T) is kept: it has the shape of a subject tag the lexicon may not list (``KSAC``,
    ``SAAE``), and two country codes run together are rarer than an unlisted tag.

    Examples
    --------
    >>> split_run_together("ETRDEINVECINPGOVCS")
    ('ETRD', 'EINV', 'ECIN', 'PGOV', 'CS')
    >>> split_run_together("KSCA")
    ('KSCA',)
    >>> split_run_together("ZOELLICK")
    ('ZOELLICK',)
    """
    tok = _normalize(token)
    if len(tok) < 4 or not tok.isalpha() or is_known_tag(tok) or len(tok) > 200:
        return (token,)
    if len(tok) == 4 and tok[0] in _AREA_LETTERS:
        return (token,)  # the shape of a subject tag the lexicon may not list (KSAC)
    n = len(tok)
    # best[i]: the fewest known parts covering tok[:i] (None when impossible)
    best: list[tuple[str, ...] | None] = [()] + [None] * n
    for i in range(1, n + 1):
        for size in (4, 2, 3, 5, 6):
            j = i - size
            if j < 0 or best[j] is None or not is_known_tag(tok[j:i]):
                continue
            cand = (*best[j], tok[j:i])
            if best[i] is None or len(cand) < len(best[i]):
                best[i] = cand
    return best[n] if best[n] is not None and len(best[n]) > 1 else (token,)
