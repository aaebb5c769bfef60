"""Every bad file gets a clear message and writes nothing."""

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from members.imports import jobs
from members.imports.reading import ImportFileError
from members.models import ImportJob, ImportRow, Member

from .conftest import upload

HEADER = "First name,Last name,Email\n"


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refused(actor, name, content, message, media_root):
    before = Member.objects.count()
    with pytest.raises(ImportFileError) as error:
        jobs.import_job_create(actor=actor, upload=upload(name, content))
    assert message in str(error.value)
    assert Member.objects.count() == before and not ImportJob.objects.exists()
    leftovers = [p for p in (media_root / "imports").glob("*")] if (media_root / "imports").exists() else []
    assert leftovers == []


def test_empty_file(director, world, media_root):
    refused(director, "empty.csv", b"", "The file is empty.", media_root)
    refused(director, "blank.csv", b"\n\n  \n", "The file is empty.", media_root)


def test_header_only(director, world, media_root):
    refused(director, "header.csv", HEADER, "header row but no rows", media_root)
    refused(director, "header.xlsx", xlsx_bytes([["First name", "Last name"]]), "header row but no rows",
            media_root)


def test_binary_garbage_renamed_csv(director, world, media_root):
    garbage = bytes(range(256)) * 200
    refused(director, "garbage.csv", garbage, "not a readable CSV", media_root)


def test_xlsx_renamed_csv_is_explained(director, world, media_root):
    refused(director, "list.csv", xlsx_bytes([["a"], ["b"]]), "rename it .xlsx", media_root)


def test_wrong_extension(director, world, media_root):
    refused(director, "list.pdf", b"%PDF-1.4", "Upload a .csv or .xlsx file", media_root)
    refused(director, "list", HEADER + "a,b,c\n", "Upload a .csv or .xlsx file", media_root)


def test_corrupt_xlsx(director, world, media_root):
    refused(director, "list.xlsx", b"not a zip at all", "not a readable .xlsx", media_root)


def test_file_over_the_size_limit(director, world, media_root, settings):
    settings.IMPORT_MAX_BYTES = 1000
    refused(director, "big.csv", HEADER + "Jean,Roy,\n" * 200, "larger than the limit", media_root)


def test_file_over_the_row_limit_is_refused_before_parsing(director, world, media_root, settings):
    settings.IMPORT_MAX_ROWS = 10
    refused(director, "rows.csv", HEADER + "Jean,Roy,\n" * 20, "more than the limit of 10 rows", media_root)


def xlsx_bomb() -> bytes:
    """A valid workbook whose one sheet expands to about 100 MB of XML."""
    base = xlsx_bytes([["First name"], ["x"]])
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(item.filename, "w") as sheet:
                    sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
                    for _ in range(100_000):
                        sheet.write(row)
                    sheet.write(b"</sheetData></worksheet>")
            else:
                bomb.writestr(item, source.read(item.filename))
    return out.getvalue()


def test_xlsx_bomb_is_rejected_in_under_two_seconds(director, world, media_root):
    content = xlsx_bomb()
    assert len(content) < 1_000_000
    started = time.monotonic()
    refused(director, "bomb.xlsx", content, "zip bomb", media_root)
    assert time.monotonic() - started < 2


def test_one_megabyte_cell(director, world, media_root, run_import):
    content = HEADER + "Jean,Roy,\n" * 6 + "Jean," + "x" * 1_000_000 + ",\n"
    # The header and first rows are fine; the check happens while the worker reads the file.
    job = run_import(director, "cell.csv", content)
    assert job.status == ImportJob.Status.FAILED
    assert "Row 8 has a cell longer than 10,000 characters" in job.error
    assert Member.objects.count() == 2 and not ImportRow.objects.filter(job=job).exists()


def test_one_megabyte_cell_in_the_first_rows_is_refused_at_upload(director, world, media_root):
    content = HEADER + "Jean," + "x" * 1_000_000 + ",\n"
    refused(director, "cell.csv", content, "longer than 10,000 characters", media_root)


def test_formula_cells_are_rejected_rows_not_run(director, world, media_root, run_import):
    content = HEADER + '=HYPERLINK("http://evil","x"),Roy,\n@SUM(1),Roy,\nJean,+cmd|calc,\n'
    job = run_import(director, "f.csv", content, commit=False)
    assert job.count_rejected == 3 and job.count_new == 0
    assert set(ImportRow.objects.filter(job=job).values_list("reason", flat=True)) == {
        "holds a spreadsheet formula, not a value"
    }
    xlsx = xlsx_bytes([["First name", "Last name"], ["=1+1", "Roy"], ["Anne", "Roy"]])
    job = run_import(director, "f.xlsx", xlsx, commit=False)
    assert (job.count_rejected, job.count_new) == (1, 1)


def test_windows_1252_with_accents(director, world, run_import):
    content = HEADER + "Hélène,Bédard,helene@example.net\nFrançois,Côté,\n"
    job = run_import(director, "cp.csv", content.encode("cp1252"))
    assert job.encoding == "cp1252" and job.count_new == 2
    assert Member.objects.filter(first_name="Hélène", last_name="Bédard").exists()
    assert Member.objects.filter(search_name="francois cote").exists()


def test_utf16_with_tabs(director, world, run_import):
    content = "First name\tLast name\tEmail\nHélène\tBédard\thelene@example.net\n"
    job = run_import(director, "u16.csv", content.encode("utf-16"))
    assert job.encoding == "utf-16" and job.delimiter == "\t" and job.count_new == 1
    assert Member.objects.filter(last_name="Bédard").exists()


def test_utf8_bom_and_semicolons(director, world, run_import):
    content = "\ufeffPrénom;Nom;Courriel\nHélène;Bédard;helene@example.net\n"
    job = run_import(director, "semi.csv", content.encode("utf-8"))
    assert job.delimiter == ";" and job.headers[0] == "Prénom"
    assert job.mapping == {"0": "first_name", "1": "last_name", "2": "email"}
    assert job.count_new == 1


def test_xlsx_with_chosen_sheet_and_header_row(director, world, run_import):
    workbook = Workbook()
    workbook.active.append(["ignore me"])
    sheet = workbook.create_sheet("Dues")
    sheet.append(["City of Ottawa dues list"])
    sheet.append(["Employee ID", "First name", "Last name"])
    sheet.append([1234, "Jean", "Roy"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = jobs.import_job_create(actor=director, upload=upload("d.xlsx", buffer.getvalue()),
                                 header_row=2, sheet_name="Dues")
    assert job.headers == ["Employee ID", "First name", "Last name"]
    assert job.mapping == {"0": "employee_number", "1": "first_name", "2": "last_name"}
