"""Compare: each candidate pair gets one agreement level (gamma) per comparison.

A comparison is plain data (configuration `comparisons:`, defaults in DEFAULT_COMPARISONS): a
name, which fixes the record fields it reads, and its levels, strongest first, each a label and
the conditions of which any one puts a pair on that level:

    first_name:
      - exact: [exact, swapped]
      - fuzzy: [{jaro_winkler: 0.94}, {swapped_jaro_winkler: 0.88}, nickname]
      - fuzzy_or_phonetic: [{jaro_winkler: 0.88}, phonetic]

Levels follow the Fellegi–Sunter convention of jobs.model: -1 when a side is missing (neutral),
0 for "else" (disagreement), then increasingly strong agreement up to the first level listed.
This module interprets that data into Spark columns. String similarity and phonetic codes come
from jellyfish through vectorized pandas UDFs (one Arrow batch at a time, never a Python call
per row through the JVM), each similarity computed once per pair whatever the number of levels
that read it; everything else is Spark built-ins. Per-record features (phonetic codes, handle
letters and year, the nickname groups of first names) are computed once per record, not per pair.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import jellyfish
import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import DoubleType, StringType

from jobs.blocking import name_handle_forms
from jobs.link_rules import LINK_RULE_COLUMNS, slipped
from jobs.model import ComparisonSpec
from jobs.nicknames import names_map, nickname_groups

# Columns of a standardized record that the comparisons read, then those the link rule reads
# (with _l / _r suffixes on pairs).
PAIR_COLUMNS = tuple(dict.fromkeys((
    "source", "first_name_norm", "last_name_norm", "first_metaphone", "last_metaphone",
    "first_name_groups", "birth_date", "email", "email_sha256", "phone_e164", "postal_code",
    "street_norm", "house_number", "city_norm", "handle_letters", "handle_year", "ip_address",
    "gender", *LINK_RULE_COLUMNS,
)))


class ComparisonConfigError(ValueError):
    """A comparison, level or condition the comparison stage does not know, or a bad parameter."""


@pandas_udf(DoubleType())  # type: ignore[call-overload]
def jaro_winkler(left: pd.Series, right: pd.Series) -> pd.Series:
    """Jaro–Winkler similarity of two string columns; null when either side is null."""
    return pd.Series(
        [
            jellyfish.jaro_winkler_similarity(a, b) if isinstance(a, str) and isinstance(b, str)
            else None
            for a, b in zip(left, right, strict=True)
        ],
        dtype="float64",
    )


@pandas_udf(StringType())  # type: ignore[call-overload]
def metaphone(values: pd.Series) -> pd.Series:
    """Metaphone code of each value (null stays null)."""
    return values.map(lambda v: jellyfish.metaphone(v) if isinstance(v, str) and v else None)


def with_comparison_features(records: DataFrame) -> DataFrame:
    """Returns the records with per-record features the comparisons need."""
    handle_letters = F.regexp_replace(
        F.lower(F.regexp_replace(F.col("handle"), r"[0-9_.\-]+$", "")), r"[^a-z]", ""
    )
    # Two trailing digits after a letter or separator (anna_k84, mvirtanen1984): the birth year
    # people put in handles. A digit run of another length is a counter, not a year. A year of
    # birth the bio states (standardized `birth_year`) says it outright and comes first.
    in_handle = F.regexp_extract(F.col("handle"), r"(?:^|[^0-9])(?:19|20)?([0-9]{2})$", 1)
    stated = (F.lpad((F.col("birth_year") % 100).cast("string"), 2, "0")
              if "birth_year" in records.columns else F.lit(None).cast("string"))
    year = F.coalesce(stated, F.when(F.length(in_handle) == 2, in_handle))
    first = F.col("first_name_norm")
    return (
        records.withColumn("first_metaphone", metaphone("first_name_norm"))
        .withColumn("last_metaphone", metaphone("last_name_norm"))
        .withColumn("first_name_groups",
                    F.when(first.isNotNull(),
                           F.coalesce(F.element_at(names_map(nickname_groups()), first),
                                      F.array(first))))
        .withColumn("handle_letters", F.when(F.length(handle_letters) > 0, handle_letters))
        .withColumn("handle_year", F.when(F.col("handle").isNotNull(), year))
    )


def pair_side(records: DataFrame, side: str) -> DataFrame:
    """Returns the records as one side of a pair: `record_<side>` and every comparison column
    suffixed `_<side>` (side `l` or `r`)."""
    return records.select(F.col("record_id").alias(f"record_{side}"),
                          *[F.col(c).alias(f"{c}_{side}") for c in PAIR_COLUMNS])


def pairs_with_records(pairs: DataFrame, records: DataFrame) -> DataFrame:
    """Returns the candidate pairs with both records' comparison columns, suffixed _l and _r."""
    left, right = pair_side(records, "l"), pair_side(records, "r")
    joined = pairs.join(left, "record_l").join(right, "record_r")
    return joined.select(*pairs.columns, *left.columns[1:], *right.columns[1:])


