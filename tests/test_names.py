"""Person names and demonyms are kept out of tokens (and so of topics and labels) by default."""

from __future__ import annotations

import re
import time

from topics.names import DEMONYMS, learn_person_names, person_names_from_tags
from topics.text import TextOptions, Tokenizer, tokenize_corpus

MIXED = [
    "President Chavez met Foreign Minister Maduro on oil exports. Chavez said oil prices fell.",
    "Mr. Maduro told the Ambassador that the oil law would pass. Maduro left for Havana.",
    "Minister Lavrov discussed the treaty. The general assembly voted; Lavrov abstained.",
    "Senator Lugar raised the missile treaty with Minister Lavrov and the President.",
    "The minister said exports will rise; a president of the bank was named. Senator Lugar smiled.",
]
ALLCAPS = "PRESIDENT CHAVEZ AND LAVROV DISCUSSED OIL EXPORTS AND THE MISSILE TREATY WITH LUGAR."


def test_names_learned_from_mixed_case_apply_to_all_caps_cables():
    names = learn_person_names(MIXED + [ALLCAPS], min_count=1)
    assert {"chavez", "maduro", "lavrov", "lugar"} <= names
    # words written in lower case elsewhere are not names, whatever precedes them
    assert not names & {"oil", "assembly", "general", "president", "minister", "exports"}
    docs = tokenize_corpus(MIXED + [ALLCAPS], TextOptions(phrases=False), n_jobs=1)
    flat = {t for d in docs for t in d}
    assert not flat & {"chavez", "maduro", "lavrov", "lugar"}
    assert {"oil", "exports", "missile", "treaty"} <= set(docs[-1])


def test_options_turn_name_and_demonym_removal_off():
    text = ["The Iranian and Russian delegations met President Ahmadinejad on nuclear talks."] * 3
    default = tokenize_corpus(text, TextOptions(phrases=False), n_jobs=1)[0]
    assert not {"iranian", "russian"} & set(default)
    kept = tokenize_corpus(text, TextOptions(phrases=False, drop_demonyms=False,
                                             drop_person_names=False), n_jobs=1)[0]
    assert {"iranian", "russian", "ahmadinejad"} <= set(kept)
    # a given list is used as it is (a lone Tokenizer learns nothing)
    tok = Tokenizer(TextOptions(person_names=("ahmadinejad",), drop_demonyms=False))
    assert "ahmadinejad" not in tok(text[0]) and "iranian" in tok(text[0])


def test_person_tags_are_candidates_checked_against_the_text():
    tags = [["PREL", "US", "CLINTON", "HILLARY"], ["PGOV", "EUN"], None, ["OVIP", "STEINBERG",
                                                                          "JAMES"]]
    cands = person_names_from_tags(tags)
    assert cands == {"clinton", "hillary", "steinberg", "james"}
    texts = ["We met Hillary Clinton; Clinton spoke.", "James Steinberg spoke; Steinberg and James came.",
             "Hillary Clinton left."]
    assert learn_person_names(texts, extra_candidates=cands) == {"clinton", "steinberg",
                                                                 "hillary", "james"}
    assert learn_person_names(["the clinton and the hillary"] * 3,
                              extra_candidates=cands) == frozenset()


def test_demonyms_are_lower_case_words():
    assert len(DEMONYMS) > 150 and all(re.fullmatch(r"[a-z_]+", w) for w in DEMONYMS)


def test_name_learning_is_linear_on_hostile_text():
    hostile = ("MINISTER " * 20000) + ("A" * 50000) + (" Mr." * 20000)
    t0 = time.perf_counter()
    learn_person_names([hostile, hostile.lower()])
    assert time.perf_counter() - t0 < 5


def test_names_beside_known_names_and_joined_particles():
    texts = ["President Roberto Micheletti spoke; Roberto Micheletti left the Senate.",
             "Mr. Roberto Micheletti and the Senate met. Colonel Qadhafi and Colonel Qadhafi again.",
             "The Senate voted. The Senate adjourned; Senate leaders and the Senate staff."]
    names = learn_person_names(texts)
    assert {"roberto", "micheletti", "qadhafi"} <= names
    assert "senate" not in names  # follows "the": an institution, not a person
    tok = Tokenizer(TextOptions(person_names=("qadhafi",)))
    assert tok("Saif al-Qadhafi and al-Qaida talks") == ["saif", "al-qaida", "talks"]
