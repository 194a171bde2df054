"""Link: which scored pairs become links. The one rule that both resolve and explain apply.

A pair links when its match probability reaches the threshold and it passes the identity guard,
or when a shared email decides on its own. Conditions name comparison levels by their labels
(`address` at least `similar_street`), so they follow the configured comparisons; a comparison
the configuration dropped counts as null on every pair.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.config import MatchingConfig
from jobs.model import NULL_LEVEL, ComparisonSpec
from jobs.nicknames import nicknames_of_one_name
from jobs.tables import sql_in, sql_string, values_frame

log = logging.getLogger(__name__)

# Columns of a standardized record that are a person's own contact details or say who they
# are: a source holding any of them can tell two people of one household apart.
CONTACT_COLUMNS = ("email_sha256", "phone_e164", "gender")
# Per record: how many people sharing its first and last name its city is expected to hold
# (see with_expected_namesakes); on pairs as `namesakes_expected_l` / `_r`.
NAMESAKES_COLUMN = "namesakes_expected"
# Per record: how many records carrying its two names all the data is expected to hold, in
# either order (see with_expected_namesakes); on pairs as `namesakes_anywhere_l` / `_r`.
NAMESAKES_ANYWHERE_COLUMN = "namesakes_anywhere"
# Per record: its recorded gender, else the one its first name shows in the data's own
# recorded genders (see with_name_genders); on pairs as `gender_shown_l` / `_r`.
GENDER_SHOWN_COLUMN = "gender_shown"
# Per social account: how many accounts of its platform carry its handle's letters (pixelpunk
# of pixelpunk47; see with_handle_stem_accounts); on pairs as `handle_stem_accounts_l` / `_r`.
HANDLE_STEM_COLUMN = "handle_stem_accounts"
# Per social account: its handle is a first name, a surname's initial (or the reverse) and a
# year, tobias_k54 (see with_handle_initial_year); on pairs as `handle_initial_year_l` / `_r`.
HANDLE_INITIAL_YEAR_COLUMN = "handle_initial_year"
# Per record: its email is not its own: the local part names another member of its family,
# or it is a role's mailbox, info@ (see with_email_naming_another); on pairs as
# `email_names_another_l` / `_r`.
EMAIL_NAMES_ANOTHER_COLUMN = "email_names_another"
# Per record with an IP: more records use the IP than one person's devices, or two login
# emails do (an office, a café, a dorm: see with_ip_use); on pairs as `ip_shared_l` / `_r`.
IP_SHARED_COLUMN = "ip_shared"
PERSONAL_IP_MAX_RECORDS = 4
# Record values the link rule reads from a pair (suffixed _l and _r) beside its levels: whoever
# builds pairs to link (compare, or an incremental run reusing stored levels) must carry them.
LINK_RULE_COLUMNS = (NAMESAKES_COLUMN, NAMESAKES_ANYWHERE_COLUMN, "first_name_norm", "city_norm",
                     "house_number", "street_norm", "email_sha256", GENDER_SHOWN_COLUMN, "handle",
                     HANDLE_STEM_COLUMN, HANDLE_INITIAL_YEAR_COLUMN, EMAIL_NAMES_ANOTHER_COLUMN,
                     "birth_date", IP_SHARED_COLUMN)
# Set on a pair whose shared email is a household's (see household_emails).
HOUSEHOLD_EMAIL = "household_email"


def slipped(left: Column, right: Column) -> Column:
    """True when two keyed values are equal or one slip apart: one character changed, added or
    dropped, or two swapped (4125 for 4152); null when either is null."""
    swapped = (F.levenshtein(left, right) <= 2) \
        & (F.array_sort(F.split(left, "")) == F.array_sort(F.split(right, "")))
    return (F.levenshtein(left, right) <= 1) | swapped


def first_names_compatible() -> Column:
    """True where two folded first names (first_name_norm, _l and _r) can be one person's
    although the first-name comparison finds them unlike: one is an initial of the other (J,
    Janne) or one's names are all among the other's (Kari, Kari Juhani: a middle name written or
    left out). Spark's reading of jobs.guards.first_names_differ, which the cluster checks use;
    false when either is unknown."""
    left, right = F.col("first_name_norm_l"), F.col("first_name_norm_r")
    left_shorter = F.length(left) <= F.length(right)
    short = F.when(left_shorter, left).otherwise(right)
    long = F.when(left_shorter, right).otherwise(left)
    initial = (F.length(short) == 1) & long.startswith(short)
    part = F.size(F.array_except(F.split(short, " "), F.split(long, " "))) == 0
    return F.coalesce(initial | part, F.lit(False))


class Levels:
    """Spark conditions on the `gamma_<name>` columns, by level label."""

    def __init__(self, specs: Sequence[ComparisonSpec], household_emails: bool = False) -> None:
        self.labels = {spec.name: spec.levels for spec in specs}
        # The pairs carry HOUSEHOLD_EMAIL (see with_household_emails).
        self.household_emails = household_emails

    def gamma(self, name: str) -> Column:
        return F.col(f"gamma_{name}") if name in self.labels else F.lit(NULL_LEVEL)

    def at_least(self, name: str, label: str) -> Column:
        """The pair is on `label`'s level of `name` or stronger (False without that level)."""
        levels = self.labels.get(name, ())
        if label not in levels:
            return F.lit(False)
        return self.gamma(name) >= levels.index(label)

    def top(self, name: str) -> Column:
        """The pair is on the strongest level of `name` (False when the configuration dropped
        the comparison: its gamma is then the null level, which must not count as agreeing)."""
        levels = self.labels.get(name, ())
        if not levels:
            return F.lit(False)
        return self.gamma(name) == len(levels) - 1

    def disagrees(self, name: str) -> Column:
        return self.gamma(name) == 0

    def on(self, name: str, label: str) -> Column:
        """The pair is on `label`'s level of `name` exactly (False without that level)."""
        levels = self.labels.get(name, ())
        return self.gamma(name) == levels.index(label) if label in levels else F.lit(False)


def _source_of(record: str) -> Column:
    return F.substring_index(F.col(record), "/", 1)


def with_expected_namesakes(records: DataFrame) -> DataFrame:
    """Returns the records with `namesakes_expected`: the number of records carrying the
    record's first and last name that its city would hold if first and last names were drawn
    independently, each as often as in the city's country: n(city) * f(first) * f(last).
    Null without both names and a city, or when no record ties the city to a country.

    It tells a rare full name from a common one in the data at hand, without ground truth: on
    the demo data (a few hundred names per country) a full name and a city are shared by
    namesakes about one time in three and the figure is 0.2 to 0.7; where names are as varied
    as in real registers it falls far below 0.01. The record itself is counted, so a name seen
    once in a small city still gets at least n(city) / n(country)^2.

    Also `namesakes_anywhere`, for a record with both names whatever its place: the records
    all the data is expected to hold with the same two names, n * f(a) * f(b), f(x) the share
    of named records with x as first or as last name (a name swapped between the fields, Meyer
    Renate, is as common as Renate Meyer), over every source and country (a social account
    names no country).
    """
    named = (F.col("first_name_norm").isNotNull() & F.col("last_name_norm").isNotNull()
             & F.col("city_norm").isNotNull())
    # A city's country is the one most of its records name (social accounts name none).
    city_country = (
        records.where(F.col("city_norm").isNotNull() & F.col("country").isNotNull())
        .groupBy("city_norm", "country").count()
        .groupBy("city_norm")
        .agg(F.max(F.struct("count", "country"))["country"].alias("_country"))
    )
    people = (records.where(named).select("record_id", "first_name_norm", "last_name_norm",
                                          "city_norm")
              .join(city_country, "city_norm"))
    per_country = people.groupBy("_country").agg(F.count(F.lit(1)).alias("_n_country"))
    firsts = people.groupBy("_country", "first_name_norm").agg(
        F.count(F.lit(1)).alias("_n_first"))
    lasts = people.groupBy("_country", "last_name_norm").agg(F.count(F.lit(1)).alias("_n_last"))
    cities = people.groupBy("city_norm").agg(F.count(F.lit(1)).alias("_n_city"))
    expected = (
        people.join(per_country, "_country").join(firsts, ["_country", "first_name_norm"])
        .join(lasts, ["_country", "last_name_norm"]).join(cities, "city_norm")
        .select("record_id", (F.col("_n_city") * F.col("_n_first") * F.col("_n_last")
                              / (F.col("_n_country") * F.col("_n_country")))
                .alias(NAMESAKES_COLUMN))
    )
    both = records.where(F.col("first_name_norm").isNotNull()
                         & F.col("last_name_norm").isNotNull())
    tokens = (both.select(F.explode(F.array("first_name_norm", "last_name_norm")).alias("_name"))
              .groupBy("_name").agg(F.count(F.lit(1)).alias("_n_name")))
    total = both.agg(F.count(F.lit(1)).alias("_n_all"))
    anywhere = (
        both.select("record_id", "first_name_norm", "last_name_norm").crossJoin(total)
        .join(tokens.withColumnRenamed("_name", "first_name_norm")
              .withColumnRenamed("_n_name", "_n_a"), "first_name_norm")
        .join(tokens.withColumnRenamed("_name", "last_name_norm")
              .withColumnRenamed("_n_name", "_n_b"), "last_name_norm")
        .select("record_id", (F.col("_n_a") * F.col("_n_b") / F.col("_n_all"))
                .alias(NAMESAKES_ANYWHERE_COLUMN))
    )
    names = ["first_name_norm", "last_name_norm"]
    on_platform = namesakes_seen_on_one_platform(records)
    in_registers = namesakes_seen_in_registers(records)
    in_one_city = namesakes_seen_in_registers(records, in_one_city=True)
    return (
        records.join(expected, "record_id", "left").join(anywhere, "record_id", "left")
        .join(F.broadcast(on_platform), names, "left")
        .join(F.broadcast(in_registers.withColumnRenamed("_seen", "_seen_anywhere")), names,
              "left")
        .join(F.broadcast(in_one_city.withColumnRenamed("_seen", "_seen_in_city")),
              [*names, "city_norm"], "left")
        .withColumn(NAMESAKES_COLUMN, F.greatest(NAMESAKES_COLUMN, "_seen", "_seen_in_city"))
        .withColumn(NAMESAKES_ANYWHERE_COLUMN,
                    F.greatest(NAMESAKES_ANYWHERE_COLUMN, "_seen", "_seen_anywhere"))
        .drop("_seen", "_seen_anywhere", "_seen_in_city")
    )


