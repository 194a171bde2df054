"""Erasure on request (GDPR Art. 17, DESIGN principle 6): a customer's data out of every table
and every file of the warehouse, and kept out of later runs.

`python -m jobs erase --conf C --subscriber magazine:M000123` (or --email, --phone, --handle,
--cookie, --customer-id):

1. finds the customers holding the identifier (identifier_index) and their records
   (identity_crosswalk), with the orders of their registry records;
2. records the erasure in `erasures`: per record, a key of its record id, and per identifier
   of theirs (email, phone, handle, cookie id), a key of its kind and normalized value; nothing
   of their values (jobs.erasure_keys: keyed with the configured `erasure_key`). Ingest rejects
   a row whose key is there as `erased`, its raw row withheld, so that the person does not come
   back from a source that still holds them, and the row still ends in exactly one place
   (principle 3); a row rejected for another reason whose raw text holds one of the
   identifiers keeps no raw text either;
3. deletes their rows from every table that holds them (from `rejected_records` also the rows
   whose raw text holds one of their identifiers: a row without its key, a person none of whose
   rows was accepted), writes each partner that received their
   match keys a withdrawal notice, removes the keys from the partner files already written, and
   records an `erased` event per customer id (ids, counts, no values);
4. vacuums the tables it changed with no retention, so that no earlier version's file still
   holds the rows.

The deletes are driven by the whole `erasures` table, not only by this request: run again with
`--customer-id`, an erasure that stopped half way is completed.
"""

from __future__ import annotations

import csv
import json
import logging
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial, reduce
from pathlib import Path

import phonenumbers
from delta.tables import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import tables
from jobs.erasure_keys import KEY_ID_PATTERN, UNKEYED, ErasureKeying, keyings_for
from jobs.exports import (
    EXPORT_SCHEMA,
    MANIFEST_FILE,
    MEMBERS_FILE,
    WITHDRAWALS_FILE,
    exports_root,
    file_entry,
    manifest_segments,
    members_per_segment,
    write_manifest,
    write_members,
    write_withdrawals,
)
from jobs.lookup import Identifier

log = logging.getLogger(__name__)

ERASED = "erased"  # the rejection reason and the customer_id_events event
# Each erasure commit says which erasure made it (as run commits name their run).
ERASURE_COMMIT_PREFIX = "erasure:"


class ErasureError(ValueError):
    """An erasure request that cannot be carried out as given."""


@dataclass
class ErasureResult:
    request_id: str
    customers: list[str]
    records: int = 0
    orders: int = 0
    identifiers: int = 0  # identifier keys recorded (their rejected rows are the person's)
    rows_removed: dict[str, int] = field(default_factory=dict)
    # Per partner: the file with the match keys the partner must delete, and how many.
    notices: dict[str, tuple[str, int]] = field(default_factory=dict)
    partner_files_rewritten: int = 0
    files_vacuumed: int = 0


def order_owner(registry: str, raw: Column) -> Column:
    """The record id of the registry record a rejected order row (its raw row as read, JSON)
    belongs to; null when the raw row names no subscriber (a line that is not even CSV)."""
    subscriber = F.trim(F.get_json_object(raw, "$.subscriber_id"))
    return F.when(subscriber != "", F.concat_ws("/", F.lit(registry), subscriber))


# --- identifiers in rejected rows -------------------------------------------------------------
# A rejected row keeps its raw text (rejected_records.raw), and it may hold a person's email,
# phone, handle or cookie id while naming no record of theirs: a row without its key, a line
# that is not CSV, or a person none of whose rows was accepted. An erasure therefore also stores
# identifier keys beside the record keys: the key of an identifier's kind and normalized value
# (`kind:value`), never the value. The raw texts are cut into tokens, each token read the same
# way (raw_identifier_messages_sql), and a rejected row holding an erased key is the person's.
# Kinds: email_sha256 (the email's hex SHA-256), phone (E.164), phone_national (the national
# significant number, no leading zero), token (a handle without @, a cookie id; lower case).


