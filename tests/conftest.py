"""Personas and shared fixtures.

The world: one region, two locals (A and B). Local A has worksite A with member
`alice`; local B has worksite B with member `bob`. The organizer is assigned to
local A; the mobilizer is on the campaign covering worksite A; the outsider is an
organizer with no scope at all. The mobilizer is assigned to the call list
`world["call_list"]` on campaign A, whose only entry is alice. Directors see everything.
"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from campaigns.models import CallList, CallListEntry
from organizing.models import Role

from . import factories as f


def enrol_totp(user) -> str:
    """Give the user a TOTP authenticator, as if they had enrolled; return the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def world(db):
    region = f.RegionFactory(name="East")
    local_a = f.LocalFactory(number="100", name="Ottawa Health", region=region)
    local_b = f.LocalFactory(number="200", name="Toronto Care", region=region)
    site_a = f.WorksiteFactory(name="General Hospital")
    site_b = f.WorksiteFactory(name="Civic Clinic")
    dept_a = f.DepartmentFactory(worksite=site_a, name="Emergency")
    shift_a = f.ShiftFactory(worksite=site_a, name="Nights")
    alice = f.MemberFactory(
        first_name="Alice", last_name="Tremblay", worksite=site_a, local=local_a,
        department=dept_a, shift=shift_a,
    )
    bob = f.MemberFactory(first_name="Bob", last_name="Singh", worksite=site_b, local=local_b)
    f.PhoneFactory(member=alice, number="+16135550199")
    f.EmailFactory(member=alice, address="alice@example.net")
    campaign_a = f.CampaignFactory(name="Hospital bargaining")
    campaign_a.worksites.add(site_a)
    campaign_b = f.CampaignFactory(name="Clinic drive", kind="certification")
    campaign_b.worksites.add(site_b)
    return {
        "region": region, "local_a": local_a, "local_b": local_b, "site_a": site_a, "site_b": site_b,
        "dept_a": dept_a, "shift_a": shift_a, "alice": alice, "bob": bob,
        "campaign_a": campaign_a, "campaign_b": campaign_b,
    }


@pytest.fixture
def director(db):
    user = f.UserFactory(email="director@example.org", role=Role.DIRECTOR, full_name="Dana Director")
    enrol_totp(user)
    return user


@pytest.fixture
def organizer(world):
    user = f.UserFactory(email="organizer@example.org", role=Role.ORGANIZER, full_name="Omar Organizer")
    enrol_totp(user)
    world["local_a"].staff.add(user)
    return user


@pytest.fixture
def mobilizer(world):
    user = f.UserFactory(email="mobilizer@example.org", role=Role.MOBILIZER, full_name="Maya Mobilizer")
    world["campaign_a"].team.add(user)
    # A mobilizer sees only the members of the call lists assigned to them: alice, not bob.
    call_list = CallList.objects.create(campaign=world["campaign_a"], name="Hospital calls")
    call_list.mobilizers.add(user)
    CallListEntry.objects.create(call_list=call_list, member=world["alice"])
    world["call_list"] = call_list
    return user


@pytest.fixture
def outsider(db):
    user = f.UserFactory(email="outsider@example.org", role=Role.ORGANIZER, full_name="Olga Outsider")
    enrol_totp(user)
    return user


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def director_client(client, director):
    return _client_for(client, director)


@pytest.fixture
def organizer_client(client, organizer):
    return _client_for(client, organizer)


@pytest.fixture
def mobilizer_client(client, mobilizer):
    return _client_for(client, mobilizer)


@pytest.fixture
def outsider_client(client, outsider):
    return _client_for(client, outsider)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache (rate limits, cached visible worksites): database
    ids repeat between tests, so a cached answer could belong to another test's world."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
