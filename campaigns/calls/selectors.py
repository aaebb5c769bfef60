"""Reads for the call desk, scoped by permission."""

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from members.models import Member, Phone, fold
from members.selectors import members_visible_to
from organizing.models import Role, User

from ..models import (
    Assessment,
    AssessmentLevel,
    Call,
    CallList,
    CallListEntry,
    Campaign,
    Conversation,
    FollowUp,
    Outcome,
    SurveyAnswer,
    SurveyQuestion,
)
from ..selectors import assessment_levels, campaigns_visible_to

# The directory's filter parameters, then the call-list ones.
FILTER_KEYS = (
    "q", "worksite", "department", "shift", "local", "bargaining_unit", "membership_status",
    "tag", "organic_leader", "assessment", "language", "not_reached_since", "not_on_open_list",
)

OPEN_STATES = (CallListEntry.State.QUEUED, CallListEntry.State.CLAIMED)

# What every call screen shows but rarely changes (the scale's wording, a campaign's owners)
# is kept per process for a minute. A change made in this process empties it at once; other
# processes see it within the minute. Only display reads it: submits validate on fresh rows.
DISPLAY_MEMO_SECONDS = 60.0
_display_memo: dict = {}


def _memoised(key, load):
    now = time.monotonic()
    hit = _display_memo.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    _display_memo[key] = (now + DISPLAY_MEMO_SECONDS, value)
    return value


def display_memo_clear(**_kwargs) -> None:
    _display_memo.clear()


for _model in (AssessmentLevel, Campaign, User):
    post_save.connect(display_memo_clear, sender=_model, dispatch_uid=f"call-memo-save-{_model.__name__}")
    post_delete.connect(display_memo_clear, sender=_model, dispatch_uid=f"call-memo-del-{_model.__name__}")
m2m_changed.connect(display_memo_clear, sender=Campaign.owners.through, dispatch_uid="call-memo-owners")


def assessment_levels_memoised() -> list[AssessmentLevel]:
    """The 1–5 scale (its label follows the active language when read)."""
    return _memoised("levels", assessment_levels)


def campaign_owners_memoised(campaign_id: int) -> list[tuple[int, str]]:
    """(pk, name) of a campaign's owners, for the follow-up menu."""
    return _memoised(
        ("owners", campaign_id),
        lambda: [(u.pk, str(u)) for u in User.objects.filter(owned_campaigns=campaign_id)],
    )


def _as_list(value) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def call_list_filter_members(*, call_list: CallList, user) -> QuerySet[Member]:
    """The members the list's saved filter selects now, within the campaign and the builder's scope.

    Members who may not be phoned are never selected.
    """
    f = call_list.filters or {}
    members = members_visible_to(user).filter(
        pk__in=call_list.campaign.members_in_scope().values("pk"), do_not_phone=False
    )
    if f.get("q"):
        members = members.filter(search_name__contains=fold(str(f["q"])))
    for key in ("worksite", "department", "shift", "local", "bargaining_unit"):
        ids = [int(v) for v in _as_list(f.get(key))]
        if ids:
            members = members.filter(**{f"{key}_id__in": ids})
    if f.get("membership_status"):
        members = members.filter(membership_status__in=_as_list(f["membership_status"]))
    if f.get("tag"):
        members = members.filter(tags__name__in=_as_list(f["tag"]))
    if f.get("organic_leader"):
        members = members.filter(is_organic_leader=True)
    if f.get("language"):
        members = members.filter(language__in=_as_list(f["language"]))
    levels = [int(v) for v in _as_list(f.get("assessment"))]
    if levels:
        current = Assessment.objects.filter(campaign=call_list.campaign, is_current=True)
        q = Q(pk__in=current.filter(level__in=[lv for lv in levels if lv]).values("member_id"))
        if 0 in levels:
            q |= ~Q(pk__in=current.exclude(level=0).values("member_id"))
        members = members.filter(q)
    if f.get("not_reached_since"):
        since = date.fromisoformat(str(f["not_reached_since"]))
        reached = Conversation.objects.filter(
            outcome=Outcome.REACHED, occurred_at__date__gte=since
        ).values("member_id")
        members = members.exclude(pk__in=reached)
    if f.get("not_on_open_list"):
        others = (
            CallListEntry.objects.filter(call_list__status=CallList.Status.OPEN, state__in=OPEN_STATES)
            .exclude(call_list=call_list)
            .values("member_id")
        )
        members = members.exclude(pk__in=others)
    return members.distinct()


