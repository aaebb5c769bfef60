"""Exports of member lists to CSV and XLSX, streamed, formula-safe, and audited."""

import csv
import io
import tempfile
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from organizing.audit import audit_record

from .models import Email, Member, Phone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    """Text a spreadsheet will not run: a leading = + - @ tab or CR gets a quote before it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def export_columns() -> list[tuple[str, str]]:
    return [
        ("id", _("ID")),
        ("first_name", _("First name")),
        ("last_name", _("Last name")),
        ("preferred_name", _("Preferred name")),
        ("employee_number", _("Employee number")),
        ("email", _("Email")),
        ("phone", _("Phone")),
        ("employer", _("Employer")),
        ("worksite", _("Worksite")),
        ("department", _("Department")),
        ("shift", _("Shift")),
        ("local", _("Local")),
        ("language", _("Preferred language")),
        ("membership_status", _("Membership status")),
        ("employment_status", _("Employment status")),
        ("do_not_phone", _("Do not phone")),
        ("do_not_text", _("Do not text")),
        ("do_not_email", _("Do not email")),
        ("do_not_visit", _("Do not visit")),
        ("missing_from_list_since", _("Not on the latest list since")),
    ]


def _rows(members: QuerySet[Member]) -> Iterator[list[str]]:
    members = members.with_structure().prefetch_related(
        Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
        Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
    ).order_by("last_name", "first_name", "id")
    yes, no = _("yes"), _("no")
    for m in members.iterator(chunk_size=2000):
        emails = list(m.emails.all())
        phones = list(m.phones.all())
        values = {
            "id": m.pk, "first_name": m.first_name, "last_name": m.last_name,
            "preferred_name": m.preferred_name, "employee_number": m.employee_number,
            "email": emails[0].address if emails else "", "phone": phones[0].number if phones else "",
            "employer": m.employer.name if m.employer else "",
            "worksite": m.worksite.name if m.worksite else "",
            "department": m.department.name if m.department else "",
            "shift": m.shift.name if m.shift else "", "local": m.local.number if m.local else "",
            "language": m.language, "membership_status": m.get_membership_status_display(),
            "employment_status": m.get_employment_status_display(),
            "do_not_phone": yes if m.do_not_phone else no, "do_not_text": yes if m.do_not_text else no,
            "do_not_email": yes if m.do_not_email else no, "do_not_visit": yes if m.do_not_visit else no,
            "missing_from_list_since": m.missing_from_list_since.isoformat() if m.missing_from_list_since else "",
        }
        yield [escape_cell(values[key]) for key, _label in export_columns()]


def export_csv(members: QuerySet[Member]) -> Iterator[str]:
    """Yield the CSV text in pieces (UTF-8 BOM first so Excel reads accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _key, label in export_columns()])
    yield "\ufeff" + buffer.getvalue()
    for row in _rows(members):
        buffer.seek(0)
        buffer.truncate(0)
        writer.writerow(row)
        yield buffer.getvalue()


def export_xlsx(members: QuerySet[Member]) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """Write the XLSX with openpyxl's write-only mode to a temporary file; return it and the count."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Members"))
    sheet.append([label for _key, label in export_columns()])
    count = 0
    for row in _rows(members):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            # Every value is a string cell: openpyxl never writes it as a formula.
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(handle)
    handle.seek(0)
    return handle, count


def export_audit(*, actor, file_format: str, filters: dict, count: int) -> None:
    """Record an export with its filter and row count."""
    audit_record(actor=actor, verb="member.export", object_type="members.member", changes={
        "format": file_format, "filters": filters, "rows": count,
    })
