"""A list import in a real browser: upload → mapping → preview → commit → progress → history →
rejected-rows download, in English and in French, with an accessibility check on every page."""

import csv
import io

import pytest
from django.urls import reverse

from members.imports import jobs
from members.models import ImportJob, Member

from .helpers import assert_accessible, sign_in, watch_csp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LIST = (
    "Employee ID,First name,Last name,Email,Cell,Worksite\n"
    "J-100,Jean,Gagnon,jean@example.net,613-555-0101,General Hospital\n"
    "J-101,Hélène,Roy,helene@example.net,613 555 0102,General Hospital\n"
    "J-102,Marc,Roy,not-an-email,,General Hospital\n"
)


@pytest.fixture(autouse=True)
def tasks_in_the_page(settings, tmp_path, monkeypatch):
    """Checks run in-process; the commit is queued and run by the test, so progress shows."""
    from members import tasks
    from organizing.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    queued: list[int] = []
    monkeypatch.setattr(tasks.import_commit, "delay", queued.append)
    yield queued
    app.conf.task_always_eager = before


@pytest.mark.parametrize("language", ["en", "fr"])
def test_import_journey(page, live_server, world, director, tasks_in_the_page, tmp_path, language):
    director.language = language
    director.save(update_fields=["language"])
    if language == "fr":
        page.set_viewport_size({"width": 375, "height": 800})  # and on a phone
    csp_errors = watch_csp(page)
    sign_in(page, live_server, director)
    upload = tmp_path / "dues.csv"
    upload.write_text(LIST, encoding="utf-8")

    # Upload.
    page.goto(live_server.url + reverse("members:import-upload"))
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page, csp_errors=csp_errors)
    page.set_input_files("input[type=file]", str(upload))
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()

    # Mapping: suggestions are already chosen; pick the employer, name the preset.
    assert page.locator("select[name=column_0]").input_value() == "employee_number"
    page.select_option("select[name=employer]", str(world["site_a"].employer_id))
    page.fill("input[name=preset_name]", "Hospital dues list")
    assert_accessible(page, csp_errors=csp_errors)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # Preview: counts, rejected row with its column and reason; nothing written yet.
    assert page.locator(".stat-list .stat-value").all_inner_texts()[:4] == ["2", "0", "0", "1"]
    assert "not-an-email" not in page.locator("main table").last.inner_text()
    assert "Email" in page.locator("main table").last.inner_text()
    assert not Member.objects.filter(last_name="Gagnon").exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert_accessible(page, csp_errors=csp_errors)
    job = ImportJob.objects.get()
    with page.expect_navigation():
        page.locator(f"form[action$='{reverse('members:import-confirm', args=[job.pk])}'] button").click()

    # Progress: the page polls a partial; the worker (here the test) commits meanwhile.
    assert page.locator("progress#import-progress").count() == 1
    assert_accessible(page, csp_errors=csp_errors)
    assert tasks_in_the_page == [job.pk]
    jobs.import_commit_run(job.pk)
    page.locator("progress#import-progress").wait_for(state="detached")
    assert page.locator(".stat-list .stat-value").all_inner_texts()[:4] == ["2", "0", "0", "1"]
    assert Member.objects.filter(last_name="Gagnon", employee_number="J-100").exists()

    # History, then the rejected rows as CSV.
    page.goto(live_server.url + reverse("members:import-list"))
    assert "dues.csv" in page.locator("main table").inner_text()
    assert "Hospital dues list" in page.locator("main table").inner_text()
    assert_accessible(page, csp_errors=csp_errors)
    with page.expect_download() as download:
        page.locator(f"a[href$='{reverse('members:import-rejected', args=[job.pk])}']").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:6] == ["J-102", "Marc", "Roy", "not-an-email", "", "General Hospital"]
    assert rows[1][6:] == ["4", "Email", rows[1][8]] and rows[1][8]
