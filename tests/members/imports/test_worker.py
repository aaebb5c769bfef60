"""A real worker killed with SIGKILL mid-commit: the retry ends with the rows of a clean run.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); the worker is a `celery -A organizing
worker` subprocess on the test database, started and killed by the test.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from members.imports import jobs
from members.models import ImportJob, Member

from .conftest import upload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"),
        reason="needs DATABASE_URL=postgres://… and REDIS_URL (a real Celery worker on PostgreSQL)",
    ),
]

ROWS = 2000
ROOT = Path(__file__).resolve().parents[3]


def employer_list() -> str:
    lines = ["Employee ID,First name,Last name,Email,Cell,Worksite"]
    for i in range(ROWS):
        lines.append(f"K{i:05d},First{i},Last{i},k{i}@example.net,613-555-{i % 10000:04d},General Hospital")
    lines.append("K00001,First1,Last1,dup@example.net,,General Hospital")  # a duplicate row
    return "\n".join(lines) + "\n"


class Worker:
    def __init__(self, media_root: Path):
        settings = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "organizing.settings_test",
            "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}",
            "MEDIA_ROOT": str(media_root),
            "IMPORT_CHUNK_ROWS": "20",
            # A killed worker's unacknowledged task comes back after this many seconds.
            "CELERY_VISIBILITY_TIMEOUT": "3",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        celery = Path(sys.executable).with_name("celery")
        self.process = subprocess.Popen(
            [str(celery), "-A", "organizing", "worker", "--pool=solo", "--concurrency=1", "-l", "warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(media_root):
    from organizing.celery import app

    app.control.purge()
    running = Worker(media_root)
    running.start()
    yield running
    running.stop()
    app.control.purge()


def wait_for(job: ImportJob, predicate, timeout: float = 120) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if predicate(job):
            return job
        time.sleep(0.02)
    raise AssertionError(f"import {job.pk} stuck in {job.status} at row {job.checkpoint}")


def snapshot() -> list[tuple]:
    members = Member.objects.filter(employee_number__startswith="K").order_by("employee_number")
    return [
        (m.employee_number, m.first_name, m.last_name, m.worksite_id,
         tuple(sorted(m.emails.values_list("address", flat=True))),
         tuple(sorted(m.phones.values_list("number", flat=True))))
        for m in members.prefetch_related("emails", "phones")
    ]


def start_import(director, employer) -> ImportJob:
    job = jobs.import_job_create(actor=director, upload=upload("dues.csv", employer_list()))
    jobs.import_job_configure(
        actor=director, job=job, mapping=job.mapping, employer=employer,
        match_order=["employee_number", "email", "phone"], update_policy=ImportJob.Policy.FILL_BLANKS,
    )
    job = wait_for(job, lambda j: j.status not in ImportJob.RUNNING)
    assert job.status == ImportJob.Status.PREVIEWED, job.error
    assert (job.count_new, job.count_rejected) == (ROWS, 1)
    jobs.import_job_confirm(actor=director, job=job)
    return job


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sigkill_mid_commit_then_retry_gives_the_rows_of_a_clean_run(director, world, worker):
    employer = world["site_a"].employer
    clean = start_import(director, employer)
    clean = wait_for(clean, lambda j: j.status == ImportJob.Status.DONE)
    expected = snapshot()
    assert len(expected) == ROWS and clean.count_new == ROWS
    Member.objects.filter(employee_number__startswith="K").delete()

    job = start_import(director, employer)
    job = wait_for(job, lambda j: j.checkpoint > 0, timeout=60)
    worker.kill()
    job.refresh_from_db()
    partial = Member.objects.filter(employee_number__startswith="K").count()
    assert job.status == ImportJob.Status.COMMITTING and 0 < partial < ROWS
    assert partial == job.rows_done  # whole chunks only: the checkpoint and its rows together

    worker.start()
    job = wait_for(job, lambda j: j.status == ImportJob.Status.DONE, timeout=180)
    assert snapshot() == expected
    assert (job.count_new, job.count_rejected, job.rows_done) == (ROWS, 1, ROWS)

    again = start_import_again(director, employer)
    assert (again.count_new, again.count_updated, again.count_unchanged) == (0, 0, ROWS)


def start_import_again(director, employer) -> ImportJob:
    job = jobs.import_job_create(actor=director, upload=upload("dues.csv", employer_list()))
    jobs.import_job_configure(
        actor=director, job=job, mapping=job.mapping, employer=employer,
        match_order=["employee_number", "email", "phone"], update_policy=ImportJob.Policy.FILL_BLANKS,
    )
    return wait_for(job, lambda j: j.status not in ImportJob.RUNNING)
