"""The call desk: the mobilizer's call screen, follow-ups, oversight and the list builder."""

from datetime import datetime
from functools import wraps

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
from django_htmx.http import HttpResponseClientRedirect, push_url, replace_url

from members.models import Phone
from organizing.models import User

from ..calls import selectors as sel
from ..calls import services
from ..calls.forms import (
    AssignForm,
    CallForm,
    CallListForm,
    QuestionForm,
    QuestionMoveForm,
    StatusForm,
    TurfForm,
    call_form_display,
)
from ..models import CallList, CallListEntry, FollowUp, Outcome, SurveyQuestion, Turf

SESSION_KEY = "call_session_started"


class ListClosed(Http404):
    """A mobilizer reached a list of theirs that its organizer has closed (a 404 unless a view says more)."""


def _visible_list(user, call_list_id: int) -> CallList:
    try:
        return sel.call_list_get_visible(user=user, call_list_id=call_list_id)
    except CallList.DoesNotExist:
        if sel.call_list_closed_for(user=user, call_list_id=call_list_id):
            raise ListClosed from None
        raise Http404 from None


def _closed_list_to_index(view):
    """A mobilizer on a list closed under them is told so and sent to their lists (nothing is saved)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ListClosed:
            if request.method == "POST" and "outcome" in request.POST:
                messages.error(request, _("This list was closed by its organizer: the call was not saved."))
            else:
                messages.info(request, _("This list was closed by its organizer."))
            url = reverse("calls:index")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)

    return wrapper


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


@_closed_list_to_index
@login_required
def desk(request, call_list_id: int):
    call_list = _visible_list(request.user, call_list_id)
    current = sel.call_entry_current_claim(user=request.user, call_list=call_list)
    if current is not None:
        return redirect("calls:call", call_list_id=call_list.pk, entry_id=current.pk)
    return render(request, "calls/desk.html", {"call_list": call_list, "counts": _counts(request)})


def _to_desk(request, call_list_id: int):
    """Back to the desk; an htmx request is sent there as a whole page."""
    url = reverse("calls:desk", args=[call_list_id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _nobody_due(request, call_list: CallList):
    messages.info(request, _("Nobody on this list is due for a call right now."))
    return _to_desk(request, call_list.pk)


@_closed_list_to_index
@login_required
@require_POST
def next_member(request, call_list_id: int):
    call_list = _visible_list(request.user, call_list_id)
    if call_list.status != CallList.Status.OPEN:
        messages.info(request, _("This list is not open for calls."))
        return _to_desk(request, call_list.pk)
    entry = services.call_next_claim(actor=request.user, call_list=call_list)
    if entry is None:
        return _nobody_due(request, call_list)
    if request.htmx:
        # The call screen comes back in this response, and the address bar follows it.
        return _screen(request, call_list, entry, history="push")
    return redirect("calls:call", call_list_id=call_list.pk, entry_id=entry.pk)


def _assignee_ids(request, call_list: CallList) -> list[int]:
    """Who a follow-up may be given to: the caller, or the people running the campaign.

    Validating a follow-up given to someone else reads the owners afresh; the caller alone needs
    no query on every call.
    """
    chosen = request.POST.get("follow_up_assignee", "") if request.method == "POST" else ""
    if chosen in ("", str(request.user.pk)):
        return [request.user.pk]
    return [request.user.pk] + list(
        call_list.campaign.owners.exclude(pk=request.user.pk).values_list("pk", flat=True)
    )


def _claimed_entry(request, call_list_id: int, entry_id: int) -> CallListEntry | None:
    """The user's claimed entry; None for a stale address on their list; 404 off their lists."""
    try:
        return sel.call_entry_get_claimed(user=request.user, call_list_id=call_list_id, entry_id=entry_id)
    except CallListEntry.DoesNotExist:
        call_list = _visible_list(request.user, call_list_id)
        if not call_list.entries.filter(pk=entry_id).exists():
            raise Http404 from None
        return None


