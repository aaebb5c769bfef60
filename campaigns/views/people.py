"""Members and worksites: the directory, the member profile and its forms, the worksite pages.

Every member URL fetches the member through a scoped selector first, so a member outside the
user's scope is a 404 before any form is bound and nothing is written.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from members.directory import directory_page, directory_rows, member_directory
from members.forms import DirectoryFilterForm, MemberEditForm
from members.models import Member, Worksite
from members.selectors import member_get_profile, member_get_visible, worksite_ids_visible_to
from members.services import member_edit as member_edit_service
from organizing.models import Role

from ..forms import AssessmentForm, ConversationForm
from ..models import Campaign
from ..selectors import (
    TIMELINE_MAX_PAGE,
    assessment_levels,
    campaigns_covering_worksite,
    campaigns_visible_to,
    member_current_assessments,
    member_directory_levels,
    member_timeline,
    worksite_grid,
    worksites_with_counts,
)
from ..services import assessment_record, conversation_log


def _member_or_404(user, member_id: int) -> Member:
    try:
        return member_get_visible(user=user, member_id=member_id)
    except Member.DoesNotExist:
        raise Http404 from None


def _level_labels(levels) -> dict[int, str]:
    return {0: _("Not assessed"), **{level.value: level.label for level in levels}}


@login_required
@vary_on_headers("HX-Request")
def directory(request):
    campaigns = list(campaigns_visible_to(request.user).only("pk", "name").order_by("name"))
    levels = assessment_levels()
    form = DirectoryFilterForm(
        request.GET or None, user=request.user, campaigns=campaigns,
        levels=[(level.value, level.label) for level in levels],
    )
    filters = form.filters
    _reload_structure_on_worksite_change(form)
    sort = filters.get("sort") or "name"
    members = directory_rows(member_directory(user=request.user, params=filters))
    members = member_directory_levels(members, campaign_id=filters.get("campaign"))
    rows, cursor = directory_page(
        members, sort=sort, after=filters.get("after") or "", size=settings.DIRECTORY_PAGE_SIZE
    )
    labels = _level_labels(levels)
    for member in rows:
        member.level = getattr(member, "current_level", None) or 0
        member.level_label = labels.get(member.level, "")
        # reverse() here costs half of a {% url %} tag per row in the template.
        member.url = reverse("campaigns:member", args=[member.pk])
    next_url = ""
    if cursor:
        query = request.GET.copy()
        query["after"] = cursor
        next_url = f"?{query.urlencode()}"
    first_url = ""
    if filters.get("after"):
        query = request.GET.copy()
        query.pop("after", None)
        first_url = f"?{query.urlencode()}"
    context = {
        "form": form, "members": rows, "next_url": next_url, "first_url": first_url,
        "campaign_id": filters.get("campaign"),
        "searching": any(v for k, v in filters.items() if k not in ("sort", "after")),
        "filters_open": bool(form.errors)
        or any(v for k, v in filters.items() if k not in ("q", "sort", "after")),
    }
    # Only the rows for htmx's own refresh; a history restore (back button after a cache miss)
    # and a boosted link need the whole page.
    export_query = request.GET.copy()
    export_query.pop("after", None)
    context["export_query"] = export_query.urlencode()
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return render(request, "campaigns/_directory_rows.html", {**context, "oob": True})
    return render(request, "campaigns/directory.html", context)


def _reload_structure_on_worksite_change(form) -> None:
    """With htmx, choosing a worksite fetches its departments and shifts (directory_structure)
    instead of refreshing the results at once ("consume": the form does not see that change);
    the results follow when the new selects are in (the structure-loaded event)."""
    form.fields["worksite"].widget.attrs.update({
        "hx-get": reverse("campaigns:directory-structure"),
        "hx-trigger": "change consume",
        "hx-target": "#structure-fields",
        "hx-swap": "outerHTML",
        # Not an address of its own: the results that follow push the directory's.
        "hx-push-url": "false",
    })


@login_required
def directory_structure(request):
    """The department and shift selects of one visible worksite (the directory's filter bar asks
    for them when its worksite changes). A worksite out of scope is a 404; none gives the empty,
    disabled selects."""
    worksite = request.GET.get("worksite", "")
    if worksite and not (worksite.isdigit() and int(worksite) in worksite_ids_visible_to(request.user)):
        raise Http404
    form = DirectoryFilterForm({"worksite": worksite}, user=request.user)
    form.is_valid()  # validating points the selects at the worksite
    response = render(request, "campaigns/_directory_structure.html", {"form": form})
    # Tell the filter form to refresh the results once the new selects are in place.
    response["HX-Trigger-After-Settle"] = "structure-loaded"
    return response


@login_required
def member_detail(request, member_id: int):
    try:
        member = member_get_profile(user=request.user, member_id=member_id)
    except Member.DoesNotExist:
        raise Http404 from None
    page = request.GET.get("timeline", "")
    page = min(int(page), TIMELINE_MAX_PAGE) if page.isdigit() and 0 < len(page) < 5 else 1
    page = max(page, 1)
    timeline, has_older = member_timeline(user=request.user, member=member, page=page)
    labels = _level_labels(assessment_levels())
    for item in timeline:
        if item["kind"] == "assessment":
            item["label"] = labels.get(item["obj"].level, "")
        elif item["kind"] == "change":
            item["changes"] = _readable_changes(item["obj"].changes)
    current = member_current_assessments(user=request.user, member=member)
    for assessment in current:
        assessment.label = labels.get(assessment.level, "")
    return render(request, "campaigns/member_detail.html", {
        "member": member,
        "phones": list(member.phones.all()),
        "emails": list(member.emails.all()),
        "tags": list(member.tags.all()),
        "current_assessments": current,
        "timeline": timeline,
        "timeline_page": page,
        "older_url": f"?timeline={page + 1}#timeline" if has_older else "",
        "newer_url": (
            f"?timeline={page - 1}#timeline" if page > 2 else f"{request.path}#timeline"
        ) if page > 1 else "",
        "can_edit": request.user.role in (Role.DIRECTOR, Role.ORGANIZER),
    })


def _readable_changes(changes: dict) -> list[tuple[str, object, object]]:
    """[(field label, before, after)] from an audit row's {field: [before, after]}."""
    readable = []
    for name, value in changes.items():
        try:
            label = Member._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            label = name
        if isinstance(value, (list, tuple)) and len(value) == 2:
            before, after = value
        else:
            before, after = None, value
        readable.append((label, _plain(before), _plain(after)))
    return readable


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form (its field names need not match the form's)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def conversation_new(request, member_id: int):
    member = _member_or_404(request.user, member_id)
    levels = assessment_levels()
    form = ConversationForm(
        request.POST or None, campaigns=campaigns_visible_to(request.user), levels=levels
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conversation_log(
                actor=request.user, member=member, campaign=data["campaign"], channel=data["channel"],
                outcome=data["outcome"], occurred_at=data["occurred_at"], notes=data["notes"],
                issues=data["issues"], call_back_at=data["call_back_at"],
                assessment_level=data["assessment"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Conversation logged."))
            return redirect("campaigns:member", member_id=member.pk)
    return render(request, "campaigns/conversation_form.html", {"member": member, "form": form})


@login_required
def assessment_new(request, member_id: int):
    member = _member_or_404(request.user, member_id)
    levels = assessment_levels()
    form = AssessmentForm(
        request.POST or None, campaigns=campaigns_visible_to(request.user), levels=levels,
        initial={"campaign": request.GET.get("campaign")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment_record(
                actor=request.user, member=member, campaign=data["campaign"], level=data["level"],
                note=data["note"], assessed_at=data["assessed_at"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("campaigns:member", member_id=member.pk)
    return render(request, "campaigns/assessment_form.html", {"member": member, "form": form})


@login_required
def member_edit(request, member_id: int):
    if request.user.role not in (Role.DIRECTOR, Role.ORGANIZER):
        raise Http404
    member = _member_or_404(request.user, member_id)
    form = MemberEditForm(request.POST or None, instance=member, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phone = email = None
        if data["new_phone"]:
            phone = {
                "raw": data["new_phone"], "kind": data["new_phone_kind"] or "mobile",
                "is_primary": data["new_phone_primary"],
            }
        if data["new_email"]:
            email = {
                "address": data["new_email"], "kind": data["new_email_kind"] or "personal",
                "is_primary": data["new_email_primary"],
            }
        try:
            member_edit_service(
                actor=request.user, member=member, data=form.member_data(), tags=data["tags"],
                phone=phone, email=email,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("Member updated."))
            return redirect("campaigns:member", member_id=member.pk)
    return render(request, "campaigns/member_form.html", {"member": member, "form": form})


@login_required
def worksite_list(request):
    return render(request, "campaigns/worksite_list.html", {
        "worksites": worksites_with_counts(user=request.user),
    })


@login_required
def worksite_detail(request, worksite_id: int):
    if worksite_id not in worksite_ids_visible_to(request.user):
        raise Http404
    worksite = Worksite.objects.select_related("employer", "region").get(pk=worksite_id)
    covering = list(campaigns_covering_worksite(user=request.user, worksite=worksite).order_by("name"))
    campaign = covering[0] if covering else None
    chosen = request.GET.get("campaign", "")
    if chosen.isdigit():
        try:
            campaign = campaigns_visible_to(request.user).get(pk=int(chosen))
        except Campaign.DoesNotExist:
            raise Http404 from None
        if campaign not in covering:
            covering.append(campaign)
    levels = assessment_levels()
    return render(request, "campaigns/worksite_detail.html", {
        "worksite": worksite,
        "campaigns": covering,
        "campaign": campaign,
        "grid": worksite_grid(user=request.user, worksite=worksite, campaign=campaign),
        "levels": levels,
        "level_labels": _level_labels(levels),
    })
