"""Whole journeys in a real browser, with an accessibility check on every page visited."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from campaigns.models import Assessment, Conversation
from organizing.models import Role

from ..factories import UserFactory
from .helpers import assert_accessible, sign_in, totp_code, totp_secret_on, watch_csp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct-horse-battery"


def _focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name || ''")


def _tab_to(page, name: str, most: int = 3) -> None:
    """Press Tab until the field `name` has focus (a help link may sit in between)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if _focused(page) == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


def _open_form(page, action_suffix: str):
    """The profile's form posting to `action_suffix`: on the page itself, or behind a link."""
    form = page.locator(f"form[action$='{action_suffix}']")
    if not form.count():
        link = page.locator(f"a[href$='{action_suffix}']").first
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(re.escape(action_suffix) + "$"))
        form = page.locator(f"form[action$='{action_suffix}'], main form[method=post]").first
    return form.first


def _submit(page, form) -> None:
    button = form.locator("button[type=submit], input[type=submit]").last
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_director_signs_in_enrols_totp_finds_a_member_by_phone_and_logs_a_conversation(
    page, live_server, world
):
    alice, campaign = world["alice"], world["campaign_a"]
    director = UserFactory(email="dana@example.org", role=Role.DIRECTOR, full_name="Dana Director")
    csp_errors = watch_csp(page)

    # Sign in through the real form, by keyboard.
    page.goto(live_server.url + reverse("account_login"))
    assert_accessible(page, csp_errors=csp_errors)
    page.locator("input[name=login]").focus()
    page.keyboard.type(director.email)
    _tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # A director without an authenticator is sent to enrol before any member data
    # (allauth may first ask for the password again: enrolling is a sensitive change).
    if reverse("account_reauthenticate") in page.url:
        assert_accessible(page, csp_errors=csp_errors)
        page.locator("input[name=password]").focus()
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert reverse("mfa_activate_totp") in page.url, page.url
    assert_accessible(page, csp_errors=csp_errors)
    secret = totp_secret_on(page)
    page.locator("input[name=code]").focus()
    page.keyboard.type(totp_code(secret))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert reverse("mfa_activate_totp") not in page.url, "the TOTP code was refused"
    assert director.authenticator_set.filter(type="totp").exists()
    assert_accessible(page, csp_errors=csp_errors)  # where allauth lands: the recovery codes

    # The directory finds Alice by a phone typed with dots.
    page.goto(live_server.url + reverse("campaigns:directory"))
    assert page.url.endswith(reverse("campaigns:directory")), "still held at MFA enrolment"
    assert_accessible(page, csp_errors=csp_errors)
    page.locator("#id_q").focus()
    page.keyboard.type("613.555.0199")
    page.keyboard.press("Enter")
    # Only Alice is left once the search has run (the unfiltered list shows Bob too).
    expect(page.locator("#directory-results a[href^='/members/']")).to_have_count(1)
    result = page.locator(f"#directory-results a[href='{reverse('campaigns:member', args=[alice.pk])}']")
    assert_accessible(page, csp_errors=csp_errors)
    result.first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(reverse("campaigns:member", args=[alice.pk]))
    assert "Tremblay" in page.locator("h1").inner_text()
    assert_accessible(page, csp_errors=csp_errors)

    # Log a conversation with its notes.
    form = _open_form(page, reverse("campaigns:conversation-new", args=[alice.pk]))
    assert_accessible(page, csp_errors=csp_errors)
    form.locator("select[name=campaign]").select_option(str(campaign.pk))
    form.locator("select[name=channel]").select_option("worksite")
    form.locator("select[name=outcome]").select_option("reached")
    form.locator("textarea[name=notes]").focus()
    page.keyboard.type("Worried about mandatory overtime on nights.")
    _submit(page, form)
    conversation = Conversation.objects.get(member=alice)
    assert (conversation.user, conversation.outcome, conversation.campaign) == (director, "reached", campaign)

    # Record an assessment: 2, Supporter.
    page.goto(live_server.url + reverse("campaigns:member", args=[alice.pk]))
    form = _open_form(page, reverse("campaigns:assessment-new", args=[alice.pk]))
    assert_accessible(page, csp_errors=csp_errors)
    form.locator("select[name=campaign]").select_option(str(campaign.pk))
    radio = form.locator("input[name=level][value='2']")
    radio.focus()
    page.keyboard.press("Space")
    assert radio.is_checked()
    form.locator("textarea[name=note]").fill("Will talk to her coworkers on nights.")
    _submit(page, form)
    current = Assessment.objects.get(member=alice, campaign=campaign, is_current=True)
    assert (current.level, current.assessed_by) == (2, director)

    # Both are in the profile's timeline.
    page.goto(live_server.url + reverse("campaigns:member", args=[alice.pk]))
    body = page.locator("main").inner_text()
    assert "Worried about mandatory overtime on nights." in body
    assert "Will talk to her coworkers on nights." in body
    assert "Supporter" in body
    assert_accessible(page, csp_errors=csp_errors)


@pytest.mark.parametrize("name", ["directory", "profile"])
def test_directory_and_profile_fit_a_phone_screen(browser, live_server, union, director, name):
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, live_server, director)
        url = {
            "directory": reverse("campaigns:directory"),
            "profile": reverse("campaigns:member", args=[union["alice"].pk]),
        }[name]
        page.goto(live_server.url + url)
        assert page.url == live_server.url + url
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url} scrolls sideways at 375px: {width}px wide"
        assert_accessible(page)
    finally:
        context.close()
