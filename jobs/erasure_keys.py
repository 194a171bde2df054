"""The keys the `erasures` table holds (jobs.privacy): what finds an erased record or identifier
again without holding its value.

A key is made from a message: a record id (`magazine/M000123`) or an identifier's kind and
normalized value (`phone:+358401234567`). With the configuration's `erasure_key`, a secret held
outside the warehouse as the partners' secrets are, a key is `hmac-<key id>:` followed by the
hex HMAC-SHA256 of the message under that secret: whoever reads the warehouse cannot test
whether a given subscriber or phone number was erased. Without one, a key is the plain hex
SHA-256 of the message, as every erasure stored it before keyed keys came in: anyone can
compute it from a record id or a phone number, so `erase` warns.

One table may hold both kinds (erasures made before the secret was configured); each key is
matched the way it was made. Keys made with another secret can never be matched: the job stops
before Spark starts rather than let the erased people come back.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import Column
from pyspark.sql import functions as F

from jobs import table_names
from jobs.config import Config
from jobs.exports import keyed_hash

_KEYED_PREFIX = "hmac-"
_KEY_ID_LENGTH = 8
# A stored key's key id, as SQL's regexp_extract reads it ("" for an unkeyed one).
KEY_ID_PATTERN = r"^hmac-([0-9a-f]+):"


class ErasureKeyError(RuntimeError):
    """The erasures table holds keys the configured erasure key cannot match."""


@dataclass(frozen=True)
class ErasureKeying:
    """How keys are made: under `secret` (HMAC-SHA256), or unkeyed SHA-256 when None."""
    secret: bytes | None = None

    @property
    def key_id(self) -> str | None:
        """A short name of the secret that tells two secrets apart and reveals nothing of it."""
        if self.secret is None:
            return None
        return hmac.new(self.secret, b"idres erasure key id",
                        hashlib.sha256).hexdigest()[:_KEY_ID_LENGTH]

    @property
    def prefix(self) -> str:
        return "" if self.secret is None else f"{_KEYED_PREFIX}{self.key_id}:"

    def text(self, message: str) -> str:
        """The key of `message`."""
        if self.secret is None:
            return hashlib.sha256(message.encode("utf-8")).hexdigest()
        return self.prefix + hmac.new(self.secret, message.encode("utf-8"),
                                      hashlib.sha256).hexdigest()

    def column(self, message: Column) -> Column:
        """The key of a string column (null where it is null). A keyed one is computed in a
        Python UDF: the secret never becomes a literal of the query plan."""
        if self.secret is None:
            return F.sha2(message, 256)
        return F.concat(F.lit(self.prefix), keyed_hash(self.secret)(message))

    def array_column(self, messages: Column) -> Column:
        """The keys of an array-of-strings column (null entries stay null)."""
        if self.secret is None:
            return F.transform(messages, lambda m: F.sha2(m, 256))
        secret, prefix = self.secret, self.prefix

        def digest(values: pd.Series) -> pd.Series:
            return values.map(lambda items: None if items is None else [
                None if m is None else
                prefix + hmac.new(secret, m.encode("utf-8"), hashlib.sha256).hexdigest()
                for m in items])

        return F.pandas_udf(digest, "array<string>")(messages)  # type: ignore[call-overload]


# Keys as every erasure made them before keyed keys came in, and without an erasure_key.
UNKEYED = ErasureKeying()


def configured_keying(config: Config) -> ErasureKeying:
    """Returns the keying the configuration asks for (its secret read); raises SecretError."""
    if config.erasure_key is None:
        return UNKEYED
    return ErasureKeying(config.erasure_key.read(f"{config.file}: `erasure_key`"))


def stored_key_ids(warehouse: str) -> set[str | None]:
    """Returns the key ids the erasures table's keys were made with (None: unkeyed SHA-256),
    read without Spark (delta-rs); empty when nothing was erased."""
    from jobs.run_history import table_dataset

    erasures = table_dataset(warehouse, table_names.ERASURES)
    if erasures is None:
        return set()
    ids: set[str | None] = set()
    for batch in erasures.to_batches(columns=["record_key"]):
        for key in batch.column(0).to_pylist():
            if key is not None:
                found = re.match(KEY_ID_PATTERN, key)
                ids.add(found.group(1) if found else None)
    return ids


def stored_keyings(warehouse: str, keying: ErasureKeying) -> tuple[ErasureKeying, ...]:
    """keyings_for the erasures table's keys as delta-rs reads them, before Spark starts (a
    warehouse delta-rs cannot read counts as holding none here: Spark's read decides then,
    see jobs.privacy.erased_record_keys)."""
    return keyings_for(stored_key_ids(warehouse), keying, warehouse)


def keyings_for(ids: set[str | None], keying: ErasureKeying, warehouse: str
                ) -> tuple[ErasureKeying, ...]:
    """Returns the keyings that match stored keys of the key `ids` (None: unkeyed; unkeyed
    first, if any): what ingest and a new erasure must compute. Raises ErasureKeyError when
    some keys were made with a secret other than `keying`'s, or with a secret when none is
    configured."""
    foreign = sorted(i for i in ids if i is not None and i != keying.key_id)
    if foreign:
        table = table_names.table_path(warehouse, table_names.ERASURES)
        configured = ("no erasure_key is configured" if keying.secret is None else
                      f"the configured erasure_key's id is {keying.key_id}")
        raise ErasureKeyError(
            f"{table} holds keys made with the erasure key of id {', '.join(foreign)}, and "
            f"{configured}: configure the secret those erasures were made with (without it, "
            "the erased people's records would come back)")
    found: list[ErasureKeying] = []
    if None in ids:
        found.append(UNKEYED)
    if keying.key_id is not None and keying.key_id in ids:
        found.append(keying)
    return tuple(found)


def check_erasure_key(config: Config) -> ErasureKeying:
    """Reads the configured erasure key and checks the stored keys against it, before Spark
    starts; returns the keying. Raises SecretError or ErasureKeyError."""
    keying = configured_keying(config)
    stored_keyings(config.warehouse, keying)
    return keying


def erasures_of(warehouse: str, keying: ErasureKeying, record_ids: Sequence[str] = (),
                customer_ids: Sequence[str] = ()) -> dict[str, str]:
    """Returns, of `record_ids` and `customer_ids`, those an erasure removed, each with the id
    of the (last) erasure request that did; read without Spark (delta-rs). Raises
    ErasureKeyError as keyings_for does."""
    from jobs.run_history import table_dataset

    erasures = table_dataset(warehouse, table_names.ERASURES)
    if erasures is None or not (record_ids or customer_ids):
        return {}
    keyings = stored_keyings(warehouse, keying)
    keys = {k.text(record): record for record in record_ids for k in keyings}
    wanted = (pc.field("record_key").isin(pa.array(list(keys), pa.string()))
              | pc.field("customer_id").isin(pa.array(list(customer_ids), pa.string())))
    found: dict[str, str] = {}
    rows = erasures.to_table(filter=wanted, columns=["record_key", "customer_id",
                                                     "requested_at", "run_id"])
    for row in sorted(rows.to_pylist(), key=lambda r: (str(r["requested_at"]), str(r["run_id"]))):
        if row["record_key"] in keys:
            found[keys[row["record_key"]]] = str(row["run_id"])
        if row["customer_id"] in customer_ids:
            found[row["customer_id"]] = str(row["run_id"])
    return found