def _l(name: str) -> Column:
    return F.col(f"{name}_l")


def _r(name: str) -> Column:
    return F.col(f"{name}_r")


def _either_null(*names: str) -> Column:
    condition = F.lit(False)
    for name in names:
        condition = condition | _l(name).isNull() | _r(name).isNull()
    return condition


class Similarities:
    """Jaro–Winkler columns a comparison asks for, named `_jw_<left>__<right>`, computed once."""

    def __init__(self) -> None:
        self.wanted: dict[str, tuple[str, str]] = {}

    def jaro_winkler(self, left: str, right: str) -> Column:
        name = f"_jw_{left}__{right}"
        self.wanted[name] = (left, right)
        return F.col(name)

    def add_to(self, pairs: DataFrame) -> DataFrame:
        return pairs.withColumns({name: jaro_winkler(left, right)
                                  for name, (left, right) in sorted(self.wanted.items())})


# --- the fields each comparison reads, and the conditions a level may use ----------------------

ConditionBuilder = Callable[[float | None, Similarities], Column]


@dataclass(frozen=True)
class Field:
    """What one comparison reads: when it is null, and the conditions its levels may use."""

    null: Callable[[], Column]
    conditions: Mapping[str, ConditionBuilder]


def _equal(column: str) -> ConditionBuilder:
    return lambda _p, _s: _l(column) == _r(column)


def _name_field(own: str, other: str, phonetic: str) -> Field:
    def jw(p: float | None, s: Similarities) -> Column:
        return s.jaro_winkler(f"{own}_l", f"{own}_r") >= F.lit(p)

    def swapped(_p: float | None, _s: Similarities) -> Column:
        return (_l("first_name_norm") == _r("last_name_norm")) \
            & (_l("last_name_norm") == _r("first_name_norm"))

    def swapped_jw(p: float | None, s: Similarities) -> Column:
        # "gredn amelia" against "amelia green": swapped, and a slip on top.
        return (s.jaro_winkler("first_name_norm_l", "last_name_norm_r") >= F.lit(p)) \
            & (s.jaro_winkler("last_name_norm_l", "first_name_norm_r") >= F.lit(p))

    def crossed_jw(p: float | None, s: Similarities) -> Column:
        # "stronach ethan" against "emiily stronach": this name keyed into the other name's
        # field on one side, the other name lost.
        return (s.jaro_winkler(f"{own}_l", f"{other}_r") >= F.lit(p)) \
            | (s.jaro_winkler(f"{other}_l", f"{own}_r") >= F.lit(p))

    conditions: dict[str, ConditionBuilder] = {
        "exact": _equal(own), "swapped": swapped, "jaro_winkler": jw,
        "swapped_jaro_winkler": swapped_jw, "crossed_jaro_winkler": crossed_jw,
        "phonetic": _equal(phonetic),
    }
    if own == "first_name_norm":
        conditions["nickname"] = lambda _p, _s: F.arrays_overlap(_l("first_name_groups"),
                                                                  _r("first_name_groups"))
    return Field(lambda: _either_null(own), conditions)


