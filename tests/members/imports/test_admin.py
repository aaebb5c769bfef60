"""The staff admin's django-import-export resource follows the wizard's rules."""

import tablib

from members.admin import MemberResource
from members.models import Member
from organizing.models import AuditEvent


def dataset(*rows):
    data = tablib.Dataset(headers=["first_name", "last_name", "email", "phone", "do_not_phone", "pronouns"])
    for row in rows:
        data.append(row)
    return data


def test_admin_import_matches_fills_blanks_and_keeps_dnc(director, world):
    alice = world["alice"]
    Member.objects.filter(pk=alice.pk).update(do_not_phone=True)
    resource = MemberResource(user=director)
    result = resource.import_data(dataset(
        ["Alicia", "Tremblay", "alice@example.net", "", "no", ""],
        ["Jean", "Gagnon", "jean@example.net", "613-555-0101", "", ""],
    ), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    alice.refresh_from_db()
    assert alice.first_name == "Alice" and alice.do_not_phone
    jean = Member.objects.get(last_name="Gagnon")
    assert jean.emails.get().address == "jean@example.net"
    assert AuditEvent.objects.filter(verb="import.admin").exists()


def test_admin_import_refuses_ambiguous_rows(director, world):
    from ... import factories as f

    f.EmailFactory(member=world["bob"], address="shared@example.net")
    f.EmailFactory(member=world["alice"], address="shared@example.net")
    result = MemberResource(user=director).import_data(
        dataset(["X", "Y", "shared@example.net", "", "", ""]), dry_run=False
    )
    assert result.has_validation_errors() or result.has_errors()
    assert not Member.objects.filter(last_name="Y").exists()


def test_admin_export_escapes_formulas_and_is_audited(director, world):
    Member.objects.filter(pk=world["alice"].pk).update(first_name="=1+1")
    data = MemberResource(user=director).export()
    assert "'=1+1" in data.csv
    assert AuditEvent.objects.get(verb="member.export").changes["rows"] == Member.objects.count()
