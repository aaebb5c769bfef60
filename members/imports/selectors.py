"""Reads of import jobs, scoped: directors see every import, organizers their own."""

from django.db.models import QuerySet

from organizing.models import Role

from ..models import ImportJob, ImportRow


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """Import jobs the user may see; none for mobilizers."""
    if not getattr(user, "is_authenticated", False):
        return ImportJob.objects.none()
    jobs = ImportJob.objects.select_related("created_by", "preset", "employer")
    if user.role == Role.DIRECTOR:
        return jobs
    if user.role == Role.ORGANIZER:
        return jobs.filter(created_by=user)
    return ImportJob.objects.none()


def import_job_get_visible(*, user, job_id: int) -> ImportJob:
    """One visible import job, or ImportJob.DoesNotExist."""
    return import_jobs_visible_to(user).get(pk=job_id)


def import_rejected_rows(job: ImportJob) -> QuerySet[ImportRow]:
    """The rejected rows of a job, in file order."""
    return ImportRow.objects.filter(job=job, action=ImportRow.Action.REJECTED).order_by("row_number").only(
        "row_number", "error_column", "reason", "raw"
    )
