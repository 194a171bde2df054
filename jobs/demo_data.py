"""Synthetic demo sources, with ground truth, for trying out and measuring the resolution job.

`generate_demo_data(out_dir, persons, seed)` invents a European population (mostly Finland,
Germany, France and Sweden, with names such as Jääskeläinen, Müller, Hélène and Åsa) and writes
what two brands, a web tracker and a social-media listener would hold about it:

- `registry_magazine.csv`, `registry_cable.csv` (kind `registry`): one row per subscription.
  About 55% of persons subscribe to the magazine and 45% to cable; about 3% of magazine
  subscribers were entered twice under different subscriber_ids.
- `orders_magazine.csv`, `orders_cable.csv` (kind `orders`): several orders for many
  subscribers, dated over the two years before 2026-11-01, amounts in EUR.
- `online_profiles.jsonl` (kind `online`): cookie/device profiles of about half the persons, some
  with two or three devices. The e-mail hash is only known when the visitor logged in (~40%),
  names rarely. A public Wi-Fi address is shared by hundreds of profiles.
- `social_accounts.jsonl` (kind `social`): accounts of about 30% of persons, handles and display
  names derived from their names in varied ways, or unrelated to them.
- `ground_truth.csv`: `source, source_record_id, person_id` for every record ingest accepts, of
  the registries (`magazine`, `cable`: the subscriber_id), `web` (the profile_id) and `social`
  (`platform:handle`).

Every person appears in at least one source. Households (2-4 people sharing surname, address,
landline and home IP, sometimes twins born the same day) make near-duplicates that are not the
same person. About 15% of each source's persons are found in no other source ("strangers"; with
the shares above and everyone somewhere, fewer than 11% on average is impossible). Noise, each
kind at a few percent: typos, nicknames, swapped first and last names, missing values, outdated
addresses of people who moved, abbreviated street names, birth dates in four formats or with day
and month transposed, phones in six national and international formats, e-mails in upper case or
padded with spaces, and placeholders (`noemail@example.com`, phone `0000000`, birth date
`1900-01-01`).

About 0.2% of each file (at least two rows per file, and every kind of defect in every file) is
deliberately broken so that a careful ingest must reject it; the `*_DEFECTS` constants list the
kinds, each named after the reason jobs/ingest.py gives. Broken rows are left out of the ground
truth; a duplicate key is an older copy of a good row, so ingest keeps the good one.

Nothing is real: names are drawn from lists of common names, e-mail domains and websites use the
reserved `.example` top-level domain, and IP addresses come from private (10/8), carrier-grade
NAT (100.64/10) and documentation (198.51.100/24, 2001:db8::/32) ranges. About a third of the
visits from home come over IPv6: the connection's /64 network with a new interface part each time,
as devices with privacy addresses do. Phone numbers are random but valid for
their country, so that `phonenumbers` parses them as the job does. The same `persons` and `seed`
always give byte-identical files.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import ipaddress
import itertools
import json
import logging
import math
import random
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import phonenumbers

log = logging.getLogger(__name__)

# Everything is dated relative to this day, never to the clock, so that output is reproducible.
REFERENCE_DATE = date(2026, 11, 1)
_NOW = datetime(REFERENCE_DATE.year, REFERENCE_DATE.month, REFERENCE_DATE.day)

# Share of persons in each source. Registry names are the `source` values of the ground truth.
SOURCE_SHARES = {"magazine": 0.55, "cable": 0.45, "web": 0.50, "social": 0.30}
# Share of each source's persons found in no other source. With the shares above and everyone in
# some source, at least 20% of persons (11% of memberships) must be in one source only; 15% leaves
# room for people found in three or four sources.
STRANGER_SHARE = 0.15
MAGAZINE_DUPLICATE_SHARE = 0.03
DEFECT_SHARE = 0.002
MIN_PERSONS = 100  # below this some files would lack good rows to break or duplicate

# Defect kinds, named after the reason jobs/ingest.py gives when it rejects the row.
REGISTRY_DEFECTS = ("unparseable_row", "missing_key", "duplicate_key", "invalid_updated_at",
                    "invalid_consent_marketing", "invalid_birth_date", "impossible_birth_date")
ORDERS_DEFECTS = ("unparseable_row", "missing_key", "duplicate_key", "invalid_amount",
                  "invalid_order_date", "unknown_subscriber")
ONLINE_DEFECTS = ("unparseable_row", "missing_key", "duplicate_key", "invalid_page_views",
                  "invalid_last_seen")
SOCIAL_DEFECTS = ("unparseable_row", "missing_key", "duplicate_key", "invalid_followers",
                  "invalid_last_active")
# Defects that cost a person's record one value, not the record: ingest accepts the row without
# it (see jobs/ingest.py), so such a row is in the ground truth as its person's record.
VALUE_DEFECTS = frozenset({"invalid_updated_at", "invalid_consent_marketing",
                           "invalid_birth_date", "impossible_birth_date", "invalid_page_views",
                           "invalid_last_seen", "invalid_followers", "invalid_last_active"})

REGISTRY_COLUMNS = ("subscriber_id", "first_name", "last_name", "birth_date", "gender",
                    "street_address", "postal_code", "city", "country", "phone", "email",
                    "subscription_product", "subscription_status", "subscription_start",
                    "consent_marketing", "consent_partner_sharing", "updated_at")
ORDERS_COLUMNS = ("order_id", "subscriber_id", "order_date", "amount", "currency",
                  "product_category")
ONLINE_COLUMNS = ("profile_id", "email_sha256", "first_name", "last_name", "ip_address",
                  "user_agent", "device_type", "geo_city", "geo_postal_code", "country",
                  "interests", "page_views", "first_seen", "last_seen", "consent_profiling")
SOCIAL_COLUMNS = ("platform", "handle", "display_name", "bio", "location", "website", "email",
                  "phone", "followers", "last_active")

PLACEHOLDER_EMAIL, PLACEHOLDER_PHONE, PLACEHOLDER_BIRTH_DATE = (
    "noemail@example.com", "0000000", "1900-01-01")
EMAIL_TLD = "example"  # reserved (RFC 2606): no synthetic address can reach anybody
PUBLIC_WIFI = ("198.51.100.23", "Frankfurt am Main", "60549", "DE")  # an airport hotspot


def _words(text: str) -> tuple[str, ...]:
    """Returns the words of a compact name list; `_` stands for a space inside a name."""
    return tuple(word.replace("_", " ") for word in text.split())


@dataclass(frozen=True)
class _City:
    name: str
    postal_base: int
    postal_count: int
    postal_step: int
    area_code: str  # for landlines, without the national prefix 0


@dataclass(frozen=True)
class _Country:
    code: str
    name: str
    flag: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[_City, ...]  # the first is the capital, where mobile traffic geolocates
    mobile_prefixes: tuple[str, ...]
    mobile_lengths: tuple[int, ...]  # lengths of the national significant number
    landline_lengths: tuple[int, ...]
    mail_domains: tuple[str, ...]


COUNTRIES = (
    _Country(
        "FI", "Finland", "\U0001f1eb\U0001f1ee",
        _words("Matti Mikko Juha Timo Jari Antti Jukka Markku Pekka Ville Janne Tuomas Eero "
               "Lauri Aleksi Juho Onni Väinö Eino Johannes Aleksanteri Kalle Heikki Petri Sami"),
        _words("Anna Maria Johanna Kristiina Helena Liisa Tiina Sanna Laura Aino Eeva Emilia "
               "Elina Päivi Sirpa Marjatta Hanna Satu Katariina Anna-Liisa Minna Riikka Noora"),
        _words("Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen "
               "Järvinen Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen "
               "Salonen Turunen Jääskeläinen Kärkkäinen Räsänen Väisänen Lindholm"),
        _words("Mannerheimintie Hämeenkatu Aleksanterinkatu Rantatie Koivukuja Kauppakatu "
               "Puistotie Mäntytie Kirkkokatu Satamakatu"),
        (_City("Helsinki", 100, 90, 10, "9"), _City("Espoo", 2100, 80, 10, "9"),
         _City("Tampere", 33100, 80, 10, "3"), _City("Turku", 20100, 80, 10, "2"),
         _City("Oulu", 90100, 80, 10, "8"), _City("Jyväskylä", 40100, 60, 10, "14")),
        ("40", "41", "44", "45", "46", "50"), (9,), (8, 9),
        ("posti", "kotiposti", "netti"),
    ),
    _Country(
        "DE", "Deutschland", "\U0001f1e9\U0001f1ea",
        _words("Thomas Michael Andreas Stefan Peter Wolfgang Klaus Jürgen Johannes Alexander "
               "Maximilian Lukas Jonas Felix Paul Karl-Heinz Hans-Peter Matthias Sebastian "
               "Tobias Günter Uwe Florian Niklas Jörg"),
        _words("Sabine Petra Katharina Elisabeth Monika Ursula Andrea Claudia Julia Anna Lena "
               "Sophie Marie Lea Hannah Jutta Brigitte Christine Franziska Susanne Bärbel Anja "
               "Nicole Karin Renate"),
        _words("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann "
               "Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun "
               "Krüger Köhler Weiß von_Berg"),
        _words("Hauptstraße Bahnhofstraße Goethestraße Schillerstraße Lindenweg Gartenstraße "
               "Kirchplatz Mühlenweg Friedrichstraße Am_Markt"),
        (_City("Berlin", 10115, 900, 1, "30"), _City("München", 80331, 700, 1, "89"),
         _City("Hamburg", 20095, 800, 1, "40"), _City("Köln", 50667, 400, 1, "221"),
         _City("Frankfurt am Main", 60306, 300, 1, "69"), _City("Leipzig", 4103, 250, 1, "341")),
        ("151", "160", "170", "171", "172", "173", "175", "176", "177", "178", "179"),
        (10, 11), (10, 11), ("webpost", "postfach", "mailnet"),
    ),
    _Country(
        "FR", "France", "\U0001f1eb\U0001f1f7",
        _words("Jean Pierre Michel Philippe Alain Nicolas Christophe François Éric Frédéric "
               "Laurent Julien Sébastien Antoine Thomas Hugo Louis Lucas Jean-Luc Jean-Pierre "
               "Benoît Jérôme Stéphane Olivier Mathieu"),
        _words("Marie Nathalie Isabelle Sylvie Catherine Hélène Françoise Christine Sophie "
               "Camille Léa Chloé Manon Emma Élodie Céline Aurélie Amélie Marie-Claire "
               "Anne-Sophie Véronique Brigitte Juliette Margaux Inès"),
        _words("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
               "Laurent Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard "
               "André Mercier Le_Gall de_la_Fontaine"),
        _words("rue_de_la_Paix avenue_Victor_Hugo boulevard_Voltaire rue_Pasteur rue_du_Moulin "
               "avenue_Jean_Jaurès rue_des_Écoles boulevard_Gambetta rue_Nationale"),
        (_City("Paris", 75001, 20, 1, "1"), _City("Lyon", 69001, 9, 1, "4"),
         _City("Marseille", 13001, 16, 1, "4"), _City("Toulouse", 31000, 6, 100, "5"),
         _City("Bordeaux", 33000, 9, 100, "5"), _City("Nantes", 44000, 4, 100, "2")),
        ("6", "7"), (9,), (9,), ("courrier", "boite", "mailnet"),
    ),
    _Country(
        "SE", "Sverige", "\U0001f1f8\U0001f1ea",
        _words("Lars Anders Johan Per Erik Karl Nils Björn Mikael Magnus Olof Gustav Oskar "
               "William Hugo Axel Sven Göran Jörgen Fredrik Henrik Mats Åke Tobias Ludvig"),
        _words("Anna Eva Maria Karin Kristina Lena Sara Emma Elin Ida Åsa Ingrid Birgitta "
               "Margareta Ulla Maja Linnea Elsa Astrid Märta Sofia Hanna Johanna Katarina Ebba"),
        _words("Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
               "Gustafsson Pettersson Jonsson Hansson Bengtsson Lindberg Sjöberg Åkesson "
               "Söderberg Östlund Lindqvist Sørensen Lundgren Berg Ström"),
        _words("Storgatan Drottninggatan Kungsgatan Sveavägen Vasagatan Skolgatan Björkvägen "
               "Östra_Hamngatan Ringvägen"),
        (_City("Stockholm", 11120, 1800, 1, "8"), _City("Göteborg", 41103, 700, 1, "31"),
         _City("Malmö", 21120, 700, 1, "40"), _City("Uppsala", 75310, 300, 1, "18"),
         _City("Linköping", 58183, 300, 1, "13")),
        ("70", "72", "73", "76", "79"), (9,), (8, 9), ("brevlada", "epost", "mailnet"),
    ),
)
_COUNTRY_WEIGHTS = (30, 30, 20, 20)

NICKNAMES = {
    "Johannes": "Hannes", "Katharina": "Kathi", "Elisabeth": "Lisa", "Aleksanteri": "Santeri",
    "Alexander": "Alex", "Maximilian": "Max", "Sebastian": "Basti", "Franziska": "Franzi",
    "Tobias": "Tobi", "Thomas": "Tom", "Andreas": "Andi", "Christophe": "Chris",
    "Frédéric": "Fred", "Nicolas": "Nico", "Katariina": "Kati", "Kristiina": "Kiia",
    "Johanna": "Hanna", "Margareta": "Greta", "Katarina": "Kajsa", "Kristina": "Stina",
    "Mikael": "Micke", "Fredrik": "Fredde", "Jean-Pierre": "JP", "Petri": "Pete",
}
# Street words as people abbreviate them; standardize expands Str., av. and bd back.
_ABBREVIATIONS = (("straße", "str."), ("Straße", "Str."), ("avenue", "av."),
                  ("boulevard", "bd"))
INTERESTS = _words("sports travel cooking technology gardening fashion finance music movies "
                   "cars parenting pets health books politics gaming")
_USER_AGENTS = {
    "desktop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.0 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    ),
    "mobile": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0 Mobile Safari/537.36",
    ),
    "tablet": (
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0 Safari/537.36",
    ),
}
_PLATFORMS, _PLATFORM_WEIGHTS = ("instagram", "x", "tiktok", "mastodon"), (40, 30, 20, 10)
_HANDLE_WORDS = (_words("sunny blue happy wild lazy night silver little urban nordic"),
                 _words("day fox owl wolf cat bird rider dreamer coder traveller"))
_BIOS = ("Coffee first.", "{interest} and more {interest}.", "{city} | {interest}",
         "Views my own.", "Parent, runner, {interest} fan.")


ISO, DOTTED, SLASHED, COMPACT = "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y%m%d"


@dataclass(frozen=True)
class _Brand:
    prefix: str  # of subscriber ids; orders get prefix + "O"
    genders: tuple[str, str]  # how the brand writes male, female
    # Birth date patterns, with weights: only the formats standardize.parse_date reads.
    date_patterns: tuple[tuple[str, int], ...]
    products: tuple[str, ...]
    order_prices: Mapping[str, tuple[str, ...]]  # category -> prices as written


_BRANDS = {
    "magazine": _Brand(
        "M", ("M", "F"), ((ISO, 70), (DOTTED, 20), (COMPACT, 10)),
        ("print", "digital", "print+digital", "weekend"),
        {"single_issue": ("4.90", "6.50", "8.90"), "books": ("12.90", "19.90", "29.90"),
         "merchandise": ("9.90", "14.90", "24.00"), "events": ("35.00", "49.00", "79.00")},
    ),
    "cable": _Brand(
        "C", ("male", "female"), ((ISO, 60), (SLASHED, 25), (DOTTED, 10), (COMPACT, 5)),
        ("basic", "family", "sports", "premium"),
        {"pay_per_view": ("4.99", "6.99", "9.99"), "equipment": ("49.00", "89.00", "129.00"),
         "sports_pass": ("19.90", "29.90"), "movie_rental": ("3.99", "5.99")},
    ),
}


# --- the population ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Address:
    street: str
    postal_code: str
    city: str


@dataclass(frozen=True)
class _Household:
    country: _Country
    address: _Address
    previous_address: _Address | None  # where the household lived before moving
    moved_at: datetime | None
    landline: str | None  # national significant number
    home_ip: str


@dataclass(frozen=True)
class _Person:
    person_id: str
    first_name: str
    last_name: str
    gender: str  # m or f
    born: date
    household: _Household
    mobile: str  # national significant number
    email: str

    @property
    def country(self) -> _Country:
        return self.household.country

    def address_at(self, moment: datetime) -> _Address:
        """Returns the address a record written at `moment` holds (the old one before a move)."""
        household = self.household
        if household.previous_address and household.moved_at and moment < household.moved_at:
            return household.previous_address
        return household.address


def _ascii(text: str, german: bool = False) -> str:
    """Returns the letters and digits of a name folded to ASCII, as people type it in addresses."""
    text = text.lower()
    if german:  # Müller writes mueller as often as muller
        text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def _valid_number(rng: random.Random, country: _Country, prefixes: Sequence[str],
                  lengths: Sequence[int]) -> str:
    """Returns a random national significant number that `phonenumbers` accepts as valid."""
    calling_code = phonenumbers.country_code_for_region(country.code)
    for _ in range(100):
        prefix, length = rng.choice(prefixes), rng.choice(lengths)
        digits = prefix + "".join(rng.choices("0123456789", k=length - len(prefix)))
        number = phonenumbers.PhoneNumber(country_code=calling_code, national_number=int(digits))
        if phonenumbers.is_valid_number(number):
            return digits
    raise RuntimeError(f"no valid phone number for {country.code} with prefixes {prefixes}")


def _random_ip(rng: random.Random, network: str, prefix_length: int) -> str:
    """Returns a random IPv4 address inside network/prefix_length."""
    base = int(ipaddress.IPv4Address(network))
    return str(ipaddress.IPv4Address(base + rng.getrandbits(32 - prefix_length)))


def _address(rng: random.Random, country: _Country) -> _Address:
    city = rng.choice(country.cities)
    code = city.postal_base + city.postal_step * rng.randrange(city.postal_count)
    street, number = rng.choice(country.streets), rng.randint(1, 120)
    if country.code == "FR":
        line = f"{number} {street}"
    elif country.code == "SE":
        line = f"{street} {number}" + (f" lgh {rng.randint(1001, 1504)}"
                                       if rng.random() < 0.3 else "")
    elif country.code == "FI":
        line = f"{street} {number}" + (f" {rng.choice('ABC')} {rng.randint(1, 40)}"
                                       if rng.random() < 0.4 else "")
    else:
        line = f"{street} {number}" + (rng.choice("ab") if rng.random() < 0.1 else "")
    postal = f"{code // 100:03d} {code % 100:02d}" if country.code == "SE" else f"{code:05d}"
    return _Address(line, postal, city.name)


def _blended_names(rng: random.Random, names: Sequence[str], count: int) -> tuple[str, ...]:
    """Returns `names` and blends of them, `count` in all: the start of one name joined to the
    end of another (Lindholm and Virtanen give Lindtanen), so that the pool looks like the
    country's names but namesakes become as rare as in a real population."""
    pool, seen = list(names), set(names)
    while len(pool) < count:
        a, b = rng.sample(names, 2)
        if len(a) < 3 or len(b) < 3:
            continue
        name = a[:rng.randint(2, len(a) - 1)] + b[rng.randint(1, len(b) - 2):].lower()
        if len(name) >= 4 and name not in seen:
            seen.add(name)
            pool.append(name)
    return tuple(pool)


