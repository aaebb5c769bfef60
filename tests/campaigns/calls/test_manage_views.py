"""The list-management pages: organizers and directors only, in scope, bad input writes nothing."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.calls.services import call_next_claim, call_submit, survey_question_add
from campaigns.models import CallList, CallListEntry, Outcome, SurveyAnswer, SurveyQuestion, Turf
from organizing.models import AuditEvent
from tests import factories as f

State = CallListEntry.State


def snapshot():
    """Everything a list-management request could write."""
    return (
        list(CallList.objects.order_by("pk").values_list(
            "name", "status", "filters", "script_en", "script_fr", "claim_minutes", "cooldown_hours",
            "max_attempts", "match_language",
        )),
        list(CallListEntry.objects.order_by("pk").values_list("member_id", "state", "claimed_by_id")),
        list(SurveyQuestion.all_objects.order_by("pk").values_list(
            "position", "kind", "label_en", "label_fr", "choices_en", "choices_fr", "maps_to", "retired_at",
        )),
        SurveyAnswer.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def campaign_organizer(world, mobilizer, organizer):
    """The organizer runs campaign A, so they manage its lists (the mobilizer's among them)."""
    world["campaign_a"].owners.add(organizer)
    return organizer


@pytest.fixture
def questions(world, mobilizer, director):
    """Two questions on the mobilizer's list; the first one already answered."""
    call_list = world["call_list"]
    petition = survey_question_add(actor=director, call_list=call_list, kind="yes_no", label_en="Petition?")
    shift = survey_question_add(
        actor=director, call_list=call_list, kind="choice", label_en="Best shift?",
        choices_en="Days\nNights",
    )
    entry = call_next_claim(actor=mobilizer, call_list=call_list)
    call_submit(actor=mobilizer, entry=entry, outcome=Outcome.REACHED, answers={petition.pk: "yes"})
    return {"petition": petition, "shift": shift}


def _settings(world, **extra):
    return {
        "name": "Hospital calls", "script_en": "Hello", "script_fr": "Bonjour", "claim_minutes": 15,
        "cooldown_hours": 24, "max_attempts": 3, **extra,
    }


def _urls(call_list, question):
    """Every list-management URL, with the method and a valid body for each."""
    pk, q = call_list.pk, question.pk
    return [
        ("get", reverse("calls:manage", args=[pk]), None),
        ("post", reverse("calls:manage", args=[pk]), {"name": "Hijacked", "claim_minutes": 15,
                                                        "cooldown_hours": 24, "max_attempts": 3}),
        ("post", reverse("calls:status", args=[pk]), {"status": "closed"}),
        ("post", reverse("calls:refresh", args=[pk]), {}),
        ("post", reverse("calls:question-add", args=[pk]), {"kind": "text", "label_en": "Sneaky?"}),
        ("get", reverse("calls:question-edit", args=[pk, q]), None),
        ("post", reverse("calls:question-edit", args=[pk, q]), {"kind": "yes_no", "label_en": "Changed?"}),
        ("post", reverse("calls:question-move", args=[pk, q]), {"direction": "down"}),
        ("post", reverse("calls:question-remove", args=[pk, q]), {}),
        ("post", reverse("calls:question-restore", args=[pk, q]), {}),
        ("post", reverse("calls:assign", args=[pk]), {"mobilizers": []}),
        ("post", reverse("calls:turfs", args=[pk]), {"by": "even", "parts": 2}),
    ]


# --- Who may manage --------------------------------------------------------------------------


def test_a_mobilizer_gets_404_on_every_management_url_and_nothing_changes(
    world, mobilizer_client, questions
):
    before = snapshot()
    for method, url, data in _urls(world["call_list"], questions["petition"]):
        response = getattr(mobilizer_client, method)(url, data or {})
        assert response.status_code == 404, (method, url)
    assert snapshot() == before


def test_an_organizer_out_of_scope_gets_404_on_every_management_url_and_nothing_changes(
    world, outsider_client, questions
):
    before = snapshot()
    for method, url, data in _urls(world["call_list"], questions["petition"]):
        response = getattr(outsider_client, method)(url, data or {})
        assert response.status_code == 404, (method, url)
    assert snapshot() == before


def test_a_question_of_another_list_is_404_and_unchanged(
    world, campaign_organizer, organizer_client, questions, director
):
    elsewhere = CallList.objects.create(campaign=world["campaign_b"], name="Clinic calls")
    foreign = survey_question_add(actor=director, call_list=elsewhere, kind="text", label_en="Clinic?")
    before = snapshot()
    pk = world["call_list"].pk
    for name, data in [
        ("calls:question-edit", {"kind": "text", "label_en": "Mine now"}),
        ("calls:question-move", {"direction": "up"}),
        ("calls:question-remove", {}),
        ("calls:question-restore", {}),
    ]:
        assert organizer_client.post(reverse(name, args=[pk, foreign.pk]), data).status_code == 404
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(world, client, questions):
    before = snapshot()
    response = client.post(reverse("calls:status", args=[world["call_list"].pk]), {"status": "closed"})
    assert response.status_code == 302 and "login" in response.url
    assert snapshot() == before


# --- Editing the list ------------------------------------------------------------------------


def test_editing_settings_without_changing_the_filter_saves_and_audits(
    world, campaign_organizer, organizer_client
):
    call_list = world["call_list"]
    response = organizer_client.post(reverse("calls:manage", args=[call_list.pk]), _settings(
        world, name="Nights", script_fr="Bonsoir", match_language="on", claim_minutes=10,
        cooldown_hours=6, max_attempts=5,
    ))
    assert response.status_code == 302 and "filter_changed" not in response.url
    call_list.refresh_from_db()
    assert (call_list.name, call_list.script_fr, call_list.match_language) == ("Nights", "Bonsoir", True)
    assert (call_list.claim_minutes, call_list.cooldown_hours, call_list.max_attempts) == (10, 6, 5)
    event = AuditEvent.objects.get(verb="call_list.update", object_id=str(call_list.pk))
    assert event.changes["name"] == ["Hospital calls", "Nights"]


def test_changing_the_filter_shows_the_refresh_diff_before_applying_it(
    world, campaign_organizer, organizer_client
):
    call_list = world["call_list"]
    other = f.MemberFactory(first_name="Carl", last_name="Nightshift", worksite=world["site_a"],
                            local=world["local_a"])
    url = reverse("calls:manage", args=[call_list.pk])
    response = organizer_client.post(url, _settings(world, worksite=[world["site_a"].pk]))
    assert response.status_code == 302 and response.url.startswith(f"{url}?filter_changed=1")
    entries_before = list(call_list.entries.values_list("member_id", "state"))
    page = organizer_client.get(response.url).content.decode()
    assert "Would be added (1)" in page and "Carl Nightshift" in page
    assert "Would be removed (0)" in page and "Apply: refresh now" in page
    # Showing the diff wrote nothing.
    assert list(call_list.entries.values_list("member_id", "state")) == entries_before
    applied = organizer_client.post(reverse("calls:refresh", args=[call_list.pk]))
    assert applied.status_code == 200 and "1 member added" in applied.content.decode()
    assert call_list.entries.filter(member=other, state=State.QUEUED).exists()


@pytest.mark.parametrize("bad", [
    {"name": ""},
    {"claim_minutes": 0},
    {"max_attempts": 0},
    {"cooldown_hours": -1},
    {"claim_minutes": "soon"},
    {"worksite": ["999999"]},
    {"not_reached_since": "yesterday"},
])
def test_bad_settings_show_errors_and_write_nothing(world, campaign_organizer, organizer_client, bad):
    before = snapshot()
    response = organizer_client.post(reverse("calls:manage", args=[world["call_list"].pk]), _settings(world, **bad))
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert snapshot() == before


def test_a_worksite_outside_the_organizers_scope_cannot_be_put_in_the_filter(
    world, campaign_organizer, organizer_client
):
    before = snapshot()
    response = organizer_client.post(
        reverse("calls:manage", args=[world["call_list"].pk]), _settings(world, worksite=[world["site_b"].pk])
    )
    assert response.status_code == 400
    assert snapshot() == before


# --- Status ----------------------------------------------------------------------------------


def test_closing_a_list_takes_it_off_the_desk_and_next_refuses(
    world, mobilizer, campaign_organizer, organizer_client
):
    call_list = world["call_list"]
    entry = call_next_claim(actor=mobilizer, call_list=call_list)
    response = organizer_client.post(reverse("calls:status", args=[call_list.pk]), {"status": "closed"}, follow=True)
    page = response.content.decode()
    assert "The list is closed" in page and "1 member being called went back to the queue." in page
    entry.refresh_from_db()
    assert entry.state == State.QUEUED and entry.claimed_by is None
    # Organizers still read the oversight, and their own "next" refuses with a message.
    assert organizer_client.get(reverse("calls:oversight", args=[call_list.pk])).status_code == 200
    refused = organizer_client.post(reverse("calls:next", args=[call_list.pk]), follow=True)
    assert "This list is not open for calls." in refused.content.decode()
    # The mobilizer no longer sees the list; its addresses tell them it closed and write nothing.
    client = Client()
    client.force_login(mobilizer)
    assert "Hospital calls" not in client.get(reverse("calls:index")).content.decode()
    before = snapshot()
    refused = client.post(reverse("calls:next", args=[call_list.pk]), follow=True)
    assert refused.redirect_chain[-1][0] == reverse("calls:index")
    assert "This list was closed by its organizer." in refused.content.decode()
    # The call they were on when it closed is refused with a message, never a 404.
    lost = client.post(
        reverse("calls:call", args=[call_list.pk, entry.pk]), {"outcome": Outcome.REACHED}, follow=True,
    )
    assert "This list was closed by its organizer: the call was not saved." in lost.content.decode()
    assert client.get(reverse("calls:desk", args=[call_list.pk])).url == reverse("calls:index")
    assert snapshot() == before
    # Reopened, it is back on their desk.
    organizer_client.post(reverse("calls:status", args=[call_list.pk]), {"status": "open"})
    assert "Hospital calls" in client.get(reverse("calls:index")).content.decode()
    assert client.post(reverse("calls:next", args=[call_list.pk])).status_code == 302
    assert [e.verb for e in AuditEvent.objects.filter(verb__startswith="call_list.").order_by("pk")] == [
        "call_list.close", "call_list.reopen",
    ]


def test_a_bad_status_writes_nothing(world, campaign_organizer, organizer_client):
    before = snapshot()
    response = organizer_client.post(reverse("calls:status", args=[world["call_list"].pk]), {"status": "gone"})
    assert response.status_code == 302
    assert snapshot() == before


def test_a_director_can_pause_any_list(world, mobilizer, director_client):
    call_list = world["call_list"]
    director_client.post(reverse("calls:status", args=[call_list.pk]), {"status": "paused"})
    call_list.refresh_from_db()
    assert call_list.status == "paused"


# --- Survey questions ------------------------------------------------------------------------


def test_an_organizer_edits_a_question_in_both_languages(world, campaign_organizer, organizer_client, questions):
    shift = questions["shift"]
    url = reverse("calls:question-edit", args=[world["call_list"].pk, shift.pk])
    page = organizer_client.get(url)
    assert page.status_code == 200 and "Best shift?" in page.content.decode()
    response = organizer_client.post(url, {
        "kind": "choice", "label_en": "Which shift suits you?", "label_fr": "Quel quart vous convient?",
        "choices_en": "Days\nNights\nEvenings", "choices_fr": "Jour\nNuit\nSoir", "maps_to": "",
    })
    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.label_fr, shift.choice_values) == ("Quel quart vous convient?", ["Days", "Nights", "Evenings"])


