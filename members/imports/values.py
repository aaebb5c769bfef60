"""Turning one row of text into checked values, or the column and reason it is rejected."""

import re
from datetime import date, datetime
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ..models import EmploymentStatus, EmploymentType, Language, MembershipStatus, fold
from ..phones import normalize_phone

TEXT_FIELDS = ("first_name", "last_name", "preferred_name", "pronouns", "employee_number")
STRUCTURE_FIELDS = ("employer", "worksite", "department", "shift", "job_class", "local")
DATE_FIELDS = ("hire_date", "seniority_date")
FLAG_FIELDS = ("do_not_phone", "do_not_text", "do_not_email", "do_not_visit")
PHONE_FIELDS = {"phone": "mobile", "home_phone": "home", "work_phone": "work"}
MAX_LENGTHS = {
    "first_name": 100, "last_name": 100, "preferred_name": 100, "pronouns": 40,
    "employee_number": 40, "employer": 200, "worksite": 200, "department": 150, "shift": 100,
    "job_class": 150, "local": 20,
}
# A cell that a spreadsheet would run as a formula. Phones may start with "+", dates with digits.
FORMULA_STARTS = ("=", "+", "-", "@")

CHOICES = {
    "employment_type": {
        EmploymentType.FULL_TIME: ["full time", "full-time", "fulltime", "ft", "temps plein", "tp",
                                   "permanent full time", "pft", "full_time"],
        EmploymentType.PART_TIME: ["part time", "part-time", "parttime", "pt", "temps partiel",
                                   "permanent part time", "ppt", "part_time"],
        EmploymentType.CASUAL: ["casual", "occasionnel", "occasionnelle", "temporary", "temporaire",
                                "on call", "sur appel", "cas"],
    },
    "employment_status": {
        EmploymentStatus.ACTIVE: ["active", "a", "actif", "active", "employed", "en poste"],
        EmploymentStatus.LEAVE: ["leave", "on leave", "loa", "en conge", "conge", "leave of absence"],
        EmploymentStatus.LAID_OFF: ["laid off", "layoff", "laid_off", "mise a pied", "mis a pied"],
        EmploymentStatus.TERMINATED: ["terminated", "termine", "no longer employed", "inactive",
                                      "resigned", "quit", "departed", "parti"],
        EmploymentStatus.RETIRED: ["retired", "retraite", "retraitee"],
    },
    "membership_status": {
        MembershipStatus.MEMBER: ["member", "membre", "m", "active member", "full member"],
        MembershipStatus.NON_MEMBER: ["non member", "non-member", "nonmember", "non_member", "rand",
                                      "non membre", "fee payer", "agency fee", "nm", "cotisant"],
        MembershipStatus.PROSPECT: ["prospect"],
    },
    "language": {
        Language.ENGLISH: ["en", "eng", "english", "anglais", "e", "en-ca", "en-gb"],
        Language.FRENCH: ["fr", "fra", "fre", "french", "francais", "f", "fr-ca"],
    },
}
_CHOICE_LOOKUP = {
    field: {fold(alias): value for value, aliases in table.items() for alias in [value, *aliases]}
    for field, table in CHOICES.items()
}
TRUE = {"y", "yes", "true", "1", "x", "oui", "o", "vrai", "t"}
FALSE = {"n", "no", "false", "0", "non", "faux", "f"}


# Values repeat down a column (statuses, flags, names): fold each once.
cached_fold = lru_cache(maxsize=65536)(fold)


class RowError(Exception):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
NANP_PHONE = re.compile(r"^(?:\+1|1)?([0-9]{10})$")
PHONE_NOISE = str.maketrans("", "", " ()-.")
# A strict subset of what Django's validate_email accepts (plain ASCII dot-atoms and host
# names): such an address skips the general validator. Anything else still goes through it.
PLAIN_EMAIL = re.compile(
    r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def email_ok(address: str) -> bool:
    """Whether validate_email accepts this lower-cased address and it fits the column (254)."""
    if len(address) > 254:
        return False
    if PLAIN_EMAIL.fullmatch(address):
        return True
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


@lru_cache(maxsize=65536)
def parse_date(text: str, order: str) -> str:
    """ISO date text for a date written in one of the usual ways, or ValueError."""
    text = text.strip()
    # Fast paths for the two shapes most lists use; strptime is slow at 500,000 rows.
    match = ISO_DATE.match(text) or NUMERIC_DATE.match(text)
    if match:
        a, b, c = (int(x) for x in match.groups())
        year, month, day = (a, b, c) if match.re is ISO_DATE else (c, b, a) if order != "mdy" else (c, a, b)
        try:
            parsed = date(year, month, day)
        except ValueError as exc:
            raise ValueError(text) from exc
        if date(1900, 1, 1) <= parsed <= date(2100, 1, 1):
            return parsed.isoformat()
        raise ValueError(text)
    if "T" in text:
        text = text.split("T", 1)[0]
    if " " in text and text[:4].isdigit():
        text = text.split(" ", 1)[0]
    formats = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]
    if order == "mdy":
        formats += ["%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%d/%y"]
    else:
        formats += ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"]
    formats += ["%d %b %Y", "%d-%b-%Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y"]
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if date(1900, 1, 1) <= parsed <= date(2100, 1, 1):
            return parsed.isoformat()
    raise ValueError(text)


