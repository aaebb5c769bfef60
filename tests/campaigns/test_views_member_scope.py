"""Every member URL: 404 outside the user's scope (GET and POST) with nothing written; the
right role succeeds; bad input gets a clear message and writes nothing."""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Assessment, Conversation
from members.models import Email, Member, Phone
from organizing.models import AuditEvent

pytestmark = pytest.mark.django_db

MEMBER_URLS = ["campaigns:member", "campaigns:member-edit", "campaigns:conversation-new", "campaigns:assessment-new"]


def snapshot(member: Member) -> dict:
    """Everything a refused request could have changed."""
    member.refresh_from_db()
    return {
        "conversations": Conversation.objects.count(),
        "assessments": Assessment.objects.count(),
        "audit": AuditEvent.objects.count(),
        "phones": Phone.objects.count(),
        "emails": Email.objects.count(),
        "member": model_to_dict(member, exclude=["tags"]),
        "updated_at": member.updated_at,
        "tags": sorted(member.tags.values_list("pk", flat=True)),
    }


def hostile_post(world) -> dict:
    """A POST that would change something on every form if it were accepted."""
    return {
        "campaign": world["campaign_b"].pk, "channel": "phone", "outcome": "do_not_contact",
        "level": "5", "assessment": "5", "notes": "x", "note": "x",
        "first_name": "Changed", "last_name": "Changed", "language": "fr", "employment_status": "active",
        "membership_status": "member", "do_not_phone": "on", "new_phone": "613 555 0100",
        "new_email": "changed@example.net",
    }


