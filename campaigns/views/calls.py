"""The call desk: the mobilizer's call screen, follow-ups, oversight and the list builder."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from ..calls import selectors as sel
from ..calls import services
from ..calls.forms import (
    OUTCOME_KEYS,
    AssignForm,
    CallForm,
    CallListForm,
    QuestionForm,
    QuestionMoveForm,
    StatusForm,
    TurfForm,
)
from ..models import CallList, CallListEntry, FollowUp, Outcome, SurveyQuestion, Turf

SESSION_KEY = "call_session_started"


def _visible_list(user, call_list_id: int) -> CallList:
    try:
        return sel.call_list_get_visible(user=user, call_list_id=call_list_id)
    except CallList.DoesNotExist:
        raise Http404 from None


def _managed_list(user, call_list_id: int) -> CallList:
    try:
        return sel.call_list_get_managed(user=user, call_list_id=call_list_id)
    except CallList.DoesNotExist:
        raise Http404 from None


def _session_started(request) -> datetime:
    started = request.session.get(SESSION_KEY)
    if started:
        return datetime.fromisoformat(started)
    now = timezone.now()
    request.session[SESSION_KEY] = now.isoformat()
    return now


def _counts(request) -> dict:
    return sel.mobilizer_counts(user=request.user, session_started=_session_started(request))


@login_required
def index(request):
    lists = (
        sel.call_lists_visible_to(request.user)
        .select_related("campaign")
        .annotate(remaining=Count("entries", filter=Q(entries__state__in=sel.OPEN_STATES)))
    )
    return render(request, "calls/index.html", {
        "call_lists": lists,
        "can_manage": not request.user.is_mobilizer,
        "counts": _counts(request),
    })


@login_required
def desk(request, call_list_id: int):
    call_list = _visible_list(request.user, call_list_id)
    current = sel.call_entry_current_claim(user=request.user, call_list=call_list)
    if current is not None:
        return redirect("calls:call", call_list_id=call_list.pk, entry_id=current.pk)
    return render(request, "calls/desk.html", {"call_list": call_list, "counts": _counts(request)})


def _claim_and_go(request, call_list: CallList):
    return _go_to(request, call_list, services.call_next_claim(actor=request.user, call_list=call_list))


def _go_to(request, call_list: CallList, entry: CallListEntry | None):
    if entry is None:
        messages.info(request, _("Nobody on this list is due for a call right now."))
        return redirect("calls:desk", call_list_id=call_list.pk)
    return redirect("calls:call", call_list_id=call_list.pk, entry_id=entry.pk)


@login_required
@require_POST
def next_member(request, call_list_id: int):
    call_list = _visible_list(request.user, call_list_id)
    if call_list.status != CallList.Status.OPEN:
        messages.info(request, _("This list is not open for calls."))
        return redirect("calls:desk", call_list_id=call_list.pk)
    return _claim_and_go(request, call_list)


def _assignees(user, call_list: CallList) -> list:
    """Who a follow-up can be given to: the caller, or the people running the campaign."""
    return [user] + [u for u in call_list.campaign.owners.all() if u.pk != user.pk]


def _assignees_for_submit(request, call_list: CallList) -> list | None:
    """None when the full list is not needed to validate the submit (no query on every call)."""
    if request.method == "POST" and request.POST.get("follow_up_assignee", "") not in ("", str(request.user.pk)):
        return _assignees(request.user, call_list)
    return None


@login_required
def call(request, call_list_id: int, entry_id: int):
    call_list = _visible_list(request.user, call_list_id)
    try:
        entry = sel.call_entry_get_claimed(user=request.user, call_list=call_list, entry_id=entry_id)
    except CallListEntry.DoesNotExist:
        raise Http404 from None
    member = entry.member
    inputs = sel.call_form_inputs(member=member, call_list=call_list)
    assignees = _assignees_for_submit(request, call_list)
    form = CallForm(
        request.POST or None, phones=inputs["phones"], questions=inputs["questions"],
        assignees=assignees or [request.user],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phone = next((p for p in inputs["phones"] if p.pk == data.get("phone")), None)
        assignee = next((u for u in assignees or () if u.pk == data.get("follow_up_assignee")), None)
        try:
            _call, next_entry = services.call_submit_and_claim_next(
                actor=request.user, entry=entry, call_list=call_list,
                claim_next=call_list.status == CallList.Status.OPEN, outcome=data["outcome"], phone=phone,
                assessment_level=data.get("assessment"), answers=form.answers(), notes=data["notes"],
                issues=data["issues"].split(","), call_back_at=data.get("call_back_at"),
                follow_up_due=data.get("follow_up_due"), follow_up_note=data["follow_up_note"],
                follow_up_assignee=assignee, organizer_action_needed=data["organizer_action_needed"],
                questions=inputs["questions"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect("calls:desk", call_list_id=call_list.pk)
        else:
            messages.success(request, _("Saved: %(name)s.") % {"name": member.display_name})
            if call_list.status != CallList.Status.OPEN:
                return redirect("calls:desk", call_list_id=call_list.pk)
            return _go_to(request, call_list, next_entry)
    if assignees is None:
        # Shown (again): offer everyone a follow-up can go to.
        form.fields["follow_up_assignee"].choices = [(request.user.pk, str(request.user))] + [
            (pk, name) for pk, name in sel.campaign_owners_memoised(call_list.campaign_id)
            if pk != request.user.pk
        ]
    form.label_levels(sel.assessment_levels_memoised())
    chosen_outcome = form["outcome"].value()
    chosen_level = str(form["assessment"].value() or "")
    chosen_phone = form["phone"].value()
    return render(request, "calls/call.html", {
        "call_list": call_list, "entry": entry, "member": member, "form": form,
        "counts": _counts(request), **inputs,
        **sel.member_call_history(member=member, call_list=call_list),
        "chosen_phone": int(chosen_phone) if str(chosen_phone or "").isdigit() else None,
        "outcomes": [
            {"value": value, "label": label, "key": OUTCOME_KEYS[value], "checked": value == chosen_outcome}
            for value, label in Outcome.choices
        ],
        "assessments_choices": [
            {"value": str(value), "label": label, "checked": str(value) == chosen_level}
            for value, label in form.fields["assessment"].choices
        ],
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def release(request, call_list_id: int, entry_id: int):
    call_list = _visible_list(request.user, call_list_id)
    try:
        entry = sel.call_entry_get_claimed(user=request.user, call_list=call_list, entry_id=entry_id)
    except CallListEntry.DoesNotExist:
        raise Http404 from None
    services.call_release(actor=request.user, entry=entry)
    return redirect("calls:index")


@login_required
def follow_ups(request):
    return render(request, "calls/follow_ups.html", sel.follow_ups_for(request.user))


@login_required
@require_POST
def follow_up_close(request, follow_up_id: int):
    try:
        follow_up = sel.follow_up_get_closable(user=request.user, follow_up_id=follow_up_id)
    except FollowUp.DoesNotExist:
        raise Http404 from None
    try:
        services.follow_up_close(actor=request.user, follow_up=follow_up, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Follow-up closed."))
    return redirect("calls:follow-ups")


@login_required
def oversight(request, call_list_id: int):
    call_list = _managed_list(request.user, call_list_id)
    context = {"call_list": call_list, "stats": sel.call_list_stats(call_list=call_list)}
    if request.htmx:
        response = render(request, "calls/_oversight.html", context)
    else:
        response = render(request, "calls/oversight.html", context)
    response["Vary"] = "HX-Request"
    return response


@login_required
def list_new(request):
    if request.user.is_mobilizer:
        raise Http404
    form = CallListForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        call_list = services.call_list_create(
            actor=request.user, campaign=form.cleaned_data["campaign"], filters=form.filters(),
            **form.settings_data(),
        )
        messages.success(
            request, _("List created with %(n)s members.") % {"n": call_list.entries.count()}
        )
        return redirect("calls:manage", call_list_id=call_list.pk)
    return render(request, "calls/list_form.html", {"form": form})


@login_required
def manage(request, call_list_id: int):
    call_list = _managed_list(request.user, call_list_id)
    form = CallListForm(request.POST or None, instance=call_list, user=request.user)
    if request.method == "POST" and form.is_valid():
        # Read the changes before the model form has touched the instance.
        call_list.refresh_from_db()
        filters_before = call_list.filters
        services.call_list_update(
            actor=request.user, call_list=call_list, data={**form.settings_data(), "filters": form.filters()}
        )
        url = reverse("calls:manage", args=[call_list.pk])
        if call_list.filters != filters_before:
            # Show what a refresh would change, and let the organizer apply it.
            messages.success(request, _("List saved. The filter changed: check who a refresh adds and removes."))
            return redirect(f"{url}?filter_changed=1#refresh-title")
        messages.success(request, _("List saved."))
        return redirect(url)
    preview = None
    if request.method == "GET" and request.GET.get("filter_changed") == "1":
        preview = _refresh_preview(request.user, call_list)
    return render(
        request, "calls/manage.html", _manage_context(request, call_list, form=form, preview=preview),
        status=400 if form.errors else 200,
    )


def _refresh_preview(user, call_list: CallList) -> dict:
    plan = sel.call_list_refresh_plan(call_list=call_list, user=user)
    return {
        "added_count": len(plan.added_ids),
        "removed_count": len(plan.drop_ids),
        "added": sel.members_named(user=user, ids=plan.added_ids),
        "removed": sel.members_named(user=user, ids=plan.drop_ids),
    }


def _manage_context(request, call_list: CallList, **extra) -> dict:
    mobilizers = list(call_list.mobilizers.all())
    return {
        "call_list": call_list,
        "question_form": QuestionForm(),
        "assign_form": AssignForm(campaign=call_list.campaign, initial={"mobilizers": mobilizers}),
        "turf_form": TurfForm(),
        "survey": sel.survey_questions_managed(call_list=call_list),
        "turfs": call_list.turfs.prefetch_related("mobilizers").annotate(n=Count("entries")),
        "mobilizers": mobilizers,
        "claimed": call_list.entries.filter(state=CallListEntry.State.CLAIMED).count(),
        **extra,
    }


@login_required
@require_POST
def refresh(request, call_list_id: int):
    call_list = _managed_list(request.user, call_list_id)
    result = services.call_list_refresh(actor=request.user, call_list=call_list)
    form = CallListForm(instance=call_list, user=request.user)
    return render(request, "calls/manage.html", _manage_context(request, call_list, form=form, refreshed=result))


STATUS_MESSAGES = {
    CallList.Status.OPEN: gettext_lazy("The list is open: mobilizers can call from it."),
    CallList.Status.PAUSED: gettext_lazy("The list is paused: no new calls until it is reopened."),
    CallList.Status.CLOSED: gettext_lazy("The list is closed: it has left the mobilizers' desks."),
}


@login_required
@require_POST
def list_status(request, call_list_id: int):
    call_list = _managed_list(request.user, call_list_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose open, paused or closed."))
        return redirect("calls:manage", call_list_id=call_list.pk)
    status = form.cleaned_data["status"]
    released = services.call_list_status_set(actor=request.user, call_list=call_list, status=status)
    messages.success(request, STATUS_MESSAGES[status])
    if released:
        messages.info(request, ngettext(
            "%(n)s member being called went back to the queue.",
            "%(n)s members being called went back to the queue.", released,
        ) % {"n": released})
    return redirect("calls:manage", call_list_id=call_list.pk)


@login_required
@require_POST
def question_add(request, call_list_id: int):
    call_list = _managed_list(request.user, call_list_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.survey_question_add(actor=request.user, call_list=call_list, **form.service_data())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Question added."))
            return redirect(f"{reverse('calls:manage', args=[call_list.pk])}#questions-title")
    messages.error(request, _("The question could not be added: check its fields."))
    form_page = CallListForm(instance=call_list, user=request.user)
    return render(
        request, "calls/manage.html",
        _manage_context(request, call_list, form=form_page, question_form=form), status=400,
    )


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _managed_question(request, call_list_id: int, question_id: int) -> tuple[CallList, SurveyQuestion]:
    call_list = _managed_list(request.user, call_list_id)
    try:
        return call_list, sel.survey_question_get_managed(call_list=call_list, question_id=question_id)
    except SurveyQuestion.DoesNotExist:
        raise Http404 from None


def _survey_url(call_list: CallList) -> str:
    return f"{reverse('calls:manage', args=[call_list.pk])}#questions-title"


@login_required
def question_edit(request, call_list_id: int, question_id: int):
    call_list, question = _managed_question(request, call_list_id, question_id)
    answered = sel.survey_question_has_answers(question=question)
    form = QuestionForm(request.POST or None, instance=question, answered=answered)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_question_update(actor=request.user, question=question, data=form.service_data())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Question saved."))
            return redirect(_survey_url(call_list))
    return render(
        request, "calls/question_form.html",
        {"call_list": call_list, "question": question, "form": form, "answered": answered},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def question_move(request, call_list_id: int, question_id: int):
    call_list, question = _managed_question(request, call_list_id, question_id)
    form = QuestionMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Move a question up or down."))
        return redirect(_survey_url(call_list))
    try:
        services.survey_question_move(actor=request.user, question=question, step=form.step)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Question moved: %(label)s.") % {"label": question.label})
    return redirect(_survey_url(call_list))


@login_required
@require_POST
def question_remove(request, call_list_id: int, question_id: int):
    call_list, question = _managed_question(request, call_list_id, question_id)
    outcome = services.survey_question_remove(actor=request.user, question=question)
    if outcome == "retired":
        messages.success(request, _(
            "Question retired: it is no longer asked, and its answers are kept."
        ))
    else:
        messages.success(request, _("Question deleted (it had no answers)."))
    return redirect(_survey_url(call_list))


@login_required
@require_POST
def question_restore(request, call_list_id: int, question_id: int):
    call_list, question = _managed_question(request, call_list_id, question_id)
    services.survey_question_restore(actor=request.user, question=question)
    messages.success(request, _("The question is asked again, at the end of the survey."))
    return redirect(_survey_url(call_list))


@login_required
@require_POST
def assign(request, call_list_id: int):
    call_list = _managed_list(request.user, call_list_id)
    form = AssignForm(request.POST, campaign=call_list.campaign)
    if form.is_valid():
        services.call_list_assign(actor=request.user, call_list=call_list, mobilizers=form.cleaned_data["mobilizers"])
        messages.success(request, _("Mobilizers assigned."))
    else:
        messages.error(request, _("Choose mobilizers from the list."))
    return redirect("calls:manage", call_list_id=call_list.pk)


@login_required
@require_POST
def turfs(request, call_list_id: int):
    call_list = _managed_list(request.user, call_list_id)
    form = TurfForm(request.POST)
    if form.is_valid():
        services.call_list_split_turfs(
            actor=request.user, call_list=call_list, by=form.cleaned_data["by"],
            parts=form.cleaned_data.get("parts") or 2,
        )
        messages.success(request, _("Turfs made."))
    else:
        messages.error(request, _("Split by worksite, department or evenly, into 1 to 50 turfs."))
    return redirect("calls:manage", call_list_id=call_list.pk)


@login_required
@require_POST
def turf_assign(request, call_list_id: int, turf_id: int):
    call_list = _managed_list(request.user, call_list_id)
    try:
        turf = call_list.turfs.get(pk=turf_id)
    except Turf.DoesNotExist:
        raise Http404 from None
    form = AssignForm(request.POST, campaign=call_list.campaign)
    if form.is_valid():
        services.turf_assign(actor=request.user, turf=turf, mobilizers=form.cleaned_data["mobilizers"])
        messages.success(request, _("Turf assigned."))
    else:
        messages.error(request, _("Choose mobilizers from the list."))
    return redirect("calls:manage", call_list_id=call_list.pk)
