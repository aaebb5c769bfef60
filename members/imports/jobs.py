"""Import jobs: upload, mapping, preview, commit, cancel. Views, tasks and admin call these."""

import csv
import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from organizing.audit import audit_record

from ..models import Email, ImportJob, ImportPreset, ImportRow, ImportSeen, Member, Phone
from ..selectors import scope_for
from . import reading, sql
from .engine import Matcher, Row, Structure, write_chunk
from .mapping import DEFAULT_MATCH_ORDER, FIELDS, headers_key, mapping_from_preset, suggest_mapping
from .values import RowError, RowNormalizer

log = logging.getLogger(__name__)

SAMPLE_CHANGES = 25


def chunk_rows() -> int:
    return int(getattr(settings, "IMPORT_CHUNK_ROWS", 1000))


def import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def in_owner_language(job_id: int):
    """Reasons and messages are stored in the language of the user who runs the import."""
    language = (
        ImportJob.objects.filter(pk=job_id).values_list("created_by__language", flat=True).first()
    )
    return translation.override(language or settings.LANGUAGE_CODE)


def _enqueue(task_name: str, job_id: int) -> None:
    from .. import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(job_id))


# --- upload and mapping ---


@transaction.atomic
def import_job_create(*, actor, upload, header_row: int = 1, sheet_name: str = "") -> ImportJob:
    """Store an uploaded file (limits checked first), read its header and suggest a mapping."""
    path, info = reading.store_upload(upload, import_dir())
    try:
        sheet = sheet_name if sheet_name in info.sheets else (info.sheets[0] if info.sheets else "")
        headers, _samples = reading.read_header(
            path, file_format=info.file_format, encoding=info.encoding, delimiter=info.delimiter,
            sheet_name=sheet, header_row=header_row,
        )
    except (reading.ImportFileError, UnicodeDecodeError) as exc:
        path.unlink(missing_ok=True)
        if isinstance(exc, UnicodeDecodeError):
            raise reading.ImportFileError(_("The file's text encoding could not be read.")) from exc
        raise
    except Exception as exc:
        # openpyxl and csv raise many kinds of errors on damaged files; the user needs one message.
        path.unlink(missing_ok=True)
        raise reading.ImportFileError(_("This file could not be read as a list.")) from exc
    preset = ImportPreset.objects.filter(headers_key=headers_key(headers)).order_by("-created_at").first()
    mapping = mapping_from_preset(headers, preset.mapping) if preset else suggest_mapping(headers)
    job = ImportJob.objects.create(
        created_by=actor, file_name=Path(upload.name).name[:255],
        file_path=str(path.relative_to(settings.MEDIA_ROOT)), file_sha256=info.sha256,
        file_size=info.size, file_format=info.file_format, encoding=info.encoding,
        delimiter=info.delimiter, sheet_name=sheet, header_row=header_row, headers=headers,
        mapping=mapping, preset=preset, match_order=list(DEFAULT_MATCH_ORDER),
        rows_total=max(0, info.line_count - header_row) if info.file_format == "csv" else 0,
    )
    audit_record(actor=actor, verb="import.upload", obj=job, changes={
        "file_name": job.file_name, "sha256": job.file_sha256, "size": job.file_size,
    })
    return job


def import_samples(job: ImportJob) -> list[list[str]]:
    path = Path(settings.MEDIA_ROOT) / job.file_path
    if not job.file_path or not path.exists():
        return []
    _headers, samples = reading.read_header(
        path, file_format=job.file_format, encoding=job.encoding, delimiter=job.delimiter,
        sheet_name=job.sheet_name, header_row=job.header_row,
    )
    return samples