# A first name shows a gender when at least this many records with a recorded gender carry it
# and at least this share of them record one gender (Andrea, Kim, Sascha show none).
MIN_GENDERED_RECORDS = 3
MIN_GENDER_SHARE = 0.95


def with_name_genders(records: DataFrame) -> DataFrame:
    """Returns the records with `gender_shown`: the recorded gender, else the gender the first
    name shows in the data itself. A first name shows a gender when at least
    MIN_GENDERED_RECORDS records of any source record a gender with it, at least
    MIN_GENDER_SHARE of them the same one, and fewer records carry it as a surname (Meyer in
    the first name's field is a swapped surname); an initial shows none. Learnt per run from
    the registers' own gender column, so no list of names by gender is needed and a data set
    without genders infers none.

    A social account or a web login shows a name but no gender: Petra Schmitz on Instagram
    against Peter Schmitz in a register (a brother and sister, a letter apart) agree on all a
    social account offers (see identity_guard's `first_name_genders_differ`)."""
    if "gender" not in records.columns:
        return records.withColumn(GENDER_SHOWN_COLUMN, F.lit(None).cast("string"))
    per_gender = (records.where(F.col("first_name_norm").isNotNull()
                                & F.col("gender").isNotNull())
                  .groupBy("first_name_norm", "gender").count())
    # A surname in the first name's field (Meyer Tobi, swapped) shows no gender: a name seen
    # as a surname at least as often as with a recorded gender is left out, as are initials.
    surnames = (records.where(F.col("last_name_norm").isNotNull())
                .groupBy(F.col("last_name_norm").alias("first_name_norm"))
                .agg(F.count(F.lit(1)).alias("_as_surname")))
    shown = (per_gender.groupBy("first_name_norm")
             .agg(F.sum("count").alias("_gendered"),
                  F.max(F.struct("count", "gender")).alias("_most"))
             .join(surnames, "first_name_norm", "left")
             .where((F.col("_gendered") >= MIN_GENDERED_RECORDS)
                    & (F.col("_most.count") >= F.col("_gendered") * MIN_GENDER_SHARE)
                    & (F.coalesce("_as_surname", F.lit(0)) < F.col("_gendered"))
                    & (F.length("first_name_norm") >= 2))
             .select("first_name_norm", F.col("_most.gender").alias("_name_gender")))
    return (records.join(F.broadcast(shown), "first_name_norm", "left")
            .withColumn(GENDER_SHOWN_COLUMN, F.coalesce("gender", "_name_gender"))
            .drop("_name_gender"))


# Local parts of role mailboxes: whoever answers them, the branches of a business or a shop's
# staff, not one person. RFC 2142's and the usual others, in the languages of the sources.
ROLE_MAILBOXES = (
    "info", "contact", "kontakt", "contacto", "contatto", "contatti", "hello", "hallo", "hola",
    "ciao", "hej", "office", "kantoor", "sales", "support", "service", "admin", "team", "booking",
    "bookings", "reception", "enquiries", "inquiries", "orders", "billing", "invoices",
    "marketing", "press", "jobs", "careers", "webmaster", "postmaster", "hostmaster", "abuse",
    "noc", "security",
    # An office's, a service's or sales' mailbox in the sources' other languages.
    "toimisto", "posti", "asiakaspalvelu", "myynti", "buero", "buro", "verwaltung", "empfang",
    "vertrieb", "kundenservice", "kundendienst", "oficina", "administracion", "ventas",
    "kundtjanst", "kontoret", "bureau", "accueil", "ufficio", "segreteria", "biuro", "sekretariat",
)


def local_part(email: str = "email") -> str:
    """Returns SQL for the local part of the email column `email`, lower case (anna.k of
    Anna.K@mail.example)."""
    return f"lower(substring_index({email}, '@', 1))"


def role_mailbox(email: str = "email") -> str:
    """Returns SQL that is true where the email column `email` is a role's mailbox (its local
    part one of ROLE_MAILBOXES), false where not or null: what with_email_naming_another marks
    and `explain` names."""
    return f"coalesce({sql_in(local_part(email), ROLE_MAILBOXES)}, false)"


# Words that open a family's mailbox, in the sources' languages: familjen.johansson@,
# fam.devries@, familia.garcia@, casarossi@ (see with_email_naming_another).
FAMILY_WORDS = ("familjen", "familien", "familie", "familia", "famiglia", "famille", "family",
                "fam", "perhe", "rodzina", "casa")
# Words people join two first names with in a couple's mailbox (anna.och.erik@, piet.en.els@).
_COUPLE_JOINERS = ("och", "og", "en", "und", "and", "et", "y", "e", "i", "ja")
# A word of an email's local part is a first name when at least this many register records
# carry it as theirs.
MIN_FIRST_NAME_RECORDS = 3
# The surname's parts, as split for with_email_naming_another (a SQL string literal).
_NAME_PARTS = sql_string(r"[\s-]+")


