from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.calls.services import call_next_claim, call_submit
from campaigns.models import (
    Assessment,
    Call,
    CallList,
    CallListEntry,
    Conversation,
    FollowUp,
    Outcome,
    SurveyQuestion,
)
from members.models import Member, Phone
from organizing.models import AuditEvent
from tests import factories as f

State = CallListEntry.State


def snapshot():
    """Counts of every table a call-desk request could write to."""
    return (
        Conversation.objects.count(), Assessment.objects.count(), Call.objects.count(),
        FollowUp.objects.count(), AuditEvent.objects.count(), Phone.objects.filter(status="valid").count(),
        list(CallListEntry.objects.order_by("pk").values_list("state", "claimed_by_id", "attempts")),
        list(Member.objects.order_by("pk").values_list("do_not_phone", "portal_signup_date")),
    )


@pytest.fixture
def alice_entry(world, mobilizer):
    return world["call_list"].entries.get(member=world["alice"])


@pytest.fixture
def campaign_organizer(world, organizer):
    """The organizer runs campaign A (organizers see the lists of the campaigns they run)."""
    world["campaign_a"].owners.add(organizer)
    return organizer


def test_the_desk_claims_the_next_member_and_shows_their_context(world, mobilizer_client, alice_entry):
    alice = world["alice"]
    f.ConversationFactory(member=alice, campaign=world["campaign_a"], outcome="no_answer", notes="Busy week")
    call_list = world["call_list"]
    call_list.script_en = "Hello, I'm calling from your union."
    call_list.save()
    response = mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    url = reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    assert response.status_code == 302 and response.url == url
    page = mobilizer_client.get(url).content.decode()
    assert "Alice Tremblay" in page and 'href="tel:+16135550199"' in page
    assert "General Hospital" in page and "Emergency" in page and "Nights" in page
    assert "calling from your union" in page and "Busy week" in page
    # The desk page sends the mobilizer back to their live claim.
    assert mobilizer_client.get(reverse("calls:desk", args=[call_list.pk])).url == url


def test_the_script_is_shown_in_the_members_language(world, mobilizer_client, alice_entry):
    call_list = world["call_list"]
    call_list.script_en, call_list.script_fr = "Hello", "Bonjour, c'est votre syndicat"
    call_list.save()
    world["alice"].language = "fr"
    world["alice"].save()
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    page = mobilizer_client.get(reverse("calls:call", args=[call_list.pk, alice_entry.pk])).content.decode()
    assert "Bonjour, c&#x27;est votre syndicat" in page


def test_one_submit_saves_everything_and_opens_the_next_member(world, mobilizer, mobilizer_client, alice_entry):
    call_list = world["call_list"]
    nextone = f.MemberFactory(worksite=world["site_a"], local=world["local_a"])
    f.PhoneFactory(member=nextone)
    next_entry = CallListEntry.objects.create(call_list=call_list, member=nextone)
    question = SurveyQuestion.objects.create(
        call_list=call_list, kind="yes_no", label_en="Portal?", maps_to="portal_signup"
    )
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    phone = world["alice"].phones.get()
    response = mobilizer_client.post(reverse("calls:call", args=[call_list.pk, alice_entry.pk]), {
        "outcome": "reached", "phone": phone.pk, "assessment": "2", f"q{question.pk}": "yes",
        "notes": "Angry about parking", "issues": "Parking, Staffing",
        "follow_up_due": timezone.localdate().isoformat(), "follow_up_note": "Bring a card",
        "follow_up_assignee": mobilizer.pk, "organizer_action_needed": "on",
    })
    assert response.status_code == 302
    assert response.url == reverse("calls:call", args=[call_list.pk, next_entry.pk])
    conversation = Conversation.objects.get(member=world["alice"])
    assert conversation.outcome == "reached" and conversation.notes == "Angry about parking"
    assert sorted(t.name for t in conversation.issues.all()) == ["Parking", "Staffing"]
    assert Assessment.objects.get(member=world["alice"], is_current=True).level == 2
    world["alice"].refresh_from_db()
    assert world["alice"].portal_signup_date is not None
    assert FollowUp.objects.get(member=world["alice"]).organizer_action_needed
    alice_entry.refresh_from_db()
    assert alice_entry.state == State.DONE