# An email (by its SHA-256) that only the erased customers held: new records showing it, in
# any source, are the erased person's too and are kept out (jobs.ingest.reject_erased). Phones
# are not: households share them and carriers give numbers out again.
ERASED_EMAIL = "erased_email_sha256"


def erased_email_message(email_sha256: Column) -> Column:
    """What an erased person's own email is keyed from, given its hex SHA-256."""
    return F.concat(F.lit(f"{ERASED_EMAIL}:"), email_sha256)


def index_identifier_messages(identifier_type: str, value: str) -> list[str]:
    """What an identifier_index entry (type and value as the index holds them) is keyed from;
    nothing for a subscriber id, which names a record (its record key covers it)."""
    if identifier_type == "email_sha256":
        return [f"email_sha256:{value.lower()}"]
    if identifier_type == "phone":
        messages = [f"phone:{value}"]
        with suppress(phonenumbers.NumberParseException):
            messages.append(f"phone_national:{phonenumbers.parse(value).national_number}")
        return messages
    if identifier_type == "handle":
        return [f"token:{value.partition(':')[2].lstrip('@').lower()}"]
    if identifier_type == "cookie":
        return [f"token:{value.lower()}"]
    return []


# Tokens: what stays between characters no email, handle, cookie id or phone holds. A second
# cut first joins digit groups (+358 40 123 4567, (212) 555-0100) for phones.
_TOKEN_BREAK = r"[^a-z0-9@._+=/%-]+"
_DIGIT_GROUP_BREAK = r"(?<=[0-9])[ ().-]+(?=[0-9])"


def raw_identifier_messages_sql(raw: str) -> str:
    """SQL text of what every token of the text `raw` (SQL text) is keyed from, as an array of
    `kind:value`: an email token by its SHA-256, a 64-hex token as an email's hash, a phone in
    international (+..., 00...) or national form, and every token as a handle or cookie id."""
    lowered = f"lower({raw})"
    tokens = (f"array_distinct(concat(split({lowered}, '{_TOKEN_BREAK}'), "
              f"split(regexp_replace({lowered}, '{_DIGIT_GROUP_BREAK}', ''), '{_TOKEN_BREAK}')))")
    keyed = (
        "array("
        "CASE WHEN t RLIKE '^[^@]+@[^@]+$' THEN concat('email_sha256:', sha2(t, 256)) END, "
        "CASE WHEN t RLIKE '^[0-9a-f]{64}$' THEN concat('email_sha256:', t) END, "
        "CASE WHEN t RLIKE '^[+][0-9]{6,}$' THEN concat('phone:', t) END, "
        "CASE WHEN t RLIKE '^00[0-9]{6,}$' THEN concat('phone:+', substr(t, 3)) END, "
        "CASE WHEN t RLIKE '^[0-9]{6,}$' THEN "
        "concat('phone_national:', regexp_replace(t, '^0+', '')) END, "
        "CASE WHEN t != '' THEN concat('token:', regexp_replace(t, '^@+', '')) END)"
    )
    return f"filter(flatten(transform({tokens}, t -> {keyed})), k -> k IS NOT NULL)"


def raw_identifier_keys(keying: ErasureKeying) -> Column:
    """The identifier keys of every token of the column `raw` (an array)."""
    return keying.array_column(F.expr(raw_identifier_messages_sql("raw")))


def raws_holding(frame: DataFrame, keys: DataFrame,
                 keyings: Sequence[ErasureKeying]) -> DataFrame:
    """Returns the distinct `raw` texts of `frame` holding any of `keys` (column `record_key`:
    identifier keys, record keys among them do no harm), keyed each of the `keyings`' ways."""
    raws = frame.where(F.col("raw").isNotNull()).select("raw").distinct()
    tokens = None
    for keying in keyings:
        keyed = raws.select("raw", F.explode(raw_identifier_keys(keying)).alias("_key"))
        tokens = keyed if tokens is None else tokens.unionByName(keyed)
    if tokens is None:
        return raws.limit(0)
    return (tokens.join(F.broadcast(keys.select(F.col("record_key").alias("_key"))), "_key",
                        "left_semi")
            .select("raw").distinct())