def with_email_naming_another(records: DataFrame) -> DataFrame:
    """Returns the records with `email_names_another`: the record's email (seen in plain text)
    is not the record's own but a family's or another member's, or a role's. Such a mailbox
    counts as a household email on every pair with this record (see with_household_emails): it
    neither links nor excuses. Three kinds:
    - it names the record's surname with another person's first name, and not its own: Claudia
      Fischer's telecom subscription with `fischer.sebastian@`. The web logins with it were
      Sebastian's (an independently made data set, where such emails joined wives to their
      husbands' logins). A word of the local part is another's first name when it is the first
      name of at least MIN_FIRST_NAME_RECORDS register records, is not the record's own first
      name, a familiar form of it, a spelling two edits from it or part of its surname; the
      record's own first name must itself be such a name (not an initial, nor a display name
      such as Stay Curious), and must not appear in the local part. A local part without the
      surname (gamerguy40, anna1941) says nothing;
    - a family's or a couple's mailbox: a word for family first (FAMILY_WORDS: familjen.
      johansson@, fam.devries@, casarossi@ with the record's surname after casa), or two
      such first names, neither a familiar form of the other, maybe with a word for "and"
      (erikmikael@, anna.och.erik@), where neither is also a register surname (Anna
      Martin's anna.martin@): Erik Johansson's and Mikael Persson's subscriptions with
      `erikmikael@` were one person's on independent-b (seed 3) before. A record whose own
      first name is both (Maria Jose with mariajose@) is not marked;
    - a role's mailbox (local part one of ROLE_MAILBOXES: info@, kontakt@): two branches of a
      bakery showing one `info@` on their social accounts, which an independently made data
      set (benchmarks/independent_data_b.py) counts as two businesses, linked on it. Marked
      too, it took 4 false pairs out on each of its seeds 1 and 2, and the demo, demo-varied,
      independent and independent-hard kept the same pairs (2026-12-06).

    The few records that can qualify are collected and checked against the nickname list in
    the driver, and the (usually empty) list of those that do is matched as a literal set.
    The checks as Spark expressions (the names and the nickname list as literals) doubled the
    time to prepare the demo's records, and joining the list as a frame made the later stages
    of a run on an independent data set some 8 s slower (see 18e3524). The known names are
    written into one SQL condition (jobs.tables.sql_in): as a literal Column each they cost
    one call into the JVM per name, and there are as many as the register has common first
    names."""
    if "email" not in records.columns:
        return records.withColumn(EMAIL_NAMES_ANOTHER_COLUMN, F.lit(False))
    local = local_part()
    letters = _letters(local)
    surname_letters = _letters("coalesce(last_name_norm, '')")
    words = "|".join(FAMILY_WORDS)
    family = (f"coalesce({local} RLIKE '^(?:{words})[._-]' OR (length({surname_letters}) >= 2 "
              f"AND {letters} RLIKE concat('^(?:{words})', {surname_letters}, '$')), false)")
    marked = f"({role_mailbox()} OR {family})"
    first = "split(first_name_norm, ' ')[0]"
    # Register words: how many register records carry each as their first name, and how many
    # in their surname (a part of it, or its letters whole: devries of de Vries).
    surname_words = F.concat(
        F.coalesce(F.expr(f"split(last_name_norm, {_NAME_PARTS})"),
                   F.array().cast("array<string>")),
        F.array(F.expr(f"nullif({surname_letters}, '')")))
    # The other words of a first name, and its letters whole (peter and hanspeter of Hans
    # Peter), count as given names (see _family_mailboxes), not as first names.
    given_letters = _letters("coalesce(first_name_norm, '')")
    given_words = F.array_except(F.concat(
        F.coalesce(F.split("first_name_norm", " "), F.array().cast("array<string>")),
        F.array(F.expr(f"nullif({given_letters}, '')"))), F.array(F.expr(first)))

    def tagged(kind: str, words: Column) -> Column:
        return F.transform(F.array_distinct(words), lambda word: F.struct(
            F.lit(kind).alias("_as"), word.alias("_word")))

    def records_as(kind: str) -> Column:
        return F.count(F.when(F.col("_w._as") == kind, 1))

    register_words = (
        records.where(F.col("source_kind") == "registry")
        .select(F.explode(F.concat(
            tagged("first", F.array(F.expr(first))), tagged("given", given_words),
            tagged("last", surname_words))).alias("_w"))
        .where(F.col("_w._word").isNotNull())
        .groupBy(F.col("_w._word").alias("_word"))
        .agg(records_as("first").alias("_firsts"), records_as("given").alias("_givens"),
             records_as("last").alias("_surnames"))
        .where(F.length("_word") >= 3))
    # The register words either check uses, counted once: first names, each with how many
    # register records carry it in their surname, and surnames that are no first name.
    is_first = F.col("_firsts") >= MIN_FIRST_NAME_RECORDS
    is_surname = ((F.col("_surnames") >= MIN_SURNAME_RECORDS)
                  & (F.col("_firsts") + F.col("_givens") < MIN_FIRST_NAME_RECORDS))
    used = register_words.where(is_first | is_surname).select(
        "_word", "_surnames", is_first.alias("_first"), is_surname.alias("_surname")).collect()
    counted = {row["_word"]: row["_surnames"] for row in used if row["_first"]}
    families = _family_mailboxes(records, sorted(row["_word"] for row in used if row["_surname"]),
                                 letters, surname_letters)
    names = sorted(counted)
    if not names:
        return records.withColumn(EMAIL_NAMES_ANOTHER_COLUMN,
                                  F.expr(_marked_or_listed(marked, families)))
    surnames = f"filter(split(last_name_norm, {_NAME_PARTS}), part -> length(part) >= 3)"
    others = (f"filter(split({local}, '[^a-z]+'), word -> {sql_in('word', names)} "
              f"AND levenshtein(word, {first}) > 2 AND NOT array_contains({surnames}, word))")
    naming = (f"{sql_in(first, names)} AND NOT contains({local}, {first})"
              f" AND exists({surnames}, part -> contains({local}, part))")
    # A couple's names: no word that is also a surname or part of one (anna.martin@ is Anna
    # Martin's, mariavicente@ Maria Vicente Ortega's; the demo's registers carry surnames keyed
    # as first names, heinonen).
    couple_names = {name for name in names if counted[name] < MIN_FIRST_NAME_RECORDS
                    and name.isascii() and name.isalpha()}
    alternatives = "|".join(sorted(couple_names))
    joiners = "|".join(_COUPLE_JOINERS)
    couple = (f"{letters} RLIKE '^(?:{alternatives})(?:{joiners})?(?:{alternatives})$'"
              if couple_names else "false")
    candidates = (records.where(F.expr(f"email IS NOT NULL AND (({naming}) OR {couple})"))
                  .select("record_id", F.expr(first).alias("first"),
                          F.col("first_name_norm").alias("full_first"),
                          F.expr(f"coalesce({naming}, false)").alias("naming"),
                          F.expr(others).alias("others"), F.expr(letters).alias("letters"))
                  .collect())
    flagged = [row["record_id"] for row in candidates
               if (row["naming"] and any(not nicknames_of_one_name(word, row["first"])
                                         for word in row["others"]))
               or _couple_of_names(row["letters"], couple_names, row["full_first"])]
    flagged = sorted({*flagged, *families})
    log.info("emails naming another member of the family: %d records", len(flagged))
    return records.withColumn(EMAIL_NAMES_ANOTHER_COLUMN,
                              F.expr(_marked_or_listed(marked, flagged)))


def _letters(sql: str) -> str:
    """Returns SQL for the letters of the folded text `sql` (an SQL expression): anna.k99 ->
    annak."""
    return f"regexp_replace({sql}, '[^a-z]', '')"


def _marked_or_listed(marked: str, record_ids: Sequence[str]) -> str:
    """Returns SQL true where `marked` (SQL) is, or for the records listed."""
    return f"{marked} OR coalesce({sql_in('record_id', record_ids)}, false)" if record_ids \
        else marked


# A word is a surname (for a family's mailbox) when at least this many register records carry
# it in their surname, and it is no register first name (see _family_mailboxes).
MIN_SURNAME_RECORDS = 2


def _family_mailboxes(records: DataFrame, surname_words: list[str], letters: str,
                      surname_letters: str) -> list[str]:
    """Returns the ids of the records whose email's local part (its letters) is a word for
    family and a register surname, whoever's (casaferrari@ on Raffaele Martini's
    subscription: his wife's name), or two register surnames (ferraripiras@,
    sandstromsandstrom@) other than the record's own (Juan García López's garcialopez@, Phan
    Văn's vanphan@). A surname here is one at least MIN_SURNAME_RECORDS register records carry
    in their surname and fewer than MIN_FIRST_NAME_RECORDS in their first name (a word of it, or
    its letters whole): Martin, Luca and Bruno are surnames too, and martineriksson@ is Martin
    Eriksson's own; the demo's registers key Hans-Peter as a surname now and then, and
    kruger.hanspeter@ is Hans-Peter Krüger's. On
    independent-b (seed 1) such mailboxes had made one customer of husband and wife three
    times (8 of its 32 false pairs). `surname_words`: the register's surnames that are no first
    names, as above."""
    surnames = F.broadcast(values_frame(records.sparkSession, "_word", surname_words))
    cuts = (records.where(F.expr(f"email IS NOT NULL AND length({letters}) >= 6"))
            .select("record_id", F.expr(letters).alias("_letters"),
                    F.expr(surname_letters).alias("_own"),
                    F.expr(f"split(last_name_norm, {_NAME_PARTS})").alias("_parts"))
            .select("*", F.explode(F.sequence(F.lit(3), F.length("_letters") - 3)).alias("_cut"))
            .select("record_id", "_letters", "_own", "_parts",
                    F.expr("substring(_letters, 1, _cut)").alias("_head"),
                    F.expr("substring(_letters, _cut + 1)").alias("_tail")))
    tails = cuts.join(surnames.withColumnRenamed("_word", "_tail"), "_tail", "left_semi")
    heads = tails.join(surnames.select(F.col("_word").alias("_head"),
                                       F.lit(True).alias("_head_surname")), "_head", "left")
    family = F.col("_head").isin(list(FAMILY_WORDS))
    # The record's own surname, its parts in either order (one name twice is a couple's).
    own = F.coalesce(F.array_contains("_parts", F.col("_head"))
                     & F.array_contains("_parts", F.col("_tail"))
                     & (F.col("_head") != F.col("_tail")), F.lit(False)) \
        | (F.col("_letters") == F.col("_own"))
    two_surnames = F.coalesce(F.col("_head_surname"), F.lit(False)) & ~own
    found = sorted({row["record_id"] for row in heads.where(family | two_surnames)
                    .select("record_id").distinct().collect()})
    log.info("emails of a family's mailbox (a word for family or two surnames): %d records",
             len(found))
    return found


def _couple_of_names(letters: str, names: set[str], own_first: str | None) -> bool:
    """Whether an email's local part (its letters) is two first names of `names`, maybe joined
    by a word for "and", neither a familiar form of the other, and not the record's own first
    name (`own_first`, folded: maria jose with mariajose@)."""
    for cut in range(3, len(letters) - 2):
        one, rest = letters[:cut], letters[cut:]
        if one not in names:
            continue
        for joiner in ("", *_COUPLE_JOINERS):
            two = rest[len(joiner):] if rest.startswith(joiner) else None
            if two and two in names and two != one and own_first != f"{one} {two}" \
                    and not nicknames_of_one_name(one, two):
                return True
    return False


# A social display name is a phrase, not a name, when at least this many accounts show it and
# none of its words is a name that a register or a web login carries (see without_phrase_names).
MIN_PHRASE_ACCOUNTS = 3
# Joins a first and a last name into one text to match phrases by (a character no name holds).
_PHRASE_JOINER = "\u241f"


# A display name written as one word that spells the handle's letters (cosmic_wild of
# cosmic_wild88, rickard_eriksson): split at its underscore or dot into two names.
_REPEATS_HANDLE = (
    "coalesce(NOT contains(trim(display_name), ' ')"
    " AND regexp_replace(lower(handle), '[^a-z]', '')"
    " = regexp_replace(concat_ws('', first_name_norm, last_name_norm), '[^a-z]', ''), false)")