def _countries(name_variety: int, seed: int) -> tuple[_Country, ...]:
    """Returns the countries with `name_variety` times as many first names and surnames
    (1: the lists as written)."""
    if name_variety <= 1:
        return COUNTRIES
    rng = random.Random(f"names-{seed}")
    return tuple(replace(
        c, male=_blended_names(rng, c.male, name_variety * len(c.male)),
        female=_blended_names(rng, c.female, name_variety * len(c.female)),
        surnames=_blended_names(rng, c.surnames, name_variety * len(c.surnames)))
        for c in COUNTRIES)


def _household(rng: random.Random, used_ips: set[str], countries: Sequence[_Country]
               ) -> _Household:
    country = rng.choices(countries, _COUNTRY_WEIGHTS)[0]
    address = _address(rng, country)
    previous, moved_at = None, None
    if rng.random() < 0.08:  # movers: records older than the move keep the previous address
        previous = _address(rng, country)
        moved_at = _NOW - timedelta(days=rng.randint(20, 540), seconds=rng.randrange(86400))
    city = next(c for c in country.cities if c.name == address.city)
    landline = (_valid_number(rng, country, (city.area_code,), country.landline_lengths)
                if rng.random() < 0.5 else None)
    home_ip = _unique(used_ips, lambda: _random_ip(rng, "10.0.0.0", 8))
    return _Household(country, address, previous, moved_at, landline, home_ip)