@transaction.atomic
def import_job_configure(
    *, actor, job: ImportJob, mapping: dict[str, str], employer=None, match_order: list[str],
    update_policy: str, sync: str = "", sync_worksite=None, create_structure: bool = False,
    date_order: str = "dmy", preset_name: str = "",
) -> ImportJob:
    """Save the mapping and options, optionally as a named preset, and start the preview."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED):
        raise ValueError(_("This import can no longer be changed."))
    job.mapping = {k: v for k, v in mapping.items() if v in FIELDS}
    job.employer = employer
    job.match_order = [k for k in match_order if k in DEFAULT_MATCH_ORDER] or list(DEFAULT_MATCH_ORDER)
    job.update_policy = update_policy
    job.sync = sync
    job.sync_worksite = sync_worksite if sync == ImportJob.Sync.WORKSITE else None
    job.create_structure = create_structure
    job.date_order = date_order
    if preset_name:
        names = {job.headers[int(i)]: f for i, f in job.mapping.items()}
        preset, _created = ImportPreset.objects.update_or_create(
            name=preset_name,
            defaults={"headers_key": headers_key(job.headers), "headers": job.headers,
                      "mapping": names, "created_by": actor},
        )
        job.preset = preset
    job.status = ImportJob.Status.PREVIEWING
    job.rows_done = 0
    job.error = ""
    job.save()
    _enqueue("import_preview", job.pk)
    return job


@transaction.atomic
def import_job_confirm(*, actor, job: ImportJob) -> ImportJob:
    """Confirm a previewed import: the commit runs in the worker."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PREVIEWED:
        raise ValueError(_("Only a checked import can be confirmed."))
    job.status = ImportJob.Status.COMMITTING
    job.rows_done = 0
    job.checkpoint = 0
    job.save(update_fields=["status", "rows_done", "checkpoint"])
    audit_record(actor=actor, verb="import.confirm", obj=job)
    _enqueue("import_commit", job.pk)
    return job


@transaction.atomic
def import_job_cancel(*, actor, job: ImportJob) -> ImportJob:
    """Cancel an import before its commit; the staged rows and the file are removed."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.PREVIEWING,
                          ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED):
        raise ValueError(_("This import can no longer be cancelled."))
    job.status = ImportJob.Status.CANCELLED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    ImportRow.objects.filter(job=job).delete()
    _delete_file(job)
    audit_record(actor=actor, verb="import.cancel", obj=job)
    return job


def _delete_file(job: ImportJob) -> None:
    if job.file_path:
        (Path(settings.MEDIA_ROOT) / job.file_path).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job.pk).update(file_path="")
        job.file_path = ""


# --- preview ---


def _columns(job: ImportJob) -> dict[str, str]:
    return {field: job.headers[int(i)] for i, field in job.mapping.items() if int(i) < len(job.headers)}


def _file_rows(job: ImportJob) -> Iterator[Row]:
    path = Path(settings.MEDIA_ROOT) / job.file_path
    normalize = RowNormalizer({int(i): f for i, f in job.mapping.items()}, job.headers,
                              date_order=job.date_order)
    rows = reading.iter_rows(path, file_format=job.file_format, encoding=job.encoding,
                             delimiter=job.delimiter, sheet_name=job.sheet_name)
    for number, raw in enumerate(rows, start=1):
        if number <= job.header_row or not any(cell.strip() for cell in raw):
            continue
        row = Row(row_number=number, raw=raw)
        try:
            row.data = normalize(raw)
        except RowError as exc:
            row.reject(exc.field, exc.reason)
        yield row


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


STAGING_COLUMNS = ("job_id", "row_number", "raw", "data", "action", "error_column", "reason",
                   "member_id", "key_employee", "key_email", "key_phone")


def _stage(job: ImportJob, rows: list[Row]) -> None:
    records = []
    for row in rows:
        employee, email, phone = ("", "", "") if row.rejected else row.keys()
        records.append((
            job.pk, row.row_number, row.raw, {**row.data, "_changes": _json_changes(row)}
            if row.changes else row.data, row.action, row.error_column[:255], row.reason[:255],
            row.member_id, employee, email, phone,
        ))
    sql.insert(ImportRow, STAGING_COLUMNS, records)


def _json_changes(row: Row) -> dict:
    return {k: [str(b) if b is not None else "", str(a)] for k, (b, a) in row.changes.items()}


def _mark_duplicates(job: ImportJob) -> None:
    """Reject later rows that repeat an earlier row's person (set-based, after staging).

    Key by key, in this order: a row is a duplicate when a row still accepted comes before it
    with the same key — ROW_NUMBER() over the key, the same on SQLite and PostgreSQL.
    """
    reason = _("duplicate of an earlier row in the file")
    columns = _columns(job)
    table = ImportRow._meta.db_table
    targets = {"key_employee": "employee_number", "key_email": "email", "key_phone": "phone",
               "member_id": "last_name"}
    with connection.cursor() as cursor:
        for key, target in targets.items():
            present = f"{key} IS NOT NULL" if key == "member_id" else f"{key} <> ''"
            cursor.execute(
                f"UPDATE {table} SET action = %s, error_column = %s, reason = %s WHERE id IN ("
                f"SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY row_number) AS n "
                f"FROM {table} WHERE job_id = %s AND action <> %s AND {present}) AS ranked WHERE n > 1)",
                [ImportRow.Action.REJECTED.value, columns.get(target, target)[:255], reason, job.pk,
                 ImportRow.Action.REJECTED.value],
            )


def _progress(job: ImportJob, rows_done: int) -> bool:
    """Record progress; return False when the job was cancelled or removed meanwhile."""
    return ImportJob.objects.filter(pk=job.pk, status=job.status).update(rows_done=rows_done) == 1


def import_preview_run(job_id: int) -> None:
    """Check every row against the database without writing members; fill the staging table."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PREVIEWING).first()
    if job is None:
        return
    # A redelivered preview starts again from a clean staging table.
    ImportRow.objects.filter(job=job).delete()
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(phase_started_at=now, started_at=now, rows_done=0)
    scope = scope_for(job.created_by)
    matcher = Matcher(job=job, scope=scope, structure=Structure(job=job, create=False),
                      columns=_columns(job))
    done = 0
    cancelled = False
    samples: list[dict] = []
    try:
        with sql.chunk_commits():
            for chunk in _chunks(_file_rows(job), chunk_rows()):
                if done + len(chunk) > reading.max_rows():
                    raise reading.ImportFileError(_("The file has more than the limit of %(rows)s rows.") % {
                        "rows": f"{reading.max_rows():,}"
                    })
                matcher.run(chunk)
                for row in chunk:
                    if row.action == "update" and len(samples) < SAMPLE_CHANGES:
                        samples.append({
                            "row": row.row_number,
                            "name": " ".join(filter(None, [row.data.get("first_name"), row.data.get("last_name")])),
                            "changes": [[str(FIELDS.get(k.removesuffix("_id"), k)), str(b or ""), str(a)]
                                        for k, (b, a) in _json_changes(row).items()],
                        })
                done += len(chunk)
                with transaction.atomic():
                    _stage(job, chunk)
                    if not _progress(job, done):
                        transaction.set_rollback(True)
                        cancelled = True
                        break
        if cancelled:
            ImportRow.objects.filter(job=job).delete()
            return
    except reading.ImportFileError as exc:
        _fail(job, str(exc))
        return
    except UnicodeDecodeError:
        _fail(job, _("The file's text encoding could not be read."))
        return
    if done == 0:
        _fail(job, _("The file has a header row but no rows of data."))
        return
    sql.analyze(ImportRow)
    _mark_duplicates(job)
    counts = dict(ImportRow.objects.filter(job=job).values_list("action").annotate(n=Count("id")))
    missing = _missing_query(job, scope).exclude(
        id__in=ImportRow.objects.filter(job=job, member_id__isnull=False).exclude(
            action=ImportRow.Action.REJECTED).values("member_id")
    ).count() if job.sync else 0
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEWING).update(
        status=ImportJob.Status.PREVIEWED, rows_total=done, rows_done=done,
        count_new=counts.get("new", 0), count_updated=counts.get("update", 0),
        count_unchanged=counts.get("unchanged", 0), count_rejected=counts.get("rejected", 0),
        count_missing=missing, sample_changes=samples, finished_at=timezone.now(),
    )