def without_phrase_names(records: DataFrame) -> DataFrame:
    """Returns the records with the names of social accounts whose display name is a phrase
    (Coffee Addict, Stay Curious, Gamerguy) taken out (null): at least MIN_PHRASE_ACCOUNTS
    accounts show it, or one whose display name is its handle written again (cosmic_wild of
    cosmic_wild88), and none of its words is a first or last name of any record of another
    kind. Read as a name, a phrase disagrees with the name of every person it is compared
    with, and that penalty sank true pairs whose handle spells the person's name
    (minna.hamalainen showing Coffee Addict) below the floor where pairs are kept; 287 of
    4,034 accounts showed one of two phrases in an independently made data set. Handles read
    as names (cosmic_wild and cosmic_wild88, chef_green and green_chef, swapped) linked two
    strangers' accounts as a rare full name, once in each of two such data sets; a handle
    that spells a name a register carries (rickard_eriksson) keeps it.

    The phrases are few: found in the driver, and matched as a small list of their hashes (none
    on most data), which keeps them out of the query's text and plans."""
    if "source_kind" not in records.columns:
        return records
    social = F.col("source_kind") == "social"
    shown = [(row["first_name_norm"], row["last_name_norm"]) for row in (
        records.where(social & F.col("first_name_norm").isNotNull())
        .groupBy("first_name_norm", "last_name_norm")
        .agg(F.count(F.lit(1)).alias("_accounts"),
             F.max(F.expr(_REPEATS_HANDLE) if {"display_name", "handle"} <= set(records.columns)
                   else F.lit(False)).alias("_handle"))
        .where((F.col("_accounts") >= MIN_PHRASE_ACCOUNTS) | F.col("_handle")).collect())]
    if not shown:
        return records
    words = sorted({w for name in shown for part in name if part for w in part.split()})
    name_words = F.explode(F.array_union(
        F.coalesce(F.split("first_name_norm", " "), F.array().cast("array<string>")),
        F.coalesce(F.split("last_name_norm", " "), F.array().cast("array<string>"))))
    # The lists are matched by their hashes, never written into the query: a query's text and
    # plans (the Spark UI, an event log, a debug log) would show what accounts display.
    names = {row["_word"] for row in records.where(~social).select(name_words.alias("_word"))
             .where(F.expr(hash_in("_word", hashes_of(words).values())))
             .distinct().collect()} & set(words)
    phrases = [(first, last) for first, last in shown
               if not any(w in names for part in (first, last) if part for w in part.split())]
    log.info("social display names read as phrases, not names: %d", len(phrases))
    if not phrases:
        return records
    # Matched as one text (first and last name, the last possibly empty).
    full = f"concat_ws({sql_string(_PHRASE_JOINER)}, first_name_norm, coalesce(last_name_norm, ''))"
    listed = hashes_of(f"{first}{_PHRASE_JOINER}{last or ''}" for first, last in phrases)
    phrase = F.coalesce(social & F.expr(hash_in(full, listed.values())), F.lit(False))
    named = [c for c in ("first_name", "last_name", "first_name_norm", "last_name_norm")
             if c in records.columns]
    return records.select(*[F.when(~phrase, F.col(c)).alias(c) if c in named else F.col(c)
                            for c in records.columns])


def hashes_of(texts: Iterable[str]) -> dict[str, str]:
    """Returns the MD5 (hex) of each of `texts`, as Spark's md5 gives it: lists of what people
    display (names, phrases) are matched in queries by their hashes (hash_in), so that no
    query's text or plan shows them. Computed here, not by a query: a small frame sent to
    Spark for its hashes cost more (the block stage some 4 s longer on 2,000 persons)."""
    return {text: hashlib.md5(text.encode("utf-8")).hexdigest() for text in texts}


def hash_in(expression: str, hashes: Iterable[str]) -> str:
    """Returns the SQL condition that the md5 of `expression` (SQL text) is one of `hashes`
    (false for none): a hash look-up, as tables.sql_in is, of values left unwritten."""
    listed = ", ".join(f"'{h}'" for h in sorted(set(hashes)))
    return f"(md5({expression}) IN ({listed}))" if listed else "false"


def with_names_split_as_others(records: DataFrame) -> DataFrame:
    """Returns the records with a social account's display name split into first and last name
    as the records of other kinds split that name, where standardizing split it otherwise:
    - a compound first name (Gian Luca, María José, Thu Ha): the first and last name it was
      split into are, joined, the first name of a record of another kind, and its last part
      is no other kind of record's surname (De Luca is one, Luca is not). Split as first and
      last name, two Gian Lucas in Bari and in Bologna were namesakes seen once ("luca" is
      nobody's surname), and linked. In an independently made data set
      (benchmarks/independent_data_b.py) 37 and 34 of some 4,100 accounts were re-read, with
      seed 1 and 2: 8 and 2 of them then met their registers' records (Juan Antonio Martín),
      and one false pair went;
    - a double surname or a compound first name beside a surname (Jose Hernandez Soto, Maria
      Isabel Gutierrez Campos): the name, joined, is the first and last name of records of
      another kind, all of which split it one way (jose / hernandez soto). Read as first "jose
      hernandez", last "soto", such an account disagreed with its register on both names:
      some 220 of 4,100 accounts in the data set above (seeds 1 and 2), 118 of 2,000 (seed 3).
    A name both rules would read, or other records split two ways, is left as it is.

    The names are found in the driver and matched as a small map of their hashes, which keeps
    them out of the query's text and plans."""
    if "source_kind" not in records.columns:
        return records
    social = F.col("source_kind") == "social"
    named = F.col("first_name_norm").isNotNull() & F.col("last_name_norm").isNotNull()
    joined_sql = "concat_ws(' ', first_name_norm, last_name_norm)"
    joined = F.expr(joined_sql)
    shown = (records.where(social & named)
             .select(joined.alias("_name"), F.col("first_name_norm").alias("_first"),
                     F.col("last_name_norm").alias("_word")).distinct())
    others = records.where(~social)
    first_names = others.select(F.col("first_name_norm").alias("_name")).distinct()
    surnames = others.select(F.col("last_name_norm").alias("_word")).distinct()
    compound = (shown.join(first_names, "_name").join(surnames, "_word", "left_anti")
                .select("_name", F.col("_name").alias("_split")))
    splits = (others.where(named).groupBy(joined.alias("_name"))
              .agg(F.min("first_name_norm").alias("_split"),
                   F.max("first_name_norm").alias("_other_split"))
              .where(F.col("_split") == F.col("_other_split")))
    resplit = (shown.join(splits, "_name").where(F.col("_split") != F.col("_first"))
               .select("_name", "_split"))
    read = {}
    for row in compound.unionByName(resplit).distinct().collect():
        read[row["_name"]] = None if row["_name"] in read else row["_split"]
    pairs = sorted((name, split) for name, split in read.items() if split is not None)
    log.info("social display names split as other records split them: %d (%d compound "
             "first names)", len(pairs), sum(name == split for name, split in pairs))
    if not pairs:
        return records
    # Looked up by the name's hash, the first name as its number of words: written into the
    # query, the names would show in its text and plans (the Spark UI, an event log, a debug
    # log).
    hashes = hashes_of(name for name, _ in pairs)
    first_words = {hashes[name]: len(split.split(" ")) for name, split in pairs
                   if " ".join(name.split(" ")[:len(split.split(" "))]) == split}
    if not first_words:
        return records
    listed = ", ".join(f"'{h}', {n}" for h, n in sorted(first_words.items()))
    words_first = F.expr(f"element_at(map({listed}), md5({joined_sql}))")
    new_first = F.array_join(F.slice(F.split(joined, " "), 1, words_first), " ")
    split_here = F.coalesce(social & F.col("_new_first").isNotNull(), F.lit(False))
    # The last name: what follows the first name in the joined name (none: a compound first
    # name).
    new_last = F.expr(f"nullif(substr({joined_sql}, length(_new_first) + 2), '')")
    # The names as written follow, word for word where they have as many words as folded.
    written = F.split(F.concat_ws(" ", "first_name", "last_name"), " ")
    words = F.size(F.split(F.col("_new_first"), " "))
    same_words = F.size(written) == F.size(F.split(joined, " "))
    rewritten = {
        "first_name_norm": F.col("_new_first"), "last_name_norm": new_last,
        "first_name": F.when(new_last.isNull(), F.array_join(written, " "))
        .when(same_words, F.array_join(F.slice(written, 1, words), " "))
        .otherwise(F.col("first_name")),
        "last_name": F.when(new_last.isNull(), F.lit(None).cast("string"))
        .when(same_words, F.array_join(F.slice(written, words + 1, F.size(written)), " "))
        .otherwise(F.col("last_name")),
    }
    # Looked up only for the names listed (a hash set): a map literal is searched key by key.
    listed_name = F.expr(hash_in(joined_sql, first_words))
    return (records.withColumn("_new_first", F.when(social & named & listed_name, new_first))
            .select(*[F.when(split_here, rewritten[c]).otherwise(F.col(c)).alias(c)
                      if c in rewritten else F.col(c) for c in records.columns]))


def how_names_were_read(shown: Mapping[str, Any], matched: Mapping[str, Any],
                        business: bool) -> str | None:
    """Returns how matching read a social account's display name where that is not the first
    and last name standardize split it into, for `explain`; None where it is. `shown`: the
    standardized record (source_kind, display_name, first_name_norm, last_name_norm);
    `matched`: its comparison record (the names as compared); `business`: its display name is
    a business's (jobs.standardize.names_an_organisation). No name is repeated."""
    if shown["source_kind"] != "social" or shown["display_name"] is None:
        return None
    first, last = shown["first_name_norm"], shown["last_name_norm"]
    if business:
        return ("its display name is a business's (a company's legal form or a trade's word): "
                "it names nobody, so no names are compared")
    if first is None:
        return ("its display name names nobody (the handle written again, or no letters), so "
                "no names are compared")
    if matched["first_name_norm"] is None:
        return ("its display name is read as a phrase or as its handle, not a name (no register "
                "record or web login carries its words), so no names are compared")
    if last is not None and matched["last_name_norm"] is None:
        return ("its display name is read as one first name, a compound one that the registers "
                "carry, and no surname")
    if matched["first_name_norm"] != first:
        return ("its display name is split into first and last name as other records split it "
                "(a double surname, or a compound first name), not as written")
    return None