def _birth_date_field() -> Field:
    left, right = _l("birth_date"), _r("birth_date")

    def transposed(_p: float | None, _s: Similarities) -> Column:
        return (F.dayofmonth(left) == F.month(right)) & (F.month(left) == F.dayofmonth(right)) \
            & (F.year(left) == F.year(right))

    def digits(p: float | None, _s: Similarities) -> Column:
        return F.levenshtein(F.date_format(left, "yyyyMMdd"),
                             F.date_format(right, "yyyyMMdd")) <= F.lit(int(p or 0))

    return Field(lambda: _either_null("birth_date"), {
        "exact": _equal("birth_date"), "day_month_transposed": transposed,
        "digits_differ_at_most": digits,
        "same_year": lambda _p, _s: F.year(left) == F.year(right),
    })


def _street_words(street: Column) -> Column:
    """The distinct words of a folded street, sorted: the street whatever their order."""
    return F.array_sort(F.array_distinct(F.filter(F.split(street, r"[\s-]+"),
                                                  lambda word: word != "")))


def _address_field() -> Field:
    # One comparison for street, postal code and city: they are strongly correlated, and
    # counting them as three independent agreements would over-weight a shared address.
    house_l, house_r = _l("house_number"), _r("house_number")
    same_number = house_l.eqNullSafe(house_r)
    # Keyed numbers slip (51 for 15, 42 for 24, a digit dropped); a number missing on one side
    # neither agrees nor disagrees.
    near_number = same_number | _either_null("house_number") | slipped(house_l, house_r)
    same_postal = _l("postal_code") == _r("postal_code")
    near_postal = same_postal | slipped(_l("postal_code"), _r("postal_code"))

    def same_city(p: float | None, s: Similarities) -> Column:
        return (_l("city_norm") == _r("city_norm")) \
            | (s.jaro_winkler("city_norm_l", "city_norm_r") >= F.lit(p))

    def exact_address(_p: float | None, s: Similarities) -> Column:
        place = same_postal | same_city(0.9, s) | _either_null("postal_code")
        return (_l("street_norm") == _r("street_norm")) & same_number & place

    def near_by(s: Similarities) -> Column:
        # What a street that is only similar needs besides: the house number and the place.
        return near_number & (near_postal | same_city(0.9, s))

    def similar_street(p: float | None, s: Similarities) -> Column:
        return (s.jaro_winkler("street_norm_l", "street_norm_r") >= F.lit(p)) & near_by(s)

    def same_words(_p: float | None, s: Similarities) -> Column:
        # The street's words in another order ("paix rue de la", "Main Street North" against
        # "North Main Street"): Jaro–Winkler over the whole text sees a different street.
        return (_street_words(_l("street_norm")) == _street_words(_r("street_norm"))) \
            & near_by(s)

    return Field(
        lambda: _either_null("street_norm") & _either_null("postal_code")
        & _either_null("city_norm"),
        {"exact_address": exact_address, "similar_street": similar_street,
         "same_words": same_words,
         "same_postal_code": lambda _p, _s: same_postal,
         "near_postal_code": lambda _p, _s: near_postal, "same_city": same_city},
    )


def _one_side_social() -> Column:
    return _l("handle_letters").isNull() != _r("handle_letters").isNull()


def _other_side(column: str) -> Column:
    """The value of `column` on the side that is not the social account."""
    return F.when(_l("handle_letters").isNull(), _l(column)).otherwise(_r(column))


def _handle_name_field() -> Field:
    # A social handle against the other record's name (mvirtanen against Matti Virtanen). Only
    # meaningful when exactly one side is a social account; when both records have first and
    # last names the name comparisons already weigh them, and a handle built from the same name
    # would count that evidence twice.
    handle = F.coalesce(_l("handle_letters"), _r("handle_letters"))
    first, last = _other_side("first_name_norm"), _other_side("last_name_norm")
    last_letters = F.regexp_replace(last, r"[^a-z]", "")
    return Field(
        lambda: ~_one_side_social() | last.isNull()
        | ~_either_null("first_name_norm", "last_name_norm"),
        {"name_form": lambda _p, _s: F.array_contains(name_handle_forms(first, last), handle),
         "contains_last_name": lambda _p, _s: (F.length(last_letters) >= 4)
         & handle.contains(last_letters)},
    )