@_closed_list_to_index
@login_required
def call(request, call_list_id: int, entry_id: int):
    entry = _claimed_entry(request, call_list_id, entry_id)
    if entry is None:
        # Saved, given back or expired (a reload, the back button, a second tab): the desk opens
        # the live claim if there is one. Nothing is written.
        if request.method == "POST":
            messages.error(request, _("This member is no longer yours to call: your claim expired."))
        return _to_desk(request, call_list_id)
    call_list, member = entry.call_list, entry.member
    questions = sel.call_list_questions(call_list=call_list)
    if request.method != "POST":
        return _screen(request, call_list, entry, questions=questions)
    form = CallForm(request.POST, questions=questions, assignees=_assignee_ids(request, call_list))
    phone = _wrong_phone(form, member)
    if form.is_valid():
        data = form.cleaned_data
        open_list = call_list.status == CallList.Status.OPEN
        try:
            _call, next_entry = services.call_submit_and_claim_next(
                actor=request.user, entry=entry, call_list=call_list, claim_next=open_list,
                outcome=data["outcome"], phone=phone,
                assessment_level=data.get("assessment"), answers=form.answers(), notes=data["notes"],
                issues=data["issues"].split(","), call_back_at=data.get("call_back_at"),
                follow_up_due=data.get("follow_up_due"), follow_up_note=data["follow_up_note"],
                follow_up_assignee=_follow_up_assignee(data.get("follow_up_assignee"), request.user),
                organizer_action_needed=data["organizer_action_needed"], questions=questions,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.error(request, " ".join(exc.messages))
                return _to_desk(request, call_list.pk)
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("Saved: %(name)s.") % {"name": member.display_name})
            if not open_list:
                return _to_desk(request, call_list.pk)
            if next_entry is None:
                return _nobody_due(request, call_list)
            if request.htmx:
                # One request per call: the next member's screen comes back with this answer.
                return _screen(request, call_list, next_entry, questions=questions, history="replace")
            return redirect("calls:call", call_list_id=call_list.pk, entry_id=next_entry.pk)
    return _screen(request, call_list, entry, questions=questions, form=form)


def _wrong_phone(form: CallForm, member) -> Phone | None:
    """The number a wrong-number call names; only that outcome needs to read the member's numbers."""
    if not form.is_valid() or form.cleaned_data["outcome"] != Outcome.WRONG_NUMBER:
        return None
    chosen = form.cleaned_data.get("phone")
    if chosen is None:
        return None  # the service takes their only number, or asks which one
    phone = next((p for p in sel.member_phones_callable(member=member) if p.pk == chosen), None)
    if phone is None:
        form.add_error("phone", _("Choose one of this member's numbers."))
    return phone


def _follow_up_assignee(pk: int | None, user):
    """The caller, or one of the campaign's owners (already checked by the form)."""
    if pk is None or pk == user.pk:
        return user
    return User.objects.get(pk=pk)


def _screen(
    request, call_list: CallList, entry: CallListEntry, *, questions: list | None = None,
    form: CallForm | None = None, history: str | None = None,
):
    """The call screen: the whole page, or for htmx only the call desk's part of it.

    `history` says how the address bar follows an htmx answer: "push" when the screen replaces
    the desk, "replace" when it replaces the previous member's screen (so Back leaves the desk
    instead of stepping through members already called).
    """
    if questions is None:
        questions = sel.call_list_questions(call_list=call_list)
    member = sel.call_member_for_screen(entry=entry)
    url = reverse("calls:call", args=[call_list.pk, entry.pk])
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "call_list": call_list, "entry": entry, "member": member, "url": url, "fragment": fragment,
        "counts": _counts(request),
        **sel.member_call_context(user=request.user, member=member, call_list=call_list),
        **call_form_display(
            form, questions=questions, user=request.user, campaign_id=call_list.campaign_id,
        ),
    }
    status = 400 if form is not None and form.errors else 200
    template = "calls/_call_screen.html" if fragment else "calls/call.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    if fragment and history == "push":
        push_url(response, url)
    elif fragment and history == "replace":
        replace_url(response, url)
    return response


@login_required
@require_POST
def release(request, call_list_id: int, entry_id: int):
    try:
        entry = sel.call_entry_get_claimed(user=request.user, call_list_id=call_list_id, entry_id=entry_id)
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
    context = {
        "call_list": call_list, "stats": sel.call_list_stats(call_list=call_list),
        "survey": sel.survey_questions_managed(call_list=call_list),
    }
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
