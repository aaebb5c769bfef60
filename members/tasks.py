"""Celery tasks for list imports: ids in, state in the ImportJob row, nothing personal in logs."""

import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError

from .imports import jobs

log = logging.getLogger(__name__)

# Database hiccups are retried; the work itself is idempotent (preview restarts, commit resumes).
RETRY = {"autoretry_for": (DatabaseError, InterfaceError), "retry_backoff": 5, "max_retries": 5}


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def import_preview(job_id: int) -> None:
    """Check every row of an uploaded list and stage the result; writes no member."""
    try:
        with jobs.in_owner_language(job_id):
            jobs.import_preview_run(job_id)
    except Exception:
        log.exception("import %s: preview failed", job_id)
        if import_preview.request.retries >= RETRY["max_retries"] or not _retryable():
            jobs.import_fail(job_id, "internal error while checking the file")
        raise


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def import_commit(job_id: int) -> None:
    """Write a confirmed import in checkpointed chunks; safe to run again after a crash."""
    try:
        with jobs.in_owner_language(job_id):
            jobs.import_commit_run(job_id)
    except Exception:
        log.exception("import %s: commit failed", job_id)
        if import_commit.request.retries >= RETRY["max_retries"] or not _retryable():
            jobs.import_fail(job_id, "internal error while importing")
        raise


@shared_task
def import_files_cleanup() -> int:
    """Delete uploaded files of old imports that were never committed (run daily by beat)."""
    return jobs.import_files_cleanup()


def _retryable() -> bool:
    import sys

    exc = sys.exc_info()[1]
    return isinstance(exc, DatabaseError | InterfaceError)