# Up to this many erased records' keys, ingest writes them into its query as one list (a hash
# set; jobs.tables.sql_in); beyond, it joins a frame of them, broadcast. A list is analyzed
# again by every plan built on it. `make bench-erasure` (2026-12-05), the demo's six sources
# split and counted: 1,000 keys 3.4 s listed, 3.9 s joined; 5,000 keys 3.3 and 4.1 s; 20,000
# keys 9.5 and 3.7 s; 100,000 keys 66 and 6.4 s.
MAX_LISTED_ERASURES = 5_000


@dataclass(frozen=True)
class ErasedKeys:
    """The `record_key`s of every erasure, as ingest matches them (jobs.ingest.reject_erased):
    `listed` (sorted) when they are few, else `frame` (one column, `record_key`, distinct);
    `keyings`: the ways the keys were made (jobs.erasure_keys), each tried."""
    listed: tuple[str, ...] = ()
    frame: DataFrame | None = None
    keyings: tuple[ErasureKeying, ...] = (UNKEYED,)

    @classmethod
    def of(cls, spark: SparkSession, keys: Collection[str],
           max_listed: int = MAX_LISTED_ERASURES,
           keyings: tuple[ErasureKeying, ...] = (UNKEYED,)) -> ErasedKeys:
        """Returns `keys` (record keys) held as erased_record_keys holds the stored ones."""
        distinct = sorted(set(keys))
        if len(distinct) <= max_listed:
            return cls(listed=tuple(distinct), keyings=keyings)
        return cls(frame=tables.values_frame(spark, "record_key", distinct).persist(),
                   keyings=keyings)

    def __bool__(self) -> bool:
        return bool(self.listed) or self.frame is not None

    def mark(self, frame: DataFrame, flag: str, message: Column) -> DataFrame:
        """Returns `frame` with the boolean column `flag`: the key of `message` (a record id)
        was erased; null where `message` is null."""
        flags = [f"{flag}_{i}" for i in range(len(self.keyings))]
        for keying, name in zip(self.keyings, flags, strict=True):
            frame = self._mark_key(frame, name, keying.column(message))
        # Each is null exactly where the message is: SQL's OR keeps that null.
        return frame.withColumn(flag, reduce(operator.or_, [F.col(n) for n in flags], F.lit(False))
                                ).drop(*flags)

    def _mark_key(self, frame: DataFrame, flag: str, key: Column) -> DataFrame:
        """Returns `frame` with the boolean column `flag`: `key` is among the keys; null where
        `key` is null."""
        with_key = frame.withColumn(flag, key)
        if self.frame is None:
            return with_key.withColumn(flag, F.expr(tables.sql_in(f"`{flag}`", self.listed)))
        found, matched = f"{flag}_found", f"{flag}_key"
        erased = F.broadcast(self.frame.select(F.col("record_key").alias(matched),
                                               F.lit(True).alias(found)))
        return (with_key.join(erased, F.col(flag) == F.col(matched), "left")
                .withColumn(flag, F.when(F.col(flag).isNotNull(),
                                         F.coalesce(F.col(found), F.lit(False))))
                .drop(matched, found))

    def mark_raw(self, frame: DataFrame, flag: str) -> DataFrame:
        """Returns `frame` with the boolean column `flag`: its `raw` text holds an erased
        identifier (raw_identifier_messages_sql); null where `raw` is null."""
        if self.frame is None:
            held, keys = tables.sql_in("k", self.listed), f"{flag}_keys"
            flags = [f"{flag}_{i}" for i in range(len(self.keyings))]
            for keying, name in zip(self.keyings, flags, strict=True):
                frame = (frame.withColumn(keys, raw_identifier_keys(keying))
                         .withColumn(name, F.expr(f"exists(`{keys}`, k -> {held})"))
                         .drop(keys))
            found = reduce(operator.or_, [F.col(n) for n in flags], F.lit(False))
            return frame.withColumn(flag, F.when(F.col("raw").isNotNull(), found)).drop(*flags)
        held_raws = raws_holding(frame, self.frame, self.keyings).withColumn(
            f"{flag}_found", F.lit(True))
        return (frame.join(held_raws, "raw", "left")
                .withColumn(flag, F.when(F.col("raw").isNotNull(),
                                         F.coalesce(F.col(f"{flag}_found"), F.lit(False))))
                .drop(f"{flag}_found"))

    def release(self) -> None:
        """Frees the frame's cached keys, if any."""
        if self.frame is not None:
            self.frame.unpersist()