def test_an_answered_questions_kind_is_locked_on_its_form(world, campaign_organizer, organizer_client, questions):
    petition = questions["petition"]
    url = reverse("calls:question-edit", args=[world["call_list"].pk, petition.pk])
    assert "disabled" in organizer_client.get(url).content.decode()
    before = snapshot()
    # A forged "kind" is ignored (the field is disabled), and dropping a chosen answer is refused.
    response = organizer_client.post(url, {"kind": "text", "label_en": "Petition?"})
    assert response.status_code == 302
    assert snapshot() == before


@pytest.mark.parametrize("bad", [
    {"kind": "choice", "label_en": "Which?", "choices_en": ""},
    {"kind": "choice", "label_en": "Which?", "choices_en": "A\nB", "choices_fr": "Un"},
    {"kind": "yes_no", "label_en": ""},
    {"kind": "mystery", "label_en": "Hm?"},
    {"kind": "yes_no", "label_en": "Email?", "maps_to": "email"},
])
def test_bad_question_input_shows_errors_and_writes_nothing(
    world, campaign_organizer, organizer_client, questions, bad
):
    pk = world["call_list"].pk
    before = snapshot()
    edit = organizer_client.post(reverse("calls:question-edit", args=[pk, questions["shift"].pk]), bad)
    assert edit.status_code == 400 and 'class="errorlist' in edit.content.decode()
    add = organizer_client.post(reverse("calls:question-add", args=[pk]), bad)
    assert add.status_code == 400 and 'class="errorlist' in add.content.decode()
    assert snapshot() == before


