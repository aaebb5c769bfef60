"""axe-core finds no serious or critical violation on the main pages, in English and French."""

import pytest
from django.urls import reverse

from .helpers import assert_accessible, sign_in, watch_csp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAGES = {
    "directory": lambda w: reverse("campaigns:directory"),
    "profile": lambda w: reverse("campaigns:member", args=[w["alice"].pk]),
    "worksite": lambda w: reverse("campaigns:worksite", args=[w["site_a"].pk]),
    "campaign": lambda w: reverse("campaigns:campaign", args=[w["campaign_a"].pk]),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_login_page_is_accessible(page, live_server, language):
    csp_errors = watch_csp(page)
    page.goto(live_server.url + reverse("account_login"))
    if language == "fr":
        # The page's own language switcher, as a visitor would use it.
        page.locator("form.language-switcher button[value=fr]").click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("input[type=password]").count() == 1
    assert_accessible(page, csp_errors=csp_errors)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("name", PAGES)
def test_signed_in_page_is_accessible(page, live_server, union, director, name, language):
    # The user's remembered language is what a signed-in page is rendered in.
    director.language = language
    director.save(update_fields=["language"])
    sign_in(page, live_server, director)
    csp_errors = watch_csp(page)
    url = PAGES[name](union)
    response = page.goto(live_server.url + url)
    assert response.status == 200
    assert page.url == live_server.url + url, "sent elsewhere (MFA enrolment or login?)"
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page, csp_errors=csp_errors)