def call_lists_visible_to(user) -> QuerySet[CallList]:
    """Lists a user may open: every list for directors, their campaigns' for organizers, assigned ones for mobilizers."""
    if not getattr(user, "is_authenticated", False):
        return CallList.objects.none()
    if user.role == Role.DIRECTOR:
        return CallList.objects.all()
    if user.role == Role.MOBILIZER:
        return CallList.objects.filter(mobilizers=user).exclude(status=CallList.Status.CLOSED)
    return CallList.objects.filter(Q(campaign__in=campaigns_visible_to(user)) | Q(created_by=user))


def call_list_closed_for(*, user, call_list_id: int) -> bool:
    """Whether this is a closed list the mobilizer was assigned to (a message, not a 404)."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.MOBILIZER:
        return False
    return CallList.objects.filter(pk=call_list_id, mobilizers=user, status=CallList.Status.CLOSED).exists()


def call_lists_managed_by(user) -> QuerySet[CallList]:
    """Lists a user may build, change and oversee (never a mobilizer)."""
    if not getattr(user, "is_authenticated", False) or user.role == Role.MOBILIZER:
        return CallList.objects.none()
    return call_lists_visible_to(user)


def call_list_get_visible(*, user, call_list_id: int) -> CallList:
    return call_lists_visible_to(user).select_related("campaign").get(pk=call_list_id)


def call_list_get_managed(*, user, call_list_id: int) -> CallList:
    return call_lists_managed_by(user).select_related("campaign").get(pk=call_list_id)


def _lists_visible_sql(user) -> tuple[str, list]:
    """call_lists_visible_to(user)'s ids as SQL and parameters; a mobilizer's written out.

    The call desk checks this on every call, and composing the ORM's version cost more than
    the rest of the check (tests hold the two equal).
    """
    if user.role == Role.MOBILIZER:
        return """SELECT lm.calllist_id FROM campaigns_calllist_mobilizers lm
            JOIN campaigns_calllist l ON l.id = lm.calllist_id
            WHERE lm.user_id = %s AND l.status <> %s""", [user.pk, CallList.Status.CLOSED]
    sql, params = call_lists_visible_to(user).values("pk").query.sql_with_params()
    return sql, list(params)


def _one(model, sql: str, params: list):
    found = next(iter(model.objects.raw(sql, params)), None)
    if found is None:
        raise model.DoesNotExist
    return found


def call_entry_get_claimed(*, user, call_list_id: int, entry_id: int) -> CallListEntry:
    """The entry the user is calling now, with its list, campaign and member, or DoesNotExist.

    The list must be one the user may open (assigned, for a mobilizer), and the entry must be
    their own claim on it. Four short statements, written out: the ORM's one select_related
    query cost more CPU to compose than these cost to run.
    """
    visible, params = _lists_visible_sql(user)
    entry = _one(CallListEntry, f"""SELECT * FROM campaigns_calllistentry
        WHERE id = %s AND call_list_id = %s AND state = %s AND claimed_by_id = %s
          AND call_list_id IN ({visible})""",
        [entry_id, call_list_id, CallListEntry.State.CLAIMED, user.pk, *params])
    entry.call_list = _one(CallList, "SELECT * FROM campaigns_calllist WHERE id = %s", [call_list_id])
    entry.call_list.campaign = _one(
        Campaign, "SELECT * FROM campaigns_campaign WHERE id = %s", [entry.call_list.campaign_id]
    )
    entry.member = _one(Member, "SELECT * FROM members_member WHERE id = %s", [entry.member_id])
    return entry


# The member as the call screen shows them, with their places' names, in one statement written
# out (the ORM's version, three joins, cost more CPU to build than to run, on every call).
_SCREEN_MEMBER_SQL = """
SELECT m.*, w.name AS worksite_name, d.name AS department_name, s.name AS shift_name
FROM members_member m
LEFT JOIN members_worksite w ON w.id = m.worksite_id
LEFT JOIN members_department d ON d.id = m.department_id
LEFT JOIN members_shift s ON s.id = m.shift_id
WHERE m.id = %(member)s"""


def call_member_for_screen(*, entry: CallListEntry) -> Member:
    """The member of an entry the user holds, as the call screen shows them (see above)."""
    return next(iter(Member.objects.raw(_SCREEN_MEMBER_SQL, {"member": entry.member_id})))


def call_entry_current_claim(*, user, call_list: CallList) -> CallListEntry | None:
    """The user's live claim on this list, if they have one."""
    return (
        CallListEntry.objects.filter(
            call_list=call_list, state=CallListEntry.State.CLAIMED, claimed_by=user,
            claim_expires_at__gt=timezone.now(),
        )
        .order_by("claimed_at")
        .first()
    )


