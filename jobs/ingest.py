"""Ingest: read each source with its declared schema; quarantine what cannot be used.

Every input row ends in exactly one place: the accepted DataFrame (typed contract columns) or the
rejected one (reason, offending column and the raw row as read). Nothing is inferred: CSV and JSON
are read as text and typed here against schemas/<kind>.yaml, so a bad value is never a silent null.

What a bad value costs depends on the row. A row that cannot be parsed, lacks its key or repeats
another's key is rejected. A person's record (registry, online, social) with one value that cannot
be read (a birth date of 30 February, page views "lots") is still that person's record: it is
accepted with the value dropped, and `dropped_values` names the reason (as a rejection would, say
`invalid_birth_date`), so the rest of the row (name, email, phone) still links and nothing about
the person is lost. An order with an unreadable amount or date is rejected: a figure that cannot
be read would misstate the customer's totals.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from jobs.config import SourceConfig
from jobs.privacy import ERASED, ErasedKeys, erased_email_message, order_owner
from jobs.schemas import DeclaredSchema, source_schema
from jobs.source_files import (
    SourceReadError,
    declared_encoding,
    has_quoted_line_breaks,
    nanosecond_columns,
    reads_month_first,
    starts_as_json_array,
)
from jobs.standardize import (
    parse_date,
    parse_timestamp,
    social_account_key,
    standardize_email,
    standardize_email_sha256,
)

log = logging.getLogger(__name__)

CORRUPT = "_corrupt_record"
# Birth dates outside this range are impossible for a living customer (placeholders such as
# 1900-01-01 are nulled later by standardize, not rejected: the rest of the row is still good).
EARLIEST_BIRTH_YEAR = 1890


class MissingColumnError(ValueError):
    """A source lacks a required (key) column: the run stops before any work."""

    def __init__(self, source: str, file: str, column: str, hint: str = "") -> None:
        self.source, self.file, self.column = source, file, column
        super().__init__(f"source {source!r} ({file}): required column {column!r} is missing"
                         + (f" ({hint})" if hint else ""))


# Separators other than a comma that a CSV export may use, as named in a hint.
_OTHER_SEPARATORS = {";": "';'", "\t": "a tab", "|": "'|'"}


def _separator_hint(source: SourceConfig, present: Sequence[str]) -> str:
    """Returns a hint when a CSV header was read as one column that another separator would
    split (subscriber_id;first_name;...), else an empty string."""
    if source.format != "csv" or len(present) != 1 or {"sep", "delimiter"} & set(source.options):
        return ""
    for separator, named in _OTHER_SEPARATORS.items():
        if separator in present[0]:
            shown = "\\t" if separator == "\t" else separator
            return (f"the header reads as one column separated by {named}: set the source's "
                    f'options: {{sep: "{shown}"}}')
    return ""


# An accepted row's file, as Spark names it (`file:///…`): a row rejected after reading (an
# order of an unknown subscriber, an erased record) names the file of a folder source it came
# from. Standardizing and the tables' declared columns leave it out.
SOURCE_FILE = "_source_file"


@dataclass(frozen=True)
class IngestedSource:
    source: SourceConfig
    # Typed contract columns + source, source_kind, source_record_id, run_id (and, for a
    # person's record, dropped_values), and SOURCE_FILE.
    accepted: DataFrame
    rejected: DataFrame  # the columns of the rejected_records table
    missing_columns: tuple[str, ...]  # optional contract columns the source does not have
    # One row per record in the files, as read before any validation: what the reconciliation
    # counts (read = accepted + rejected) without reading the files a second time.
    read: DataFrame
    # The source's own columns the contract has no use for (a misspelt `emial` among them).
    unused_columns: tuple[str, ...] = ()


def _text_type(data_type: DataType) -> DataType:
    """Everything is read as text first; arrays stay arrays of text."""
    return ArrayType(StringType()) if isinstance(data_type, ArrayType) else StringType()


# CSV as spreadsheets, pandas and Python's csv module write it (RFC 4180): a quote inside a
# quoted field is doubled (""), where Spark's default escape is a backslash. A source's own
# `options` win.
CSV_DEFAULTS = {"escape": '"'}


def _reader(spark: SparkSession, source: SourceConfig) -> DataFrameReader:
    defaults = CSV_DEFAULTS if source.format == "csv" else {}
    options = {**defaults, **source.options}
    if source.format == "csv" and is_wide_encoding(source.options):
        # Spark cuts a CSV file into lines at the byte 0x0A before decoding it; in UTF-16 and
        # UTF-32 that byte is half of a character, and every row after the first came out as
        # garbage. A whole-file read decodes first.
        options["multiLine"] = "true"
    elif source.format == "csv" and has_quoted_line_breaks(source):
        # A quoted field holding a line break (an address on two lines, as spreadsheets and
        # pandas write it): read line by line, both halves of its record were rejected.
        options["multiLine"] = "true"
    return spark.read.options(**options)


def is_wide_encoding(options: dict[str, str]) -> bool:
    """True when a source's `encoding` (or `charset`) option is UTF-16 or UTF-32."""
    declared = (declared_encoding(options) or "").lower()
    return declared.replace("-", "").replace("_", "").startswith(("utf16", "utf32", "ucs2",
                                                                   "ucs4"))