def erased_record_keys(spark: SparkSession, warehouse: str,
                       keying: ErasureKeying = UNKEYED,
                       max_listed: int = MAX_LISTED_ERASURES) -> ErasedKeys:
    """Returns the `record_key`s of every erasure (none when nothing was erased): listed when
    there are at most `max_listed`, else as a persisted frame (release it after use). Raises
    jobs.erasure_keys.ErasureKeyError when `keying` (the configured one) cannot match them."""
    stored = tables.read_table(spark, warehouse, tables.ERASURES)
    if stored is None:
        return ErasedKeys()
    # Kept before it is first read: the count up to the limit and, when there are many, the
    # joins then read the same distinct keys, not each the erasures table again.
    keys = stored.select("record_key").distinct().persist()
    keyings = stored_keys_keyings(keys, keying, warehouse)
    if not keyings:
        keys.unpersist()
        return ErasedKeys()
    few = [row["record_key"] for row in keys.limit(max_listed + 1).collect()]
    if len(few) <= max_listed:
        keys.unpersist()
        return ErasedKeys(listed=tuple(sorted(few)), keyings=keyings)
    return ErasedKeys(frame=keys, keyings=keyings)


def stored_keys_keyings(keys: DataFrame, keying: ErasureKeying, warehouse: str
                        ) -> tuple[ErasureKeying, ...]:
    """jobs.erasure_keys.keyings_for the stored `keys` (column `record_key`) as Spark reads
    them: the check before Spark starts reads them with delta-rs, which may not reach a remote
    warehouse, and must never let an erased person back for that."""
    ids = {row[0] or None for row in keys.select(
        F.regexp_extract("record_key", KEY_ID_PATTERN, 1)).distinct().collect()}
    return keyings_for(ids, keying, warehouse)


def find_customers(spark: SparkSession, warehouse: str, identifier: Identifier) -> list[str]:
    """Returns the customer ids the identifier index holds for the identifier."""
    index = tables.read_table(spark, warehouse, tables.IDENTIFIER_INDEX)
    if index is None:
        raise ErasureError(f"{tables.table_path(warehouse, tables.IDENTIFIER_INDEX)}: no "
                           "identifier index; run the job first")
    found = index.where((F.col("identifier_type") == identifier.type)
                        & F.col("identifier_value").isin(list(identifier.values)))
    return sorted({row["customer_id"] for row in found.select("customer_id").collect()})


def known_customers(spark: SparkSession, warehouse: str, customer_ids: Sequence[str]
                    ) -> list[str]:
    """Returns those of `customer_ids` the crosswalk holds or an earlier erasure recorded (an
    erasure that stopped half way is completed by naming its customer ids)."""
    known: set[str] = set()
    for table in (tables.IDENTITY_CROSSWALK, tables.ERASURES):
        frame = tables.read_table(spark, warehouse, table)
        if frame is not None:
            known |= {row["customer_id"] for row in frame.where(
                F.col("customer_id").isin(list(customer_ids))).select("customer_id")
                .distinct().collect()}
    return sorted(known)


def erasure_rows(spark: SparkSession, warehouse: str, customers: Sequence[str],
                 request_id: str, requested_at: datetime, keying: ErasureKeying) -> DataFrame:
    """Returns the `erasures` rows of the customers' records and of their registry records'
    orders (one per record id, keyed), with `is_order` (not stored) telling the two apart."""
    wanted = F.col("customer_id").isin(list(customers))
    crosswalk = tables.read_table(spark, warehouse, tables.IDENTITY_CROSSWALK)
    frames = []
    if crosswalk is not None:
        records = crosswalk.where(wanted).select("record_id", "customer_id")
        frames.append(records.withColumn("is_order", F.lit(False)))
        orders = tables.read_table(spark, warehouse, tables.ORDERS)
        if orders is not None:
            frames.append(orders.join(records, "record_id").select(
                F.concat_ws("/", "source", "order_id").alias("record_id"), "customer_id",
                F.lit(True).alias("is_order")))
    rows = spark.createDataFrame([], "record_id string, customer_id string, is_order boolean")
    for frame in frames:
        rows = rows.unionByName(frame)
    return rows.select(keying.column(F.col("record_id")).alias("record_key"), "customer_id",
                       F.lit(requested_at).cast("timestamp").alias("requested_at"),
                       F.lit(request_id).alias("run_id"), "is_order").distinct()


