"""Partner exports: the consenting members of the segments a partner receives, identified only by
a per-partner keyed hash (HMAC-SHA256) of their email and E.164 phone (conf/partners.yaml).

Per run, the rows go to the run-scoped `partner_exports` table, and each partner gets a file set
under <warehouse>/exports/<partner>/<run_id>/: members.csv, withdrawals.csv and manifest.json.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import logging
import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs import tables
from jobs.config import (
    ConfigError,
    SecretError,
    SecretRef,
    _check_keys,
    _expect_mapping,
    local_path,
    refuse_inline_secret,
    secret_ref,
)
from jobs.segments import (
    SEGMENT_NAME,
    load_segments,
    read_profiles_of_run,
    read_yaml,
    segments_file,
)

if TYPE_CHECKING:
    from jobs.pipeline import RunContext

log = logging.getLogger(__name__)

PARTNERS_FILE = "partners.yaml"
EXPORTS_FOLDER = "exports"
DEFAULT_MIN_SEGMENT_SIZE = 50
# Profile fields a partner may receive: none identifies a person on its own.
ALLOWED_FIELDS = ("country", "city", "age_band", "interests")
EXPORT_SCHEMA = ("partner string, segment string, customer_id string, match_key string, "
                 "key_type string, attributes map<string,string>, run_id string")
MEMBERS_FILE, WITHDRAWALS_FILE, MANIFEST_FILE = "members.csv", "withdrawals.csv", "manifest.json"
_E164 = r"^\+[1-9][0-9]{6,14}$"


# A partner's secret is not set, not readable or too short.
PartnerSecretError = SecretError


@dataclass(frozen=True)
class Partner:
    name: str
    segments: tuple[str, ...]
    fields: tuple[str, ...] = ()
    min_segment_size: int = DEFAULT_MIN_SEGMENT_SIZE
    secret_env: str | None = None  # the name of an environment variable holding the secret
    secret_file: str | None = None  # or the path of a file holding it (never the secret itself)


class PartnerExport(NamedTuple):
    partner: str
    folder: str
    exported: dict[str, int]  # segment -> customers exported
    withheld: dict[str, int]  # segment -> consenting customers with a match key, fewer than k
    withdrawals: int


def read_secret(partner: Partner) -> bytes:
    """Returns the partner's HMAC key from its environment variable or secret file."""
    return SecretRef(partner.secret_env, partner.secret_file).read(f"partner {partner.name!r}")


def _partner(file: Path, key: str, raw: Any, segment_names: Collection[str] | None) -> Partner:
    mapping = _expect_mapping(file, key, raw)
    refuse_inline_secret(file, key, mapping)
    _check_keys(file, key, mapping, {"name", "segments", "fields", "min_segment_size",
                                     "secret_env", "secret_file"})
    name = mapping.get("name")
    if not isinstance(name, str) or not SEGMENT_NAME.match(name):
        raise ConfigError(file, f"{key}.name", "required, lower-case letters, digits and _")
    segments = mapping.get("segments")
    if not isinstance(segments, list) or not segments or not all(
            isinstance(s, str) for s in segments):
        raise ConfigError(file, f"{key}.segments", "required, expected a list of segment names")
    for i, segment in enumerate(segments):
        if segment_names is not None and segment not in segment_names:
            raise ConfigError(file, f"{key}.segments[{i}]", f"{segment!r} is not a segment")
    fields = mapping.get("fields") or []
    if not isinstance(fields, list):
        raise ConfigError(file, f"{key}.fields", f"expected a list of {list(ALLOWED_FIELDS)}")
    for i, field in enumerate(fields):
        if field not in ALLOWED_FIELDS:
            raise ConfigError(file, f"{key}.fields[{i}]",
                              f"{field!r} may not be exported; allowed: {list(ALLOWED_FIELDS)}")
    k = mapping.get("min_segment_size", DEFAULT_MIN_SEGMENT_SIZE)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ConfigError(file, f"{key}.min_segment_size",
                          f"expected a positive integer, got {k!r}")
    secret = secret_ref(file, key, mapping)
    return Partner(
        name=name, segments=tuple(dict.fromkeys(segments)), fields=tuple(dict.fromkeys(fields)),
        min_segment_size=k, secret_env=secret.env, secret_file=secret.file,
    )


