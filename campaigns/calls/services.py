"""Writes for the call desk: building lists, claiming the next member, saving a call."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member, Phone, Tag
from members.services import email_add, member_update, phone_mark_wrong
from organizing.audit import audit_record
from organizing.models import Role

from ..models import (
    Call,
    CallList,
    CallListEntry,
    Campaign,
    FollowUp,
    Outcome,
    SurveyAnswer,
    SurveyQuestion,
    Turf,
)
from ..services import _conversation_log, _in_transaction
from .selectors import FILTER_KEYS, call_list_refresh_plan

State = CallListEntry.State
# Outcomes that put the member back in the queue after the list's cool-down.
RETRY_OUTCOMES = (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.LEFT_MESSAGE)


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
        claimed = CallListEntry.objects.filter(call_list=call_list, state=State.CLAIMED)
        released = list(claimed.values_list("member_id", flat=True))
        claimed.update(state=State.QUEUED, claimed_by=None, claimed_at=None, claim_expires_at=None)
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


@transaction.atomic
def call_next_claim(*, actor, call_list: CallList) -> CallListEntry | None:
    """Claim the next member to call on the list (or keep your live claim); None when nobody is due."""
    return _call_next_claim(actor=actor, call_list=call_list)


# The claim's one SELECT, written out: the call desk runs it on every call, and composing it
# with the ORM cost more CPU than everything else in the request. It picks the user's own live
# claim, else the first member due again (a call-back time or the end of a cool-down), else the
# first fresh one; COALESCE stops at the first subquery that finds a row, and each is a short
# range scan of its partial queue index (call_entry_queue, call_entry_fresh).
_CLAIMABLE = """
    FROM campaigns_calllistentry c
    JOIN members_member mem ON mem.id = c.member_id
    WHERE c.call_list_id = %(list)s
      AND ((c.state = %(queued)s AND c.attempts < %(max_attempts)s
            AND (c.next_call_at IS NULL OR c.next_call_at <= %(now)s))
           OR (c.state = %(claimed)s AND c.claim_expires_at <= %(now)s))
      AND NOT mem.do_not_phone
      AND EXISTS (SELECT 1 FROM members_phone p WHERE p.member_id = c.member_id AND p.status = %(valid)s)
      {language}
      -- A mobilizer given turfs on this list calls only there; one without turfs, anywhere.
      AND (c.turf_id IN (SELECT tm.turf_id FROM campaigns_turf_mobilizers tm
                         JOIN campaigns_turf t ON t.id = tm.turf_id
                         WHERE t.call_list_id = %(list)s AND tm.user_id = %(user)s)
           OR NOT EXISTS (SELECT 1 FROM campaigns_turf_mobilizers tm
                          JOIN campaigns_turf t ON t.id = tm.turf_id
                          WHERE t.call_list_id = %(list)s AND tm.user_id = %(user)s))"""
_CLAIM_SQL = """
SELECT e.* FROM campaigns_calllistentry e
WHERE e.id = COALESCE(
    (SELECT m.id FROM campaigns_calllistentry m
     WHERE m.call_list_id = %(list)s AND m.state = %(claimed)s AND m.claimed_by_id = %(user)s
       AND m.claim_expires_at > %(now)s
     ORDER BY m.claimed_at, m.id LIMIT 1),
    (SELECT c.id {claimable} AND c.next_call_at <= %(now)s ORDER BY c.next_call_at, c.id LIMIT 1 {lock}),
    (SELECT c.id {claimable} AND c.next_call_at IS NULL ORDER BY c.id LIMIT 1 {lock})
)"""


def _claim_sql(*, exclude_french: bool) -> str:
    # On PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so concurrent
    # claimants each lock a different row instead of waiting or double-claiming. SQLite has no
    # row locks; its IMMEDIATE transactions already serialise writers.
    lock = "FOR UPDATE OF c SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    claimable = _CLAIMABLE.format(language="AND mem.language <> 'fr'" if exclude_french else "")
    return _CLAIM_SQL.format(claimable=claimable, lock=lock)


def _call_next_claim(*, actor, call_list: CallList) -> CallListEntry | None:
    """call_next_claim's body, inside the caller's transaction: one SELECT, one UPDATE, one audit row.

    An expired claim is claimable again.
    """
    _in_transaction()  # outside one, the row lock would end with the SELECT
    now = timezone.now()
    exclude_french = call_list.match_language and not getattr(actor, "speaks_french", False)
    params = {
        "list": call_list.pk, "user": actor.pk, "now": connection.ops.adapt_datetimefield_value(now),
        "max_attempts": call_list.max_attempts, "queued": State.QUEUED, "claimed": State.CLAIMED,
        "valid": Phone.Status.VALID,
    }
    entry = next(iter(CallListEntry.objects.raw(_claim_sql(exclude_french=exclude_french), params)), None)
    if entry is None:
        return None
    if entry.state == State.CLAIMED and entry.claimed_by_id == actor.pk and entry.claim_expires_at > now:
        return entry
    previous = entry.claimed_by_id if entry.state == State.CLAIMED else None
    entry.state = State.CLAIMED
    entry.claimed_by = actor
    entry.claimed_at = now
    entry.claim_expires_at = now + call_list.claim_duration
    CallListEntry.objects.filter(pk=entry.pk).update(
        state=entry.state, claimed_by=actor, claimed_at=now, claim_expires_at=entry.claim_expires_at
    )
    audit_record(
        actor=actor, verb="call.claim", object_type="members.member", object_id=entry.member_id,
        changes={"call_list": call_list.pk, "expired_claim_of": previous},
    )
    return entry


@transaction.atomic
def call_release(*, actor, entry: CallListEntry) -> None:
    """Give a claimed member back to the queue without calling them."""
    updated = CallListEntry.objects.filter(pk=entry.pk, state=State.CLAIMED, claimed_by=actor).update(
        state=State.QUEUED, claimed_by=None, claimed_at=None, claim_expires_at=None
    )
    if updated:
        audit_record(
            actor=actor, verb="call.release", object_type="members.member", object_id=entry.member_id,
            changes={"call_list": entry.call_list_id},
        )


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in names:
        name = name.strip()[:80]
        if name:
            tags.append(Tag.objects.get_or_create(name=name)[0])
    return tags


def _apply_answer(*, actor, member: Member, question: SurveyQuestion, value: str, today: date) -> None:
    """Answers that map to the member record go through the members services."""
    if question.maps_to == SurveyQuestion.MapsTo.PORTAL_SIGNUP and value == "yes":
        if member.portal_signup_date is None:
            member_update(actor=actor, member=member, data={"portal_signup_date": today})
    elif question.maps_to == SurveyQuestion.MapsTo.EMAIL and value:
        email_add(actor=actor, member=member, address=value)


@transaction.atomic
def call_submit(
    *, actor, entry: CallListEntry, outcome: str, phone: Phone | None = None,
    assessment_level: int | None = None, answers: dict[int, str] | None = None, notes: str = "",
    issues: Iterable[str] = (), call_back_at: datetime | None = None,
    follow_up_due: date | None = None, follow_up_note: str = "", follow_up_assignee=None,
    organizer_action_needed: bool = False, questions: Iterable[SurveyQuestion] | None = None,
) -> Call:
    """Save one call and everything said on it, and move the member along the queue."""
    return _call_submit(
        actor=actor, entry=entry, outcome=outcome, phone=phone, assessment_level=assessment_level,
        answers=answers, notes=notes, issues=issues, call_back_at=call_back_at,
        follow_up_due=follow_up_due, follow_up_note=follow_up_note,
        follow_up_assignee=follow_up_assignee, organizer_action_needed=organizer_action_needed,
        questions=questions,
    )


def _call_submit(
    *, actor, entry: CallListEntry, outcome: str, phone: Phone | None = None,
    assessment_level: int | None = None, answers: dict[int, str] | None = None, notes: str = "",
    issues: Iterable[str] = (), call_back_at: datetime | None = None,
    follow_up_due: date | None = None, follow_up_note: str = "", follow_up_assignee=None,
    organizer_action_needed: bool = False, questions: Iterable[SurveyQuestion] | None = None,
) -> Call:
    """call_submit's body, inside the caller's transaction.

    `entry` may come with its list, campaign and member already loaded (the call screen's
    query); only its queue state is read again here, under a row lock.
    """
    _in_transaction()
    now = timezone.now()
    # Lock the entry: a lapsed claim may have been taken by someone else meanwhile.
    locked = (
        CallListEntry.objects.select_for_update()
        .filter(pk=entry.pk)
        .values_list("state", "claimed_by_id", "claimed_at", "attempts")
        .first()
    )
    if locked is None or locked[0] != State.CLAIMED or locked[1] != actor.pk:
        raise ValidationError(_("This member is no longer yours to call: your claim expired."))
    entry.state, entry.claimed_by_id, entry.claimed_at, entry.attempts = locked
    call_list, member = entry.call_list, entry.member
    if outcome == Outcome.CALL_BACK:
        if call_back_at is None or call_back_at <= now:
            raise ValidationError({"call_back_at": _("Say when to call back, in the future.")})
    else:
        call_back_at = None
    if phone is not None and phone.member_id != member.pk:
        raise ValidationError({"phone": _("Choose one of this member's numbers.")})
    if outcome == Outcome.WRONG_NUMBER and phone is None:
        valid = list(member.phones.filter(status=Phone.Status.VALID)[:2])
        if len(valid) > 1:
            raise ValidationError({"phone": _("Which number was wrong?")})
        phone = valid[0] if valid else None
    if assessment_level is not None and not 0 < int(assessment_level) <= 5:
        assessment_level = None

    conversation = _conversation_log(
        actor=actor, member=member, campaign=call_list.campaign, channel="phone", outcome=outcome,
        occurred_at=now, notes=notes, issues=_tags(issues), call_back_at=call_back_at,
        assessment_level=assessment_level,
    )
    questions = {q.pk: q for q in (call_list.questions.all() if questions is None else questions)}
    today = timezone.localdate()
    for question_id, value in (answers or {}).items():
        question = questions.get(int(question_id))
        value = (value or "").strip()
        if question is None or not value:
            continue
        if question.kind == SurveyQuestion.Kind.YES_NO and value not in ("yes", "no"):
            raise ValidationError({f"q{question.pk}": _("Answer yes or no.")})
        if question.kind == SurveyQuestion.Kind.CHOICE and value not in question.choice_values:
            raise ValidationError({f"q{question.pk}": _("Choose one of the answers.")})
        SurveyAnswer.objects.create(conversation=conversation, question=question, value=value)
        _apply_answer(actor=actor, member=member, question=question, value=value, today=today)

    if follow_up_due or follow_up_note.strip() or organizer_action_needed:
        follow_up = FollowUp.objects.create(
            member=member, campaign=call_list.campaign, call_list=call_list, conversation=conversation,
            due_date=follow_up_due, assignee=follow_up_assignee or actor, note=follow_up_note.strip(),
            organizer_action_needed=organizer_action_needed, created_by=actor,
        )
        audit_record(
            actor=actor, verb="follow_up.create", obj=member,
            changes={"follow_up": follow_up.pk, "organizer_action_needed": organizer_action_needed},
        )

    # The queue rules.
    claimed_at = entry.claimed_at
    entry.attempts += 1
    entry.last_outcome = outcome
    entry.last_called_at = now
    keep_claim = False
    if outcome == Outcome.WRONG_NUMBER:
        if phone is not None:
            phone_mark_wrong(actor=actor, phone=phone)
        # The next valid number is offered at once, to the same mobilizer.
        keep_claim = member.phones.filter(status=Phone.Status.VALID).exists()
        if keep_claim:
            entry.attempts -= 1
            entry.claim_expires_at = now + call_list.claim_duration
        else:
            entry.state = State.DONE
    elif outcome == Outcome.DO_NOT_CONTACT:
        entry.state = State.REMOVED
    elif outcome == Outcome.CALL_BACK:
        entry.state = State.QUEUED
        entry.next_call_at = call_back_at
    elif outcome in RETRY_OUTCOMES:
        if entry.attempts >= call_list.max_attempts:
            entry.state = State.DONE
        else:
            entry.state = State.QUEUED
            entry.next_call_at = now + call_list.cooldown
    else:  # reached, refused
        entry.state = State.DONE
    if not keep_claim:
        entry.claimed_by = None
        entry.claimed_at = None
        entry.claim_expires_at = None
    entry.save(update_fields=[
        "attempts", "last_outcome", "last_called_at", "state", "next_call_at", "claimed_by",
        "claimed_at", "claim_expires_at",
    ])
    if outcome == Outcome.DO_NOT_CONTACT:
        # Off every list at once, whoever holds them (conversation_log set the member's flags).
        CallListEntry.objects.filter(member=member).exclude(state=State.REMOVED).update(
            state=State.REMOVED, claimed_by=None, claimed_at=None, claim_expires_at=None
        )
    call = Call.objects.create(
        call_list=call_list, entry=entry, conversation=conversation, mobilizer=actor, outcome=outcome,
        claimed_at=claimed_at, submitted_at=now,
    )
    audit_record(
        actor=actor, verb="call.submit", obj=member,
        changes={
            "call_list": call_list.pk, "call": call.pk, "outcome": outcome, "state": entry.state,
            "attempts": entry.attempts, "next_call_at": entry.next_call_at,
        },
    )
    return call


@transaction.atomic
def call_submit_and_claim_next(
    *, actor, entry: CallListEntry, call_list: CallList, claim_next: bool = True, **call
) -> tuple[Call, CallListEntry | None]:
    """Save a call, then claim the next member in the same transaction (one commit per call).

    The claim still locks with SKIP LOCKED, so holding the saved entry's lock until the end
    makes nobody wait; if saving fails, nothing is claimed.
    """
    saved = _call_submit(actor=actor, entry=entry, **call)
    if not claim_next:
        return saved, None
    return saved, _call_next_claim(actor=actor, call_list=call_list)


@transaction.atomic
def follow_up_close(*, actor, follow_up: FollowUp, note: str = "") -> FollowUp:
    """Close a follow-up with a note."""
    if follow_up.closed_at is not None:
        return follow_up
    if follow_up.organizer_action_needed and actor.role == Role.MOBILIZER and not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    follow_up.closed_at = timezone.now()
    follow_up.closed_by = actor
    follow_up.closing_note = note.strip()
    follow_up.save(update_fields=["closed_at", "closed_by", "closing_note"])
    audit_record(
        actor=actor, verb="follow_up.close", obj=follow_up.member,
        changes={"follow_up": follow_up.pk, "note": follow_up.closing_note},
    )
    return follow_up

