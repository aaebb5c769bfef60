"""List imports and exports: thin views over members.imports and members.exports."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from .directory import member_directory
from .exports import export_audit, export_csv, export_xlsx
from .imports import jobs, reading
from .imports.forms import MappingForm, UploadForm
from .imports.reading import ImportFileError
from .imports.selectors import import_job_get_visible, import_jobs_visible_to, import_rejected_rows
from .models import ImportJob

REJECTED_PAGE = 100


def lists_staff_only(view):
    """Imports and exports are for directors and organizers; anyone else gets a 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.can_export:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _job_or_404(request, job_id: int) -> ImportJob:
    try:
        return import_job_get_visible(user=request.user, job_id=job_id)
    except ImportJob.DoesNotExist as exc:
        raise Http404 from exc


@lists_staff_only
def import_list(request):
    page = Paginator(import_jobs_visible_to(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "members/imports/list.html", {"page": page})


@lists_staff_only
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.import_job_create(
                actor=request.user, upload=form.cleaned_data["file"],
                header_row=form.cleaned_data["header_row"], sheet_name=form.cleaned_data["sheet_name"],
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("members:import-mapping", job_id=job.pk)
    max_mb = reading.max_bytes() // (1024 * 1024)
    return render(request, "members/imports/upload.html", {"form": form, "max_mb": max_mb})


@lists_staff_only
def import_mapping(request, job_id: int):
    job = _job_or_404(request, job_id)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED):
        return redirect("members:import-detail", job_id=job.pk)
    try:
        samples = jobs.import_samples(job)
    except (ImportFileError, UnicodeDecodeError):
        samples = []
    form = MappingForm(request.POST or None, job=job, user=request.user, samples=samples)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        jobs.import_job_configure(
            actor=request.user, job=job, mapping=form.mapping, employer=data["employer"],
            match_order=data["match_order"], update_policy=data["update_policy"], sync=data["sync"],
            sync_worksite=data["sync_worksite"], create_structure=data["create_structure"],
            date_order=data["date_order"], preset_name=data["preset_name"].strip(),
        )
        return redirect("members:import-detail", job_id=job.pk)
    return render(request, "members/imports/mapping.html", {"job": job, "form": form})


@lists_staff_only
@vary_on_headers("HX-Request")
def import_detail(request, job_id: int):
    job = _job_or_404(request, job_id)
    rejected = Paginator(import_rejected_rows(job), REJECTED_PAGE).get_page(request.GET.get("page"))
    context = {"job": job, "rejected": rejected, "now": timezone.now()}
    if request.htmx:
        return render(request, "members/imports/_status.html", context)
    return render(request, "members/imports/detail.html", context)


@lists_staff_only
@require_POST
def import_confirm(request, job_id: int):
    job = _job_or_404(request, job_id)
    try:
        jobs.import_job_confirm(actor=request.user, job=job)
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("members:import-detail", job_id=job.pk)


@lists_staff_only
@require_POST
def import_recheck(request, job_id: int):
    """Check the file again, creating unknown worksites, departments and shifts this time."""
    job = _job_or_404(request, job_id)
    try:
        jobs.import_job_configure(
            actor=request.user, job=job, mapping=job.mapping, employer=job.employer,
            match_order=job.match_order, update_policy=job.update_policy, sync=job.sync,
            sync_worksite=job.sync_worksite, create_structure=True, date_order=job.date_order,
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("members:import-detail", job_id=job.pk)


@lists_staff_only
@require_POST
def import_cancel(request, job_id: int):
    job = _job_or_404(request, job_id)
    try:
        jobs.import_job_cancel(actor=request.user, job=job)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The import was cancelled; nothing was written."))
    return redirect("members:import-detail", job_id=job.pk)


@lists_staff_only
def import_rejected_download(request, job_id: int):
    job = _job_or_404(request, job_id)
    response = StreamingHttpResponse(jobs.import_rejected_csv(job), content_type="text/csv; charset=utf-8")
    stem = job.file_name.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = f'attachment; filename="{_safe_name(stem)}-rejected.csv"'
    return response


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:80] or "import"


@lists_staff_only
def member_export(request, file_format: str):
    """The directory's filtered list as CSV or XLSX; audited with the filter and row count."""
    members = member_directory(user=request.user, params=request.GET)
    filters = {k: v for k, v in request.GET.lists() if k not in ("after", "csrfmiddlewaretoken")}
    stamp = timezone.localdate().isoformat()
    if file_format == "xlsx":
        handle, count = export_xlsx(members)
        export_audit(actor=request.user, file_format="xlsx", filters=filters, count=count)
        return FileResponse(
            handle, as_attachment=True, filename=f"members-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    # Audited before streaming, so an export cut short is still on record.
    export_audit(actor=request.user, file_format="csv", filters=filters, count=members.count())
    response = StreamingHttpResponse(export_csv(members), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    return response