def namesakes_seen_on_one_platform(records: DataFrame) -> DataFrame:
    """Returns the full names (first_name_norm, last_name_norm) that two accounts of one social
    platform show, with `_seen` 1.0: a platform holds one account per person, so at least two
    people carry such a name, and its namesake figures are at least one.

    The figures above assume first and last names drawn independently. A display name that is
    a phrase (Coffee Addict, Stay Curious: 140 accounts each in an independently made data set)
    breaks that: its two words are rare, and the figure said a namesake was unlikely."""
    platform = F.substring_index(F.col("source_record_id"), ":", 1)
    named = records.where((F.col("source_kind") == "social")
                          & F.col("first_name_norm").isNotNull()
                          & F.col("last_name_norm").isNotNull())
    return (named.groupBy("first_name_norm", "last_name_norm", platform.alias("_platform"))
            .count().where(F.col("count") > 1)
            .select("first_name_norm", "last_name_norm").distinct()
            .withColumn("_seen", F.lit(1.0)))


# Birth dates a full name's register records show, at most this many per name, when the
# registers are searched for two people carrying it: a name with more is common anyway.
MAX_BIRTH_DATES_PER_NAME = 20


def two_peoples_birth_dates(a: str, b: str) -> str:
    """Returns SQL that is true where the dates `a` and `b` (SQL expressions) are two people's:
    the years differ and so do the day and month, either way round. A slip of the pen changes
    one of the two (a digit, the year, day and month transposed); two people seldom share
    either."""
    return (f"year({a}) != year({b}) AND NOT (month({a}) = month({b}) AND day({a}) = day({b}))"
            f" AND NOT (month({a}) = day({b}) AND day({a}) = month({b}))")


def namesakes_seen_in_registers(records: DataFrame, in_one_city: bool = False) -> DataFrame:
    """Returns the full names (first_name_norm, last_name_norm, and city_norm `in_one_city`)
    that register records show with two people's birth dates (two_peoples_birth_dates), with
    `_seen` 1.0 (as namesakes_seen_on_one_platform): two people carry the name (in the city).

    The namesake figures count first and last names apart, as if drawn independently; names
    of one origin go together (Thu Ha and Tran, Khadija and Alaoui), and a parent and a child
    share a full name at one address. In an independently made data set
    (benchmarks/independent_data_b.py, seed 1) such names, which the figures called rare, linked
    social accounts and web profiles to the wrong one of two people in the registers. Only
    the figure for all the data counts namesakes in other cities: two Thu Ha Trans, one in
    Stockholm and one in Malmö, leave the Stockholm account of that name to the Stockholm one.

    Measured alone (2026-12-05, bench_accuracy.py): independent-b seed 1 went from 83 false
    pairs to 69 (16 true ones fewer), seed 2 from 36 to 35 (9 fewer); independent from 19 to
    15 (35 fewer), independent-hard and the demo lost 24 and 15 true pairs and no false one:
    links a name two people carry, right more often than not but a guess."""
    keys = ["first_name_norm", "last_name_norm", *(["city_norm"] if in_one_city else [])]
    named = records.where((F.col("source_kind") == "registry")
                          & F.col("birth_date").isNotNull())
    for key in keys:
        named = named.where(F.col(key).isNotNull())
    differ = two_peoples_birth_dates("a", "b")
    two_people = F.expr(f"exists(_dates, a -> exists(_dates, b -> {differ}))")
    return (named.groupBy(*keys)
            .agg(F.slice(F.sort_array(F.collect_set("birth_date")), 1,
                         MAX_BIRTH_DATES_PER_NAME).alias("_dates"))
            .where(two_people)
            .select(*keys, F.lit(1.0).alias("_seen")))


def with_handle_stem_accounts(records: DataFrame) -> DataFrame:
    """Returns the records with `handle_stem_accounts`: for a social account, how many accounts
    of its platform (and source) carry the letters of its handle without the digits and
    separators that end it (`handle_letters`: pixelpunk for pixelpunk47 and pixel.punk_12);
    null for other records.

    It tells a handle of one person's making from a pattern many follow: where a platform holds
    one pixelpunk, the pixelpunk47 of another platform is likely the same person; where it holds
    nightowl61, nightowl7 and nightowl99, the same digits on two platforms may be chance."""
    platform = F.coalesce(F.col("platform"), F.lit(""))
    counts = (records.where(F.col("handle_letters").isNotNull())
              .groupBy("source", platform.alias("_platform"), "handle_letters")
              .agg(F.count(F.lit(1)).alias(HANDLE_STEM_COLUMN)))
    return (records.withColumn("_platform", platform)
            .join(counts, ["source", "_platform", "handle_letters"], "left")
            .drop("_platform"))


def with_handle_initial_year(records: DataFrame) -> DataFrame:
    """Returns the records with `handle_initial_year`: true for a social account whose handle
    is its first name and its surname's initial (or the initial and the surname, either way
    round) and a year, two digits or four: tobias_k54 of Tobias Klein, kvirtanen1984. Such a
    handle says no more than a first name, an initial and perhaps a year of birth, which many
    people share: on two demo populations, two accounts with one such handle and nothing else
    in common were one person's in 7 pairs of 8 (two Tobias Kleins born in 1954 on two
    platforms). Where the display name shows only a first name, a handle of it and one letter
    more and a year (laura.m88) counts too. Null without a handle or a first name."""
    def letters(column: str) -> Column:
        return F.regexp_replace(F.col(column), "[^a-z]", "")

    first, last = letters("first_name_norm"), letters("last_name_norm")
    forms = [F.concat(first, F.substring(last, 1, 1)), F.concat(F.substring(first, 1, 1), last),
             F.concat(last, F.substring(first, 1, 1)), F.concat(F.substring(last, 1, 1), first)]
    year = F.col("handle").rlike("(^|[^0-9])((19|20)[0-9]{2}|[0-9]{2})$")
    named = (F.length(first) >= 2) & (F.length(last) >= 2)
    # Where only the first name is shown (Laura), a handle of it and one letter more, either
    # side (laura.m88, klaura88), is the same kind of handle.
    handle = F.col("handle_letters")
    first_only = (F.length(first) >= 2) & ~(F.coalesce(F.length(last), F.lit(0)) >= 2)
    first_and_letter = (F.length(handle) == F.length(first) + 1) \
        & (handle.startswith(first) | handle.endswith(first))
    return records.withColumn(HANDLE_INITIAL_YEAR_COLUMN, F.when(
        handle.isNotNull() & named, year & F.array_contains(F.array(*forms), handle))
        .when(handle.isNotNull() & first_only, year & first_and_letter))


def initial_year_handle() -> Column:
    """True on a pair where either account's handle is a first name, an initial and a year
    (tobias_k54, see with_handle_initial_year): many people's, so it links nothing alone."""
    return F.coalesce(F.col(f"{HANDLE_INITIAL_YEAR_COLUMN}_l"), F.lit(False)) \
        | F.coalesce(F.col(f"{HANDLE_INITIAL_YEAR_COLUMN}_r"), F.lit(False))


def shared_handle(levels: Levels) -> Column:
    """Two social accounts with one handle (pixelpunk47 on X and on Instagram, X's cut at 15
    characters) made by one person: it carries two or more digits in a row, and either no
    other account of either platform carries its letters (see with_handle_stem_accounts) and
    the first names the display names show do not disagree, or both display names show the
    same first name, one that shows a gender. People keep their handle across platforms; a
    handle built from a name alone (matti_korhonen, ahiltunen) is shared by namesakes, and a
    word with digits (nightowl61) by chance where many chose the word, but seldom by two people
    of one first name.

    In two independently made data sets, pairs of accounts with such a handle of one
    person's letters were one person's in 114 of 114 and 123 of 123; with letters that other
    accounts carry too and the same first name, 107 of 109 and 90 of 92, and 101 of 102 and
    83 of 85 where that first name shows a gender (one of the false pairs is two Coffee
    Addicts); with first names missing, 86%; different, 60%; same handles with letters only,
    90% and 99%. A handle of a first name, an initial and a year (with_handle_initial_year) is
    left out: 7 of 8 such pairs on two demo populations, none in those two data sets."""
    digits = F.col("handle_l").rlike("[0-9]{2}") & F.col("handle_r").rlike("[0-9]{2}")
    one_each = (F.col(f"{HANDLE_STEM_COLUMN}_l") == 1) & (F.col(f"{HANDLE_STEM_COLUMN}_r") == 1)
    # One first name, and one that the registers show to be a person's (it shows a gender, see
    # with_name_genders): a display name that is a phrase (Coffee Addict) shows a first name
    # that many strangers share with their handle's word.
    named = F.col(f"{GENDER_SHOWN_COLUMN}_l").isNotNull() \
        & F.col(f"{GENDER_SHOWN_COLUMN}_r").isNotNull()
    first_names = F.coalesce(one_each, F.lit(False)) & ~levels.disagrees("first_name") \
        | levels.top("first_name") & named
    return levels.top("handle") & F.coalesce(digits, F.lit(False)) & first_names \
        & ~initial_year_handle()


