#!/usr/bin/env python3
"""Independent synthetic population and sources for the identity-resolution accuracy benchmark.

The accuracy benchmark uses this data as an out-of-sample check. It was written without reading
jobs/demo_data.py, the job's own demo generator, so that the job's rules meet data they were not
tuned on: different name lists, household structures, noise and formats.

What it models:
- A population in FI, DE, FR and PL (35/30/20/15 %), 7 % of households with a name origin from
  another of these countries. Names are drawn with Zipf weights on frequency rank, with accents,
  compound and double surnames, gendered Polish surnames, middle names and nicknames.
- Households of 1-5 people: couples, single parents, flatmates, children (with twins and "junior"
  sons named after their father), wives who took, kept or double-barrelled a surname (some
  recently, so older records carry the maiden name), households that moved, people who changed
  their mobile number or e-mail, shared mailboxes, landlines, work e-mails and shared office,
  public Wi-Fi, VPN and carrier (CGNAT) IP addresses.
- Sources in the job's source contract: the newspaper and telecom registries (with duplicate
  entries and realistic field noise and formats) and their orders, web cookie profiles
  (online_profiles.jsonl) and social media accounts (social_accounts.jsonl); plus
  ground_truth.csv (source, source_record_id, person_id) and a job configuration, conf.yaml.
`--hard` makes households larger, twins and juniors more common and names more concentrated, so
that there are more namesakes.

Usage:
    .venv/bin/python benchmarks/independent_data.py OUT_DIR --persons 8000 --seed 1 [--hard]

The output is deterministic: the same arguments give byte-identical files, whatever
PYTHONHASHSEED is. It uses only synthetic values: e-mails on reserved `.example` domains, IP
addresses in the reserved documentation (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32), private (10.0.0.0/8) and carrier-grade NAT (100.64.0.0/10) ranges, and phone
numbers drawn at random that `phonenumbers` accepts as valid for their country (not a reserved
range: a drawn number may exist). It needs only the standard library and `phonenumbers`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import logging
import math
import random
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import phonenumbers
from independent_reference import (
    BIO_WORDS_NOT_FOR,
    BIOS,
    CITIES,
    COMPANY_SYLLABLES,
    CONF,
    CONNECTIONS,
    COUNTRIES,
    COUNTRY_NAMES,
    COUNTRY_WEIGHTS,
    DEVICES,
    DIFFICULTIES,
    EMAIL_DOMAINS,
    EMAIL_STYLE_WEIGHTS,
    EMOJI,
    EXPENSIVE_CATEGORIES,
    FLAGS,
    GROUND_TRUTH_COLUMNS,
    HANDLE_STYLE_WEIGHTS,
    INTERESTS,
    LANDLINE_TYPES,
    MIDDLE_NAME_SHARES,
    MOBILE_PREFIXES,
    NAMES,
    NEWSPAPER,
    NICKNAMES,
    ORDER_COLUMNS,
    ORDER_COUNT_WEIGHTS,
    PHONE_LENGTHS,
    PLACEHOLDER_PHONES,
    PLATFORMS,
    REFERENCE_DATE,
    REGISTRY_COLUMNS,
    STREET_ABBREVIATIONS,
    STREETS,
    SURNAME,
    TELECOM,
    USER_AGENTS,
    VPN_CITIES,
    WORDS,
    WORK_EMAIL_STYLES,
    RegistrySpec,
)
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

log = logging.getLogger("bench.independent_data")

Row = dict[str, str]
JsonRow = dict[str, object]
TruthRow = tuple[str, str, str]


# ----------------------------------------------------------------------------- text helpers
def cumulative_zipf_weights(count: int, exponent: float) -> list[float]:
    """Returns the running sums of 1 / rank ** exponent for ranks 1..count (cum_weights)."""
    total, sums = 0.0, []
    for rank in range(1, count + 1):
        total += 1.0 / rank ** exponent
        sums.append(total)
    return sums


def ascii_fold(text: str) -> str:
    """Returns text without accents: "Łódź" gives "Lodz", "Straße" gives "Strasse"."""
    # ł, ß and dotless ı have no decomposition, so NFKD alone would keep them.
    text = text.replace("ł", "l").replace("Ł", "L").replace("ß", "ss").replace("ı", "i")
    return "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def de_transliterate(text: str) -> str:
    """Returns text in German transliteration: "Müller" gives "Mueller"."""
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"),
                            ("Ü", "Ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    return text


def levenshtein(left: str, right: str) -> int:
    """Returns the edit distance between two strings."""
    previous = list(range(len(right) + 1))
    for row, left_char in enumerate(left, 1):
        current = [row]
        for column, right_char in enumerate(right, 1):
            current.append(min(previous[column] + 1, current[column - 1] + 1,
                               previous[column - 1] + (left_char != right_char)))
        previous = current
    return previous[-1]


def typo(rng: random.Random, text: str) -> str:
    """Returns text with one inserted, deleted, replaced or swapped letter (not the first)."""
    if not text or len(text) < 4:
        return text
    index = rng.randrange(1, len(text) - 1)
    operation = rng.random()
    letter = rng.choice("aeinorstulkmähjpv")
    if text[index].isupper():
        letter = letter.upper()
    if operation < .25:
        return text[:index] + letter + text[index:]
    if operation < .5:
        return text[:index] + text[index + 1:]
    if operation < .75:
        return text[:index] + letter + text[index + 1:]
    return text[:index] + text[index + 1] + text[index] + text[index + 2:]


def ascii_token(text: str) -> str:
    """Returns text folded to lower-case ASCII letters and digits, as in handles and e-mails."""
    return "".join(char for char in ascii_fold(text).lower() if char.isalnum())


def feminine_surname(surname: str) -> str:
    """Returns the feminine form of a Polish surname: "Kowalski" gives "Kowalska"."""
    for masculine, feminine in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(masculine):
            return surname[: -len(masculine)] + feminine
    return surname


def surname_for(gender: str, surname: str, origin: str) -> str:
    """Returns the family surname in the form that a person of this gender and origin uses."""
    return feminine_surname(surname) if (gender == "F" and origin == "PL") else surname


def random_date(rng: random.Random, start: date, end: date) -> date:
    """Returns a uniformly drawn day from start to end, both included."""
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def random_timestamp(rng: random.Random, start: date, end: date) -> datetime:
    """Returns a uniformly drawn second from start's midnight to end's midnight."""
    return datetime(start.year, start.month, start.day) + timedelta(
        seconds=rng.randrange(int((end - start).days * 86400) + 1))


def iso_timestamp(moment: datetime) -> str:
    """Returns the moment as an ISO 8601 UTC timestamp."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ----------------------------------------------------------------------------- population