def _handle_key(handle: Column) -> Column:
    return F.regexp_replace(handle, r"[._\-]", "")


# X cuts handles at this many characters: anna.korhonen1984 is anna_korhonen19 there.
X_HANDLE_LENGTH = 15


def _handle_field() -> Field:
    # Two social accounts' handles: people keep theirs across platforms. Dots, underscores and
    # hyphens are dropped (a platform without dots takes anna_k84 for anna.k84), and a handle
    # of exactly X's length may be another one cut short.
    left, right = _handle_key(_l("handle")), _handle_key(_r("handle"))

    def truncated(_p: float | None, _s: Similarities) -> Column:
        cut_left = (F.length(_l("handle")) == X_HANDLE_LENGTH) & right.startswith(left)
        cut_right = (F.length(_r("handle")) == X_HANDLE_LENGTH) & left.startswith(right)
        return cut_left | cut_right

    return Field(lambda: _either_null("handle"),
                 {"exact": lambda _p, _s: left == right, "truncated": truncated})


def _handle_birth_year_field() -> Field:
    # The year of birth an account shows (its bio's, else the two digits people add to a handle,
    # anna_k84) against the other side's birth year.
    year = F.coalesce(_l("handle_year"), _r("handle_year"))
    born = _other_side("birth_date")
    return Field(
        lambda: ~_one_side_social() | year.isNull() | born.isNull(),
        {"exact": lambda _p, _s: F.lpad((F.year(born) % 100).cast("string"), 2, "0") == year},
    )


def _simple_field(column: str, extra: Mapping[str, ConditionBuilder] | None = None) -> Field:
    return Field(lambda: _either_null(column), {"exact": _equal(column), **(extra or {})})


def _phone_field() -> Field:
    def edits(p: float | None, _s: Similarities) -> Column:
        return F.levenshtein(_l("phone_e164"), _r("phone_e164")) <= F.lit(int(p or 0))
    return _simple_field("phone_e164", {"levenshtein": edits})


_NAME_CONDITIONS: dict[str, tuple[float, float] | None] = {
    "exact": None, "swapped": None, "jaro_winkler": (0.5, 1.0),
    "swapped_jaro_winkler": (0.5, 1.0), "crossed_jaro_winkler": (0.5, 1.0), "phonetic": None,
}
# The conditions each comparison's levels may use, with the bounds of their parameter (None:
# no parameter). Plain data, so that a configuration is checked without Spark running.
CONDITIONS: dict[str, dict[str, tuple[float, float] | None]] = {
    "first_name": {**_NAME_CONDITIONS, "nickname": None},
    "last_name": _NAME_CONDITIONS,
    "birth_date": {"exact": None, "day_month_transposed": None,
                   "digits_differ_at_most": (1, 4), "same_year": None},
    "email": {"exact": None},
    "phone": {"exact": None, "levenshtein": (1, 3)},
    "address": {"exact_address": None, "similar_street": (0.5, 1.0), "same_words": None,
                "same_postal_code": None, "near_postal_code": None, "same_city": (0.5, 1.0)},
    "handle_name": {"name_form": None, "contains_last_name": None},
    "handle_birth_year": {"exact": None},
    "handle": {"exact": None, "truncated": None},
    "ip_address": {"exact": None},
    "gender": {"exact": None},
}

FIELDS: dict[str, Callable[[], Field]] = {
    "first_name": lambda: _name_field("first_name_norm", "last_name_norm", "first_metaphone"),
    "last_name": lambda: _name_field("last_name_norm", "first_name_norm", "last_metaphone"),
    "birth_date": _birth_date_field,
    # A plaintext email meets a hashed one through its SHA-256, computed at standardization.
    "email": lambda: _simple_field("email_sha256"),
    "phone": _phone_field,
    "address": _address_field,
    "handle_name": _handle_name_field,
    "handle_birth_year": _handle_birth_year_field,
    "handle": _handle_field,
    "ip_address": lambda: _simple_field("ip_address"),
    "gender": lambda: _simple_field("gender"),
}