def rare_full_name_in_one_city(levels: Levels, max_namesakes: float) -> Column:
    """Both names exact (or the first name exact and the surname in a social handle built from
    the full name, mvirtanen), one city, birth dates agreeing or missing, and a full name so
    rare there (see with_expected_namesakes) that a namesake is unlikely: the evidence a social
    account offers most often (a display name and a location), enough only where the data shows
    that names are varied. `max_namesakes` 0 turns it off.

    Such a pair links even below the threshold (see link_rule): the model weighs first and last
    names one at a time against all records, and a social account brings nothing else, so it
    scores them 0.8 to 0.95 where the full name in that city is all but unique. On the demo
    data the scored pairs with both names exact and a figure of at most 0.01 on both sides are
    all true matches (143, 37 of them missed by the threshold); at 0.02 one in 147 is not.
    """
    if max_namesakes <= 0:
        return F.lit(False)
    left, right = F.col(f"{NAMESAKES_COLUMN}_l"), F.col(f"{NAMESAKES_COLUMN}_r")
    # Both names on both sides: both sides counted. A social account that shows a first name
    # and spells the surname only in its handle (Matti, mvirtanen): the other side's count.
    full_names = levels.top("last_name") & (left <= max_namesakes) & (right <= max_namesakes)
    handle_names = levels.top("handle_name") & (F.greatest(left, right) <= max_namesakes)
    # The same city, spelled alike: the figure is counted for each side's own spelling, and a
    # misspelt city is a small one. A birth date on both sides must agree (as the guard reads
    # it), not merely fall in the same year.
    same_city = F.coalesce(F.col("city_norm_l") == F.col("city_norm_r"), F.lit(False))
    birth_dates_fit = (levels.gamma("birth_date") == NULL_LEVEL) \
        | levels.at_least("birth_date", "transposed_or_one_digit")
    return levels.top("first_name") & same_city & birth_dates_fit \
        & F.coalesce(full_names | handle_names, F.lit(False))


# How much more common a full name may be when the birth year a social account shows (in its bio
# or handle) agrees too.
HANDLE_YEAR_FACTOR = 20.0


def rare_full_name_anywhere(levels: Levels, max_namesakes: float) -> Column:
    """Both names exact (or the first name exact and a handle built from the full name), a
    full name so rare in all the data (`namesakes_anywhere` at most `max_namesakes` on both
    sides, HANDLE_YEAR_FACTOR times that when the year in a handle agrees) that a namesake is
    unlikely anywhere, and nothing against it: no birth date, email or phone that disagrees.
    What a social account without a location offers: a display name, a handle. `max_namesakes`
    0 turns it off.

    Links below the threshold like the rare name in one city (see link_rule). On demo-varied
    (names as varied as a real register's) the pairs with both names exact and no birth date
    against them that nothing else linked are true matches up to a figure of 0.002 (150 of
    150), 99.5% up to 0.005. At 0.02 (the default) the job's recall there is 0.511 against
    0.487 at 0.005 and 0.443 without the rule, with 3 false pairs of 7,163 (2 at 0.005); on the
    demo's short name lists it adds 10 true pairs and no false one, where 0.05 would take
    magazine~social precision from 0.987 to 0.973.
    """
    if max_namesakes <= 0:
        return F.lit(False)
    left, right = F.col(f"{NAMESAKES_ANYWHERE_COLUMN}_l"), F.col(f"{NAMESAKES_ANYWHERE_COLUMN}_r")
    # A namesake would also need the birth year a handle shows (anna_k84): one in some sixty.
    limit = F.when(levels.top("handle_birth_year"), F.lit(max_namesakes * HANDLE_YEAR_FACTOR)) \
        .otherwise(F.lit(max_namesakes))
    # Both names on both sides: both counted (greatest would pass over a null). A first name
    # and a handle built from the full name (Matti, mvirtanen): the other side's count.
    full_names = levels.top("last_name") & (left <= limit) & (right <= limit)
    handle_names = levels.top("handle_name") & (F.greatest(left, right) <= limit)
    birth_dates_fit = (levels.gamma("birth_date") == NULL_LEVEL) \
        | levels.at_least("birth_date", "transposed_or_one_digit")
    nothing_against = ~levels.disagrees("email") & ~levels.disagrees("phone")
    return levels.top("first_name") & birth_dates_fit & nothing_against \
        & F.coalesce(full_names | handle_names, F.lit(False))


# IPs seen with two or more logins that the sharing rate needs before it says anything.
MIN_IPS_FOR_SHARING = 20


def ip_sharing(records: DataFrame, max_block_size: int) -> DataFrame:
    """Returns one row (`ips`, `shared`): the IP addresses seen with two or more login emails
    (online profiles whose visitor logged in), at most `max_block_size` records each (the
    blocking limit: a public hotspot proposes no pairs anyway), and how many of them carry two
    or more different emails.

    It says, from the data at hand, whether an IP stands for one person or for a household:
    where a home connection is shared (the demo data: more than half of such IPs show two
    people's logins) a shared IP says little; where IPs are personal (a device's own address)
    two profiles on one IP are one visitor.
    """
    per_ip = (records.where(F.col("ip_address").isNotNull())
              .groupBy("ip_address")
              .agg(F.count(F.lit(1)).alias("_records"),
                   F.count("email_sha256").alias("_logins"),
                   F.countDistinct("email_sha256").alias("_emails")))
    seen = per_ip.where((F.col("_logins") >= 2) & (F.col("_records") <= max_block_size))
    return seen.agg(F.count(F.lit(1)).alias("ips"),
                    F.coalesce(F.sum((F.col("_emails") >= 2).cast("long")), F.lit(0))
                    .alias("shared"))


def ips_are_personal(ips: int, shared: int, max_sharing: float) -> bool:
    """True when enough IPs were seen with two logins and few enough of them carry two
    people's (see ip_sharing); `max_sharing` 0 turns the personal-IP link off."""
    return max_sharing > 0 and ips >= MIN_IPS_FOR_SHARING and shared <= max_sharing * ips


def personal_ip(levels: Levels) -> Column:
    """The same IP, which no more records use than one person's devices and no two login
    emails (IP_SHARED_COLUMN), and nothing against it: no first names, login emails or birth
    dates that disagree. Links (see link_rule) only where ips_are_personal says the data's IPs
    are one person's: that is said of all of them, and an office's or a café's among them had
    made one customer of every visitor behind it (a probe's offices: 21 web records each)."""
    shared = F.coalesce(F.col(f"{IP_SHARED_COLUMN}_l"), F.lit(False))
    return levels.top("ip_address") & ~shared & ~levels.disagrees("first_name") \
        & ~levels.disagrees("email") & ~levels.disagrees("birth_date")


def with_ip_use(records: DataFrame) -> DataFrame:
    """Returns the records with IP_SHARED_COLUMN: true where more than PERSONAL_IP_MAX_RECORDS
    records carry the record's IP, or two or more login emails (email_sha256) do; null without
    an IP. On the demo data with personal IPs, every IP two visits of one person share is used
    by at most three records and one login."""
    per_ip = (records.where(F.col("ip_address").isNotNull()).groupBy("ip_address")
              .agg(((F.count(F.lit(1)) > PERSONAL_IP_MAX_RECORDS)
                    | (F.countDistinct("email_sha256") >= 2)).alias(IP_SHARED_COLUMN)))
    return records.join(per_ip, "ip_address", "left")


def household_emails(pairs: DataFrame, records: DataFrame, levels: Levels) -> DataFrame:
    """Returns the emails (column email_sha256) that two people share: emails equal on a
    compared pair whose first names disagree, and so do their birth dates or the genders they
    show (GENDER_SHOWN_COLUMN: recorded, or what the first name shows in the data).

    A family's mailbox carries both parents' subscriptions (Satu and Tuomas Hakala, born 1955
    and 1958, one email). Such an email says nothing about which of them a record is: it
    neither links (a login with it could be either) nor excuses another disagreement. Where
    a birth date is missing (a social account, a subscription without one) the genders tell:
    Louise Johansson's subscription, with no birth date, shows `louiselars@` as Lars
    Stengren's do, and through it father and son Stengren (1975 and 1995) and a web login
    were one customer. With genders (2026-12-06) independent-b seed 1 went from 59 false
    pairs to 47 (9 of them that family's, 3 a web visit no longer joined to another
    family's records; 2 true pairs fewer), seed 2 kept its 36 (2 true fewer), independent
    and independent-hard lost 5 and 6 true pairs of some 6,400 each, the demos none. A first
    name too rare in the data to show a gender (Mariarosaria, on a social account with her
    family's mailbox) still says nothing."""
    two_genders = F.coalesce(
        F.col(f"{GENDER_SHOWN_COLUMN}_l") != F.col(f"{GENDER_SHOWN_COLUMN}_r"), F.lit(False))
    two_people = pairs.where(levels.top("email") & levels.disagrees("first_name")
                             & (levels.disagrees("birth_date") | two_genders)).select("record_l")
    return two_people.join(records.select(F.col("record_id").alias("record_l"), "email_sha256"),
                           "record_l").select("email_sha256").distinct()


def with_household_emails(pairs: DataFrame, emails: DataFrame) -> DataFrame:
    """Returns the pairs with HOUSEHOLD_EMAIL: true where record_l's email (equal to record_r's
    when the email level is exact) is one of `emails` (see household_emails), or where either
    record's email names another member of its family (see with_email_naming_another)."""
    marked = emails.select(F.col("email_sha256").alias("email_sha256_l"),
                           F.lit(True).alias("_shared"))
    named = [F.coalesce(F.col(f"{EMAIL_NAMES_ANOTHER_COLUMN}_{side}"), F.lit(False))
             for side in ("l", "r")]
    return pairs.join(F.broadcast(marked), "email_sha256_l", "left").withColumn(
        HOUSEHOLD_EMAIL, F.coalesce(F.col("_shared"), F.lit(False)) | named[0] | named[1]
    ).drop("_shared")