@dataclass
class Address:
    street: str
    city_index: int
    postal_code: str
    country: str


@dataclass(frozen=True)
class Office:
    domain: str
    country: str
    city_index: int
    ip: str  # shared by every colleague
    name: str


@dataclass(frozen=True)
class Hotspot:
    """A public Wi-Fi address, shared by tens of unrelated web profiles."""

    ip: str
    country: str
    city_index: int


class Connection(NamedTuple):
    source: str  # home, office, wifi, vpn or cgnat
    ip: str
    country: str
    city_index: int | None
    postal_code: str | None


# eq=False: persons and households refer to each other, and are told apart by identity.
@dataclass(eq=False)
class Household:
    country: str
    address: Address
    ipv4: str
    ipv6_prefix: str | None
    members: list[Person] = field(default_factory=list)
    old_address: Address | None = None  # before move_date
    move_date: date | None = None
    landline: PhoneNumber | None = None


@dataclass(eq=False)
class Person:
    person_id: str
    household: Household
    country: str
    origin: str  # the country that the names come from
    gender: str
    first: str
    last: str
    birth: date
    nickname: str | None
    middle: str | None
    maiden: str | None = None  # the surname on records dated before marriage_date
    marriage_date: date | None = None
    twin: bool = False
    shared_email: str | None = None  # a mailbox shared with another household member
    # Set once every person exists (see DataGenerator.finish_person).
    mobile: PhoneNumber = field(init=False)
    old_mobile: PhoneNumber | None = None  # on records dated before mobile_changed
    mobile_changed: date | None = None
    email: str = ""
    old_email: str | None = None  # on records dated before email_changed
    email_changed: date | None = None
    adult: bool = False
    office: Office | None = None
    work_email: str | None = None
    interests: list[str] = field(default_factory=list)


