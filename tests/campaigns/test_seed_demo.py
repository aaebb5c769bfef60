"""The demo union: realistic, consistent, and idempotent.

Seeding 3,000 members takes a few seconds, so one test seeds once and checks everything.
"""

import re
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q

from campaigns.management.commands.seed_demo import DEMO_TOTP_SECRET, demo_password
from campaigns.models import Assessment, CallList, Campaign, Conversation, Outcome
from members.models import Member, Phone, Worksite, fold
from members.selectors import members_visible_to
from organizing.models import Role, User


def _row_counts() -> dict[str, int]:
    """Rows in every table, through tables included."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table in tables
    }


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_builds_a_consistent_union_and_a_second_run_creates_nothing(settings):
    settings.DEBUG = True
    output = _seed()

    assert Member.objects.count() == 3000
    assert Worksite.objects.count() == 12
    assert Campaign.objects.count() == 3
    assert set(Campaign.objects.values_list("kind", flat=True)) == set(Campaign.Kind.values)
    assert 2000 <= Conversation.objects.count() <= 9000
    # Realistic outcomes: most calls are not answered.
    outcomes = dict(Conversation.objects.values_list("outcome").annotate(n=Count("id")))
    assert outcomes[Outcome.NO_ANSWER] > outcomes[Outcome.REACHED]

    # Exactly one current assessment per member and campaign, and it is the latest.
    per_pair = Assessment.objects.values("member", "campaign").annotate(
        current=Count("id", filter=Q(is_current=True))
    )
    assert per_pair and all(row["current"] == 1 for row in per_pair)
    for current in Assessment.objects.filter(is_current=True).order_by("?")[:200]:
        latest = (
            Assessment.objects.filter(member=current.member_id, campaign=current.campaign_id)
            .order_by("-assessed_at", "-id")
            .first()
        )
        assert latest.pk == current.pk
    # Some members moved 3 → 2 → 1 and the history keeps every step.
    movers = [
        pair
        for pair in Assessment.objects.filter(is_current=True, level=1).values_list(
            "member", "campaign"
        )
        if list(
            Assessment.objects.filter(member=pair[0], campaign=pair[1])
            .order_by("assessed_at")
            .values_list("level", flat=True)
        )
        == [3, 2, 1]
    ]
    assert movers

    # Phones are E.164 and no two members share one; names keep their accents and fold for search.
    assert not Phone.objects.exclude(number__regex=r"^\+1[0-9]{10}$").exists()
    assert not Phone.objects.values("number").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Member.objects.filter(last_name__in=["Gagné", "Bélanger", "Côté"]).exists()
    helene = Member.objects.filter(first_name="Hélène").first()
    parts = [helene.first_name, helene.preferred_name, helene.last_name]
    assert helene.search_name == fold(" ".join(filter(None, parts)))
    assert helene.search_name.startswith("helene")
    assert Member.objects.filter(emails=None).exists()
    duplicates = (
        Member.objects.exclude(employee_number="")
        .values("employer", "employee_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    leaders = Member.objects.filter(is_organic_leader=True).count()
    assert 30 <= leaders <= 150

    # One login per role; the printed passwords work; staff are enrolled in TOTP.
    users = {u.email: u for u in User.objects.filter(email__endswith="@demo.local")}
    assert {u.role for u in users.values()} == set(Role.values)
    for email, user in users.items():
        assert demo_password(email) in output
        assert user.check_password(demo_password(email))
        enrolled = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        assert enrolled == user.must_use_mfa
    assert DEMO_TOTP_SECRET in output
    assert re.fullmatch(r"\d{6}", format_hotp_value(hotp_value(DEMO_TOTP_SECRET, 1)))
    assert users["organisatrice@demo.local"].language == "fr"
    assert users["mobilizer@demo.local"].speaks_french
    # Each login sees only its scope: the organizer their local, the mobilizer their call list.
    organizer, mobilizer = users["organizer@demo.local"], users["mobilizer@demo.local"]
    assert 0 < members_visible_to(organizer).count() < 3000
    call_list = CallList.objects.get(mobilizers=mobilizer)
    on_list = set(call_list.entries.values_list("member_id", flat=True))
    assert on_list and set(members_visible_to(mobilizer).values_list("pk", flat=True)) == on_list
    # Its survey, in both languages, one question filling in the member's portal sign-up.
    questions = list(call_list.questions.all())
    assert len(questions) == 3 and all(q.label_fr for q in questions)
    assert [q.maps_to for q in questions].count("portal_signup") == 1

    before = _row_counts()
    second = _seed()
    assert _row_counts() == before
    assert "nothing was created" in second


@pytest.mark.django_db
def test_seed_demo_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    before = _row_counts()
    with pytest.raises(CommandError, match="DEBUG"):
        _seed("--members", "10")
    assert _row_counts() == before