def test_questions_are_reordered_with_buttons(world, campaign_organizer, organizer_client, questions):
    call_list = world["call_list"]
    move = reverse("calls:question-move", args=[call_list.pk, questions["shift"].pk])
    response = organizer_client.post(move, {"direction": "up"})
    assert response.status_code == 302 and response.url.endswith("#questions-title")
    assert list(call_list.questions.values_list("label_en", flat=True)) == ["Best shift?", "Petition?"]
    before = snapshot()
    organizer_client.post(move, {"direction": "sideways"})
    assert snapshot() == before


def test_removing_retires_an_answered_question_and_deletes_an_unanswered_one(
    world, campaign_organizer, organizer_client, questions
):
    call_list = world["call_list"]
    petition, shift = questions["petition"], questions["shift"]
    retired = organizer_client.post(
        reverse("calls:question-remove", args=[call_list.pk, petition.pk]), follow=True
    ).content.decode()
    assert "Question retired" in retired
    assert "Retired questions" in retired and "Petition?" in retired and "Yes: 1" in retired
    deleted = organizer_client.post(
        reverse("calls:question-remove", args=[call_list.pk, shift.pk]), follow=True
    ).content.decode()
    assert "Question deleted" in deleted
    assert not SurveyQuestion.all_objects.filter(pk=shift.pk).exists()
    assert SurveyAnswer.objects.filter(question=petition).count() == 1
    organizer_client.post(reverse("calls:question-restore", args=[call_list.pk, petition.pk]))
    assert list(call_list.questions.all()) == [petition]