def is_json_array(spark: SparkSession, source: SourceConfig) -> bool:
    """True when the source's (first) file holds one JSON array of records (`[{...}, {...}]`,
    as many tools export JSON) rather than JSON lines (one object a line): looked at in Python
    where the files are local (starts_as_json_array), else by Spark."""
    local = starts_as_json_array(source.path)
    if local is not None:
        return local
    lines = (_reader(spark, source).text(source.path).select(F.ltrim("value").alias("value"))
             .where(F.col("value") != "").limit(1).collect())
    return bool(lines) and lines[0]["value"].lstrip("\ufeff").startswith("[")


# Spark reads a Parquet column of nanosecond timestamps (pandas and pyarrow write them by
# default) only as its number of nanoseconds, and only with this setting; otherwise it stops.
NANOS_AS_LONG = "spark.sql.legacy.parquet.nanosAsLong"


def _json_records(reader: DataFrameReader, source: SourceConfig, arrays: bool) -> DataFrame:
    """Returns one row per JSON record of the source (`value`, its text): the non-blank lines of
    JSON lines files or, with `arrays`, the elements of files that each hold one JSON array. A
    file that is not one JSON array then (cut short, say) raises SourceReadError naming it."""
    if not arrays:
        return reader.text(source.path).where(F.trim("value") != "")
    files = reader.text(source.path, wholetext=True).select(
        F.input_file_name().alias("file"),
        F.from_json(F.regexp_replace("value", "^\ufeff", ""), ArrayType(StringType()))
        .alias("records"))
    broken = [row["file"] for row in files.where(F.col("records").isNull()).collect()]
    if broken:
        raise SourceReadError(
            f"source {source.name!r}: {', '.join(broken)}: starts as a JSON array but is not "
            "one (cut short?); expected one JSON array of records, or JSON lines")
    return files.select(F.explode("records").alias("value"))


def _present_columns(spark: SparkSession, source: SourceConfig,
                     json_records: DataFrame | None = None) -> list[str]:
    """Returns the column names the source's files actually hold (header or JSON keys;
    `json_records`: a JSON source's records, see _json_records)."""
    reader = _reader(spark, source)
    if source.format == "csv":
        return reader.option("header", True).csv(source.path).columns
    if json_records is not None:
        keys = (
            json_records
            .select(F.explode(F.json_object_keys(F.col("value"))).alias("key"))
            .distinct()
        )
        return [row.key for row in keys.collect()]
    return reader.format(source.format).load(source.path).columns


# Formats whose records nest: a source's `columns` may name a field inside a field there.
NESTING_FORMATS = ("json", "parquet", "delta")


def _field_path(own: str) -> list[str]:
    """The parts of a nested field's name as `columns` writes it (`user.screen_name`)."""
    return own.split(".")


def _json_path(parts: Sequence[str]) -> str:
    """A JSONPath for get_json_object, bracketed so that a key may hold dots and spaces (not
    a quote: Spark's JSONPath has no escape for one)."""
    return "$" + "".join(f"['{part}']" for part in parts)


def _unreachable_in_json(source: SourceConfig, own: str) -> bool:
    """A nested name holding a quote: a JSON source's fields are read by JSONPath, which cannot
    name it (a Parquet or Delta struct's field can be)."""
    return source.format == "json" and "'" in own


def nested_fields(spark: SparkSession, source: SourceConfig, present: Sequence[str],
                  json_records: DataFrame | None = None) -> list[str]:
    """Returns the names in the source's `columns` that name a field inside a top-level one
    (`user.screen_name`: `screen_name` inside `user`) and that the source holds: in some record
    of a JSON source, in the schema of another nesting format. A name the source holds at the
    top level as written is not nested."""
    if source.format not in NESTING_FORMATS:
        return []
    candidates = [own for own in source.columns.values()
                  if own not in present and "." in own and _field_path(own)[0] in present
                  and not _unreachable_in_json(source, own)]
    if not candidates:
        return []
    if json_records is not None:
        held = json_records.agg(*[
            F.max(F.coalesce(F.array_contains(F.json_object_keys(F.get_json_object(
                "value", _json_path(_field_path(own)[:-1]))), _field_path(own)[-1]),
                F.lit(False))).alias(f"_{index}")
            for index, own in enumerate(candidates)]).first()
        return [own for index, own in enumerate(candidates) if held and held[f"_{index}"]]
    schema = _reader(spark, source).format(source.format).load(source.path).schema

    def holds(data_type: DataType, parts: Sequence[str]) -> bool:
        if not parts:
            return True
        if not isinstance(data_type, StructType) or parts[0] not in data_type.fieldNames():
            return False
        return holds(data_type[parts[0]].dataType, parts[1:])

    return [own for own in candidates if holds(schema, _field_path(own))]