def identifier_erasure_keys(spark: SparkSession, warehouse: str, customers: Sequence[str],
                            identifier: Identifier | None, keying: ErasureKeying
                            ) -> list[tuple[str, str | None]]:
    """Returns (identifier key, customer id) of every identifier the index holds for the
    customers, and of the requested identifier (customer id None when no customer holds it):
    what finds their rejected rows (raw_identifier_messages_sql)."""
    found: dict[tuple[str, str | None], None] = {}
    index = tables.read_table(spark, warehouse, tables.IDENTIFIER_INDEX)
    if index is not None and customers:
        theirs = index.where(F.col("customer_id").isin(list(customers))).select(
            "identifier_type", "identifier_value", "customer_id").collect()
        emails = sorted({r["identifier_value"] for r in theirs
                         if r["identifier_type"] == "email_sha256"})
        shared = {r["identifier_value"] for r in index.where(
            (F.col("identifier_type") == "email_sha256")
            & F.expr(tables.sql_in("identifier_value", emails))
            & ~F.col("customer_id").isin(list(customers))).select("identifier_value").collect()}
        for row in theirs:
            kind, value = row["identifier_type"], row["identifier_value"]
            for message in index_identifier_messages(kind, value):
                found[(keying.text(message), row["customer_id"])] = None
            if kind == "email_sha256" and value not in shared:
                found[(keying.text(f"{ERASED_EMAIL}:{value.lower()}"), row["customer_id"])] = None
    keys_found = {key for key, _customer in found}
    if identifier is not None:
        keys = [keying.text(message) for value in identifier.values
                for message in index_identifier_messages(identifier.type, value)]
        if identifier.type == "email_sha256" and not customers:  # no customer holds it
            keys += [keying.text(f"{ERASED_EMAIL}:{v.lower()}") for v in identifier.values]
        for key in keys:
            if key not in keys_found:
                found[(key, None)] = None
    return list(found)


def rejected_rows_holding(spark: SparkSession, warehouse: str, identifier: Identifier,
                          keying: ErasureKeying) -> int:
    """Counts the rejected rows whose raw text holds the identifier."""
    rejected = tables.read_table(spark, warehouse, tables.REJECTED_RECORDS)
    keys = sorted({keying.text(message) for value in identifier.values
                   for message in index_identifier_messages(identifier.type, value)})
    if rejected is None or not keys:
        return 0
    held = raws_holding(rejected, tables.values_frame(spark, "record_key", keys), (keying,))
    return rejected.join(held, "raw", "left_semi").count()


# Tables whose rows name records: the columns holding a record id (rejected_records, which
# names a row by source and source_record_id, is handled on its own).
_BY_RECORD = {
    tables.STANDARDIZED_RECORDS: ("record_id",),
    tables.ORDERS: ("record_id",),
    tables.MATCH_PAIRS: ("record_l", "record_r"),
    tables.LINK_DECISIONS: ("record_l", "record_r"),
}
# The tables an erasure finds its records again by (an interrupted one included): of the
# tables below, deleted from last.
_FINDING_TABLES = (tables.IDENTIFIER_INDEX, tables.IDENTITY_CROSSWALK)
# Tables whose rows name a customer id.
_BY_CUSTOMER = (tables.CUSTOMER_PROFILES, tables.SEGMENT_MEMBERSHIPS, tables.PARTNER_EXPORTS,
                *_FINDING_TABLES)


@contextmanager
def erasure_commits(spark: SparkSession, request_id: str) -> Iterator[None]:
    """Within: every Delta commit names the erasure."""
    with tables.session_settings(spark, {
            "spark.databricks.delta.commitInfo.userMetadata":
                f"{ERASURE_COMMIT_PREFIX}{request_id}"}):
        yield


