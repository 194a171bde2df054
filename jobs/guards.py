"""Guards against over-merging, and human decisions that win over the model.

Connected components trust every link: one wrong link between two people joins their whole
clusters. After clustering, a cluster is re-examined when
- it is larger than the size cap,
- it holds two records that a person declared apart (cannot-link), or
- it holds conflicting strong identifiers: two birth dates that no typo explains (where true
  matches rarely disagree on them, or where records hold people's own contact details, unless
  an email and the first names say one person), a year of birth a bio states against another
  record's year of birth, two genders (recorded, or shown by two
  different first names), two different login email
  hashes from online profiles, two people's contact details (records whose emails and
  phones both differ, unless first name and birth date are exactly alike), or two subscribers
  of one registry (an email or a phone differing with none in common).
A flagged cluster is rebuilt from its own links, strongest first (Kruskal's order), refusing
every merge that would break a constraint or the size cap: weak bridges between dense groups are
the links left out. Flagged clusters are few and capped in size, so each is rebuilt on the
driver; unflagged clusters never leave the executors. Must-link decisions enter the clustering
as links stronger than any score.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

import jellyfish
from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F

from jobs.link_rules import GENDER_SHOWN_COLUMN
from jobs.nicknames import nicknames_of_one_name
from jobs.tables import values_frame

log = logging.getLogger(__name__)

MUST_LINK_WEIGHT = 1_000.0
DECISIONS = ("must_link", "cannot_link")


@dataclass(frozen=True)
class Member:
    record_id: str
    birth_date: date | None
    login_email: str | None  # email hash of an online profile (a login), else None
    email: str | None = None  # email hash of any record
    phone: str | None = None  # E.164
    first_name: str | None = None  # folded (first_name_norm)
    gender: str | None = None  # m or f
    registry: str | None = None  # the source of a registry (subscriber) record, else None
    # The recorded gender, else the one the first name shows (jobs.link_rules.with_name_genders)
    gender_shown: str | None = None
    last_name: str | None = None  # folded (last_name_norm)
    birth_year: int | None = None  # stated in a social bio ("Jahrgang 1954"), else None


def _same_first_name_and_birth_date(a: Member, b: Member) -> bool:
    """True when both records carry one first name and one birth date: one person's, who
    changed their contact details."""
    return a.first_name is not None and a.first_name == b.first_name \
        and a.birth_date is not None and a.birth_date == b.birth_date


def contacts_conflict(a: Member, b: Member) -> bool:
    """True when two records hold two people's contact details: emails and phones both known
    and both different, unless first name and birth date are exactly one person's (who
    changed both). The link rule vetoes such a pair (jobs.link_rules.identity_guard); this
    keeps two such records apart when other records would join them."""
    if a.email is None or b.email is None or a.phone is None or b.phone is None:
        return False
    if a.email == b.email or a.phone == b.phone:
        return False
    return not _same_first_name_and_birth_date(a, b)


def one_registrys_subscribers(a: Member, b: Member) -> bool:
    """True when two records of one registry hold two subscribers' contact details: an email or
    a phone known on both sides and different, none in common, and not the same first name and
    birth date. A registry keeps one record per subscriber; the link rule refuses such a pair
    (veto one_sources_contacts_differ), and this keeps the two apart when other records would
    join them (Sannva and Sana Tunen of one address, each with an email of her own, joined
    through a web login and a social account)."""
    if a.registry is None or a.registry != b.registry:
        return False
    emails_differ = a.email is not None and b.email is not None and a.email != b.email
    phones_differ = a.phone is not None and b.phone is not None and a.phone != b.phone
    if not (emails_differ or phones_differ):
        return False
    if (a.email is not None and a.email == b.email) or (a.phone is not None
                                                        and a.phone == b.phone):
        return False
    return not _same_first_name_and_birth_date(a, b)


# First names this similar (Jaro-Winkler) may be one name misspelt: the first-name comparison's
# weakest fuzzy level.
FIRST_NAMES_ALIKE = 0.88


def first_names_differ(a: str | None, b: str | None) -> bool:
    """True when two folded first names are clearly two names: both known, not alike
    (FIRST_NAMES_ALIKE), not nicknames of one name, neither an initial of the other nor its
    names a part of the other's (a middle name written or left out). The link rule reads
    initials and middle names alike (jobs.link_rules.first_names_compatible)."""
    if not a or not b or a == b:
        return False
    if jellyfish.jaro_winkler_similarity(a, b) >= FIRST_NAMES_ALIKE:
        return False
    if nicknames_of_one_name(a, b):
        return False
    short, long = sorted((a, b), key=len)
    if len(short.rstrip(".")) == 1 and long.startswith(short.rstrip(".")):
        return False
    return not set(short.split()) <= set(long.split())


def genders_shown_differ(a: Member, b: Member) -> bool:
    """True when two records show two genders through two different first names: Sebastian on
    a social account against Claudia in a register, both seen with one household's email. Only
    other names count: the same name, or nicknames of one name, show what the data learnt
    about the name, not about the person; nor does a name written surname first (Thomas
    Martine on X, Martine Thomas in a register)."""
    if a.gender_shown is None or b.gender_shown is None or a.gender_shown == b.gender_shown:
        return False
    if not a.first_name or not b.first_name or a.first_name == b.first_name:
        return False
    if a.first_name == b.last_name or b.first_name == a.last_name:
        return False
    return not nicknames_of_one_name(a.first_name, b.first_name)


# Years of birth further apart than this are two people's where one was stated in a bio: in
# three independently made data sets, a bio's year and the same person's birth date elsewhere
# were never more than a year apart (951 pairs, 5 a year apart).
MAX_STATED_YEAR_GAP = 1


def stated_birth_years_conflict(a: Member, b: Member) -> bool:
    """True when one record's bio states a year of birth ("Jahrgang 1954") more than
    MAX_STATED_YEAR_GAP years from the other's (stated, or of its birth date): an Instagram
    account of a Wolfgang Franke born in 1954 is not the register's Wolfgang Franke of 1973."""
    if a.birth_year is None and b.birth_year is None:
        return False
    year_a, year_b = _year_of_birth(a), _year_of_birth(b)
    return year_a is not None and year_b is not None \
        and abs(year_a - year_b) > MAX_STATED_YEAR_GAP