def _column_at(own: str, nested: bool) -> Column:
    """The source's column `own`, or with `nested` the field its dotted name leads to; every
    part quoted, so that a top-level name may hold a dot."""
    parts = _field_path(own) if nested else [own]
    return F.col(".".join("`" + part.replace("`", "``") + "`" for part in parts))


def _folded_name(name: str) -> str:
    """A column name as the contract would spell it: `First Name`, ` first_name` and
    `FIRST-NAME` are all `first_name`."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def contract_names(source: SourceConfig, schema: DeclaredSchema, present: Sequence[str],
                   nested: Sequence[str] = ()) -> dict[str, str]:
    """Returns the source's column names (header, JSON keys, table columns) that name a contract
    column, by their contract name. The source's `columns` name some outright ({postal_code:
    zip}, or a field inside one, `nested`: see nested_fields); a name so given that the source
    lacks raises SourceReadError (a key column's is left out). The others are found by their
    spelling: a header written
    `First_Name` or ` first name ` names `first_name`. A name written exactly as in the
    contract wins over a spelling of it; two spellings of one column and none exact are
    ambiguous, and raise SourceReadError."""
    names = {}
    for column, own in source.columns.items():
        if own in present or own in nested:
            names[column] = own
        elif column not in schema.required:  # a key column's is the caller's to raise
            inside = (f" (nor a field {_field_path(own)[-1]!r} inside "
                      f"{'.'.join(_field_path(own)[:-1])!r} in any record)"
                      if "." in own and source.format in NESTING_FORMATS else "")
            if "." in own and _unreachable_in_json(source, own):
                inside = (" (a field inside a JSON record cannot be named with a quote: Spark's "
                          "JSONPath has no escape for one; rename the key, or convert the "
                          "source to Parquet)")
            raise SourceReadError(
                f"source {source.name!r} ({source.path}): no column {own!r}{inside}, which "
                f"the source's columns read as {column}; its columns: "
                f"{', '.join(repr(c) for c in present[:20])}")
    taken = set(names.values())
    found: dict[str, list[str]] = {}
    for name in present:
        folded = _folded_name(name)
        if folded in schema.column_names and folded not in names and name not in taken:
            found.setdefault(folded, []).append(name)
    for column, spellings in found.items():
        if column in spellings:
            names[column] = column
        elif len(spellings) == 1:
            names[column] = spellings[0]
        else:
            raise SourceReadError(
                f"source {source.name!r} ({source.path}): columns "
                f"{', '.join(repr(s) for s in spellings)} all name contract column {column!r}")
    return names


def read_source_as_text(spark: SparkSession, source: SourceConfig, schema: DeclaredSchema,
                        present: list[str], names: dict[str, str],
                        json_records: DataFrame | None = None, nanoseconds: Sequence[str] = ()
                        ) -> DataFrame:
    """Returns the source's rows with every contract column as text, plus `raw` and `source_file`.

    `present` are the source's own column names (header, JSON keys); `names` maps contract
    columns to the one of them that holds each (see contract_names). Columns of the contract the
    source lacks are null; columns outside the contract are dropped. `json_records`: a JSON
    source's records, one a row (see _json_records). `nanoseconds`: Parquet
    columns of nanosecond timestamps, read as numbers (NANOS_AS_LONG) and made timestamps here.
    """
    wanted = [c for c in schema.column_names if c in names]
    reader = _reader(spark, source)
    if source.format == "csv":
        text_schema = StructType(
            [StructField(c, StringType(), True) for c in present]
            + [StructField(CORRUPT, StringType(), True)]
        )
        # Renamed by position to the contract's names (a header may repeat a name).
        contract_of = {own: column for column, own in names.items()}
        positional = [contract_of.get(c, f"_other{i}") for i, c in enumerate(present)]
        df = (
            reader.option("header", True)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .schema(text_schema)
            .csv(source.path)
            .toDF(*positional, CORRUPT)
        )
        raw = F.coalesce(F.col(CORRUPT), F.to_json(F.struct(
            *[F.col(c).alias(own) for c, own in zip(positional, present, strict=True)])))
    elif source.format == "json":
        # Every value as its JSON text, lists too: a list written as one string ("travel|food")
        # is then read as text_list reads a CSV field, not rejected as an unparseable row.
        # A field inside another (see nested_fields) is read from the line by its path.
        top = [c for c in wanted if names[c] in present]
        text_schema = StructType(
            [StructField(names[c], StringType(), True) for c in top]
            + [StructField(CORRUPT, StringType(), True)]
        )
        assert json_records is not None, "a JSON source is read from its records"
        lines = json_records
        parsed = F.from_json("value", text_schema, {"columnNameOfCorruptRecord": CORRUPT})
        df = lines.select(F.col("value").alias("_line"), parsed.alias("_row")).select(
            "_line", *[F.col("_row").getField(names[c]).alias(c) if c in top
                       else F.get_json_object("_line", _json_path(_field_path(names[c])))
                       .alias(c) for c in wanted],
            F.col("_row").getField(CORRUPT).alias(CORRUPT))
        # A line that is not a JSON object at all parses to a null struct: corrupt too.
        df = df.withColumn(
            CORRUPT,
            F.when(F.col(CORRUPT).isNotNull(), F.col(CORRUPT)).when(
                F.coalesce(*[F.col(c).cast("string") for c in wanted] or [F.lit(None)]).isNull()
                & ~F.col("_line").rlike(r"^\s*\{"),
                F.col("_line"),
            ),
        )
        # A broken line's key, where its text still shows it (`{"profile_id": "P3", broken`):
        # the rejected row then names its record, as a broken CSV row's first fields do.
        df = df.withColumns({c: F.when(F.col(CORRUPT).isNull(), F.col(c))
                             .otherwise(_key_in_line(F.col("_line"), names[c]))
                             for c in schema.required if c in top})
        raw = F.col("_line")
    else:
        table = reader.format(source.format).load(source.path)
        table = table.withColumns({c: F.timestamp_micros(F.expr(f"`{c}` div 1000"))
                                   for c in nanoseconds if c in table.columns})
        raw = F.to_json(F.struct(*[F.col(c) for c in table.columns]))
        df = table.select(*[_column_at(names[c], names[c] not in present).alias(c)
                            for c in wanted],
                          raw.alias("_raw"), F.lit(None).alias(CORRUPT))
        raw = F.col("_raw")
    read_types = dict(df.dtypes)

    def as_text(column: str) -> Column:
        wanted_type = _text_type(schema.data_type(column))
        if column not in wanted:
            return F.lit(None).cast(wanted_type)
        if isinstance(wanted_type, ArrayType) and not read_types[column].startswith("array"):
            return text_list(F.col(column))  # a CSV field, a JSON value, a text column
        return F.col(column).cast(wanted_type)

    columns = [as_text(c).alias(c) for c in schema.column_names]
    return df.select(
        *columns,
        F.col(CORRUPT).isNotNull().alias("_corrupt"),
        raw.alias("raw"),
        F.input_file_name().alias("source_file"),
    )


def _key_in_line(line: Column, name: str) -> Column:
    """Returns the first value, text or a whole number, that a JSON line's text gives `name`
    (null if none), read without parsing the line: for a line that does not parse."""
    quoted = rf'"\Q{name}\E"\s*:\s*(?:"([^"\\]*)"|(-?[0-9]+))'
    return F.coalesce(F.nullif(F.regexp_extract(line, quoted, 1), F.lit("")),
                      F.nullif(F.regexp_extract(line, quoted, 2), F.lit("")))


# Booleans as exports write them: true/false, and yes/no, y/n, 1/0, t/f (any case).
TRUE_TEXTS = ("true", "t", "yes", "y", "1")
FALSE_TEXTS = ("false", "f", "no", "n", "0")


def text_list(text: Column) -> Column:
    """Returns a list written in one text field as an array of text: a JSON array
    (`["travel", "food"]`), or values separated by `|`, `;` or `,` (`travel|food`); null when
    empty. A CSV file has no arrays, so an online source's interests come this way."""
    trimmed = F.trim(text.cast("string"))
    return (F.when(trimmed.startswith("["), F.from_json(trimmed, ArrayType(StringType())))
            .when(trimmed != "", F.split(trimmed, r"\s*[|;,]\s*")))


# Amounts as people and spreadsheets write them: a decimal comma (8,90; 1.234,56), thousands
# grouped by commas (1,234.56), by spaces or apostrophes (1 234,56; 1'234.56), a currency sign
# or code before or after (€8.90, 8.90 EUR).
_CURRENCY = r"^(?:[€$£]|[A-Z]{3})|(?:[€$£]|[A-Z]{3})$"
_DECIMAL_COMMA = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+$"
_THOUSANDS_COMMA = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"


def decimal_text(text: Column) -> Column:
    """Returns an amount's text as Spark reads a decimal (1234.56): see _DECIMAL_COMMA and
    _THOUSANDS_COMMA. A comma followed by three digits and no point groups thousands (1,234 is
    1234); a lone point is a decimal point (1.234). Anything else is returned as it is."""
    bare = F.regexp_replace(F.regexp_replace(text, r"[\s\u00a0'’]", ""), _CURRENCY, "")
    return (F.when(bare.rlike(_THOUSANDS_COMMA), F.regexp_replace(bare, ",", ""))
            .when(bare.rlike(_DECIMAL_COMMA),
                  F.regexp_replace(F.regexp_replace(bare, r"\.", ""), ",", "."))
            .otherwise(bare))


# Text values that stand for no value, compared lower-cased and trimmed ("NA" is not one: it is
# Namibia's country code).
NULL_TEXTS = ("null", "none", "nil", "n/a", "nan", "-", "--", "?")
# ANSI escape sequences (ESC [ 31 m) and the C0 control characters but tab, LF and CR, and DEL.
_CONTROL_CHARACTERS = r"\x1b\[[0-9;]*[A-Za-z]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def _typed(column: str, data_type: DataType, month_first: bool = False) -> Column:
    """Returns the text column converted to its declared type; null when it does not convert
    (dates like 03/04/2026 read month first where `month_first`)."""
    text = F.trim(F.col(column))
    if isinstance(data_type, BooleanType):
        lowered = F.lower(text)
        return F.when(lowered.isin(*TRUE_TEXTS), True).when(lowered.isin(*FALSE_TEXTS), False)
    if isinstance(data_type, TimestampType):
        return parse_timestamp(text, month_first)
    if isinstance(data_type, DateType):
        return F.coalesce(text.try_cast(DateType()),
                          F.to_date(parse_timestamp(text, month_first)))
    if isinstance(data_type, IntegerType | LongType):
        # A whole number written with a decimal point (12.0: JSON from a float column) counts.
        number = text.try_cast("double")
        return F.coalesce(text.try_cast(data_type),
                          F.when(number == F.floor(number), number.try_cast(data_type)))
    if isinstance(data_type, DecimalType):
        return decimal_text(text).try_cast(data_type)
    if isinstance(data_type, ArrayType):
        return F.col(column)
    # Control characters (a NUL, a terminal's colour codes) are no part of a name or an
    # address, and would reach the golden profiles; tabs and line breaks stay.
    # A placeholder for "no value" (NULL, n/a, nan as pandas writes NaN) is no value: read as a
    # name, "NULL NULL" became 25 customers' golden name.
    return F.when((text != "") & ~F.lower(text).isin(*NULL_TEXTS),
                  F.regexp_replace(F.col(column), _CONTROL_CHARACTERS, ""))


# Source kinds whose rows keep their other values when one cannot be read (see the module doc).
KINDS_DROPPING_VALUES = ("registry", "online", "social")
# On accepted rows: the reasons of the values that were dropped, null when every value was read.
DROPPED_VALUES = "dropped_values"


# The birth date as standardize will read it, computed once for the checks that need it.
PARSED_BIRTH_DATE = "_birth_date_parsed"


def _typed_column(column: str) -> str:
    """The name under which validate keeps a column's value in its declared type (see _typed),
    computed once for the checks, the choice among duplicates and the accepted row."""
    return f"_typed_{column}"


def _problem_checks(schema: DeclaredSchema, run_year: int, run_date: dt.date | None = None
                    ) -> list[tuple[Column, str, str | None]]:
    """Returns (condition, reason, column) for each way a row or a value can be unusable, in
    priority order; a check with a column other than a key is about that one value. The rows
    checked carry PARSED_BIRTH_DATE when the schema has a birth date, and each column of a type
    other than text in that type (_typed_column)."""
    checks: list[tuple[Column, str, str | None]] = [(F.col("_corrupt"), "unparseable_row", None)]
    for key in schema.required:
        checks.append(
            (F.coalesce(F.trim(F.col(key)), F.lit("")) == "", "missing_key", key)
        )
    for column in schema.column_names:
        data_type = schema.data_type(column)
        if isinstance(data_type, StringType | ArrayType):
            continue
        given = F.coalesce(F.trim(F.col(column)), F.lit("")) != ""
        typed = F.col(_typed_column(column))
        checks.append((given & typed.isNull(), f"invalid_{column}", column))
        if isinstance(data_type, IntegerType | LongType):
            checks.append((typed < 0, f"invalid_{column}", column))
    if run_date is not None:
        # Two days' grace: a run may be dated by the day its data closed, and time zones differ.
        latest = F.lit(run_date + dt.timedelta(days=2)).cast("timestamp")
        for column in schema.column_names:
            if isinstance(schema.data_type(column), TimestampType):
                checks.append((F.col(_typed_column(column)) >= latest,
                               f"impossible_{column}", column))
    if "birth_date" in schema.column_names:
        given = F.coalesce(F.trim(F.col("birth_date")), F.lit("")) != ""
        parsed = F.col(PARSED_BIRTH_DATE)
        checks.append((given & parsed.isNull(), "invalid_birth_date", "birth_date"))
        checks.append(
            (
                (F.year(parsed) < EARLIEST_BIRTH_YEAR) | (F.year(parsed) > run_year),
                "impossible_birth_date",
                "birth_date",
            )
        )
    return checks


def _source_record_id(kind: str) -> Column:
    if kind == "social":
        # None unless both are there (an unparseable row's had been "" or "x:").
        platform, handle = F.trim("platform"), F.trim("handle")
        return F.when((F.length(platform) > 0) & (F.length(handle) > 0),
                      F.concat(platform, F.lit(":"), handle))
    key = source_schema(kind).key[0]
    return F.trim(F.col(key))


def _account_key(kind: str) -> Column:
    """What makes two rows of a source one record: its record id, or for a social account the
    platform and handle as the platforms read them, without case or a leading @ (Instagram:@Aino
    and instagram:aino are one account). The record id keeps the kept row's own writing."""
    if kind == "social":
        return social_account_key(F.col("platform"), F.col("handle"))
    return F.col("source_record_id")


def validate(text_rows: DataFrame, source: SourceConfig, run_id: str, run_year: int,
             run_date: dt.date | None = None) -> tuple[DataFrame, DataFrame]:
    """Returns (accepted, rejected) for one source's text rows; their counts add up to the input.

    Accepted rows hold the contract columns typed as declared; a person's record also has
    `dropped_values` (see the module doc). Of rows sharing a key, the most
    recently updated one is kept and the others are rejected as `duplicate_key`; a consent
    refused in an undated one of them stands on the kept row (it may be the latest statement).
    With `run_date`, a time stamp two days or more after it (updated_at 2099-01-01) is
    `impossible_<column>`: it would otherwise win every choice by recency, for ever.
    """
    schema = source_schema(source.kind)
    # Each check is computed once per row, in a projection of its own, and referred to by name:
    # a condition is used up to three times below (the row's problem, the dropped value, its
    # reason), and the date parsing in several of them repeats its input a hundred times over.
    # Inlined, that made each source's plan some 50,000 characters (692 trims for one
    # registry), all analyzed, optimized and compiled anew in every run.
    month_first = reads_month_first(source)
    if "birth_date" in schema.column_names:
        text_rows = text_rows.withColumn(PARSED_BIRTH_DATE,
                                         parse_date(F.col("birth_date"), month_first))
    text_rows = text_rows.select("*", *[
        _typed(c, schema.data_type(c), month_first).alias(_typed_column(c))
        for c in schema.column_names
        if not isinstance(schema.data_type(c), StringType | ArrayType)])
    found = _problem_checks(schema, run_year, run_date)
    text_rows = text_rows.select(
        "*", *[condition.alias(f"_check{i}") for i, (condition, _, _) in enumerate(found)])
    checks = [(F.col(f"_check{i}"), reason, column)
              for i, (_, reason, column) in enumerate(found)]
    drops = source.kind in KINDS_DROPPING_VALUES
    is_value = [drops and c is not None and c not in schema.required for _, _, c in checks]
    value_checks = [check for check, v in zip(checks, is_value, strict=True) if v]
    row_checks = [check for check, v in zip(checks, is_value, strict=True) if not v]
    problems = F.filter(
        F.array(*[F.when(cond, F.struct(F.lit(r).alias("reason"), F.lit(c).cast("string")
                                        .alias("column"))) for cond, r, c in row_checks]),
        lambda p: p.isNotNull(),
    )
    # Per column, whether its value is dropped; the reasons in check order, null for none.
    unreadable: dict[str, Column] = {}
    for cond, _, column in value_checks:
        assert column is not None
        bad = F.coalesce(cond, F.lit(False))
        unreadable[column] = unreadable[column] | bad if column in unreadable else bad
    reasons = F.filter(F.array(*[F.when(cond, F.lit(r)) for cond, r, _ in value_checks]
                               or [F.lit(None).cast("string")]),
                       lambda r: r.isNotNull())
    dropped = F.when(F.size(reasons) > 0, reasons)
    recency = next(
        (c for c in ("updated_at", "last_seen", "last_active") if c in schema.column_names), None
    )
    # The time a row states, as accepted: an impossible one counts as none.
    stated = None
    if recency:
        stated = F.col(_typed_column(recency))
        if recency in unreadable:
            stated = F.when(~unreadable[recency], stated)
    order = [F.col("raw")] if stated is None else [stated.desc_nulls_last(), F.col("raw")]
    one_key = Window.partitionBy(F.col("_problem").isNull(), _account_key(source.kind))
    # A consent refused in an undated row of the key may be the latest statement.
    refusals = [] if stated is None else [
        F.max(F.coalesce(stated.isNull() & ~F.col(_typed_column(c)), F.lit(False)))
        .over(one_key).alias(f"_refused_{c}")
        for c in schema.column_names if c.startswith("consent_")]
    checked = (
        text_rows.withColumn("source_record_id", _source_record_id(source.kind))
        .withColumn("_problem", F.get(problems, 0))
        .withColumn("_rank", F.row_number().over(one_key.orderBy(*order)))
        .select("*", *refusals)
        .withColumn(
            "_problem",
            F.when(
                F.col("_problem").isNull() & (F.col("_rank") > 1),
                F.struct(F.lit("duplicate_key").alias("reason"),
                         F.lit(schema.key[0]).alias("column")),
            ).otherwise(F.col("_problem")),
        )
    )
    rejected = checked.where(F.col("_problem").isNotNull()).select(
        F.lit(source.name).alias("source"),
        "source_file",
        F.when(F.col("_problem.reason") != "missing_key", F.col("source_record_id"))
        .alias("source_record_id"),
        F.col("_problem.reason").alias("reason"),
        F.col("_problem.column").alias("column"),
        "raw",
        F.lit(run_id).alias("run_id"),
    )
    def value(column: str) -> Column:
        # Birth and subscription dates stay text: standardize reads their several formats.
        data_type = schema.data_type(column)
        if column in ("birth_date", "subscription_start"):
            typed = F.col(column)
        elif column in schema.required:
            # Keys trimmed as the record id is: an order's " M000010 " is subscriber M000010's.
            typed = F.trim(F.col(column))
        elif isinstance(data_type, StringType | ArrayType):
            typed = _typed(column, data_type)
        else:
            typed = F.col(_typed_column(column)).cast(data_type)
        if column in unreadable:
            typed = F.when(~unreadable[column], typed)
        if f"_refused_{column}" in checked.columns:
            typed = F.when(F.col(f"_refused_{column}"), F.lit(False)).otherwise(typed)
        return typed.alias(column)

    extra = [dropped.alias(DROPPED_VALUES)] if drops else []
    accepted = checked.where(F.col("_problem").isNull()).select(
        F.lit(source.name).alias("source"),
        F.lit(source.kind).alias("source_kind"),
        "source_record_id",
        *[value(c) for c in schema.column_names],
        *extra,
        F.lit(run_id).alias("run_id"),
        F.col("source_file").alias(SOURCE_FILE),
    )
    return accepted, rejected


def ingest_source(spark: SparkSession, source: SourceConfig, run_id: str, run_year: int,
                  run_date: dt.date | None = None) -> IngestedSource:
    """Returns the accepted and rejected rows of one source (a statement dated after
    `run_date`, when given, is impossible: see validate).

    Raises MissingColumnError when a required column is absent and SourceReadError when the
    files cannot be read.
    """
    schema = source_schema(source.kind)
    try:
        arrays = source.format == "json" and is_json_array(spark, source)
        if arrays:
            log.info("source %s: read as JSON arrays of records", source.name)
        nanoseconds = nanosecond_columns(source)
        if nanoseconds:
            log.info("source %s: nanosecond timestamps read to the microsecond: %s",
                     source.name, ", ".join(nanoseconds))
            spark.conf.set(NANOS_AS_LONG, "true")
        # Read (and, as arrays, checked) once for the keys present and the rows.
        json_records = (_json_records(_reader(spark, source), source, arrays)
                        if source.format == "json" else None)
        present = _present_columns(spark, source, json_records)
    except SourceReadError:
        raise
    except Exception as exc:  # Spark raises AnalysisException subclasses for missing paths
        problem = str(exc).splitlines()[0]
        if "TIMESTAMP(NANOS" in problem:  # a remote file: its footer was not read here
            problem += (" (nanosecond timestamps, pandas' default, are read from local files "
                        "only: write them in microseconds, pandas: to_parquet(..., "
                        "coerce_timestamps='us'))")
        raise SourceReadError(
            f"source {source.name!r}: cannot read {source.format} at {source.path}: {problem}"
        ) from exc
    no_objects = not present and source.format in ("json", "csv")
    if no_objects:
        # No JSON object at all, or a CSV file without even a header line: an empty file (a
        # day without new profiles) is a source with no rows, not one without its key; JSON
        # lines that are not objects are still rejected.
        what = "no JSON object" if source.format == "json" else "not even a header line"
        log.warning("source %s: %s in %s: read as a source without rows",
                    source.name, what, source.path)
        present = [source.columns.get(c, c) for c in
                   (schema.required if source.format == "json" else schema.column_names)]
    try:
        nested = nested_fields(spark, source, present, json_records)
    except Exception as exc:  # the files were read above: this is unlikely
        raise SourceReadError(f"source {source.name!r}: cannot read {source.format} at "
                              f"{source.path}: {str(exc).splitlines()[0]}") from exc
    names = contract_names(source, schema, present, nested)
    for column in schema.required:
        if column not in names:
            own = source.columns.get(column, column)
            hints = [f"read as {column} by the source's columns" if own != column else "",
                     _separator_hint(source, present)]
            raise MissingColumnError(source.name, source.path, own,
                                     "; ".join(hint for hint in hints if hint))
    respelt = [f"{own!r} as {column}" for column, own in names.items() if own != column]
    if respelt:
        log.info("source %s: columns read as the contract spells them: %s",
                 source.name, ", ".join(respelt))
    # Without a single object, no column is absent: there is nothing to hold one.
    missing = () if no_objects else tuple(c for c in schema.column_names if c not in names)
    if missing:
        log.warning("source %s: contract columns absent, read as empty: %s",
                    source.name, ", ".join(missing))
    text_rows = read_source_as_text(spark, source, schema, present, names, json_records,
                                    nanoseconds)
    accepted, rejected = validate(text_rows, source, run_id, run_year, run_date)
    read = {*names.values(), *(_field_path(own)[0] for own in nested)}
    unused = tuple(c for c in present if c not in read and c.strip())
    if unused:
        log.info("source %s: columns the job does not read: %s", source.name, ", ".join(unused))
    return IngestedSource(source, accepted, rejected, missing, text_rows, unused)


def reject_orphan_orders(orders: IngestedSource, registry_accepted: DataFrame
                         ) -> IngestedSource:
    """Returns the orders split again: orders of subscribers the registry lacks are rejected."""
    known = registry_accepted.select(F.col("source_record_id").alias("_known")).distinct()
    joined = orders.accepted.join(
        known, orders.accepted["subscriber_id"] == known["_known"], "left"
    )
    orphan = joined.where(F.col("_known").isNull())
    raw_columns = [c for c in orders.accepted.columns
                   if c not in ("source", "source_kind", "source_record_id", "run_id",
                                SOURCE_FILE)]
    orphans = orphan.select(
        "source",
        F.col(SOURCE_FILE).alias("source_file"),
        "source_record_id",
        F.lit("unknown_subscriber").alias("reason"),
        F.lit("subscriber_id").alias("column"),
        F.to_json(F.struct(*[F.col(c).cast("string").alias(c) for c in raw_columns]))
        .alias("raw"),
        "run_id",
    )
    return IngestedSource(
        orders.source,
        joined.where(F.col("_known").isNotNull()).drop("_known"),
        orders.rejected.unionByName(orphans),
        orders.missing_columns,
        orders.read,
        orders.unused_columns,
    )


def reject_erased(part: IngestedSource, erased: ErasedKeys) -> IngestedSource:
    """Returns the source split again: the rows of records erased on request (jobs.privacy;
    `erased` their keys), and rejected rows whose raw text holds an erased identifier,
    are rejected as `erased`, with no raw row, no value and no
    record id kept (a handle or a cookie id is the person's too: only the count of such rows
    per source is told); an order goes with its subscriber's registry record.

    Run before reject_orphan_orders: an erased subscriber's orders are erased, not orphans.
    Erasures only accumulate: a few thousand keys are a list in the query, more a broadcast
    join (ErasedKeys.mark)."""
    if not erased:
        return part
    if part.source.kind == "orders":
        owner = F.concat_ws("/", F.lit(part.source.registry), F.col("subscriber_id"))
    else:
        owner = F.concat_ws("/", F.col("source"), F.col("source_record_id"))
    accepted = erased.mark(part.accepted, _ERASED_FLAG, owner)
    email_hash = _email_sha256_text(part.source.kind)
    if email_hash is not None:
        # A new record showing an email only the erased person held (jobs.privacy).
        accepted = (erased.mark(accepted, _EMAIL_ERASED_FLAG, erased_email_message(email_hash))
                    .withColumn(_ERASED_FLAG, F.col(_ERASED_FLAG)
                                | F.coalesce(F.col(_EMAIL_ERASED_FLAG), F.lit(False)))
                    .drop(_EMAIL_ERASED_FLAG))
    is_erased = F.col(_ERASED_FLAG)
    withheld = F.lit(None).cast("string")
    newly_rejected = accepted.where(is_erased).select(
        "source", F.col(SOURCE_FILE).alias("source_file"),
        withheld.alias("source_record_id"),
        F.lit(ERASED).alias("reason"), withheld.alias("column"), withheld.alias("raw"),
        "run_id")
    # A row rejected for another reason (a duplicate of the erased record, an order of the
    # erased subscriber with an unreadable amount) keeps no raw row either: it is rejected as
    # erased.
    rejected = erased.mark(part.rejected, _ERASED_FLAG,
                           F.concat_ws("/", F.col("source"), F.col("source_record_id")))
    rejected_erased = is_erased
    if part.source.kind == "orders":
        rejected = erased.mark(rejected, _OWNER_ERASED_FLAG,
                               order_owner(part.source.registry or "", F.col("raw")))
        rejected_erased = is_erased | F.coalesce(F.col(_OWNER_ERASED_FLAG), F.lit(False))
    # A rejected row whose raw text holds an erased person's email, phone, handle or cookie id
    # (a row without its key, a line that is not CSV) is theirs too.
    rejected = erased.mark_raw(rejected, _RAW_ERASED_FLAG)
    rejected_erased = rejected_erased | F.coalesce(F.col(_RAW_ERASED_FLAG), F.lit(False))
    rejected = rejected.select(
        "source", "source_file",
        F.when(~rejected_erased, F.col("source_record_id")).alias("source_record_id"),
        F.when(rejected_erased, F.lit(ERASED)).otherwise(F.col("reason")).alias("reason"),
        F.when(~rejected_erased, F.col("column")).alias("column"),
        F.when(~rejected_erased, F.col("raw")).alias("raw"),
        "run_id")
    return IngestedSource(
        part.source,
        accepted.where(~is_erased).drop(_ERASED_FLAG),
        rejected.unionByName(newly_rejected),
        part.missing_columns,
        part.read,
        part.unused_columns,
    )


def _email_sha256_text(kind: str) -> Column | None:
    """The hex SHA-256 of a row's email as the identifier index holds it (standardized as the
    job standardizes it, or an online source's own hash); None for orders."""
    if kind == "online":
        return standardize_email_sha256("email_sha256")
    if kind in ("registry", "social"):
        return F.sha2(standardize_email(F.col("email")), 256)
    return None


# reject_erased's working columns: the row's record, or its order's subscriber, was erased.
_ERASED_FLAG = "_erased"
_OWNER_ERASED_FLAG = "_owner_erased"
_RAW_ERASED_FLAG = "_raw_erased"  # its raw text holds an erased identifier
_EMAIL_ERASED_FLAG = "_email_erased"  # it shows an email only the erased person held
