"""Profiles: one golden record per customer, and the identifier index for point look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jobs.config import ADDRESS_PARTS, GOLDEN_ATTRIBUTES, Survivorship
from jobs.nicknames import familiar_forms, names_map

# Survivorship: the most trusted kind of source wins, then the most recent statement.
KIND_TRUST = {"registry": 3, "social": 2, "online": 1}


def _trust() -> Column:
    mapping = F.create_map(*[x for kind, t in KIND_TRUST.items() for x in (F.lit(kind), F.lit(t))])
    return F.coalesce(mapping[F.col("source_kind")], F.lit(0))


def _source_rank(priority: tuple[str, ...]) -> Column:
    """Listed sources outrank every kind's trust (0-3), the first listed highest."""
    if not priority:
        return _trust()
    listed = F.create_map(*[x for i, name in enumerate(priority)
                            for x in (F.lit(name), F.lit(len(priority) - i + 10))])
    return F.coalesce(listed[F.col("source")], _trust())


@dataclass(frozen=True)
class Chosen:
    """How a golden value is chosen: `ranking`, a projection of each record's claim, and per
    attribute its aggregates over the customer's records (value, source, date)."""
    ranking: Column
    aggregates: dict[str, list[Column]]


def _golden(attribute: str, survivorship: Survivorship) -> Chosen:
    """Returns the aggregates choosing `attribute`'s golden value, with the source and the date
    of the record it came from."""
    before_rule = [_full_first_name()] if attribute == "first_name" else []
    if attribute in SPELT_NAMES:
        before_rule.append(_no_likelier_spelling(attribute))
    return _chosen(attribute, (attribute,), F.col(attribute).isNotNull(), before_rule,
                   survivorship.rule(attribute), survivorship)


def _full_first_name() -> Column:
    """Whether the record's first name is no familiar form of another first name the
    customer's records hold: Robert is shown before Bob, Katarzyna before Kasia, whichever
    record is newer or more trusted."""
    held = F.collect_set("first_name_norm").over(Window.partitionBy("customer_id"))
    forms = names_map(familiar_forms())
    familiar = F.exists(held, lambda name: F.coalesce(
        F.array_contains(forms[name], F.col("first_name_norm")), F.lit(False)))
    return (~familiar).alias("full_first_name")


# Names whose spellings are weighed against each other (see with_spelling_support).
SPELT_NAMES = ("first_name", "last_name")


def _spelling(name: str) -> Column:
    """The letters of a record's folded name (`<name>_norm`): Maria Grazia, Mariagrazia and
    Maria-Grazia are one spelling; null without any."""
    letters = F.regexp_replace(F.col(f"{name}_norm"), r"[^\p{L}]", "")
    return F.when(letters != "", letters)


def with_spelling_support(joined: DataFrame) -> DataFrame:
    """Returns the records (with their customer_id) with `_support_<name>` for each of
    SPELT_NAMES: how many of the customer's records spell the name as the record does (its
    letters, see _spelling), then how many records of all the data do (counted by a join, not
    a window: the records without the name, web profiles mostly, would all fall in one
    window partition)."""
    for name in SPELT_NAMES:
        spelling, column = _spelling(name), f"_spelling_{name}"
        joined = joined.withColumn(column, spelling)
        carriers = (joined.where(F.col(column).isNotNull()).groupBy(column)
                    .agg(F.count(F.lit(1)).alias(f"_carriers_{name}")))
        joined = joined.join(carriers, column, "left").withColumn(
            f"_support_{name}", F.when(F.col(column).isNotNull(), F.struct(
                F.count(F.lit(1)).over(Window.partitionBy("customer_id", column)).alias("votes"),
                F.col(f"_carriers_{name}").alias("carriers"))))
    return joined


def _no_likelier_spelling(name: str) -> Column:
    """Whether the record's spelling of `name` (its letters, see _spelling) is no slip (at most
    two letters changed, added or dropped, one in a name of four to seven letters, none in a
    shorter one) of another spelling the customer's records hold that is likelier: more of the
    customer's records spell it so, or as many and more records of all the data. A newer
    record's typo (Johanson) then does not replace the spelling the other records agree on
    (Johansson), and of two records, one each, the spelling more people carry wins; a new name
    (Korhonen-Lahti, Jones after Smith) is no slip and the rule decides. Needs
    with_spelling_support."""
    spelling, support = F.col(f"_spelling_{name}"), F.col(f"_support_{name}")
    held = F.collect_set(F.struct(spelling.alias("spelling"), support.alias("support"))).over(
        Window.partitionBy("customer_id"))

    def likelier(other: Column) -> Column:
        longest = F.greatest(F.length(other["spelling"]), F.length(spelling))
        return (other["spelling"] != spelling) & (other["support"] > support) \
            & (F.levenshtein(other["spelling"], spelling)
               <= F.least(F.lit(2), F.floor(longest / 4)))

    return (~F.coalesce(F.exists(held, likelier), F.lit(False))).alias(f"spelling_{name}")


