"""A follow-up from a call reaches the organizer, who closes it with a note, by keyboard at phone width."""

import pytest
from django.urls import reverse

from campaigns.models import FollowUp

from .helpers import assert_accessible, sign_in, watch_csp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 375, "height": 812}}


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_mobilizers_follow_up_needing_an_organizer_is_closed_by_the_organizer(
    page, live_server, world, mobilizer, organizer
):
    world["campaign_a"].owners.add(organizer)
    organizer.language = "fr"
    organizer.save()
    call_list = world["call_list"]
    csp_errors = watch_csp(page)

    # The mobilizer reaches Alice and asks for an organizer, all by keyboard.
    sign_in(page, live_server, mobilizer)
    page.goto(live_server.url + reverse("calls:desk", args=[call_list.pk]))
    page.locator("[data-next-button]").focus()
    with page.expect_response(lambda r: r.url.endswith(reverse("calls:next", args=[call_list.pk]))):
        page.keyboard.press("Enter")
    page.locator("#member-name").wait_for()
    assert "Alice" in page.locator("#member-name").inner_text()
    page.keyboard.press("r")
    page.locator("details.call-follow-up summary").focus()
    page.keyboard.press("Enter")
    page.locator("#id_follow_up_note").focus()
    page.keyboard.type("Wants a steward at the next meeting")
    page.locator("#id_organizer_action_needed").focus()
    page.keyboard.press("Space")
    with page.expect_navigation():  # nobody else is due: the desk, as a whole page
        page.keyboard.press("Control+Enter")
    follow_up = FollowUp.objects.get(member=world["alice"])
    assert follow_up.organizer_action_needed and follow_up.assignee == mobilizer

    # It is on the mobilizer's own follow-ups, without a date.
    page.goto(live_server.url + reverse("calls:follow-ups"))
    assert "Wants a steward at the next meeting" in page.locator("#upcoming-title + ul").inner_text()
    assert_accessible(page, csp_errors=csp_errors)

    # The organizer sees it among those needing an organizer, in French, and closes it with a note.
    page.context.clear_cookies()
    sign_in(page, live_server, organizer)
    page.goto(live_server.url + reverse("calls:follow-ups"))
    assert page.locator("html").get_attribute("lang") == "fr"
    queue = page.locator("#organizer-title + ul")
    assert "Wants a steward at the next meeting" in queue.inner_text()
    assert _fits_the_screen(page)
    assert_accessible(page, csp_errors=csp_errors)
    page.locator(f"#close-note-{follow_up.pk}").focus()
    page.keyboard.type("Steward booked for Tuesday")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    follow_up.refresh_from_db()
    assert follow_up.closed_at is not None and follow_up.closed_by == organizer
    assert follow_up.closing_note == "Steward booked for Tuesday"
    assert "Wants a steward" not in page.locator("#organizer-title + ul").inner_text()
    assert_accessible(page, csp_errors=csp_errors)
