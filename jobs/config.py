"""Typed, validated configuration. Loaded before Spark starts; every error names file and key."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

SOURCE_KINDS = ("registry", "orders", "online", "social")
SOURCE_FORMATS = ("csv", "json", "parquet", "delta")
DATE_ORDERS = ("day_first", "month_first")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def local_path(location: str) -> Path | None:
    """Returns a configured location (warehouse, source path) as a local or mounted path: a
    plain path or a `file:` URI; None for any other URI (s3a://, abfss://, hdfs://)."""
    if location.startswith("file://"):
        return Path(location[len("file://"):])
    if location.startswith("file:"):
        return Path(location[len("file:"):])
    if _SCHEME.match(location):
        return None
    return Path(location)


class ConfigError(ValueError):
    """A configuration file is unreadable or a key holds a value of the wrong kind."""

    def __init__(self, file: Path | str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = str(file), key, problem
        super().__init__(f"{file}: `{key}`: {problem}")


# --- secrets: named in the configuration, held outside it ---------------------------------------
# HMAC keys shorter than the hash output weaken it; 32 bytes is what `openssl rand -hex 32` gives.
MIN_SECRET_LENGTH = 32
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SecretError(RuntimeError):
    """A secret is not set, not readable or too short."""


@dataclass(frozen=True)
class SecretRef:
    """Where a secret is: an environment variable's name or a file's path (never the secret)."""
    env: str | None = None
    file: str | None = None

    def read(self, owner: str) -> bytes:
        """Returns the secret (surrounding white space trimmed); raises SecretError naming
        `owner` and where the secret should be when it is unset, unreadable or short."""
        if self.env is not None:
            where = f"environment variable {self.env}"
            value = os.environ.get(self.env, "")
        else:
            where = f"secret file {self.file}"
            try:
                value = Path(self.file or "").read_text(encoding="utf-8")
            except OSError as exc:
                raise SecretError(f"{owner}: {where} cannot be read: {exc.strerror}") from None
        secret = value.strip()
        if len(secret) < MIN_SECRET_LENGTH:
            state = ("is not set" if not secret
                     else f"holds fewer than {MIN_SECRET_LENGTH} characters")
            raise SecretError(f"{owner}: {where} {state}")
        return secret.encode("utf-8")


def refuse_inline_secret(file: Path, key: str, mapping: dict[str, Any]) -> None:
    """Raises ConfigError when `mapping` (at `key` of `file`) holds a secret itself."""
    if "secret" in mapping:
        raise ConfigError(file, f"{key}.secret", "the secret never goes in the repository: name "
                                                 "an environment variable (secret_env) or a "
                                                 "file (secret_file)")


def secret_ref(file: Path, key: str, mapping: dict[str, Any]) -> SecretRef:
    """Returns the secret_env or secret_file that `mapping` (at `key` of `file`) names."""
    refuse_inline_secret(file, key, mapping)
    env, secret_file = mapping.get("secret_env"), mapping.get("secret_file")
    if (env is None) == (secret_file is None):
        raise ConfigError(file, f"{key}.secret_env", "give exactly one of secret_env, secret_file")
    if env is not None and not (isinstance(env, str) and _ENV_NAME.match(env)):
        raise ConfigError(file, f"{key}.secret_env", f"{env!r}: expected a variable name")
    if secret_file is not None and not (isinstance(secret_file, str) and secret_file):
        raise ConfigError(file, f"{key}.secret_file", "expected the path of a file")
    return SecretRef(env=env, file=(resolve_path(file.resolve().parent, secret_file)
                                    if secret_file else None))


# Golden attributes of customer_profiles and how survivorship may choose them (jobs.profiles).
GOLDEN_ATTRIBUTES = (
    "first_name", "last_name", "birth_date", "gender", "street_address", "postal_code", "city",
    "country", "phone_e164", "email",
)
# The postal address is chosen as one, from one record: parts of several make an address
# that does not exist (a new street beside the old postal code).
ADDRESS_PARTS = ("street_address", "postal_code", "city", "country")
# What a survivorship rule may be given for: each golden attribute, the address as one.
SURVIVORSHIP_ATTRIBUTES = (*[a for a in GOLDEN_ATTRIBUTES if a not in ADDRESS_PARTS], "address")

SURVIVORSHIP_RULES = ("source_priority", "most_recent", "most_frequent")


@dataclass(frozen=True)
class Survivorship:
    """How each golden attribute is chosen among a customer's records.

    - `source_priority`: the first source in `source_priority` (sources not listed rank after
      those listed, by kind: registry, social, online), then the most recent;
    - `most_recent`: the most recently updated record's value;
    - `most_frequent`: the value most records hold, then the most recent.
    """
    default: str = "source_priority"
    per_attribute: tuple[tuple[str, str], ...] = ()
    source_priority: tuple[str, ...] = ()

    def rule(self, attribute: str) -> str:
        return dict(self.per_attribute).get(attribute, self.default)


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    format: str
    path: str
    registry: str | None = None  # orders only: the registry source the orders belong to
    options: dict[str, str] = field(default_factory=dict)  # extra reader options (csv sep, ...)
    # How dates like 03/04/1985 are read: day_first, month_first, or None: as the files show
    # (jobs.source_files.reads_month_first), else day first.
    date_order: str | None = None
    # Contract columns the source names otherwise, by their contract name: {postal_code: zip}
    # reads the source's `zip` as postal_code (jobs.ingest.contract_names).
    columns: dict[str, str] = field(default_factory=dict)
    # The country (ISO 3166-1 alpha-2) of the source's records that name none, in which their
    # national phone numbers are read: a domestic register's export leaves it out.
    default_country: str | None = None


@dataclass(frozen=True)
class BlockingConfig:
    # Each rule is a list of standardized columns that must all be equal (and non-null).
    rules: tuple[tuple[str, ...], ...] = (
        ("email_sha256",),
        ("phone_e164",),
        ("last_name_norm", "birth_date"),
        ("first_name_norm", "last_name_norm"),
        ("last_name_norm", "postal_code"),
        ("last_name_norm", "city_norm"),
        ("birth_date", "postal_code"),
        ("first_name_norm", "birth_date"),
        # A handle built from a name (mvirtanen) meets that name, and the same handle elsewhere.
        ("handle_keys",),
        # Misspelt surnames: the same address (a house number in a postal code, or on a street
        # however misspelt the other is), or the same birth date in the same city.
        ("postal_code", "house_number"),
        ("street_norm", "house_number"),
        ("birth_date", "city_norm"),
        ("first_name_norm", "postal_code"),
        ("street_norm", "postal_code"),
        ("first_name_norm", "street_norm"),
        # Online profiles of one visitor (they link only where the data shows IPs personal).
        ("ip_address",),
    )
    # A blocking value shared by more records than this (a public Wi-Fi IP, a household phone,
    # a placeholder) produces no candidate pairs: it would flood the comparisons with non-matches.
    max_block_size: int = 50


@dataclass(frozen=True)
class MatchingConfig:
    # Pairs at or above this probability are links (precision first: see DESIGN principle 4).
    link_threshold: float = 0.95
    # A shared email links on its own unless first names or birth dates contradict it.
    exact_email_links: bool = True
    # Both names and a city corroborate a link when at most this many people are expected to
    # share the full name in that city (jobs.link_rules.with_expected_namesakes); 0: never.
    max_expected_namesakes: float = 0.01
    # Both names alone link when at most this many records with them are expected in all the
    # data (jobs.link_rules.rare_full_name_anywhere); 0: never.
    max_namesakes_anywhere: float = 0.02
    # A shared IP links on its own when at most this share of the IPs seen with two or more
    # logins carry two different login emails (jobs.link_rules.ip_sharing); 0: never.
    max_ip_sharing: float = 0.03
    # Pairs below this match weight are not stored in match_pairs.
    store_floor_weight: float = -5.0
    # Random record pairs drawn to estimate u.
    u_random_pairs: int = 300_000
    # Random pairs exact on all of one of these comparison sets are presumed matches and left
    # out of u (see jobs.model.estimate_u_from_patterns).
    u_exclude_when_exact: tuple[tuple[str, ...], ...] = (("email",), ("phone", "first_name"))
    # EM training sessions: each trains on the candidates agreeing exactly on these comparisons
    # and estimates m for all the others (see jobs.model.estimate_m_by_sessions).
    training_sessions: tuple[tuple[str, ...], ...] = (
        ("email",), ("first_name", "last_name"), ("phone",), ("birth_date",),
    )
    em_max_iterations: int = 100
    em_tolerance: float = 1e-6
    seed: int = 42


@dataclass(frozen=True)
class ClusteringConfig:
    max_cluster_size: int = 30
    max_iterations: int = 100


@dataclass(frozen=True)
class RetentionConfig:
    # `maintain` vacuums every table, keeping the files of this many days of versions (time
    # travel reaches back this far; Delta's own default is 7).
    table_history_days: int = 7
    # `maintain` deletes the rejected rows (raw input text) of runs dated more than this many
    # days before its date; run_metrics keep their counts.
    rejected_rows_days: int = 90
    # `maintain` deletes the segment memberships, partner export rows and partner file sets of
    # runs dated more than this many days before its date, except the latest run's (and each
    # partner's latest export: the next run's withdrawals are reckoned against it).
    segment_history_days: int = 90


@dataclass(frozen=True)
class Config:
    file: Path
    warehouse: str
    sources: tuple[SourceConfig, ...]
    ground_truth: str | None = None
    spark: dict[str, str] = field(default_factory=dict)
    blocking: BlockingConfig = field(default_factory=BlockingConfig)
    matching: MatchingConfig = field(default_factory=MatchingConfig)
    clustering: ClusteringConfig = field(default_factory=ClusteringConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    # The secret the erasures table's keys are made with (jobs.erasure_keys); None: unkeyed.
    erasure_key: SecretRef | None = None
    survivorship: Survivorship = field(default_factory=Survivorship)
    # The comparisons (jobs.comparisons.Comparison), defaults with the configuration's
    # `comparisons:` overrides applied; None when the configuration overrides none.
    comparisons: tuple[Any, ...] | None = None
    # Human decisions (record_a, record_b, must_link | cannot_link), record ids as
    # "source/source_record_id"; they win over the model on every run.
    link_decisions: tuple[tuple[str, str, str], ...] = ()

    def source(self, name: str) -> SourceConfig:
        """Returns the source called `name`."""
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def sources_of(self, *kinds: str) -> list[SourceConfig]:
        """Returns the sources of the given kinds, in configuration order."""
        return [s for s in self.sources if s.kind in kinds]

    def table_path(self, table: str) -> str:
        """Returns the location of a warehouse table."""
        return f"{self.warehouse.rstrip('/')}/{table}"


def resolve_path(base: Path, value: str) -> str:
    """Returns `value` resolved against the configuration's folder unless absolute or a URI."""
    if _SCHEME.match(value) or Path(value).is_absolute():
        return value
    return str((base / value).resolve())


def _expect_mapping(file: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(file, key, f"expected a mapping, got {type(value).__name__}")
    return value


def _expect_scalars(file: Path, key: str, value: dict[str, Any]) -> None:
    """Settings passed on as text: a list or mapping would arrive as its Python spelling."""
    for name, setting in value.items():
        if isinstance(setting, list | dict) or setting is None:
            raise ConfigError(file, f"{key}.{name}", f"expected a single value (text, number "
                                                     f"or true/false), got {setting!r}")


def _check_keys(file: Path, key: str, value: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(value) - allowed, key=str)
    if unknown:
        where = f"{key}.{unknown[0]}" if key else str(unknown[0])
        close = difflib.get_close_matches(str(unknown[0]), sorted(allowed), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(file, where, f"unknown key; {hint}expected one of {sorted(allowed)}")


def _typed_section(file: Path, key: str, raw: Any, cls: type) -> Any:
    """Builds a frozen dataclass of scalars from a mapping, checking names and types."""
    if raw is None:
        return cls()
    mapping = _expect_mapping(file, key, raw)
    specs = {f.name: f for f in fields(cls)}
    _check_keys(file, key, mapping, set(specs))
    defaults = cls()
    values: dict[str, Any] = {}
    for name, value in mapping.items():
        expected = type(getattr(defaults, name))
        if expected is tuple:
            values[name] = _rules(file, f"{key}.{name}", value)
        elif expected is float and isinstance(value, int | float) and not isinstance(value, bool):
            values[name] = float(value)
        elif isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
            values[name] = value
        else:
            raise ConfigError(file, f"{key}.{name}", f"expected {expected.__name__}, got {value!r}")
    return cls(**values)


def _rules(file: Path, key: str, value: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(file, key, "expected a non-empty list of column lists")
    rules = []
    for i, rule in enumerate(value):
        columns = [rule] if isinstance(rule, str) else rule
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise ConfigError(file, f"{key}[{i}]", "expected a column name or a list of them")
        rules.append(tuple(columns))
    return tuple(rules)


def _source(file: Path, base: Path, index: int, raw: Any) -> SourceConfig:
    key = f"sources[{index}]"
    mapping = _expect_mapping(file, key, raw)
    # Unknown keys first: a misspelt `fromat` is told as such, not as a missing `format`.
    _check_keys(file, key, mapping, {"name", "kind", "format", "path", "registry", "options",
                                     "date_order", "columns", "default_country"})
    for required in ("name", "kind", "format", "path"):
        if not isinstance(mapping.get(required), str) or not mapping[required]:
            raise ConfigError(file, f"{key}.{required}", "required, expected a non-empty string")
    name, kind, fmt = mapping["name"], mapping["kind"], mapping["format"]
    if not _NAME.match(name):
        raise ConfigError(file, f"{key}.name", f"{name!r}: expected lower-case letters, digits, _")
    if kind not in SOURCE_KINDS:
        raise ConfigError(file, f"{key}.kind", f"{kind!r}: expected one of {list(SOURCE_KINDS)}")
    if fmt not in SOURCE_FORMATS:
        raise ConfigError(file, f"{key}.format", f"{fmt!r}: expected one of {list(SOURCE_FORMATS)}")
    registry = mapping.get("registry")
    if kind == "orders" and not isinstance(registry, str):
        raise ConfigError(file, f"{key}.registry", "orders need the name of their registry source")
    if kind != "orders" and registry is not None:
        raise ConfigError(file, f"{key}.registry", "only sources of kind orders take `registry`")
    options = _expect_mapping(file, f"{key}.options", mapping.get("options") or {})
    _expect_scalars(file, f"{key}.options", options)
    date_order = mapping.get("date_order")
    if date_order not in (None, *DATE_ORDERS):
        raise ConfigError(file, f"{key}.date_order",
                          f"{date_order!r}: expected one of {list(DATE_ORDERS)}")
    columns = _source_columns(file, f"{key}.columns", kind, mapping.get("columns"))
    default_country = mapping.get("default_country")
    if kind == "orders" and default_country is not None:
        raise ConfigError(file, f"{key}.default_country", "orders name no country")
    if default_country is not None:
        from jobs.normalize import country_code

        code = country_code(default_country) if isinstance(default_country, str) else None
        if code is None:
            raise ConfigError(file, f"{key}.default_country",
                              f"{default_country!r}: expected a country, as its ISO code (FI)")
        default_country = code
    return SourceConfig(
        name=name,
        kind=kind,
        format=fmt,
        path=resolve_path(base, mapping["path"]),
        registry=registry,
        options={str(k): str(v) for k, v in options.items()},
        date_order=date_order,
        columns=columns,
        default_country=default_country,
    )


def _source_columns(file: Path, key: str, kind: str, raw: Any) -> dict[str, str]:
    """Returns a source's `columns`: contract column -> the source's own name for it. Each key
    must be a column of the kind's contract, each name text, and no name read as two columns."""
    from jobs.schemas import source_schema

    mapping = _expect_mapping(file, key, raw or {})
    contract = source_schema(kind).column_names
    columns: dict[str, str] = {}
    for column, own in mapping.items():
        if column not in contract:
            raise ConfigError(file, f"{key}.{column}", f"no column of the {kind} contract; "
                                                       f"expected one of {contract}")
        if not isinstance(own, str) or not own.strip():
            raise ConfigError(file, f"{key}.{column}", "expected the source's name for the "
                                                       f"column (text), got {own!r}")
        twice = [c for c, other in columns.items() if other == own]
        if twice:
            raise ConfigError(file, f"{key}.{column}", f"{own!r} is already read as {twice[0]}: "
                                                       "a source column is read as one column")
        columns[column] = own
    return columns


# Columns a blocking rule may name beyond standardized_records' own: those derived for blocking
# (jobs.blocking.with_blocking_columns) and for the comparisons (with_comparison_features).
DERIVED_BLOCKING_COLUMNS = ("handle_keys", "last_name_soundex", "first_metaphone",
                            "last_metaphone", "first_name_groups", "handle_letters",
                            "handle_year")
# Settings that must be at least this (a cluster cap of -1 made every record its own customer).
_AT_LEAST = {("blocking", "max_block_size"): 2, ("clustering", "max_cluster_size"): 2,
             ("clustering", "max_iterations"): 1, ("retention", "table_history_days"): 0,
             ("retention", "rejected_rows_days"): 1,
             ("retention", "segment_history_days"): 1}


def _check_settings(file: Path, blocking: BlockingConfig, clustering: ClusteringConfig,
                    retention: RetentionConfig) -> None:
    """Raises ConfigError for a blocking rule naming a column no record has, or a size or count
    below its least sensible value (_AT_LEAST)."""
    from jobs.schemas import table_schema

    known = {*table_schema("standardized_records").column_names, *DERIVED_BLOCKING_COLUMNS}
    for i, rule in enumerate(blocking.rules):
        for column in rule:
            if column not in known:
                raise ConfigError(file, f"blocking.rules[{i}]",
                                  f"{column!r} is no column of the standardized records; "
                                  f"expected one of {sorted(known)}")
    for (section, name), least in _AT_LEAST.items():
        value = getattr({"blocking": blocking, "clustering": clustering,
                         "retention": retention}[section], name)
        if value < least:
            raise ConfigError(file, f"{section}.{name}", f"expected at least {least}, got {value}")


def parse_config(raw: Any, file: Path) -> Config:
    """Returns the validated configuration held by `raw` (the parsed YAML of `file`)."""
    base = file.resolve().parent
    top = _expect_mapping(file, "(top level)", raw)
    allowed = {"warehouse", "sources", "ground_truth", "spark", "blocking", "matching",
               "clustering", "link_decisions", "profiles", "comparisons", "retention",
               "erasure_key"}
    _check_keys(file, "", top, allowed)
    if top.get("warehouse") is None or top["warehouse"] == "":
        raise ConfigError(file, "warehouse", "required, expected the root folder of the tables")
    if not isinstance(top["warehouse"], str):
        raise ConfigError(file, "warehouse", f"{top['warehouse']!r}: expected the root folder of "
                                             "the tables as text (a path or URI)")
    raw_sources = top.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ConfigError(file, "sources", "required, expected a non-empty list of sources")
    sources = tuple(_source(file, base, i, s) for i, s in enumerate(raw_sources))
    names = [s.name for s in sources]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigError(file, f"sources[{i}].name", f"{name!r} is used by two sources")
    for i, source in enumerate(sources):
        if source.kind == "orders":
            target = next((s for s in sources if s.name == source.registry), None)
            if target is None or target.kind != "registry":
                raise ConfigError(
                    file, f"sources[{i}].registry", f"{source.registry!r} is not a registry source"
                )
    _check_paths_apart(file, sources)
    if not any(s.kind != "orders" for s in sources):
        raise ConfigError(file, "sources", "at least one registry, online or social source")
    spark = _expect_mapping(file, "spark", top.get("spark") or {})
    _expect_scalars(file, "spark", spark)
    ground_truth = top.get("ground_truth")
    if ground_truth is not None and not isinstance(ground_truth, str):
        raise ConfigError(file, "ground_truth", "expected the path of a CSV file")
    blocking = _typed_section(file, "blocking", top.get("blocking"), BlockingConfig)
    clustering = _typed_section(file, "clustering", top.get("clustering"), ClusteringConfig)
    retention = _typed_section(file, "retention", top.get("retention"), RetentionConfig)
    _check_settings(file, blocking, clustering, retention)
    erasure_key = None
    if top.get("erasure_key") is not None:
        mapping = _expect_mapping(file, "erasure_key", top["erasure_key"])
        refuse_inline_secret(file, "erasure_key", mapping)
        _check_keys(file, "erasure_key", mapping, {"secret_env", "secret_file"})
        erasure_key = secret_ref(file, "erasure_key", mapping)
    return Config(
        file=file,
        warehouse=resolve_path(base, top["warehouse"]),
        sources=sources,
        ground_truth=resolve_path(base, ground_truth) if ground_truth else None,
        spark={str(k): str(v) for k, v in spark.items()},
        blocking=blocking,
        matching=_matching(file, top.get("matching")),
        clustering=clustering,
        retention=retention,
        erasure_key=erasure_key,
        link_decisions=_link_decisions(file, top.get("link_decisions"),
                                       {s.name: s.kind for s in sources}),
        comparisons=_comparisons(file, top.get("comparisons")),
        survivorship=_survivorship(file, top.get("profiles"), [s.name for s in sources]),
    )


def _matching(file: Path, raw: Any) -> MatchingConfig:
    """Returns the matching section, its probabilities and limits checked for range."""
    matching: MatchingConfig = _typed_section(file, "matching", raw, MatchingConfig)
    if not 0.0 < matching.link_threshold < 1.0:
        raise ConfigError(file, "matching.link_threshold",
                          f"expected a probability between 0 and 1, got {matching.link_threshold}")
    if matching.max_expected_namesakes < 0.0:
        raise ConfigError(file, "matching.max_expected_namesakes",
                          f"expected 0 (off) or more, got {matching.max_expected_namesakes}")
    if matching.max_namesakes_anywhere < 0.0:
        raise ConfigError(file, "matching.max_namesakes_anywhere",
                          f"expected 0 (off) or more, got {matching.max_namesakes_anywhere}")
    if not 0.0 <= matching.max_ip_sharing < 1.0:
        raise ConfigError(file, "matching.max_ip_sharing",
                          f"expected a share from 0 (off) to below 1, got "
                          f"{matching.max_ip_sharing}")
    return matching


def _comparisons(file: Path, raw: Any) -> tuple[Any, ...] | None:
    """Returns the default comparisons with `raw`'s overrides ({name: levels} replaces a
    comparison's levels, {name: false} drops it), or None when nothing is overridden."""
    if raw is None:
        return None
    mapping = _expect_mapping(file, "comparisons", raw)
    # Imported here: the comparison stage needs Spark, reading a configuration does not.
    from jobs.comparisons import DEFAULT_COMPARISONS, ComparisonConfigError, comparison_from_data

    known = [c.name for c in DEFAULT_COMPARISONS]
    _check_keys(file, "comparisons", mapping, set(known))
    chosen = []
    for comparison in DEFAULT_COMPARISONS:
        if comparison.name not in mapping:
            chosen.append(comparison)
        elif mapping[comparison.name] is not False:
            try:
                chosen.append(comparison_from_data(comparison.name, mapping[comparison.name]))
            except ComparisonConfigError as exc:
                raise ConfigError(file, f"comparisons.{comparison.name}", str(exc)) from exc
    if not chosen:
        raise ConfigError(file, "comparisons", "at least one comparison must stay")
    return tuple(chosen)


def _check_paths_apart(file: Path, sources: Sequence[SourceConfig]) -> None:
    """Refuses two sources reading the same path: its rows would be taken in twice, as two
    sources' records that link to each other. An orders source may share its registry's file
    (an export holding both)."""
    for i, source in enumerate(sources):
        for j, other in enumerate(sources[:i]):
            if _same_path(source.path, other.path) and not (
                    source.registry == other.name or other.registry == source.name):
                raise ConfigError(file, f"sources[{i}].path",
                                  f"{source.path} is read by sources[{j}] ({other.name!r}) too: "
                                  f"its rows would be taken in twice, as records of both")


def _same_path(left: str, right: str) -> bool:
    """Whether two configured paths name one location: local ones (plain paths and `file:`
    URIs) normalized, others (s3a://, ...) as written."""
    local_left, local_right = local_path(left), local_path(right)
    if local_left is None or local_right is None:
        return left.rstrip("/") == right.rstrip("/")
    return os.path.normpath(local_left) == os.path.normpath(local_right)


def _survivorship(file: Path, raw: Any, source_names: list[str]) -> Survivorship:
    if raw is None:
        return Survivorship()
    mapping = _expect_mapping(file, "profiles", raw)
    _check_keys(file, "profiles", mapping, {"survivorship", "source_priority"})
    rules = _expect_mapping(file, "profiles.survivorship", mapping.get("survivorship") or {})
    for attribute, rule in rules.items():
        if attribute in ADDRESS_PARTS:
            raise ConfigError(file, f"profiles.survivorship.{attribute}",
                              f"the address ({', '.join(ADDRESS_PARTS)}) is chosen as one, "
                              f"from one record: give its rule as `address: {rule}`")
        if attribute != "default" and attribute not in SURVIVORSHIP_ATTRIBUTES:
            raise ConfigError(file, f"profiles.survivorship.{attribute}",
                              f"unknown attribute; expected default or one of "
                              f"{list(SURVIVORSHIP_ATTRIBUTES)}")
        if rule not in SURVIVORSHIP_RULES:
            raise ConfigError(file, f"profiles.survivorship.{attribute}",
                              f"{rule!r}: expected one of {list(SURVIVORSHIP_RULES)}")
    priority = mapping.get("source_priority") or []
    if not isinstance(priority, list):
        raise ConfigError(file, "profiles.source_priority",
                          f"expected a list of configured source names {source_names}")
    for i, entry in enumerate(priority):
        if entry not in source_names:
            raise ConfigError(file, f"profiles.source_priority[{i}]",
                              f"{entry!r} is not a configured source; expected one of "
                              f"{source_names}")
        if entry in priority[:i]:
            raise ConfigError(file, f"profiles.source_priority[{i}]", f"{entry!r} is listed twice")
    return Survivorship(
        default=str(rules.get("default", "source_priority")),
        per_attribute=tuple((str(k), str(v)) for k, v in rules.items() if k != "default"),
        source_priority=tuple(priority),
    )


LINK_DECISIONS = ("must_link", "cannot_link")


def link_decision_problem(decisions: Sequence[tuple[str, str, str, str]]) -> str | None:
    """Returns what is wrong with link decisions, (record, record, decision, where) each,
    `where` naming the entry for the message: a decision other than LINK_DECISIONS, a record
    paired with itself, or a pair declared both ways (whose order of records does not count).
    None when nothing is."""
    declared: dict[tuple[str, str], tuple[str, str]] = {}
    for left, right, decision, where in decisions:
        if decision not in LINK_DECISIONS:
            return f"{where}: {decision!r}: expected must_link or cannot_link"
        if left == right:
            return f"{where}: {left!r} twice: a decision pairs two records"
        pair = (min(left, right), max(left, right))
        earlier = declared.setdefault(pair, (decision, where))
        if earlier[0] != decision:
            return (f"{earlier[1]} and {where}: {pair[0]} and {pair[1]} are declared both "
                    "must_link and cannot_link; keep one")
    return None


def _link_decisions(file: Path, raw: Any, sources: Mapping[str, str]
                    ) -> tuple[tuple[str, str, str], ...]:
    """The configuration's link decisions, checked: two records of sources of records (no
    orders), each decision a known one, no record with itself and no pair both ways."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(file, "link_decisions", "expected a list of {records: [a, b], "
                                                  "decision: must_link | cannot_link}")
    decisions = []
    for i, item in enumerate(raw):
        key = f"link_decisions[{i}]"
        mapping = _expect_mapping(file, key, item)
        _check_keys(file, key, mapping, {"records", "decision", "note"})
        records = mapping.get("records")
        if not (isinstance(records, list) and len(records) == 2
                and all(isinstance(r, str) and "/" in r for r in records)):
            raise ConfigError(file, f"{key}.records",
                              "expected two record ids source/source_record_id")
        for record in records:
            source = record.partition("/")[0]
            if sources.get(source, "orders") == "orders":
                known = ", ".join(sorted(n for n, kind in sources.items() if kind != "orders"))
                raise ConfigError(file, f"{key}.records", (
                    f"{record!r}: {source!r} is " + ("a source of orders, which are no records"
                                                     if source in sources else "no source")
                    + f"; a decision pairs records of {known}"))
        decision = mapping.get("decision")
        if decision not in LINK_DECISIONS:
            raise ConfigError(file, f"{key}.decision",
                              f"{decision!r}: expected must_link or cannot_link")
        decisions.append((records[0], records[1], decision))
    problem = link_decision_problem([(*d, f"link_decisions[{i}]")
                                     for i, d in enumerate(decisions)])
    if problem:
        raise ConfigError(file, "link_decisions", problem)
    return tuple(decisions)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping: YAML itself keeps the last
    silently, so a second `matching:` block would undo the first without a word."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
                    ) -> dict[Any, Any]:
    lines: dict[Any, int] = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` merges; a key may follow
            continue
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        try:
            first = lines.get(key)
        except TypeError:  # a key that is no text or number: YAML's own error follows
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} given twice (first on line {first + 1}); keep one",
                key_node.start_mark)
        lines[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load_yaml(text: str) -> Any:
    """Returns the YAML `text` parsed as yaml.safe_load does, refusing a key given twice in one
    mapping (yaml.YAMLError, naming the key and both lines)."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)


def load_config(path: str | Path) -> Config:
    """Returns the validated configuration read from the YAML file at `path`."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(file, "(file)", f"cannot be read: {exc.strerror}") from exc
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(file, "(file)", f"is not valid YAML: {exc}") from exc
    return parse_config(raw, file)