# --- The page itself -------------------------------------------------------------------------


def _manage_queries(client, call_list) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("calls:manage", args=[call_list.pk])).status_code == 200
    return len(queries)


def test_the_manage_page_makes_as_many_queries_with_many_questions_and_turfs(
    world, mobilizer, campaign_organizer, organizer_client, director
):
    call_list = world["call_list"]
    survey_question_add(actor=director, call_list=call_list, kind="yes_no", label_en="Q0")
    Turf.objects.create(call_list=call_list, name="T0").mobilizers.add(mobilizer)
    _manage_queries(organizer_client, call_list)  # warm the per-process caches
    few = _manage_queries(organizer_client, call_list)
    for n in range(1, 6):
        survey_question_add(actor=director, call_list=call_list, kind="choice", label_en=f"Q{n}", choices_en="A\nB")
        Turf.objects.create(call_list=call_list, name=f"T{n}").mobilizers.add(mobilizer)
    assert _manage_queries(organizer_client, call_list) == few


def test_management_pages_render_in_french(world, campaign_organizer, organizer_client, questions):
    campaign_organizer.language = "fr"
    campaign_organizer.save()
    call_list = world["call_list"]
    for url in (
        reverse("calls:manage", args=[call_list.pk]),
        reverse("calls:question-edit", args=[call_list.pk, questions["shift"].pk]),
    ):
        page = organizer_client.get(url)
        assert page.status_code == 200
        assert '<html lang="fr">' in page.content.decode()
