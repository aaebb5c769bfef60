"""The member directory: search, filters, sort and keyset pages over the members a user may see.

Built to stay fast at 200,000 members on PostgreSQL: no COUNT(*) over joins, no DISTINCT,
every filter is a plain column, an indexed lookup or an EXISTS, and pages are keyset
("after this row") so page 100 costs what page 1 costs.
"""

import base64
import json
from collections.abc import Mapping
from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import DateField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from .forms import NOT_ASSESSED, DirectoryFilterForm
from .models import BargainingUnit, Email, Local, Member, Phone, Worksite, fold
from .phones import normalize_phone
from .selectors import members_visible_to

# Nulls are sorted through a sentinel so the keyset comparison stays a plain comparison.
NO_HIRE_DATE = date(9999, 12, 31)
SORT_KEYS = {
    "name": ("last_name", "first_name", "id"),
    "worksite": ("sort_worksite", "last_name", "first_name", "id"),
    "hire_date": ("sort_hire_date", "last_name", "first_name", "id"),
}


def _assessment_model():
    # Assessments live in the campaigns app; reach them through the reverse relation.
    return Member._meta.get_field("assessments").related_model


def _search(qs: QuerySet[Member], text: str) -> QuerySet[Member]:
    text = text.strip()
    if not text:
        return qs
    if "@" in text:
        # Addresses are stored lower-case (members.services.email_add); the trigram index serves this.
        return qs.filter(Exists(Email.objects.filter(member=OuterRef("pk"), address__contains=text.lower())))
    digits = sum(c.isdigit() for c in text)
    if digits >= 7 and not any(c.isalpha() for c in text):
        number = normalize_phone(text)
        if number:
            # Resolve the phone first: `id IN (…) OR employee_number = …` lets PostgreSQL use both indexes.
            ids = list(Phone.objects.filter(number=number).values_list("member_id", flat=True)[:200])
            return qs.filter(Q(pk__in=ids) | Q(employee_number=text))
    words = fold(text).split()
    name_q = Q()
    for word in words:
        name_q &= Q(search_name__contains=word)
    if len(words) == 1:
        name_q |= Q(employee_number=text) | Q(employee_number=text.upper())
    return qs.filter(name_q)


def _campaign_filter(qs: QuerySet[Member], campaign_id: int, assessment: str) -> QuerySet[Member]:
    # Members the campaign concerns: its locals, units and worksites (subqueries, no join fan-out).
    qs = qs.filter(
        Q(local_id__in=Local.objects.filter(campaigns=campaign_id).values("pk"))
        | Q(bargaining_unit_id__in=BargainingUnit.objects.filter(campaigns=campaign_id).values("pk"))
        | Q(worksite_id__in=Worksite.objects.filter(campaigns=campaign_id).values("pk"))
    )
    if not assessment:
        return qs
    current = _assessment_model().objects.filter(
        member=OuterRef("pk"), campaign_id=campaign_id, is_current=True
    )
    if assessment == NOT_ASSESSED:
        return qs.filter(~Exists(current.filter(level__gt=0)))
    return qs.filter(Exists(current.filter(level=int(assessment))))


def directory_filter(qs: QuerySet[Member], filters: Mapping[str, Any]) -> QuerySet[Member]:
    """Apply cleaned directory filters (DirectoryFilterForm.filters) to a member queryset."""
    qs = _search(qs, filters.get("q") or "")
    if filters.get("worksite"):
        qs = qs.filter(worksite=filters["worksite"])
    if filters.get("department"):
        qs = qs.filter(department=filters["department"])
    if filters.get("shift"):
        qs = qs.filter(shift=filters["shift"])
    if filters.get("status"):
        qs = qs.filter(membership_status=filters["status"])
    if filters.get("tag"):
        qs = qs.filter(
            Exists(Member.tags.through.objects.filter(member=OuterRef("pk"), tag=filters["tag"]))
        )
    if filters.get("organic_leader"):
        qs = qs.filter(is_organic_leader=True)
    if filters.get("emerging_leader"):
        qs = qs.filter(is_emerging_leader=True)
    if filters.get("campaign"):
        qs = _campaign_filter(qs, filters["campaign"], filters.get("assessment") or "")
    return qs


def directory_sort(qs: QuerySet[Member], sort: str) -> QuerySet[Member]:
    """Order for the directory; every order ends with id so keyset pages are stable."""
    sort = sort if sort in SORT_KEYS else "name"
    if sort == "worksite":
        qs = qs.annotate(sort_worksite=Coalesce("worksite__name", Value("")))
    elif sort == "hire_date":
        qs = qs.annotate(sort_hire_date=Coalesce("hire_date", Value(NO_HIRE_DATE, output_field=DateField())))
    return qs.order_by(*SORT_KEYS[sort])


def member_directory(*, user, params: Mapping[str, Any], campaigns=()) -> QuerySet[Member]:
    """Members visible to the user that match the directory's search and filters, sorted.

    `params` is either the raw query string (request.GET) or DirectoryFilterForm.filters.
    Pass `campaigns` (those visible to the user) to allow the assessment filter with raw params.
    """
    if hasattr(params, "getlist"):
        params = DirectoryFilterForm(params, user=user, campaigns=campaigns).filters
    qs = directory_filter(members_visible_to(user), params)
    return directory_sort(qs, params.get("sort") or "name")


# --- keyset pages ---------------------------------------------------------------------------


def _encode(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(token: str, n: int) -> list | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != n:
        return None
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        return None
    return values


def _after(keys: tuple[str, ...], values: list) -> Q:
    """Rows strictly after `values` in the order `keys` (all ascending)."""
    clauses = [
        Q(**{keys[j]: values[j] for j in range(i)}, **{f"{keys[i]}__gt": values[i]})
        for i in range(len(keys))
    ]
    q = reduce(or_, clauses)
    # The redundant >= on the first key lets the database start the index scan there.
    return Q(**{f"{keys[0]}__gte": values[0]}) & q


def directory_page(qs: QuerySet[Member], *, sort: str, after: str = "", size: int = 50):
    """One page of an ordered directory queryset: (rows, cursor of the next page or "")."""
    sort = sort if sort in SORT_KEYS else "name"
    keys = SORT_KEYS[sort]
    if after:
        values = _decode(after, len(keys))
        if values is not None:
            if sort == "hire_date":
                try:
                    values[0] = date.fromisoformat(values[0])
                except (TypeError, ValueError):
                    values = None
            if values is not None:
                qs = qs.filter(_after(keys, values))
    rows = list(qs[: size + 1])
    if len(rows) <= size:
        return rows, ""
    rows = rows[:size]
    last = rows[-1]
    return rows, _encode([getattr(last, key) for key in keys])
