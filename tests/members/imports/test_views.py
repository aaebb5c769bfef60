"""The import pages and exports: right roles, 404 out of scope, nothing changed when refused."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.models import ImportJob, Member
from organizing.models import AuditEvent

from ... import factories as f
from .conftest import upload

CONTENT = (
    "Prénom,Nom,Courriel,Lieu de travail\n"
    "Jean,Gagnon,jean@example.net,General Hospital\n"
    "Marie,Roy,not-an-email,General Hospital\n"
)


def walk(client, django_capture_on_commit_callbacks, content=CONTENT, name="list.csv"):
    response = client.post(reverse("members:import-upload"), {"file": upload(name, content), "header_row": 1})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.latest("id")
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert 'value="first_name" selected' in response.content.decode()
    data = {f"column_{i}": v for i, v in job.mapping.items()}
    data.update({"match_1": "employee_number", "match_2": "email", "match_3": "phone",
                 "update_policy": "fill_blanks", "date_order": "dmy", "preset_name": "Hospital list"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:import-mapping", args=[job.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    job.refresh_from_db()
    return job


def test_director_walks_upload_mapping_preview_commit_history(director_client, world,
                                                              django_capture_on_commit_callbacks):
    job = walk(director_client, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.PREVIEWED and job.preset.name == "Hospital list"
    page = director_client.get(reverse("members:import-detail", args=[job.pk])).content.decode()
    assert "Preview: nothing has been written yet" in page and "invalid email" in page
    assert not Member.objects.filter(last_name="Gagnon").exists()
    partial = director_client.get(reverse("members:import-detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="import-status"')
    with django_capture_on_commit_callbacks(execute=True):
        director_client.post(reverse("members:import-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Member.objects.filter(last_name="Gagnon").exists()
    history = director_client.get(reverse("members:import-list")).content.decode()
    assert "list.csv" in history and job.file_sha256[:12] in history
    rejected = director_client.get(reverse("members:import-rejected", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(rejected.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        ["Prénom", "Nom", "Courriel", "Lieu de travail", "row", "column", "reason"],
        ["Marie", "Roy", "not-an-email", "General Hospital", "3", "Courriel", "invalid email"],
    ]
    # The preset is applied to the next file with the same columns.
    again = walk(director_client, django_capture_on_commit_callbacks)
    assert again.preset.name == "Hospital list" and again.count_unchanged == 1


def test_mobilizer_gets_404_everywhere(mobilizer_client, director, world, django_capture_on_commit_callbacks):
    job = ImportJob.objects.create(created_by=director, file_name="x.csv", file_sha256="0" * 64,
                                   file_format="csv", headers=["a"])
    for url in [reverse("members:import-list"), reverse("members:import-upload"),
                reverse("members:import-detail", args=[job.pk]),
                reverse("members:import-rejected", args=[job.pk]),
                reverse("members:export-csv"), reverse("members:export-xlsx")]:
        assert mobilizer_client.get(url).status_code == 404, url
    response = mobilizer_client.post(reverse("members:import-upload"), {"file": upload("l.csv", CONTENT)})
    assert response.status_code == 404
    assert mobilizer_client.post(reverse("members:import-cancel", args=[job.pk])).status_code == 404
    assert ImportJob.objects.count() == 1 and not AuditEvent.objects.filter(verb="member.export").exists()


def test_organizer_cannot_see_or_change_another_users_import(organizer_client, director, world):
    job = ImportJob.objects.create(created_by=director, file_name="x.csv", file_sha256="0" * 64,
                                   file_format="csv", headers=["a"], status=ImportJob.Status.PREVIEWED)
    assert organizer_client.get(reverse("members:import-detail", args=[job.pk])).status_code == 404
    assert organizer_client.post(reverse("members:import-confirm", args=[job.pk])).status_code == 404
    assert organizer_client.post(reverse("members:import-cancel", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED


def test_bad_file_shows_a_clear_message(director_client, world):
    response = director_client.post(reverse("members:import-upload"), {"file": upload("l.csv", b""), "header_row": 1})
    assert response.status_code == 200 and "The file is empty." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_cancel_before_commit_writes_nothing(director_client, world, django_capture_on_commit_callbacks):
    job = walk(director_client, django_capture_on_commit_callbacks)
    director_client.post(reverse("members:import-cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and not job.rows.exists()
    assert not Member.objects.filter(last_name="Gagnon").exists()
    assert director_client.post(reverse("members:import-confirm", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED


def test_export_of_a_name_beginning_with_equals_is_text(director_client, world):
    f.MemberFactory(first_name="=HYPERLINK(\"http://evil\")", last_name="-Roy", worksite=world["site_a"])
    response = director_client.get(reverse("members:export-csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    row = next(r for r in rows if "-Roy" in r[2])
    assert row[1] == "'=HYPERLINK(\"http://evil\")" and row[2] == "'-Roy"
    response = director_client.get(reverse("members:export-xlsx"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=False).active
    names = {(c.value, c.data_type) for c in sheet["B"]}
    assert ("'=HYPERLINK(\"http://evil\")", "s") in names
    audits = AuditEvent.objects.filter(verb="member.export").order_by("id")
    assert [a.changes["format"] for a in audits] == ["csv", "xlsx"]
    assert audits[0].changes["rows"] == Member.objects.count()


def test_export_is_scoped_and_filtered(organizer_client, world):
    response = organizer_client.get(reverse("members:export-csv") + "?q=tremblay")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Tremblay" in text and "Singh" not in text
    audit = AuditEvent.objects.get(verb="member.export")
    assert audit.changes["filters"] == {"q": ["tremblay"]} and audit.changes["rows"] == 1


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pages_render_in_both_languages(director_client, director, world, language,
                                        django_capture_on_commit_callbacks):
    director.language = language
    director.save()
    assert director_client.get(reverse("members:import-upload")).status_code == 200
    job = walk(director_client, django_capture_on_commit_callbacks)
    assert director_client.get(reverse("members:import-detail", args=[job.pk])).status_code == 200
