"""An organizer manages a call list by keyboard at phone width; its pages pass axe in English and French."""

import re

import pytest
from django.urls import reverse

from campaigns.calls.services import call_next_claim, call_submit, survey_question_add
from campaigns.models import CallList, CallListEntry, Outcome, SurveyQuestion

from ..factories import MemberFactory, PhoneFactory
from .helpers import assert_accessible, sign_in, watch_csp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def managed(world, organizer, mobilizer):
    """The mobilizer's list, run by the organizer, with an answered question and a fresh one."""
    world["campaign_a"].owners.add(organizer)
    call_list = world["call_list"]
    petition = survey_question_add(
        actor=organizer, call_list=call_list, kind="yes_no", label_en="Will you sign the petition?",
        label_fr="Signerez-vous la pétition?",
    )
    survey_question_add(
        actor=organizer, call_list=call_list, kind="choice", label_en="Best shift?",
        label_fr="Meilleur quart?", choices_en="Days\nNights", choices_fr="Jour\nNuit",
    )
    entry = call_next_claim(actor=mobilizer, call_list=call_list)
    call_submit(actor=mobilizer, entry=entry, outcome=Outcome.REACHED, answers={petition.pk: "yes"})
    return call_list


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _named(page, role: str, action: str, label: str):
    """A control whose name is its action plus the (visually hidden) label of what it acts on."""
    return page.get_by_role(role, name=re.compile(rf"^{re.escape(action)}\s*:\s*{re.escape(label)}$"))


def _activate(page, locator) -> None:
    """Focus a control and press Enter on it, as a keyboard user does; wait for the new page."""
    locator.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_list_management_pages_are_accessible_and_fit_a_phone(page, live_server, managed, organizer, language):
    organizer.language = language
    organizer.save(update_fields=["language"])
    # A retired question, and a filter change waiting to be applied, so every part of the page shows.
    SurveyQuestion.objects.filter(label_en="Will you sign the petition?").update(retired_at="2026-01-01T00:00Z")
    extra = MemberFactory(worksite=managed.campaign.worksites.first(), last_name="Extra")
    PhoneFactory(member=extra)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, organizer)
    csp_errors = watch_csp(page)
    question = SurveyQuestion.all_objects.get(label_en="Best shift?")
    for url in (
        reverse("calls:manage", args=[managed.pk]) + "?filter_changed=1",
        reverse("calls:question-edit", args=[managed.pk, question.pk]),
        reverse("calls:list-new"),
    ):
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == language
        assert _fits_the_screen(page), f"{url} scrolls sideways at phone width"
        assert_accessible(page, csp_errors=csp_errors)
    # The wide layout too.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("calls:manage", args=[managed.pk]))
    assert_accessible(page, csp_errors=csp_errors)


def test_an_organizer_reorders_edits_retires_and_closes_by_keyboard(page, live_server, managed, organizer):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, organizer)
    csp_errors = watch_csp(page)
    page.goto(live_server.url + reverse("calls:manage", args=[managed.pk]))

    # Move "Best shift?" above the petition with its own button.
    _activate(page, _named(page, "button", "Move up", "Best shift?"))
    assert list(managed.questions.values_list("label_en", flat=True)) == [
        "Best shift?", "Will you sign the petition?",
    ]
    assert page.url.endswith("#questions-title")

    # Edit it: reword and add a choice, from the keyboard.
    _activate(page, _named(page, "link", "Edit", "Best shift?"))
    page.get_by_label("Question (English)").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("Which shift suits you?")
    page.get_by_label("Choices (English)").focus()
    page.keyboard.press("End")
    page.keyboard.press("Control+End")
    page.keyboard.type("\nEvenings")
    page.get_by_label("Choices (French)").focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nSoir")
    assert_accessible(page, csp_errors=csp_errors)
    _activate(page, page.get_by_role("button", name="Save the question"))
    shift = SurveyQuestion.objects.get(call_list=managed, kind="choice")
    assert (shift.label_en, shift.choice_values) == ("Which shift suits you?", ["Days", "Nights", "Evenings"])

    # The answered petition is retired, not deleted; the new question is deleted.
    _activate(page, _named(page, "button", "Retire", "Will you sign the petition?"))
    assert "Retired questions" in page.inner_text("main")
    _activate(page, _named(page, "button", "Delete", "Which shift suits you?"))
    assert not SurveyQuestion.all_objects.filter(pk=shift.pk).exists()
    assert SurveyQuestion.all_objects.filter(call_list=managed, retired_at__isnull=False).count() == 1

    # Close the list; it says so, and offers to reopen it.
    _activate(page, page.get_by_role("button", name="Close the list"))
    managed.refresh_from_db()
    assert managed.status == CallList.Status.CLOSED
    assert page.get_by_role("button", name="Reopen the list").is_visible()
    assert not CallListEntry.objects.filter(call_list=managed, state="claimed").exists()
    assert _fits_the_screen(page)
    assert_accessible(page, csp_errors=csp_errors)


def test_an_organizer_builds_a_list_from_a_filter_and_its_mobilizer_finds_it(
    page, live_server, world, organizer, mobilizer
):
    """From "New call list" to the mobilizer's desk: the saved filter picks the members."""
    page.set_viewport_size(PHONE)
    world["campaign_a"].owners.add(organizer)
    night_nurse = MemberFactory(
        first_name="Nadia", last_name="Nuit", worksite=world["site_a"], local=world["local_a"],
        department=world["dept_a"],
    )
    PhoneFactory(member=night_nurse)
    sign_in(page, live_server, organizer)
    csp_errors = watch_csp(page)
    page.goto(live_server.url + reverse("calls:list-new"))
    page.get_by_label("Campaign").select_option(str(world["campaign_a"].pk))
    page.get_by_label("Name").focus()
    page.keyboard.type("Emergency, all shifts")
    page.get_by_label("Script (English)").focus()
    page.keyboard.type("Hi, it's your union calling about staffing.")
    page.get_by_label("Script (French)").focus()
    page.keyboard.type("Bonjour, ici votre syndicat, au sujet des effectifs.")
    page.get_by_label("Departments").select_option(str(world["dept_a"].pk))
    assert _fits_the_screen(page)
    assert_accessible(page, csp_errors=csp_errors)
    _activate(page, page.get_by_role("button", name="Create the list"))

    call_list = CallList.objects.get(name="Emergency, all shifts")
    assert call_list.filters == {"department": [world["dept_a"].pk]}
    on_list = set(call_list.entries.values_list("member_id", flat=True))
    assert night_nurse.pk in on_list and world["bob"].pk not in on_list
    assert page.url.endswith(reverse("calls:manage", args=[call_list.pk]))

    # Assign the mobilizer by keyboard; the list is then on their desk.
    page.get_by_label(str(mobilizer)).focus()
    page.keyboard.press("Space")
    _activate(page, page.get_by_role("button", name="Assign", exact=True))
    assert list(call_list.mobilizers.all()) == [mobilizer]
    page.context.clear_cookies()
    sign_in(page, live_server, mobilizer)
    page.goto(live_server.url + reverse("calls:index"))
    assert page.locator(f"a[href='{reverse('calls:desk', args=[call_list.pk])}']").count() == 1
    assert_accessible(page, csp_errors=csp_errors)