def _year_of_birth(member: Member) -> int | None:
    """The year a bio states, else the birth date's."""
    if member.birth_year is not None:
        return member.birth_year
    return member.birth_date.year if member.birth_date is not None else None


def birth_dates_conflict(a: date | None, b: date | None) -> bool:
    """True when both dates are known and differ beyond a typo: not equal, not day and month
    transposed, and more than one digit apart in YYYYMMDD."""
    if a is None or b is None or a == b:
        return False
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return False
    digits_a, digits_b = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    return sum(x != y for x, y in zip(digits_a, digits_b, strict=True)) > 1


# Above this share of true matches disagreeing on birth date (the model's m of the birth date's
# "else" level), two birth dates in one cluster are as likely a garbled date as two people: the
# demo data's 1.5% keeps the guard, FEBRL's 4.7% and 6.8% (dates keyed in wrong) turn it off.
MAX_BIRTH_DATE_DISAGREEMENT = 0.03


def birth_dates_are_reliable(m_birth_date_else: float) -> bool:
    """True when birth-date conflicts may split clusters: true matches rarely disagree on them."""
    return m_birth_date_else < MAX_BIRTH_DATE_DISAGREEMENT


# What each conflict of members_conflict means, as `explain` prints it.
CONFLICT_REASONS = {
    "birth_dates": "two birth dates that no typo explains",
    "stated_birth_year": "a year of birth stated in a bio, more than a year from the other's",
    "genders": "two recorded genders",
    "genders_shown": "two first names that show two genders",
    "contact_details": "two people's contact details (emails and phones both differ)",
    "one_registry": "two subscribers of one registry (an email or a phone differs, none shared)",
    "login_emails": "two different login emails",
}


def conflict(a: Member, b: Member, linked: bool = False, check_birth_dates: bool = True,
             contact_details: bool = True) -> str | None:
    """Returns why two records cannot be one person by their strong identifiers (a key of
    CONFLICT_REASONS), or None when nothing says so.

    `linked`: the two were scored against each other and linked; their birth dates were then
    weighed by the model already (a source that garbles birth dates teaches it to forgive
    that), so only a transitive conflict, between records never compared, counts.
    `check_birth_dates`: False where true matches often disagree on birth dates (see
    birth_dates_are_reliable). `contact_details`: the records hold people's own contact
    details, and two birth dates are two people there unless one email and first names that do
    not differ say one person (False for plain registers, where dates are keyed in with
    errors)."""
    if not linked:
        dates_differ = birth_dates_conflict(a.birth_date, b.birth_date)
        one_person = a.email is not None and a.email == b.email \
            and not first_names_differ(a.first_name, b.first_name)
        if dates_differ and (check_birth_dates or (contact_details and not one_person)):
            return "birth_dates"
        if stated_birth_years_conflict(a, b):
            return "stated_birth_year"
        if a.gender is not None and b.gender is not None and a.gender != b.gender:
            return "genders"
        if genders_shown_differ(a, b):
            return "genders_shown"
        if contacts_conflict(a, b):
            return "contact_details"
        if one_registrys_subscribers(a, b):
            return "one_registry"
    if a.login_email is not None and b.login_email is not None \
            and a.login_email != b.login_email:
        return "login_emails"
    return None


