"""The campaigns admin: superusers only, campaign edits audited, history read-only."""

import pytest
from django.urls import reverse

from campaigns.models import Assessment, Campaign
from organizing.models import AuditEvent, Role

from .. import factories as f
from ..conftest import enrol_totp


@pytest.fixture
def superuser_client(client, db):
    user = f.UserFactory(email="root@example.org", role=Role.DIRECTOR, is_staff=True, is_superuser=True)
    enrol_totp(user)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["campaign", "assessmentlevel", "assessment", "conversation"])
def test_superuser_sees_each_campaigns_model_in_the_admin(superuser_client, world, model):
    f.AssessmentFactory(member=world["alice"], campaign=world["campaign_a"])
    f.ConversationFactory(member=world["alice"], campaign=world["campaign_a"])
    response = superuser_client.get(reverse(f"admin:campaigns_{model}_changelist"))
    assert response.status_code == 200


def test_a_director_who_is_not_a_superuser_cannot_use_the_admin(director_client, world):
    response = director_client.get(reverse("admin:campaigns_campaign_changelist"))
    assert response.status_code in (302, 403)
    assert b"Hospital bargaining" not in response.content


def test_editing_a_campaign_in_the_admin_is_audited_with_its_scope(superuser_client, world):
    campaign = world["campaign_a"]
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    response = superuser_client.post(url, {
        "name": "Hospital bargaining 2027", "kind": campaign.kind, "status": campaign.status,
        "goals": "", "worksites": [world["site_a"].pk, world["site_b"].pk],
        "goal_targets-TOTAL_FORMS": "0", "goal_targets-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content[:2000]
    campaign.refresh_from_db()
    assert campaign.name == "Hospital bargaining 2027"
    event = AuditEvent.objects.get(verb="campaign.change.admin", object_id=str(campaign.pk))
    assert event.changes["name"] == ["Hospital bargaining", "Hospital bargaining 2027"]
    assert sorted(event.changes["worksites"][1]) == sorted([world["site_a"].pk, world["site_b"].pk])


def test_assessments_cannot_be_edited_or_deleted_in_the_admin(superuser_client, world):
    assessment = f.AssessmentFactory(member=world["alice"], campaign=world["campaign_a"], level=2)
    change = superuser_client.post(
        reverse("admin:campaigns_assessment_change", args=[assessment.pk]), {"level": 5}
    )
    delete = superuser_client.post(
        reverse("admin:campaigns_assessment_delete", args=[assessment.pk]), {"post": "yes"}
    )
    assert change.status_code == 403 and delete.status_code == 403
    assert Assessment.objects.get(pk=assessment.pk).level == 2
    assert Campaign.objects.count() == 2
