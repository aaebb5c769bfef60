"""Writes for campaigns: assessments and conversations."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member, Tag
from members.services import member_set_do_not_contact
from organizing.audit import audit_record

from .models import Assessment, Campaign, Conversation, Outcome


def _in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("Call this inside transaction.atomic().")


@transaction.atomic
def assessment_record(
    *, actor, member: Member, campaign: Campaign, level: int, note: str = "",
    assessed_at: datetime | None = None, conversation: Conversation | None = None,
) -> Assessment:
    """Append an assessment; it becomes current unless it is back-dated before the current one."""
    return _assessment_record(
        actor=actor, member=member, campaign=campaign, level=level, note=note, assessed_at=assessed_at,
        conversation=conversation,
    )


def _assessment_record(
    *, actor, member: Member, campaign: Campaign, level: int, note: str = "",
    assessed_at: datetime | None = None, conversation: Conversation | None = None,
) -> Assessment:
    """assessment_record's body, for services that already hold a transaction (no savepoint)."""
    _in_transaction()
    if not 0 <= int(level) <= 5:
        raise ValidationError({"level": _("An assessment is a number from 0 to 5.")})
    assessed_at = assessed_at or timezone.now()
    if assessed_at > timezone.now() + timezone.timedelta(minutes=5):
        raise ValidationError({"assessed_at": _("An assessment cannot be dated in the future.")})
    # Lock the current row so two simultaneous assessments cannot both become current.
    current = (
        Assessment.objects.select_for_update()
        .filter(member=member, campaign=campaign, is_current=True)
        .first()
    )
    becomes_current = current is None or assessed_at >= current.assessed_at
    if becomes_current and current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    assessment = Assessment.objects.create(
        member=member, campaign=campaign, level=int(level), note=note, assessed_by=actor,
        assessed_at=assessed_at, is_current=becomes_current, conversation=conversation,
    )
    audit_record(
        actor=actor, verb="assessment.record", obj=member,
        changes={
            "campaign": campaign.pk,
            "assessment": (current.level if current else None, int(level)),
            "current": becomes_current,
        },
    )
    return assessment


@transaction.atomic
def conversation_log(
    *, actor, member: Member, campaign: Campaign | None, channel: str, outcome: str,
    occurred_at: datetime | None = None, notes: str = "", issues: Iterable[Tag] = (),
    call_back_at: datetime | None = None, assessment_level: int | None = None,
) -> Conversation:
    """Log a conversation (and its assessment); a do-not-contact outcome sets the member's flags."""
    return _conversation_log(
        actor=actor, member=member, campaign=campaign, channel=channel, outcome=outcome,
        occurred_at=occurred_at, notes=notes, issues=issues, call_back_at=call_back_at,
        assessment_level=assessment_level,
    )


def _conversation_log(
    *, actor, member: Member, campaign: Campaign | None, channel: str, outcome: str,
    occurred_at: datetime | None = None, notes: str = "", issues: Iterable[Tag] = (),
    call_back_at: datetime | None = None, assessment_level: int | None = None,
) -> Conversation:
    """conversation_log's body, for services that already hold a transaction (no savepoint).

    Nothing here is caught and retried, so a savepoint would only cost two round trips.
    """
    _in_transaction()
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + timezone.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("A conversation cannot be dated in the future.")})
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if outcome == Outcome.CALL_BACK and call_back_at is None:
        raise ValidationError({"call_back_at": _("Say when to call back.")})
    conversation = Conversation(
        member=member, campaign=campaign, user=actor, channel=channel, outcome=outcome,
        occurred_at=occurred_at, notes=notes, call_back_at=call_back_at,
    )
    conversation.full_clean(exclude=["member", "campaign", "user"])
    conversation.save()
    issues = list(issues)
    if issues:
        conversation.issues.set(issues)
    audit_record(
        actor=actor, verb="conversation.log", obj=member,
        changes={
            "conversation": conversation.pk, "campaign": campaign.pk if campaign else None,
            "outcome": outcome, "channel": channel,
        },
    )
    if outcome == Outcome.DO_NOT_CONTACT:
        member_set_do_not_contact(actor=actor, member=member)
    if assessment_level is not None and campaign is not None:
        _assessment_record(
            actor=actor, member=member, campaign=campaign, level=assessment_level,
            assessed_at=occurred_at, conversation=conversation,
        )
    return conversation