@pytest.mark.parametrize("persona", ["organizer", "mobilizer", "outsider"])
@pytest.mark.parametrize("name", MEMBER_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_member_urls_are_404_outside_scope_and_change_nothing(client, world, request, persona, name, method):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    bob = world["bob"]
    before = snapshot(bob)
    url = reverse(name, args=[bob.pk])
    response = client.get(url) if method == "get" else client.post(url, hostile_post(world))
    assert response.status_code == 404
    assert snapshot(bob) == before


@pytest.mark.parametrize("name", MEMBER_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_member_urls_are_404_for_a_member_that_does_not_exist(director_client, world, name, method):
    url = reverse(name, args=[999999])
    response = director_client.get(url) if method == "get" else director_client.post(url, {})
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_mobilizer_cannot_edit_even_a_member_in_scope(mobilizer_client, world, method):
    alice = world["alice"]
    before = snapshot(alice)
    url = reverse("campaigns:member-edit", args=[alice.pk])
    response = mobilizer_client.get(url) if method == "get" else mobilizer_client.post(url, hostile_post(world))
    assert response.status_code == 404
    assert snapshot(alice) == before


def test_anonymous_is_sent_to_sign_in(client, world):
    for name in MEMBER_URLS:
        response = client.get(reverse(name, args=[world["alice"].pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["organizer", "mobilizer", "director"])
def test_member_profile_opens_for_roles_in_scope(client, world, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("campaigns:member", args=[world["alice"].pk])).status_code == 200


def edit_data(member: Member, **changes) -> dict:
    data = {
        "first_name": member.first_name, "last_name": member.last_name, "preferred_name": "",
        "pronouns": "", "language": member.language, "employee_number": member.employee_number,
        "employer": member.employer_id or "", "worksite": member.worksite_id or "",
        "department": member.department_id or "", "shift": member.shift_id or "",
        "local": member.local_id or "", "employment_status": member.employment_status,
        "membership_status": member.membership_status, "new_phone_kind": "mobile",
        "new_email_kind": "personal",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_organizer_edits_a_member_and_adds_a_phone_and_email(organizer_client, organizer, world):
    alice = world["alice"]
    response = organizer_client.post(
        reverse("campaigns:member-edit", args=[alice.pk]),
        edit_data(alice, pronouns="she/her", is_organic_leader="on", new_phone="(613) 555-0142",
                  new_email="Alice.T@Example.net"),
    )
    assert response.status_code == 302, response.context["form"].errors
    alice.refresh_from_db()
    assert alice.pronouns == "she/her" and alice.is_organic_leader
    assert alice.phones.filter(number="+16135550142").exists()
    assert alice.emails.filter(address="alice.t@example.net").exists()
    verbs = set(AuditEvent.objects.filter(actor=organizer).values_list("verb", flat=True))
    assert {"member.update", "phone.add", "email.add"} <= verbs


def test_director_edit_shows_in_the_timeline(director_client, world):
    alice = world["alice"]
    director_client.post(reverse("campaigns:member-edit", args=[alice.pk]), edit_data(alice, pronouns="elle"))
    body = director_client.get(reverse("campaigns:member", args=[alice.pk])).content.decode()
    assert "Details changed" in body and "elle" in body


def test_edit_with_unparseable_phone_writes_nothing(organizer_client, world):
    alice = world["alice"]
    before = snapshot(alice)
    response = organizer_client.post(
        reverse("campaigns:member-edit", args=[alice.pk]),
        edit_data(alice, pronouns="they/them", new_phone="call me maybe"),
    )
    assert response.status_code == 200
    assert "This is not a phone number we can dial." in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert snapshot(alice) == before


def test_edit_cannot_put_a_department_of_another_worksite(director_client, world):
    alice = world["alice"]
    other = world["site_b"].departments.create(name="Lab")
    before = snapshot(alice)
    response = director_client.post(
        reverse("campaigns:member-edit", args=[alice.pk]), edit_data(alice, department=other.pk)
    )
    assert response.status_code == 200
    assert snapshot(alice) == before


def test_organizer_cannot_move_a_member_to_a_worksite_outside_scope(organizer_client, world):
    alice = world["alice"]
    before = snapshot(alice)
    response = organizer_client.post(
        reverse("campaigns:member-edit", args=[alice.pk]),
        edit_data(alice, worksite=world["site_b"].pk, department=None, shift=None),
    )
    assert response.status_code == 200
    assert "worksite" in response.context["form"].errors
    assert snapshot(alice) == before


def test_mobilizer_logs_a_conversation_with_an_assessment(mobilizer_client, mobilizer, world):
    alice = world["alice"]
    when = (timezone.localtime() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = mobilizer_client.post(reverse("campaigns:conversation-new", args=[alice.pk]), {
        "campaign": world["campaign_a"].pk, "channel": "phone", "outcome": "reached",
        "occurred_at": when, "assessment": "2", "notes": "Worried about nights",
    })
    assert response.status_code == 302
    conversation = Conversation.objects.get(member=alice)
    assert conversation.user == mobilizer and conversation.notes == "Worried about nights"
    assert timezone.now() - conversation.occurred_at > timedelta(days=1)
    assert Assessment.objects.get(member=alice, is_current=True).level == 2


def test_conversation_dated_in_the_future_is_refused(mobilizer_client, world):
    alice = world["alice"]
    before = snapshot(alice)
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = mobilizer_client.post(reverse("campaigns:conversation-new", args=[alice.pk]), {
        "campaign": world["campaign_a"].pk, "channel": "phone", "outcome": "reached", "occurred_at": when,
    })
    assert response.status_code == 200
    assert "This cannot be in the future." in response.content.decode()
    assert snapshot(alice) == before


def test_conversation_in_a_campaign_the_user_cannot_see_is_refused(mobilizer_client, world):
    alice = world["alice"]
    before = snapshot(alice)
    response = mobilizer_client.post(reverse("campaigns:conversation-new", args=[alice.pk]), {
        "campaign": world["campaign_b"].pk, "channel": "phone", "outcome": "reached",
    })
    assert response.status_code == 200
    assert "campaign" in response.context["form"].errors
    assert snapshot(alice) == before


def test_call_back_needs_a_time(mobilizer_client, world):
    alice = world["alice"]
    before = snapshot(alice)
    response = mobilizer_client.post(reverse("campaigns:conversation-new", args=[alice.pk]), {
        "campaign": world["campaign_a"].pk, "channel": "phone", "outcome": "call_back",
    })
    assert response.status_code == 200
    assert "Say when to call back." in response.content.decode()
    assert snapshot(alice) == before


def test_do_not_contact_outcome_sets_the_flags(director_client, world):
    alice = world["alice"]
    director_client.post(reverse("campaigns:conversation-new", args=[alice.pk]), {
        "channel": "phone", "outcome": "do_not_contact",
    })
    alice.refresh_from_db()
    assert alice.do_not_contact


def test_mobilizer_records_an_assessment(mobilizer_client, mobilizer, world):
    alice = world["alice"]
    response = mobilizer_client.post(reverse("campaigns:assessment-new", args=[alice.pk]), {
        "campaign": world["campaign_a"].pk, "level": "3", "note": "Undecided about the petition",
    })
    assert response.status_code == 302
    assessment = Assessment.objects.get(member=alice, is_current=True)
    assert assessment.level == 3 and assessment.assessed_by == mobilizer
    assert AuditEvent.objects.filter(verb="assessment.record", actor=mobilizer).exists()


def test_backdated_assessment_is_kept_but_does_not_replace_the_current_one(director_client, world):
    alice = world["alice"]
    url = reverse("campaigns:assessment-new", args=[alice.pk])
    director_client.post(url, {"campaign": world["campaign_a"].pk, "level": "2"})
    old = (timezone.localtime() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    director_client.post(url, {"campaign": world["campaign_a"].pk, "level": "4", "assessed_at": old})
    assert Assessment.objects.filter(member=alice).count() == 2
    assert Assessment.objects.get(member=alice, is_current=True).level == 2


@pytest.mark.parametrize("data", [
    {"level": "3"},  # no campaign
    {"campaign": "CAMPAIGN_B", "level": "3"},  # a campaign the user cannot see
    {"campaign": "CAMPAIGN_A", "level": "9"},  # off the scale
    {"campaign": "CAMPAIGN_A", "level": "3", "assessed_at": "tomorrow-ish"},
])
def test_bad_assessment_input_writes_nothing(mobilizer_client, world, data):
    alice = world["alice"]
    ids = {"CAMPAIGN_A": world["campaign_a"].pk, "CAMPAIGN_B": world["campaign_b"].pk}
    data = {k: ids.get(v, v) for k, v in data.items()}
    before = snapshot(alice)
    response = mobilizer_client.post(reverse("campaigns:assessment-new", args=[alice.pk]), data)
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert snapshot(alice) == before


def test_forms_offer_only_visible_campaigns(mobilizer_client, world):
    for name in ["campaigns:conversation-new", "campaigns:assessment-new"]:
        body = mobilizer_client.get(reverse(name, args=[world["alice"].pk])).content.decode()
        assert "Hospital bargaining" in body and "Clinic drive" not in body