def _unique(used: set[str], draw: Callable[[], str]) -> str:
    """Returns the first value of `draw()` not in `used`, and records it as used."""
    while (value := draw()) in used:
        pass
    used.add(value)
    return value


def _email(rng: random.Random, first: str, last: str, born: date, country: _Country,
           used: set[str]) -> str:
    german = country.code == "DE" and rng.random() < 0.5
    f, l_ = _ascii(first, german), _ascii(last, german)
    local = rng.choice((f"{f}.{l_}", f"{f}{l_}", f"{f[0]}.{l_}", f"{f}_{l_}", f"{l_}.{f}",
                        f"{f}.{l_}{born.year % 100:02d}", f"{f}{l_[0]}{born.year % 100:02d}"))
    domain = f"{rng.choice(country.mail_domains + ('mail',))}.{EMAIL_TLD}"
    address = f"{local}@{domain}"
    while address in used:  # a namesake took it: people add digits
        address = f"{local}{rng.randint(1, 999)}@{domain}"
    used.add(address)
    return address


def _household_birth_dates(rng: random.Random, size: int) -> list[date]:
    """Returns birth dates for a household: an adult, a partner, then children or siblings;
    sometimes the last two are twins (born the same day)."""
    def born(age_years: float) -> date:
        return REFERENCE_DATE - timedelta(days=int(age_years * 365.25) + rng.randrange(365))

    head_age = rng.randint(22, 85) if size <= 2 else rng.randint(40, 80)
    dates = [born(head_age)]
    if size >= 2:
        dates.append(born(max(18, head_age + rng.randint(-6, 6))))
    for _ in range(size - 2):
        dates.append(born(rng.randint(16, max(16, head_age - 22))))
    if size >= 4 and rng.random() < 0.25:
        dates[-1] = dates[-2]
    return dates


