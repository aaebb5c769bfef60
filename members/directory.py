"""The member directory: search, filters, sort and keyset pages over the members a user may see.

Built to stay fast at 200,000 members on PostgreSQL: no COUNT(*) over joins, no DISTINCT,
every filter is a plain column, an indexed lookup or an EXISTS, and pages are keyset
("after this row") so page 100 costs what page 1 costs.
"""

import base64
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import (
    Case,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat

from .forms import NOT_ASSESSED, DirectoryFilterForm
from .models import BargainingUnit, Email, Local, Member, Phone, Worksite, fold
from .phones import normalize_phone
from .selectors import members_visible_to, worksite_ids_visible_to

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
        # Addresses are stored lower-case (members.services.email_add), so LIKE on the lowered text
        # is case-insensitive and the trigram index on the address serves it.
        emails = Email.objects.filter(address__contains=text.lower()).values("member_id")
        return qs.filter(pk__in=emails)
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


def campaign_scope_q(campaign_id: int) -> Q:
    """Members a campaign concerns: of its locals, units or worksites (subqueries: no join fan-out,
    no DISTINCT)."""
    return (
        Q(local_id__in=Local.objects.filter(campaigns=campaign_id).values("pk"))
        | Q(bargaining_unit_id__in=BargainingUnit.objects.filter(campaigns=campaign_id).values("pk"))
        | Q(worksite_id__in=Worksite.objects.filter(campaigns=campaign_id).values("pk"))
    )


def _campaign_filter(qs: QuerySet[Member], campaign_id: int, assessment: str) -> QuerySet[Member]:
    qs = qs.filter(campaign_scope_q(campaign_id))
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


def directory_sort(
    qs: QuerySet[Member], sort: str, *, worksite_order: list[int] | None = None, searching: bool = False
) -> QuerySet[Member]:
    """Order for the directory; every order ends with id so keyset pages are stable.

    Sorting by worksite uses the worksites' alphabetical rank (`worksite_order`, ids by name) as
    a CASE on worksite_id, so the database sorts members without joining every row first.

    `searching`: the rows are narrowed by a search. Then sorting by name orders by an expression
    equal to last_name that no index supplies (last_name || ''). Ordered by the bare columns,
    PostgreSQL walks the (last_name, first_name, id) index hoping to meet 51 matches early and
    tests `search_name LIKE '%…%'` on tens of thousands of rows (200 ms at 200,000 members); the
    expression makes it take the trigram index's few hundred matches and sort them (10 ms). The
    order, and so the keyset cursor on (last_name, first_name, id), is unchanged.
    """
    sort = sort if sort in SORT_KEYS else "name"
    if sort == "worksite":
        whens = [When(worksite_id=pk, then=Value(rank)) for rank, pk in enumerate(worksite_order or [], 1)]
        rank = Case(*whens, default=Value(0), output_field=IntegerField()) if whens else Value(0)
        qs = qs.annotate(sort_worksite=rank)
    elif sort == "hire_date":
        qs = qs.annotate(sort_hire_date=Coalesce("hire_date", Value(NO_HIRE_DATE, output_field=DateField())))
    elif searching:
        return qs.order_by(Concat("last_name", Value("")), "first_name", "id")
    return qs.order_by(*SORT_KEYS[sort])


# How to list the campaigns a user may see. Members must not import campaigns, so the campaigns
# app registers its selector here when it is ready (campaigns/apps.py).
_campaign_source: Callable[[Any], Iterable] | None = None


def register_campaign_source(source: Callable[[Any], Iterable]) -> None:
    """Called once by the campaigns app: `source(user)` returns the campaigns the user may see."""
    global _campaign_source
    _campaign_source = source


def member_directory(*, user, params: Mapping[str, Any], campaigns=None) -> QuerySet[Member]:
    """Members visible to the user that match the directory's search and filters, sorted.

    `params` is either the raw query string (request.GET) or DirectoryFilterForm.filters. With
    raw params the campaign filter accepts only campaigns the user may see: `campaigns` if given,
    else those of the registered campaign source; any other campaign id is ignored.
    """
    if hasattr(params, "getlist"):
        if campaigns is None and params.get("campaign") and _campaign_source is not None:
            campaigns = _campaign_source(user)
        params = DirectoryFilterForm(params, user=user, campaigns=campaigns or ()).filters
    qs = directory_filter(members_visible_to(user), params)
    sort = params.get("sort") or "name"
    worksite_order = None
    if sort == "worksite":
        worksite_order = list(
            Worksite.objects.filter(pk__in=worksite_ids_visible_to(user))
            .order_by("name", "pk").values_list("pk", flat=True)
        )
    searching = bool((params.get("q") or "").strip())
    return directory_sort(qs, sort, worksite_order=worksite_order, searching=searching)


# The columns a directory row shows (campaigns/_directory_rows.html) and its sort keys need.
ROW_FIELDS = (
    "id", "first_name", "last_name", "preferred_name", "pronouns", "hire_date", "membership_status",
    "is_organic_leader", "is_emerging_leader", "do_not_phone", "do_not_text", "do_not_email",
    "do_not_visit", "worksite__name", "department__name", "shift__name",
)


def directory_rows(qs: QuerySet[Member]) -> QuerySet[Member]:
    """Load only what a directory row shows: a third of the columns and three small joins,
    which halves the cost of turning a page of rows into objects."""
    return qs.select_related("worksite", "department", "shift").only(*ROW_FIELDS)


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
    # Two steps: the ids of the page from the members table alone (sorted, no joins), then those
    # rows with their worksite, department… The first step is where an index or a top-N sort
    # works; joining 200,000 rows before sorting them is what made pages slow.
    ids = list(qs.values_list("pk", flat=True)[: size + 1])
    rows = list(qs.filter(pk__in=ids)) if ids else []
    if len(rows) <= size:
        return rows, ""
    rows = rows[:size]
    last = rows[-1]
    return rows, _encode([getattr(last, key) for key in keys])
