"""Point look-ups for dashboards: an identifier in, the customer's profile out, without Spark.

The Delta tables are read with the `deltalake` package (delta-rs): no JVM starts, so a look-up
on the demo warehouse answers in well under a second. Identifiers are normalized exactly as the
job normalizes them (the same functions), so a phone typed in any format finds its customer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable

from jobs import table_names as tables
from jobs.normalize import EMAIL_SHAPE, country_code, e164

log = logging.getLogger(__name__)

IDENTIFIER_TYPES = ("email", "phone", "handle", "cookie", "subscriber")
# Regions tried, in order, for a phone written nationally when no --country is given.
DEFAULT_PHONE_REGIONS = ("FI", "DE", "FR", "SE", "GB", "NL", "DK", "NO")


class LookupError_(ValueError):
    """An identifier that cannot be normalized, or a warehouse without the tables."""


@dataclass(frozen=True)
class Identifier:
    type: str  # as stored in identifier_index: email_sha256 | phone | handle | cookie | subscriber
    values: tuple[str, ...]  # normalized values (one; a phone fitting several regions is refused)
    # A handle given without its platform (look-ups only).
    any_platform: bool = False
    # Look-ups only: a regular expression the index value must match instead of `values`. A
    # handle given without its platform matches it on any platform, and one without its
    # server (`duc579`) a Mastodon-style handle on any server (`duc579@fosstodon.example`).
    pattern: str | None = None


def normalize_identifier(kind: str, raw: str, regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
                         country: str | None = None, any_platform: bool = False) -> Identifier:
    """Returns the index form of an identifier given on the command line.

    A handle is platform:handle (x:mvirtanen, a leading @ and the case ignored); with
    `any_platform` (a look-up, which changes nothing) a handle alone stands for that handle on
    any platform, and one without a server for it on any server (mastodon:mvirtanen finds
    mastodon:mvirtanen@social.example). An erasure names the platform and the server: one
    person's handle on X may be a stranger's on Instagram.

    A phone with its country code (+358 40 1234567) is that number; one written nationally is
    read in `country` when given, else in each of `regions`, and must then fit exactly one:
    040 1234567 is a Finnish mobile and a Hamburg landline, and a look-up or an erasure must
    not reach a stranger in another country.

    Raises LookupError_ for an unknown kind or a value that cannot be an identifier of it.
    """
    text = raw.strip()
    if not text:
        raise LookupError_(f"--{kind}: empty value")
    if kind == "phone" and text.startswith("+") and not e164(text, None):
        raise LookupError_("--phone: not a valid phone number after its country code (too "
                           "short, too long or not a number of that country)")
    if kind == "email":
        # As standardizing reads it: composed (NFKC) first, so that an address pasted with
        # decomposed accents hashes as the one stored.
        email = "".join(unicodedata.normalize("NFKC", text).split()).lower() \
            .removeprefix("mailto:")
        if not re.match(EMAIL_SHAPE, email):
            raise LookupError_("--email: not an email address (expected name@domain)")
        return Identifier("email_sha256", (hashlib.sha256(email.encode("utf-8")).hexdigest(),))
    if kind == "phone":
        international = e164(text, None)
        if international:
            return Identifier("phone", (international,))
        if country:
            # As a source's default_country: its ISO code or its name (FI, Finland, Suomi).
            region = country_code(country)
            if region is None:
                raise LookupError_(f"--country: {country.strip()!r} is no country known by "
                                   "that code or name (expected its ISO code, such as FI)")
            national = e164(text, region)
            if not national:
                raise LookupError_(f"--phone: not a valid phone number in {region}")
            return Identifier("phone", (national,))
        fits = {region: e164(text, region) for region in regions}
        found = tuple(dict.fromkeys(number for number in fits.values() if number))
        if not found:
            raise LookupError_("--phone: not a valid phone number in any region tried "
                               f"({', '.join(regions)}); give its country code (+358 ...)")
        if len(found) > 1:
            countries = ", ".join(region for region, number in fits.items() if number)
            raise LookupError_(f"--phone: a national number that fits several countries "
                               f"({countries}); give its country code (+358 ...) or --country")
        return Identifier("phone", found)
    if kind == "handle":
        platform, sep, handle = text.partition(":")
        if not sep and any_platform:
            alone = text.lstrip("@").lower()
            return Identifier("handle", (f":{alone}",), any_platform=True,
                              pattern=_handle_pattern("[^:]+", alone))
        if not sep or not platform or not handle:
            raise LookupError_("--handle: expected platform:handle, e.g. x:mvirtanen")
        platform, handle = account_parts(platform, handle)
        return Identifier("handle", (f"{platform}:{handle}",),
                          pattern=_handle_pattern(re.escape(platform), handle)
                          if any_platform else None)
    if kind == "cookie":
        return Identifier("cookie", (text,))
    if kind == "subscriber":
        # source:id, or source/id as record ids (and `explain`) write it.
        source, sep, subscriber = text.partition(":" if ":" in text else "/")
        if not sep or not source or not subscriber:
            raise LookupError_("--subscriber: expected source:subscriber_id, e.g. magazine:M1")
        # Source names are lower case (the configuration allows no other).
        return Identifier("subscriber", (f"{source.strip().lower()}:{subscriber.strip()}",))
    raise LookupError_(f"unknown identifier kind {kind!r}; expected one of {IDENTIFIER_TYPES}")


def account_parts(platform: str, handle: str) -> tuple[str, str]:
    """A social account's platform and handle as the platforms read them: without case, spaces
    or a leading @ (Instagram and @Aino are instagram and aino)."""
    return platform.strip().lower(), handle.strip().lstrip("@").lower()


def _handle_pattern(platform: str, handle: str) -> str:
    """The index values of `handle` on `platform` (a regular expression), on any server when the
    handle names none."""
    server = "" if "@" in handle else "(@[^@:]+)?"
    return f"^{platform}:{re.escape(handle)}{server}$"


def _open(warehouse: str, table: str) -> ds.Dataset:
    """Returns the current version of a Delta table as a pyarrow dataset of its data files.

    delta-rs resolves the version (the transaction log); pyarrow reads the files. delta-rs's
    own dataset keeps Rust I/O threads that abort the interpreter at exit now and then.
    """
    path = tables.table_path(warehouse, table)
    try:
        files = DeltaTable(path).file_uris()
    except Exception as exc:  # delta-rs raises its own TableNotFoundError and OSError kinds
        raise LookupError_(f"{path}: not a Delta table ({type(exc).__name__}); "
                           "run the job first") from exc
    return ds.dataset(files, format="parquet")


def find_customer_ids(warehouse: str, identifier: Identifier) -> list[str]:
    """Returns the customer ids the identifier index holds for the identifier (usually one)."""
    dataset = _open(warehouse, tables.IDENTIFIER_INDEX)
    value = pc.field("identifier_value")
    matches = (pc.match_substring_regex(value, identifier.pattern) if identifier.pattern
               else value.isin(list(identifier.values)))
    condition = (pc.field("identifier_type") == identifier.type) & matches
    found = dataset.to_table(filter=condition, columns=["customer_id"])
    return sorted(set(found.column("customer_id").to_pylist()))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        # Time stamps are written in UTC (spark.sql.session.timeZone); an older table's INT96
        # files read without their zone.
        return value.replace(tzinfo=UTC).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def customer_profiles(warehouse: str, customer_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Returns the profile rows of the customers, as JSON-ready dicts."""
    if not customer_ids:
        return []
    dataset = _open(warehouse, tables.CUSTOMER_PROFILES)
    found = dataset.to_table(filter=pc.field("customer_id").isin(list(customer_ids)))
    return [{k: _plain(v) for k, v in row.items()} for row in found.to_pylist()]