def parse_partners(raw: Any, file: Path, segment_names: Collection[str] | None = None
                   ) -> tuple[Partner, ...]:
    """Returns the partners held by `raw` (the parsed YAML of `file`); with `segment_names`,
    every segment a partner receives must be one of them."""
    top = _expect_mapping(file, "(top level)", raw)
    _check_keys(file, "", top, {"partners"})
    items = top.get("partners")
    if not isinstance(items, list):
        raise ConfigError(file, "partners", "required, expected a list of partners")
    partners: list[Partner] = []
    for i, item in enumerate(items):
        partner = _partner(file, f"partners[{i}]", item, segment_names)
        if any(p.name == partner.name for p in partners):
            raise ConfigError(file, f"partners[{i}].name", f"{partner.name!r} is used twice")
        partners.append(partner)
    return tuple(partners)


def load_partners(path: str | Path, segment_names: Collection[str] | None = None
                  ) -> tuple[Partner, ...]:
    """Returns the partners of the YAML file at `path` (see parse_partners)."""
    file = Path(path)
    return parse_partners(read_yaml(file), file, segment_names)


def keyed_hash(secret: bytes) -> Callable[[Column], Column]:
    """Returns a column function: the hex HMAC-SHA256 of a string column under `secret`.

    A Python (pandas) UDF rather than Spark's sha2 on key-padded literals: the key would then be
    a literal in the query plan, visible in the Spark UI and the event logs.
    """
    def digest(values: pd.Series) -> pd.Series:
        return values.map(lambda v: None if v is None else
                          hmac.new(secret, v.encode("utf-8"), hashlib.sha256).hexdigest())

    return F.pandas_udf(digest, "string")  # type: ignore[call-overload]


def match_keys(profiles: DataFrame, secret: bytes) -> DataFrame:
    """Returns (customer_id, match_key, key_type): one keyed hash per email (trimmed, lower case)
    and per E.164 phone of each profile. The plaintext never leaves this function."""
    emails = profiles.select("customer_id", F.explode("emails").alias("value"),
                             F.lit("email").alias("key_type"))
    phones = profiles.select("customer_id", F.explode("phones").alias("value"),
                             F.lit("phone").alias("key_type"))
    emails = emails.withColumn("value", F.lower(F.trim("value")))
    phones = phones.withColumn("value", F.trim("value"))
    values = (emails.where(F.col("value") != "")
              .unionByName(phones.where(F.col("value").rlike(_E164))).distinct())
    return values.select("customer_id", keyed_hash(secret)(F.col("value")).alias("match_key"),
                         "key_type")


def age_band(birth_date: Column, run_date: date) -> Column:
    """Returns the age band (under_18, 18-24, ..., 65+) on the run date; null when unknown."""
    age = F.floor(F.months_between(F.lit(run_date), birth_date) / 12)
    band = F.when(age.isNull(), F.lit(None).cast("string")).when(age < 18, "under_18")
    for low, high in ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64)):
        band = band.when(age <= high, f"{low}-{high}")
    return band.otherwise("65+")


def _field(name: str, run_date: date) -> Column:
    if name == "age_band":
        return age_band(F.col("birth_date"), run_date)
    if name == "interests":
        # Interests are web behaviour: shared only with consent to profiling.
        return F.when(F.coalesce(F.col("consent_profiling"), F.lit(False))
                      & (F.size("interests") > 0), F.array_join("interests", ";"))
    return F.col(name).cast("string")


def partner_attributes(profiles: DataFrame, fields: tuple[str, ...], run_date: date
                       ) -> DataFrame:
    """Returns (customer_id, attributes): the partner's fields as a map of strings."""
    pairs = [x for name in fields for x in (F.lit(name), _field(name, run_date))]
    attributes = F.create_map(*pairs).cast("map<string,string>")
    return profiles.select("customer_id", attributes.alias("attributes"))


