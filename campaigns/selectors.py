"""Reads for campaigns, scoped by permission."""

from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.directory import campaign_scope_q
from members.models import Member, Worksite
from members.selectors import members_visible_to, scope_for, worksite_ids_visible_to
from organizing.models import Role

from .models import Assessment, AssessmentLevel, Campaign, Conversation, SurveyAnswer


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    """Campaigns the user may open: all for directors, their own or assigned for others."""
    if not getattr(user, "is_authenticated", False):
        return Campaign.objects.none()
    if user.role == Role.DIRECTOR:
        return Campaign.objects.all()
    mine = Q(team=user) | Q(owners=user)
    if user.role == Role.ORGANIZER:
        # An organizer also sees campaigns that reach the people in their scope: by local, unit,
        # or a worksite where any of their members work. Counts inside stay scoped to members.
        scope = scope_for(user)
        mine |= (
            Q(locals__in=sorted(scope.local_ids))
            | Q(bargaining_units__in=sorted(scope.unit_ids))
            | Q(worksites__in=worksite_ids_visible_to(user))
        )
    return Campaign.objects.filter(
        pk__in=Campaign.objects.filter(mine).values("pk")
    )


def campaign_visible_q(user, field: str = "campaign", *, unattached: bool = True) -> Q | None:
    """A filter on `field` to the campaigns the user may open (None for directors: no limit).

    With `unattached`, rows tied to no campaign (a conversation logged from a profile) pass too.
    One subquery, no extra round trip. The call screen's history applies the same rule in SQL
    (calls.selectors._campaign_scope_sql).
    """
    if user.role == Role.DIRECTOR:
        return None
    q = Q(**{f"{field}__in": campaigns_visible_to(user)})
    return q | Q(**{f"{field}__isnull": True}) if unattached else q


def campaign_get_visible(*, user, campaign_id: int) -> Campaign:
    """One campaign the user may open, or Campaign.DoesNotExist."""
    return campaigns_visible_to(user).get(pk=campaign_id)


def assessment_levels() -> list[AssessmentLevel]:
    """The 1–5 scale with its labels."""
    return list(AssessmentLevel.objects.all())


TIMELINE_PAGE_SIZE = 25
TIMELINE_MAX_PAGE = 200


