"""Reads scoped by permission. Every view that shows members goes through here."""

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q, QuerySet

from organizing.models import Role

from .models import BargainingUnit, Local, Member, Worksite


@dataclass(frozen=True)
class Scope:
    """What a user may see: everything, or members of these locals, units and worksites."""

    everything: bool = False
    local_ids: frozenset[int] = field(default_factory=frozenset)
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    worksite_ids: frozenset[int] = field(default_factory=frozenset)
    # A mobilizer sees only the members of the call lists assigned to them (this user id).
    call_lists_of: int | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.everything or self.local_ids or self.unit_ids or self.worksite_ids or self.call_lists_of
        )

    def member_q(self, prefix: str = "") -> Q:
        if self.everything:
            return Q()
        if self.empty:
            return Q(pk__in=[])
        q = Q(pk__in=[])
        if self.call_lists_of:
            q |= Q(**{f"{prefix}pk__in": _call_list_member_ids(self.call_lists_of)})
        if self.local_ids:
            q |= Q(**{f"{prefix}local_id__in": sorted(self.local_ids)})
        if self.unit_ids:
            q |= Q(**{f"{prefix}bargaining_unit_id__in": sorted(self.unit_ids)})
        if self.worksite_ids:
            q |= Q(**{f"{prefix}worksite_id__in": sorted(self.worksite_ids)})
        return q


def _call_list_member_ids(user_id: int) -> QuerySet:
    """A subquery: members on a live entry of a call list assigned to the user.

    Read through Member's related names so members never imports campaigns; one filter()
    call keeps both conditions on the same entry row.
    """
    return Member.objects.filter(
        call_entries__call_list__mobilizers=user_id,
        call_entries__state__in=["queued", "claimed", "done"],
    ).values("pk")


def _ids(qs) -> frozenset[int]:
    return frozenset(qs.values_list("id", flat=True))


def scope_for(user) -> Scope:
    """Return the user's scope, computed once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_member_scope", None)
    if cached is not None:
        return cached
    if user.role == Role.DIRECTOR:
        scope = Scope(everything=True)
    elif user.role == Role.MOBILIZER:
        scope = Scope(call_lists_of=user.pk)
    else:
        # Campaign scope is read through the campaigns' related names (no import back up).
        campaign_q = Q(campaigns__team=user) | Q(campaigns__owners=user)
        local_ids = _ids(Local.objects.filter(campaign_q))
        unit_ids = _ids(BargainingUnit.objects.filter(campaign_q))
        worksite_ids = _ids(Worksite.objects.filter(campaign_q))
        if user.role == Role.ORGANIZER:
            local_ids |= _ids(user.scope_locals.all())
            worksite_ids |= _ids(user.scope_worksites.all())
        scope = Scope(local_ids=local_ids, unit_ids=unit_ids, worksite_ids=worksite_ids)
    user._member_scope = scope
    return scope


def members_visible_to(user) -> QuerySet[Member]:
    """Members the user may see."""
    return Member.objects.filter(scope_for(user).member_q())


def member_get_visible(*, user, member_id: int) -> Member:
    """One member the user may see, or Member.DoesNotExist (the view turns it into a 404)."""
    return members_visible_to(user).with_structure().get(pk=member_id)


def worksites_visible_to(user) -> QuerySet[Worksite]:
    """Worksites where the user may see at least one member, or which are assigned to them."""
    scope = scope_for(user)
    if scope.everything:
        return Worksite.objects.all()
    member_sites = members_visible_to(user).exclude(worksite=None).values("worksite_id")
    return Worksite.objects.filter(Q(id__in=member_sites) | Q(id__in=sorted(scope.worksite_ids)))


def member_get_profile(*, user, member_id: int) -> Member:
    """One visible member with everything the profile shows, in a constant number of queries."""
    # The job class, unit and region come by their own tiny queries: joined in too, nine LEFT
    # JOINs cost PostgreSQL ~8 ms of planning for a one-row answer; five joins cost ~1 ms.
    return (
        members_visible_to(user)
        .with_structure()
        .prefetch_related("job_class", "bargaining_unit", "local__region", "phones", "emails", "tags")
        .get(pk=member_id)
    )


def worksite_ids_visible_to(user) -> list[int]:
    """Ids of worksites_visible_to(user), for filter choices.

    For a scoped user that query reads every member of their locals (a few hundred milliseconds
    at 200,000 members), so the answer is kept a minute in the cache, keyed by the scope itself:
    a changed scope is a new key. Only worksite ids are cached; member queries stay scoped.
    """
    cached = getattr(user, "_visible_worksite_ids", None)
    if cached is not None:
        return cached
    scope = scope_for(user)
    if scope.everything:
        cached = sorted(Worksite.objects.values_list("pk", flat=True))
    else:
        fingerprint = hashlib.sha256(repr((
            user.pk, scope.call_lists_of, sorted(scope.local_ids), sorted(scope.unit_ids),
            sorted(scope.worksite_ids),
        )).encode()).hexdigest()[:32]
        key = f"visible-worksites:{fingerprint}"
        cached = cache.get(key)
        if cached is None:
            cached = sorted(worksites_visible_to(user).values_list("pk", flat=True))
            cache.set(key, cached, 60)
    user._visible_worksite_ids = cached
    return cached