def test_an_invalid_submit_changes_nothing(world, mobilizer_client, alice_entry):
    call_list = world["call_list"]
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    before = snapshot()
    response = mobilizer_client.post(
        reverse("calls:call", args=[call_list.pk, alice_entry.pk]), {"outcome": "call_back"}
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_a_wrong_number_is_never_shown_again(world, mobilizer_client, alice_entry):
    call_list = world["call_list"]
    alice = world["alice"]
    bad = alice.phones.get()
    other = f.PhoneFactory(member=alice, number="+16135550123", is_primary=False)
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    url = reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    response = mobilizer_client.post(url, {"outcome": "wrong_number", "phone": bad.pk})
    # The next number is offered straight away, to the same mobilizer.
    assert response.url == url
    page = mobilizer_client.get(url).content.decode()
    assert "+16135550199" not in page and "tel:+16135550123" in page
    assert other.pk


def test_a_mobilizer_gets_404_on_every_url_of_a_member_off_their_lists(world, mobilizer, mobilizer_client):
    bob = world["bob"]
    f.PhoneFactory(member=bob)
    other_list = CallList.objects.create(campaign=world["campaign_b"], name="Clinic calls")
    bob_entry = CallListEntry.objects.create(call_list=other_list, member=bob)
    # Someone else has bob claimed; even the mobilizer's own list id with bob's entry is refused.
    other = f.UserFactory(role="mobilizer")
    other_list.mobilizers.add(other)
    call_next_claim(actor=other, call_list=other_list)
    follow_up = FollowUp.objects.create(member=bob, note="x", assignee=mobilizer)
    own = world["call_list"].pk
    before = snapshot()
    member_urls = [
        reverse(name, args=[bob.pk])
        for name in ("campaigns:member", "campaigns:member-edit", "campaigns:conversation-new",
                     "campaigns:assessment-new")
    ]
    gets = [
        *member_urls,
        reverse("calls:desk", args=[other_list.pk]),
        reverse("calls:call", args=[other_list.pk, bob_entry.pk]),
        reverse("calls:call", args=[own, bob_entry.pk]),
        reverse("calls:oversight", args=[other_list.pk]),
        reverse("calls:manage", args=[other_list.pk]),
    ]
    for url in gets:
        assert mobilizer_client.get(url).status_code == 404, url
    posts = [
        *member_urls,
        reverse("calls:next", args=[other_list.pk]),
        reverse("calls:call", args=[other_list.pk, bob_entry.pk]),
        reverse("calls:call", args=[own, bob_entry.pk]),
        reverse("calls:release", args=[other_list.pk, bob_entry.pk]),
        reverse("calls:release", args=[own, bob_entry.pk]),
        reverse("calls:follow-up-close", args=[follow_up.pk]),
        reverse("calls:refresh", args=[other_list.pk]),
        reverse("calls:assign", args=[other_list.pk]),
    ]
    for url in posts:
        response = mobilizer_client.post(url, {
            "outcome": "do_not_contact", "note": "closed", "campaign": world["campaign_b"].pk,
            "channel": "phone", "level": 1, "first_name": "Robert", "last_name": "Singh",
        })
        assert response.status_code == 404, url
    assert snapshot() == before
    assert FollowUp.objects.get(pk=follow_up.pk).closed_at is None
    # Mobilizers never export, not even the members they may call.
    for name in ("members:export-csv", "members:export-xlsx"):
        assert mobilizer_client.get(reverse(name)).status_code in (403, 404)
    assert snapshot() == before
    # And alice, on their list, is visible.
    assert mobilizer_client.get(reverse("campaigns:member", args=[world["alice"].pk])).status_code == 200


def test_mobilizers_cannot_build_or_oversee_lists(world, mobilizer_client):
    call_list = world["call_list"]
    assert mobilizer_client.get(reverse("calls:list-new")).status_code == 404
    assert mobilizer_client.get(reverse("calls:oversight", args=[call_list.pk])).status_code == 404
    assert mobilizer_client.get(reverse("calls:manage", args=[call_list.pk])).status_code == 404


def test_oversight_shows_progress_and_refreshes_as_a_fragment(
    world, mobilizer, campaign_organizer, organizer_client, alice_entry
):
    call_list = world["call_list"]
    call_submit(actor=mobilizer, entry=call_next_claim(actor=mobilizer, call_list=call_list),
                outcome=Outcome.REACHED, assessment_level=2)
    url = reverse("calls:oversight", args=[call_list.pk])
    page = organizer_client.get(url).content.decode()
    assert "Maya Mobilizer" in page and f'hx-get="{url}"' in page
    fragment = organizer_client.get(url, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert "Maya Mobilizer" in fragment.content.decode()
    assert fragment["Vary"].count("HX-Request")


def test_oversight_tallies_the_survey_answers(world, mobilizer, campaign_organizer, organizer_client, alice_entry):
    call_list = world["call_list"]
    petition = SurveyQuestion.objects.create(
        call_list=call_list, kind=SurveyQuestion.Kind.YES_NO, label_en="Sign the petition?",
        label_fr="Signer la pétition ?",
    )
    call_submit(actor=mobilizer, entry=call_next_claim(actor=mobilizer, call_list=call_list),
                outcome=Outcome.REACHED, answers={petition.pk: "yes"})
    page = organizer_client.get(reverse("calls:oversight", args=[call_list.pk])).content.decode()
    assert "Sign the petition?" in page and "1 answer (Yes: 1, No: 0)" in page


def test_an_organizer_outside_the_campaign_gets_404(world, outsider_client, mobilizer):
    call_list = world["call_list"]
    for name in ("calls:oversight", "calls:manage", "calls:desk"):
        assert outsider_client.get(reverse(name, args=[call_list.pk])).status_code == 404


def test_an_organizer_builds_a_list_from_a_filter_and_assigns_a_mobilizer(
    world, campaign_organizer, organizer_client
):
    caller = f.UserFactory(role="mobilizer", full_name="New Caller")
    response = organizer_client.post(reverse("calls:list-new"), {
        "campaign": world["campaign_a"].pk, "name": "Emergency nights", "script_en": "Hi",
        "script_fr": "Salut", "claim_minutes": 15, "cooldown_hours": 24, "max_attempts": 3,
        "status": "open", "department": [world["dept_a"].pk],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    call_list = CallList.objects.get(name="Emergency nights")
    assert call_list.filters == {"department": [world["dept_a"].pk]}
    assert [e.member for e in call_list.entries.all()] == [world["alice"]]
    organizer_client.post(reverse("calls:assign", args=[call_list.pk]), {"mobilizers": [caller.pk]})
    assert list(call_list.mobilizers.all()) == [caller]
    organizer_client.post(reverse("calls:question-add", args=[call_list.pk]), {
        "kind": "yes_no", "label_en": "Will you sign the petition?", "label_fr": "Signerez-vous la pétition?",
    })
    assert call_list.questions.count() == 1
    page = organizer_client.get(reverse("calls:manage", args=[call_list.pk]))
    assert page.status_code == 200
    refreshed = organizer_client.post(reverse("calls:refresh", args=[call_list.pk]))
    assert refreshed.status_code == 200
    organizer_client.post(reverse("calls:turfs", args=[call_list.pk]), {"by": "department", "parts": 2})
    assert call_list.turfs.count() == 1


def test_follow_ups_page_lists_mine_and_organizers_close_flagged_ones(world, mobilizer, organizer):
    alice = world["alice"]
    yesterday = timezone.localdate() - timedelta(days=1)
    mine = FollowUp.objects.create(member=alice, assignee=mobilizer, due_date=yesterday, note="Call back re petition")
    flagged = FollowUp.objects.create(member=alice, organizer_action_needed=True, note="Grievance")
    mobilizer_client, organizer_client = Client(), Client()
    mobilizer_client.force_login(mobilizer)
    organizer_client.force_login(organizer)
    page = mobilizer_client.get(reverse("calls:follow-ups")).content.decode()
    assert "Call back re petition" in page and "Grievance" not in page
    page = organizer_client.get(reverse("calls:follow-ups")).content.decode()
    assert "Grievance" in page
    organizer_client.post(reverse("calls:follow-up-close", args=[flagged.pk]), {"note": "Steward on it"})
    flagged.refresh_from_db()
    assert flagged.closed_at and flagged.closing_note == "Steward on it"
    assert mine.closed_at is None


def test_call_pages_render_in_french(world, mobilizer, mobilizer_client, alice_entry):
    mobilizer.language = "fr"
    mobilizer.save()
    call_list = world["call_list"]
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    page = mobilizer_client.get(reverse("calls:call", args=[call_list.pk, alice_entry.pk]))
    assert page.status_code == 200
    assert '<html lang="fr">' in page.content.decode()


def test_an_organizer_changes_a_lists_settings_and_filter(
    world, mobilizer, campaign_organizer, organizer_client
):
    call_list = world["call_list"]
    response = organizer_client.post(reverse("calls:manage", args=[call_list.pk]), {
        "name": "Nights only", "script_en": "Hi", "script_fr": "", "claim_minutes": 10,
        "cooldown_hours": 12, "max_attempts": 4, "status": "paused", "shift": [world["shift_a"].pk],
    })
    assert response.status_code == 302
    call_list.refresh_from_db()
    assert (call_list.name, call_list.claim_minutes, call_list.status) == ("Nights only", 10, "open")  # status has its own buttons
    assert call_list.filters == {"shift": [world["shift_a"].pk]}
    assert call_list.campaign == world["campaign_a"]
    assert AuditEvent.objects.filter(verb="call_list.update", object_id=str(call_list.pk)).exists()


def test_a_follow_up_can_be_given_to_the_campaigns_organizer(
    world, mobilizer, campaign_organizer, mobilizer_client, alice_entry
):
    call_list = world["call_list"]
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    url = reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    assert "Omar Organizer" in mobilizer_client.get(url).content.decode()
    mobilizer_client.post(url, {
        "outcome": "reached", "follow_up_assignee": campaign_organizer.pk, "follow_up_note": "Steward",
    })
    assert FollowUp.objects.get(member=world["alice"]).assignee == campaign_organizer


def test_the_screen_shows_a_changed_scale_wording_and_a_new_owner_at_once(
    world, mobilizer_client, alice_entry, organizer
):
    """The call screen keeps the scale's wording and the owners per process; a change empties it."""
    from campaigns.models import AssessmentLevel

    call_list = world["call_list"]
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    url = reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    assert mobilizer_client.get(url).status_code == 200
    level, _ = AssessmentLevel.objects.get_or_create(value=3, defaults={"label_en": "x", "label_fr": "x"})
    level.label_en = "Leaning our way today"
    level.save()
    world["campaign_a"].owners.add(organizer)
    page = mobilizer_client.get(url).content.decode()
    assert "Leaning our way today" in page
    assert f'<option value="{organizer.pk}">{organizer}</option>' in page


HX = {"HX-Request": "true"}


def _second_member(world, call_list):
    nextone = f.MemberFactory(worksite=world["site_a"], local=world["local_a"], first_name="Noor", last_name="Next")
    f.PhoneFactory(member=nextone, number="+16135550177")
    return CallListEntry.objects.create(call_list=call_list, member=nextone)


def test_with_htmx_next_answers_with_the_call_screen_and_its_address(world, mobilizer_client, alice_entry):
    call_list = world["call_list"]
    response = mobilizer_client.post(reverse("calls:next", args=[call_list.pk]), headers=HX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and 'id="call-desk"' in page and "Alice Tremblay" in page
    assert response["HX-Push-Url"] == reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    assert "HX-Request" in response["Vary"]


def test_with_htmx_one_request_saves_the_call_and_shows_the_next_member(
    world, mobilizer_client, alice_entry, django_assert_max_num_queries
):
    call_list = world["call_list"]
    next_entry = _second_member(world, call_list)
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    url = reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    # Session, user, entry, questions, the save (conversation, assessment, entry, call, audit
    # rows), the claim, then the next screen (member, counts, phones): no per-field queries.
    with django_assert_max_num_queries(30):
        response = mobilizer_client.post(url, {"outcome": "reached", "assessment": "2"}, headers=HX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page and "Noor Next" in page and "tel:+16135550177" in page
    assert "Saved: Alice Tremblay." in page
    assert response["HX-Replace-Url"] == reverse("calls:call", args=[call_list.pk, next_entry.pk])
    assert Call.objects.get(entry=alice_entry).outcome == "reached"
    assert Assessment.objects.get(member=world["alice"], is_current=True).level == 2
    next_entry.refresh_from_db()
    assert next_entry.state == State.CLAIMED


def test_with_htmx_a_refused_call_comes_back_with_its_errors_and_writes_nothing(
    world, mobilizer_client, alice_entry
):
    call_list = world["call_list"]
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    before = snapshot()
    url = reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    response = mobilizer_client.post(url, {"outcome": "call_back", "notes": "Kept"}, headers=HX)
    assert response.status_code == 400
    page = response.content.decode()
    assert "<html" not in page and "Say when to call back." in page and ">Kept</textarea>" in page
    assert "HX-Replace-Url" not in response
    assert snapshot() == before


def test_with_htmx_the_last_call_sends_the_browser_to_the_desk(world, mobilizer_client, alice_entry):
    call_list = world["call_list"]
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    url = reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    response = mobilizer_client.post(url, {"outcome": "refused"}, headers=HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("calls:desk", args=[call_list.pk])
    assert "Nobody on this list is due" in mobilizer_client.get(response["HX-Redirect"]).content.decode()


def test_reloading_a_saved_call_never_posts_it_again(world, mobilizer_client, alice_entry):
    """Without JavaScript: POST, 302, GET. A reload or Back on the old address only shows the desk."""
    call_list = world["call_list"]
    next_entry = _second_member(world, call_list)
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    url = reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    response = mobilizer_client.post(url, {"outcome": "no_answer"})
    next_url = reverse("calls:call", args=[call_list.pk, next_entry.pk])
    assert response.status_code == 302 and response.url == next_url
    assert mobilizer_client.get(next_url).status_code == 200
    before = snapshot()
    stale = mobilizer_client.get(url)
    assert stale.status_code == 302 and stale.url == reverse("calls:desk", args=[call_list.pk])
    assert mobilizer_client.get(stale.url).url == next_url
    # A second POST of the old form is refused: the claim is gone.
    again = mobilizer_client.post(url, {"outcome": "no_answer"})
    assert again.status_code == 302 and again.url == reverse("calls:desk", args=[call_list.pk])
    assert snapshot() == before


def test_a_wrong_number_with_two_numbers_asks_which_one(world, mobilizer_client, alice_entry):
    call_list = world["call_list"]
    f.PhoneFactory(member=world["alice"], number="+16135550123", is_primary=False)
    mobilizer_client.post(reverse("calls:next", args=[call_list.pk]))
    before = snapshot()
    url = reverse("calls:call", args=[call_list.pk, alice_entry.pk])
    response = mobilizer_client.post(url, {"outcome": "wrong_number"})
    assert response.status_code == 400 and "Which number was wrong?" in response.content.decode()
    bob_phone = f.PhoneFactory(member=world["bob"], number="+16135550111")
    response = mobilizer_client.post(url, {"outcome": "wrong_number", "phone": bob_phone.pk})
    assert response.status_code == 400
    assert Phone.objects.get(pk=bob_phone.pk).status == "valid"
    assert snapshot()[:5] == before[:5]


def test_the_call_screen_hides_other_campaigns_history_from_the_mobilizer(world, mobilizer_client, alice_entry):
    """The call screen is scoped like the member's timeline: notes, issues and follow-ups of a
    campaign the mobilizer is not on never show, while those of their campaign, and of calls
    tied to no campaign, do."""
    alice, mine, other = world["alice"], world["campaign_a"], world["campaign_b"]
    f.ConversationFactory(member=alice, campaign=mine, notes="Ours: staffing")
    f.ConversationFactory(member=alice, campaign=None, notes="Unattached: moved house")
    secret = f.ConversationFactory(member=alice, campaign=other, notes="Theirs: grievance about a manager")
    secret.issues.add(f.TagFactory(name="harassment-complaint"))
    FollowUp.objects.create(member=alice, campaign=other, note="Theirs: meet the steward")
    FollowUp.objects.create(member=alice, campaign=mine, note="Ours: bring a card")
    call_list = world["call_list"]
    response = mobilizer_client.post(reverse("calls:next", args=[call_list.pk]), follow=True)
    page = response.content.decode()
    assert "Ours: staffing" in page and "Unattached: moved house" in page and "Ours: bring a card" in page
    assert "Theirs" not in page and "harassment-complaint" not in page


def test_the_call_screen_shows_a_director_every_campaigns_history(world, director, alice_entry):
    alice = world["alice"]
    f.ConversationFactory(member=alice, campaign=world["campaign_b"], notes="Theirs: grievance")
    call_list = world["call_list"]
    call_list.mobilizers.add(director)
    client = Client()
    client.force_login(director)
    page = client.post(reverse("calls:next", args=[call_list.pk]), follow=True).content.decode()
    assert "Theirs: grievance" in page


def test_the_call_screen_history_shows_answers_given_before_in_the_callers_language(world, mobilizer, alice_entry):
    from campaigns.models import SurveyAnswer

    alice, call_list = world["alice"], world["call_list"]
    shift = SurveyQuestion.objects.create(
        call_list=call_list, kind=SurveyQuestion.Kind.CHOICE, position=2, label_en="Best shift?",
        label_fr="Meilleur quart ?", choices_en="Days\nNights", choices_fr="Jour\nNuit",
    )
    petition = SurveyQuestion.objects.create(
        call_list=call_list, kind=SurveyQuestion.Kind.YES_NO, position=1, label_en="Sign the petition?",
        label_fr="Signer la pétition ?",
    )
    earlier = f.ConversationFactory(member=alice, campaign=world["campaign_a"], notes="First call")
    SurveyAnswer.objects.create(conversation=earlier, question=shift, value="Nights")
    SurveyAnswer.objects.create(conversation=earlier, question=petition, value="yes")
    shift.retired_at = timezone.now()  # a retired question's answers still show
    shift.save()
    client = Client()
    client.force_login(mobilizer)
    page = client.post(reverse("calls:next", args=[call_list.pk]), follow=True).content.decode()
    history = page[page.index('id="history-title"'):]
    assert "First call" in history
    assert history.index("Sign the petition?") < history.index("Best shift?")
    assert "<dd>Yes</dd>" in history and "<dd>Nights</dd>" in history
    mobilizer.language = "fr"
    mobilizer.save()
    page = client.get(reverse("calls:call", args=[call_list.pk, alice_entry.pk])).content.decode()
    history = page[page.index('id="history-title"'):]
    assert "Signer la pétition ?" in history and "<dd>Oui</dd>" in history and "<dd>Nuit</dd>" in history


def test_the_call_screen_history_in_order_with_follow_ups_and_issues(world, mobilizer_client, alice_entry):
    alice, campaign = world["alice"], world["campaign_a"]
    now = timezone.now()
    f.ConversationFactory(member=alice, campaign=campaign, notes="Older", occurred_at=now - timedelta(days=3))
    newer = f.ConversationFactory(member=alice, campaign=campaign, notes="Newer", occurred_at=now - timedelta(days=1))
    newer.issues.add(f.TagFactory(name="staffing"), f.TagFactory(name="parking"))
    f.AssessmentFactory(member=alice, campaign=campaign, level=4, assessed_at=now - timedelta(days=2))
    FollowUp.objects.create(member=alice, campaign=campaign, note="No date")
    FollowUp.objects.create(member=alice, campaign=campaign, note="Soon", due_date=now.date(), organizer_action_needed=True)
    FollowUp.objects.create(member=alice, campaign=campaign, note="Closed", closed_at=now)
    page = mobilizer_client.post(reverse("calls:next", args=[world["call_list"].pk]), follow=True).content.decode()
    history = page[page.index('id="history-title"'):]
    assert history.index("Newer") < history.index("Older")
    assert history.index("Soon") < history.index("No date") and "Closed" not in history
    assert "parking, staffing" in history
    assert "· 4" in history