def member_timeline(*, user, member: Member, page: int = 1, size: int = TIMELINE_PAGE_SIZE):
    """Return one page of a member's visible history, newest first, and whether older items follow."""
    # A mobilizer never sees another campaign's history; conversations without a campaign and
    # detail changes show to all who may open the profile. Each source gives at most
    # page × size + 1 rows, so a page costs the same few queries however long the history.
    from organizing.models import AuditEvent

    page = min(max(page, 1), TIMELINE_MAX_PAGE)
    upto = page * size + 1
    conversations = Conversation.objects.filter(member=member)
    assessments = Assessment.objects.filter(member=member)
    if (visible := campaign_visible_q(user)) is not None:
        conversations = conversations.filter(visible)
        assessments = assessments.filter(campaign_visible_q(user, unattached=False))
    conversations = conversations.select_related("user", "campaign").order_by("-occurred_at", "-pk")
    assessments = assessments.select_related("assessed_by", "campaign").order_by("-assessed_at", "-pk")
    changes = (
        AuditEvent.objects.filter(object_type="members.member", object_id=str(member.pk), verb="member.update")
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
    items = [{"kind": "conversation", "at": c.occurred_at, "obj": c} for c in conversations[:upto]]
    items += [{"kind": "assessment", "at": a.assessed_at, "obj": a} for a in assessments[:upto]]
    items += [{"kind": "change", "at": e.created_at, "obj": e} for e in changes[:upto]]
    # A stable sort: at equal times a conversation comes before the assessment logged with it.
    items.sort(key=lambda item: item["at"], reverse=True)
    shown = items[(page - 1) * size : page * size]
    prefetch_related_objects(
        [i["obj"] for i in shown if i["kind"] == "conversation"],
        "issues",
        Prefetch("answers", queryset=SurveyAnswer.objects.select_related("question").order_by("question__position", "pk")),
    )
    return shown, len(items) > page * size


def _current_level(campaign_id: int):
    """A subquery: the member's current assessment level in the campaign (NULL if none)."""
    return Subquery(
        Assessment.objects.filter(member=OuterRef("pk"), campaign_id=campaign_id, is_current=True)
        .values("level")[:1]
    )


def member_directory_levels(qs: QuerySet[Member], *, campaign_id: int | None) -> QuerySet[Member]:
    """Annotate each member with `current_level` in the campaign (one subquery, no extra query)."""
    if not campaign_id:
        return qs
    return qs.annotate(current_level=_current_level(campaign_id))


def member_current_assessments(*, user, member: Member) -> list[Assessment]:
    """The member's current assessment in each campaign the user may see."""
    return list(
        Assessment.objects.filter(
            member=member, is_current=True, campaign__in=campaigns_visible_to(user).values("pk")
        )
        .select_related("campaign", "assessed_by")
        .order_by("campaign__name")
    )


def campaigns_covering_worksite(*, user, worksite: Worksite) -> QuerySet[Campaign]:
    """Visible campaigns that concern a worksite: directly, or through its members' locals and units."""
    at_site = Member.objects.filter(worksite=worksite)
    covering = Campaign.objects.filter(
        Q(worksites=worksite)
        | Q(locals__in=at_site.exclude(local=None).values("local_id"))
        | Q(bargaining_units__in=at_site.exclude(bargaining_unit=None).values("bargaining_unit_id"))
    )
    return campaigns_visible_to(user).filter(pk__in=covering.values("pk"))


def _with_current_level(members: QuerySet[Member], campaign: Campaign | None) -> QuerySet[Member]:
    """Annotate `level`, the current assessment in the campaign (0 if none), by one LEFT JOIN:
    a grouped count over thousands of members must not run a subquery per member."""
    if campaign is None:
        return members.annotate(level=Value(0, output_field=IntegerField()))
    return members.annotate(
        current=FilteredRelation(
            "assessments",
            condition=Q(assessments__campaign=campaign, assessments__is_current=True),
        ),
        level=Coalesce(F("current__level"), 0),
    )


def campaign_level_counts(*, user, campaign: Campaign) -> dict[int, int]:
    """Visible members of the campaign by current assessment (0 = not yet assessed), in one query."""
    members = _with_current_level(
        members_visible_to(user).filter(campaign_scope_q(campaign.pk)), campaign
    )
    counts = dict.fromkeys(range(6), 0)
    for row in members.order_by().values("level").annotate(n=Count("id")):
        counts[row["level"] or 0] += row["n"]
    return counts


def worksite_grid(*, user, worksite: Worksite, campaign: Campaign | None) -> dict:
    """Visible members of a worksite counted by department × shift and by current assessment."""
    members = _with_current_level(members_visible_to(user).filter(worksite=worksite), campaign)
    rows = members.order_by().values("department_id", "shift_id", "level").annotate(n=Count("id"))
    departments = list(worksite.departments.all())
    shifts = list(worksite.shifts.all())

    def blank() -> dict:
        return {"total": 0, "levels": dict.fromkeys(range(6), 0)}

    cells: dict[tuple, dict] = {}
    by_department: dict = {}
    by_shift: dict = {}
    total = blank()
    for row in rows:
        key = (row["department_id"], row["shift_id"])
        for bucket in (
            cells.setdefault(key, blank()), by_department.setdefault(row["department_id"], blank()),
            by_shift.setdefault(row["shift_id"], blank()), total,
        ):
            bucket["total"] += row["n"]
            bucket["levels"][row["level"] or 0] += row["n"]
    if None in by_department:
        departments.append(None)
    if None in by_shift:
        shifts.append(None)
    return {
        "departments": [
            {
                "department": d,
                "cells": [cells.get((d.pk if d else None, s.pk if s else None), blank()) for s in shifts],
                "total": by_department.get(d.pk if d else None, blank()),
            }
            for d in departments
        ],
        "shifts": shifts,
        "shift_totals": [by_shift.get(s.pk if s else None, blank()) for s in shifts],
        "total": total,
    }


def worksites_with_counts(*, user) -> list[Worksite]:
    """Visible worksites, each with `member_count`: only the members the user may see."""
    worksites = list(
        Worksite.objects.filter(pk__in=worksite_ids_visible_to(user))
        .select_related("employer", "region").order_by("name")
    )
    counts = dict(
        members_visible_to(user).exclude(worksite=None).order_by()
        .values_list("worksite_id").annotate(n=Count("id"))
    )
    for worksite in worksites:
        worksite.member_count = counts.get(worksite.pk, 0)
    return worksites


def campaign_recent_conversations(*, user, campaign: Campaign, days: int = 30) -> int:
    """How many conversations of the campaign with visible members in the last `days` days."""
    since = timezone.now() - timezone.timedelta(days=days)
    return Conversation.objects.filter(
        campaign=campaign, occurred_at__gte=since, member__in=members_visible_to(user)
    ).count()
