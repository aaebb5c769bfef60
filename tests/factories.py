"""Small factory graphs for tests (factory_boy)."""

import factory
from django.utils import timezone

from campaigns.models import Assessment, Campaign, Conversation
from members.models import (
    BargainingUnit,
    Department,
    Email,
    Employer,
    Local,
    Member,
    Phone,
    Region,
    Shift,
    Tag,
    Worksite,
)
from organizing.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.ORGANIZER
    password = factory.django.Password("correct-horse-battery")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Region {n}")


class LocalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Local

    number = factory.Sequence(lambda n: f"{100 + n}")
    name = factory.Sequence(lambda n: f"Local {n}")
    region = factory.SubFactory(RegionFactory)


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"Employer {n}")


class BargainingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BargainingUnit

    name = factory.Sequence(lambda n: f"Unit {n}")
    employer = factory.SubFactory(EmployerFactory)
    local = factory.SubFactory(LocalFactory)
    jurisdiction = "CA-ON"


class WorksiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worksite

    employer = factory.SubFactory(EmployerFactory)
    name = factory.Sequence(lambda n: f"Worksite {n}")
    city = "Ottawa"
    province = "ON"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    worksite = factory.SubFactory(WorksiteFactory)
    name = factory.Sequence(lambda n: f"Department {n}")


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    worksite = factory.SubFactory(WorksiteFactory)
    name = factory.Sequence(lambda n: f"Shift {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag{n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    employee_number = factory.Sequence(lambda n: f"E{n:06d}")
    worksite = factory.SubFactory(WorksiteFactory)
    employer = factory.SelfAttribute("worksite.employer")
    local = factory.SubFactory(LocalFactory)


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phone

    member = factory.SubFactory(MemberFactory)
    number = factory.Sequence(lambda n: f"+1613555{n % 10000:04d}")
    is_primary = True


class EmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Email

    member = factory.SubFactory(MemberFactory)
    address = factory.Sequence(lambda n: f"member{n}@example.net")
    is_primary = True


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    kind = Campaign.Kind.BARGAINING
    status = Campaign.Status.ACTIVE


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    member = factory.SubFactory(MemberFactory)
    campaign = factory.SubFactory(CampaignFactory)
    level = 3
    assessed_at = factory.LazyFunction(timezone.now)


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    member = factory.SubFactory(MemberFactory)
    campaign = factory.SubFactory(CampaignFactory)
    outcome = "reached"
    occurred_at = factory.LazyFunction(timezone.now)