def _population(rng: random.Random, persons: int, countries: Sequence[_Country]
                ) -> list[_Person]:
    people: list[_Person] = []
    used_ips: set[str] = set()
    used_emails: set[str] = set()
    while len(people) < persons:
        size = min(rng.choices((1, 2, 3, 4), (55, 25, 12, 8))[0], persons - len(people))
        household = _household(rng, used_ips, countries)
        # Some families carry a name from another of the four countries.
        origin = household.country if rng.random() < 0.93 else rng.choice(countries)
        surname = rng.choice(origin.surnames)
        taken: set[str] = set()
        head_gender = rng.choice("mf")
        for index, born in enumerate(_household_birth_dates(rng, size)):
            if index == 0:
                gender = head_gender
            elif index == 1 and rng.random() < 0.9:  # the couple: mostly a man and a woman
                gender = "f" if head_gender == "m" else "m"
            else:
                gender = rng.choice("mf")
            names = origin.male if gender == "m" else origin.female
            first = _unique(taken, functools.partial(rng.choice, names))
            country = household.country
            people.append(_Person(
                f"P{len(people) + 1:06d}", first, surname, gender, born, household,
                _valid_number(rng, country, country.mobile_prefixes, country.mobile_lengths),
                _email(rng, first, surname, born, country, used_emails),
            ))
    return people


def _membership_table(shares: Mapping[str, float], stranger_share: float
                      ) -> tuple[list[tuple[str, ...]], list[float]]:
    """Returns every non-empty set of sources with the share of persons found in exactly it.

    Strangers get a single source. Everyone else gets two or more, drawn from independent
    per-source probabilities conditioned on at least two, fitted by iterative scaling so that
    each source's total share comes out as declared.
    """
    names = list(shares)
    singles = [stranger_share * shares[s] for s in names]
    rest = 1.0 - sum(singles)
    target = {s: shares[s] * (1 - stranger_share) / rest for s in names}
    subsets = [c for k in range(2, len(names) + 1) for c in itertools.combinations(names, k)]
    base = dict(target)
    weights: list[float] = []
    for _ in range(300):
        weights = [math.prod(base[s] if s in c else 1 - base[s] for s in names) for c in subsets]
        total = sum(weights)
        share = {s: sum(w for w, c in zip(weights, subsets, strict=True) if s in c) / total
                 for s in names}
        base = {s: min(0.999, base[s] * target[s] / share[s]) for s in names}
    total = sum(weights)
    return ([(s,) for s in names] + subsets,
            singles + [rest * w / total for w in weights])


