"""Writes for building call lists: settings, refresh, status, mobilizers, turfs, survey questions."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member
from organizing.audit import audit_record

from ...models import (
    CallList,
    CallListEntry,
    Campaign,
    SurveyQuestion,
    Turf,
)
from ..selectors import FILTER_KEYS, call_list_refresh_plan

State = CallListEntry.State


def _clean_filters(filters: dict) -> dict:
    return {k: v for k, v in (filters or {}).items() if k in FILTER_KEYS and v not in (None, "", [])}


@transaction.atomic
def call_list_create(
    *, actor, campaign: Campaign, name: str, filters: dict | None = None, script_en: str = "",
    script_fr: str = "", match_language: bool = False, claim_minutes: int = 15,
    cooldown_hours: int = 24, max_attempts: int = 3,
) -> CallList:
    """Create a call list from a saved filter and fill its queue."""
    call_list = CallList(
        campaign=campaign, name=name, filters=_clean_filters(filters or {}), script_en=script_en,
        script_fr=script_fr, match_language=match_language, claim_minutes=claim_minutes,
        cooldown_hours=cooldown_hours, max_attempts=max_attempts, created_by=actor,
    )
    call_list.full_clean(exclude=["created_by"])
    call_list.save()
    audit_record(
        actor=actor, verb="call_list.create", obj=call_list,
        changes={"campaign": campaign.pk, "name": name, "filters": call_list.filters},
    )
    call_list_refresh(actor=actor, call_list=call_list)
    return call_list


@transaction.atomic
def call_list_update(*, actor, call_list: CallList, data: dict) -> CallList:
    """Change a list's settings, scripts or filter (refresh it to apply a new filter)."""
    if "filters" in data:
        data = {**data, "filters": _clean_filters(data["filters"])}
    changes = {}
    for name, after in data.items():
        before = getattr(call_list, name)
        if before != after:
            changes[name] = (before, after)
            setattr(call_list, name, after)
    if changes:
        call_list.full_clean(exclude=["created_by"])
        call_list.save(update_fields=list(changes))
        audit_record(actor=actor, verb="call_list.update", obj=call_list, changes=changes)
    return call_list


@dataclass
class RefreshResult:
    added: list[Member] = field(default_factory=list)
    removed: list[Member] = field(default_factory=list)


@transaction.atomic
def call_list_refresh(*, actor, call_list: CallList) -> RefreshResult:
    """Re-evaluate the list's filter: queue new matches, drop queued members who no longer match.

    Members already called (done) stay as they are; a member being called keeps their claim.
    """
    plan = call_list_refresh_plan(call_list=call_list, user=actor)
    CallListEntry.objects.bulk_create(
        [CallListEntry(call_list=call_list, member_id=pk) for pk in plan.add_ids], batch_size=1000
    )
    if plan.back_ids:
        CallListEntry.objects.filter(call_list=call_list, member_id__in=plan.back_ids).update(
            state=State.QUEUED, next_call_at=None
        )
    if plan.drop_ids:
        CallListEntry.objects.filter(call_list=call_list, member_id__in=plan.drop_ids).update(
            state=State.REMOVED
        )
    call_list.refreshed_at = timezone.now()
    call_list.save(update_fields=["refreshed_at"])
    audit_record(
        actor=actor, verb="call_list.refresh", obj=call_list,
        changes={"added": len(plan.added_ids), "removed": len(plan.drop_ids)},
    )
    return RefreshResult(
        added=list(Member.objects.filter(pk__in=plan.added_ids)),
        removed=list(Member.objects.filter(pk__in=plan.drop_ids)),
    )


STATUS_VERBS = {
    CallList.Status.OPEN: "call_list.reopen",
    CallList.Status.PAUSED: "call_list.pause",
    CallList.Status.CLOSED: "call_list.close",
}


@transaction.atomic
def call_list_status_set(*, actor, call_list: CallList, status: str) -> int:
    """Open, pause or close a list; closing gives every claim on it back to the queue.

    Returns how many claims were released. A paused list keeps its claims so callers can
    finish the call they are on; a closed one leaves the mobilizers' desks at once.
    """
    if status not in STATUS_VERBS:
        raise ValidationError({"status": _("Choose open, paused or closed.")})
    # Lock the list row: two organizers closing and reopening at once apply one after the other.
    locked = CallList.objects.select_for_update().get(pk=call_list.pk)
    before = locked.status
    if before == status:
        call_list.status = status
        return 0
    released: list[int] = []
    if status == CallList.Status.CLOSED:
        # Claims being taken now hold the list's row, so the lock above waited for them and
        # they are seen here. A claim whose call is being saved right now is skipped rather than
        # waited for: that save moves it on, and its next claim will find the list closed
        # (waiting could deadlock with it). SQLite, without row locks, ignores the lock clause.
        claims = list(
            CallListEntry.objects.filter(call_list=call_list, state=State.CLAIMED)
            .select_for_update(skip_locked=True).values_list("pk", "member_id")
        )
        released = [member_id for _pk, member_id in claims]
        CallListEntry.objects.filter(pk__in=[pk for pk, _member in claims]).update(
            state=State.QUEUED, claimed_by=None, claimed_at=None, claim_expires_at=None
        )
    locked.status = status
    locked.save(update_fields=["status"])
    call_list.status = status
    audit_record(
        actor=actor, verb=STATUS_VERBS[status], obj=call_list,
        changes={"status": (before, status), "claims_released": released},
    )
    return len(released)


