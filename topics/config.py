"""`RunConfig`: one TOML file that drives a whole run, validated before any work starts.

Every stage has its own section; every key has a documented default, and the resolved
config (defaults written out) is saved in the run directory. Unknown keys, wrong types and
out-of-range values raise `ConfigError` naming the key, the value and what was expected,
with the nearest valid key suggested for a typo.

Example
-------
>>> cfg = RunConfig.from_dict({"model": {"engine": "lda-gibbs", "n_topics": 12}})
>>> cfg.model.n_topics
12
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import tomllib
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = [
    "SAMPLE_CORPUS",
    "ConfigError",
    "CorpusConfig",
    "EvaluationConfig",
    "ModelConfig",
    "ReportConfig",
    "RunConfig",
    "TextConfig",
    "ThemesConfig",
    "VocabularyConfig",
    "BackendConfig",
    "parse_override",
    "sample_corpus_path",
]


#: A source written as this resolves to the bundled synthetic sample corpus.
SAMPLE_CORPUS = "@sample"


def sample_corpus_path() -> Path:
    """The folder of the bundled synthetic sample corpus (``corpora/data/sample``).

    Its cables are in ``cables/``, the planted themes in ``truth.csv``.
    """
    import corpora

    return Path(corpora.__file__).resolve().parent / "data" / "sample"


class ConfigError(ValueError):
    """A config key is unknown, of the wrong type or out of range."""


def _opt(default: Any, doc: str, **check: Any) -> Any:
    """A config field with its documentation and range check in the metadata."""
    meta = {"doc": doc, **check}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class CorpusConfig:
    """Where the cables come from and which of them to model."""

    sources: list[str] = _opt([], "Files, folders or archives of cables (any supported format).")
    format: str = _opt(
        "auto",
        "Input format, or 'auto' to detect per file.",
        choices=(
            "auto", "raw", "cablegate-csv", "cablegate-html", "jsonl", "plusd", "frus", "alx",
            "table",
        ),
    )
    columns: dict = _opt(
        {}, "Read the sources as tables (CSV, TSV, JSON Lines, Parquet) with this mapping of "
        "fields to columns, e.g. {ref = 'doc_id', body = 'text', date = 'sent'}; fields: ref, "
        "body (required), date, released, origin, classification, subject, tags, header "
        "(docs/tables.md)."
    )
    follow_symlinks: bool = _opt(
        False, "Read symlinks that point outside the source folders (otherwise they are "
        "skipped and listed as rejects; FIFOs and devices are never read)."
    )
    store: str = _opt("", "An existing CorpusStore to read instead of ingesting 'sources'.")
    date_from: str = _opt("", "Keep cables on or after this date (YYYY-MM-DD); '' = no limit.",
                          date=True)
    date_to: str = _opt("", "Keep cables before this date (YYYY-MM-DD); '' = no limit.",
                        date=True)
    origins: list[str] = _opt([], "Keep only these sending posts (e.g. 'Embassy Tokyo').")
    tags: list[str] = _opt([], "Keep only cables with at least one of these TAGS.")
    classifications: list[str] = _opt([], "Keep only these classifications.")
    min_length: int = _opt(200, "Drop cables whose clean body is shorter (characters).", min=0)
    genres: str = _opt(
        "subject",
        "Which cables the model is fitted on: 'subject' leaves form cables (rosters, visit "
        "logistics, demarche reports, press summaries, notices; corpora/genres.py) out of "
        "the themes and reports them as their own groups (genres.json); 'all' models every "
        "cable.",
        choices=("subject", "all"),
    )


@dataclass(frozen=True)
class TextConfig:
    """Tokenizing: stopwords, lemmas, phrases, place names."""

    lowercase: bool = _opt(True, "Lower-case tokens.")
    min_token_len: int = _opt(2, "Shortest token kept.", min=1)
    stopwords: bool = _opt(True, "Remove English and cable-boilerplate stopwords.")
    extra_stopwords: list[str] = _opt([], "More stopwords to remove.")
    lemmatize: bool = _opt(False, "Lemmatize with simplemma (English).")
    phrases: bool = _opt(True, "Join frequent collocations (gensim Phrases): extended_deterrence.")
    phrase_min_count: int = _opt(5, "Phrases: minimum count of a collocation.", min=1)
    phrase_threshold: float = _opt(10.0, "Phrases: score threshold (higher = fewer).", min=0.0)
    drop_place_names: bool = _opt(
        True, "Drop country, capital and post names (they otherwise make themes follow geography)."
    )
    drop_demonyms: bool = _opt(
        True, "Drop adjectives of nationality (iranian, russian, chinese) with the place names."
    )
    drop_person_names: bool = _opt(
        True, "Drop person names learned from the corpus (words after titles such as "
        "President, Minister, Mr., written capitalised; person TAGS)."
    )
    authorless: bool = _opt(
        True, "Down-weight words typical of the sending post (Thompson & Mimno 2018)."
    )
    authorless_seed: int = _opt(
        0, "Seed of the authorless down-sampling: input preparation has its own seed, so "
        "the model seed changes only the model.", min=0
    )
    n_jobs: int = _opt(2, "Processes for tokenizing (results do not depend on it).", min=1)


@dataclass(frozen=True)
class VocabularyConfig:
    """Vocabulary pruning by document frequency."""

    min_df: float = _opt(3.0, "Drop terms in fewer cables (count if >= 1, else share).", min=0.0)
    max_df: float = _opt(0.5, "Drop terms in more than this share of cables.", min=0.0, max=1.0)
    max_terms: int = _opt(20000, "Keep at most this many terms (0 = no cap).", min=0)


@dataclass(frozen=True)
class ModelConfig:
    """The topic model."""

    engine: str = _opt(
        "nmf",
        "Engine.",
        choices=("lda", "lda-multicore", "lda-gibbs", "lda-sklearn", "nmf", "lsi", "hdp",
                 "llda", "plda", "dmr", "dtm", "lda-numba"),
    )
    n_topics: int = _opt(20, "Number of topics K.", min=2)
    params: dict = _opt({}, "Engine parameters (e.g. iterations, passes, alpha).")


@dataclass(frozen=True)
class ThemesConfig:
    """Clustering cables into themes."""

    method: str = _opt(
        "refined", "Clustering method: 'refined' starts each cable in its dominant topic's "
        "theme and refines the themes by spherical k-means over the cables' LSA vectors; "
        "'dominant' keeps the dominant topic (docs/themes.md).",
        choices=("refined", "dominant", "kmeans", "agglomerative", "hdbscan"),
    )
    lsa_dims: int = _opt(100, "LSA dimensions of the cable vectors for method 'refined'.", min=2)
    n_themes: int = _opt(0, "Number of themes for k-means/agglomerative (0 = n_topics).", min=0)
    n_terms: int = _opt(20, "Top terms per topic and theme.", min=1)
    label_method: str = _opt("frex", "Term ranking for labels.", choices=("frex", "lift", "prob"))
    seeds: dict = _opt(
        {}, "Seeded (guided) themes: theme name -> seed words, e.g. nonproliferation = "
        "['iaea', 'enrichment', 'npt']; the model keeps these themes, named, and finds the "
        "rest (engines lda-gibbs: seed-word priors, plda: seed labels; docs/engines.md)."
    )


@dataclass(frozen=True)
class EvaluationConfig:
    """Scores computed with every run."""

    coherence: bool = _opt(True, "Compute NPMI, C_V and UMass coherence.")
    top_n: int = _opt(10, "Top terms per topic for coherence and diversity.", min=2)
    stability_seeds: int = _opt(0, "Extra seeds to refit for stability (0 = skip).", min=0)


@dataclass(frozen=True)
class ReportConfig:
    """The summary report."""

    enabled: bool = _opt(True, "Write the HTML/Markdown report.")
    title: str = _opt("Themes of a cable corpus", "Report title.")
    excerpt_chars: int = _opt(400, "Length of cable excerpts in the report.", min=50)
    weighted_prevalence: bool = _opt(
        False, "Show theme prevalence re-weighted by the inverse of each post-year's "
        "estimated observed share, beside the raw prevalence (docs/coverage.md)."
    )
    coverage: str = _opt(
        "", "The coverage.csv (or its folder) of `cable-topics coverage` giving each "
        "post-year's estimated sent volume; '' = estimate from the run's own cable ids."
    )
    events: bool = _opt(
        True, "List bursts in each theme's monthly share (Kleinberg 2002) with the cables "
        "that carry them, marked on a figure."
    )
    events_alpha: float = _opt(
        0.05, "Events: false-positive rate per theme (Monte Carlo).", min=0.001, max=0.5
    )
    events_min_month_cables: int = _opt(
        10, "Events: the series runs from the first to the last month with this many cables.",
        min=1,
    )


@dataclass(frozen=True)
class BackendConfig:
    """Where the work runs: this machine, or Apache Spark (docs/spark.md)."""

    engine: str = _opt(
        "local",
        "'local' runs every stage in this process (and its worker processes); 'spark' "
        "parses, tokenizes, vectorizes and infers topic shares on Spark executors (needs "
        "the extra: pip install 'cable-topics[spark]'; docs/spark.md).",
        choices=("local", "spark"),
    )
    master: str = _opt(
        "local[*]", "Spark: the master URL ('local[*]', 'local-cluster[2,1,1024]', "
        "'spark://host:7077', 'yarn'); ignored when a SparkSession is already running."
    )
    sample: int = _opt(
        50000, "Spark: cables the model is fitted on (a seeded sample, on the driver with "
        "[model] engine); every cable's topic shares are then inferred on the executors. "
        "0 = fit on every cable.", min=0,
    )
    partitions: int = _opt(0, "Spark: blocks of cables the topic shares are inferred in (0 = "
                           "twice Spark's default parallelism); parsing runs one task per "
                           "64 files, tokenizing one per 1,000 stored cables.", min=0)
    conf: dict = _opt({}, "Spark: more Spark settings (e.g. 'spark.executor.memory' = '4g').")


_SECTIONS = {
    "corpus": CorpusConfig,
    "text": TextConfig,
    "vocabulary": VocabularyConfig,
    "model": ModelConfig,
    "themes": ThemesConfig,
    "evaluation": EvaluationConfig,
    "report": ReportConfig,
    "backend": BackendConfig,
}


@dataclass(frozen=True)
class RunConfig:
    """The whole run: one seed, one section per stage."""

    name: str = "run"
    seed: int = 0
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    text: TextConfig = field(default_factory=TextConfig)
    vocabulary: VocabularyConfig = field(default_factory=VocabularyConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    themes: ThemesConfig = field(default_factory=ThemesConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    backend: BackendConfig = field(default_factory=BackendConfig)

    # --- loading -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict, *, base_dir: Path | None = None) -> RunConfig:
        """Validate a nested dict (as read from TOML); relative source paths resolve
        against ``base_dir`` (the config file's folder)."""
        if not isinstance(data, dict):
            raise ConfigError(f"A config must be a table of sections; got {type(data).__name__}.")
        top_keys = ["name", "seed", *_SECTIONS]
        for key in data:
            if key not in top_keys:
                raise ConfigError(_unknown("", key, top_keys))
        kwargs: dict[str, Any] = {}
        if "name" in data:
            kwargs["name"] = _check_value("name", data["name"], str, {})
        if "seed" in data:
            kwargs["seed"] = _check_value("seed", data["seed"], int, {"min": 0})
        for section, klass in _SECTIONS.items():
            raw = data.get(section, {})
            if not isinstance(raw, dict):
                raise ConfigError(f"[{section}] must be a table; got {raw!r}.")
            kwargs[section] = _build_section(section, klass, raw)
        cfg = cls(**kwargs)
        _check_seeds(cfg)
        _check_columns(cfg)
        if base_dir is not None:
            cfg = cfg._resolve_paths(Path(base_dir))
        return cfg

    @classmethod
    def load(cls, path: str | Path, overrides: list[str] | None = None) -> RunConfig:
        """Read a TOML file and apply ``key=value`` overrides (``model.n_topics=30``)."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"Config file {path} does not exist.")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
        for item in overrides or []:
            key, value = parse_override(item)
            _set_dotted(data, key, value)
        return cls.from_dict(data, base_dir=path.parent)

    def _resolve_paths(self, base: Path) -> RunConfig:
        def fix(p: str) -> str:
            if p == SAMPLE_CORPUS:
                return str(sample_corpus_path() / "cables")
            return str((base / p).resolve()) if p and not Path(p).is_absolute() else p

        corpus = replace(
            self.corpus,
            sources=[fix(s) for s in self.corpus.sources],
            store=fix(self.corpus.store),
        )
        report = replace(self.report, coverage=fix(self.report.coverage))
        return replace(self, corpus=corpus, report=report)

    def check_inputs(self) -> None:
        """Fail before any work when the inputs cannot be found."""
        if not self.corpus.sources and not self.corpus.store:
            raise ConfigError(
                "[corpus] needs 'sources' (files or folders of cables) or 'store' (an ingested "
                "CorpusStore); both are empty."
            )
        for src in self.corpus.sources:
            if not Path(src).exists():
                raise ConfigError(f"[corpus] sources: path {src!r} does not exist.")
        if self.corpus.store and not self.corpus.sources and not Path(self.corpus.store).exists():
            raise ConfigError(f"[corpus] store: path {self.corpus.store!r} does not exist.")
        if self.backend.engine == "spark":
            import importlib.util

            if importlib.util.find_spec("pyspark") is None:
                raise ConfigError(
                    "[backend] engine = 'spark' needs pyspark: pip install "
                    "'cable-topics[spark]' (and Java 17; docs/spark.md)."
                )
            if not self.backend.master.strip():
                raise ConfigError("[backend] master must name a Spark master, e.g. 'local[*]' "
                                  "or 'spark://host:7077'; got ''.")
        rep = self.report
        if rep.weighted_prevalence and rep.coverage and not Path(rep.coverage).exists():
            raise ConfigError(
                f"[report] coverage: path {rep.coverage!r} does not exist; write it with "
                "`cable-topics coverage SOURCE --out DIR` or set coverage = '' to estimate "
                "from the run's own cable ids."
            )

    # --- writing -------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    def to_toml(self) -> str:
        """The resolved config with every default written out, documented."""
        lines = [
            "# cable-topics run configuration (resolved: every default written out)",
            f"name = {_toml_value(self.name)}",
            f"seed = {_toml_value(self.seed)}",
        ]
        for section, klass in _SECTIONS.items():
            lines += ["", f"[{section}]"]
            obj = getattr(self, section)
            for f in fields(klass):
                value = getattr(obj, f.name)
                if isinstance(value, dict):
                    continue
                lines.append(f"# {f.metadata['doc']}")
                lines.append(f"{f.name} = {_toml_value(value)}")
            for f in fields(klass):
                value = getattr(obj, f.name)
                if isinstance(value, dict):
                    lines += ["", f"[{section}.{f.name}]", f"# {f.metadata['doc']}"]
                    lines += [f"{k} = {_toml_value(v)}" for k, v in sorted(value.items())]
        return "\n".join(lines) + "\n"

    def section_hash(self, *sections: str) -> str:
        """A stable hash of some sections (plus the seed) for stage caching."""
        payload = {s: getattr(self, s) if s in ("seed", "name") else asdict(getattr(self, s))
                   for s in sections}
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def config_hash(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


# --- validation helpers -------------------------------------------------------------

#: Engines that take ``[themes.seeds]`` (their ``seed_words`` parameter).
SEEDED_ENGINES = ("lda-gibbs", "plda")


def _check_columns(cfg: RunConfig) -> None:
    """[corpus] columns: a valid mapping, with format 'auto' or 'table' (checked before work)."""
    if not cfg.corpus.columns:
        return
    from corpora.read import check_format

    try:
        check_format(cfg.corpus.format, cfg.corpus.columns, "[corpus]")
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[corpus] {exc}") from None


def _check_seeds(cfg: RunConfig) -> None:
    """[themes.seeds]: names -> non-empty lists of words, each word once, a seeded engine."""
    seeds = cfg.themes.seeds
    if not seeds:
        return
    seen: dict[str, str] = {}
    for name, words in seeds.items():
        if not isinstance(words, list) or not words or not all(
                isinstance(w, str) and w.strip() for w in words):
            raise ConfigError(f"themes.seeds.{name} must be a non-empty list of words; got "
                              f"{words!r}.")
        for w in words:
            if seen.get(w, name) != name:
                raise ConfigError(f"themes.seeds: the word {w!r} seeds both {seen[w]!r} and "
                                  f"{name!r}; give each word to one theme.")
            seen[w] = name
    if cfg.model.engine not in SEEDED_ENGINES:
        raise ConfigError(
            f"themes.seeds needs a model engine that takes seed words ({', '.join(SEEDED_ENGINES)}"
            f"); model.engine is {cfg.model.engine!r}. Set model.engine = \"lda-gibbs\".")
    if cfg.model.engine != "plda" and len(seeds) > cfg.model.n_topics:  # plda: extra topics
        raise ConfigError(f"themes.seeds names {len(seeds)} themes but model.n_topics is "
                          f"{cfg.model.n_topics}; raise n_topics.")


def _unknown(section: str, key: str, valid: list[str]) -> str:
    where = f"[{section}] " if section else ""
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"Unknown config key {where}{key!r}.{hint} Valid keys: {', '.join(valid)}."


def _build_section(section: str, klass: type, raw: dict) -> Any:
    names = [f.name for f in fields(klass)]
    for key in raw:
        if key not in names:
            raise ConfigError(_unknown(section, key, names))
    hints = typing.get_type_hints(klass)
    values = {}
    for f in fields(klass):
        if f.name in raw:
            values[f.name] = _check_value(f"{section}.{f.name}", raw[f.name], hints[f.name],
                                          f.metadata)
        elif f.default is MISSING and f.default_factory is MISSING:  # pragma: no cover
            raise ConfigError(f"[{section}] {f.name} is required.")
    return klass(**values)


def _check_value(key: str, value: Any, kind: Any, meta: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (list, types.GenericAlias) or kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be a list of strings; got {value!r}.")
        return list(value)
    if kind is dict or origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a table; got {value!r}.")
        return dict(value)
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false; got {value!r}.")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer; got {value!r}.")
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key} must be a number; got {value!r}.")
        value = float(value)
    elif kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string; got {value!r}.")
    lo, hi, choices = meta.get("min"), meta.get("max"), meta.get("choices")
    if meta.get("date") and value:
        try:  # checked here, not when the filter first meets a cable
            datetime.date.fromisoformat(value if len(value) == 10 else "bad")
        except ValueError:
            raise ConfigError(f"{key} must be a date written YYYY-MM-DD (e.g. '2009-01-01'); "
                              f"got {value!r}.") from None
    if lo is not None and value < lo:
        raise ConfigError(f"{key} must be >= {lo}; got {value!r}.")
    if hi is not None and value > hi:
        raise ConfigError(f"{key} must be <= {hi}; got {value!r}.")
    if choices is not None and value not in choices:
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {value!r}.{hint}")
    return value


def parse_override(item: str) -> tuple[str, Any]:
    """``model.n_topics=30`` -> (``"model.n_topics"``, 30); values parse as TOML."""
    if "=" not in item:
        raise ConfigError(f"Override {item!r} must look like section.key=value.")
    key, text = item.split("=", 1)
    key = key.strip()
    try:
        value = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = text.strip()  # a bare word: take it as a string
    return key, value


def _set_dotted(data: dict, key: str, value: Any) -> None:
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"Override {key!r}: {part!r} is not a section.")
    node[parts[-1]] = value


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table (a nested engine parameter)
        return "{" + ", ".join(f"{_toml_str(str(k))} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise ConfigError(f"cannot write {value!r} as TOML: expected a string, number, boolean, "
                      "list or table")


def _toml_str(value: str) -> str:
    """A TOML basic string for any Unicode text: characters outside the Basic Multilingual
    Plane (emoji) are written as themselves, not as JSON's surrogate pairs (which TOML
    rejects); control characters and DEL as ``\\uXXXX`` escapes."""
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ConfigError(
            f"{value!r} holds bytes that are not text (a file name in another encoding?); "
            "rename it or give the path in UTF-8"
        )
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def config_reference() -> str:
    """Markdown reference of every config key with its type, default and meaning."""
    lines = [
        "# Config reference",
        "",
        "Generated from `topics/config.py` (`python -m topics.config > docs/config.md`).",
        "Unknown keys, wrong types and out-of-range values are errors that name the key.",
        "A source written as `\"@sample\"` is the bundled synthetic sample corpus; relative",
        "paths resolve against the config file's folder.",
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
        "| `name` | str | `\"run\"` | Run name (default run directory `runs/NAME`). |",
        "| `seed` | int | `0` | The one seed; each stage derives its own from it. |",
    ]
    for section, klass in _SECTIONS.items():
        hints = typing.get_type_hints(klass)
        for f in fields(klass):
            default = f.default if f.default is not MISSING else f.default_factory()
            kind = getattr(hints[f.name], "__name__", str(hints[f.name]))
            extra = []
            if "choices" in f.metadata:
                extra.append("one of " + ", ".join(f"`{c}`" for c in f.metadata["choices"]))
            if "min" in f.metadata:
                extra.append(f">= {f.metadata['min']}")
            if "max" in f.metadata:
                extra.append(f"<= {f.metadata['max']}")
            more = f" ({'; '.join(extra)})" if extra else ""
            shown = _toml_value(default) if not isinstance(default, dict) else "{}"
            lines.append(
                f"| `{section}.{f.name}` | {kind} | `{shown}` | {f.metadata['doc']}{more} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(config_reference())