class DataGenerator:
    """Draws a population, then the records that each source holds about it.

    Every draw comes from one seeded random.Random, in a fixed order: changing the order of any
    two draws changes all the data after them.
    """

    def __init__(self, persons: int, seed: int, hard: bool) -> None:
        self.rng = random.Random(seed)
        self.person_count = persons
        self.difficulty = DIFFICULTIES["hard" if hard else "normal"]
        self.names = {
            country: {kind: [name.replace("_", " ") for name in names.split()]
                      for kind, names in by_kind.items()}
            for country, by_kind in NAMES.items()}
        self.name_weights = {
            country: {kind: cumulative_zipf_weights(len(names), self.difficulty.zipf_last
                                                    if kind == SURNAME
                                                    else self.difficulty.zipf_first)
                      for kind, names in by_kind.items()}
            for country, by_kind in self.names.items()}
        self.city_weights = {country: list(itertools.accumulate(city.weight for city in cities))
                             for country, cities in CITIES.items()}
        self.streets = {country: [street.replace("_", " ") for street in streets.split()]
                        for country, streets in STREETS.items()}
        self.used_emails: set[str] = set()
        self.used_ids: set[str] = set()
        self.used_ips: set[str] = set()
        self.persons: list[Person] = []
        self.households: list[Household] = []
        self.offices_by_country: dict[str, list[Office]] = {}
        self.hotspots: list[Hotspot] = []
        self.vpn_ips: list[str] = []

    def draw_name(self, country: str, kind: str) -> str:
        """Returns a first name ("F" or "M") or a surname (SURNAME) common in the country."""
        return self.rng.choices(self.names[country][kind],
                                cum_weights=self.name_weights[country][kind])[0]

    def draw_city(self, country: str) -> int:
        """Returns the index of a city in CITIES[country], weighted by population."""
        return self.rng.choices(range(len(CITIES[country])),
                                cum_weights=self.city_weights[country])[0]

    def postal_code(self, country: str, city_index: int) -> str:
        """Returns a postal code drawn within the city's range."""
        city = CITIES[country][city_index]
        number = city.postal_low + city.postal_step * self.rng.randrange(
            (city.postal_high - city.postal_low) // city.postal_step + 1)
        return f"{number // 1000:02d}-{number % 1000:03d}" if country == "PL" else f"{number:05d}"

    def address(self, country: str, city_index: int | None = None) -> Address:
        """Returns an address in the city (drawn if not given), in the country's form."""
        rng = self.rng
        city_index = self.draw_city(country) if city_index is None else city_index
        street, number = rng.choice(self.streets[country]), rng.randint(1, 120)
        if country == "FI":  # stair letter and flat number
            line = f"{street} {number}" + (
                f" {rng.choice('ABCDEF')} {rng.randint(1, 60)}" if rng.random() < .55 else "")
        elif country == "DE":
            line = f"{street} {number}" + (rng.choice("abc") if rng.random() < .08 else "")
        elif country == "FR":
            line = f"{number}{' bis' if rng.random() < .04 else ''} {street}"
        else:  # PL: building/flat
            line = f"{street} {number}" + (f"/{rng.randint(1, 90)}" if rng.random() < .6 else "")
        return Address(line, city_index, self.postal_code(country, city_index), country)

    def phone(self, country: str, mobile: bool, area_code: str = "") -> PhoneNumber:
        """Returns a random number that phonenumbers finds valid: mobile, or a landline."""
        rng, lengths = self.rng, PHONE_LENGTHS[country]
        calling_code = phonenumbers.country_code_for_region(country)
        for _ in range(500):
            if mobile:
                prefix = rng.choice(MOBILE_PREFIXES[country])
                length = rng.randint(lengths.mobile_min, lengths.mobile_max)
            else:
                prefix, length = area_code, rng.randint(lengths.fixed_min, lengths.fixed_max)
            national = prefix + "".join(rng.choice("0123456789")
                                        for _ in range(length - len(prefix)))
            number = phonenumbers.parse(f"+{calling_code}{national}")
            number_type = phonenumbers.number_type(number)
            if phonenumbers.is_valid_number(number) and (
                    number_type == PhoneNumberType.MOBILE if mobile
                    else number_type in LANDLINE_TYPES):
                return number
        raise RuntimeError(f"no valid {'mobile' if mobile else 'landline'} number in {country}")

    def ipv4(self, first_octet: str) -> str:
        """Returns a home address in 10/8 (never reused) or a carrier NAT one in 100.64/10."""
        rng = self.rng
        while True:
            second = rng.randint(64, 127) if first_octet == "100" else rng.randrange(256)
            ip = f"{first_octet}.{second}.{rng.randrange(256)}.{rng.randint(1, 254)}"
            # Carrier NAT addresses are shared at random by unrelated people.
            if first_octet == "100" or ip not in self.used_ips:
                self.used_ips.add(ip)
                return ip

    def email_local_part(self, person: Person, style: int | None = None) -> str:
        """Returns an e-mail local part in the given style, or in a drawn one."""
        rng = self.rng
        first, last = ascii_token(person.first), ascii_token(person.last)
        nickname = ascii_token(person.nickname or person.first)
        year = str(person.birth.year)
        if style is None:
            style = rng.choices(range(10), EMAIL_STYLE_WEIGHTS)[0]
        # Every candidate is built, drawing its random part, before one is picked: the rest of
        # the data depends on that order of draws.
        candidates = [
            f"{first}.{last}", f"{first}{last}", f"{first[0]}.{last}", f"{first}_{last}",
            f"{first}.{last}{year[2:]}", f"{first}{year}", f"{nickname}{rng.randint(1, 999)}",
            f"{last}.{first}", f"{first[0]}{last}",
            f"{rng.choice(WORDS).replace('_', '')}{rng.randint(1, 99)}"]
        return candidates[style]

    def new_email(self, person: Person, domain: str | None = None,
                  style: int | None = None) -> str:
        """Returns an e-mail address that nobody else has."""
        rng = self.rng
        domain = domain or (rng.choice(EMAIL_DOMAINS[person.country]) if rng.random() < .45
                            else rng.choice(EMAIL_DOMAINS["*"]))
        local_part = self.email_local_part(person, style)
        email = f"{local_part}@{domain}"
        while email in self.used_emails:
            email = f"{local_part}{rng.randint(1, 9999)}@{domain}"
        self.used_emails.add(email)
        return email

    def add_person(self, household: Household, gender: str, first: str, last: str, birth: date,
                   origin: str) -> Person:
        """Returns a new member of the household, with a nickname and middle name or not."""
        rng = self.rng
        nickname = (rng.choice(NICKNAMES[first]) if first in NICKNAMES and rng.random() < .5
                    else None)
        middle = (self.draw_name(origin, gender) if rng.random() < MIDDLE_NAME_SHARES[origin]
                  else None)
        person = Person(f"P{len(self.persons) + 1:06d}", household, household.country, origin,
                        gender, first, last, birth, nickname, middle)
        self.persons.append(person)
        household.members.append(person)
        return person

    def finish_person(self, person: Person) -> None:
        """Gives the person phones, e-mails, maybe an office, and interests."""
        rng, country = self.rng, person.country
        person.mobile = self.phone(country, mobile=True)
        if rng.random() < .06:
            person.old_mobile = self.phone(country, mobile=True)
            person.mobile_changed = random_date(rng, date(2018, 1, 1), date(2025, 3, 1))
        person.email = self.new_email(person)
        if rng.random() < .07:
            person.old_email = self.new_email(person)
            person.email_changed = random_date(rng, date(2018, 1, 1), date(2025, 3, 1))
        age = REFERENCE_DATE.year - person.birth.year
        person.adult = person.birth <= date(2007, 6, 30)
        offices = self.offices_by_country[country]
        if 20 <= age <= 66 and rng.random() < .55 and offices:
            person.office = rng.choice(offices)
        if person.office and rng.random() < .7:
            style = rng.choice(WORK_EMAIL_STYLES)
            person.work_email = self.new_email(person, person.office.domain, style)
        interests = rng.sample(INTERESTS, rng.randint(3, 6))
        if person.household.move_date:
            interests += ["moving", "real_estate"]
        person.interests = list(dict.fromkeys(interests))

    def birth_date(self, first_year: int, last_year: int) -> date:
        """Returns a birth date within the years, both included."""
        return random_date(self.rng, date(first_year, 1, 1), date(last_year, 12, 31))

    def fresh_first_name(self, origin: str, gender: str, used: set[str]) -> str:
        """Returns a first name not yet in used (after 30 tries, any), and adds it to used."""
        for _ in range(30):
            name = self.draw_name(origin, gender)
            if name not in used:
                break
        used.add(name)
        return name

    def household(self, size: int) -> Household:
        """Returns a new household of size members: a single, flatmates, a couple or a parent,
        with their children."""
        rng = self.rng
        country = rng.choices(COUNTRIES, list(COUNTRY_WEIGHTS.values()))[0]
        address = self.address(country)
        ipv4 = self.ipv4("10")
        ipv6 = (f"2001:db8:{rng.randrange(0x10000):x}:{rng.randrange(0x10000):x}"
                if rng.random() < .4 else None)
        household = Household(country, address, ipv4, ipv6)
        if rng.random() < .12:
            household.old_address = self.address(
                country, address.city_index if rng.random() < .6 else None)
            household.move_date = random_date(rng, date(2018, 1, 1), date(2025, 5, 1))
        origin = (country if rng.random() < .93
                  else rng.choice([other for other in COUNTRIES if other != country]))
        surname = self.draw_name(origin, SURNAME)
        used: set[str] = set()  # siblings (and parents) do not share a first name
        kind = "single" if size == 1 else rng.choices(
            ["couple", "parent", "flat"], [80, 10, 10] if size == 2 else [86, 10, 4])[0]
        if kind == "flat":  # each flatmate has their own surname
            for _ in range(size):
                own_origin = country if rng.random() < .9 else rng.choice(COUNTRIES)
                gender = rng.choice("FM")
                first = self.fresh_first_name(own_origin, gender, used)
                last = surname_for(gender, self.draw_name(own_origin, SURNAME), own_origin)
                self.add_person(household, gender, first, last, self.birth_date(1990, 2006),
                                own_origin)
        elif kind == "single":
            gender = rng.choice("FM")
            first = self.draw_name(origin, gender)
            self.add_person(household, gender, first, surname_for(gender, surname, origin),
                            self.birth_date(1935, 2006), origin)
        else:
            children = size - 2 if kind == "couple" else size - 1
            parent_year = rng.randint(1940, 1998) if children == 0 else rng.randint(1950, 1986)
            father = None
            if kind == "couple":
                father = self.add_person(household, "M", self.fresh_first_name(origin, "M", used),
                                         surname, self.birth_date(parent_year, parent_year),
                                         origin)
                parent_year = self.add_wife(household, origin, surname, parent_year,
                                            used).birth.year
            else:
                gender = rng.choice("FM")
                first = self.fresh_first_name(origin, gender, used)
                parent_year = self.add_person(
                    household, gender, first, surname_for(gender, surname, origin),
                    self.birth_date(parent_year, parent_year), origin).birth.year
            self.add_children(household, children, origin, surname, father, parent_year, used)
        return household

    def add_children(self, household: Household, count: int, origin: str, surname: str,
                     father: Person | None, mother_year: int, used: set[str]) -> None:
        """Adds the children: at most one pair of twins, and maybe a son named after his father.

        mother_year is the birth year of the mother, or of the single parent.
        """
        rng, difficulty = self.rng, self.difficulty
        kids: list[Person] = []
        for _ in range(count):
            gender = rng.choice("FM")
            if (kids and rng.random() < difficulty.twins
                    and not any(kid.twin for kid in kids)):
                older = kids[-1]
                pool = self.names[origin]["M"] + self.names[origin]["F"]
                similar = [name for name in pool if name not in used and (
                    name[:3] == older.first[:3] or levenshtein(name, older.first) <= 2)]
                if similar and rng.random() < difficulty.similar_twin_names:
                    first = rng.choice(similar)
                    gender = "F" if first in self.names[origin]["F"] else "M"
                    used.add(first)
                else:
                    first = self.fresh_first_name(origin, gender, used)
                kid = self.add_person(household, gender, first,
                                      surname_for(gender, surname, origin), older.birth, origin)
                kid.twin = older.twin = True
            else:
                if (gender == "M" and father is not None
                        and rng.random() < difficulty.junior):
                    first = father.first
                else:
                    first = self.fresh_first_name(origin, gender, used)
                # Born 21 to 40 years after the mother, and in 2011 at the latest.
                low, high = mother_year + 21, min(mother_year + 40, 2011)
                kid = self.add_person(household, gender, first,
                                      surname_for(gender, surname, origin),
                                      self.birth_date(low, max(low, high)), origin)
            kids.append(kid)

    def add_wife(self, household: Household, origin: str, surname: str, husband_year: int,
                 used: set[str]) -> Person:
        """Returns the wife of a couple, who took, kept or double-barrelled the surname."""
        rng = self.rng
        own_origin = origin if rng.random() < .9 else rng.choice(COUNTRIES)
        maiden = surname_for("F", self.draw_name(own_origin, SURNAME), own_origin)
        married = surname_for("F", surname, origin)
        draw = rng.random()
        if draw < .72:
            last = married
        elif draw < .85:
            last = maiden
        else:
            last = f"{maiden}-{married}" if rng.random() < .6 else f"{married}-{maiden}"
        wife = self.add_person(household, "F", self.fresh_first_name(own_origin, "F", used), last,
                               self.birth_date(max(1935, husband_year - 5),
                                               min(2004, husband_year + 4)), own_origin)
        if last != maiden and rng.random() < .25:  # recently married
            wife.maiden = maiden
            wife.marriage_date = random_date(rng, date(2016, 1, 1), date(2025, 3, 1))
        return wife

    def build_population(self) -> None:
        """Draws the offices, public IP addresses, households and persons."""
        rng = self.rng
        office_count = min(240, max(20, self.person_count // 35))
        office_ips = [f"192.0.2.{host}" for host in range(1, 255)]
        rng.shuffle(office_ips)
        self.offices_by_country = {country: [] for country in COUNTRIES}
        for number in range(office_count):
            country = rng.choices(COUNTRIES, list(COUNTRY_WEIGHTS.values()))[0]
            domain = (f"{rng.choice(COMPANY_SYLLABLES)}{rng.choice(COMPANY_SYLLABLES)}{number}"
                      ".example")
            city_index = self.draw_city(country)
            name = f"{rng.choice(COMPANY_SYLLABLES).title()}{rng.choice(COMPANY_SYLLABLES)}"
            self.offices_by_country[country].append(
                Office(domain, country, city_index, office_ips[number], name))
        for host in range(1, 17):
            country = rng.choice(COUNTRIES)
            self.hotspots.append(Hotspot(f"203.0.113.{host}", country, self.draw_city(country)))
        self.vpn_ips = [f"198.51.100.{host}" for host in range(1, 21)]
        while len(self.persons) < self.person_count:
            size = min(rng.choices(range(1, 6), self.difficulty.household_size_weights)[0],
                       self.person_count - len(self.persons))
            self.households.append(self.household(size))
        for person in self.persons:
            self.finish_person(person)
        for household in self.households:
            oldest = min(member.birth.year for member in household.members)
            if rng.random() < (.5 if oldest < 1970 else .2):
                area_code = CITIES[household.country][household.address.city_index].area_code
                household.landline = self.phone(household.country, False, area_code)
            if len(household.members) >= 2 and rng.random() < .04:
                first, second = household.members[:2]
                second.shared_email = first.email

    # ------------------------------------------------------------------------- noise
    def format_phone(self, number: PhoneNumber, international_bias: float = 0.0) -> str:
        """Returns the number in one of the ways people write it."""
        rng = self.rng
        national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        draw = rng.random() - international_bias
        if draw < .18:
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
        if draw < .42:
            return international
        if draw < .47:
            return "00" + international[1:]
        if draw < .72:
            return national
        if draw < .84:
            return national.replace(" ", "")
        if draw < .94:
            return (national.replace(" ", "-", 1) if rng.random() < .5
                    else national.replace(" ", "-"))
        parts = national.split(" ", 1)
        return f"({parts[0]}) {parts[1]}" if len(parts) == 2 else national

    def format_date(self, day: date, iso_share: float) -> str:
        """Returns the birth date, sometimes wrong, in ISO or in a local format."""
        rng = self.rng
        draw = rng.random()
        if draw < .015 and day.day <= 12 and day.day != day.month:
            day = date(day.year, day.day, day.month)  # day and month transposed
        elif draw < .03:  # off by one
            kind = rng.random()
            if kind < .4:
                day = day + timedelta(days=rng.choice([-1, 1]))
            elif kind < .7:
                day = day.replace(year=day.year + rng.choice([-1, 1]), day=min(day.day, 28))
            else:  # the day's digits swapped
                day = day.replace(day=min(28, (day.day % 10) * 10 + day.day // 10) or 1)
        if rng.random() < iso_share:
            return day.isoformat()
        return rng.choice([day.strftime("%d.%m.%Y"), day.strftime("%d/%m/%Y"),
                           day.strftime("%Y%m%d"), f"{day.day}.{day.month}.{day.year}"])

    def noisy_name(self, person: Person, first: str, last: str,
                   strength: float = 1.0) -> tuple[str, str]:
        """Returns first and last name as a clerk or a user might type them."""
        rng = self.rng
        draw = rng.random() / strength
        if draw < .03 and person.nickname:
            first = person.nickname
        elif draw < .05:
            first = first[0] + ("." if rng.random() < .7 else "")
        elif draw < .10 and person.middle:
            first = f"{first} {person.middle}"
        elif draw < .13:
            first = typo(rng, first)
        elif draw < .16:
            first = ascii_fold(first)
        draw = rng.random() / strength
        if draw < .035:
            last = typo(rng, last)
        elif draw < .065:
            last = (de_transliterate(last) if person.origin == "DE" and rng.random() < .6
                    else ascii_fold(last))
        elif draw < .10 and "-" in last:
            last = rng.choice(last.split("-"))
        elif draw < .12:
            last = last.upper()
        if rng.random() < .015 * strength:
            first, last = last, first
        if rng.random() < .01:
            first = ""
        if rng.random() < .004:
            last = ""
        return first, last

    def surname_at(self, person: Person, when: date) -> str:
        """Returns the surname that the person had on the day."""
        if person.maiden and person.marriage_date and when < person.marriage_date:
            return person.maiden
        return person.last

    def address_at(self, person: Person, when: date) -> Address:
        """Returns the address on record on the day: for 150 days after a move, maybe the old."""
        household = person.household
        move_date, old_address = household.move_date, household.old_address
        if move_date and old_address and (
                when < move_date or ((when - move_date).days < 150 and self.rng.random() < .3)):
            return old_address
        return household.address

    def noisy_street(self, country: str, street: str) -> str:
        """Returns the street address abbreviated, mistyped or in capitals, or as it is."""
        rng = self.rng
        draw = rng.random()
        if draw < .10:
            abbreviations = STREET_ABBREVIATIONS[country]
            for long_form, short_form in rng.sample(abbreviations, len(abbreviations)):
                if long_form in street:
                    return street.replace(long_form, short_form, 1)
        if draw < .13:
            return typo(rng, street)
        if draw < .15:
            return street.upper()
        if draw < .18 and country == "FI" and street.count(" ") >= 3:
            return street.rsplit(" ", 2)[0]  # without stair and flat
        if draw < .20 and country == "FR":
            return (street.replace(" rue", " Rue").replace(" avenue", " Avenue")
                    .replace(" boulevard", " Boulevard"))
        return street

    def noisy_postal_code(self, country: str, postal_code: str) -> str:
        """Returns the postal code as a spreadsheet or a clerk may have mangled it."""
        draw = self.rng.random()
        if draw < .03 and country in ("DE", "FR") and postal_code.startswith("0"):
            return postal_code.lstrip("0")
        if draw < .05 and country == "PL":
            return postal_code.replace("-", "")
        if draw < .06:
            return f"{country}-{postal_code}"
        if draw < .07:
            return typo(self.rng, postal_code) if len(postal_code) > 4 else postal_code
        if draw < .09:
            return ""
        return postal_code

    def noisy_city(self, country: str, city_index: int) -> str:
        """Returns the city name, its alternative name, or a noisy form."""
        city = CITIES[country][city_index]
        draw = self.rng.random()
        if draw < .04 and city.alternative_name:
            return city.alternative_name
        if draw < .07:
            return city.name.upper()
        if draw < .085:
            return typo(self.rng, city.name)
        if draw < .10:
            return ascii_fold(city.name)
        if draw < .12:
            return ""
        return city.name

    def noisy_email(self, email: str, brand: str) -> str:
        """Returns the e-mail address empty, a placeholder, or with typing noise."""
        rng = self.rng
        draw = rng.random()
        if draw < .07:
            return ""
        if draw < .08:
            return rng.choice([f"noemail@{brand}.example", "noemail@none.example",
                               "NOEMAIL@noemail.example"])
        local_part, domain = email.split("@")
        if draw < .095:
            return f"{typo(rng, local_part)}@{domain}"
        if draw < .14:
            return (".".join(word.capitalize() for word in local_part.split("."))
                    + "@" + domain.capitalize())
        if draw < .16:
            return email.upper()
        if draw < .19:
            return (rng.choice([" ", "  ", "\t"]) + email if rng.random() < .5
                    else email + " ")
        return email

    def email_at(self, person: Person, when: date) -> str:
        """Returns the e-mail address that the person gave on the day."""
        if person.shared_email and self.rng.random() < .5:
            return person.shared_email
        if person.old_email and person.email_changed and when < person.email_changed:
            return person.old_email
        return person.email

    def phone_at(self, person: Person, when: date, spec: RegistrySpec) -> str:
        """Returns the phone number that the person gave on the day, as written down."""
        rng, household = self.rng, person.household
        draw = rng.random()
        if draw < .01:
            return rng.choice(PLACEHOLDER_PHONES)
        if draw < spec.empty_phone_share:
            return ""
        if household.landline and draw < .35:
            number = household.landline
        elif person.old_mobile and person.mobile_changed and when < person.mobile_changed:
            number = person.old_mobile
        else:
            number = person.mobile
        written = self.format_phone(number)
        if rng.random() < .012:  # one of the last three characters mistyped, if a digit
            index = rng.randrange(len(written) - 3, len(written))
            if written[index].isdigit():
                digit = str((int(written[index]) + 1) % 10)
                written = written[:index] + digit + written[index + 1:]
        return written

    # ------------------------------------------------------------------------- sources
    def new_id(self, prefix: str, digits: int) -> str:
        """Returns a random id with the prefix and digits that no record has yet."""
        while True:
            key = f"{prefix}{self.rng.randrange(10 ** (digits - 1), 10 ** digits)}"
            if key not in self.used_ids:
                self.used_ids.add(key)
                return key

    def registry(self, spec: RegistrySpec) -> tuple[list[Row], list[Row], list[TruthRow]]:
        """Returns the registry's records, their orders and their ground truth.

        Members are adults, drawn with a weight that rises (or falls) with age. Some are entered
        twice, and the second copy is noisier.
        """
        rng = self.rng
        adults = [person for person in self.persons if person.adult]
        weights = [1 + spec.age_slope * (REFERENCE_DATE.year - person.birth.year - 18) / 40
                   for person in adults]
        scale = spec.share * len(self.persons) / sum(weights)
        records: list[Row] = []
        orders: list[Row] = []
        truth: list[TruthRow] = []
        for person, weight in zip(adults, weights, strict=True):
            if rng.random() >= min(.95, scale * weight):
                continue
            for copy in range(2 if rng.random() < spec.duplicate_share else 1):
                record = self.registry_record(person, spec, 1.6 if copy else 1.0)
                records.append(record)
                truth.append((spec.brand, record["subscriber_id"], person.person_id))
                orders += self.orders(record, person, spec)
        return records, orders, truth

    def registry_record(self, person: Person, spec: RegistrySpec, noise: float) -> Row:
        """Returns one registry record of the person, as of a random day, with typing noise."""
        rng = self.rng
        subscriber_id = self.new_id(spec.id_prefix, spec.id_digits)
        adult_from = date(person.birth.year + 18, 1, 1)
        when = random_date(rng, max(spec.first_record, adult_from), REFERENCE_DATE)
        first, last = self.noisy_name(person, person.first, self.surname_at(person, when), noise)
        # A registry without capitals (share 0) makes no draw here.
        if spec.upper_case_share and rng.random() < spec.upper_case_share:
            first, last = first.upper(), last.upper()
        address = self.address_at(person, when)
        country = address.country
        gender = "" if rng.random() < .03 else spec.genders[person.gender]
        if rng.random() < .03:
            birth_date = ""
        elif rng.random() < .007:
            birth_date = "1900-01-01"  # the placeholder of systems that require a date
        else:
            birth_date = self.format_date(person.birth, spec.iso_date_share)
        start = random_date(rng, max(adult_from, when - timedelta(days=4000)), when)
        marketing = rng.random() < .55
        # The values are drawn in column order: a dict display evaluates from left to right.
        return {
            "subscriber_id": subscriber_id, "first_name": first, "last_name": last,
            "birth_date": birth_date, "gender": gender,
            "street_address": ("" if rng.random() < .02
                               else self.noisy_street(country, address.street)),
            "postal_code": self.noisy_postal_code(country, address.postal_code),
            "city": self.noisy_city(country, address.city_index),
            "country": "" if rng.random() < .02 else country,
            "phone": self.phone_at(person, when, spec),
            "email": self.noisy_email(self.email_at(person, when), spec.brand),
            "subscription_product": rng.choice(spec.products),
            "subscription_status": rng.choices(["active", "cancelled", "paused"], [70, 22, 8])[0],
            "subscription_start": start.isoformat(),
            "consent_marketing": str(marketing).lower(),
            "consent_partner_sharing": str(marketing and rng.random() < .5).lower(),
            "updated_at": iso_timestamp(random_timestamp(rng, when, when + timedelta(days=1))),
        }

    def orders(self, record: Row, person: Person, spec: RegistrySpec) -> list[Row]:
        """Returns 0-8 orders of a registry record, dated from its subscription start on."""
        rng = self.rng
        start = date.fromisoformat(record["subscription_start"])
        currency = "PLN" if person.country == "PL" else "EUR"
        orders = []
        for _ in range(rng.choices(range(9), ORDER_COUNT_WEIGHTS)[0]):
            category = rng.choice(spec.order_categories)
            amount = (rng.uniform(2, 40) if category not in EXPENSIVE_CATEGORIES
                      else rng.uniform(30, 900))
            orders.append({
                "order_id": self.new_id(spec.order_id_prefix, 9),
                "subscriber_id": record["subscriber_id"],
                "order_date": random_date(rng, start, REFERENCE_DATE).isoformat(),
                # about 4.3 złoty to the euro
                "amount": f"{amount * (4.3 if currency == 'PLN' else 1):.2f}",
                "currency": currency,
                "product_category": category,
            })
        return orders

    def online(self) -> tuple[list[JsonRow], list[TruthRow]]:
        """Returns web cookie profiles, 1-4 for each person who browses, and their ground truth."""
        rng = self.rng
        profiles: list[JsonRow] = []
        truth: list[TruthRow] = []
        for person in self.persons:
            age = REFERENCE_DATE.year - person.birth.year
            if rng.random() >= (.55 if age < 45 else .38):
                continue
            for _ in range(rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]):
                profile_id, profile = self.web_profile(person)
                profiles.append(profile)
                truth.append(("web", profile_id, person.person_id))
        return profiles, truth

    def web_profile(self, person: Person) -> tuple[str, JsonRow]:
        """Returns the id and the fields of one cookie profile of the person."""
        rng = self.rng
        device = rng.choices(*DEVICES)[0]
        connection = self.connection(person, device)
        country, city_index = connection.country, connection.city_index
        city: str | None = None
        if city_index is not None and country in CITIES:
            city = CITIES[country][city_index].name
        elif connection.source == "vpn":
            city = VPN_CITIES.get(country)
        logged_in, email_sha256 = rng.random() < .38, None
        if logged_in:  # the login e-mail: the work one at the office, sometimes an old one
            if connection.source == "office" and person.work_email:
                login = person.work_email
            elif person.old_email and rng.random() < .3:
                login = person.old_email
            else:
                login = person.email
            email_sha256 = hashlib.sha256(login.strip().lower().encode()).hexdigest()
        first_name = last_name = None
        if rng.random() < (.35 if logged_in else .04):
            shown = person.nickname if person.nickname and rng.random() < .2 else person.first
            first, last = self.noisy_name(person, shown, person.last, 1.3)
            first_name, last_name = first or None, (last if rng.random() < .75 else None) or None
        first_seen = random_timestamp(rng, date(2021, 1, 1), date(2025, 6, 1))
        last_seen = max(first_seen, random_timestamp(rng, first_seen.date(), REFERENCE_DATE))
        interests = rng.sample(person.interests, rng.randint(1, len(person.interests)))
        if rng.random() < .3:
            interests.append(rng.choice(INTERESTS))
        profile_id = f"ck_{rng.getrandbits(64):016x}"
        # The values are drawn in key order: a dict display evaluates from left to right.
        return profile_id, {
            "profile_id": profile_id, "email_sha256": email_sha256, "first_name": first_name,
            "last_name": last_name, "ip_address": connection.ip,
            "user_agent": rng.choice(USER_AGENTS[device]), "device_type": device,
            "geo_city": city if rng.random() < .93 else None,
            "geo_postal_code": connection.postal_code,
            "country": country if rng.random() < .97 else None,
            "interests": list(dict.fromkeys(interests)),
            "page_views": int(math.exp(rng.gauss(3.2, 1.3))) + 1,
            "first_seen": iso_timestamp(first_seen), "last_seen": iso_timestamp(last_seen),
            "consent_profiling": rng.random() < .7,
        }

    def connection(self, person: Person, device: str) -> Connection:
        """Returns where a web profile connects from, as a geo-IP database would place it."""
        rng, household, country, office = self.rng, person.household, person.country, person.office
        source = rng.choices(*CONNECTIONS[device])[0]
        if source == "office" and office is None:
            source = "home"
        if source == "home":
            address = self.address_at(person, random_date(rng, date(2022, 1, 1), REFERENCE_DATE))
            if household.ipv6_prefix and rng.random() < .5:
                suffix = f"{rng.randrange(0x10000):x}:{rng.randrange(0x10000):x}"
                ip = f"{household.ipv6_prefix}::{suffix}"
            else:
                ip = household.ipv4
            # Geo-IP often places a home line in the capital, and seldom at the exact code.
            city_index = address.city_index if rng.random() < .85 else 0
            if rng.random() < .6:
                postal_code: str | None = address.postal_code
            else:
                postal_code = self.postal_code(country, city_index) if rng.random() < .5 else None
            return Connection(source, ip, country, city_index, postal_code)
        if source == "office" and office is not None:
            postal_code = (self.postal_code(country, office.city_index) if rng.random() < .5
                           else None)
            return Connection(source, office.ip, country, office.city_index, postal_code)
        if source == "wifi":
            nearby = [spot for spot in self.hotspots if spot.country == country] or self.hotspots
            hotspot = rng.choice(self.hotspots if rng.random() < .3 else nearby)
            return Connection(source, hotspot.ip, hotspot.country, hotspot.city_index, None)
        if source == "vpn":  # exits abroad
            return Connection(source, rng.choice(self.vpn_ips), rng.choice(["NL", "DE", "SE"]),
                              None, None)
        if rng.random() < .75:  # mobile carrier: shared NAT IPv4, or IPv6 from the carrier's range
            ip = self.ipv4("100")
        else:
            ip = f"2001:db8:{rng.randrange(0x8000, 0x10000):x}::{rng.randrange(0x10000):x}"
        city_index = household.address.city_index if rng.random() < .5 else self.draw_city(country)
        return Connection(source, ip, country, city_index, None)

    def handle(self, person: Person, platform: str, taken: set[str], previous: str | None) -> str:
        """Returns a handle free on the platform: the one used elsewhere, or a new one."""
        rng = self.rng
        if previous and rng.random() < .5:
            handle = previous
        else:
            first, last = ascii_token(person.first), ascii_token(person.last)
            nickname, year = ascii_token(person.nickname or person.first), str(person.birth.year)
            # As with e-mails, every candidate draws its random part before one is picked.
            candidates = [
                f"{first}.{last}", f"{first[0]}{last}", f"{last}{first[0]}",
                f"{first}{last}{year[2:]}", f"{first}{last}{rng.randint(1, 999)}",
                f"{first}_{year}", f"{nickname}_{last}", f"{nickname}{rng.randint(1, 99)}",
                f"{rng.choice(WORDS)}{rng.randint(1, 99)}", f"{first}{last}", f"{last}.{first}",
                f"{first[0]}.{last[0]}{year}"]
            handle = rng.choices(candidates, HANDLE_STYLE_WEIGHTS)[0]
        if platform == "x":  # X handles have at most 15 characters and no dots
            handle = handle.replace(".", "_")[:15]
        base = handle = handle[:24]
        limit = 15 if platform == "x" else 24
        while handle in taken:
            suffix = str(rng.randint(1, 999))
            handle = base[: limit - len(suffix)] + suffix
        taken.add(handle)
        return handle

    def social(self) -> tuple[list[JsonRow], list[TruthRow]]:
        """Returns social media accounts, 1-3 for each person who posts, and their ground truth."""
        rng = self.rng
        accounts: list[JsonRow] = []
        truth: list[TruthRow] = []
        taken: dict[str, set[str]] = {platform: set() for platform in PLATFORMS}
        for person in self.persons:
            age = REFERENCE_DATE.year - person.birth.year
            if rng.random() >= (.55 if age < 35 else .35 if age < 55 else .15):
                continue
            handle = None
            for platform in rng.sample(PLATFORMS, rng.choices([1, 2, 3], [60, 30, 10])[0]):
                handle = self.handle(person, platform, taken[platform], handle)
                accounts.append(self.social_account(person, platform, handle))
                truth.append(("social", f"{platform}:{handle}", person.person_id))
        return accounts, truth

    def social_account(self, person: Person, platform: str, handle: str) -> JsonRow:
        """Returns the fields of one social media account of the person."""
        rng = self.rng
        first = person.nickname if person.nickname and rng.random() < .3 else person.first
        city = CITIES[person.country][person.household.address.city_index].name
        display_name = self.display_name(person, first, handle)
        bio = self.bio(person, city)
        location = self.location(person, city)
        website = None
        if rng.random() < .08:
            if rng.random() < .5:
                website = f"https://{handle.replace('_', '').replace('.', '')}.example"
            else:
                website = (f"https://www.{ascii_token(person.first)}{ascii_token(person.last)}"
                           ".example/blog")
        email = (self.noisy_email(person.email, "social") or None) if rng.random() < .07 else None
        phone = self.format_phone(person.mobile, .3) if rng.random() < .03 else None
        return {
            "platform": platform, "handle": handle, "display_name": display_name, "bio": bio,
            "location": location, "website": website, "email": email, "phone": phone,
            "followers": int(math.exp(rng.gauss(4.5, 1.6))),
            "last_active": iso_timestamp(random_timestamp(rng, date(2023, 1, 1), REFERENCE_DATE)),
        }

    def display_name(self, person: Person, first: str, handle: str) -> str:
        """Returns a display name: mostly the person's name, in one of many styles."""
        rng, last = self.rng, person.last
        draw = rng.random()
        if draw < .35:
            return f"{first} {last}"
        if draw < .43:
            return f"{first} {last[0]}."
        if draw < .58:
            return first
        if draw < .68:
            return f"{first} {last} {rng.choice(EMOJI + [FLAGS[person.country]])}"
        if draw < .73:
            return f"{rng.choice(EMOJI)} {first}"
        if draw < .78:
            return f"{first} {last}".lower()
        if draw < .80:
            return f"{last} {first}"
        if draw < .84:
            return f"{first} {person.maiden or last}"
        return rng.choice([handle, rng.choice(WORDS).replace("_", " ").title(), "✨",
                           "Coffee Addict", "Stay curious"])

    def bio(self, person: Person, city: str) -> str | None:
        """Returns a bio in the language of the person's origin or in English, or None."""
        rng = self.rng
        kids = sum(1 for member in person.household.members
                   if member.birth > person.birth + timedelta(days=7000))
        interests = rng.sample(person.interests, 2)
        language = "*" if rng.random() < .5 else person.origin
        templates = [
            template for template in BIOS[language]
            if (person.office or "{employer}" not in template)
            and not any(word in template for word in BIO_WORDS_NOT_FOR[person.gender])]
        if rng.random() >= .7:
            return None
        return rng.choice(templates).format(
            interest=interests[0].replace("_", " "), interest2=interests[1].replace("_", " "),
            city=city, by=person.birth.year, k=max(kids, 1),
            employer=person.office.name if person.office else "")

    def location(self, person: Person, city: str) -> str | None:
        """Returns the profile location: the city, the country, a joke or None."""
        rng, country = self.rng, person.country
        draw = rng.random()
        if draw < .45:
            location = city
        elif draw < .55:
            location = f"{city}, {COUNTRY_NAMES[country]}"
        elif draw < .6:
            location = COUNTRY_NAMES[country]
        elif draw < .63:
            location = rng.choice(["🌍", "everywhere", "Europe"])
        else:
            return None
        old_address = person.household.old_address
        if old_address and rng.random() < .3:  # never updated after the move
            return CITIES[country][old_address.city_index].name
        return location


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Writes the header and the rows as UTF-8 CSV; returns the number of rows."""
    rows = list(rows)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return len(rows)


def write_jsonl(path: Path, rows: Sequence[JsonRow]) -> int:
    """Writes one JSON object a line, UTF-8 unescaped; returns the number of rows."""
    with path.open("w", encoding="utf-8") as file:
        file.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return len(rows)


def generate(out_dir: Path, persons: int = 8000, seed: int = 1,
             hard: bool = False) -> dict[str, int]:
    """Writes the sources, ground_truth.csv and conf.yaml into out_dir (created if missing).

    Returns the number of rows, header excluded, of each data file by file name.
    """
    if persons < 1:
        raise ValueError(f"persons must be at least 1, not {persons}")
    generator = DataGenerator(persons, seed, hard)
    generator.build_population()
    log.info("%d persons in %d households", len(generator.persons), len(generator.households))
    newspaper, newspaper_orders, newspaper_truth = generator.registry(NEWSPAPER)
    telecom, telecom_orders, telecom_truth = generator.registry(TELECOM)
    web, web_truth = generator.online()
    social, social_truth = generator.social()
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {
        "registry_newspaper.csv": (REGISTRY_COLUMNS, newspaper),
        "orders_newspaper.csv": (ORDER_COLUMNS, newspaper_orders),
        "registry_telecom.csv": (REGISTRY_COLUMNS, telecom),
        "orders_telecom.csv": (ORDER_COLUMNS, telecom_orders),
    }
    counts = {
        name: write_csv(out_dir / name, columns, ([row[column] for column in columns]
                                                  for row in rows))
        for name, (columns, rows) in tables.items()}
    counts["online_profiles.jsonl"] = write_jsonl(out_dir / "online_profiles.jsonl", web)
    counts["social_accounts.jsonl"] = write_jsonl(out_dir / "social_accounts.jsonl", social)
    counts["ground_truth.csv"] = write_csv(
        out_dir / "ground_truth.csv", GROUND_TRUTH_COLUMNS,
        newspaper_truth + telecom_truth + web_truth + social_truth)
    (out_dir / "conf.yaml").write_text(CONF, encoding="utf-8")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Writes the data set that the command line asks for; returns the exit status."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path, help="folder for the files (created if missing)")
    parser.add_argument("--persons", type=int, default=8000, help="population size")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--hard", action="store_true",
                        help="larger households, more twins, juniors and namesakes")
    args = parser.parse_args(argv)
    if args.persons < 1:
        parser.error("--persons must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    counts = generate(args.out_dir, args.persons, args.seed, args.hard)
    log.info("wrote %s: %s", args.out_dir,
             ", ".join(f"{name} {rows} rows" for name, rows in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
