"""Accounts in a phone-width browser: invitation, enrolment, sign-in with MFA, the Team pages."""

import pytest
from django.urls import reverse

from organizing.models import Role, User
from organizing.services import invitation_create

from ..conftest import enrol_totp
from ..factories import UserFactory
from .helpers import assert_accessible, sign_in, totp_code, totp_secret_on, watch_csp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 375, "height": 740}


def _check(page, csp_errors) -> None:
    """axe-clean, no CSP violation, and nothing wider than the phone's screen."""
    assert_accessible(page, csp_errors=csp_errors)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways at {PHONE['width']}px ({width}px)"


def test_an_invited_organizer_sets_a_password_and_enrols_before_seeing_members(
    page, live_server, director, world
):
    page.set_viewport_size(PHONE)
    csp_errors = watch_csp(page)
    invitation = invitation_create(actor=director, email="ines@example.org", role=Role.ORGANIZER,
                                   scope={"locals": [world["local_a"].pk]})
    page.goto(live_server.url + f"/accounts/invitation/{invitation.token}/")
    assert "ines@example.org" in page.inner_text("main")
    _check(page, csp_errors)
    page.get_by_label("Your name").fill("Inès Ouellet")
    page.locator("input[name=password1]").fill("a-long-passphrase-9")
    page.locator("input[name=password2]").fill("a-long-passphrase-9")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()

    # Organizers must enrol before any member data.
    assert "/accounts/2fa/totp/activate" in page.url
    _check(page, csp_errors)
    secret = totp_secret_on(page)
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/2fa/recovery-codes/" in page.url
    _check(page, csp_errors)

    response = page.goto(live_server.url + reverse("campaigns:member", args=[world["alice"].pk]))
    assert response.status == 200
    assert User.objects.get(email="ines@example.org").scope_locals.get() == world["local_a"]


def test_sign_in_with_password_then_authenticator_code(page, live_server, db):
    page.set_viewport_size(PHONE)
    csp_errors = watch_csp(page)
    user = UserFactory(email="dir@example.org", role=Role.DIRECTOR)
    secret = enrol_totp(user)
    page.goto(live_server.url + reverse("account_login"))
    _check(page, csp_errors)
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill("correct-horse-battery")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" in page.url
    _check(page, csp_errors)
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.url.startswith(live_server.url + "/members/")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_team_pages_work_on_a_phone(page, live_server, director, organizer, mobilizer, world, language):
    director.language = language
    director.save(update_fields=["language"])
    invitation_create(actor=director, email="pending@example.org", role=Role.MOBILIZER)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, director)
    csp_errors = watch_csp(page)
    for url in [
        reverse("team:index"), reverse("team:invite"), reverse("team:user", args=[mobilizer.pk]),
        reverse("my-account"), reverse("mfa_index"), reverse("account_change_password"),
    ]:
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        _check(page, csp_errors)
