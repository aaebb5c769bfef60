"""Writes for the call desk: claiming the next member, saving a call, follow-ups."""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member, Phone, Tag
from members.services import email_add, member_update, phone_mark_wrong
from organizing.audit import audit_record
from organizing.models import Role

from ...models import (
    Call,
    CallList,
    CallListEntry,
    FollowUp,
    Outcome,
    SurveyAnswer,
    SurveyQuestion,
)
from ...services import _conversation_log, _in_transaction

State = CallListEntry.State
# Outcomes that put the member back in the queue after the list's cool-down.
RETRY_OUTCOMES = (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.LEFT_MESSAGE)


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
WHERE EXISTS (SELECT 1 FROM campaigns_calllist l WHERE l.id = %(list)s AND l.status = %(open)s {list_lock})
  AND e.id = COALESCE(
    (SELECT m.id FROM campaigns_calllistentry m
     WHERE m.call_list_id = %(list)s AND m.state = %(claimed)s AND m.claimed_by_id = %(user)s
       AND m.claim_expires_at > %(now)s
     ORDER BY m.claimed_at, m.id LIMIT 1),
    (SELECT c.id {claimable} AND c.next_call_at <= %(now)s ORDER BY c.next_call_at, c.id LIMIT 1 {lock}),
    (SELECT c.id {claimable} AND c.next_call_at IS NULL ORDER BY c.id LIMIT 1 {lock})
)"""


def _claim_sql(*, exclude_french: bool) -> str:
    # On PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so concurrent
    # claimants each lock a different row instead of waiting or double-claiming. The list's row
    # is held with the weakest lock while the claim commits: closing a list locks it FOR UPDATE,
    # so a close waits for claims under way and then gives them back, and a claim after a close
    # finds the list closed. SQLite has no row locks; its IMMEDIATE transactions already
    # serialise writers.
    locks = connection.features.has_select_for_update_skip_locked
    claimable = _CLAIMABLE.format(language="AND mem.language <> 'fr'" if exclude_french else "")
    return _CLAIM_SQL.format(
        claimable=claimable, lock="FOR UPDATE OF c SKIP LOCKED" if locks else "",
        list_lock="FOR KEY SHARE" if locks else "",
    )


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
        "valid": Phone.Status.VALID, "open": CallList.Status.OPEN,
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

