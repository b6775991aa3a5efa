"""Form cables told from subject cables by structure (corpora.genres)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from corpora.genres import GENRES, SUBJECT, detect_genres, genre_summary

RNG = np.random.default_rng(0)
WORDS = ("minister budget election reform oil talks army border treaty court press vote "
         "party economy trade bank sanctions nuclear police refugees drought harvest").split()


def _prose(n_words: int = 200) -> str:
    return " ".join(RNG.choice(WORDS, n_words)) + "."


def _clearance(name: str, day: int) -> str:
    return (f"Embassy Cityname is pleased to grant country clearance to {name} who will be in "
            f"the country on assignment from May {day} to May {day + 3}. The purpose of this "
            "visit is to attend a meeting. The embassy control officer will meet the traveler "
            "at the airport and hotel reservations have been made at the usual hotel near the "
            "embassy. Please contact the control officer for any questions about the visit.")


def _roster(n: int) -> str:
    return "\n".join(f"RANK/NAME: Captain {i}\nDOB: 1970\nUNIT/INSTITUTION: Police {i}"
                     for i in range(n))


def test_templates_rosters_and_demarches_are_forms():
    bodies = [_prose() for _ in range(40)]
    subjects = [f"SUBJECT CABLE {i}" for i in range(40)]
    bodies += [_clearance(n, d) for n, d in (("Ann Lee", 2), ("Bo Park", 9), ("Cy Dunn", 14),
                                             ("Di Moss", 20))]
    subjects += ["COUNTRY CLEARANCE FOR TRAVELERS"] * 4
    bodies += [_roster(8), _roster(5)]
    subjects += ["LEAHY VETTING REQUEST", "LIST OF OFFICERS"]
    bodies.append("Poloff delivered reftel demarche to the MFA on May 3. The director said "
                  "the government would study the points.")
    subjects.append("DEMARCHE DELIVERED: UN VOTE")
    genres = detect_genres(bodies, subjects)
    assert genres[:40] == [SUBJECT] * 40
    assert genres[40:44] == ["visit logistics"] * 4
    assert genres[44:46] == ["roster", "roster"]
    assert genres[46] == "demarche report"
    assert set(genres) <= set(GENRES)
    # the template is learned from the corpus: one clearance cable alone is not a form
    assert detect_genres([_clearance("Ann Lee", 2)] + bodies[:5])[0] == SUBJECT
    with pytest.raises(ValueError, match="2 subjects for 1 bodies"):
        detect_genres(["a"], ["x", "y"])


def test_genre_summary_counts_by_year_and_post():
    import datetime as dt

    refs = ["A", "B", "C"]
    dates = [dt.datetime(2008, 1, 1), dt.datetime(2009, 5, 1), None]
    out = genre_summary(refs, ["roster", SUBJECT, "roster"], dates, ["Cairo", "Lima", None])
    assert out["counts"] == {"roster": 2}
    assert out["by_year"] == {"roster": {"2008": 1, "unknown": 1}}
    assert out["by_post"] == {"roster": {"Cairo": 1, "unknown": 1}}
    assert out["by_ref"] == {"A": "roster", "C": "roster"}
    json.dumps(out)


def test_genre_detection_is_linear_on_hostile_text():
    hostile = ["A:" * 50000 + "\n" + "(1) " * 20000, "x: " * 60000, "a " * 200000]
    t0 = time.perf_counter()
    detect_genres(hostile, ["DEMARCHE " * 1000] * 3)
    assert time.perf_counter() - t0 < 10
