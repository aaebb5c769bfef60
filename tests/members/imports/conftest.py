"""Helpers for import tests: files in a temporary MEDIA_ROOT, jobs run through the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from members.imports import jobs
from members.models import ImportJob


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name: str, content: bytes | str, encoding: str = "utf-8") -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode(encoding)
    return SimpleUploadedFile(name, content)


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Upload, map (suggested mapping unless given), preview, and optionally commit."""

    def run(actor, name, content, *, commit=True, mapping=None, **options) -> ImportJob:
        job = jobs.import_job_create(actor=actor, upload=upload(name, content))
        defaults = {
            "mapping": mapping if mapping is not None else job.mapping,
            "employer": None, "match_order": ["employee_number", "email", "phone"],
            "update_policy": ImportJob.Policy.FILL_BLANKS,
        }
        defaults.update(options)
        with django_capture_on_commit_callbacks(execute=True):
            jobs.import_job_configure(actor=actor, job=job, **defaults)
        job.refresh_from_db()
        if commit and job.status == ImportJob.Status.PREVIEWED:
            with django_capture_on_commit_callbacks(execute=True):
                jobs.import_job_confirm(actor=actor, job=job)
            job.refresh_from_db()
        return job

    return run


@pytest.fixture(autouse=True)
def eager_tasks(request):
    """Run tasks in-process, even with REDIS_URL set, except in tests with a real worker."""
    from organizing.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