def export_candidates(profiles: DataFrame, memberships: DataFrame, partner: Partner,
                      secret: bytes) -> DataFrame:
    """Returns (segment, customer_id, match_key, key_type) for the members of the partner's
    segments whose latest partner-sharing consent is yes and who have a match key."""
    members = memberships.where(F.col("segment").isin(*partner.segments)).select(
        "segment", "customer_id")
    consenting = profiles.where(F.coalesce(F.col("consent_partner_sharing"), F.lit(False)))
    keyed = match_keys(consenting.join(members.select("customer_id").distinct(), "customer_id"),
                       secret)
    return members.join(keyed, "customer_id").select("segment", "customer_id", "match_key",
                                                     "key_type")


def segment_counts(candidates: DataFrame) -> DataFrame:
    """Returns (segment, customers): the distinct exportable customers per segment."""
    return candidates.groupBy("segment").agg(F.countDistinct("customer_id").alias("customers"))


def export_rows(candidates: DataFrame, profiles: DataFrame, partner: Partner, run_id: str,
                run_date: date) -> DataFrame:
    """Returns the partner_exports rows: candidates of segments with at least k customers."""
    kept = segment_counts(candidates).where(F.col("customers") >= partner.min_segment_size)
    return (
        candidates.join(kept.select("segment"), "segment")
        .join(partner_attributes(profiles, partner.fields, run_date), "customer_id")
        .select(F.lit(partner.name).alias("partner"), "segment", "customer_id", "match_key",
                "key_type", "attributes", F.lit(run_id).alias("run_id"))
    )


def withdrawn_keys(earlier_exports: DataFrame, profiles: DataFrame, secret: bytes,
                   withdrawn_before: DataFrame | None = None) -> DataFrame:
    """Returns (match_key, key_type, reason) of keys exported to the partner in earlier runs
    that no consenting customer holds now: `consent_withdrawn` when a customer still holds the
    key, `no_longer_present` when none does (erased, or the identifier is gone).

    `withdrawn_before` (match_key, withdrawn_run: the last earlier run whose notice listed the
    key): a key withdrawn after its last export is not listed again."""
    consent = F.coalesce(F.col("consent_partner_sharing"), F.lit(False))
    holders = (
        match_keys(profiles, secret)
        .join(profiles.select("customer_id", consent.alias("consent")), "customer_id")
        .groupBy("match_key").agg(F.max("consent").alias("consenting"))
    )
    exported = earlier_exports.groupBy("match_key", "key_type").agg(
        F.max("run_id").alias("exported_run"))
    if withdrawn_before is not None:
        exported = (exported.join(withdrawn_before, "match_key", "left")
                    .where(F.col("withdrawn_run").isNull()
                           | (F.col("withdrawn_run") < F.col("exported_run"))))
    return (
        exported.join(holders, "match_key", "left")
        .where(~F.coalesce(F.col("consenting"), F.lit(False)))
        .select("match_key", "key_type",
                F.when(F.col("consenting").isNull(), "no_longer_present")
                .otherwise("consent_withdrawn").alias("reason"))
    )


def earlier_withdrawals(partner_folder: Path, run_id: str) -> list[tuple[str, str]]:
    """Returns (match_key, withdrawn_run) of every key listed in the partner's withdrawal
    notices of runs before `run_id` (its latest such run): the notices already sent."""
    latest: dict[str, str] = {}
    if not partner_folder.is_dir():
        return []
    for notice in sorted(partner_folder.glob(f"*/{WITHDRAWALS_FILE}")):
        run = notice.parent.name
        if run >= run_id:
            continue
        with notice.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("match_key") and latest.get(row["match_key"], "") < run:
                    latest[row["match_key"]] = run
    return sorted(latest.items())


def exports_root(warehouse: str) -> Path:
    """Returns the local folder holding the partner file sets."""
    folder = local_path(warehouse)
    if folder is None:
        raise ValueError(f"partner files are written with local file I/O; warehouse {warehouse!r}"
                         " must be a local or mounted path")
    return folder / EXPORTS_FOLDER


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entry(path: Path) -> dict[str, Any]:
    """A file's entry in a manifest: its SHA-256 and size."""
    return {"sha256": _sha256(path), "bytes": path.stat().st_size}


