"""Helpers for the call desk tests: a list of phoneable members and some mobilizers."""

import pytest

from campaigns.models import CallList, CallListEntry
from organizing.models import Role
from tests import factories as f


def make_mobilizer(n: int, **extra):
    return f.UserFactory(
        email=f"caller{n}@example.org", role=Role.MOBILIZER, full_name=f"Caller {n}", **extra
    )


@pytest.fixture
def phone_list(world):
    """A call list on campaign A with 6 members of worksite A, each with one valid phone."""

    def build(size: int = 6, mobilizers=(), **options) -> CallList:
        call_list = CallList.objects.create(campaign=world["campaign_a"], name="Phone bank", **options)
        for i in range(size):
            member = f.MemberFactory(worksite=world["site_a"], local=world["local_a"], last_name=f"M{i:04d}")
            f.PhoneFactory(member=member)
            CallListEntry.objects.create(call_list=call_list, member=member)
        call_list.mobilizers.add(*mobilizers)
        return call_list

    return build
