"""Reads for campaigns, scoped by permission."""

from django.db.models import Count, Q, QuerySet

from members.models import Member
from members.selectors import members_visible_to, scope_for
from organizing.models import Role

from .models import Assessment, AssessmentLevel, Campaign, Conversation


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """Campaigns the user may open: all for directors, their own or assigned for others."""
    if not getattr(user, "is_authenticated", False):
        return Campaign.objects.none()
    if user.role == Role.DIRECTOR:
        return Campaign.objects.all()
    mine = Q(team=user) | Q(owners=user)
    if user.role == Role.ORGANIZER:
        scope = scope_for(user)
        mine |= Q(locals__in=sorted(scope.local_ids)) | Q(worksites__in=sorted(scope.worksite_ids))
    return Campaign.objects.filter(
        pk__in=Campaign.objects.filter(mine).values("pk")
    )


def campaign_get_visible(*, user, campaign_id: int) -> Campaign:
    """One campaign the user may open, or Campaign.DoesNotExist."""
    return campaigns_visible_to(user).get(pk=campaign_id)


def assessment_levels() -> list[AssessmentLevel]:
    """The 1–5 scale with its labels."""
    return list(AssessmentLevel.objects.all())


def campaign_assessment_counts(*, user, campaign: Campaign) -> dict[int, int]:
    """Count visible members of the campaign by current assessment (0 = not yet assessed)."""
    members = members_visible_to(user).filter(pk__in=campaign.members_in_scope().values("pk"))
    total = members.count()
    rows = (
        Assessment.objects.filter(campaign=campaign, is_current=True, member__in=members)
        .values("level")
        .annotate(n=Count("id"))
    )
    counts = {level: 0 for level in range(1, 6)}
    for row in rows:
        if row["level"]:
            counts[row["level"]] += row["n"]
    counts[0] = total - sum(counts.values())
    return dict(sorted(counts.items()))


def member_timeline(*, user, member: Member, limit: int = 100) -> list[dict]:
    """Conversations, assessments and changes of one member, newest first."""
    from organizing.models import AuditEvent

    conversations = (
        Conversation.objects.filter(member=member)
        .select_related("user", "campaign")
        .prefetch_related("issues")
        .order_by("-occurred_at")[:limit]
    )
    assessments = (
        Assessment.objects.filter(member=member)
        .select_related("assessed_by", "campaign")
        .order_by("-assessed_at")[:limit]
    )
    changes = (
        AuditEvent.objects.filter(object_type="members.member", object_id=str(member.pk), verb="member.update")
        .select_related("actor")
        .order_by("-created_at")[:limit]
    )
    items = [{"kind": "conversation", "at": c.occurred_at, "obj": c} for c in conversations]
    items += [{"kind": "assessment", "at": a.assessed_at, "obj": a} for a in assessments]
    items += [{"kind": "change", "at": e.created_at, "obj": e} for e in changes]
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:limit]
