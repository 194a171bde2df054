"""Plain-Python normalizers shared by the Spark job and the Spark-free look-ups."""

from __future__ import annotations

import phonenumbers

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