def _written_in_capitals_and_small_letters(value: Column) -> Column:
    """Whether a name is written as names are (Khadija, McDonald, de la Cruz), not in small
    letters only (khadija, as social accounts often show it) nor in capitals only (KHADIJA)."""
    return (value != F.lower(value)) & (value != F.upper(value))


def cased_spellings(name: str) -> Column:
    """The aggregate of the customer's records' spellings of `name` written in capitals and
    small letters, for with_cased_names."""
    value = F.col(name)
    return F.array_sort(F.collect_set(
        F.when(_written_in_capitals_and_small_letters(value), value))).alias(f"_cased_{name}")


def with_cased_names(profiles: DataFrame) -> DataFrame:
    """Returns the profiles with each golden name of SPELT_NAMES written as another of the
    customer's records writes the same letters in capitals and small letters, where the chosen
    record wrote it in small letters or capitals only: a social account's `khadija`, chosen as
    the likelier spelling, is shown as the registry's Khadija. Its source and date stay the
    chosen record's. Needs the `_cased_<name>` aggregates (cased_spellings)."""
    for name in SPELT_NAMES:
        profiles = profiles.withColumn(name, _cased(F.col(name), F.col(f"_cased_{name}"))) \
            .drop(f"_cased_{name}")
    return profiles


def _cased(chosen: Column, cased: Column) -> Column:
    """`chosen`, or where it is in small letters or capitals only, the first of `cased` with
    the same letters."""
    same_letters = F.get(F.filter(cased, lambda v: F.lower(v) == F.lower(chosen)), 0)
    return F.when(~_written_in_capitals_and_small_letters(chosen),
                  F.coalesce(same_letters, chosen)).otherwise(chosen)


def _golden_address(survivorship: Survivorship) -> Chosen:
    """The address's parts (ADDRESS_PARTS), all from one record: of the records holding any
    part, those of a registry or social account before a web profile's (its city and postal
    code are where its IP address was placed, not where the person lives), then those with a
    street, then by the address's rule. A part the chosen record lacks stays empty; none is
    taken from another record."""
    holds = F.lit(False)
    for part in ADDRESS_PARTS:
        holds = holds | F.col(part).isNotNull()
    before_rule = [(F.col("source_kind") != "online").alias("postal"),
                   F.col("street_address").isNotNull().alias("street")]
    return _chosen("address", ADDRESS_PARTS, holds, before_rule, survivorship.rule("address"),
                   survivorship)


def _chosen(name: str, parts: tuple[str, ...], holds: Column, before_rule: list[Column],
            rule: str, survivorship: Survivorship) -> Chosen:
    """The value `name` made of `parts`, chosen among the records where `holds`: by the
    `before_rule` keys, then `rule`, then the most recent statement (an undated one last),
    then the record id."""
    first_key = {
        "source_priority": _source_rank(survivorship.source_priority),
        "most_recent": F.lit(0),
        "most_frequent": F.count(F.lit(1)).over(
            Window.partitionBy("customer_id", *parts)),
    }[rule]
    # Structs compare field by field, a null before any value: an undated statement ranks
    # below every dated one, and keeps its unknown date.
    ranked = F.when(holds, F.struct(
        *before_rule,
        first_key.alias("rank"),
        F.col("updated_at").alias("at"),
        F.col("record_id").alias("record_id"),
        F.col("source").alias("source"),
        *[F.col(part).alias(f"value_{part}") for part in parts],
    ))
    best = F.max(F.col(f"_ranked_{name}"))
    # A part the chosen record lacks has no source or date either.
    return Chosen(ranked.alias(f"_ranked_{name}"), {
        part: [best[f"value_{part}"].alias(part),
               F.when(best[f"value_{part}"].isNotNull(), best["source"]).alias(f"{part}_source"),
               F.when(best[f"value_{part}"].isNotNull(), best["at"]).alias(f"{part}_updated_at")]
        for part in parts})


def _latest_consent(column: str) -> Column:
    """The most recent statement wins; absent means no. Where the order is unknown, no wins: a
    refusal without a date may be the latest statement (it counts as later than any), a consent
    without one may be the oldest (earlier than any), and of two at one time the refusal stands.
    Before, an undated refusal lost to any dated consent, and a tie went to consent: people were
    exported to partners after saying no."""
    value = F.col(column)
    at = F.coalesce(F.col("updated_at"),
                    F.when(value, F.lit("1970-01-01").cast("timestamp"))
                    .otherwise(F.lit("9999-12-31").cast("timestamp")))
    statement = F.when(value.isNotNull(), F.struct(at.alias("at"), (~value).alias("refused")))
    return F.coalesce(~F.max(statement)["refused"], F.lit(False)).alias(column)


