"""The generator's word lists and posts (`corpora.synthetic`): the eight planted themes of
the default profile, the shared diplomatic and function words, the sending posts with
their routing indicators and geography, and the names and titles of signatures."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BACKGROUND_WORDS", "FUNCTION_WORDS", "PLANTED_THEMES", "POSTS", "Post", "Theme"]


@dataclass(frozen=True)
class Theme:
    """A planted theme: a word distribution and the TAGS that go with it.

    Parameters
    ----------
    id : int
        Theme number, 0-based (the ``theme`` column of ``truth.csv``).
    name : str
        Short name (``"nonproliferation"``).
    words : tuple of str
        Distinctive content words and phrases, most frequent first (Zipf weights).
    tags : tuple of str
        Characteristic subject TAGS; the first is always on the cable's TAGS line.
    office : str
        Washington office addressed in the ``STATE FOR`` line.
    subjects : tuple of str
        Subject-line templates; ``{ADJ}`` and ``{COUNTRY}`` are filled from the post.
    headings : tuple of str
        Section headings used in section rules.
    """

    id: int
    name: str
    words: tuple[str, ...]
    tags: tuple[str, ...]
    office: str
    subjects: tuple[str, ...]
    headings: tuple[str, ...]


def _w(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


#: The eight planted themes.
PLANTED_THEMES: tuple[Theme, ...] = (
    Theme(
        0,
        "nonproliferation",
        _w(
            "nuclear, enrichment, uranium, IAEA, safeguards, centrifuges, reactor, "
            "nonproliferation, inspectors, plutonium, fissile material, NPT, warheads, "
            "reprocessing, heavy water, proliferation, Additional Protocol, enriched, "
            "ballistic missile, missile, export controls, dual-use, verification, "
            "Board of Governors, Security Council resolution, sanctions, weapons program, "
            "fuel cycle, isotopes, declaration, inspection, facility, nuclear weapons, "
            "Nuclear Suppliers Group, disarmament, seized shipment, technicians, yellowcake"
        ),
        ("KNNP", "PARM", "MNUC", "IAEA"),
        "ISN/RA",
        (
            "{ADJ} VIEWS ON IAEA SAFEGUARDS AND THE ENRICHMENT PROGRAM",
            "NONPROLIFERATION: {ADJ} OFFICIALS DISCUSS EXPORT CONTROLS AND DUAL-USE ITEMS",
            "DEMARCHE DELIVERED ON NUCLEAR FUEL CYCLE AND ADDITIONAL PROTOCOL",
            "{COUNTRY} AND THE NPT REVIEW: VERIFICATION CONCERNS",
        ),
        ("SAFEGUARDS", "ENRICHMENT CONCERNS", "EXPORT CONTROLS", "THE WAY AHEAD"),
    ),
    Theme(
        1,
        "trade",
        _w(
            "tariffs, exports, imports, trade, WTO, free trade agreement, market access, "
            "investment, investors, customs, quotas, subsidies, GDP, growth, inflation, "
            "exchange rate, central bank, fiscal deficit, budget, intellectual property, "
            "agricultural products, beef, rice, textiles, manufacturers, trade surplus, "
            "percent, billion, economy, economic, ministry of finance, privatization, "
            "banks, credit, interest rates, retail, regulations, competitiveness, duties"
        ),
        ("ETRD", "ECON", "EFIN", "EINV"),
        "EEB/TPP",
        (
            "{ADJ} TRADE MINISTER ON WTO NEGOTIATIONS AND MARKET ACCESS",
            "{COUNTRY}: CENTRAL BANK HOLDS RATES AS INFLATION EASES",
            "FREE TRADE AGREEMENT TALKS: TARIFFS, QUOTAS AND BEEF",
            "{ADJ} ECONOMY: GROWTH SLOWS, FISCAL DEFICIT WIDENS",
        ),
        ("MACROECONOMIC OUTLOOK", "MARKET ACCESS", "TARIFF SCHEDULE", "INVESTMENT CLIMATE"),
    ),
    Theme(
        2,
        "counter-narcotics",
        _w(
            "cocaine, narcotics, traffickers, trafficking, drug, seizure, seized, "
            "kilograms, coca, eradication, extradition, cartel, police, smuggling, "
            "precursor chemicals, laboratories, interdiction, DEA, money laundering, "
            "heroin, arrests, prosecutors, counternarcotics, shipment, port, gangs, "
            "marijuana, poppy, organized crime, hectares, aerial spraying, vessels, "
            "investigators, kingpin, indictment, law enforcement, border, couriers"
        ),
        ("SNAR", "KCRM", "KJUS"),
        "INL",
        (
            "RECORD COCAINE SEIZURE AT {ADJ} PORT",
            "{COUNTRY}: ERADICATION AND INTERDICTION RESULTS FOR THE YEAR",
            "EXTRADITION OF NARCOTICS KINGPIN MOVES FORWARD",
            "{ADJ} POLICE DISMANTLE TRAFFICKING NETWORK AND LABORATORIES",
        ),
        ("SEIZURES", "ERADICATION", "EXTRADITIONS", "LAW ENFORCEMENT COOPERATION"),
    ),
    Theme(
        3,
        "human rights",
        _w(
            "human rights, detention, detained, torture, prisoners, activists, "
            "journalists, freedom of expression, NGOs, arrested, political prisoners, "
            "abuses, victims, ombudsman, civil society, religious freedom, lawyers, "
            "trial, sentenced, prison, harassment, demonstrators, rights groups, "
            "impunity, investigation, disappearances, minority, discrimination, "
            "freedom of assembly, press freedom, censorship, defenders, amnesty, "
            "mistreatment, custody, courts, refugees, trafficking in persons"
        ),
        ("PHUM", "KIRF", "KWMN"),
        "DRL",
        (
            "{ADJ} ACTIVISTS DETAINED AFTER DEMONSTRATION",
            "HUMAN RIGHTS IN {COUNTRY}: NGOS REPORT TORTURE IN DETENTION",
            "PRESS FREEDOM AND CENSORSHIP: JOURNALISTS HARASSED",
            "RELIGIOUS FREEDOM REPORT: {ADJ} MINORITY FACES DISCRIMINATION",
        ),
        ("DETENTIONS", "CIVIL SOCIETY", "PRESS FREEDOM", "THE COURTS"),
    ),
    Theme(
        4,
        "energy",
        _w(
            "oil, gas, pipeline, refinery, electricity, power plant, barrels per day, "
            "crude, LNG, hydropower, renewable energy, grid, megawatts, petroleum, "
            "exploration, concession, energy, natural gas, production, reserves, "
            "coal, fuel, power shortages, blackouts, oil field, state oil company, "
            "drilling, offshore, energy security, prices, generation capacity, "
            "transmission, biofuels, gas supply, nuclear power, upstream, tender"
        ),
        ("ENRG", "EPET", "TRGY"),
        "EEB/ESC",
        (
            "{ADJ} ENERGY MINISTER ON PIPELINE ROUTE AND GAS SUPPLY",
            "{COUNTRY}: POWER SHORTAGES AND BLACKOUTS PROMPT NEW GENERATION TENDER",
            "OFFSHORE EXPLORATION CONCESSIONS AWARDED TO STATE OIL COMPANY",
            "ENERGY SECURITY: {ADJ} REFINERY AND LNG PLANS",
        ),
        ("OIL AND GAS", "ELECTRICITY", "PIPELINE POLITICS", "RENEWABLES"),
    ),
    Theme(
        5,
        "elections",
        _w(
            "election, parliament, vote, votes, ballots, candidate, candidates, "
            "opposition, coalition, campaign, polls, ruling party, electoral commission, "
            "turnout, cabinet, prime minister, voters, seats, lawmakers, constituency, "
            "referendum, electoral, parties, party leader, legislature, speaker, "
            "no-confidence motion, reshuffle, presidential, runoff, incumbent, "
            "fraud allegations, observers, primary, majority, districts, rally"
        ),
        ("PGOV", "KDEM", "PINR"),
        "INR",
        (
            "{ADJ} RULING PARTY CLAIMS MAJORITY AS OPPOSITION CRIES FRAUD",
            "{COUNTRY} ELECTIONS: CAMPAIGN ENTERS FINAL WEEK",
            "CABINET RESHUFFLE AND THE COALITION'S PROSPECTS",
            "PARLIAMENT DEBATES ELECTORAL LAW AHEAD OF REFERENDUM",
        ),
        ("THE CAMPAIGN", "COALITION MATH", "ELECTORAL COMMISSION", "OUTLOOK"),
    ),
    Theme(
        6,
        "consular",
        _w(
            "visa, visas, applicants, consular section, interview, passport, "
            "adjudication, nonimmigrant, immigrant visa, fraud, waiver, appointments, "
            "biometrics, overstay, refusal rate, consular officers, American citizens, "
            "citizen services, lookout, petitions, student visas, fingerprints, "
            "documents, issuance, wait times, applications, validation study, "
            "adoption, birth certificates, fraud prevention, workload, visa waiver, "
            "consular, interviews, travel, arrest notification, welfare visit"
        ),
        ("CVIS", "CASC", "KFRD", "CMGT"),
        "CA/VO",
        (
            "NONIMMIGRANT VISA DEMAND AND WAIT TIMES IN {COUNTRY}",
            "CONSULAR FRAUD PREVENTION: VALIDATION STUDY RESULTS",
            "WELFARE VISIT TO DETAINED AMERICAN CITIZEN",
            "{ADJ} STUDENT VISA APPLICANTS: REFUSAL RATE AND INTERVIEWS",
        ),
        ("VISA WORKLOAD", "FRAUD TRENDS", "AMERICAN CITIZEN SERVICES", "MANAGEMENT"),
    ),
    Theme(
        7,
        "military cooperation",
        _w(
            "military, defense, exercise, troops, training, navy, air force, army, "
            "joint exercise, base, procurement, aircraft, helicopters, officers, "
            "interoperability, status of forces agreement, deployment, defense minister, "
            "chief of staff, armed forces, peacekeeping, soldiers, F-16, frigates, "
            "security assistance, FMF, IMET, logistics, maritime security, "
            "counterterrorism, ammunition, brigade, commanders, defense cooperation, "
            "military sales, radar, patrol, unit"
        ),
        ("MARR", "MASS", "MOPS", "MCAP"),
        "PM/RSAT",
        (
            "{ADJ} DEFENSE MINISTER SEEKS EXPANDED JOINT EXERCISES",
            "MILITARY SALES: {ADJ} AIR FORCE EYES F-16 PROCUREMENT",
            "{COUNTRY} PEACEKEEPING DEPLOYMENT AND IMET TRAINING",
            "STATUS OF FORCES AGREEMENT TALKS AND BASE ACCESS",
        ),
        ("EXERCISES", "PROCUREMENT", "TRAINING", "BASING"),
    ),
)

#: Diplomatic vocabulary shared by every theme.
BACKGROUND_WORDS = _w(
    "government, officials, minister, ministry, embassy, ambassador, meeting, discussed, "
    "noted, stressed, emphasized, bilateral, cooperation, issue, concern, support, "
    "relationship, visit, delegation, counterpart, deputy, director, request, told, "
    "explained, agreed, position, policy, United States, Washington, post, conversation, "
    "statement, press, public, plan, process, proposal, efforts, progress, role, level, "
    "senior, regional, international, important, continue, expressed, hope, working, "
    "next steps, week, month, year, foreign minister, president, said, according to, "
    "comment, believe, view, however, also, would, could, key, told poloff, econoff, "
    "U.S., USG, priority, question, response, recent, new, current, significant, "
    "problem, approach, assistance, agreement, national, local, leadership, officials "
    "said, clear, likely, already, further, need, concerns, interest, opportunity"
)

FUNCTION_WORDS = _w(
    "the, the, the, of, of, and, and, to, to, in, in, a, that, for, on, with, is, was, "
    "by, as, at, from, this, be, has, have, not, are, it, their, its, an, which, would, "
    "will, had, more, he, she, they, but, or, these, such"
)


@dataclass(frozen=True)
class Post:
    """A sending post: how it signs (``FM AMEMBASSY TOKYO``) and its geography."""

    sender: str  # as on the FM line
    ref_code: str  # as in the reference id (09TOKYO1346)
    routing: str  # routing indicator (RUEHKO)
    country_code: str  # TAGS geographic code
    country: str
    adjective: str
    places: tuple[str, ...]
    gov: str  # government acronym used in cables
    bureau: str  # regional bureau

    @property
    def city(self) -> str:
        return self.sender.split(" ", 1)[1]


def _post(sender, routing, cc, country, adj, places, gov, bureau) -> Post:
    return Post(
        sender,
        sender.split(" ", 1)[1].replace(" ", ""),
        routing,
        cc,
        country,
        adj,
        _w(places),
        gov,
        bureau,
    )


#: Sending posts (routing indicators as in the ACP 117 routing indicator book).
POSTS: tuple[Post, ...] = (
    _post("AMEMBASSY TOKYO", "RUEHKO", "JA", "Japan", "Japanese", "Tokyo, Osaka, Okinawa", "GOJ", "EAP"),
    _post("AMEMBASSY BEIJING", "RUEHBJ", "CH", "China", "Chinese", "Beijing, Shanghai, Guangdong", "PRC", "EAP"),
    _post("AMEMBASSY SEOUL", "RUEHUL", "KS", "South Korea", "Korean", "Seoul, Busan, Incheon", "ROKG", "EAP"),
    _post("AMEMBASSY MOSCOW", "RUEHMO", "RS", "Russia", "Russian", "Moscow, St. Petersburg, Kremlin", "GOR", "EUR"),
    _post("AMEMBASSY NEW DELHI", "RUEHNE", "IN", "India", "Indian", "New Delhi, Mumbai, Kashmir", "GOI", "SCA"),
    _post("AMCONSUL MUMBAI", "RUEHBI", "IN", "India", "Indian", "Mumbai, Maharashtra, Gujarat", "GOI", "SCA"),
    _post("AMEMBASSY ISLAMABAD", "RUEHIL", "PK", "Pakistan", "Pakistani", "Islamabad, Lahore, Karachi", "GOP", "SCA"),
    _post("AMEMBASSY KABUL", "RUEHBUL", "AF", "Afghanistan", "Afghan", "Kabul, Kandahar, Helmand", "GIRoA", "SCA"),
    _post("AMEMBASSY BAGHDAD", "RUEHGB", "IZ", "Iraq", "Iraqi", "Baghdad, Basrah, Anbar", "GOI", "NEA"),
    _post("AMEMBASSY ANKARA", "RUEHAK", "TU", "Turkey", "Turkish", "Ankara, Istanbul, Diyarbakir", "GOT", "EUR"),
    _post("AMCONSUL ISTANBUL", "RUEHIT", "TU", "Turkey", "Turkish", "Istanbul, Bosphorus, Izmir", "GOT", "EUR"),
    _post("AMEMBASSY CAIRO", "RUEHEG", "EG", "Egypt", "Egyptian", "Cairo, Alexandria, Sinai", "GOE", "NEA"),
    _post("AMEMBASSY TEL AVIV", "RUEHTV", "IS", "Israel", "Israeli", "Tel Aviv, Jerusalem, Haifa", "GOI", "NEA"),
    _post("AMEMBASSY AMMAN", "RUEHAM", "JO", "Jordan", "Jordanian", "Amman, Zarqa, Aqaba", "GOJ", "NEA"),
    _post("AMEMBASSY RIYADH", "RUEHRH", "SA", "Saudi Arabia", "Saudi", "Riyadh, Jeddah, Dhahran", "SAG", "NEA"),
    _post("AMEMBASSY PARIS", "RUEHFR", "FR", "France", "French", "Paris, Elysee, Quai d'Orsay", "GOF", "EUR"),
    _post("AMEMBASSY BERLIN", "RUEHRL", "GM", "Germany", "German", "Berlin, Bundestag, Bavaria", "German government", "EUR"),
    _post("AMEMBASSY LONDON", "RUEHLO", "UK", "United Kingdom", "British", "London, Whitehall, Scotland", "HMG", "EUR"),
    _post("AMEMBASSY MADRID", "RUEHMD", "SP", "Spain", "Spanish", "Madrid, Catalonia, Moncloa", "GOS", "EUR"),
    _post("AMEMBASSY BERN", "RUEHSW", "SZ", "Switzerland", "Swiss", "Bern, Geneva, Zurich", "GOS", "EUR"),
    _post("AMEMBASSY BOGOTA", "RUEHBO", "CO", "Colombia", "Colombian", "Bogota, Medellin, Cali", "GOC", "WHA"),
    _post("AMEMBASSY MEXICO", "RUEHME", "MX", "Mexico", "Mexican", "Mexico City, Tijuana, Monterrey", "GOM", "WHA"),
    _post("AMEMBASSY BRASILIA", "RUEHBR", "BR", "Brazil", "Brazilian", "Brasilia, Sao Paulo, Itamaraty", "GOB", "WHA"),
    _post("AMEMBASSY CARACAS", "RUEHCV", "VE", "Venezuela", "Venezuelan", "Caracas, Maracaibo, Miraflores", "BRV", "WHA"),
    _post("AMEMBASSY LIMA", "RUEHPE", "PE", "Peru", "Peruvian", "Lima, Cusco, Huallaga", "GOP", "WHA"),
    _post("AMEMBASSY KINGSTON", "RUEHKG", "JM", "Jamaica", "Jamaican", "Kingston, Montego Bay, Spanish Town", "GOJ", "WHA"),
    _post("AMEMBASSY KUALA LUMPUR", "RUEHKL", "MY", "Malaysia", "Malaysian", "Kuala Lumpur, Penang, Sabah", "GOM", "EAP"),
    _post("AMEMBASSY JAKARTA", "RUEHJA", "ID", "Indonesia", "Indonesian", "Jakarta, Aceh, Java", "GOI", "EAP"),
    _post("AMEMBASSY MANILA", "RUEHML", "RP", "Philippines", "Philippine", "Manila, Mindanao, Cebu", "GRP", "EAP"),
    _post("AMEMBASSY BANGKOK", "RUEHBK", "TH", "Thailand", "Thai", "Bangkok, Chiang Mai, Government House", "RTG", "EAP"),
    _post("AMEMBASSY NAIROBI", "RUEHNR", "KE", "Kenya", "Kenyan", "Nairobi, Mombasa, Rift Valley", "GOK", "AF"),
    _post("AMEMBASSY ABUJA", "RUEHUJA", "NI", "Nigeria", "Nigerian", "Abuja, Lagos, Niger Delta", "GON", "AF"),
    _post("AMEMBASSY PRETORIA", "RUEHSA", "SF", "South Africa", "South African", "Pretoria, Johannesburg, Cape Town", "SAG", "AF"),
)  # fmt: skip

_AGENCIES = (
    "RUEAIIA/CIA WASHDC",
    "RHEHNSC/NSC WASHDC",
    "RUEKJCS/SECDEF WASHDC",
    "RUEKJCS/JOINT STAFF WASHDC",
    "RHEFDIA/DIA WASHDC",
    "RUCPDOC/USDOC WASHDC",
    "RUEATRS/DEPT OF TREASURY WASHDC",
)
_FIRST = _w(
    "James, John, Robert, Michael, William, David, Richard, Thomas, Mark, Daniel, Susan, "
    "Mary, Patricia, Linda, Barbara, Elizabeth, Karen, Nancy, Margaret, Anne, Peter, Paul, "
    "Stephen, Kevin, Brian, Laura, Helen, Carol, Janet, Alan"
)
_LAST = _w(
    "Harmon, Whitcomb, Delacroix, Pemberton, Okafor, Lindqvist, Marchetti, Holloway, "
    "Brandt, Castellano, Fairbanks, Gallagher, Hendricks, Iverson, Kowalski, Lockhart, "
    "Montague, Nakamura, Ostrowski, Prescott, Quinlan, Radcliffe, Sandoval, Thornbury, "
    "Underhill, Vandermeer, Wexford, Yardley, Zielinski, Ashworth, Blackwood, Carrington, "
    "Dunmore, Ellsworth, Fenwick, Granger, Hathaway, Kingsley"
)
_TITLES = (
    "Ambassador",
    "DCM",
    "Political Counselor",
    "Economic Counselor",
    "Charge d'Affaires",
    "A/Political Counselor",
)