def write_withdrawals(path: Path, withdrawals: Collection[tuple[str, str, str]]) -> None:
    """Writes withdrawals.csv: (match_key, key_type, reason) rows, sorted, under a header."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["match_key", "key_type", "reason"])
        writer.writerows(sorted(withdrawals))


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Writes a file set's manifest.json (keys sorted, so a re-run writes the same bytes)."""
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")


def write_members(rows: DataFrame, fields: tuple[str, ...], folder: Path) -> None:
    """Writes members.csv with Spark (one file, sorted, so a re-run writes the same bytes)."""
    columns = [F.col("segment"), F.col("match_key"), F.col("key_type"),
               *[F.col("attributes")[f].alias(f) for f in fields]]
    staging = folder / "_members"
    (rows.select(*columns).orderBy("segment", "key_type", "match_key").coalesce(1)
     .write.mode("overwrite").option("header", True).csv(str(staging)))
    parts = sorted(staging.glob("part-*.csv"))
    if parts:
        parts[0].replace(folder / MEMBERS_FILE)
    else:
        (folder / MEMBERS_FILE).write_text(",".join(["segment", "match_key", "key_type",
                                                     *fields]) + "\n", encoding="utf-8")
    shutil.rmtree(staging)


def members_per_segment(rows: DataFrame) -> dict[str, tuple[int, int]]:
    """Returns, per segment of partner_exports `rows`, its customers and match keys."""
    return {row["segment"]: (int(row["customers"]), int(row["keys"])) for row in
            rows.groupBy("segment").agg(F.countDistinct("customer_id").alias("customers"),
                                        F.count("*").alias("keys")).collect()}


def manifest_segments(exported: dict[str, tuple[int, int]]) -> dict[str, dict[str, int]]:
    """The manifest's `segments`: customers and match keys per segment exported."""
    return {segment: {"customers": customers, "match_keys": keys}
            for segment, (customers, keys) in sorted(exported.items())}


def write_partner_files(folder: Path, partner: Partner, run_id: str, run_date: date,
                        rows: DataFrame, withdrawals: list[tuple[str, str, str]],
                        exported: dict[str, tuple[int, int]], withheld: list[str]) -> None:
    """Replaces the partner's file set of the run: members.csv, withdrawals.csv and last,
    manifest.json with the segment counts and each file's SHA-256."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    write_members(rows, partner.fields, folder)
    write_withdrawals(folder / WITHDRAWALS_FILE, withdrawals)
    manifest = {
        "partner": partner.name,
        "run_id": run_id,
        "run_date": run_date.isoformat(),
        "match_key": {"algorithm": "HMAC-SHA256, hex, with the secret agreed with the partner",
                      "email": "the email trimmed and lower-cased, UTF-8",
                      "phone": "the phone in E.164 form (+, country code, digits), UTF-8"},
        "min_segment_size": partner.min_segment_size,
        "segments": manifest_segments(exported),
        "withheld_segments": sorted(withheld),
        "withdrawals": len(withdrawals),
        "files": {name: file_entry(folder / name) for name in (MEMBERS_FILE, WITHDRAWALS_FILE)},
    }
    write_manifest(folder, manifest)


def partners_file(ctx: RunContext) -> Path:
    """Where the partners are configured: partners.yaml beside the run's configuration file."""
    return Path(ctx.config.file).resolve().parent / PARTNERS_FILE