def _own_email(levels: Levels) -> Column:
    """The email agrees and is not a household's (see household_emails)."""
    if not levels.household_emails:
        return levels.top("email")
    return levels.top("email") & ~F.col(HOUSEHOLD_EMAIL)


def identity_guard(levels: Levels, contact_sources: Collection[str],
                   birth_dates_reliable: bool = False) -> Column:
    """A link needs first names that do not disagree within a household, and evidence beyond
    names.

    Households and twins share a surname, an address, a phone and (twins) a birth date: only the
    first name tells them apart. Where a source records people's own contact details or gender
    (`contact_sources`), people are individuals to it, and a clear first-name disagreement within
    a surname vetoes the link unless a shared email says it is one person. Where neither source
    records any (a plain name-and-address register), a replaced or garbled first name cannot be
    told from a sibling, and the score decides, weighing how often first names disagree within
    true matches there.

    Namesakes share everything a name can give (and a handle built from it): a name alone never
    links; a birth date (exact, or transposed or a digit off at one postal code), an email, a
    phone or a street address must agree too, and two people's contact details veto the link:
    emails that differ with no place in common and no shared phone, or emails and phones that
    both differ unless first name and birth date agree exactly. A social account has no birth
    date: the year in its handle (anna_k84) with both names and the city stands in for it. In a
    plain register (no contact details on either side) both names at one postal code, with no
    birth date to contradict them, are the best evidence there is and suffice, and so where
    birth dates are keyed in with errors (not `birth_dates_reliable`) with a differing birth
    date at one house number or on one street (its name keyed with at most a slip); where
    contact details exist, namesakes at one postal code are told apart by them (on the demo data
    such pairs are as often namesakes as not).

    Where matches almost never disagree on birth dates (`birth_dates_reliable`, see
    jobs.guards.birth_dates_are_reliable: true of the demo's registers, not of keyed-in ones
    such as FEBRL), two birth dates that no typo explains veto the link: on the demo data
    with varied names the only such links were a mother and daughter of one name and address,
    and sisters whose first names are a letter apart.
    """
    return ~vetoed(levels, contact_sources, birth_dates_reliable) \
        & corroborated(levels, contact_sources, birth_dates_reliable)


def vetoed(levels: Levels, contact_sources: Collection[str],
           birth_dates_reliable: bool = False) -> Column:
    """True where any of the guard's vetoes (guard_vetoes) refuses the pair."""
    refused = F.lit(False)
    for veto in guard_vetoes(levels, contact_sources, birth_dates_reliable).values():
        refused = refused | veto
    return refused


# What each veto of guard_vetoes means, as `explain` prints it.
VETO_REASONS = {
    "household_first_names": "first names disagree and surnames do not (the same, or one "
                             "record has none) in a source with contact details (a household; "
                             "an initial or a middle name agrees where "
                             "the birth date or the phone does and no contact detail differs "
                             "without one agreeing), and no email of their own agrees",
    "two_peoples_emails": "emails differ with no place in common and no shared phone "
                          "(two people's contact details)",
    "emails_and_phones_differ": "emails and phones both differ, and first name and birth date "
                                "do not both agree exactly (two people of one household)",
    "one_sources_contacts_differ": "two records of one source with an email or a phone that "
                                   "differs and none that agrees, and names (the first name "
                                   "exactly) and birth date do not all agree (two subscribers "
                                   "of one household)",
    "first_names_only_alike": "first names only alike (Anna and Anni) within a surname, with an "
                              "email or a phone of their own that differs and none that agrees "
                              "(twins or siblings)",
    "birth_dates_with_contacts": "birth dates differ beyond a typo where a source holds "
                                 "contact details, and names and an email of their own do not "
                                 "both agree",
    "genders_differ": "genders differ",
    "names_differ": "first and last names both differ, and neither an email of their own nor "
                    "the birth date agrees (two people of one household)",
    "first_name_genders_differ": "first names alike but not the same show two genders (in the "
                                 "data's own recorded genders)",
    "birth_dates_reliable": "birth dates differ beyond a typo where true matches almost never "
                            "do (see jobs.guards.birth_dates_are_reliable)",
    "two_peoples_birth_dates": "birth dates differ in the year and in the day and month where a "
                               "source holds contact details (two people's)",
}
# Printed by `explain` when no veto applies but nothing beyond the names agrees.
NOT_CORROBORATED = ("too little beyond the names agrees (namesakes): no birth date, email, "
                    "phone or street address agrees, nor both names at one postal code in a "
                    "plain register, nor the birth year an account shows in one city, nor a "
                    "handle of one person's making that two accounts share")


def _individuals(contact_sources: Collection[str]) -> Column:
    """True for a pair with a record from a source that holds people's own contact details."""
    if not contact_sources:
        return F.lit(False)
    sources = sorted(contact_sources)
    return _source_of("record_l").isin(sources) | _source_of("record_r").isin(sources)


def _one_source() -> Column:
    """True for a pair of two records of one source."""
    return _source_of("record_l") == _source_of("record_r")


def _names_agree(levels: Levels) -> Column:
    return ~levels.disagrees("first_name") & (levels.gamma("first_name") != NULL_LEVEL) \
        & levels.at_least("last_name", "fuzzy_0.88_or_phonetic")


def corroborated(levels: Levels, contact_sources: Collection[str],
                 birth_dates_reliable: bool = False) -> Column:
    """True where something beyond the names agrees (see identity_guard)."""
    same_email = _own_email(levels)
    individuals = _individuals(contact_sources)
    names_agree = _names_agree(levels)
    # Where birth dates are keyed in with errors (not `birth_dates_reliable`: FEBRL's differ
    # wholly in one true match in twenty), a differing one does not contradict names at one
    # postal code and one house number or one street, the street's name keyed with at most a
    # slip (namesakes in one postal code live at other numbers in other streets).
    no_birth_date_against = levels.gamma("birth_date") == NULL_LEVEL
    if not birth_dates_reliable:
        same_place = F.coalesce(
            (F.col("house_number_l") == F.col("house_number_r"))
            | slipped(F.col("street_norm_l"), F.col("street_norm_r")), F.lit(False))
        no_birth_date_against = no_birth_date_against | same_place
    postal_with_names = levels.at_least("address", "same_postal_code") & names_agree \
        & no_birth_date_against & ~individuals
    # The surname may be spelt in the handle alone (ellanieminen98 showing "Ella").
    names_or_handle = names_agree | (~levels.disagrees("first_name")
                                     & (levels.gamma("first_name") != NULL_LEVEL)
                                     & levels.at_least("handle_name", "name_form"))
    handle_year = levels.top("handle_birth_year") & names_or_handle \
        & levels.at_least("address", "same_city")
    # A birth date a slip away agrees with a random record's one time in some nine hundred
    # (an exact one in some ten thousand): among the namesakes of a common name that happens,
    # so it corroborates names only at one postal code (on seeds 42 and 7 of the demo, FEBRL3
    # and FEBRL4, the only such links elsewhere were namesakes: Oskar Johansson of Malmö born
    # 1977 and another born 1974).
    near_birth_date = levels.at_least("birth_date", "transposed_or_one_digit") \
        & (levels.top("birth_date") | levels.at_least("address", "same_postal_code"))
    return near_birth_date | same_email \
        | levels.top("phone") | levels.at_least("address", "similar_street") | postal_with_names \
        | handle_year | shared_handle(levels)