# --- noise -------------------------------------------------------------------------------------

def _typo(rng: random.Random, text: str) -> str:
    """Returns the text with one letter swapped with the next, dropped or replaced."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == 1:
        return text[:i] + text[i + 1:]
    return text[:i] + rng.choice("aeilnorstu") + text[i + 1:]


def _noisy_names(rng: random.Random, person: _Person) -> tuple[str, str]:
    first, last = person.first_name, person.last_name
    if first in NICKNAMES and rng.random() < 0.3:
        first = NICKNAMES[first]
    if rng.random() < 0.025:
        first = _typo(rng, first)
    if rng.random() < 0.025:
        last = _typo(rng, last)
    if rng.random() < 0.015:
        last = last.upper()
    if rng.random() < 0.015:  # entered into the wrong fields
        first, last = last, first
    return first, last


def _noisy_birth_date(rng: random.Random, born: date, brand: _Brand) -> str:
    r = rng.random()
    if r < 0.03:
        return ""
    if r < 0.04:
        return PLACEHOLDER_BIRTH_DATE
    patterns, weights = zip(*brand.date_patterns, strict=True)
    pattern = rng.choices(patterns, weights)[0]
    # Day and month transposed: only where the result is still a date, as such typos go unseen.
    if r < 0.055 and born.day <= 12 and born.day != born.month:
        return date(born.year, born.day, born.month).strftime(pattern)
    return born.strftime(pattern)


def _phone_text(rng: random.Random, country: _Country, national: str,
                international_only: bool = False) -> str:
    """Returns a phone number in one of six ways of writing it (three without a country)."""
    calling_code = str(phonenumbers.country_code_for_region(country.code))
    style = rng.choices(("e164", "spaced", "double_zero", "national", "dashes", "parentheses"),
                        (25, 20, 10, 25, 10, 10))[0]
    if international_only and style in ("national", "dashes", "parentheses"):
        style = "spaced"
    number = phonenumbers.PhoneNumber(country_code=int(calling_code),
                                      national_number=int(national))
    if style == "e164":
        return f"+{calling_code}{national}"
    if style == "spaced":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if style == "double_zero":
        return f"00{calling_code}{national}"
    if style == "national":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "0" + national
    if style == "dashes":
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    head = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    area = head.replace("-", " ").split(" ")[0]
    return f"({area}) {digits[len(area):]}"


def _noisy_email(rng: random.Random, email: str) -> str:
    r = rng.random()
    if r < 0.08:
        return ""
    if r < 0.10:
        return PLACEHOLDER_EMAIL
    if r < 0.13:
        return email.upper()
    if r < 0.16:
        return f"  {email} "
    return email


def _moment(rng: random.Random, max_days: int) -> datetime:
    """Returns a random moment within `max_days` days before the reference date."""
    return _NOW - timedelta(seconds=rng.randrange(max_days * 86400))


def _timestamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}"


# --- records -----------------------------------------------------------------------------------

@dataclass
class _Row:
    values: dict[str, object]
    person_id: str | None  # who the row is about; None for orders and rejected broken rows
    # The kind of a deliberately broken row: left out of the truth unless it only costs a value.
    defect: str | None = None


def _registry_row(rng: random.Random, person: _Person, brand: _Brand) -> dict[str, object]:
    updated = _moment(rng, 730)
    first, last = _noisy_names(rng, person)
    address = person.address_at(updated)
    street = address.street
    if rng.random() < 0.1:
        for long, short in _ABBREVIATIONS:
            street = street.replace(long, short)
    postal, city = address.postal_code, address.city
    if rng.random() < 0.02:
        street, postal, city = "", "", ""
    country = person.country.code
    country = "" if (r := rng.random()) < 0.01 else country.lower() if r < 0.03 else country
    r = rng.random()
    if r < 0.08:
        phone = ""
    elif r < 0.10:
        phone = PLACEHOLDER_PHONE
    else:
        national = person.household.landline if r < 0.25 and person.household.landline \
            else person.mobile
        # Without a country only an international number can be read.
        phone = _phone_text(rng, person.country, national, international_only=not country)
    gender = "" if rng.random() < 0.03 else brand.genders[0 if person.gender == "m" else 1]
    start = updated.date() - timedelta(days=rng.randrange(12 * 365))
    return {
        "subscriber_id": "", "first_name": first, "last_name": last,
        "birth_date": _noisy_birth_date(rng, person.born, brand), "gender": gender,
        "street_address": street, "postal_code": postal, "city": city, "country": country,
        "phone": phone, "email": _noisy_email(rng, person.email),
        "subscription_product": rng.choice(brand.products),
        "subscription_status": rng.choices(("active", "paused", "cancelled"), (75, 5, 20))[0],
        "subscription_start": start.isoformat(),
        "consent_marketing": "true" if rng.random() < 0.6 else "false",
        "consent_partner_sharing": "true" if rng.random() < 0.35 else "false",
        "updated_at": _timestamp(updated),
    }


def _personal_ip(person: _Person) -> str:
    """A private address of the person's own (a device's, not the household's connection)."""
    digest = hashlib.sha256(person.person_id.encode()).digest()
    return str(ipaddress.IPv4Address(0x0A000000 | int.from_bytes(digest[:3], "big")))


IPV6_HOME_SHARE = 0.35  # of the visits from home, those over IPv6


def _over_ipv6(ip: str, visit: str) -> str:
    """Returns `ip` (a home connection's IPv4 address), or for about IPV6_HOME_SHARE of the
    visits an IPv6 address in the connection's own /64 with the visit's interface part. Drawn
    from hashes, not from the generator's random stream, so the rest of the data stays as it
    was without IPv6."""
    digest = hashlib.sha256(f"{ip}|{visit}".encode()).digest()
    if digest[0] >= IPV6_HOME_SHARE * 256:
        return ip
    network = hashlib.sha256(ip.encode()).digest()[:4]  # the connection's /64 in 2001:db8::/32
    prefix = (0x20010DB8 << 96) | (int.from_bytes(network, "big") << 64)
    return str(ipaddress.IPv6Address(prefix | int.from_bytes(digest[8:16], "big")))