def _fail(job: ImportJob, message: str) -> None:
    ImportRow.objects.filter(job=job).delete()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now()
    )


def _missing_query(job: ImportJob, scope):
    members = Member.objects.filter(scope.member_q(), missing_from_list_since__isnull=True)
    if job.sync == ImportJob.Sync.WORKSITE and job.sync_worksite_id:
        return members.filter(worksite_id=job.sync_worksite_id)
    if job.sync == ImportJob.Sync.EMPLOYER and job.employer_id:
        return members.filter(employer_id=job.employer_id)
    return members.none()


# --- commit ---


def _staged_rows(job: ImportJob, *, after: int, size: int) -> list[Row]:
    """The next staged rows to write, in file order (the original cells are not needed)."""
    table = ImportRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, row_number, data FROM {table} WHERE job_id = %s AND row_number > %s "
            f"AND action <> %s ORDER BY row_number LIMIT %s",
            [job.pk, after, ImportRow.Action.REJECTED.value, size],
        )
        records = cursor.fetchall()
    rows = []
    for staged_id, number, data in records:
        data = json.loads(data) if isinstance(data, str) else data
        data.pop("_changes", None)
        rows.append(Row(row_number=number, raw=None, staged_id=staged_id, data=data))
    return rows


def import_commit_run(job_id: int) -> None:
    """Write the staged rows in chunks; each chunk and its checkpoint commit together.

    A worker killed mid-commit leaves only whole chunks behind; the redelivered task resumes
    after the last checkpoint, so the final rows are those of an uninterrupted run.
    """
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.COMMITTING).first()
    if job is None:
        return
    now = timezone.now()
    if job.checkpoint == 0:
        rejected = ImportRow.objects.filter(job=job, action=ImportRow.Action.REJECTED).count()
        ImportJob.objects.filter(pk=job.pk, checkpoint=0).update(
            started_at=now, phase_started_at=now, rows_done=0, count_new=0, count_updated=0,
            count_unchanged=0, count_rejected=rejected, count_missing=0,
        )
    else:
        ImportJob.objects.filter(pk=job.pk).update(phase_started_at=now)
    scope = scope_for(job.created_by)
    structure = Structure(job=job, create=True)
    matcher = Matcher(job=job, scope=scope, structure=structure, columns=_columns(job))
    size = chunk_rows()
    created = analyzed_at = 0
    with sql.chunk_commits():
        while True:
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job.pk)
                if locked.status != ImportJob.Status.COMMITTING:
                    return
                rows = _staged_rows(job, after=locked.checkpoint, size=size)
                if not rows:
                    _finish(locked, scope)
                    break
                matcher.run(rows)
                counts = write_chunk(job=locked, rows=rows, matcher=matcher)
                # Rows the database refuses now (it changed since the preview) join the rejected ones.
                sql.update(ImportRow, ("action", "error_column", "reason"), [
                    (row.staged_id, ImportRow.Action.REJECTED.value, row.error_column[:255], row.reason[:255])
                    for row in rows if row.rejected
                ])
                ImportJob.objects.filter(pk=job.pk).update(
                    checkpoint=rows[-1].row_number,
                    rows_done=F("rows_done") + len(rows),
                    count_new=F("count_new") + counts["new"],
                    count_updated=F("count_updated") + counts["update"],
                    count_unchanged=F("count_unchanged") + counts["unchanged"],
                    count_rejected=F("count_rejected") + counts["rejected"],
                )
            created += counts["new"]
            if created - analyzed_at >= (1000 if analyzed_at == 0 else 50_000):
                sql.analyze(Member, Phone, Email)
                analyzed_at = created
    if created:
        sql.analyze(Member, Phone, Email)
    job.refresh_from_db()
    ImportRow.objects.filter(job=job).exclude(action=ImportRow.Action.REJECTED).delete()
    _delete_file(job)
    log.info("import %s committed", job.pk)


