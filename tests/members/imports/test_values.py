"""The per-row fast paths give exactly what the slow, general code gives."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation

from members.imports.values import (
    PLAIN_EMAIL,
    RowError,
    RowNormalizer,
    email_ok,
    fast_phone,
    normalize_row,
)
from members.phones import normalize_phone


def phone_texts() -> list[str]:
    rng = random.Random(7)
    texts = [
        "", " ", "12", "555-0101", "+6135550101", "+61 3 5550 0101", "6135550101", "16135550101",
        "+16135550101", "+1 613 555 0101", "1-613-555-0101", "(613) 555-0101", "613.555.0101",
        "+1 (613) 555-0101", "(+1) 613 555 0101", "+ 1 613 555 0101", "613 555 0101 x12",
        "613-555-0101 ext. 4", "011 44 20 7946 0958", "+44 20 7946 0958", "0613 555 0101",
        "1 800 555 0101", "800-FLOWERS", "(613)5550101", "613--555--0101", "٦١٣٥٥٥٠١٠١",
        "６１３５５５０１０１", "+16135550101 ", "tel:+16135550101", "1613555010", "61355501011",
        "+1613555010", "+116135550101", "1 (613) 555.0101", "911-555-0101", "613-911-0101",
        "213-055-0101", "113-555-0101", "013-555-0101", "+33 1 42 68 53 00", "33142685300",
        "+1 242 555 0101", "+1 876 555 0101", "1.613.555.0101", "(1) 613 555 0101", "+1-613-555-0101",
        "+(1) 613 555 0101", "1+613 555 0101", "613 555 01 01", "6 1 3 5 5 5 0 1 0 1",
    ]
    separators = ["", " ", "-", ".", "(", ")", "  "]
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(10))
        prefix = rng.choice(["", "1", "+1", "+", "0", "11", "+11", "+44"])
        parts = [digits[:3], digits[3:6], digits[6:]]
        if rng.random() < 0.3:
            parts = [f"({parts[0]})", *parts[1:]]
        text = prefix + rng.choice(separators) + rng.choice(separators).join(parts)
        if rng.random() < 0.05:
            text = text[:-1]
        texts.append(text)
    return texts


@pytest.mark.parametrize("region", ["CA", "US", "GB", "FR"])
def test_the_phone_fast_path_equals_phonenumbers(settings, region):
    settings.PHONE_DEFAULT_REGION = region
    differing = []
    for text in phone_texts():
        fast = fast_phone(text.strip())
        if fast is not None and fast != normalize_phone(text):
            differing.append((text, fast, normalize_phone(text)))
    assert differing == []


def test_the_phone_fast_path_handles_the_usual_north_american_shapes(settings):
    settings.PHONE_DEFAULT_REGION = "CA"
    for text in ["613-555-0101", "(613) 555 0101", "+1 613 555 0101", "6135550101", "613.555.0101"]:
        assert fast_phone(text) == "+16135550101"
    assert fast_phone("+6135550101") is None  # Australia, for phonenumbers


def test_the_row_normalizer_checks_each_kind_of_column():
    headers = ["Name", "Email", "Cell", "Hired", "Status", "DNC", "Emp"]
    mapping = {0: "full_name", 1: "email", 2: "phone", 3: "hire_date", 4: "employment_status",
               5: "do_not_contact", 6: "employee_number"}
    normalize = RowNormalizer(mapping, headers)

    def result(raw):
        try:
            with translation.override("en"):
                return normalize(raw)
        except RowError as exc:
            return (exc.field, exc.reason)

    assert result(["Gagnon, Jean", "Jean@Example.net", "613-555-0101", "15/03/2019", "LOA", "oui", " E  1 "]) == {
        "first_name": "Jean", "last_name": "Gagnon", "email": "jean@example.net", "hire_date": "2019-03-15",
        "employment_status": "leave", "do_not_phone": True, "do_not_text": True, "do_not_email": True,
        "do_not_visit": True, "employee_number": "E 1", "phones": [["mobile", "+16135550101"]],
    }
    assert result(["Marie Roy", "", "12"]) == ("Cell", "unparseable phone number")
    assert result(["Luc", "not an email"]) == ("Email", "invalid email")
    assert result(["=HYPERLINK()"]) == ("Name", "holds a spreadsheet formula, not a value")
    assert result(["Zoë", "", "", "", "", "maybe"]) == ("DNC", "unknown value “maybe”")
    assert result(["Zoë", "", "", "2019-13-45"]) == ("Hired", "unknown date format")
    assert result(["\x00", "", "", "", "", "", "", "extra"]) == {}
    assert result(["short"]) == {"first_name": "", "last_name": "short"}
    assert normalize_row(["Roy, Marie"], {0: "full_name"}, ["Name"]) == {"first_name": "Marie", "last_name": "Roy"}


def email_texts() -> list[str]:
    rng = random.Random(11)
    texts = [
        "a@b.co", "jean.gagnon@example.net", "x@localhost", "a..b@example.net", ".a@example.net",
        "a.@example.net", "a@-example.net", "a@example-.net", "a@example.n", "a@example.123",
        "a@[127.0.0.1]", "é@example.net", "a@exämple.net", "a@xn--exmple-cua.net", '"a b"@example.net',
        "a b@example.net", "a@example.net\n", "a@example..net", "a@example.net.", "@example.net",
        "a@", "a@b", "a+tag@sub.example.org", "a_b%c@x.io", "a@" + "l" * 63 + ".net",
        "a@" + "l" * 64 + ".net", "a" * 250 + "@b.co", "a@b.c-d", "a@b.-cd", "a@b.cd-", "a@1.2.3.4",
    ]
    alphabet = "abcz09._%+-@!#'é\" "
    for _ in range(4000):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(3, 14))) + rng.choice(
            ["", "@example.net", ".net", "@a.b", "@x-y.org", "@-x.org", "@x..org"]
        ))
    return texts


def test_the_email_fast_path_only_accepts_what_django_accepts():
    wrong = []
    for text in email_texts():
        address = text.lower()
        try:
            validate_email(address)
            valid = True
        except ValidationError:
            valid = False
        if email_ok(address) != (valid and len(address) <= 254) or (PLAIN_EMAIL.fullmatch(address) and not valid):
            wrong.append(address)
    assert wrong == []