def _online_row(rng: random.Random, person: _Person, moving: bool, personal_ips: bool = False
                ) -> dict[str, object]:
    device = rng.choices(("desktop", "mobile", "tablet"), (40, 45, 15))[0]
    country = person.country
    own = person.household.address
    geo: tuple[str | None, str | None] = (own.city, own.postal_code)
    r = rng.random()
    from_home = False
    if r < 0.04:
        ip, geo, country_code = PUBLIC_WIFI[0], PUBLIC_WIFI[1:3], PUBLIC_WIFI[3]
    else:
        country_code = country.code
        if device == "mobile" and r < 0.5 or r < 0.12:  # carrier NAT geolocates to the capital
            ip = _random_ip(rng, "100.64.0.0", 10)
            capital = country.cities[0]
            geo = (capital.name, None) if rng.random() < 0.7 else (None, None)
        elif r < 0.9:
            ip = _personal_ip(person) if personal_ips else person.household.home_ip
            from_home = True
            g = rng.random()
            if g < 0.1:
                geo = (rng.choice(country.cities).name, None)  # geolocation is often wrong
            elif g < 0.2:
                geo = (None, None)
            elif g < 0.5:
                geo = (own.city, None)
        else:
            ip, geo = _random_ip(rng, "10.0.0.0", 8), (None, None)  # work or a friend's
    logged_in = rng.random() < 0.4
    first = last = None
    if logged_in and rng.random() < 0.2:
        first, last = _noisy_names(rng, person)
    interests = sorted(rng.sample(INTERESTS, rng.randint(0, 4)))
    if moving and rng.random() < 0.7 or rng.random() < 0.02:
        interests.append("moving")
    first_seen = _moment(rng, 730)
    last_seen = first_seen + (_NOW - first_seen) * rng.random()
    if from_home:
        ip = _over_ipv6(ip, f"{person.person_id}|{_timestamp(first_seen)}")
    return {
        "profile_id": "",
        "email_sha256": hashlib.sha256(person.email.strip().lower().encode()).hexdigest()
        if logged_in else None,
        "first_name": first, "last_name": last, "ip_address": ip,
        "user_agent": rng.choice(_USER_AGENTS[device]) if rng.random() < 0.98 else None,
        "device_type": device, "geo_city": geo[0], "geo_postal_code": geo[1],
        "country": country_code if rng.random() < 0.95 else None,
        "interests": interests, "page_views": min(5000, int(rng.paretovariate(1.1) * 3)),
        "first_seen": _timestamp(first_seen), "last_seen": _timestamp(last_seen),
        "consent_profiling": rng.random() < 0.7,
    }


def _handle(rng: random.Random, person: _Person, taken: set[str]) -> str:
    first = _ascii(NICKNAMES.get(person.first_name, person.first_name)
                   if rng.random() < 0.15 else person.first_name)
    last, yy = _ascii(person.last_name), f"{person.born.year % 100:02d}"
    handle = rng.choices(
        (f"{first[0]}{last}", f"{first}.{last}", f"{last}{first[0]}", f"{first}_{last[0]}{yy}",
         f"{first}{last}", f"{first}{last}{yy}", f"{last}.{first}", f"{first}_{last}",
         f"{rng.choice(_HANDLE_WORDS[0])}{rng.choice(_HANDLE_WORDS[1])}{rng.randint(1, 99)}"),
        (15, 15, 8, 10, 12, 8, 5, 7, 20))[0][:24]
    base = handle
    while handle in taken:
        handle = f"{base}{rng.randint(1, 999)}"
    taken.add(handle)
    return handle


# Display name templates with weights: as written, lower case, swapped, "Last, First", initial,
# first name only, nickname, emoji, title, the handle itself, a typo, or nothing.
_DISPLAY_NAMES = (("{first} {last}", 46), ("{lower}", 5), ("{last} {first}", 3),
                  ("{last}, {first}", 3), ("{first} {initial}.", 8), ("{first}", 8),
                  ("{nickname} {last}", 5), ("{first} {last} {emoji}", 5),
                  ("Dr. {first} {last}", 2), ("{handle}", 8), ("{typo} {last}", 4), ("", 3))


def _display_name(rng: random.Random, person: _Person, handle: str) -> str | None:
    first, last = person.first_name, person.last_name
    templates, weights = zip(*_DISPLAY_NAMES, strict=True)
    name = rng.choices(templates, weights)[0].format(
        first=first, last=last, lower=f"{first} {last}".lower(), initial=last[0],
        nickname=NICKNAMES.get(first, first), handle=handle, typo=_typo(rng, first),
        emoji=rng.choice(("\U0001f332", "\u26bd", "\u2615", "\U0001f3b8", person.country.flag)))
    return name or None


def _social_row(rng: random.Random, person: _Person, platform: str, taken: set[str]
                ) -> dict[str, object]:
    handle = _handle(rng, person, taken)
    active = _moment(rng, 700)
    city = person.address_at(active).city
    location = rng.choices((city, f"{city}, {person.country.name}", f"{city} {person.country.flag}",
                            person.country.name, None), (35, 15, 10, 10, 30))[0]
    interest = rng.choice(INTERESTS)
    email = person.email.upper() if rng.random() < 0.2 else person.email
    return {
        "platform": platform, "handle": handle,
        "display_name": _display_name(rng, person, handle),
        "bio": rng.choice(_BIOS).format(interest=interest, city=city)
        if rng.random() < 0.6 else None,
        "location": location,
        "website": f"https://{handle.replace('_', '-')}.{EMAIL_TLD}"
        if rng.random() < 0.08 else None,
        "email": email if rng.random() < 0.1 else None,
        # Social rows carry no country: only internationally written numbers can be read.
        "phone": _phone_text(rng, person.country, person.mobile, international_only=True)
        if rng.random() < 0.05 else None,
        "followers": min(250_000, int(rng.paretovariate(1.0) * 20) - 20),
        "last_active": _timestamp(active),
    }


# --- sources, with their broken rows -----------------------------------------------------------

def _defect_plan(good_rows: int, kinds: Sequence[str]) -> list[str]:
    """Returns the defect kinds to insert: ~DEFECT_SHARE of the rows, every kind at least once."""
    count = max(len(kinds), round(DEFECT_SHARE * good_rows))
    return [kinds[i % len(kinds)] for i in range(count)]


def _owner(person: _Person, defect: str) -> str | None:
    """The person a broken row is about in the ground truth: none for a row ingest rejects."""
    return person.person_id if defect in VALUE_DEFECTS else None


