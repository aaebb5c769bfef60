"""Phone numbers: everything is stored as E.164 and parsed with phonenumbers."""

import phonenumbers
from django.conf import settings


def normalize_phone(raw: str, region: str | None = None) -> str | None:
    """Return the E.164 form of `raw`, or None if it is not a possible number."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Format for display: national style at home, international otherwise."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.country_code_for_region(settings.PHONE_DEFAULT_REGION)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)
