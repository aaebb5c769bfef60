"""List imports: a job per uploaded file, its staging rows, and saved column mappings."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .core import Employer, Worksite


class ImportPreset(models.Model):
    """A named column mapping for one source, applied when a file's headers match."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    # sha256 of the folded header row: a file with the same headers gets this mapping.
    headers_key = models.CharField(max_length=64, db_index=True)
    headers = models.JSONField(default=list)
    # {"header as in the file": "target field"}
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("import preset")
        verbose_name_plural = _("import presets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One uploaded list, from upload through preview to commit, with its progress."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for mapping")
        PREVIEWING = "previewing", _("Checking rows")
        PREVIEWED = "previewed", _("Ready to confirm")
        COMMITTING = "committing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Policy(models.TextChoices):
        FILL_BLANKS = "fill_blanks", _("Fill blank fields only")
        OVERWRITE = "overwrite", _("Overwrite with non-empty values")

    class Sync(models.TextChoices):
        NONE = "", _("No (add and update only)")
        EMPLOYER = "employer", _("Full list for the employer")
        WORKSITE = "worksite", _("Full list for the worksite")

    class DateOrder(models.TextChoices):
        DMY = "dmy", _("Day/month/year")
        MDY = "mdy", _("Month/day/year")

    RUNNING = (Status.PREVIEWING, Status.COMMITTING)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="import_jobs",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    # Relative to MEDIA_ROOT; blank once the file has been deleted.
    file_path = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(_("file hash"), max_length=64)
    file_size = models.BigIntegerField(_("size"), default=0)
    file_format = models.CharField(max_length=5)  # csv or xlsx
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    sheet_name = models.CharField(max_length=100, blank=True)
    header_row = models.PositiveIntegerField(default=1)
    headers = models.JSONField(default=list)
    # {"column index as text": "target field"}
    mapping = models.JSONField(default=dict, blank=True)
    preset = models.ForeignKey(
        ImportPreset, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs",
        verbose_name=_("preset"),
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("employer"),
    )
    match_order = models.JSONField(default=list)
    update_policy = models.CharField(
        _("update policy"), max_length=20, choices=Policy.choices, default=Policy.FILL_BLANKS
    )
    sync = models.CharField(_("full-list sync"), max_length=10, choices=Sync.choices, blank=True)
    sync_worksite = models.ForeignKey(
        Worksite, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("worksite"),
    )
    create_structure = models.BooleanField(_("create unknown worksites and departments"), default=False)
    date_order = models.CharField(max_length=3, choices=DateOrder.choices, default=DateOrder.DMY)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    count_new = models.PositiveIntegerField(_("new"), default=0)
    count_updated = models.PositiveIntegerField(_("updated"), default=0)
    count_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    count_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    count_missing = models.PositiveIntegerField(_("not on the list"), default=0)
    # The last row number whose writes are committed: a retried commit resumes after it.
    checkpoint = models.PositiveIntegerField(default=0)
    sample_changes = models.JSONField(default=list, blank=True)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_done * 100 / self.rows_total))

    @property
    def rate(self) -> float:
        """Rows per second in the current phase."""
        if not self.phase_started_at or not self.rows_done:
            return 0.0
        seconds = (timezone.now() - self.phase_started_at).total_seconds()
        return self.rows_done / seconds if seconds > 0 else 0.0

    @property
    def seconds_left(self) -> int | None:
        rate = self.rate
        if not rate:
            return None
        return int(max(0, self.rows_total - self.rows_done) / rate)

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class ImportRow(models.Model):
    """One parsed row of an import: the staging table the commit reads in chunks."""

    class Action(models.TextChoices):
        NEW = "new", _("New")
        UPDATE = "update", _("Updated")
        UNCHANGED = "unchanged", _("Unchanged")
        REJECTED = "rejected", _("Rejected")

    # Rows are found by (job, row_number) or (job, action, row_number): the constraint's and
    # the action index cover the job, so no index of its own (each one slows the staging COPY).
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows", db_index=False)
    row_number = models.PositiveIntegerField()
    # The row as it was in the file (for the rejected-rows report).
    raw = models.JSONField(default=list)
    # The row's normalised values, keyed by target field.
    data = models.JSONField(default=dict)
    action = models.CharField(max_length=10, choices=Action.choices)
    error_column = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    member_id = models.BigIntegerField(null=True, blank=True)
    # Keys for finding duplicate rows inside the file (set-based, after staging, by a window
    # function over the job's rows: no index needed).
    key_employee = models.CharField(max_length=120, blank=True)
    key_email = models.CharField(max_length=254, blank=True)
    key_phone = models.CharField(max_length=140, blank=True)

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="unique_import_row_number")
        ]
        indexes = [
            models.Index(fields=["job", "action", "row_number"], name="import_row_action"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number}"


class ImportSeen(models.Model):
    """A member found in (or created from) a committed import, with what the import changed.

    It is the per-member audit trail of an import and the basis of full-list sync.
    """

    # The unique constraint (job, member_id) covers lookups by job.
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="seen", db_index=False)
    member_id = models.BigIntegerField(db_index=True)
    row_number = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=ImportRow.Action.choices)
    # {"field": [before, after]}
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "member_id"], name="unique_import_seen")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.member_id}"