def members_conflict(a: Member, b: Member, linked: bool = False,
                     check_birth_dates: bool = True, contact_details: bool = True) -> bool:
    """True when two records cannot be one person by their strong identifiers (see conflict)."""
    return conflict(a, b, linked, check_birth_dates, contact_details) is not None


def conflicts_between(group_a: Iterable[Member], group_b: Iterable[Member],
                      direct: Collection[frozenset[str]], check_birth_dates: bool = True,
                      contact_details: bool = True) -> list[tuple[str, str, str]]:
    """Returns (record of a, record of b, reason) for every pair of records, one from each
    group, that cannot be one person: why a link between the groups was refused. `direct`: the
    pairs linked directly (the model weighed their birth dates), as rebuild_cluster has them."""
    found = []
    members_b = sorted(group_b, key=lambda m: m.record_id)
    for a in sorted(group_a, key=lambda m: m.record_id):
        for b in members_b:
            reason = conflict(a, b, frozenset((a.record_id, b.record_id)) in direct,
                              check_birth_dates, contact_details)
            if reason is not None:
                found.append((a.record_id, b.record_id, reason))
    return found


def rebuild_cluster(members: Iterable[Member], links: Iterable[tuple[str, str, float]],
                    cannot_link: set[frozenset[str]], max_size: int,
                    check_birth_dates: bool = True, contact_details: bool = True
                    ) -> dict[str, str]:
    """Returns record_id -> component (the group's smallest record id) for one flagged
    cluster, merged along its links strongest first without breaking any constraint."""
    by_id = {m.record_id: m for m in members}
    groups: dict[str, list[str]] = {rid: [rid] for rid in by_id}
    root = {rid: rid for rid in by_id}
    ordered = sorted(links, key=lambda link: (-link[2], link[0], link[1]))
    direct = {frozenset((left, right)) for left, right, _weight in ordered}
    for left, right, _weight in ordered:
        if left not in root or right not in root:
            continue
        a, b = root[left], root[right]
        if a == b or len(groups[a]) + len(groups[b]) > max_size:
            continue
        if any(frozenset((x, y)) in cannot_link
               or members_conflict(by_id[x], by_id[y], frozenset((x, y)) in direct,
                                   check_birth_dates, contact_details)
               for x in groups[a] for y in groups[b]):
            continue
        keep, gone = (a, b) if len(groups[a]) >= len(groups[b]) else (b, a)
        for rid in groups[gone]:
            root[rid] = keep
        groups[keep].extend(groups.pop(gone))
    return {rid: min(groups[group]) for rid, group in root.items()}


@dataclass(frozen=True)
class GuardResult:
    assignments: DataFrame  # record_id, component
    flagged_clusters: int
    clusters_split: int


def _member_columns(records: DataFrame) -> DataFrame:
    """Returns per record what the cluster checks read (see Member) from comparison records
    (jobs.pipeline.comparison_records: with the shown gender)."""
    return records.select(
        "record_id", "birth_date",
        F.when(F.col("source_kind") == "online", F.col("email_sha256")).alias("login_email"),
        "email_sha256", "phone_e164", "first_name_norm", "gender",
        F.when(F.col("source_kind") == "registry", F.substring_index("record_id", "/", 1))
        .alias("registry"), GENDER_SHOWN_COLUMN, "last_name_norm", "birth_year")


def _member(row: Row) -> Member:
    return Member(row["record_id"], row["birth_date"], row["login_email"], row["email_sha256"],
                  row["phone_e164"], row["first_name_norm"], row["gender"], row["registry"],
                  row[GENDER_SHOWN_COLUMN], row["last_name_norm"], row["birth_year"])


def members_of(records: DataFrame) -> list[Member]:
    """Returns the records (few: collected to the driver) as the cluster checks read them."""
    return [_member(row) for row in _member_columns(records).collect()]