def guard_vetoes(levels: Levels, contact_sources: Collection[str],
                 birth_dates_reliable: bool = False) -> dict[str, Column]:
    """Returns the identity guard's vetoes by name (see VETO_REASONS): each true on a pair it
    refuses, whatever the score (see identity_guard)."""
    same_email = _own_email(levels)
    individuals = _individuals(contact_sources)
    names_agree = _names_agree(levels)
    vetoes: dict[str, Column] = {}
    household = ~levels.disagrees("last_name")
    # A contact detail of their own (email, phone) differs and none agrees.
    contacts_differ = (levels.disagrees("email") | levels.disagrees("phone")) \
        & ~(same_email | levels.top("phone"))
    # An initial or a middle name is not another first name (Harri and H, Kari and Kari
    # Juhani) where the birth date or the phone agrees and no contact detail of their own
    # differs without one agreeing: not twins of one birth date and address, Janusz and J,
    # each with an email of his own, nor Peer and P. Fischer at one address with nothing
    # known of Peer but his name.
    one_name = first_names_compatible() & (levels.top("birth_date") | levels.top("phone")) \
        & ~contacts_differ
    vetoes["household_first_names"] = levels.disagrees("first_name") & ~one_name & household \
        & ~same_email & individuals
    # Two people's contact details: emails that differ, and nothing of the place in common
    # (not the city, not a postal code nearby), with no shared phone. Names and a birth date
    # then point at namesakes born the same day (two Liisa Räsänens of 1994-11-25, one in
    # Helsinki, one in Jyväskylä), which the model, weighing each value on its own, scores
    # above 0.99. On the demo's seeds 42 and 7 every such pair above 0.5 was two people (6).
    vetoes["two_peoples_emails"] = levels.disagrees("email") & levels.disagrees("address") \
        & ~levels.top("phone")
    # Each of two people has an email and a phone of their own: both differing, they are two
    # people of one household (Elsina and Elsin at one address; two Lucas Vincents, father
    # and son, one record without a birth date), unless first name and birth date are exactly
    # one person's, who changed both. Of the pairs scored above 0.5 on six demo data sets
    # (seeds 42, 7 and 11) none with both differing was one person; the job had linked five.
    # A 1 January is no such proof: it is what a register writes when it knows only the year
    # (two Mohammed Alis of 1984-01-01 in one city, each with an email and a phone of his own).
    new_year = F.coalesce((F.month("birth_date_l") == 1) & (F.dayofmonth("birth_date_l") == 1),
                          F.lit(False))
    vetoes["emails_and_phones_differ"] = levels.disagrees("email") & levels.disagrees("phone") \
        & ~(levels.top("first_name") & levels.top("birth_date") & ~new_year)
    # Two records of one source: a registry keeps one record per subscriber, so a second one at
    # the same address whose email or phone differs, with no contact detail in common, is a
    # second subscriber (a father and son of one name, one record without a birth date; twins
    # Jean and Jean-Marc born a day apart), unless names and an exact birth date say one person.
    # Across sources a person's contact details differ often (one registry holds the email,
    # the other an older phone), and there this says little. On the six benchmark data sets
    # this removed 4 false links of independent-hard (telecom~telecom went from 94 true of 97
    # to 94 of 94) and one true one of the demo (a subscriber who came back with a new phone,
    # one record without a birth date), and changed nothing else.
    # The first name must be the same, not only alike: twins Anna and Anni of one birth date
    # and address, each with a phone of her own, are two subscribers.
    vetoes["one_sources_contacts_differ"] = _one_source() & contacts_differ \
        & ~(levels.top("first_name") & names_agree & levels.top("birth_date"))
    # First names only alike (the weakest agreeing level: Anna and Anni, Mikko and Mika, Lukas
    # and Lucas; a typo is mostly closer, Johana, Mattti) within a surname, and a contact
    # detail of their own differing with none agreeing: twins or siblings, each with a phone
    # or an email of their own, across sources too.
    vetoes["first_names_only_alike"] = levels.on("first_name", "fuzzy_0.88_or_phonetic") \
        & household & contacts_differ & individuals
    # Where records hold people's own contact details, a birth date that no typo explains is
    # another person's unless the names agree and the email is the same (and not a family's):
    # a parent and a child, a family sharing a mailbox, landline and address (Satu and Tuomas
    # Hakala, born 1955 and 1958, one email), namesakes. Of the pairs scored above 0.5 with
    # birth dates disagreeing, in two independently made data sets, 9 of 1,722 were one
    # person's, 8 of them with names and email agreeing; on the demo's, none of 148. FEBRL's
    # keyed-in registers (no contact details) garble birth dates, and there the score decides.
    vetoes["birth_dates_with_contacts"] = levels.disagrees("birth_date") & individuals \
        & ~(names_agree & same_email)
    # Two genders are two people: a brother and sister with names a letter or two apart
    # (François and Françoise, Daniel and Danielle, twins born the same day). Of the pairs
    # scored above 0.5 with genders disagreeing, in the four data sets with genders (the demo's
    # and two of independent make), none was one person's (of 745).
    vetoes["genders_differ"] = levels.disagrees("gender")
    # First and last name both wholly different: two people sharing a home (flatmates Leszek
    # Lewandowski and Rafał Urbański, one address and landline, born the same year, scored
    # 0.975), unless an email of their own or the exact birth date says one person (Marie
    # Martin who married and signs M. Dupont). Where no source records contact details (a
    # keyed-in register), both names can be garbled at once and the score decides.
    vetoes["names_differ"] = levels.disagrees("first_name") & levels.disagrees("last_name") \
        & ~same_email & ~levels.top("birth_date") & individuals
    # A first name alike but not the same, showing another gender than the other record's
    # (recorded, or shown by its own first name: see with_name_genders): Petra Schmitz on
    # Instagram against Peter Schmitz in a register, Marek against Marta. Where both genders
    # are recorded, genders_differ decides; an exact first name shows no more than the
    # other record's own (Andrea, recorded as a man, in a country where most Andreas are women).
    shown_differ = F.col(f"{GENDER_SHOWN_COLUMN}_l") != F.col(f"{GENDER_SHOWN_COLUMN}_r")
    vetoes["first_name_genders_differ"] = (levels.gamma("gender") == NULL_LEVEL) \
        & ~levels.top("first_name") & F.coalesce(shown_differ, F.lit(False))
    if birth_dates_reliable:
        vetoes["birth_dates_reliable"] = levels.disagrees("birth_date")
    # Where typed birth dates slip often (a wrong year, day and month transposed), a record's
    # own email agreeing lifts birth_dates_with_contacts, and the cluster guard is off, two
    # dates that differ in the year and in the day and month still say two people: a father
    # and a son of one name at one address sharing a family email (Lars Stengren of 1975 and
    # of 1995, linked at weight 27 to 44 in an independently made data set,
    # benchmarks/independent_data_b.py). Alone it took independent-b's false pairs from 83 to 79
    # (seed 1) and 36 to 35 (seed 2), with 8 and 7 true ones fewer (a date keyed in with two
    # slips); independent-hard lost 2 true pairs, the demo and independent none.
    vetoes["two_peoples_birth_dates"] = levels.disagrees("birth_date") & individuals \
        & F.coalesce(F.expr(two_peoples_birth_dates("birth_date_l", "birth_date_r")),
                     F.lit(False))
    return vetoes


def decisive_email(levels: Levels, enabled: bool) -> Column:
    """A shared email (a login hash meeting a registry email) links on its own unless the first
    names or the birth dates contradict it. On the demo data every such pair below the
    threshold (1,480 of them) is a true match: the threshold only missed them because a web
    profile's place, guessed from its IP, disagrees with the home address."""
    if not enabled:
        return F.lit(False)
    # An initial or a middle name written or left out (Filip and F at a web login, Kari and
    # Kari Juhani) is no contradiction, though the first-name comparison finds them unlike.
    contradicted = levels.disagrees("first_name") & ~first_names_compatible()
    return _own_email(levels) & ~contradicted & ~levels.disagrees("birth_date")


# A rare full name links below the threshold, but not against the score: the model must still
# find the pair more likely a match than not.
DECISIVE_MIN_PROBABILITY = 0.5
# A personal IP needs less of the score: the model weighs an IP against all record pairs and
# cannot know what the data's own IPs say (at most max_ip_sharing of them two people's), so a
# pair sharing one with nothing against it scores 0.1 to 0.5. It must still not be unlikely:
# other values that disagree (another city) push a pair below this. On demo-varied the pairs
# between 0.1 and 0.5 that the rule would link are all one person's.
PERSONAL_IP_MIN_PROBABILITY = 0.1


def link_rule(matching: MatchingConfig, specs: Sequence[ComparisonSpec],
              contact_sources: Collection[str], birth_dates_reliable: bool = False,
              personal_ips: bool = False, household_emails: bool = False) -> Column:
    """True for a scored pair that links (judged_links), judged only where it could: at or
    above the lowest probability a link needs (the threshold, DECISIVE_MIN_PROBABILITY, and
    PERSONAL_IP_MIN_PROBABILITY with `personal_ips`), or with the email agreeing. Most
    candidate pairs are far below: judging every pair cost some 10 s of the score stage's
    45 s at 100,000 persons."""
    floor = min(matching.link_threshold, DECISIVE_MIN_PROBABILITY,
                PERSONAL_IP_MIN_PROBABILITY if personal_ips else 1.0)
    could = F.col("match_probability") >= floor
    if matching.exact_email_links:
        could = could | Levels(specs).top("email")
    return F.when(could, judged_links(matching, specs, contact_sources, birth_dates_reliable,
                                      personal_ips, household_emails)).otherwise(F.lit(False))


def judged_links(matching: MatchingConfig, specs: Sequence[ComparisonSpec],
                 contact_sources: Collection[str], birth_dates_reliable: bool = False,
                 personal_ips: bool = False, household_emails: bool = False) -> Column:
    """True for a scored pair that links: above the threshold and past the identity guard, a
    decisive shared email, a rare full name in one city or anywhere or a handle of one person's
    making that two social accounts share (shared_handle) at DECISIVE_MIN_PROBABILITY,
    or an IP that the data shows to be personal (`personal_ips`) at
    PERSONAL_IP_MIN_PROBABILITY. `household_emails`: the pairs carry HOUSEHOLD_EMAIL, and such
    an email counts as no evidence.

    The guard's vetoes (guard_vetoes) refuse a pair whichever way it would link: a rare full
    name in one city does not make a father and son with emails and phones of their own one
    person, nor a shared email a brother and sister."""
    levels = Levels(specs, household_emails)
    likely = F.col("match_probability") >= DECISIVE_MIN_PROBABILITY
    rare_name = (rare_full_name_in_one_city(levels, matching.max_expected_namesakes)
                 | rare_full_name_anywhere(levels, matching.max_namesakes_anywhere)
                 | shared_handle(levels)) & likely
    same_ip = (personal_ip(levels)
               & (F.col("match_probability") >= PERSONAL_IP_MIN_PROBABILITY)
               if personal_ips else F.lit(False))
    above = (F.col("match_probability") >= matching.link_threshold) \
        & corroborated(levels, contact_sources, birth_dates_reliable)
    alone = decisive_email(levels, matching.exact_email_links) | rare_name | same_ip
    return ~vetoed(levels, contact_sources, birth_dates_reliable) & (above | alone)
