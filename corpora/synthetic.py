"""Synthetic diplomatic cables with planted themes, written in the real raw cable format.

The generator writes what a Cablegate raw text file looks like (routing block, date-time
group, ``FM``/``TO``/``INFO`` lines, classification line, ``SIPDIS``, addressee lines,
``E.O. 12958``, ``TAGS:``, a wrapped ``SUBJECT:``, ``Classified By:``, numbered paragraphs
with markings such as ``¶1. (C)``, page-break lines that split sentences, section rules and
a signature), so every reader, the store and the topic models can be tested end to end on
a corpus whose answer is known.

Each cable has exactly one planted theme (`PLANTED_THEMES`): a word distribution of a few
dozen distinctive content words and phrases, with its own characteristic subject TAGS. The
body mixes the theme with a shared background vocabulary of diplomatic words, a little
leakage from other themes, and the sending post's own geography (country, cities,
government acronym), so geography is a confound as in real cables. Themes are drawn
independently of the post except for a mild per-post preference, so a post never
determines its theme. ``truth.csv`` records the planted theme of every cable.

Everything is drawn from one ``numpy.random.default_rng(seed)`` stream in order, so the
first ``k`` cables of a corpus of ``n`` are the same for every ``n >= k`` and a seed gives a
byte-identical corpus. Generation is lazy: `iter_synthetic_cables` yields one cable at a
time and `generate_corpus` writes as it goes, so 250,000 cables never sit in memory.

Command line::

    python -m corpora.synthetic OUT --n 250000 --seed 0 --per-file 100
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from corpora.synthetic_vocab import (
    _AGENCIES,
    _FIRST,
    _LAST,
    _TITLES,
    BACKGROUND_WORDS,
    FUNCTION_WORDS,
    PLANTED_THEMES,
    POSTS,
    Post,
    Theme,
)

__all__ = [
    "PLANTED_THEMES",
    "POSTS",
    "SyntheticCable",
    "Theme",
    "generate_corpus",
    "iter_synthetic_cables",
    "main",
    "planted_themes",
]

logger = logging.getLogger(__name__)

GENERATOR_VERSION = "1"

#: Corpus profiles: ``default`` (short cables, ~470 words, 8 themes: fast tests) and
#: ``cablegate`` (real Cablegate length, vocabulary, posts and dates, 50 themes:
#: `corpora.synthetic_cablegate`).
PROFILES = ("default", "cablegate")


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_YEARS = np.arange(2003, 2011)
#: Cablegate thins out before 2006 and ends in February 2010; weights follow that shape.
_YEAR_WEIGHTS = np.array([0.05, 0.07, 0.1, 0.15, 0.18, 0.2, 0.2, 0.05])
_CLASSIFICATIONS = ("SECRET", "CONFIDENTIAL", "UNCLASSIFIED", "UNCLASSIFIED//SBU")
_CLASS_WEIGHTS = np.array([0.2, 0.45, 0.25, 0.1])
_MARKINGS = {
    "SECRET": ("S", "S", "C", "C", "U", "SBU"),
    "CONFIDENTIAL": ("C", "C", "C", "U", "SBU"),
    "UNCLASSIFIED": ("U",),
    "UNCLASSIFIED//SBU": ("SBU", "SBU", "U"),
}
_WORDS_PER_PAGE = 260
_THEME_SHARE, _LEAK_SHARE, _GEO_SHARE, _BACKGROUND_SHARE = 0.44, 0.03, 0.02, 0.21
_FUNCTION_SHARE = 1.0 - _THEME_SHARE - _LEAK_SHARE - _GEO_SHARE - _BACKGROUND_SHARE


@dataclass(frozen=True)
class SyntheticCable:
    """One generated cable: its reference id, full raw text and planted theme."""

    ref: str
    text: str
    theme: int
    post: str
    date: datetime
    classification: str


def _zipf(n: int, s: float = 0.7) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


class _Vocab:
    """One token table and a cumulative distribution per (theme, post)."""

    def __init__(self, themes: Sequence[Theme], posts: Sequence[Post]):
        tokens: list[str] = []
        spans = []
        for t in themes:
            spans.append((len(tokens), len(t.words)))
            tokens.extend(t.words)
        bg_start = len(tokens)
        tokens.extend(BACKGROUND_WORDS)
        fn_start = len(tokens)
        tokens.extend(FUNCTION_WORDS)
        geo_spans = []
        for p in posts:
            geo_spans.append(len(tokens))
            geo = (p.country, p.adjective, p.gov, *p.places)
            tokens.extend(geo)
        self.tokens = np.array(tokens, dtype=object)
        self.cdf = np.empty((len(themes), len(posts), len(tokens)))
        for ti in range(len(themes)):
            base = np.zeros(len(tokens))
            for tj, (start, n) in enumerate(spans):
                share = _THEME_SHARE if tj == ti else _LEAK_SHARE / (len(themes) - 1)
                base[start : start + n] = share * _zipf(n, 0.5)
            base[bg_start:fn_start] = _BACKGROUND_SHARE * _zipf(len(BACKGROUND_WORDS), 0.3)
            base[fn_start : fn_start + len(FUNCTION_WORDS)] = _FUNCTION_SHARE / len(
                FUNCTION_WORDS
            )
            for pi, p in enumerate(posts):
                probs = base.copy()
                n = 3 + len(p.places)
                probs[geo_spans[pi] : geo_spans[pi] + n] = _GEO_SHARE * _zipf(n, 0.5)
                self.cdf[ti, pi] = np.cumsum(probs / probs.sum())

    def draw(self, rng: np.random.Generator, theme: int, post: int, n: int) -> list[str]:
        idx = np.searchsorted(self.cdf[theme, post], rng.random(n), side="right")
        np.minimum(idx, len(self.tokens) - 1, out=idx)
        return self.tokens[idx].tolist()


def _wrap(text: str, width: int) -> list[str]:
    # Hand-rolled: textwrap is several times slower and 250,000 cables go through here.
    lines: list[str] = []
    cur: list[str] = []
    n = 0
    for word in text.split(" "):
        if cur and n + 1 + len(word) > width:
            lines.append(" ".join(cur))
            cur, n = [word], len(word)
        else:
            n += len(word) + (1 if cur else 0)
            cur.append(word)
    if cur:
        lines.append(" ".join(cur))
    return lines


def _letter_spaced(classification: str) -> str:
    word = classification.split("//")[0]
    if word.startswith("UNCLASSIFIED"):
        return "UNCLAS"
    return " ".join(word)


class _Generator:
    def __init__(self, seed: int, profile: str = "default"):
        self.rng = np.random.default_rng(seed)
        self.profile = None
        if profile == "cablegate":
            from corpora.synthetic_cablegate import YEAR_WEIGHTS, YEARS, CablegateProfile

            self.profile = CablegateProfile(POSTS)
            self.vocab = self.profile
            self.themes = self.profile.themes
            self.years, self.year_weights = YEARS, YEAR_WEIGHTS
        elif profile == "default":
            self.vocab = _Vocab(PLANTED_THEMES, POSTS)
            self.themes = PLANTED_THEMES
            self.years, self.year_weights = _YEARS, _YEAR_WEIGHTS
        else:
            raise ValueError(
                f"synthetic cables: 'profile' must be one of {list(PROFILES)}. Got {profile!r}."
            )
        rng = self.rng
        # Per-post state drawn once: the signing chief of mission, a favourite theme (a
        # mild preference: geography correlates with themes without determining them).
        self.signers = [_LAST[i].upper() for i in rng.integers(0, len(_LAST), len(POSTS))]
        self.favourite = rng.integers(0, len(self.themes), len(POSTS))
        self.serials: dict[tuple[int, int], int] = {}
        self.seq: dict[int, int] = {}

    def cable(self) -> SyntheticCable:
        rng = self.rng
        n_themes = len(self.themes)
        if self.profile is None:
            pi = int(rng.integers(len(POSTS)))
        else:
            pi = int(rng.choice(len(POSTS), p=self.profile.post_weights))
        post = POSTS[pi]
        probs = np.full(n_themes, 1.0)
        probs[self.favourite[pi]] += 1.0
        ti = int(rng.choice(n_themes, p=probs / probs.sum()))
        theme = self.themes[ti]
        year = int(rng.choice(self.years, p=self.year_weights))
        span_days = 59 if year == 2010 else 365
        date = datetime(year, 1, 1) + timedelta(
            days=int(rng.integers(span_days)),
            hours=int(rng.integers(24)),
            minutes=int(rng.integers(60)),
        )
        key = (pi, year)
        serial = self.serials.get(key, 0) + int(rng.integers(1, 30))
        self.serials[key] = serial
        ref = f"{year % 100:02d}{post.ref_code}{serial}"
        classification = _CLASSIFICATIONS[int(rng.choice(4, p=_CLASS_WEIGHTS))]
        noforn = classification != "UNCLASSIFIED" and rng.random() < 0.15
        if classification.startswith("UNCLASSIFIED"):
            noforn = False
        if noforn and classification in ("SECRET", "CONFIDENTIAL"):
            classification += "//NOFORN"
        text = self._render(rng, post, pi, theme, ti, date, serial, classification)
        return SyntheticCable(ref, text, ti, post.sender, date, classification)

    # -- rendering -------------------------------------------------------------------
    def _paragraphs(self, rng, pi, theme, ti) -> list[tuple[str | None, str]]:
        if self.profile is None:
            n_words = int(np.clip(rng.lognormal(math.log(320), 0.35), 150, 580))
        else:
            n_words = self.profile.n_words(rng)
        words = self.vocab.draw(rng, ti, pi, n_words)
        # Phrases are several words: cut the token stream at n_words words.
        lengths = np.cumsum([w.count(" ") + 1 for w in words])
        words = words[: int(np.searchsorted(lengths, n_words)) + 1]
        n_words = len(words)
        sent_lens = rng.integers(9, 24, size=n_words // 9 + 2)
        sentences = []
        i = 0
        for length in sent_lens:
            if i >= n_words:
                break
            chunk = words[i : i + int(length)]
            i += int(length)
            s = " ".join(chunk)
            sentences.append(s[0].upper() + s[1:] + ".")
        paras: list[tuple[str | None, str]] = []
        j = 0
        while j < len(sentences):
            k = int(rng.integers(2, 6))
            heading = None
            if paras and rng.random() < 0.25:
                heading = theme.headings[int(rng.integers(len(theme.headings)))]
            paras.append((heading, " ".join(sentences[j : j + k])))
            j += k
        if rng.random() < 0.6:
            paras[0] = (None, "Summary: " + paras[0][1] + " End summary.")
        if len(paras) > 2 and rng.random() < 0.4:
            paras[-1] = (paras[-1][0], "Comment: " + paras[-1][1] + " End comment.")
        return paras

    def _render(self, rng, post, pi, theme, ti, date, serial, classification) -> str:
        level = classification.split("//")[0]
        unclas = level.startswith("UNCLASSIFIED")
        paras = self._paragraphs(rng, pi, theme, ti)
        n_words = sum(len(p[1].split(" ")) for p in paras)
        pages = 1 + (n_words - 1) // _WORDS_PER_PAGE
        wrap = rng.random() < 0.6
        seq = self.seq.get(pi, int(rng.integers(1000, 9000))) + 1
        self.seq[pi] = seq
        zny = {"SECRET": "ZNY SSSSS ZZH", "CONFIDENTIAL": "ZNY CCCCC ZZH"}.get(
            level, "ZNR UUUUU ZZH"
        )
        prec = str(rng.choice(["R", "P", "O"], p=[0.55, 0.35, 0.1]))
        prec_word = {"R": "", "P": " PRIORITY", "O": " IMMEDIATE"}[prec]
        info_idx = rng.choice(len(POSTS), size=int(rng.integers(0, 7)), replace=False)
        info = [POSTS[int(i)] for i in info_idx if int(i) != pi]
        agencies = [_AGENCIES[int(i)] for i in rng.choice(len(_AGENCIES), 2, replace=False)]
        out: list[str] = [""]
        if info and rng.random() < 0.7:
            out.append(f"VZCZCXRO{int(rng.integers(10000)):04d}")
            out.append(f"{prec}{prec} " + " ".join(p.routing for p in info[:6]))
        else:
            out.append(f"VZCZCXYZ{int(rng.integers(10000)):04d}")
            out.append(f"{prec}{prec} RUEHWEB")
        section = "/01" if pages > 1 else ""
        julian = date.timetuple().tm_yday
        out.append(f"DE {post.routing} #{serial % 10000:04d}{section} {julian:03d}{date:%H%M}")
        out.append(zny)
        dtg = f"{date:%d%H%M}Z {_MONTHS[date.month - 1]} {date:%y}"
        out.append(f"{prec} {dtg}")
        out.append(f"FM {post.sender}")
        out.append(f"TO RUEHC/SECSTATE WASHDC{prec_word} {seq:04d}")
        info_lines = [
            f"{p.routing}/{p.sender}{prec_word} {int(rng.integers(10000)):04d}" for p in info
        ]
        info_lines += [a + prec_word for a in agencies if rng.random() < 0.5]
        for k, line in enumerate(info_lines):
            out.append(("INFO " if k == 0 else "") + line)
        sec = f"SECTION 01 OF {pages:02d} " if pages > 1 else ""
        out.append(f"{_letter_spaced(classification)} {sec}{post.city} {serial:06d}")
        out.append("")
        if classification.endswith("NOFORN"):
            out += ["NOFORN", ""]
        if classification.endswith("SBU"):
            out += ["SENSITIVE", ""]
        out += ["SIPDIS", ""]
        if rng.random() < 0.7:
            out += [f"STATE FOR {post.bureau}, {theme.office}", ""]
        if unclas:
            out.append("E.O. 12958: N/A")
        else:
            # Ten years on (a 29 February becomes the 28th).
            day = min(date.day, 28) if date.month == 2 else date.day
            decl = date.replace(year=date.year + 10, day=day)
            out.append(f"E.O. 12958: DECL: {decl:%m/%d/%Y}")
        out.append("TAGS: " + " ".join(self._tags(rng, post, theme)))
        subject = theme.subjects[int(rng.integers(len(theme.subjects)))]
        subject = subject.format(ADJ=post.adjective.upper(), COUNTRY=post.country.upper())
        sub_lines = _wrap("SUBJECT: " + subject, 62)
        out += sub_lines
        out.append("")
        if not unclas:
            name = f"{_FIRST[int(rng.integers(len(_FIRST)))]} {_LAST[int(rng.integers(len(_LAST)))]}"
            title = _TITLES[int(rng.integers(len(_TITLES)))]
            reason = ("1.4 (b) and (d)", "1.4 (b, d)", "1.4 (b/d)", "1.4(d)")[
                int(rng.integers(4))
            ]
            out += [f"Classified By: {title} {name} for reasons {reason}.", ""]
        page_style = int(rng.integers(2))
        body_lines = self._body(rng, post, serial, paras, classification, pages, wrap, page_style)
        out += body_lines
        out.append(self.signers[pi])
        return "\n".join(out) + "\n"

    def _tags(self, rng, post, theme) -> list[str]:
        tags = [theme.tags[0]]
        for t in theme.tags[1:]:
            if rng.random() < 0.5:
                tags.append(t)
        if rng.random() < 0.6:
            tags.insert(0, "PREL")
        tags.append(post.country_code)
        if rng.random() < 0.3:
            other = POSTS[int(rng.integers(len(POSTS)))].country_code
            if other not in tags:
                tags.append(other)
        return tags

    def _body(self, rng, post, serial, paras, classification, pages, wrap, style) -> list[str]:
        level = classification.split("//")[0]
        marks = _MARKINGS[level]
        noforn = classification.endswith("NOFORN")
        unmarked = level == "UNCLASSIFIED" and rng.random() < 0.6
        lines: list[str] = []
        words_done = 0
        page = 1

        def page_line(p: int) -> str:
            if style == 0:
                return f"{post.city} {serial:08d} {p:03d}.2 OF {pages:03d}"
            return f"{post.city} {serial:08d}  {p:03d} OF {pages:03d}"

        for number, (heading, text) in enumerate(paras, start=1):
            if heading:
                if rng.random() < 0.5:
                    lines += ["-----", heading, "-----", ""]
                else:
                    lines += [heading, "-" * len(heading), ""]
            if unmarked:
                mark = ""
            else:
                m = marks[int(rng.integers(len(marks)))]
                if noforn and m in ("S", "C") and rng.random() < 0.3:
                    m += "/NF"
                mark = f"({m}) "
            head = f"¶{number}. {mark}"
            words = text.split(" ")
            # A page break falls wherever the page fills up, mid-sentence as in real cables.
            pieces: list[list[str]] = []
            start = 0
            while page < pages and words_done + len(words) - start > page * _WORDS_PER_PAGE:
                cut = start + page * _WORDS_PER_PAGE - words_done
                pieces.append(words[start:cut])
                words_done += cut - start
                start = cut
                page += 1
            words_done += len(words) - start
            pieces.append(words[start:])
            for k, piece in enumerate(pieces):
                chunk = (head if k == 0 else "") + " ".join(piece)
                if piece or k == 0:
                    lines += _wrap(chunk, 68) if wrap else [chunk]
                if k < len(pieces) - 1:
                    lines += [page_line(page - len(pieces) + k + 2), ""]
            lines.append("")
        return lines


def planted_themes(profile: str = "default") -> tuple[Theme, ...]:
    """The planted themes of a profile (`PLANTED_THEMES` for ``"default"``)."""
    if profile == "default":
        return PLANTED_THEMES
    if profile == "cablegate":
        from corpora.synthetic_cablegate import CablegateProfile

        return CablegateProfile(POSTS).themes
    raise ValueError(f"synthetic cables: 'profile' must be one of {list(PROFILES)}. "
                     f"Got {profile!r}.")


def iter_synthetic_cables(
    n: int, seed: int = 0, *, profile: str = "default"
) -> Iterator[SyntheticCable]:
    """Yield ``n`` synthetic cables lazily.

    Parameters
    ----------
    n : int
        Number of cables, >= 0.
    seed : int
        Seed of the one ``numpy.random.default_rng`` stream everything is drawn from.
    profile : {"default", "cablegate"}
        ``"cablegate"``: real Cablegate body lengths (median ~800 words), a Zipfian
        vocabulary of 40,000 words, 50 planted themes, Cablegate's post and year shares
        (`corpora.synthetic_cablegate`). The default corpus is unchanged by this option.

    Yields
    ------
    SyntheticCable
        ``ref``, ``text`` (the raw cable, ``\\n`` line ends), ``theme`` (index into
        `PLANTED_THEMES`), ``post``, ``date``, ``classification``. The first ``k`` cables
        are the same for any ``n >= k``. A ``SyntheticCable`` unpacks nothing; use
        ``(c.ref, c.text, c.theme)``.

    Raises
    ------
    ValueError
        If ``n`` is negative or not an int.

    Examples
    --------
    >>> c = next(iter_synthetic_cables(1, seed=0))
    >>> c.text.lstrip().startswith("VZCZC")
    True
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"iter_synthetic_cables: 'n' must be an int >= 0. Got {n!r} instead.")
    gen = _Generator(int(seed), profile)
    for _ in range(int(n)):
        yield gen.cable()