# --- comparisons as data -------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    kind: str
    parameter: float | None = None


@dataclass(frozen=True)
class Level:
    label: str
    conditions: tuple[Condition, ...]  # any one of them puts a pair on this level


@dataclass(frozen=True)
class Comparison:
    """One comparison: `name` (which fixes the fields it reads) and its levels, strongest
    first. Gamma values: -1 null, 0 else, then len(levels) for the first level listed."""

    name: str
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        if self.name not in CONDITIONS:
            raise ComparisonConfigError(
                f"comparison {self.name!r}: unknown; expected one of {sorted(CONDITIONS)}")
        if not self.levels:
            raise ComparisonConfigError(f"comparison {self.name!r}: needs at least one level")
        labels = [level.label for level in self.levels]
        if len(set(labels)) != len(labels) or "else" in labels:
            raise ComparisonConfigError(
                f"comparison {self.name!r}: level labels must be unique and not 'else'")
        for level in self.levels:
            if not level.conditions:
                raise ComparisonConfigError(
                    f"comparison {self.name!r}, level {level.label!r}: no conditions")
            for condition in level.conditions:
                _check_condition(self.name, level.label, condition)

    @property
    def spec(self) -> ComparisonSpec:
        return ComparisonSpec(self.name, ("else", *[lv.label for lv in reversed(self.levels)]))

    def as_data(self) -> dict[str, object]:
        """Returns the comparison as plain data (JSON), conditions and parameters included."""
        return {"name": self.name, "levels": [
            {"label": level.label,
             "conditions": [{"kind": c.kind, "parameter": c.parameter}
                            for c in level.conditions]}
            for level in self.levels]}

    def level(self, similarities: Similarities) -> Column:
        """Returns the pair's gamma as a Spark column."""
        field = FIELDS[self.name]()
        gamma = F.when(field.null(), F.lit(-1))
        for rank, level in enumerate(self.levels):
            hit = F.lit(False)
            for condition in level.conditions:
                built = field.conditions[condition.kind](condition.parameter, similarities)
                hit = hit | F.coalesce(built, F.lit(False))
            gamma = gamma.when(hit, F.lit(len(self.levels) - rank))
        return gamma.otherwise(F.lit(0))


def _check_condition(name: str, label: str, condition: Condition) -> None:
    where = f"comparison {name!r}, level {label!r}"
    allowed = CONDITIONS[name]
    if condition.kind not in allowed:
        raise ComparisonConfigError(f"{where}: unknown condition {condition.kind!r}; expected "
                                    f"one of {sorted(allowed)}")
    bounds = allowed[condition.kind]
    if bounds is None and condition.parameter is not None:
        raise ComparisonConfigError(f"{where}: {condition.kind} takes no parameter")
    if bounds is not None:
        low, high = bounds
        if condition.parameter is None or not low <= condition.parameter <= high:
            raise ComparisonConfigError(
                f"{where}: {condition.kind} needs a number in [{low}, {high}], "
                f"got {condition.parameter!r}")


def comparison_from_data(name: str, raw: object) -> Comparison:
    """Returns the comparison `name` described by `raw`: a list of levels, strongest first, each
    a one-key mapping {label: [condition, ...]} where a condition is a name (`exact`) or a
    one-key mapping with its parameter (`{jaro_winkler: 0.94}`). Raises ComparisonConfigError."""
    if not isinstance(raw, list) or not raw:
        raise ComparisonConfigError(f"comparison {name!r}: expected a list of levels")
    levels = []
    for item in raw:
        if not isinstance(item, dict) or len(item) != 1:
            raise ComparisonConfigError(
                f"comparison {name!r}: each level is one `label: [conditions]`, got {item!r}")
        (label, conditions), = item.items()
        if not isinstance(conditions, list):
            conditions = [conditions]
        parsed = []
        for condition in conditions:
            if isinstance(condition, str):
                parsed.append(Condition(condition))
            elif isinstance(condition, dict) and len(condition) == 1:
                (kind, parameter), = condition.items()
                if isinstance(parameter, bool) or not isinstance(parameter, int | float):
                    raise ComparisonConfigError(
                        f"comparison {name!r}, level {label!r}: {kind} needs a number, "
                        f"got {parameter!r}")
                parsed.append(Condition(str(kind), float(parameter)))
            else:
                raise ComparisonConfigError(
                    f"comparison {name!r}, level {label!r}: bad condition {condition!r}")
        levels.append(Level(str(label), tuple(parsed)))
    return Comparison(name, tuple(levels))


