"""Staff admin for members and imports; django-import-export with the import rules of the wizard.

The admin's import matches rows with the same engine as the list-import wizard (employee number
+ employer, email, phone + last name; ambiguous rows refused), fills blanks only, never blanks a
value and never clears a do-not-contact flag. Its export escapes formulas and is audited.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.admin import ImportExportModelAdmin

from organizing.audit import audit_record

from .exports import escape_cell
from .imports.engine import FLAG_FIELDS, Matcher, Row, Structure
from .imports.mapping import DEFAULT_MATCH_ORDER
from .imports.values import RowError, normalize_row
from .models import (
    Department,
    Email,
    Employer,
    ImportJob,
    ImportPreset,
    Local,
    Member,
    Phone,
    Region,
    Shift,
    Worksite,
)
from .selectors import Scope

ADMIN_COLUMNS = [
    "first_name", "last_name", "preferred_name", "employee_number", "employer", "worksite",
    "email", "phone", "language", *FLAG_FIELDS,
]


class MemberResource(resources.ModelResource):
    employer = fields.Field(attribute="employer__name", column_name="employer", readonly=True)
    worksite = fields.Field(attribute="worksite__name", column_name="worksite", readonly=True)
    email = fields.Field(column_name="email", readonly=True)
    phone = fields.Field(column_name="phone", readonly=True)

    class Meta:
        model = Member
        fields = ("id", *ADMIN_COLUMNS)
        export_order = ("id", *ADMIN_COLUMNS)
        import_id_fields = ()
        skip_unchanged = True
        report_skipped = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        job = ImportJob(match_order=list(DEFAULT_MATCH_ORDER), update_policy=ImportJob.Policy.FILL_BLANKS)
        self._job = job
        self._matcher = None

    # --- import: the wizard's rules ---

    def _row(self, row) -> Row:
        headers = [h for h in row.keys() if h in ADMIN_COLUMNS]
        raw = [str(row.get(h) if row.get(h) is not None else "") for h in headers]
        mapping = {i: h for i, h in enumerate(headers)}
        parsed = Row(row_number=0, raw=raw)
        try:
            parsed.data = normalize_row(raw, mapping, headers)
        except RowError as exc:
            raise ValidationError(f"{exc.field}: {exc.reason}") from exc
        return parsed

    def get_instance(self, instance_loader, row):
        if self._matcher is None:
            self._matcher = Matcher(job=self._job, scope=Scope(everything=True),
                                    structure=Structure(job=self._job, create=False), columns={})
        parsed = self._row(row)
        try:
            self._matcher.structure.resolve(parsed)
        except RowError as exc:
            raise ValidationError(f"{exc.field}: {exc.reason}") from exc
        self._matcher._decide(parsed, self._matcher._candidates([parsed]))
        if parsed.rejected:
            raise ValidationError(f"{parsed.error_column}: {parsed.reason}")
        row["_ids"] = parsed.ids
        row["_data"] = parsed.data
        return Member.objects.filter(pk=parsed.member_id).first() if parsed.member_id else None

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        name = field.attribute
        if not name or "__" in name or field.readonly:
            return
        value = row.get(field.column_name)
        if name in FLAG_FIELDS:
            # Set only, never cleared.
            if str(value).strip().lower() in ("1", "true", "yes", "y", "oui", "x"):
                setattr(instance, name, True)
            return
        if value in (None, ""):
            return  # never blank a value
        if instance.pk and getattr(instance, name, None) not in ("", None):
            return  # fill blanks only
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        ids = row.get("_ids") or {}
        for column in ("employer_id", "worksite_id"):
            if ids.get(column) and getattr(instance, column) is None:
                setattr(instance, column, ids[column])
        if not instance.first_name or not instance.last_name:
            raise ValidationError("missing name")

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        data = row.get("_data") or {}
        if data.get("email"):
            Email.objects.get_or_create(member=instance, address=data["email"])
        for kind, number in data.get("phones", []):
            Phone.objects.get_or_create(member=instance, number=number, defaults={"kind": kind})

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not kwargs.get("dry_run"):
            audit_record(actor=self.user, verb="import.admin", object_type="members.member",
                         changes={"rows": len(dataset), "totals": dict(result.totals)})

    # --- export: formula-safe and audited ---

    def export_field(self, field, instance, **kwargs):
        if field.column_name == "email":
            first = instance.emails.first()
            return escape_cell(first.address if first else "")
        if field.column_name == "phone":
            first = instance.phones.first()
            return escape_cell(first.number if first else "")
        value = super().export_field(field, instance, **kwargs)
        return escape_cell(value) if isinstance(value, str) else value

    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset, **kwargs)
        audit_record(actor=self.user, verb="member.export", object_type="members.member",
                     changes={"format": "admin", "filters": {}, "rows": len(dataset)})
        return dataset


@admin.register(Member)
class MemberAdmin(ImportExportModelAdmin):
    resource_classes = [MemberResource]
    list_display = ("last_name", "first_name", "employee_number", "worksite", "local")
    search_fields = ("search_name", "employee_number")
    list_select_related = ("worksite", "local")
    raw_id_fields = ("worksite", "department", "shift", "job_class", "bargaining_unit", "local", "employer")

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("file_name", "created_by", "created_at", "status", "count_new", "count_updated",
                    "count_unchanged", "count_rejected")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImportPreset)
class ImportPresetAdmin(admin.ModelAdmin):
    list_display = ("name", "created_by", "created_at")


for model in (Region, Local, Employer, Worksite, Department, Shift):
    if not admin.site.is_registered(model):
        admin.site.register(model)