@transaction.atomic
def call_list_assign(*, actor, call_list: CallList, mobilizers: Iterable) -> None:
    """Set who works the list; they join the campaign's team so they can open it."""
    mobilizers = list(mobilizers)
    before = sorted(call_list.mobilizers.values_list("pk", flat=True))
    after = sorted(u.pk for u in mobilizers)
    if before == after:
        return
    call_list.mobilizers.set(mobilizers)
    call_list.campaign.team.add(*mobilizers)
    audit_record(actor=actor, verb="call_list.assign", obj=call_list, changes={"mobilizers": (before, after)})


@transaction.atomic
def call_list_split_turfs(*, actor, call_list: CallList, by: str, parts: int = 2) -> list[Turf]:
    """Split the list into turfs by worksite, by department, or into `parts` even shares."""
    if by not in ("worksite", "department", "even"):
        raise ValidationError({"by": _("Split by worksite, department or evenly.")})
    CallListEntry.objects.filter(call_list=call_list).update(turf=None)
    call_list.turfs.all().delete()
    entries = CallListEntry.objects.filter(call_list=call_list).exclude(state=State.REMOVED)
    turfs = []
    if by == "even":
        parts = max(1, min(int(parts), 50))
        ids = list(entries.order_by("member__last_name", "member__first_name", "id").values_list("id", flat=True))
        size = -(-len(ids) // parts) if ids else 0
        for n in range(parts):
            turf = Turf.objects.create(call_list=call_list, name=_("Turf %(n)s") % {"n": n + 1})
            CallListEntry.objects.filter(pk__in=ids[n * size:(n + 1) * size]).update(turf=turf)
            turfs.append(turf)
    else:
        key = f"member__{by}"
        rows = entries.values(f"{key}_id", f"{key}__name").annotate(n=Count("id")).order_by(f"{key}__name")
        for row in rows:
            ident = row[f"{key}_id"]
            turf = Turf.objects.create(
                call_list=call_list, name=row[f"{key}__name"] or _("Unknown"),
                **({by + "_id": ident} if ident else {}),
            )
            entries.filter(**{f"{key}_id": ident} if ident else {f"{key}__isnull": True}).update(turf=turf)
            turfs.append(turf)
    audit_record(actor=actor, verb="call_list.turfs", obj=call_list, changes={"by": by, "turfs": len(turfs)})
    return turfs


@transaction.atomic
def turf_assign(*, actor, turf: Turf, mobilizers: Iterable) -> None:
    """Give a turf to some mobilizers (they are assigned to the list too)."""
    mobilizers = list(mobilizers)
    turf.mobilizers.set(mobilizers)
    turf.call_list.mobilizers.add(*mobilizers)
    turf.call_list.campaign.team.add(*mobilizers)
    audit_record(
        actor=actor, verb="turf.assign", obj=turf.call_list,
        changes={"turf": turf.pk, "mobilizers": sorted(u.pk for u in mobilizers)},
    )


QUESTION_FIELDS = ("kind", "label_en", "label_fr", "choices_en", "choices_fr", "maps_to")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _question_clean(question: SurveyQuestion) -> None:
    """The rules a question must meet beyond its fields: choices, and what an answer may update."""
    Kind, MapsTo = SurveyQuestion.Kind, SurveyQuestion.MapsTo
    if question.kind != Kind.CHOICE:
        question.choices_en = question.choices_fr = ""
    question.full_clean(exclude=["call_list"])
    errors = {}
    english, french = _lines(question.choices_en), _lines(question.choices_fr)
    if question.kind == Kind.CHOICE and not english:
        errors["choices_en"] = _("Give at least one choice.")
    elif len(set(english)) != len(english):
        errors["choices_en"] = _("Give each choice once.")
    if french and len(french) != len(english):
        errors["choices_fr"] = _("Give one French choice for each English choice, in the same order.")
    if question.maps_to == MapsTo.PORTAL_SIGNUP and question.kind != Kind.YES_NO:
        errors["maps_to"] = _("Only a yes-or-no question can record a member portal sign-up.")
    if question.maps_to == MapsTo.EMAIL and question.kind != Kind.TEXT:
        errors["maps_to"] = _("Only a free-text question can record an email address.")
    if errors:
        raise ValidationError(errors)


def _next_position(call_list: CallList) -> int:
    last = SurveyQuestion.all_objects.filter(call_list=call_list).aggregate(m=Max("position"))["m"]
    return 0 if last is None else last + 1


@transaction.atomic
def survey_question_add(
    *, actor, call_list: CallList, kind: str, label_en: str, label_fr: str = "",
    choices_en: str = "", choices_fr: str = "", maps_to: str = "",
) -> SurveyQuestion:
    """Add a custom question to the end of the list's survey."""
    CallList.objects.select_for_update().filter(pk=call_list.pk).exists()  # one position each
    question = SurveyQuestion(
        call_list=call_list, kind=kind, label_en=label_en, label_fr=label_fr, choices_en=choices_en,
        choices_fr=choices_fr, maps_to=maps_to, position=_next_position(call_list),
    )
    _question_clean(question)
    question.save()
    audit_record(
        actor=actor, verb="survey_question.add", obj=call_list,
        changes={"question": question.pk, "label": label_en},
    )
    return question


@transaction.atomic
def survey_question_update(*, actor, question: SurveyQuestion, data: dict) -> SurveyQuestion:
    """Change a question's wording, kind, choices or what it updates.

    Answers already given must keep their meaning: once a question has answers its kind
    is fixed and every choice someone chose stays (new choices may be added).
    """
    question = SurveyQuestion.all_objects.select_for_update().get(pk=question.pk)
    before = {name: getattr(question, name) for name in QUESTION_FIELDS}
    for name, value in data.items():
        if name in QUESTION_FIELDS:
            setattr(question, name, value)
    _question_clean(question)
    answered = set(question.answers.values_list("value", flat=True).distinct())
    if answered:
        if question.kind != before["kind"]:
            raise ValidationError({"kind": _(
                "This question has answers, so its kind cannot change. Retire it and add a new question."
            )})
        missing = answered - set(_lines(question.choices_en)) if question.kind == SurveyQuestion.Kind.CHOICE else set()
        if missing:
            raise ValidationError({"choices_en": _(
                "Keep the choices that were already answered: %(choices)s."
            ) % {"choices": ", ".join(sorted(missing))}})
    changes = {
        name: (before[name], getattr(question, name))
        for name in QUESTION_FIELDS if before[name] != getattr(question, name)
    }
    if changes:
        question.save(update_fields=list(changes))
        audit_record(
            actor=actor, verb="survey_question.update", obj=question.call_list,
            changes={"question": question.pk, **changes},
        )
    return question


@transaction.atomic
def survey_question_move(*, actor, question: SurveyQuestion, step: int) -> None:
    """Move a question one place up (step -1) or down (+1) among the questions still asked."""
    if step not in (-1, 1):
        raise ValidationError(_("Move a question one place up or down."))
    # Lock the list: two reorders of one survey apply one after the other.
    CallList.objects.select_for_update().filter(pk=question.call_list_id).exists()
    ordered = list(SurveyQuestion.objects.filter(call_list_id=question.call_list_id).order_by("position", "id"))
    index = next((i for i, q in enumerate(ordered) if q.pk == question.pk), None)
    if index is None:
        raise ValidationError(_("A retired question has no place in the survey."))
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    moved = []
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            moved.append(item)
    SurveyQuestion.objects.bulk_update(moved, ["position"])
    audit_record(
        actor=actor, verb="survey_question.move", obj=question.call_list,
        changes={"question": question.pk, "order": [q.pk for q in ordered]},
    )


@transaction.atomic
def survey_question_remove(*, actor, question: SurveyQuestion) -> str:
    """Take a question off the survey: retire it if it has answers, delete it if not.

    Returns "retired" or "deleted".
    """
    question = SurveyQuestion.all_objects.select_for_update().select_related("call_list").get(pk=question.pk)
    call_list = question.call_list
    if question.answers.exists():
        if question.retired_at is None:
            question.retired_at = timezone.now()
            question.save(update_fields=["retired_at"])
            audit_record(
                actor=actor, verb="survey_question.retire", obj=call_list,
                changes={"question": question.pk, "label": question.label_en},
            )
        return "retired"
    pk, label = question.pk, question.label_en
    question.delete()
    audit_record(
        actor=actor, verb="survey_question.delete", obj=call_list, changes={"question": pk, "label": label}
    )
    return "deleted"


@transaction.atomic
def survey_question_restore(*, actor, question: SurveyQuestion) -> SurveyQuestion:
    """Ask a retired question again, at the end of the survey."""
    CallList.objects.select_for_update().filter(pk=question.call_list_id).exists()
    question = SurveyQuestion.all_objects.select_for_update().get(pk=question.pk)
    if question.retired_at is None:
        return question
    question.retired_at = None
    question.position = _next_position(question.call_list)
    question.save(update_fields=["retired_at", "position"])
    audit_record(
        actor=actor, verb="survey_question.restore", obj=question.call_list,
        changes={"question": question.pk, "label": question.label_en},
    )
    return question