def _insert(rng: random.Random, rows: list[_Row], row: _Row) -> None:
    rows.insert(rng.randrange(len(rows) + 1), row)


def _insert_defects(rng: random.Random, rows: list[_Row], plan: Sequence[str],
                    broken: Callable[[str], _Row]) -> None:
    """Inserts a broken row for each kind of the plan, duplicates aside (they need keys)."""
    for kind in plan:
        if kind != "duplicate_key":
            _insert(rng, rows, broken(kind))


def _insert_duplicates(rng: random.Random, rows: list[_Row], plan: Sequence[str],
                       recency: str | None, start: str | None = None) -> None:
    """Inserts, for each duplicate_key of the plan, an older copy of a good row with its key.

    Ingest keeps the most recent of rows sharing a key, so the copy is the rejected one and the
    ground truth (which lists the good row) stays right. Without a recency column (orders) either
    may be kept; orders are not in the ground truth.
    """
    good = [r for r in rows if r.defect is None]
    for kind in plan:
        if kind != "duplicate_key":
            continue
        values = dict(rng.choice(good).values)
        if recency:
            moment = datetime.fromisoformat(str(values[recency])) - timedelta(
                days=rng.randint(1, 365), seconds=rng.randint(1, 86400))
            values[recency] = _timestamp(moment)
            if start and str(values[start]) > str(values[recency]):
                values[start] = values[recency]
        _insert(rng, rows, _Row(values, None, kind))


def _assign_keys(rows: list[_Row], key: str, new_key: Callable[[], str]) -> None:
    for row in rows:
        if row.defect != "missing_key":
            row.values[key] = new_key()


def _registry_rows(rng: random.Random, name: str, members: Sequence[_Person],
                   people: Sequence[_Person]) -> list[_Row]:
    brand = _BRANDS[name]
    rows = [_Row(_registry_row(rng, p, brand), p.person_id) for p in members]
    if name == "magazine":  # entered twice, each time with its own noise
        twice = rng.sample(list(members), round(MAGAZINE_DUPLICATE_SHARE * len(members)))
        rows += [_Row(_registry_row(rng, p, brand), p.person_id) for p in twice]
    rng.shuffle(rows)
    plan = _defect_plan(len(rows), REGISTRY_DEFECTS)

    def broken(kind: str) -> _Row:
        person = rng.choice(people)
        values = _registry_row(rng, person, brand)
        year = rng.randint(1940, 2000)
        values.update({
            # An unquoted comma: one field too many, which Spark's CSV reader flags.
            "unparseable_row": {"street_address": f"{values['street_address'] or 'Kirkkokatu 1'}"
                                                  f", {rng.choice(('Hinterhaus', 'bât. B'))}"},
            "missing_key": {"subscriber_id": " "},
            "invalid_updated_at": {"updated_at": "yesterday"},
            "invalid_consent_marketing": {"consent_marketing": rng.choice(("ja", "maybe", "oui"))},
            "invalid_birth_date": {"birth_date": f"{year}-02-30"},
            "impossible_birth_date": {"birth_date": rng.choice(("2031-05-01", "1850-01-01"))},
        }[kind])
        return _Row(values, _owner(person, kind), kind)

    _insert_defects(rng, rows, plan, broken)
    numbers = itertools.count(1)
    _assign_keys(rows, "subscriber_id", lambda: f"{brand.prefix}{next(numbers):06d}")
    _insert_duplicates(rng, rows, plan, "updated_at")
    return rows


def _order_values(rng: random.Random, brand: _Brand, subscriber_id: str) -> dict[str, object]:
    category = rng.choice(list(brand.order_prices))
    return {"order_id": "", "subscriber_id": subscriber_id,
            "order_date": (REFERENCE_DATE - timedelta(days=rng.randint(1, 730))).isoformat(),
            "amount": rng.choice(brand.order_prices[category]), "currency": "EUR",
            "product_category": category}


def _orders_rows(rng: random.Random, name: str, registry: Sequence[_Row]) -> list[_Row]:
    brand = _BRANDS[name]
    # Only subscribers that ingest accepts: orders of the others would be rejected as unknown.
    known = [str(r.values["subscriber_id"]) for r in registry if r.defect is None]
    drafts = [_order_values(rng, brand, subscriber) for subscriber in known
              if rng.random() < 0.55 for _ in range(1 + min(11, int(rng.expovariate(0.45))))]
    # Order systems number orders as they come: sort by date, then number.
    drafts.sort(key=lambda v: (v["order_date"], v["subscriber_id"], v["product_category"]))
    rows = [_Row(values, None) for values in drafts]
    plan = _defect_plan(len(rows), ORDERS_DEFECTS)
    taken = set(known)

    def broken(kind: str) -> _Row:
        values = _order_values(rng, brand, rng.choice(known))
        values.update({
            "unparseable_row": {"amount": str(values["amount"]).replace(".", ",")},
            "missing_key": {"order_id": ""},
            "invalid_amount": {"amount": "twelve"},
            "invalid_order_date": {"order_date": "31.02.2026"},
            "unknown_subscriber": {"subscriber_id": _unique(
                taken, lambda: f"{brand.prefix}{rng.randint(1, 2 * len(known)):06d}")},
        }[kind])
        return _Row(values, None, kind)

    _insert_defects(rng, rows, plan, broken)
    numbers = itertools.count(1)
    _assign_keys(rows, "order_id", lambda: f"{brand.prefix}O{next(numbers):07d}")
    _insert_duplicates(rng, rows, plan, None)
    return rows


def _online_rows(rng: random.Random, members: Sequence[_Person], people: Sequence[_Person],
                 personal_ips: bool = False) -> list[_Row]:
    rows = [
        _Row(_online_row(rng, p, p.household.moved_at is not None, personal_ips), p.person_id)
        for p in members for _ in range(rng.choices((1, 2, 3), (70, 22, 8))[0])
    ]
    rng.shuffle(rows)
    plan = _defect_plan(len(rows), ONLINE_DEFECTS)

    def broken(kind: str) -> _Row:
        person = rng.choice(people)
        values = _online_row(rng, person, False)
        changes: dict[str, dict[str, object]] = {
            "unparseable_row": {},  # truncated when written
            "missing_key": {"profile_id": rng.choice((None, ""))},
            "invalid_page_views": {"page_views": "abc"},
            "invalid_last_seen": {"last_seen": "yesterday"},
        }
        values.update(changes[kind])
        return _Row(values, _owner(person, kind), kind)

    _insert_defects(rng, rows, plan, broken)
    taken: set[str] = set()
    _assign_keys(rows, "profile_id",
                 lambda: _unique(taken, lambda: f"{rng.getrandbits(64):016x}"))
    _insert_duplicates(rng, rows, plan, "last_seen", start="first_seen")
    return rows