def _delete_matching(spark: SparkSession, warehouse: str, table: str, keys: DataFrame,
                     columns: Sequence[str]) -> int:
    """Deletes the rows of `table` whose `columns` all equal those of a row of `keys`; returns
    how many."""
    target = DeltaTable.forPath(spark, tables.table_path(warehouse, table))
    condition = reduce(operator.and_, [F.col(f"t.{c}") == F.col(f"k.{c}") for c in columns])
    metrics = (target.alias("t").merge(keys.alias("k"), condition)
               .whenMatchedDelete().execute().first())
    return 0 if metrics is None else int(metrics["num_deleted_rows"])


def delete_erased_rows(spark: SparkSession, warehouse: str, customers: Sequence[str],
                       order_registries: dict[str, str], keying: ErasureKeying
                       ) -> dict[str, int]:
    """Deletes every erased record's and erased customer's rows from the tables holding them
    (all erasures' records, so that a repeated request completes an interrupted one); returns
    the rows removed per table. `order_registries`: each orders source's registry source (a
    rejected order is erased with its subscriber); `keying`: the configured erasure key
    (each stored key is matched the way it was made)."""
    stored = tables.read_table(spark, warehouse, tables.ERASURES)
    if stored is None:
        return {}
    record_keys = stored.select("record_key").distinct().persist()
    keyings = stored_keys_keyings(record_keys, keying, warehouse)
    erased = ErasedKeys(frame=record_keys, keyings=keyings)
    erased_customers = stored.select("customer_id").union(
        tables.values_frame(spark, "customer_id", customers)).distinct()
    removed: dict[str, int] = {}

    def delete(table: str, columns: Sequence[str], keys: DataFrame | list[tuple[str, ...]]
               ) -> None:
        if isinstance(keys, list):
            if not keys:
                return
            keys = spark.createDataFrame(keys, ", ".join(f"{c} string" for c in columns))
        removed[table] = removed.get(table, 0) + _delete_matching(
            spark, warehouse, table, keys, columns)

    def erased_values(table: str, columns: Sequence[str], message: Column,
                      where: Column | None = None) -> list[tuple[str, ...]]:
        """The distinct `columns` of the rows of `table` (read afresh) whose `message` (a
        record id) was erased. Collected: a merge's source would otherwise be read from its
        own target."""
        frame = tables.read_table(spark, warehouse, table)
        if frame is None:
            return []
        if where is not None:
            frame = frame.where(where)
        marked = erased.mark(frame.select(*columns, message.alias("_message")).distinct(),
                             "_erased", F.col("_message"))
        return [tuple(r) for r in marked.where("_erased").select(*columns).collect()]

    def by_record(table: str, columns: Sequence[str]) -> None:
        for column in columns:
            delete(table, (column,), erased_values(table, (column,), F.col(column)))

    def rejected_rows() -> None:
        rejected_table = tables.REJECTED_RECORDS
        row_key = ("source", "source_record_id")
        delete(rejected_table, row_key, erased_values(rejected_table, row_key, F.concat_ws(
            "/", F.col("source"), F.col("source_record_id"))))
        for orders, registry in sorted(order_registries.items()):
            delete(rejected_table, ("source", "raw"), erased_values(
                rejected_table, ("source", "raw"), order_owner(registry, F.col("raw")),
                F.col("source") == orders))
        rejected = tables.read_table(spark, warehouse, rejected_table)
        if rejected is not None:
            delete(rejected_table, ("raw",), [(row["raw"],) for row in raws_holding(
                rejected, record_keys, keyings).collect()])

    def by_customer(table: str) -> None:
        if tables.table_exists(spark, warehouse, table):
            delete(table, ("customer_id",), erased_customers)

    # Each task deletes from tables of its own, the finding tables after all others.
    try:
        first: list[Callable[[], None]] = [
            *[partial(by_record, t, c) for t, c in _BY_RECORD.items()], rejected_rows,
            *[partial(by_customer, t) for t in _BY_CUSTOMER if t not in _FINDING_TABLES]]
        tables.concurrently(first)
        tables.concurrently([partial(by_customer, t) for t in _FINDING_TABLES])
    finally:
        erased.release()
    return {table: removed[table] for table in sorted(removed, key=ERASED_FROM.index)}