def exports_stage(ctx: RunContext, path: Path | None = None,
                  segments_path: Path | None = None) -> None:
    """Exports this run's segment members to each partner: the partner_exports rows of the run
    (replaced on a re-run) and the partner's file set of the run (replaced too).

    Metrics (stage `exports`, source = partner): `members:<segment>`, `withheld:<segment>`,
    `match_keys`, `withdrawals`. Leaves [PartnerExport] in ctx.notes["exports"].
    """
    if "/" in ctx.run_id or ctx.run_id in ("", ".", ".."):
        raise ValueError(f"run id {ctx.run_id!r} cannot name a folder")
    rules = load_segments(segments_path or segments_file(ctx))
    partners = load_partners(path or partners_file(ctx), {rule.name for rule in rules})
    secrets = {partner.name: read_secret(partner) for partner in partners}  # fail before work
    root = exports_root(ctx.warehouse)
    with ctx.stage("exports"):
        spark, warehouse, run_id = ctx.spark, ctx.warehouse, ctx.run_id
        profiles = read_profiles_of_run(ctx)
        stored = tables.read_table(spark, warehouse, tables.SEGMENT_MEMBERSHIPS)
        memberships = None if stored is None else stored.where(F.col("run_id") == run_id)
        # A day on which no customer is in any segment exports nobody, and still sends the
        # day's withdrawals.
        if memberships is None or (memberships.isEmpty() and not tables.written_by_run(
                spark, warehouse, tables.SEGMENT_MEMBERSHIPS, run_id)):
            raise RuntimeError(f"no segment memberships for run {run_id}: run the segments stage "
                               "for this run first")
        earlier = tables.read_table(spark, warehouse, tables.PARTNER_EXPORTS)
        counts: dict[str, dict[str, int]] = {}
        frames, cached = [], []
        for partner in partners:
            candidates = export_candidates(profiles, memberships, partner,
                                           secrets[partner.name]).persist()
            cached.append(candidates)
            counts[partner.name] = {row["segment"]: int(row["customers"])
                                    for row in segment_counts(candidates).collect()}
            frames.append(export_rows(candidates, profiles, partner, run_id, ctx.run_date))
        rows = spark.createDataFrame([], EXPORT_SCHEMA)
        for frame in frames:
            rows = rows.unionByName(frame)
        tables.write_table(rows, warehouse, tables.PARTNER_EXPORTS, run_id=run_id)
        for frame in cached:
            frame.unpersist()
        written = tables.read_table(spark, warehouse, tables.PARTNER_EXPORTS)
        assert written is not None
        _remove_unconfigured(root, {p.name for p in partners}, run_id)
        summaries = []
        for partner in partners:
            summaries.append(_export_partner_files(
                ctx, partner, secrets[partner.name], profiles,
                written.where((F.col("partner") == partner.name) & (F.col("run_id") == run_id)),
                None if earlier is None else earlier.where(
                    (F.col("partner") == partner.name) & (F.col("run_id") < run_id)),
                counts[partner.name], root / partner.name / run_id))
        ctx.notes["exports"] = summaries


def _export_partner_files(ctx: RunContext, partner: Partner, secret: bytes, profiles: DataFrame,
                          rows: DataFrame, earlier: DataFrame | None, counts: dict[str, int],
                          folder: Path) -> PartnerExport:
    withheld = {s: counts.get(s, 0) for s in partner.segments
                if counts.get(s, 0) < partner.min_segment_size}
    per_segment = members_per_segment(rows)
    before = earlier_withdrawals(folder.parent, ctx.run_id)
    withdrawals = [] if earlier is None else [
        (r["match_key"], r["key_type"], r["reason"])
        for r in withdrawn_keys(earlier, profiles, secret, ctx.spark.createDataFrame(
            before, "match_key string, withdrawn_run string")).collect()]
    write_partner_files(folder, partner, ctx.run_id, ctx.run_date, rows, withdrawals,
                        per_segment, list(withheld))
    for segment, (customers, _keys) in per_segment.items():
        ctx.metric("exports", f"members:{segment}", customers, partner.name)
    for segment, size in withheld.items():
        ctx.metric("exports", f"withheld:{segment}", size, partner.name)
        log.info("partner %s: segment %s withheld (%d < %d)", partner.name, segment, size,
                 partner.min_segment_size)
    ctx.metric("exports", "match_keys", sum(k for _c, k in per_segment.values()), partner.name)
    ctx.metric("exports", "withdrawals", len(withdrawals), partner.name)
    return PartnerExport(partner.name, str(folder),
                         {s: c for s, (c, _k) in sorted(per_segment.items())}, withheld,
                         len(withdrawals))


def _remove_unconfigured(root: Path, partners: set[str], run_id: str) -> None:
    """Removes this run's file sets of partners no longer configured: the re-run replaced their
    table rows too."""
    if not root.is_dir():
        return
    for folder in root.glob(f"*/{run_id}"):
        if folder.parent.name not in partners and folder.is_dir():
            shutil.rmtree(folder)