def _identifiers(kind: str | None, value: Column) -> Column:
    condition = value.isNotNull()
    if kind is not None:
        condition = condition & (F.col("source_kind") == kind)
    return F.array_sort(F.array_distinct(F.collect_list(F.when(condition, value))))


def order_figures(orders: DataFrame, crosswalk: DataFrame, as_of: date) -> DataFrame:
    """Returns per customer: last order date, order count and spend (all time, 30/90/365 days)."""
    joined = orders.join(crosswalk.select("record_id", "customer_id"), "record_id")
    age = F.datediff(F.lit(as_of), F.col("order_date"))
    figures = [
        F.max("order_date").alias("last_order_date"),
        F.count("*").alias("orders_total"),
        F.sum("amount").cast("decimal(14,2)").alias("spend_total"),
    ]
    for days in (30, 90, 365):
        recent = (age >= 0) & (age < days)
        figures.append(F.count(F.when(recent, 1)).alias(f"orders_{days}d"))
        figures.append(
            F.coalesce(F.sum(F.when(recent, F.col("amount"))), F.lit(0))
            .cast("decimal(14,2)").alias(f"spend_{days}d")
        )
    return (
        joined.groupBy("customer_id")
        .agg(*figures)
        .withColumn("avg_order_value", (F.col("spend_total") / F.col("orders_total"))
                    .cast("decimal(14,2)"))
    )


def build_profiles(records: DataFrame, crosswalk: DataFrame, orders: DataFrame, as_of: date,
                   run_id: str, survivorship: Survivorship | None = None) -> DataFrame:
    """Returns one row per customer: golden attributes with their source and date, identifiers,
    consent, subscriptions, interests and order figures."""
    rules = survivorship or Survivorship()
    joined = with_spelling_support(
        records.join(crosswalk.select("record_id", "customer_id"), "record_id"))
    chosen = [_golden(a, rules) for a in GOLDEN_ATTRIBUTES if a not in ADDRESS_PARTS]
    chosen.append(_golden_address(rules))
    joined = joined.select("*", *[c.ranking for c in chosen])
    aggregates = {a: columns for c in chosen for a, columns in c.aggregates.items()}
    golden = [column for attribute in GOLDEN_ATTRIBUTES for column in aggregates[attribute]]
    handle = F.concat_ws(":", F.col("platform"), F.col("handle"))
    subscription = F.when(
        F.col("subscription_product").isNotNull(),
        F.struct(
            F.col("source").alias("source"),
            F.col("subscription_product").alias("product"),
            F.col("subscription_status").alias("status"),
            F.col("subscription_start").alias("start"),
        ),
    )
    profiles = joined.groupBy("customer_id").agg(
        *golden,
        *[cased_spellings(name) for name in SPELT_NAMES],
        _identifiers(None, F.col("email")).alias("emails"),
        _identifiers(None, F.col("email_sha256")).alias("email_sha256s"),
        _identifiers(None, F.col("phone_e164")).alias("phones"),
        _identifiers("social", handle).alias("handles"),
        _identifiers("online", F.col("source_record_id")).alias("cookie_ids"),
        _identifiers("registry", F.concat_ws(":", "source", "source_record_id"))
        .alias("subscriber_ids"),
        F.array_sort(F.array_distinct(F.collect_list(subscription))).alias("subscriptions"),
        F.array_sort(F.array_distinct(F.flatten(F.collect_list(
            F.coalesce(F.col("interests"), F.array().cast("array<string>"))
        )))).alias("interests"),
        _latest_consent("consent_marketing"),
        _latest_consent("consent_partner_sharing"),
        _latest_consent("consent_profiling"),
        F.array_sort(F.collect_set("source")).alias("sources"),
        F.count("*").alias("record_count"),
        F.max("updated_at").alias("last_updated_at"),
    )
    return with_cased_names(profiles).join(
        order_figures(orders, crosswalk, as_of), "customer_id", "left").withColumn(
        "run_id", F.lit(run_id))


def build_identifier_index(profiles: DataFrame) -> DataFrame:
    """Returns (identifier_type, identifier_value, customer_id) for every normalized identifier.

    Emails are indexed by their SHA-256 only: a look-up hashes the email it is given, so the
    index needs no plaintext email.
    """
    kinds = {
        "email_sha256": "email_sha256s",
        "phone": "phones",
        "handle": "handles",
        "cookie": "cookie_ids",
        "subscriber": "subscriber_ids",
    }
    frames = [
        profiles.select(
            F.lit(kind).alias("identifier_type"),
            F.explode(column).alias("identifier_value"),
            "customer_id",
        )
        for kind, column in kinds.items()
    ]
    index = frames[0]
    for frame in frames[1:]:
        index = index.unionByName(frame)
    return index