def fast_phone(text: str, region: str | None = None) -> str | None:
    """E.164 for a plain North American number without calling phonenumbers (hot path).

    Only the shapes whose answer is certain are handled here: ten ASCII digits (area code and
    exchange not starting with 0 or 1), optionally after "1" or "+1", with spaces, dots,
    dashes or brackets. Anything else returns None and goes through phonenumbers, so the
    result always equals `normalize_phone` (tests/members/imports/test_values.py checks it).
    """
    if (region or settings.PHONE_DEFAULT_REGION) not in ("CA", "US"):
        return None
    match = NANP_PHONE.match(text.translate(PHONE_NOISE))
    if not match:
        return None
    digits = match.group(1)
    # Area and exchange codes never start with 0 or 1; anything else goes through phonenumbers.
    if digits[0] in "01" or digits[3] in "01":
        return None
    return "+1" + digits


def split_full_name(text: str) -> tuple[str, str]:
    if "," in text:
        last, first = text.split(",", 1)
        return first.strip(), last.strip()
    parts = text.split()
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]


# What each target field is, for the per-row loop (one dict lookup instead of a chain of tests).
_PHONE, _EMAIL, _DATE, _CHOICE, _FLAG, _FULL_NAME, _TEXT = range(7)


def _kind(field: str) -> int:
    if field in PHONE_FIELDS:
        return _PHONE
    if field == "email":
        return _EMAIL
    if field in DATE_FIELDS:
        return _DATE
    if field in CHOICES:
        return _CHOICE
    if field == "do_not_contact" or field in FLAG_FIELDS:
        return _FLAG
    if field == "full_name":
        return _FULL_NAME
    return _TEXT


class RowNormalizer:
    """normalize_row for one file: the mapping, headers and settings are read once, not per row."""

    def __init__(self, mapping: dict[int, str], headers: list[str], *, date_order: str = "dmy"):
        self.date_order = date_order
        self.region = settings.PHONE_DEFAULT_REGION
        self.steps = [
            (index, field, headers[index] if index < len(headers) else str(index + 1), _kind(field))
            for index, field in mapping.items()
        ]

    def __call__(self, raw: list[str]) -> dict:
        """Return the row's checked values keyed by target field; raise RowError on the first problem."""
        values: dict = {}
        phones: list[list[str]] = []
        width = len(raw)
        for index, field, column, kind in self.steps:
            if index >= width:
                continue
            text = raw[index].strip()
            if "\x00" in text:
                text = text.replace("\x00", "")
            if not text:
                continue
            first = text[0]
            if first == "'" and text[1:2] in ("=", "+", "-", "@"):
                # Our own exports and rejected-rows files escape such cells: undo it on the way back.
                text = text[1:]
                first = text[0]
            if first == "=" or (first in FORMULA_STARTS and kind != _PHONE and kind != _DATE):
                raise RowError(column, _("holds a spreadsheet formula, not a value"))
            if kind == _TEXT:
                limit = MAX_LENGTHS.get(field)
                if limit and len(text) > limit:
                    raise RowError(column, _("longer than %(n)s characters") % {"n": limit})
                values[field] = " ".join(text.split())
            elif kind == _PHONE:
                number = fast_phone(text, self.region) or normalize_phone(text, self.region)
                if number is None:
                    raise RowError(column, _("unparseable phone number"))
                if all(p[1] != number for p in phones):
                    phones.append([PHONE_FIELDS[field], number])
            elif kind == _EMAIL:
                address = text.lower()
                if not email_ok(address):
                    raise RowError(column, _("invalid email"))
                values["email"] = address
            elif kind == _DATE:
                try:
                    values[field] = parse_date(text, self.date_order)
                except ValueError as exc:
                    raise RowError(column, _("unknown date format")) from exc
            elif kind == _CHOICE:
                value = _CHOICE_LOOKUP[field].get(cached_fold(text))
                if value is None:
                    raise RowError(column, _("unknown value “%(value)s”") % {"value": text[:40]})
                values[field] = str(value)
            elif kind == _FLAG:
                flag = cached_fold(text)
                if flag in TRUE:
                    for target in FLAG_FIELDS if field == "do_not_contact" else (field,):
                        values[target] = True
                elif flag not in FALSE:
                    raise RowError(column, _("unknown value “%(value)s”") % {"value": text[:40]})
            else:
                first_name, last_name = split_full_name(text)
                values.setdefault("first_name", first_name)
                values.setdefault("last_name", last_name)
        if phones:
            values["phones"] = phones
        for name in ("first_name", "last_name"):
            if len(values.get(name, "")) > 100:
                raise RowError(name, _("longer than %(n)s characters") % {"n": 100})
        return values


def normalize_row(raw: list[str], mapping: dict[int, str], headers: list[str], *,
                  date_order: str = "dmy") -> dict:
    """Return the row's checked values keyed by target field; raise RowError on the first problem."""
    return RowNormalizer(mapping, headers, date_order=date_order)(raw)