def call_list_questions(*, call_list: CallList) -> list[SurveyQuestion]:
    """The questions asked on the list, in order (the default manager leaves retired ones out)."""
    return list(call_list.questions.all())


def member_phones_callable(*, member: Member) -> list[Phone]:
    """The numbers that may be dialled (wrong numbers are never shown again)."""
    return list(member.phones.filter(status=Phone.Status.VALID).only("id", "member_id", "number", "kind"))


# What the call screen reads about the member besides their record, in one statement: their
# numbers, the last conversations with the answers given on them, this campaign's assessments,
# open follow-ups and the issues raised before. Each part gives rows of one kind to a UNION ALL
# with typed columns (PostgreSQL resolves a union's column types across its parts). The text is
# the same on every call for a given kind of user, so PostgreSQL keeps it prepared.
_HISTORY_COLUMNS = ("at", "day", "s1", "s2", "s3", "s4", "s5", "s6", "n")
_NULL = {
    "at": "CAST(NULL AS timestamp with time zone)", "day": "CAST(NULL AS date)", "n": "CAST(NULL AS integer)",
}


def _part(kind: str, ref: str, columns: dict[str, str], body: str) -> str:
    select = ", ".join(columns.get(c) or _NULL.get(c, "CAST(NULL AS text)") for c in _HISTORY_COLUMNS)
    return f"SELECT * FROM (SELECT '{kind}' AS kind, {ref} AS ref, {select} {body}) AS {kind}s"


_PHONES = _part("phone", "p.id", {
    "s1": "p.number", "s2": "p.kind", "n": "CASE WHEN p.is_primary THEN 0 ELSE 1 END",
}, """
    FROM members_phone p WHERE p.member_id = %s AND p.status = 'valid' ORDER BY p.is_primary DESC, p.id""")
_CONVERSATIONS = _part("conversation", "c.id", {
    "at": "c.occurred_at", "s1": "c.outcome", "s2": "c.notes", "s3": "u.full_name",
}, """
    FROM campaigns_conversation c LEFT JOIN organizing_user u ON u.id = c.user_id
    WHERE c.member_id = %s{scope} ORDER BY c.occurred_at DESC, c.id DESC LIMIT 5""")
_ANSWERS = _part("answer", "a.conversation_id", {
    "s1": "q.kind", "s2": "a.value", "s3": "q.label_en", "s4": "q.label_fr", "s5": "q.choices_en",
    "s6": "q.choices_fr", "n": "q.position",
}, """
    FROM campaigns_surveyanswer a JOIN campaigns_surveyquestion q ON q.id = a.question_id
    WHERE a.conversation_id IN (SELECT c.id FROM campaigns_conversation c WHERE c.member_id = %s{scope}
                                ORDER BY c.occurred_at DESC, c.id DESC LIMIT 5)""")
_ASSESSMENTS = _part("assessment", "a.id", {"at": "a.assessed_at", "n": "a.level", "s3": "u.full_name"}, """
    FROM campaigns_assessment a LEFT JOIN organizing_user u ON u.id = a.assessed_by_id
    WHERE a.member_id = %s AND a.campaign_id = %s ORDER BY a.assessed_at DESC, a.id DESC LIMIT 10""")
# Follow-ups are aliased `c` too, so the campaign scope ({scope}, on c.campaign_id) applies as is.
_FOLLOW_UPS = _part("follow_up", "c.id", {
    "day": "c.due_date", "s2": "c.note", "s3": "u.full_name",
    "n": "CASE WHEN c.organizer_action_needed THEN 1 ELSE 0 END",
}, """
    FROM campaigns_followup c LEFT JOIN organizing_user u ON u.id = c.assignee_id
    WHERE c.member_id = %s AND c.closed_at IS NULL{scope}""")
_ISSUES = _part("issue", "MIN(t.id)", {"s1": "t.name"}, """
    FROM members_tag t JOIN campaigns_conversation_issues ci ON ci.tag_id = t.id
    JOIN campaigns_conversation c ON c.id = ci.conversation_id
    WHERE c.member_id = %s{scope} GROUP BY t.name""")