def _social_rows(rng: random.Random, members: Sequence[_Person], people: Sequence[_Person]
                 ) -> list[_Row]:
    taken: dict[str, set[str]] = {platform: set() for platform in _PLATFORMS}

    def platforms() -> list[str]:
        first = rng.choices(_PLATFORMS, _PLATFORM_WEIGHTS)[0]
        second = rng.choice([p for p in _PLATFORMS if p != first])
        return [first, second] if rng.random() < 0.12 else [first]

    rows = [_Row(_social_row(rng, p, platform, taken[platform]), p.person_id)
            for p in members for platform in platforms()]
    rng.shuffle(rows)
    plan = _defect_plan(len(rows), SOCIAL_DEFECTS)

    def broken(kind: str) -> _Row:
        platform = rng.choice(_PLATFORMS)
        person = rng.choice(people)
        values = _social_row(rng, person, platform, taken[platform])
        changes: dict[str, dict[str, object]] = {
            "unparseable_row": {},  # truncated when written
            "missing_key": {"handle": rng.choice((None, ""))},
            "invalid_followers": {"followers": -5},
            "invalid_last_active": {"last_active": "yesterday"},
        }
        values.update(changes[kind])
        return _Row(values, _owner(person, kind), kind)

    _insert_defects(rng, rows, plan, broken)
    _insert_duplicates(rng, rows, plan, "last_active")
    return rows


# --- files -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoFiles:
    """The files written by generate_demo_data, by kind; registries and orders by source name."""

    registries: Mapping[str, Path]
    orders: Mapping[str, Path]
    online: Path
    social: Path
    ground_truth: Path


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[_Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            values = ["" if row.values[c] is None else str(row.values[c]) for c in columns]
            if row.defect == "unparseable_row":
                handle.write(",".join(values) + "\n")  # unquoted on purpose
            else:
                writer.writerow(values)


def _write_jsonl(path: Path, columns: Sequence[str], rows: Sequence[_Row]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            line = json.dumps({c: row.values[c] for c in columns}, ensure_ascii=False)
            if row.defect == "unparseable_row":
                line = line[: len(line) * 2 // 3]  # cut off mid-record, as a crashed writer does
            handle.write(line + "\n")


def _record_id(source: str, values: Mapping[str, object]) -> str:
    if source == "web":
        return str(values["profile_id"])
    if source == "social":
        return f"{values['platform']}:{values['handle']}"
    return str(values["subscriber_id"])


def _write_ground_truth(path: Path, sources: Mapping[str, Sequence[_Row]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("source", "source_record_id", "person_id"))
        for source, rows in sources.items():
            for row in rows:
                if row.defect is None or row.defect in VALUE_DEFECTS:
                    writer.writerow((source, _record_id(source, row.values), row.person_id))
                    count += 1
    return count


def _memberships(rng: random.Random, people: Sequence[_Person]) -> dict[str, list[_Person]]:
    subsets, weights = _membership_table(SOURCE_SHARES, STRANGER_SHARE)
    cumulative = list(itertools.accumulate(weights))
    members: dict[str, list[_Person]] = {source: [] for source in SOURCE_SHARES}
    for person in people:
        for source in rng.choices(subsets, cum_weights=cumulative)[0]:
            members[source].append(person)
    return members


def generate_demo_data(out_dir: Path | str, persons: int = 10_000, seed: int = 42,
                       name_variety: int = 1, personal_ips: bool = False) -> DemoFiles:
    """Writes the demo sources and their ground truth into `out_dir` (created if missing) and
    returns their paths. The same arguments always give byte-identical files.

    `name_variety` multiplies the first names and surnames each country draws from (blends of
    the written ones): 1 keeps the short lists, whose namesakes make names weak evidence; 20
    or so makes namesakes about as rare as in a real population. `personal_ips`: the visits
    from home come from an address of the person's own (a device's) instead of the household's
    shared connection.

    Raises ValueError when `persons` is below MIN_PERSONS or `name_variety` below 1.
    """
    if persons < MIN_PERSONS:
        raise ValueError(f"persons must be at least {MIN_PERSONS}, got {persons}")
    if name_variety < 1:
        raise ValueError(f"name_variety must be at least 1, got {name_variety}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    people = _population(rng, persons, _countries(name_variety, seed))
    members = _memberships(rng, people)
    registries = {name: _registry_rows(rng, name, members[name], people) for name in _BRANDS}
    orders = {name: _orders_rows(rng, name, rows) for name, rows in registries.items()}
    online = _online_rows(rng, members["web"], people, personal_ips)
    social = _social_rows(rng, members["social"], people)

    files = DemoFiles(
        registries={name: out / f"registry_{name}.csv" for name in _BRANDS},
        orders={name: out / f"orders_{name}.csv" for name in _BRANDS},
        online=out / "online_profiles.jsonl",
        social=out / "social_accounts.jsonl",
        ground_truth=out / "ground_truth.csv",
    )
    written: dict[Path, Sequence[_Row]] = {}
    for name in _BRANDS:
        _write_csv(files.registries[name], REGISTRY_COLUMNS, registries[name])
        _write_csv(files.orders[name], ORDERS_COLUMNS, orders[name])
        written.update({files.registries[name]: registries[name], files.orders[name]: orders[name]})
    _write_jsonl(files.online, ONLINE_COLUMNS, online)
    _write_jsonl(files.social, SOCIAL_COLUMNS, social)
    written.update({files.online: online, files.social: social})
    truth = _write_ground_truth(files.ground_truth, {**registries, "web": online, "social": social})
    for path, rows in written.items():
        broken = sum(r.defect is not None for r in rows)
        log.info("demo data: %s, %d rows (%d broken on purpose)", path.name, len(rows), broken)
    log.info("demo data: %d persons, %d ground-truth records in %s", persons, truth, out)
    return files
