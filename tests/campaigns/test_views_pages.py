"""The organizing pages render for each role and show only what the role may see."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Assessment, Campaign
from members.selectors import members_visible_to
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_directory_lists_visible_members_for_director(director_client, world):
    response = director_client.get(reverse("campaigns:directory"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tremblay" in body and "Singh" in body
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_directory_for_organizer_hides_members_outside_scope(organizer_client, world):
    body = organizer_client.get(reverse("campaigns:directory")).content.decode()
    assert "Tremblay" in body
    assert "Singh" not in body


def test_directory_htmx_request_returns_only_the_rows(director_client, world):
    response = director_client.get(reverse("campaigns:directory"), {"q": "alice"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "Tremblay" in body and "Singh" not in body


def test_member_profile_shows_contacts_and_actions(director_client, world):
    alice = world["alice"]
    response = director_client.get(reverse("campaigns:member", args=[alice.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="tel:+16135550199"' in body
    assert "alice@example.net" in body
    assert reverse("campaigns:member-edit", args=[alice.pk]) in body


def test_member_profile_shows_do_not_contact_prominently(director_client, world):
    alice = world["alice"]
    alice.do_not_phone = True
    alice.save()
    body = director_client.get(reverse("campaigns:member", args=[alice.pk])).content.decode()
    assert "alert-dnc" in body
    assert 'href="tel:' not in body


def test_mobilizer_profile_has_no_edit_link(mobilizer_client, world):
    alice = world["alice"]
    body = mobilizer_client.get(reverse("campaigns:member", args=[alice.pk])).content.decode()
    assert reverse("campaigns:member-edit", args=[alice.pk]) not in body


def test_member_profile_timeline_shows_conversations_and_assessments(director_client, director, world):
    alice = world["alice"]
    f.ConversationFactory(member=alice, campaign=world["campaign_a"], notes="Talked about staffing")
    f.AssessmentFactory(member=alice, campaign=world["campaign_a"], level=2, note="Keen")
    body = director_client.get(reverse("campaigns:member", args=[alice.pk])).content.decode()
    assert "Talked about staffing" in body
    assert "Keen" in body
    assert "chip-2" in body


def test_worksite_list_counts_only_visible_members(organizer_client, world):
    response = organizer_client.get(reverse("campaigns:worksite-list"))
    worksites = list(response.context["worksites"])
    assert [w.name for w in worksites] == ["General Hospital"]
    assert worksites[0].member_count == 1


def test_worksite_page_grid_counts_departments_shifts_and_assessments(director_client, world):
    site = world["site_a"]
    f.AssessmentFactory(member=world["alice"], campaign=world["campaign_a"], level=2)
    f.MemberFactory(worksite=site, local=world["local_a"], department=world["dept_a"])
    response = director_client.get(reverse("campaigns:worksite", args=[site.pk]))
    assert response.status_code == 200
    grid = response.context["grid"]
    assert response.context["campaign"] == world["campaign_a"]
    assert grid["total"]["total"] == 2
    assert grid["total"]["levels"][2] == 1
    assert grid["total"]["levels"][0] == 1
    emergency = grid["departments"][0]
    assert emergency["department"] == world["dept_a"]
    # Alice works nights; the other has no shift.
    assert [cell["total"] for cell in emergency["cells"]] == [1, 1]


def test_organizer_gets_404_for_worksite_outside_scope(organizer_client, world):
    assert organizer_client.get(reverse("campaigns:worksite", args=[world["site_b"].pk])).status_code == 404


def test_worksite_page_with_campaign_not_visible_is_404(organizer_client, world):
    url = reverse("campaigns:worksite", args=[world["site_a"].pk])
    assert organizer_client.get(url, {"campaign": world["campaign_b"].pk}).status_code == 404


def test_campaign_list_and_detail_for_organizer(organizer_client, world):
    world["campaign_a"].locals.add(world["local_a"])
    body = organizer_client.get(reverse("campaigns:campaign-list")).content.decode()
    assert "Hospital bargaining" in body and "Clinic drive" not in body
    f.AssessmentFactory(member=world["alice"], campaign=world["campaign_a"], level=1)
    f.ConversationFactory(member=world["alice"], campaign=world["campaign_a"])
    response = organizer_client.get(reverse("campaigns:campaign", args=[world["campaign_a"].pk]))
    assert response.status_code == 200
    assert response.context["recent_conversations"] == 1
    rows = {row["value"]: row["count"] for row in response.context["assessment_rows"]}
    assert rows[1] == 1 and rows[0] == 0
    assert "General Hospital" in response.content.decode()


def test_organizer_gets_404_for_campaign_outside_scope(organizer_client, world):
    url = reverse("campaigns:campaign", args=[world["campaign_b"].pk])
    assert organizer_client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["campaigns:directory", "campaigns:worksite-list", "campaigns:campaign-list"])
def test_pages_render_in_french(director_client, world, name):
    director_client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    response = director_client.get(reverse(name))
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_pages_carry_no_inline_styles_or_scripts(director_client, world):
    for url in [
        reverse("campaigns:directory"), reverse("campaigns:member", args=[world["alice"].pk]),
        reverse("campaigns:worksite", args=[world["site_a"].pk]),
        reverse("campaigns:campaign", args=[world["campaign_a"].pk]),
        reverse("campaigns:member-edit", args=[world["alice"].pk]),
        reverse("campaigns:conversation-new", args=[world["alice"].pk]),
        reverse("campaigns:assessment-new", args=[world["alice"].pk]),
    ]:
        body = director_client.get(url).content.decode()
        assert " style=" not in body and "<style" not in body, url
        assert "<script>" not in body, url


def _reference_counts(*, user, campaign: Campaign) -> dict[int, int]:
    """The campaign page's counts, the plain way: visible members by current assessment (0 = none)."""
    members = members_visible_to(user).filter(pk__in=campaign.members_in_scope().values("pk"))
    total = members.count()
    rows = (
        Assessment.objects.filter(campaign=campaign, is_current=True, member__in=members)
        .values("level")
        .annotate(n=Count("id"))
    )
    counts = {level: 0 for level in range(1, 6)}
    for row in rows:
        if row["level"]:
            counts[row["level"]] += row["n"]
    counts[0] = total - sum(counts.values())
    return dict(sorted(counts.items()))


