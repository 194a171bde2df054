"""Plain-Python normalizers shared by the Spark job and the Spark-free look-ups."""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import phonenumbers
import pycountry

# What an email address looks like once trimmed and lower-cased (the job keeps no other).
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"


def e164(raw: str | None, region: str | None) -> str | None:
    """Returns the phone in E.164, `region` the country of national numbers; None when it
    cannot be read, is a placeholder or no operator could assign it."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    region = region.strip().upper() if isinstance(region, str) and region.strip() else None
    if region is None and text.startswith("00"):
        # Without a region "00" cannot be read; it is the international prefix in Europe.
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    national = phonenumbers.national_significant_number(number)
    if len(set(national)) <= 1 or not phonenumbers.is_valid_number(number):
        return None  # 0000000, 1111111 and numbers no operator could assign
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- countries ---------------------------------------------------------------------------------
# A country may be written as its ISO 3166-1 alpha-2 code (the contract's form), its alpha-3
# code, or its name in English or in a language of the sources' countries (pycountry's ISO 3166
# names and their translations): `DE`, `DEU`, `Germany`, `Deutschland`, `Saksa`.
_COUNTRY_NAME_LANGUAGES = ("de", "fr", "nl", "fi", "sv", "da", "nb", "nn", "es", "it", "pt",
                           "pl", "et", "cs", "hu", "ro", "el", "ru", "uk", "tr")
# Names in common use that ISO does not give.
_COUNTRY_ALIASES = {"uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
                    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "usa": "US",
                    "america": "US", "holland": "NL", "russia": "RU", "south korea": "KR",
                    "korea": "KR", "czech republic": "CZ", "turkey": "TR", "vietnam": "VN",
                    "iran": "IR", "syria": "SY", "laos": "LA", "bolivia": "BO",
                    "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "taiwan": "TW",
                    "el": "GR"}  # EL: the EU's code for Greece


def _country_key(text: str) -> str:
    """A country's text for look-up: lower case, accents, dots (U.K.) and a leading "the"
    gone, other punctuation a space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace(".", ""))
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.sub(r"[^\w]+|_", " ", letters).split()
    return " ".join(words[1:] if words[:1] == ["the"] and len(words) > 1 else words)


@cache
def _country_codes() -> dict[str, str]:
    """Country text (see _country_key) -> alpha-2 code; the first claim of a text wins, codes
    first, then English names, then the translations."""
    codes: dict[str, str] = {}
    countries = list(pycountry.countries)
    for country in countries:
        codes.setdefault(country.alpha_2.lower(), country.alpha_2)
    for country in countries:
        codes.setdefault(country.alpha_3.lower(), country.alpha_2)
    for alias, code in _COUNTRY_ALIASES.items():
        codes.setdefault(alias, code)
    names = [(country.alpha_2, getattr(country, attribute))
             for country in countries
             for attribute in ("name", "common_name", "official_name")
             if getattr(country, attribute, None)]
    for code, name in names:
        codes.setdefault(_country_key(name), code)
    for language in _COUNTRY_NAME_LANGUAGES:
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                              languages=[language])
        except OSError:
            continue
        for code, name in names:
            codes.setdefault(_country_key(translation.gettext(name)), code)
    return codes


def country_code(raw: str | None) -> str | None:
    """Returns the ISO 3166-1 alpha-2 code of a country written as a code or a name, or None
    (UK is GB, the one non-ISO code in common use)."""
    if not isinstance(raw, str):
        return None
    key = _country_key(raw)
    return _country_codes().get(key) if key else None