_HISTORY_SQL = "\nUNION ALL\n".join([_PHONES, _CONVERSATIONS, _ANSWERS, _ASSESSMENTS, _FOLLOW_UPS, _ISSUES])


def _campaigns_visible_sql(user) -> tuple[str, list]:
    """campaigns_visible_to(user)'s ids as SQL and parameters; a mobilizer's written out
    (their team's and their own campaigns), as planning the ORM's version cost more than the
    rest of the call screen's history (tests hold the two equal)."""
    if user.role == Role.MOBILIZER:
        return """SELECT t.campaign_id FROM campaigns_campaign_team t WHERE t.user_id = %s
            UNION SELECT o.campaign_id FROM campaigns_campaign_owners o WHERE o.user_id = %s""", [user.pk, user.pk]
    sql, params = campaigns_visible_to(user).values("pk").query.sql_with_params()
    return sql, list(params)


def _campaign_scope_sql(user) -> tuple[str, list]:
    """`c.campaign_id` limited to the campaigns the user may open (as campaign_visible_q), or no limit."""
    if user.role == Role.DIRECTOR:
        return "", []
    sql, params = _campaigns_visible_sql(user)
    return f" AND (c.campaign_id IS NULL OR c.campaign_id IN ({sql}))", params


def _aware(value):
    """A timestamp as the driver gives it (SQLite: text, or naive UTC) made aware."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, UTC)


def _day(value):
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def member_call_context(*, user, member: Member, call_list: CallList) -> dict:
    """Everything the call screen shows `user` about the member they are calling, in one query.

    Scoped like the member's timeline: conversations, answers, issues and follow-ups of campaigns
    the caller may not open stay hidden (a mobilizer on one campaign's list never reads the notes
    of another campaign's calls). Plain values rather than model instances: this is read on every
    call.
    """
    scope, scope_params = _campaign_scope_sql(user)
    # In the order of the parts: phones, conversations, answers, assessments, follow-ups, issues.
    params = [
        member.pk, member.pk, *scope_params, member.pk, *scope_params, member.pk, call_list.campaign_id,
        member.pk, *scope_params, member.pk, *scope_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_HISTORY_SQL.replace("{scope}", scope), params)
        rows = cursor.fetchall()

    outcomes = dict(Outcome.choices)
    phones, conversations, assessments, follow_ups, past_issues = [], {}, [], [], []
    answers: dict[int, list] = {}
    for kind, ref, at, day, s1, s2, s3, s4, s5, s6, n in rows:
        if kind == "phone":
            phones.append((n, ref, Phone(pk=ref, member_id=member.pk, number=s1, kind=s2)))
        elif kind == "conversation":
            conversations[ref] = {
                "ref": ref, "occurred_at": _aware(at), "outcome_label": outcomes.get(s1, s1), "notes": s2 or "",
                "user__full_name": s3, "answers": [],
            }
        elif kind == "answer":
            question = SurveyQuestion(kind=s1, label_en=s3, label_fr=s4 or "", choices_en=s5 or "", choices_fr=s6 or "")
            answers.setdefault(ref, []).append((n, question.label, question.answer_label(s2)))
        elif kind == "assessment":
            assessments.append({"ref": ref, "assessed_at": _aware(at), "level": n, "assessed_by__full_name": s3})
        elif kind == "follow_up":
            follow_ups.append({
                "due_date": _day(day), "note": s2, "assignee__full_name": s3, "organizer_action_needed": bool(n),
            })
        else:
            past_issues.append(s1)
    for ref, given in answers.items():
        if ref in conversations:
            conversations[ref]["answers"] = [(label, value) for _position, label, value in sorted(given)]
    # A union keeps no order of its own: each part is put back in its order here.
    follow_ups.sort(key=lambda fu: (fu["due_date"] is None, fu["due_date"] or date.min))
    return {
        "phones": [phone for _primary, _id, phone in sorted(phones, key=lambda p: p[:2])],
        "conversations": sorted(conversations.values(), key=lambda c: (c["occurred_at"], c["ref"]), reverse=True),
        "assessments": sorted(assessments, key=lambda a: (a["assessed_at"], a["ref"]), reverse=True),
        "follow_ups": follow_ups,
        "past_issues": sorted(past_issues),
        "script": call_list.script_for(member.language),
    }


def _hours(delta: timedelta) -> float:
    return max(delta.total_seconds() / 3600, 0.25)


def call_list_stats(*, call_list: CallList) -> dict:
    """Live oversight of one list: progress, assessments, and each mobilizer's pace."""
    now = timezone.now()
    entries = CallListEntry.objects.filter(call_list=call_list)
    state_counts = {row["state"]: row["n"] for row in entries.values("state").annotate(n=Count("id"))}
    # Members dropped by a refresh before anyone called them are not part of the work done.
    counted = entries.exclude(state=CallListEntry.State.REMOVED, attempts=0)
    total = counted.count()
    attempted = counted.filter(attempts__gt=0).count()
    reached = (
        Call.objects.filter(call_list=call_list, outcome=Outcome.REACHED).values("entry_id").distinct().count()
    )
    remaining = state_counts.get(CallListEntry.State.QUEUED, 0) + state_counts.get(
        CallListEntry.State.CLAIMED, 0
    )
    levels = dict(
        Assessment.objects.filter(
            campaign=call_list.campaign, is_current=True,
            member_id__in=counted.values("member_id"),
        )
        .values_list("level")
        .annotate(n=Count("id"))
    )
    distribution = {level: levels.get(level, 0) for level in range(1, 6)}
    distribution[0] = total - sum(distribution.values())
    rows = (
        Call.objects.filter(call_list=call_list)
        .values("mobilizer_id", "mobilizer__full_name", "mobilizer__email")
        .annotate(
            calls=Count("id"),
            reached=Count("id", filter=Q(outcome=Outcome.REACHED)),
            last_hour=Count("id", filter=Q(submitted_at__gte=now - timedelta(hours=1))),
        )
        .order_by("-calls")
    )
    first_calls = dict(
        Call.objects.filter(call_list=call_list, submitted_at__date=timezone.localdate())
        .values_list("mobilizer_id")
        .annotate(first=Min("submitted_at"))
    )
    mobilizers = []
    for row in rows:
        first = first_calls.get(row["mobilizer_id"])
        mobilizers.append({
            "name": row["mobilizer__full_name"] or row["mobilizer__email"] or "—",
            "calls": row["calls"],
            "reached": row["reached"],
            "reach_rate": round(100 * row["reached"] / row["calls"]) if row["calls"] else 0,
            "last_hour": row["last_hour"],
            "per_hour": round(row["calls"] / _hours(now - first), 1) if first else 0,
        })
    return {
        "total": total,
        "attempted": attempted,
        "reached": reached,
        "remaining": remaining,
        "claimed": state_counts.get(CallListEntry.State.CLAIMED, 0),
        "done": state_counts.get(CallListEntry.State.DONE, 0),
        "removed": state_counts.get(CallListEntry.State.REMOVED, 0),
        "distribution": dict(sorted(distribution.items())),
        "mobilizers": mobilizers,
    }


# Shown on every call screen: written out, as its ORM version (four filtered counts) cost more
# to build than to run. It reads the call_mobilizer_time index.
_COUNTS_SQL = """
SELECT
    SUM(CASE WHEN submitted_at >= %(midnight)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN submitted_at >= %(midnight)s AND outcome = %(reached)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN submitted_at >= %(session)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN submitted_at >= %(session)s AND outcome = %(reached)s THEN 1 ELSE 0 END)
FROM campaigns_call
WHERE mobilizer_id = %(user)s AND submitted_at >= %(since)s"""


def mobilizer_counts(*, user, session_started: datetime | None) -> dict:
    """The user's own calls and reaches for this session and today."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    session_started = session_started or midnight
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL, {
            "user": user.pk, "reached": Outcome.REACHED, "midnight": adapt(midnight),
            "session": adapt(session_started), "since": adapt(min(session_started, midnight)),
        })
        row = cursor.fetchone()
    names = ("day_calls", "day_reached", "session_calls", "session_reached")
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def follow_ups_for(user) -> dict:
    """The user's open follow-ups by due, and for organizers those needing an organizer in their scope."""
    today = timezone.localdate()
    mine = list(
        FollowUp.objects.open().filter(assignee=user)
        .filter(member__in=members_visible_to(user))
        .select_related("member", "campaign", "assignee")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )
    organizer_queue = []
    if user.role in (Role.DIRECTOR, Role.ORGANIZER):
        organizer_queue = list(
            FollowUp.objects.open().filter(organizer_action_needed=True)
            .filter(member__in=members_visible_to(user))
            .select_related("member", "campaign", "assignee", "created_by")
            .order_by(F("due_date").asc(nulls_last=True), "id")
        )
    return {
        "overdue": [fu for fu in mine if fu.due_date and fu.due_date < today],
        "due": [fu for fu in mine if fu.due_date == today],
        "upcoming": [fu for fu in mine if fu.due_date is None or fu.due_date > today],
        "organizer_queue": organizer_queue,
    }


def follow_up_get_closable(*, user, follow_up_id: int) -> FollowUp:
    """A follow-up the user may close: their own, or (organizers) any in their scope."""
    qs = FollowUp.objects.open().filter(member__in=members_visible_to(user))
    if user.role == Role.MOBILIZER:
        qs = qs.filter(assignee=user)
    return qs.select_related("member").get(pk=follow_up_id)


@dataclass
class RefreshPlan:
    """What refreshing a list would change, as member ids."""

    add_ids: list[int] = field(default_factory=list)  # matching members not on the list yet
    back_ids: list[int] = field(default_factory=list)  # matching again after a refresh dropped them
    drop_ids: list[int] = field(default_factory=list)  # queued members who no longer match

    @property
    def added_ids(self) -> list[int]:
        return sorted(self.add_ids + self.back_ids)


def call_list_refresh_plan(*, call_list: CallList, user) -> RefreshPlan:
    """Compare the list's saved filter, evaluated now for `user`, with its queue (no write)."""
    wanted = set(call_list_filter_members(call_list=call_list, user=user).values_list("pk", flat=True))
    states = dict(CallListEntry.objects.filter(call_list=call_list).values_list("member_id", "state"))
    return RefreshPlan(
        add_ids=sorted(pk for pk in wanted if pk not in states),
        back_ids=sorted(
            pk for pk, state in states.items() if pk in wanted and state == CallListEntry.State.REMOVED
        ),
        drop_ids=sorted(
            pk for pk, state in states.items() if pk not in wanted and state == CallListEntry.State.QUEUED
        ),
    )


def members_named(*, user, ids: list[int], limit: int = 100) -> list[Member]:
    """Up to `limit` of these members that `user` may see, by name (for a refresh's diff)."""
    return list(
        members_visible_to(user).filter(pk__in=ids).order_by("last_name", "first_name", "pk")[:limit]
    )


def survey_questions_managed(*, call_list: CallList) -> dict:
    """The list's questions for its organizers: those asked, in order, and those retired.

    Each carries `answer_count` and, for yes/no and choice questions, `tally`: (label, n)
    in the order of its choices.
    """
    questions = list(
        SurveyQuestion.all_objects.filter(call_list=call_list)
        .annotate(answer_count=Count("answers"))
        .order_by("position", "id")
    )
    counts: dict[int, dict[str, int]] = {}
    rows = (
        SurveyAnswer.objects.filter(question__call_list=call_list)
        .exclude(question__kind=SurveyQuestion.Kind.TEXT)
        .values_list("question_id", "value")
        .annotate(n=Count("id"))
    )
    for question_id, value, n in rows:
        counts.setdefault(question_id, {})[value] = n
    for question in questions:
        seen = counts.get(question.pk, {})
        if question.kind == SurveyQuestion.Kind.YES_NO:
            pairs = [("yes", _("Yes")), ("no", _("No"))]
        elif question.kind == SurveyQuestion.Kind.CHOICE:
            pairs = question.choice_pairs
        else:
            pairs = []
        known = {value for value, _label in pairs}
        # Answers to choices since removed from the question still count.
        pairs += [(value, value) for value in sorted(seen) if value not in known]
        question.tally = [(label, seen.get(value, 0)) for value, label in pairs]
    return {
        "asked": [q for q in questions if q.retired_at is None],
        "retired": [q for q in questions if q.retired_at is not None],
    }


def survey_question_get_managed(*, call_list: CallList, question_id: int) -> SurveyQuestion:
    """One of the list's questions, retired or not (the list is already one the user manages)."""
    return SurveyQuestion.all_objects.select_related("call_list").get(pk=question_id, call_list=call_list)


def survey_question_has_answers(*, question: SurveyQuestion) -> bool:
    return SurveyAnswer.objects.filter(question=question).exists()
