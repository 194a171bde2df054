"""Standardize: one contract for every source kind, with values comparable across sources.

Each `standardize_<kind>` turns the ingest stage's typed rows of one source into the columns of
schemas/tables/standardized_records.yaml, in order. Values are kept as written (NFKC, trimmed)
beside a folded form for matching (`*_norm`): lower case, accents removed, punctuation dropped.
Placeholders that data entry uses for "unknown" (`noemail@...`, `0000000`, `1900-01-01` and
other systems' zero dates, `00000`) become null, so that they never look like evidence of
identity, nor of two identities.

Everything here is a Column expression or a pure `DataFrame -> DataFrame` function. Spark has
no Unicode normalization and no phone-number library, so those two (and only those) are
vectorized pandas UDFs.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Callable

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType

from jobs.normalize import EMAIL_SHAPE, country_code, e164
from jobs.schemas import table_schema
from jobs.tables import sql_in

CONTRACT = table_schema("standardized_records")
KINDS = ("registry", "online", "social")


class UnknownSourceKindError(ValueError):
    """`standardize` was asked for a kind that has no standardized form (orders, typos)."""


# --- text --------------------------------------------------------------------------------------

# Letters that carry no combining mark, so NFKD alone would leave them unfolded.
_LETTER_FOLDS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
# Apostrophes join (O'Brien -> obrien, d'Artagnan -> dartagnan) rather than split a name.
_APOSTROPHES = r"['’‘`´ʼ]"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"


def _nfkc_one(text: str | None) -> str | None:
    return unicodedata.normalize("NFKC", text) if isinstance(text, str) else None


def _fold_one(text: str | None) -> str | None:
    if not isinstance(text, str):
        return None
    # casefold (not lower) turns ß into ss; NFKD then splits ä into a + a mark we drop.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(_LETTER_FOLDS)


# The ignores: mypy matches none of pyspark's pandas_udf overloads for a decorated function.
@F.pandas_udf(StringType())  # type: ignore[call-overload]
def _nfkc(text: pd.Series) -> pd.Series:
    return text.map(_nfkc_one)


@F.pandas_udf(StringType())  # type: ignore[call-overload]
def _fold_accents(text: pd.Series) -> pd.Series:
    return text.map(_fold_one)


def _blank_to_null(col: Column) -> Column:
    return F.when(col != "", col)


def _collapse_spaces(col: Column) -> Column:
    return _blank_to_null(F.trim(F.regexp_replace(col, r"\s+", " ")))


def standardize_text(col: Column) -> Column:
    """Returns the text NFKC-normalized, trimmed, inner whitespace collapsed; null when blank."""
    return _collapse_spaces(_nfkc(col))


def fold_text(col: Column) -> Column:
    """Returns the text for matching: NFKC, lower case, accents folded, only letters, digits,
    spaces and hyphens, spaces collapsed; null when nothing is left."""
    folded = _fold_accents(F.regexp_replace(col, _APOSTROPHES, ""))
    folded = F.translate(folded, _DASHES, "-" * len(_DASHES))
    folded = F.regexp_replace(folded, r"[^\p{L}\p{N}\-]+", " ")
    folded = F.regexp_replace(folded, r"\s*-[\s-]*", "-")  # "Jean - Luc" -> "jean-luc"
    folded = F.regexp_replace(folded, r"(^|\s)-+|-+($|\s)", " ")
    return _collapse_spaces(folded)


# --- names -------------------------------------------------------------------------------------

_TITLES = r"(?i)^(?:(?:dr|prof|mr|mrs|ms|miss|mx|sir|dame|herr|frau|mme|mlle|hra|rva)\.?\s+)+"
_SUFFIXES = r"(?i)(?:[,\s]+(?:phd|msc|mba|jr|sr|ii|iii))+\.?$"
# Emoji and their glue (variation selectors, zero-width joiners, skin tones, flags).
_SYMBOLS = r"[\p{So}\p{Sk}\p{Cf}\x{FE00}-\x{FE0F}]+"
# What follows a name in a display name: a tagline after a bar, a middle dot, a bullet or a
# dash between spaces (Jan van den Berg | Fotograaf), and remarks in brackets (she/her). A
# dash within a name (Anna-Liisa, Jean–Pierre) is kept.
_TAGLINE = r"\s*(?:[|•·]|\s[-–—]\s).*$"
_REMARK = r"[(\[][^)\]]*[)\]]"
# Particles start a family name: "Ludwig van Beethoven" -> Ludwig / van Beethoven.
_PARTICLES = "van|von|de|del|della|der|den|di|da|das|dos|du|la|le|af|zu|ten|ter"
_FIRST_LAST = rf"(?i)^(.+?)\s+((?:(?:{_PARTICLES})\s+)*\S+)$"


def standardize_name(col: Column) -> Column:
    """Returns a name as written: NFKC, trimmed, spaces collapsed."""
    return standardize_text(col)


def standardize_name_norm(col: Column) -> Column:
    """Returns a name folded for matching: only letters, spaces and hyphens."""
    return _collapse_spaces(F.regexp_replace(fold_text(col), r"[0-9]+", " "))


def clean_display_name(col: Column) -> Column:
    """Returns a display name with emoji, digits, titles (Dr., Herr) and suffixes (PhD) removed,
    and without what follows the name: a tagline after a separator (Jan van den Berg |
    Fotograaf, Laura Gil · Coach) or a remark in brackets (Anna Svensson (she/her))."""
    text = F.regexp_replace(_nfkc(col), _REMARK, " ")
    # Nothing but symbols before the separator (🌸 | Gian Luca): the name is what follows.
    name = F.regexp_replace(text, _TAGLINE, "")
    text = F.when(name.rlike(r"\p{L}"), name).otherwise(text)
    text = F.regexp_replace(text, _SYMBOLS, " ")
    text = F.regexp_replace(text, r"[^\p{L}\p{M}\s'’.,\-]+", " ")
    text = F.regexp_replace(F.trim(F.regexp_replace(text, r"\s+", " ")), _TITLES, "")
    return _collapse_spaces(F.regexp_replace(text, _SUFFIXES, ""))


def split_display_name(col: Column) -> tuple[Column, Column]:
    """Returns (first_name, last_name) of a display name.

    "Last, First" is swapped; otherwise the order is kept as written (a "Virtanen Matti" stays
    first=Virtanen: the comparison stage scores swapped names). One word is a first name.
    """
    return split_clean_name(clean_display_name(col))


def split_clean_name(name: Column) -> tuple[Column, Column]:
    """Returns (first_name, last_name) of a display name that clean_display_name has cleaned
    (see split_display_name). Each part reads `name` several times: a column, not the cleaning
    expression itself, keeps the generated code small."""
    comma = name.contains(",")
    before, after = F.substring_index(name, ",", 1), F.substring_index(name, ",", -1)
    first = F.regexp_extract(name, _FIRST_LAST, 1)
    last = F.regexp_extract(name, _FIRST_LAST, 2)
    first_name = F.when(comma, _collapse_spaces(after)).otherwise(
        F.coalesce(_blank_to_null(first), name)
    )
    last_name = F.when(comma, _collapse_spaces(before)).otherwise(_blank_to_null(last))
    return first_name, last_name


_MALE = ("m", "male", "man", "mies", "mann", "männlich", "maennlich", "herr", "h", "homme",
         "masculin")
# "n" (Finnish nainen) is left out: it also stands for "no" or "n/a".
_FEMALE = ("f", "female", "woman", "nainen", "frau", "w", "weiblich", "femme", "féminin",
           "feminin")


def standardize_gender(col: Column) -> Column:
    """Returns m, f or null."""
    value = F.lower(F.trim(col))
    return F.when(value.isin(*_MALE), "m").when(value.isin(*_FEMALE), "f")


# --- dates -------------------------------------------------------------------------------------

# (shape, pattern), first fit wins: the regex guard keeps each pattern to its own shape, so
# "05.01.24" is not read as year 24, and `try_to_timestamp` turns impossible dates (02-30) into
# null, not errors. Slashed dates are day first (European registers); month first only where
# day first is impossible (03/25/1985). Month names are English.
_DATE_FORMATS = (
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "yyyy-M-d"),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "d/M/yyyy"),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "M/d/yyyy"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "d.M.yyyy"),
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "d-M-yyyy"),
    (r"^\d{8}$", "yyyyMMdd"),
    (r"^\d{4}/\d{1,2}/\d{1,2}$", "yyyy/M/d"),
    (r"^\d{4}\.\d{1,2}\.\d{1,2}$", "yyyy.M.d"),
    (r"^\d{1,2} [A-Za-z]{3,9} \d{4}$", "d MMMM yyyy"),
    (r"^\d{1,2} [A-Za-z]{3} \d{4}$", "d MMM yyyy"),
    (r"^[A-Za-z]{3,9} \d{1,2}, \d{4}$", "MMMM d, yyyy"),
    (r"^[A-Za-z]{3} \d{1,2}, \d{4}$", "MMM d, yyyy"),
)
# The same for a source whose dates are written month first (03/25/1985; 03/04/1985 is March).
_DATE_FORMATS_MONTH_FIRST = (
    _DATE_FORMATS[0], _DATE_FORMATS[2], _DATE_FORMATS[1], _DATE_FORMATS[3],
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "M-d-yyyy"), *_DATE_FORMATS[4:],
)
# Dates systems write when they know no birth date: their zero dates (1900-01-01, Excel's
# 1899-12-30 and -31, the Unix epoch 1970-01-01) and the first of a century or of 1901. Read
# as dates they disagree with the person's real one elsewhere and keep true matches apart:
# 1901-01-01 and 1970-01-01 on independent-b cost 11 and 15 true pairs (seeds 1 and 2).
PLACEHOLDER_BIRTH_DATES = ("1900-01-01", "1901-01-01", "1899-12-30", "1899-12-31", "1800-01-01",
                           "1970-01-01")


def parse_date(col: Column, month_first: bool = False) -> Column:
    """Returns the date of a string in one of the _DATE_FORMATS (yyyy-MM-dd, dd/MM/yyyy,
    dd.MM.yyyy, dd-MM-yyyy, yyyyMMdd, 12 March 1985, ...; a trailing ISO time is ignored); with
    `month_first`, 03/04/1985 is 4 March; null when unparseable, never an error."""
    formats = _DATE_FORMATS_MONTH_FIRST if month_first else _DATE_FORMATS
    # Timestamps written as text ("1985-03-12 00:00:00", "...T00:00Z") carry a date prefix.
    # One expression for the text (it is repeated in every format's test below).
    text = F.regexp_replace(F.trim(col.cast("string")), r"(?s)^(\d{4}-\d{2}-\d{2})[T ].*$", "$1")
    return F.coalesce(
        *[F.when(text.rlike(shape), F.to_date(F.try_to_timestamp(text, F.lit(pattern))))
          for shape, pattern in formats]
    )


# Dates with an optional time of day as systems export them: day first (28.06.2026 00:23,
# 13/02/2026 21:48:01), month first where day first is impossible (02/13/2026), year first
# (2026/06/28 00:23), and yyyyMMdd; each rewritten as ISO text and read with one pattern.
_TIME = r"(?:[ T]+(\d{1,2}:\d{2}(?::\d{2})?))?"
_DAY_FIRST = rf"^(\d{{1,2}})[./-](\d{{1,2}})[./-](\d{{4}}){_TIME}$"
_YEAR_FIRST = rf"^(\d{{4}})[./](\d{{1,2}})[./](\d{{1,2}}){_TIME}$"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_AS_ISO = ((_DAY_FIRST, "$3-$2-$1 $4"), (_DAY_FIRST, "$3-$1-$2 $4"),
           (_YEAR_FIRST, "$1-$2-$3 $4"), (_COMPACT, "$1-$2-$3"))
# The same for a source whose dates are written month first (02/13/2026, 03/04/1985: March).
_AS_ISO_MONTH_FIRST = (_AS_ISO[1], _AS_ISO[0], *_AS_ISO[2:])


def parse_timestamp(col: Column, month_first: bool = False) -> Column:
    """Returns the timestamp of a string: ISO 8601 (2026-06-28T00:23:00Z, 2026-06-28 00:23), or a
    date with an optional time in one of the shapes of _AS_ISO (day first, or with
    `month_first` month first, where both can be read); a time without a zone is UTC (the
    session's zone), a date alone is midnight. Null when unparseable, never an error."""
    text = F.trim(col.cast("string"))
    shapes = _AS_ISO_MONTH_FIRST if month_first else _AS_ISO
    rewritten = [F.try_to_timestamp(F.trim(F.regexp_replace(text, shape, iso)),
                                    F.lit("yyyy-M-d[ H:mm[:ss]]"))
                 for shape, iso in shapes]
    return F.coalesce(F.try_to_timestamp(text), *[
        F.when(text.rlike(shape), parsed)
        for (shape, _), parsed in zip(shapes, rewritten, strict=True)])


def standardize_birth_date(col: Column, month_first: bool = False) -> Column:
    """Returns the parsed birth date; placeholders (PLACEHOLDER_BIRTH_DATES) become null."""
    date = parse_date(col, month_first)
    return F.when(~date.isin(*[F.lit(d).cast("date") for d in PLACEHOLDER_BIRTH_DATES]), date)


# --- contacts ----------------------------------------------------------------------------------

_PLACEHOLDER_EMAIL = "|".join((
    r"^(?:no[._-]?e?-?mail|none|null|nil|n[./]?a|unknown|invalid|dummy|fake|test|x+|0+"
    r"|no[._-]?reply|do[._-]?not[._-]?reply)@",
    r"@(?:example|test|invalid|localhost|noemail|nomail|none)(?:\.|$)",
    # Not ".example": the demo and test data live on that reserved top-level domain.
    r"\.(?:invalid|test|localhost)$",
    r"^no@e?-?mail\.",
))
# What systems write for want of an address: any mailbox on a placeholder domain, and the
# placeholder mailboxes on the mail services people use. A source that hashes emails hides
# them, so the hashes of the usual ones are listed (a hash cannot be matched to a pattern):
# placeholder_email_addresses, some thousands, matched by their first 16 hex digits.
_PLACEHOLDER_LOCAL_PARTS = (
    "noemail", "no-email", "no.email", "no_email", "nomail", "no-mail", "no.mail", "no_mail",
    "noe-mail", "none", "null", "nil", "na", "n/a", "n.a", "unknown", "invalid", "dummy", "fake",
    "test", "x", "xx", "xxx", "xxxx", "0", "00", "000", "0000", "noreply", "no-reply",
    "no.reply", "no_reply", "donotreply", "do-not-reply", "do.not.reply", "do_not_reply",
)
_ANY_LOCAL_PARTS = _PLACEHOLDER_LOCAL_PARTS + (
    "no", "a", "abc", "asdf", "qwerty", "me", "name", "user", "email", "mail", "info", "admin",
    "contact", "customer", "client", "kunde", "asiakas", "kund", "klient", "cliente", "test1",
    "test123", "john.doe", "jane.doe", "johndoe", "firstname.lastname", "max.mustermann",
    "erika.mustermann", "matti.meikalainen", "jean.dupont", "juan.perez", "jan.kowalski",
    "sven.svensson", "mario.rossi", "jan.jansen",
)
_PLACEHOLDER_DOMAIN_WORDS = ("example", "test", "invalid", "localhost", "noemail", "nomail",
                             "none")
_TOP_LEVEL_DOMAINS = ("com", "org", "net", "de", "fi", "fr", "es", "it", "pl", "se", "nl",
                      "co.uk")
_MAIL_SERVICES = (
    "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
    "msn.com", "icloud.com", "me.com", "aol.com", "mail.com", "email.com", "protonmail.com",
    "proton.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "t-online.de", "freenet.de",
    "yahoo.de", "hotmail.de", "outlook.de", "orange.fr", "free.fr", "laposte.net", "wanadoo.fr",
    "sfr.fr", "yahoo.fr", "hotmail.fr", "gmail.es", "yahoo.es", "hotmail.es", "telefonica.net",
    "wp.pl", "onet.pl", "o2.pl", "interia.pl", "op.pl", "luukku.com", "suomi24.fi", "elisa.fi",
    "kolumbus.fi", "welho.com", "hotmail.fi", "telia.com", "bredband.net", "comhem.se",
    "hotmail.se", "yahoo.se", "libero.it", "virgilio.it", "tiscali.it", "alice.it", "hotmail.it",
    "yahoo.it", "ziggo.nl", "kpnmail.nl", "hotmail.nl", "btinternet.com", "yahoo.co.uk",
    "hotmail.co.uk", "company.com", "domain.com", "firma.de", "yritys.fi",
)


def placeholder_email_addresses() -> list[str]:
    """The placeholder addresses whose hashes standardizing leaves out: every one of them a
    placeholder by the plain-text rule too (_PLACEHOLDER_EMAIL), and the empty string."""
    domains = [f"{word}.{tld}" for word in _PLACEHOLDER_DOMAIN_WORDS for tld in _TOP_LEVEL_DOMAINS]
    domains += ["localhost", "invalid", "example.invalid", "mail.invalid", "email.invalid",
                "mail.test", "email.test", "mail.localhost"]
    on_placeholder_domains = [f"{local}@{domain}" for local in _ANY_LOCAL_PARTS
                              for domain in domains]
    at_services = [f"{local}@{domain}" for local in _PLACEHOLDER_LOCAL_PARTS
                   for domain in _MAIL_SERVICES]
    no_at_mail = [f"no@{word}.{tld}" for word in ("email", "mail", "e-mail")
                  for tld in _TOP_LEVEL_DOMAINS]
    return ["", *on_placeholder_domains, *at_services, *no_at_mail]


_PLACEHOLDER_DIGEST_DIGITS = 16  # 64 bits: no real address's hash shares them by chance


@functools.cache
def _placeholder_digest_prefixes() -> tuple[str, ...]:
    return tuple(sorted({hashlib.sha256(text.encode()).hexdigest()[:_PLACEHOLDER_DIGEST_DIGITS]
                         for text in placeholder_email_addresses()}))


def is_placeholder_email_sha256(column: str) -> Column:
    """Whether column `column` holds the SHA-256 of a placeholder address (any case, trimmed);
    one SQL IN over the listed hashes' prefixes, which Spark looks up in a hash set."""
    digest = f"substring(lower(trim(`{column}`)), 1, {_PLACEHOLDER_DIGEST_DIGITS})"
    return F.coalesce(F.expr(sql_in(digest, _placeholder_digest_prefixes())), F.lit(False))


def _email_text(col: Column) -> Column:
    return F.regexp_replace(F.lower(_nfkc(col)), r"\s+|^mailto:", "")


def standardize_email(col: Column) -> Column:
    """Returns the email trimmed and lower-cased; null when malformed or a placeholder."""
    email = _email_text(col)
    return F.when(email.rlike(EMAIL_SHAPE) & ~email.rlike(_PLACEHOLDER_EMAIL), email)


def standardize_email_sha256(column: str) -> Column:
    """Returns column `column`, a source's email hash, lower-cased when it is 64 hex chars and
    not a placeholder's."""
    digest = F.lower(F.trim(F.col(column)))
    return F.when(digest.rlike(r"^[0-9a-f]{64}$") & ~is_placeholder_email_sha256(column), digest)


def with_email_sha256(df: DataFrame) -> DataFrame:
    """Returns df with `email_sha256` = SHA-256 of `email`, else the source's own hash."""
    given = (standardize_email_sha256("email_sha256") if "email_sha256" in df.columns
             else F.lit(None).cast("string"))
    return df.withColumn("email_sha256", F.coalesce(F.sha2(F.col("email"), 256), given))


@F.pandas_udf(StringType())  # type: ignore[call-overload]
def _e164(phone: pd.Series, region: pd.Series) -> pd.Series:
    return pd.Series([e164(p, r) for p, r in zip(phone, region, strict=True)], dtype=object)


def standardize_phone(phone: Column, country: Column) -> Column:
    """Returns the phone in E.164 (`+358401234567`), `country` the region of national numbers;
    null when invalid, a placeholder, or national with no country."""
    return _e164(phone, country)


@F.pandas_udf(StringType())  # type: ignore[call-overload]
def _country_code(text: pd.Series) -> pd.Series:
    return text.map(country_code)


def standardize_country(col: Column) -> Column:
    """Returns the ISO 3166-1 alpha-2 code of a country written as a code (alpha-2 or alpha-3)
    or a name (jobs.normalize.country_code: `DE`, `DEU`, `Germany`, `Deutschland`), or null."""
    return _country_code(col)


# --- values left out --------------------------------------------------------------------------
# A contact value or country that standardizing leaves out (a placeholder, a malformed email, a
# phone no operator could assign, a country not recognized) is named in the record's
# `dropped_values`, as ingest names a value it cannot read, and counted per source.
STANDARDIZE_DROPS = ("invalid_country", "invalid_email", "placeholder_email",
                     "invalid_email_sha256", "invalid_phone", "phone_without_country")


def _given(col: Column) -> Column:
    return F.coalesce(F.trim(col) != "", F.lit(False))


def _drops(df: DataFrame, country: Column | None, phone: tuple[Column, Column] | None,
           email: Column | None, email_sha256: str | None) -> Column:
    """The record's dropped_values: ingest's, then those standardizing leaves out (given the
    raw columns, each None when the kind has none; `country` the standardized code, `phone`
    the raw phone and its E.164 form)."""
    reasons = []
    if country is not None and "country" in df.columns:
        reasons.append(F.when(_given(F.col("country")) & country.isNull(),
                              F.lit("invalid_country")))
    if phone is not None:
        raw, standardized = phone
        national = ~F.trim(raw).rlike(r"^(\+|00)")
        no_country = country.isNull() if country is not None else F.lit(True)
        reasons.append(F.when(_given(raw) & standardized.isNull(),
                              F.when(national & no_country, F.lit("phone_without_country"))
                              .otherwise(F.lit("invalid_phone"))))
    if email is not None:
        text = _email_text(email)
        reasons.append(F.when(_given(email) & ~text.rlike(EMAIL_SHAPE), F.lit("invalid_email"))
                       .when(_given(email) & text.rlike(_PLACEHOLDER_EMAIL),
                             F.lit("placeholder_email")))
    if email_sha256 is not None:
        given = F.col(email_sha256)
        digest = F.lower(F.trim(given))
        reasons.append(F.when(_given(given) & ~digest.rlike(r"^[0-9a-f]{64}$"),
                              F.lit("invalid_email_sha256"))
                       .when(is_placeholder_email_sha256(email_sha256),
                             F.lit("placeholder_email")))
    found = F.filter(F.array(*reasons), lambda r: r.isNotNull())
    combined = F.concat(F.coalesce(F.col("dropped_values"), F.array().cast("array<string>")),
                        found)
    return F.when(F.size(combined) > 0, combined).alias("dropped_values")


# An IPv4 address, perhaps with a port ("203.0.113.7:443"), or one mapped into IPv6
# ("::ffff:203.0.113.7").
_IPV4 = r"^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::\d{1,5})?$"
_HEXTET = r"^[0-9a-f]{1,4}$"


def _ipv4(text: Column) -> Column:
    """Returns the dotted quad without leading zeros; null when not an address of a connection
    (0.x "this network", 127.x loopback, 169.254.x link-local, 224.x and above multicast and
    broadcast: what systems write when they do not know the visitor's address)."""
    # Text of another shape extracts "", which casts to null: the result is null then too.
    octets = [F.regexp_extract(text, _IPV4, i).cast("int") for i in range(1, 5)]
    valid = F.greatest(*octets) <= 255
    unusable = (octets[0].isin(0, 127) | (octets[0] >= 224)
                | ((octets[0] == 169) & (octets[1] == 254)))
    return F.when(valid & ~unusable, F.concat_ws(".", *[o.cast("string") for o in octets]))


def _ipv6_network(text: Column) -> Column:
    """Returns the /64 network of an IPv6 address ("2001:db8:a:b::/64"); null when malformed,
    unspecified, loopback, link-local or multicast."""
    # An embedded IPv4 tail ("64:ff9b::192.0.2.1") fills the last two groups.
    address = F.regexp_replace(text, r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$", "0:0")

    def groups(part: Column) -> Column:
        return F.when(part == "", F.array().cast("array<string>")).otherwise(F.split(part, ":"))

    head = groups(F.substring_index(address, "::", 1))
    tail = groups(F.substring_index(address, "::", -1))
    compressed = address.contains("::")
    filled = F.greatest(F.lit(0), 8 - F.size(head) - F.size(tail))
    hextets = F.when(compressed, F.concat(head, F.array_repeat(F.lit("0"), filled), tail)) \
        .otherwise(F.split(address, ":"))
    valid = (
        (F.size(hextets) == 8)
        & F.forall(hextets, lambda h: h.rlike(_HEXTET))
        & (F.size(F.split(address, "::")) <= 2)  # "::" at most once
        & (~compressed | (F.size(head) + F.size(tail) < 8))
    )
    prefix = F.transform(F.slice(hextets, 1, 4), lambda h: F.regexp_replace(h, "^0+(?=.)", ""))
    first = F.conv(F.get(hextets, 0), 16, 10).cast("int")
    unusable = ((F.array_join(prefix, ":") == "0:0:0:0")  # ::, ::1 and ::ffff:x
                | (first >= 0xFF00) | ((first >= 0xFE80) & (first <= 0xFEBF)))
    return F.when(valid & ~unusable, F.concat(F.array_join(prefix, ":"), F.lit("::/64")))


def standardize_ip(col: Column) -> Column:
    """Returns the IP address as matching compares it: an IPv4 address as a plain dotted quad
    (no port, no leading zeros), an IPv6 address as its /64 network, lower case, without
    brackets, port or zone. An IPv6 device picks a new interface part every day or so (privacy
    addresses, RFC 8981), but the /64 stays with the connection, as a household's IPv4 address
    does; comparing whole IPv6 addresses would almost never agree. Null when the value is not
    a usable address (loopback, unspecified, link-local, multicast, malformed)."""
    text = F.lower(F.trim(col))
    text = F.regexp_replace(text, r"^\[([^\]]*)\](?::\d{1,5})?$", "$1")  # [2001:db8::1]:443
    text = F.regexp_replace(text, r"%.*$", "")  # a zone index: fe80::1%eth0
    return F.when(text.rlike(_IPV4), _ipv4(text)).when(text.contains(":"), _ipv6_network(text))


# --- places ------------------------------------------------------------------------------------

_PLACEHOLDER_POSTAL = r"^(?:0+|9+|X+|NA|NONE|UNKNOWN)$"


def standardize_postal_code(col: Column) -> Column:
    """Returns the postal code upper-cased without spaces or hyphens; null for placeholders."""
    code = F.upper(F.trim(_nfkc(col)))
    code = F.regexp_replace(code, r"^[A-Z]{1,2}-(?=\d)", "")  # old "D-10115", "FI-00100"
    code = F.regexp_replace(code, r"[^A-Z0-9]", "")
    return F.when((code != "") & ~code.rlike(_PLACEHOLDER_POSTAL), code)


def standardize_city(col: Column) -> Column:
    """Returns a city as written (NFKC, trimmed)."""
    return standardize_text(col)


def city_norm(col: Column) -> Column:
    """Returns the city folded, without a postal code written in front ("00100 Helsinki")."""
    return _blank_to_null(F.regexp_replace(fold_text(col), r"^[0-9 -]+", ""))


# Country names as people write them in a location ("Finland", "Deutschland"): not a city.
_COUNTRY_NAMES = (
    "austria", "osterreich", "belgium", "belgique", "belgie", "bulgaria", "croatia", "hrvatska",
    "cyprus", "czechia", "czech republic", "cesko", "denmark", "danmark", "estonia", "eesti",
    "finland", "suomi", "france", "germany", "deutschland", "greece", "hellas", "hungary",
    "magyarorszag", "iceland", "island", "ireland", "eire", "italy", "italia", "latvia",
    "latvija", "lithuania", "lietuva", "luxembourg", "malta", "netherlands", "nederland",
    "holland", "norway", "norge", "poland", "polska", "portugal", "romania", "slovakia",
    "slovensko", "slovenia", "slovenija", "spain", "espana", "sweden", "sverige", "switzerland",
    "schweiz", "suisse", "svizzera", "united kingdom", "uk", "england", "scotland", "wales",
    "united states", "usa", "us", "canada", "australia", "new zealand", "europe", "earth",
)
# What people write in a profile's location that is no place at all.
_NO_PLACE = (
    "everywhere", "anywhere", "nowhere", "somewhere", "here", "home", "world", "the world",
    "worldwide", "around the world", "global", "planet earth", "internet", "the internet",
    "online", "on the road", "travelling", "traveling", "wherever", "none",
    "moon", "the moon", "mars", "space",
)


def city_from_location(col: Column) -> Column:
    """Returns the first place of a free-text location ("Helsinki, Finland 🇫🇮" -> Helsinki);
    null when that place is a country ("Finland") or no place ("everywhere", "online")."""
    text = F.regexp_replace(_nfkc(col), _SYMBOLS, " ")
    place = _collapse_spaces(F.regexp_extract(text, r"^([^,|/•·]*)", 1))
    return F.when(~fold_text(place).isin(*_COUNTRY_NAMES, *_NO_PLACE), place)


# Expansions on folded text, applied in order. "st" (street or saint) and "pl" (Platz or place)
# are ambiguous across languages and left alone.
_STREET_ABBREVIATIONS = (
    (r"(\p{L})str\b", "$1strasse"),
    (r"\bstr\b", "strasse"),
    (r"\bave?\b", "avenue"),
    (r"\b(?:blvd|bd)\b", "boulevard"),
    (r"\brd\b", "road"),
)
# Apartment markers and the number after them belong to the unit, not the street (Finnish as,
# German Whg, Belgian bte, Swedish lgh, English apt, flat and unit).
_UNIT = r"\b(?:as|apt|app|appt|whg|bte|flat|unit|lgh)\s*[0-9]+\w*"
_HOUSE_NUMBER = r"\b([0-9]+[a-z]?)\b"


def house_number(col: Column) -> Column:
    """Returns the first number of a street address with a letter attached ("5a"), or null."""
    folded = F.regexp_replace(fold_text(col), _UNIT, " ")
    return _blank_to_null(F.regexp_extract(folded, _HOUSE_NUMBER, 1))


def street_norm(col: Column) -> Column:
    """Returns the street folded, abbreviations expanded, house and unit numbers removed."""
    street = F.regexp_replace(fold_text(col), _UNIT, " ")
    # A staircase letter after the number ("12 B 5") goes with it; an ordinal ("5th Ave") is
    # part of the street's name and stays.
    street = F.regexp_replace(street, r"\b[0-9]+[a-z]?\b(?:\s+[a-z]\b)?", " ")
    for pattern, replacement in _STREET_ABBREVIATIONS:
        street = F.regexp_replace(street, pattern, replacement)
    return _collapse_spaces(F.regexp_replace(street, r"(^|\s)-+|-+($|\s)", " "))


# Words people write before their year of birth in a bio, folded (see fold_text): English, Finnish,
# German, French, Polish, Swedish, Danish and Norwegian, Spanish, Italian.
_BORN_WORDS = ("born", "b", "syntynyt", "synt", "jahrgang", "jg", "geboren", "geb", "ne", "nee",
               "rocznik", "rocz", "urodzony", "urodzona", "ur", "fodd", "fodt", "nacido",
               "nacida", "nato", "nata")
# A born word, an optional "in" (en, em, im, w, a, i, och), then a four-digit year.
_BORN_IN = (r"(?:^| )(?:" + "|".join(_BORN_WORDS)
            + r")(?: (?:in|en|em|im|w|a|och|i))? ((?:19|20)[0-9]{2})(?: |$)")


# The youngest age at which the platforms let anyone hold an account.
MIN_ACCOUNT_AGE = 13


def stated_birth_year(bio: Column, run_year: int) -> Column:
    """Returns the year of birth a social bio states ("Born 1989", "Syntynyt 1956", "Née en
    1970 à Lyon", "Z Krakowa, rocznik 1984"), or null: a four-digit year right after a word for
    born (in one of several languages), at least MIN_ACCOUNT_AGE years before the run's year
    (the logical one, as ingest judges birth dates, so a backfill reads bios as on its day). Any
    other year in a bio (a wedding, a club's founding, "Team B 2019") is no one's birth."""
    year = F.regexp_extract(F.coalesce(fold_text(bio), F.lit("")), _BORN_IN, 1)
    latest = run_year - MIN_ACCOUNT_AGE
    return F.when((F.length(year) == 4) & (year.cast("int") <= latest), year.cast("int"))


def standardize_handle(col: Column) -> Column:
    """Returns a handle lower-cased without leading @."""
    return _blank_to_null(F.regexp_replace(F.lower(F.trim(col)), r"^@+", ""))


def social_account_key(platform: Column, handle: Column) -> Column:
    """Returns the account a platform and handle name as the platforms read them, without case
    or a leading @: Instagram:@Aino and instagram:aino are one account."""
    return F.concat_ws(":", F.lower(F.trim(platform)), standardize_handle(handle))


def social_account_key_of_id(source_record_id: Column) -> Column:
    """The account key (social_account_key) of a social record's id, platform:handle."""
    platform_and_handle = F.split(source_record_id, ":", 2)
    return social_account_key(platform_and_handle[0], platform_and_handle[1])


# --- records -----------------------------------------------------------------------------------

def _identity(dropped: Column) -> list[Column | str]:
    return [
        F.concat(F.col("source"), F.lit("/"), F.col("source_record_id")).alias("record_id"),
        "source", "source_kind", "source_record_id", dropped, "run_id",
    ]


def with_derived_columns(df: DataFrame) -> DataFrame:
    """Returns df with the matching forms computed from the standardized values; a kind without
    a street (online, social) gets null street forms."""
    street = (F.col("street_address") if "street_address" in df.columns
              else F.lit(None).cast("string"))
    return (
        df.withColumn("first_name_norm", standardize_name_norm(F.col("first_name")))
        .withColumn("last_name_norm", standardize_name_norm(F.col("last_name")))
        .withColumn("street_norm", street_norm(street))
        .withColumn("house_number", house_number(street))
        .withColumn("city_norm", city_norm(F.col("city")))
        .transform(with_email_sha256)
    )


def to_contract(df: DataFrame) -> DataFrame:
    """Returns exactly the standardized_records columns, in order and with their declared types;
    columns the kind does not have are null."""
    return df.select(*[
        (F.col(name) if name in df.columns else F.lit(None)).cast(CONTRACT.data_type(name))
        .alias(name)
        for name in CONTRACT.column_names
    ])


def _record_country(default_country: str | None) -> Column:
    """Returns the record's country code, or `default_country` (its source's, an ISO code)
    where the record names none: a country written but not read stays null."""
    country = standardize_country(F.col("country"))
    if default_country is None:
        return country
    return F.when(_given(F.col("country")), country).otherwise(F.lit(default_country))


def standardize_registry(df: DataFrame, month_first: bool = False,
                         default_country: str | None = None) -> DataFrame:
    """Returns a registry source's rows as standardized records (`month_first`: how its
    dates like 03/04/1985 are written; `default_country`: the country of records naming
    none, in which their national phone numbers are read)."""
    df = (df.withColumn("_country", _record_country(default_country))
          .withColumn("_phone", standardize_phone(F.col("phone"), F.col("_country"))))
    country = F.col("_country")
    return df.select(
        *_identity(_drops(df, country, (F.col("phone"), F.col("_phone")), F.col("email"),
                          None)),
        standardize_name(F.col("first_name")).alias("first_name"),
        standardize_name(F.col("last_name")).alias("last_name"),
        standardize_birth_date(F.col("birth_date"), month_first).alias("birth_date"),
        standardize_gender(F.col("gender")).alias("gender"),
        standardize_text(F.col("street_address")).alias("street_address"),
        standardize_postal_code(F.col("postal_code")).alias("postal_code"),
        standardize_city(F.col("city")).alias("city"),
        country.alias("country"),
        F.col("_phone").alias("phone_e164"),
        standardize_email(F.col("email")).alias("email"),
        standardize_text(F.col("subscription_product")).alias("subscription_product"),
        standardize_text(F.col("subscription_status")).alias("subscription_status"),
        parse_date(F.col("subscription_start"), month_first).alias("subscription_start"),
        "consent_marketing",
        "consent_partner_sharing",
        "updated_at",
    ).transform(with_derived_columns).transform(to_contract)


def _clean_interests(col: Column) -> Column:
    lowered = F.transform(col, lambda x: F.lower(F.trim(x)))
    return F.array_distinct(F.filter(lowered, lambda x: x.isNotNull() & (x != "")))


def standardize_online(df: DataFrame, default_country: str | None = None) -> DataFrame:
    """Returns an online source's profiles as standardized records (email only as a hash;
    `default_country` as for standardize_registry)."""
    df = df.withColumn("_country", _record_country(default_country))
    country = F.col("_country")
    return df.select(
        *_identity(_drops(df, country, None, None, "email_sha256")),
        standardize_name(F.col("first_name")).alias("first_name"),
        standardize_name(F.col("last_name")).alias("last_name"),
        standardize_postal_code(F.col("geo_postal_code")).alias("postal_code"),
        standardize_city(F.col("geo_city")).alias("city"),
        country.alias("country"),
        F.lit(None).cast("string").alias("email"),
        "email_sha256",
        standardize_ip(F.col("ip_address")).alias("ip_address"),
        standardize_text(F.col("user_agent")).alias("user_agent"),
        F.lower(F.trim(F.col("device_type"))).alias("device_type"),
        _clean_interests(F.col("interests")).alias("interests"),
        "page_views",
        "first_seen",
        "last_seen",
        "consent_profiling",
        F.col("last_seen").alias("updated_at"),
    ).transform(with_derived_columns).transform(to_contract)


# A company's legal form (AB, S.L., srl, GmbH, B.V., Ltd), written without dots: anywhere in a
# display name (not ASA: Åsa is a Swedish first name), and the short ones only as its last word
# after another and in capitals, as companies write them (Le As and de Sá are surnames).
_LEGAL_FORMS = ("gmbh", "mbh", "srl", "srls", "spa", "snc", "sarl", "eurl", "ltd", "llc", "llp",
                "plc", "inc", "corp", "bv", "bvba", "vof", "oy", "oyj", "aps", "slu",
                "sll", "lda", "sp z oo")
_SHORT_LEGAL_FORMS = ("AB", "HB", "KB", "AS", "SA", "SL", "AG", "KG", "NV")
# Words for shops, trades and services in the sources' languages (English, Swedish, Finnish,
# Dutch, German, French, Polish, Spanish, Italian), folded: not surnames (Store, Ferrer, Bakker,
# Barber and Müller are, and are left out).
_TRADES = (
    "pizzeria", "trattoria", "ristorante", "osteria", "taverna", "restaurant", "restaurante",
    "restaurang", "ravintola", "cafe", "caffe", "kahvila", "cafeteria", "bistro", "brasserie",
    "bakery", "bageri", "bakkerij", "backerei", "leipomo", "panaderia", "panificio",
    "pasticceria", "pasteleria", "konditori", "patisserie", "catering", "salon", "kapsalon",
    "frisor", "friseur", "kampaamo", "peluqueria", "parrucchiere", "barbershop", "barberia",
    "ferreteria", "ferramenta", "jarnhandel", "ijzerwaren", "talleres", "autoverkstad",
    "carrozzeria", "bygg", "byggservice", "rakennus", "construcciones", "costruzioni",
    "edilizia", "bouwbedrijf", "aannemersbedrijf", "maleri", "schildersbedrijf", "installatie",
    "installatietechniek", "loodgietersbedrijf", "fontaneria", "idraulica", "elektriker",
    "elettricista", "hotel", "hostel", "apotek", "apotheek", "apotheke", "farmacia", "apteekki",
    "shop", "boutique", "kiosk", "bloemist", "floristeria", "fioraio", "blomsterhandel",
    "tandarts", "tandlakare", "dentista", "fysiotherapie", "fisioterapia", "immobiliare",
    "inmobiliaria", "makelaardij", "fastighetsmaklare", "kiinteistovalitys", "autohaus",
    "pizza", "plumbing", "roofing", "consulting", "solutions", "services", "clinic", "dental",
    "fitness", "gym", "pharmacy", "florist", "hairdresser", "hardware", "realty", "metzgerei",
    "gasthaus", "gasthof", "schreinerei", "tischlerei", "boulangerie", "boucherie", "coiffure",
    "pharmacie", "traiteur", "piekarnia", "kwiaciarnia", "apteka", "warsztat",
)
_ORGANISATION = rf"(^|\s)({'|'.join(_LEGAL_FORMS + _TRADES)})(\s|$)"
_SHORT_ORGANISATION = rf"\S\s({'|'.join(_SHORT_LEGAL_FORMS)})$"


def names_an_organisation(display_name: Column) -> Column:
    """True where a display name is a business's (Bianchi Costruzioni srl, Pizzeria da Maria,
    Kapsalon Johanna): it carries a company's legal form or a word for a shop or trade
    (_LEGAL_FORMS, _TRADES). Its words are a trade and, often, its owner's name, which a
    customer of that name, or another business of that name in another register, would
    match. False where not, or without a display name."""
    undotted = F.regexp_replace(display_name, r"\.", "")
    short_form = _collapse_spaces(F.regexp_replace(undotted, r"[^\p{L}\p{N}]+", " "))
    return F.coalesce(fold_text(undotted).rlike(_ORGANISATION), F.lit(False)) \
        | F.coalesce(short_form.rlike(_SHORT_ORGANISATION), F.lit(False))


# An account about someone, not theirs: a fan page, a tribute, a parody (the words of its
# handle, as tokens: linneaekstrom_fans, not stefan; or of its display name or bio, folded).
_FAN_HANDLE = (r"(^|[._\-0-9])(fans?|fanpage|fanclub|fanaccount|tribute|parody|unofficial|"
               r"fansida|fanseite|fanisivu)([._\-0-9]|$)")
_FAN_PHRASES = (r"fan ?page|fan ?account|fan ?club|tribute (page|account)|parody|unofficial|"
                r"not affiliated|fansida|fanseite|fanisivu|page de fans|pagina de fans|"
                r"pagina fan")
_FAN_TEXT = rf"(^|[^a-z])({_FAN_PHRASES})([^a-z]|$)"
# A display name may say it in one word: "Linnea Ekström Fans" (a bio's "big fan of coffee"
# may not).
_FAN_NAME = rf"(^|[^a-z])({_FAN_PHRASES}|fans?|tribute)([^a-z]|$)"


def speaks_for_another(handle: Column, display_name: Column, bio: Column) -> Column:
    """True where a social account is about someone rather than theirs: its handle has a fan
    page's or a tribute's word among its parts (linneaekstrom_fans), or its display name or bio
    says so ("Fan page. Not affiliated."). It shows another person's name, in their city: a
    probe's fan pages had linked to the customer they are about in 6 cases of 8."""
    return F.coalesce(F.lower(handle).rlike(_FAN_HANDLE), F.lit(False)) \
        | F.coalesce(fold_text(display_name).rlike(_FAN_NAME), F.lit(False)) \
        | F.coalesce(fold_text(bio).rlike(_FAN_TEXT), F.lit(False))


def _letters_only(col: Column) -> Column:
    """The letters of the text, folded: of any script (Иван, Παπαδόπουλος, 王)."""
    return F.regexp_replace(F.coalesce(fold_text(col), F.lit("")), r"[^\p{L}]", "")


# Scripts whose one character is a whole name, not an initial (李, 김).
_SYLLABIC_NAME = r"[\p{IsHan}\p{IsHangul}\p{IsHiragana}\p{IsKatakana}]"


def standardize_social(df: DataFrame, run_year: int, default_country: str | None = None
                       ) -> DataFrame:
    """Returns a social source's accounts as standardized records, display names split; a bio's
    year of birth is read as of `run_year`. Accounts name no country: with `default_country`
    (the source's), each is of that country and its national phone numbers are read in it.

    A display name that only repeats the handle (kinnunene) names nobody, and a one-letter
    surname ("Laura K.") is an initial, not a surname: both are left empty rather than compared
    as names. Nor does a business's (names_an_organisation), nor a fan page's
    (speaks_for_another)."""
    # The cleaned display name once, as a column: split, it is read six times, and written out
    # each time the query's generated code outgrew Java's 64 KB limit on a method (Spark then
    # logged the compiler's failure and ran the query without whole-stage code generation).
    df = df.withColumn("_shown", clean_display_name(F.col("display_name")))
    first, last = split_clean_name(F.col("_shown"))
    one_word = ~F.trim(F.col("_shown")).contains(" ")
    is_handle = one_word & (_letters_only(F.col("display_name")) == _letters_only(F.col("handle")))
    bio = F.col("bio") if "bio" in df.columns else F.lit(None).cast("string")
    nobody = is_handle | names_an_organisation(F.col("display_name")) \
        | speaks_for_another(F.col("handle"), F.col("display_name"), bio)
    first_name = F.when(~nobody, first)
    last_name = F.when(~nobody & ((F.length(_letters_only(last)) > 1)
                                  | F.coalesce(last.rlike(_SYLLABIC_NAME), F.lit(False))), last)
    # Social accounts carry no country: without the source's, only internationally written
    # phones survive.
    country = F.lit(default_country).cast("string")
    df = df.withColumn("_phone", standardize_phone(F.col("phone"), country))
    return df.select(
        *_identity(_drops(df, None if default_country is None else country,
                          (F.col("phone"), F.col("_phone")), F.col("email"), None)),
        first_name.alias("first_name"),
        last_name.alias("last_name"),
        city_from_location(F.col("location")).alias("city"),
        stated_birth_year(F.col("bio") if "bio" in df.columns
                          else F.lit(None).cast("string"), run_year).alias("birth_year"),
        F.col("_phone").alias("phone_e164"),
        standardize_email(F.col("email")).alias("email"),
        F.lower(F.trim(F.col("platform"))).alias("platform"),
        standardize_handle(F.col("handle")).alias("handle"),
        standardize_text(F.col("display_name")).alias("display_name"),
        country.alias("country"),
        F.col("last_active").alias("updated_at"),
    ).transform(with_derived_columns).transform(to_contract)


_BY_KIND: dict[str, Callable[[DataFrame, int, bool, str | None], DataFrame]] = {
    "registry": lambda df, _run_year, month_first, country: standardize_registry(
        df, month_first, country),
    "online": lambda df, _run_year, _month_first, country: standardize_online(df, country),
    "social": lambda df, run_year, _month_first, country: standardize_social(
        df, run_year, country),
}


def standardize(df: DataFrame, kind: str, run_year: int, month_first: bool = False,
                default_country: str | None = None) -> DataFrame:
    """Returns the rows of one source of `kind` as standardized records (the contract columns
    in order), judged as of the run's logical year `run_year`, its dates read month first
    where `month_first` (jobs.source_files.reads_month_first), records naming no country of
    `default_country` (the source's, an ISO code). Raises UnknownSourceKindError for any
    other kind."""
    try:
        standardize_kind = _BY_KIND[kind]
    except KeyError:
        raise UnknownSourceKindError(
            f"no standardized form for source kind {kind!r}; expected one of {', '.join(KINDS)}"
        ) from None
    if "dropped_values" not in df.columns:  # rows that did not come through ingest
        df = df.withColumn("dropped_values", F.lit(None).cast("array<string>"))
    return standardize_kind(df, run_year, month_first, default_country)