def vacuum_tables(spark: SparkSession, warehouse: str, names: Sequence[str]) -> int:
    """Removes every file the tables' current versions do not use, with no retention (earlier
    versions become unreadable), files of failed writes included; returns the files removed."""
    return tables.vacuum(spark, warehouse, names, retention_hours=0.0)


# --- the request, start to end ------------------------------------------------------------------

ERASURE_ROWS = "record_key string, customer_id string, requested_at timestamp, run_id string"
# Tables an erasure deletes from, vacuumed after every erasure (also those an interrupted one
# had already changed).
ERASED_FROM = (*_BY_RECORD, tables.REJECTED_RECORDS, *_BY_CUSTOMER)


def erase(spark: SparkSession, warehouse: str, customers: Sequence[str], request_id: str,
          requested_at: datetime, order_registries: dict[str, str],
          identifier: Identifier | None = None, keying: ErasureKeying = UNKEYED
          ) -> ErasureResult:
    """Erases the customers (see the module doc), and the rejected rows holding their
    identifiers or the requested `identifier` (which no customer need hold); returns what was
    removed and written. `order_registries`: each orders source's registry source; `keying`:
    how the new keys are made (jobs.erasure_keys, the configured erasure key)."""
    if not customers and identifier is None:
        raise ErasureError("no customer to erase")
    result = ErasureResult(request_id, sorted(customers))
    with erasure_commits(spark, request_id):
        found = erasure_rows(spark, warehouse, customers, request_id, requested_at,
                             keying).collect()
        result.orders = sum(1 for r in found if r["is_order"])
        result.records = len(found) - result.orders
        identifiers = identifier_erasure_keys(spark, warehouse, customers, identifier, keying)
        result.identifiers = len({key for key, _customer in identifiers})
        rows = [(r["record_key"], r["customer_id"], r["requested_at"], r["run_id"])
                for r in found]
        rows += [(key, customer, requested_at, request_id) for key, customer in identifiers]
        if rows:
            stored = tables.read_table(spark, warehouse, tables.ERASURES)
            earlier = [] if stored is None else [tuple(r) for r in stored.where(
                F.col("run_id") == request_id).select(
                "record_key", "customer_id", "requested_at", "run_id").collect()]
            kept = {(key, customer): (key, customer, at, run)
                    for key, customer, at, run in [*rows, *earlier]}  # the first time kept
            tables.write_table(spark.createDataFrame(
                [kept[k] for k in sorted(kept, key=lambda k: (k[0], k[1] or ""))], ERASURE_ROWS),
                warehouse, tables.ERASURES, run_id=request_id)
        exported = _exported_keys(spark, warehouse, customers)
        result.rows_removed = delete_erased_rows(spark, warehouse, customers, order_registries,
                                                 keying)
        records_per_customer: dict[str, int] = defaultdict(int)
        for row in found:
            records_per_customer[row["customer_id"]] += not row["is_order"]
        # One event per customer whose records this request found (completing an interrupted
        # erasure that had recorded its events adds none).
        events = [(ERASED, c, None, n, request_id) for c, n in sorted(records_per_customer.items())
                  if n]
        if events:
            tables.write_table(spark.createDataFrame(
                events, "event string, customer_id string, other_customer_id string, "
                "records bigint, run_id string"),
                warehouse, tables.CUSTOMER_ID_EVENTS, run_id=request_id)
        if exported:
            root = exports_root(warehouse)
            # A key another exported customer still holds (a household's phone) is theirs
            # too: the partner is not told to delete it.
            held = _keys_still_exported(spark, warehouse, {(e[0], e[4]) for e in exported})
            result.notices = write_erasure_notices(
                root, request_id, requested_at, [e for e in exported if (e[0], e[4]) not in held])
            result.partner_files_rewritten = rewrite_partner_files(
                spark, warehouse, root, request_id, {(e[0], e[1]) for e in exported})
        result.files_vacuumed = vacuum_tables(spark, warehouse, ERASED_FROM)
    log.info("erasure %s: %d customer(s), %d records, %d orders, %d old files removed",
             request_id, len(result.customers), result.records, result.orders,
             result.files_vacuumed)
    return result