def _levels(*levels: tuple[str, Sequence[str | tuple[str, float]]]) -> tuple[Level, ...]:
    return tuple(
        Level(label, tuple(Condition(c) if isinstance(c, str) else Condition(c[0], c[1])
                           for c in conditions))
        for label, conditions in levels
    )


DEFAULT_COMPARISONS: tuple[Comparison, ...] = (
    Comparison("first_name", _levels(
        ("exact", ["exact", "swapped"]),
        ("fuzzy_0.94", [("jaro_winkler", 0.94), ("swapped_jaro_winkler", 0.88), "nickname"]),
        ("fuzzy_0.88_or_phonetic", [("jaro_winkler", 0.88), "phonetic"]),
    )),
    Comparison("last_name", _levels(
        ("exact", ["exact", "swapped"]),
        ("fuzzy_0.94", [("jaro_winkler", 0.94), ("swapped_jaro_winkler", 0.88)]),
        ("fuzzy_0.88_or_phonetic", [("jaro_winkler", 0.88), "phonetic"]),
        # Names that are both given and family names (Thomas, Martin) make a surname in the
        # first-name field weaker evidence than one in its place: a level of its own.
        ("in_first_name_field", [("crossed_jaro_winkler", 0.94)]),
    )),
    Comparison("birth_date", _levels(
        ("exact", ["exact"]),
        ("transposed_or_one_digit", ["day_month_transposed", ("digits_differ_at_most", 1)]),
        ("same_year", ["same_year"]),
    )),
    # Only equality counts: local parts are mostly built from names, so a near miss (even at
    # the same big provider) re-counts the name comparisons and links namesakes.
    Comparison("email", _levels(("exact_sha256", ["exact"]))),
    Comparison("phone", _levels(("exact", ["exact"]), ("one_digit", [("levenshtein", 1)]))),
    Comparison("address", _levels(
        ("exact", ["exact_address"]),
        ("similar_street", [("similar_street", 0.9), "same_words"]),
        ("same_postal_code", ["same_postal_code"]),
        ("same_city", [("same_city", 0.9), "near_postal_code"]),
    )),
    Comparison("handle_name", _levels(("name_form", ["name_form"]),
                                      ("contains_last_name", ["contains_last_name"]))),
    Comparison("handle_birth_year", _levels(("exact", ["exact"]))),
    Comparison("handle", _levels(("same_handle", ["exact", "truncated"]))),
    Comparison("ip_address", _levels(("exact", ["exact"]))),
    Comparison("gender", _levels(("exact", ["exact"]))),
)


def comparison_specs(comparisons: Sequence[Comparison] = DEFAULT_COMPARISONS
                     ) -> tuple[ComparisonSpec, ...]:
    """Returns the level descriptions of the comparisons, for the model."""
    return tuple(c.spec for c in comparisons)


def compare_pairs(pairs: DataFrame, comparisons: Sequence[Comparison] = DEFAULT_COMPARISONS
                  ) -> DataFrame:
    """Returns the pairs (from pairs_with_records) with one `gamma_<name>` column per comparison.

    The _l/_r record columns are kept so that callers can explain or store what was compared.
    """
    similarities = Similarities()
    gammas = [c.level(similarities).cast("int").alias(f"gamma_{c.name}") for c in comparisons]
    with_similarity = similarities.add_to(pairs)
    return with_similarity.select("*", *gammas).drop(*similarities.wanted)
