"""Declared schemas (schemas/*.yaml): one per source kind and per output table. Never inferred."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"

_SIMPLE: dict[str, DataType] = {
    "string": StringType(),
    "boolean": BooleanType(),
    "int": IntegerType(),
    "bigint": LongType(),
    "double": DoubleType(),
    "date": DateType(),
    "timestamp": TimestampType(),
}
_DECIMAL = re.compile(r"^decimal\((\d+),\s*(\d+)\)$")


def parse_type(text: str) -> DataType:
    """Returns the Spark type for the small type language of schemas/ (no Spark session needed)."""
    text = text.strip().lower()
    if text in _SIMPLE:
        return _SIMPLE[text]
    if text.startswith("array<") and text.endswith(">"):
        return ArrayType(parse_type(text[6:-1]), True)
    decimal = _DECIMAL.match(text)
    if decimal:
        return DecimalType(int(decimal.group(1)), int(decimal.group(2)))
    raise ValueError(f"unsupported type {text!r} in schemas/")


@dataclass(frozen=True)
class DeclaredSchema:
    name: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (column, Spark SQL type)
    required: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def data_type(self, column: str) -> DataType:
        """Returns the Spark type declared for `column`."""
        return parse_type(dict(self.columns)[column])

    def struct(self) -> StructType:
        """Returns the schema as a Spark StructType (all columns nullable)."""
        return StructType([StructField(n, parse_type(t), True) for n, t in self.columns])


@cache
def _load(path: Path) -> DeclaredSchema:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    columns = tuple((str(k), str(v)) for k, v in raw["columns"].items())
    key = tuple(raw["key"])
    return DeclaredSchema(
        name=raw.get("kind") or raw["table"],
        key=key,
        columns=columns,
        required=tuple(raw.get("required", key)),
    )


def source_schema(kind: str) -> DeclaredSchema:
    """Returns the declared input contract of a source kind."""
    return _load(SCHEMAS_DIR / f"{kind}.yaml")


def table_schema(table: str) -> DeclaredSchema:
    """Returns the declared schema of an output table."""
    return _load(SCHEMAS_DIR / "tables" / f"{table}.yaml")