def _finish(job: ImportJob, scope) -> None:
    sql.durable()
    missing = 0
    if job.sync:
        seen = ImportSeen.objects.filter(job=job).values("member_id")
        missing = _missing_query(job, scope).exclude(id__in=seen).update(
            missing_from_list_since=timezone.localdate()
        )
    finished = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, finished_at=finished, count_missing=missing,
        rows_total=F("rows_done"),
    )
    job.refresh_from_db()
    audit_record(actor=job.created_by, verb="import.commit", obj=job, changes={
        "file_name": job.file_name, "sha256": job.file_sha256,
        "preset": job.preset.name if job.preset else "",
        "new": job.count_new, "updated": job.count_updated, "unchanged": job.count_unchanged,
        "rejected": job.count_rejected, "missing": missing,
    })


def import_fail(job_id: int, message: str) -> None:
    """Mark a job failed after its task gave up (the message holds no personal data)."""
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now()
    )


# --- reports and housekeeping ---


def import_rejected_csv(job: ImportJob) -> Iterator[str]:
    """The rejected rows as CSV: the file's own columns, then row, column and reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    from ..exports import escape_cell

    writer.writerow([*job.headers, _("row"), _("column"), _("reason")])
    yield "\ufeff" + flush()
    rows = ImportRow.objects.filter(job=job, action=ImportRow.Action.REJECTED).order_by("row_number")
    for raw, number, column, reason in rows.values_list("raw", "row_number", "error_column", "reason").iterator(
        chunk_size=2000
    ):
        cells = list(raw) + [""] * (len(job.headers) - len(raw))
        writer.writerow([escape_cell(c) for c in cells] + [number, column, reason])
        yield flush()


def import_files_cleanup(*, days: int | None = None) -> int:
    """Delete uploaded files of imports older than IMPORT_FILE_DAYS that were never committed."""
    days = days if days is not None else int(getattr(settings, "IMPORT_FILE_DAYS", 7))
    cutoff = timezone.now() - timedelta(days=days)
    removed = 0
    for job in ImportJob.objects.filter(created_at__lt=cutoff).exclude(file_path="").exclude(
        status__in=ImportJob.RUNNING
    ):
        _delete_file(job)
        removed += 1
    return removed