def flagged_components(assignments: DataFrame, records: DataFrame, cannot_link: DataFrame,
                       max_size: int, check_birth_dates: bool = True,
                       contact_details: bool = True) -> DataFrame:
    """Returns the components (column `component`) that need re-examination."""
    members = assignments.join(_member_columns(records), "record_id")
    year = F.coalesce(F.col("birth_year"), F.year("birth_date"))
    per_cluster = members.groupBy("component").agg(
        F.count(F.lit(1)).alias("size"),
        F.countDistinct("birth_date").alias("birth_dates"),
        F.countDistinct("login_email").alias("login_emails"),
        F.countDistinct("email_sha256").alias("emails"),
        F.countDistinct("phone_e164").alias("phones"),
        F.countDistinct("gender").alias("genders"),
        F.countDistinct(GENDER_SHOWN_COLUMN).alias("genders_shown"),
        F.count("birth_year").alias("stated_years"),
        F.max(year).alias("latest_year"), F.min(year).alias("earliest_year"),
    )
    suspicious = per_cluster.where(
        (F.col("size") > max_size)
        | ((F.col("birth_dates") > 1) & F.lit(check_birth_dates or contact_details))
        | (F.col("login_emails") > 1) | ((F.col("emails") > 1) & (F.col("phones") > 1))
        | (F.col("genders") > 1) | (F.col("genders_shown") > 1)
        | ((F.col("stated_years") > 0)
           & (F.col("latest_year") - F.col("earliest_year") > MAX_STATED_YEAR_GAP))
    ).select("component")
    # Two records of one registry with two emails or two phones (see one_registrys_subscribers).
    one_registry = (
        members.where(F.col("registry").isNotNull()).groupBy("component", "registry")
        .agg(F.count(F.lit(1)).alias("records"),
             F.countDistinct("email_sha256").alias("emails"),
             F.countDistinct("phone_e164").alias("phones"))
        .where((F.col("records") > 1) & ((F.col("emails") > 1) | (F.col("phones") > 1)))
        .select("component")
    )
    in_one = (
        cannot_link.join(assignments.withColumnRenamed("record_id", "record_l")
                         .withColumnRenamed("component", "c_l"), "record_l")
        .join(assignments.withColumnRenamed("record_id", "record_r")
              .withColumnRenamed("component", "c_r"), "record_r")
        .where(F.col("c_l") == F.col("c_r")).select(F.col("c_l").alias("component"))
    )
    return suspicious.unionByName(one_registry).unionByName(in_one).distinct()


def apply_guards(assignments: DataFrame, links: DataFrame, records: DataFrame,
                 cannot_link: DataFrame, max_size: int, check_birth_dates: bool = True,
                 contact_details: bool = True) -> GuardResult:
    """Returns the assignments with every flagged cluster rebuilt under the constraints.

    `links`: (record_l, record_r, match_weight) of the linked pairs (must-links included);
    `cannot_link`: (record_l, record_r) pairs declared apart; `check_birth_dates`: False where
    true matches often disagree on birth dates (see birth_dates_are_reliable);
    `contact_details`: see members_conflict.
    """
    flagged = flagged_components(assignments, records, cannot_link, max_size,
                                 check_birth_dates, contact_details).collect()
    flagged_ids = [row["component"] for row in flagged]
    if not flagged_ids:
        return GuardResult(assignments, 0, 0)
    spark = assignments.sparkSession
    ids = values_frame(spark, "component", flagged_ids)
    inside = assignments.join(F.broadcast(ids), "component")
    member_rows = inside.join(_member_columns(records), "record_id").collect()
    component_of = {r["record_id"]: r["component"] for r in member_rows}
    link_rows = (
        links.join(inside.select(F.col("record_id").alias("record_l"), F.col("component")),
                   "record_l")
        .select("record_l", "record_r", "match_weight", "component").collect()
    )
    forbidden = {frozenset((r["record_l"], r["record_r"])) for r in cannot_link.collect()}
    members: dict[str, list[Member]] = {}
    for row in member_rows:
        members.setdefault(row["component"], []).append(_member(row))
    cluster_links: dict[str, list[tuple[str, str, float]]] = {}
    for row in link_rows:
        if component_of.get(row["record_r"]) == row["component"]:
            cluster_links.setdefault(row["component"], []).append(
                (row["record_l"], row["record_r"], float(row["match_weight"])))
    rebuilt: list[tuple[str, str]] = []
    split = 0
    for component, group in sorted(members.items()):
        result = rebuild_cluster(group, cluster_links.get(component, []), forbidden, max_size,
                                 check_birth_dates, contact_details)
        split += len(set(result.values())) > 1
        rebuilt.extend(result.items())
    log.info("guards: %d clusters re-examined, %d split", len(flagged_ids), split)
    new = spark.createDataFrame(rebuilt, "record_id string, component string")
    kept = assignments.join(F.broadcast(ids), "component", "left_anti").select(
        "record_id", "component")
    return GuardResult(kept.unionByName(new), len(flagged_ids), split)


def decision_pairs(decisions: Iterable[tuple[str, str, str]], spark_frame: DataFrame,
                   kind: str) -> DataFrame:
    """Returns (record_l, record_r) of the decisions of `kind`, ordered l < r.

    `spark_frame` is any DataFrame of the session (used to create the result).
    """
    rows = sorted({tuple(sorted((a, b))) for a, b, decision in decisions if decision == kind})
    return spark_frame.sparkSession.createDataFrame(rows, "record_l string, record_r string")