def lookup(warehouse: str, kind: str, raw: str, country: str | None = None
           ) -> list[dict[str, Any]]:
    """Returns the profiles of the customers holding the identifier (empty when none does);
    `country`: of a phone written without its country code; a handle may be given without its
    platform (see normalize_identifier)."""
    identifier = normalize_identifier(kind, raw, country=country, any_platform=True)
    ids = find_customer_ids(warehouse, identifier)
    log.info("look-up by %s: %d customer(s)", kind, len(ids))
    return customer_profiles(warehouse, ids)


def current_customer_ids(warehouse: str, customer_id: str) -> tuple[list[str], str]:
    """Returns the ids a customer id stands for now, and how they were reached: itself while
    it has a profile; else, following `merged` events, the id it was merged into (and on, as
    often as it was merged again). None is left of an id retired or erased: the note says so.
    """
    profiles = _open(warehouse, tables.CUSTOMER_PROFILES)
    events = _open(warehouse, tables.CUSTOMER_ID_EVENTS)
    current, path = customer_id.strip(), list[str]()
    if not current:
        raise LookupError_("--customer-id: empty value")
    for _hop in range(100):  # a chain of merges, never a cycle; bounded all the same
        held = profiles.to_table(filter=pc.field("customer_id") == current,
                                 columns=["customer_id"])
        if held.num_rows:
            note = " -> ".join([*path, current]) + " (merged)" if path else current
            return [current], note
        rows = sorted(events.to_table(filter=pc.field("customer_id") == current,
                                      columns=["event", "other_customer_id", "run_id"])
                      .to_pylist(), key=lambda r: str(r["run_id"]))
        merged = [r for r in rows if r["event"] == "merged"]
        if not merged:
            ended = [r for r in rows if r["event"] in ("retired", "erased")]
            why = (f"{ended[-1]['event']} by run {ended[-1]['run_id']}" if ended
                   else "no such customer id")
            return [], " -> ".join([*path, current]) + f": {why}"
        path.append(current)
        current = str(merged[-1]["other_customer_id"])
    return [], f"{customer_id}: merged more than 100 times over"


def to_json(profiles: list[dict[str, Any]]) -> str:
    """Returns the profiles as an indented JSON array, by customer id: one shape whether one
    customer holds the identifier or several (a household's phone), so that a dashboard never
    takes a list for one person."""
    return json.dumps(sorted(profiles, key=lambda p: str(p.get("customer_id"))), indent=2,
                      ensure_ascii=False, sort_keys=True)