_README = """# Synthetic cable corpus

Generated by `corpora.synthetic` (generator version {version}) with
`generate_corpus(n_cables={n}, seed={seed}, cables_per_file={per_file}{profile_kw})`.
Regenerate: `python -m corpora.synthetic OUT --n {n} --seed {seed} --per-file {per_file}{profile_arg}`.

These are NOT real cables. Each file is written in the raw Cablegate text layout (routing
block, date-time group, FM/TO/INFO, classification line, SIPDIS, E.O. 12958, TAGS,
SUBJECT, Classified By, numbered and marked paragraphs, page-break lines, signature),
UTF-8, `\\n` line ends, `¶` before paragraph numbers. {layout}

Bodies are drawn from {k} planted themes (word distributions with their own subject TAGS)
mixed with shared diplomatic vocabulary and the sending post's geography. `truth.csv`
holds `ref,theme,theme_name` for every cable: the answer a topic model should recover.

| theme | name | TAGS |
|---|---|---|
{themes}
"""


def generate_corpus(
    out_dir: str | Path,
    n_cables: int = 400,
    seed: int = 0,
    cables_per_file: int = 1,
    *,
    progress_every: int = 10_000,
    profile: str = "default",
) -> Path:
    """Write a synthetic corpus: raw cable files, ``truth.csv`` and ``README.md``.

    Parameters
    ----------
    out_dir : str or Path
        Output directory (created; existing files with the same names are overwritten).
    n_cables : int
        Number of cables.
    seed : int
        Seed (see `iter_synthetic_cables`); same seed, byte-identical files.
    cables_per_file : int
        1 (default): one file per cable, ``cables/<YYYY>/<MM>/<REF>.txt`` (the layout of
        the real raw-text collections: file name = reference id). N > 1: cables are
        packed N to a file, ``cables/<NNNN>/batch_<NNNNNNN>.txt`` (1,000 files a folder),
        each cable ending with the ``NNNN`` end-of-message line as on the wire.
    progress_every : int
        Log a line every this many cables.
    profile : {"default", "cablegate"}
        See `iter_synthetic_cables`.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ValueError
        If ``n_cables`` < 0 or ``cables_per_file`` < 1.
    """
    if isinstance(cables_per_file, bool) or not isinstance(cables_per_file, int):
        raise ValueError(
            f"generate_corpus: 'cables_per_file' must be an int >= 1. Got {cables_per_file!r}."
        )
    if cables_per_file < 1:
        raise ValueError(
            f"generate_corpus: 'cables_per_file' must be an int >= 1. Got {cables_per_file}."
        )
    themes_of = planted_themes(profile)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    root = out / "cables"
    batch: list[str] = []
    n_files = 0

    def flush() -> None:
        nonlocal n_files
        path = root / f"{n_files // 1000:04d}" / f"batch_{n_files:07d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(batch), encoding="utf-8", newline="\n")
        batch.clear()
        n_files += 1

    with open(out / "truth.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["ref", "theme", "theme_name"])
        cables = iter_synthetic_cables(n_cables, seed, profile=profile)
        for i, cable in enumerate(cables, start=1):
            writer.writerow([cable.ref, cable.theme, themes_of[cable.theme].name])
            if cables_per_file == 1:
                path = root / f"{cable.date:%Y}" / f"{cable.date:%m}" / f"{cable.ref}.txt"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(cable.text, encoding="utf-8", newline="\n")
                n_files += 1
            else:
                batch.append(cable.text + "NNNN\n")
                if len(batch) == cables_per_file:
                    flush()
            if progress_every and i % progress_every == 0:
                logger.info("generate_corpus: %d of %d cables written", i, n_cables)
    if batch:
        flush()
    layout = (
        "One cable per file: `cables/<YYYY>/<MM>/<REF>.txt`."
        if cables_per_file == 1
        else f"{cables_per_file} cables per file, `cables/<NNNN>/batch_<NNNNNNN>.txt`, "
        "each cable ending with an `NNNN` end-of-message line."
    )
    themes = "\n".join(
        f"| {t.id} | {t.name} | {' '.join(t.tags)} |" for t in themes_of
    )
    (out / "README.md").write_text(
        _README.format(
            version=GENERATOR_VERSION,
            n=n_cables,
            seed=seed,
            per_file=cables_per_file,
            layout=layout,
            k=len(themes_of),
            profile_kw="" if profile == "default" else f", profile={profile!r}",
            profile_arg="" if profile == "default" else f" --profile {profile}",
            themes=themes,
        ),
        encoding="utf-8",
        newline="\n",
    )
    logger.info("generate_corpus: %d cables in %d files under %s", n_cables, n_files, out)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m corpora.synthetic OUT --n 400 --seed 0 --per-file 1``."""
    parser = argparse.ArgumentParser(
        prog="python -m corpora.synthetic", description="Write a synthetic cable corpus."
    )
    parser.add_argument("out", type=Path, help="output directory")
    parser.add_argument("--n", type=int, default=400, help="number of cables (default 400)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-file", type=int, default=1, help="cables per file (default 1)")
    parser.add_argument("--profile", choices=PROFILES, default="default",
                        help="cablegate: real cable lengths, vocabulary, posts, dates, "
                        "50 themes (default: default)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        generate_corpus(args.out, args.n, args.seed, args.per_file, profile=args.profile)
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