def _exported_keys(spark: SparkSession, warehouse: str, customers: Sequence[str]
                   ) -> list[tuple[str, str, str, str, str, str]]:
    """Returns (partner, run_id, segment, customer_id, match_key, key_type) of every export
    of the customers."""
    exports = tables.read_table(spark, warehouse, tables.PARTNER_EXPORTS)
    if exports is None:
        return []
    return [tuple(r) for r in exports.where(F.col("customer_id").isin(list(customers))).select(
        "partner", "run_id", "segment", "customer_id", "match_key", "key_type").collect()]


def write_erasure_notices(root: Path, request_id: str, requested_at: datetime,
                          exported: Sequence[tuple[str, str, str, str, str, str]]
                          ) -> dict[str, tuple[str, int]]:
    """Writes, per partner that received the erased customers' match keys, a file set
    <root>/<partner>/<request_id>/: withdrawals.csv (match_key, key_type, reason `erased`) and
    manifest.json. The partner must delete those keys (GDPR Art. 19); returns, per partner,
    the file and the number of keys."""
    keys: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for partner, _run, _segment, _customer, match_key, key_type in exported:
        keys[partner].add((match_key, key_type))
    notices = {}
    for partner, pairs in sorted(keys.items()):
        folder = root / partner / request_id
        folder.mkdir(parents=True, exist_ok=True)
        write_withdrawals(folder / WITHDRAWALS_FILE,
                          [(key, kind, ERASED) for key, kind in pairs])
        write_manifest(folder, {
            "partner": partner,
            "erasure": request_id,
            "requested_at": requested_at.isoformat(),
            "withdrawals": len(pairs),
            "files": {WITHDRAWALS_FILE: file_entry(folder / WITHDRAWALS_FILE)},
        })
        notices[partner] = (str(folder / WITHDRAWALS_FILE), len(pairs))
    return notices


def _keys_still_exported(spark: SparkSession, warehouse: str,
                         keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Returns those (partner, match_key) of `keys` that partner_exports still holds (for
    customers not erased), in any run."""
    exports = tables.read_table(spark, warehouse, tables.PARTNER_EXPORTS)
    if exports is None or not keys:
        return set()
    wanted = F.expr(tables.sql_in("match_key", sorted({key for _p, key in keys})))
    found = exports.where(wanted).select("partner", "match_key").distinct().collect()
    return {(r["partner"], r["match_key"]) for r in found} & keys


def rewrite_partner_files(spark: SparkSession, warehouse: str, root: Path, request_id: str,
                          runs: set[tuple[str, str]]) -> int:
    """Writes the members.csv of each (partner, run) in `runs` again from the partner_exports
    rows left after the erasure, and its manifest with the new counts and checksum and the
    erasure's id; returns the file sets rewritten. Rows, not keys, go: a household's phone key
    exported for another customer stays."""
    exports = tables.read_table(spark, warehouse, tables.PARTNER_EXPORTS)
    rewritten = 0
    for partner, run_id in sorted(runs):
        folder = root / partner / run_id
        if not (folder / MEMBERS_FILE).is_file():
            continue
        with (folder / MEMBERS_FILE).open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
        fields = tuple(header[3:])  # segment, match_key, key_type, then the partner's fields
        rows = (spark.createDataFrame([], EXPORT_SCHEMA) if exports is None else
                exports.where((F.col("partner") == partner) & (F.col("run_id") == run_id)))
        write_members(rows, fields, folder)
        manifest_path = folder / MANIFEST_FILE
        if manifest_path.is_file():
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            manifest["segments"] = manifest_segments(members_per_segment(rows))
            manifest.setdefault("erasures", []).append(request_id)
            manifest["files"][MEMBERS_FILE] = file_entry(folder / MEMBERS_FILE)
            write_manifest(folder, manifest)
        rewritten += 1
    return rewritten