@pytest.mark.parametrize("persona", ["director", "organizer"])
def test_campaign_page_counts_agree_with_the_reference_selector(client, world, request, persona):
    from campaigns.selectors import campaign_level_counts

    user = request.getfixturevalue(persona)
    campaign = world["campaign_a"]
    campaign.locals.add(world["local_a"], world["local_b"])
    for level in (1, 2, 2, 5, 0):
        f.AssessmentFactory(member=f.MemberFactory(local=world["local_a"]), campaign=campaign, level=level)
    f.AssessmentFactory(member=world["bob"], campaign=campaign, level=3)
    f.AssessmentFactory(member=world["alice"], campaign=campaign, level=4, is_current=False)
    f.MemberFactory(local=world["local_b"])
    assert campaign_level_counts(user=user, campaign=campaign) == _reference_counts(user=user, campaign=campaign)


def test_directory_history_restore_gets_the_whole_page(director_client, world):
    response = director_client.get(
        reverse("campaigns:directory"), {"q": "alice"},
        HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_organizer_edit_form_offers_only_worksites_in_scope(organizer_client, world):
    response = organizer_client.get(reverse("campaigns:member-edit", args=[world["alice"].pk]))
    form = response.context["form"]
    assert list(form.fields["worksite"].queryset) == [world["site_a"]]
    assert world["site_b"].employer not in form.fields["employer"].queryset


def test_htmx_refresh_updates_the_status_and_the_export_links_in_place(director_client, world):
    response = director_client.get(
        reverse("campaigns:directory"), {"q": "alice", "after": "x"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'id="results-summary"' in body and 'hx-swap-oob="innerHTML"' in body
    assert 'id="directory-actions"' in body
    assert "?q=alice" in body and "after=" not in body.split('id="directory-actions"')[1].split("</p>")[0]


def test_member_profile_timeline_shows_25_items_then_older_pages(director_client, world):
    alice = world["alice"]
    start = timezone.now() - timedelta(days=100)
    for i in range(30):
        f.ConversationFactory(member=alice, campaign=world["campaign_a"], notes=f"Talk {i:02}",
                              occurred_at=start + timedelta(days=i))
    url = reverse("campaigns:member", args=[alice.pk])
    first = director_client.get(url)
    assert len(first.context["timeline"]) == 25
    body = first.content.decode()
    assert "Talk 29" in body and "Talk 05" in body and "Talk 04" not in body
    assert first.context["older_url"] == "?timeline=2#timeline"
    assert 'href="?timeline=2#timeline"' in body
    assert not first.context["newer_url"]
    older = director_client.get(url, {"timeline": "2"})
    assert [item["obj"].notes for item in older.context["timeline"]] == [f"Talk {i:02}" for i in range(4, -1, -1)]
    assert not older.context["older_url"]
    assert older.context["newer_url"] == f"{url}#timeline"
    # Past the end, and nonsense, are an empty page and the first page: never an error.
    assert director_client.get(url, {"timeline": "9"}).context["timeline"] == []
    assert len(director_client.get(url, {"timeline": "x"}).context["timeline"]) == 25


def test_member_profile_timeline_hides_other_campaigns_from_a_mobilizer(mobilizer_client, world):
    alice = world["alice"]
    f.ConversationFactory(member=alice, campaign=world["campaign_a"], notes="Ours")
    f.ConversationFactory(member=alice, campaign=world["campaign_b"], notes="Theirs")
    f.ConversationFactory(member=alice, campaign=None, notes="No campaign")
    f.AssessmentFactory(member=alice, campaign=world["campaign_b"], level=3, note="Their assessment")
    body = mobilizer_client.get(reverse("campaigns:member", args=[alice.pk])).content.decode()
    assert "Ours" in body and "No campaign" in body
    assert "Theirs" not in body and "Their assessment" not in body


def test_member_profile_timeline_shows_survey_answers_in_the_interface_language(director_client, director, world):
    from campaigns.models import CallList, SurveyAnswer, SurveyQuestion

    alice = world["alice"]
    call_list = CallList.objects.create(campaign=world["campaign_a"], name="Petition calls")
    petition = SurveyQuestion.objects.create(
        call_list=call_list, kind=SurveyQuestion.Kind.YES_NO, label_en="Will you sign?", label_fr="Allez-vous signer ?",
    )
    shift = SurveyQuestion.objects.create(
        call_list=call_list, kind=SurveyQuestion.Kind.CHOICE, label_en="Best shift?", label_fr="Meilleur quart ?",
        choices_en="Days\nNights", choices_fr="Jour\nNuit", position=1,
    )
    conversation = f.ConversationFactory(member=alice, campaign=world["campaign_a"], notes="Petition call")
    SurveyAnswer.objects.create(conversation=conversation, question=petition, value="yes")
    SurveyAnswer.objects.create(conversation=conversation, question=shift, value="Nights")
    # A retired question's answer still shows: it is what the member said.
    SurveyQuestion.all_objects.filter(pk=shift.pk).update(retired_at=conversation.occurred_at)
    url = reverse("campaigns:member", args=[alice.pk])
    body = director_client.get(url).content.decode()
    assert "<dt>Will you sign?</dt><dd>Yes</dd>" in body
    assert "<dt>Best shift?</dt><dd>Nights</dd>" in body
    director.language = "fr"
    director.save(update_fields=["language"])
    body = director_client.get(url).content.decode()
    assert "<dt>Allez-vous signer ?</dt><dd>Oui</dd>" in body
    assert "<dt>Meilleur quart ?</dt><dd>Nuit</dd>" in body


def test_member_profile_hides_answers_of_other_campaigns_from_a_mobilizer(mobilizer_client, world):
    from campaigns.models import CallList, SurveyAnswer, SurveyQuestion

    alice = world["alice"]
    other = CallList.objects.create(campaign=world["campaign_b"], name="Their calls")
    question = SurveyQuestion.objects.create(call_list=other, kind=SurveyQuestion.Kind.TEXT, label_en="Their question")
    conversation = f.ConversationFactory(member=alice, campaign=world["campaign_b"], notes="Theirs")
    SurveyAnswer.objects.create(conversation=conversation, question=question, value="Their secret answer")
    body = mobilizer_client.get(reverse("campaigns:member", args=[alice.pk])).content.decode()
    assert "Their question" not in body and "Their secret answer" not in body
