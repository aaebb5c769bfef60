"""The organizing pages at phone width, in both languages, and the live directory search."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .helpers import assert_accessible, sign_in, watch_csp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAGES = {
    "directory-filters": lambda w: reverse("campaigns:directory") + f"?worksite={w['site_a'].pk}&campaign={w['campaign_a'].pk}",
    "edit": lambda w: reverse("campaigns:member-edit", args=[w["alice"].pk]),
    "conversation": lambda w: reverse("campaigns:conversation-new", args=[w["alice"].pk]),
    "assessment": lambda w: reverse("campaigns:assessment-new", args=[w["alice"].pk]),
    "worksite": lambda w: reverse("campaigns:worksite", args=[w["site_a"].pk]),
    "worksites": lambda w: reverse("campaigns:worksite-list"),
    "campaign": lambda w: reverse("campaigns:campaign", args=[w["campaign_a"].pk]),
    "campaigns": lambda w: reverse("campaigns:campaign-list"),
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_a_phone_and_is_accessible(browser, live_server, union, director, name, language):
    director.language = language
    director.save(update_fields=["language"])
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, director)
        csp_errors = watch_csp(page)
        url = PAGES[name](union)
        assert page.goto(live_server.url + url).status == 200
        assert page.locator("html").get_attribute("lang") == language
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url} scrolls sideways at 375px: {width}px wide"
        assert_accessible(page, csp_errors=csp_errors)
    finally:
        context.close()


def test_typing_in_the_search_box_refreshes_the_results_without_a_reload(page, live_server, union, director):
    sign_in(page, live_server, director)
    csp_errors = watch_csp(page)
    page.goto(live_server.url + reverse("campaigns:directory"))
    expect(page.locator("#directory-results tbody tr")).to_have_count(2)
    page.evaluate("window.__notReloaded = true")
    page.locator("#id_q").focus()
    page.keyboard.type("trembl")
    expect(page.locator("#directory-results tbody tr")).to_have_count(1)
    assert page.evaluate("window.__notReloaded === true"), "the page reloaded instead of swapping rows"
    assert "q=trembl" in page.url, "the search is not in the address bar (back button, sharing)"
    # The export exports what is on the screen.
    expect(page.locator("#directory-actions a").first).to_have_attribute("href", re.compile(r"q=trembl"))
    expect(page.locator("#results-summary")).to_contain_text("1")
    # A filter change refreshes the rows too.
    page.locator("details.filters summary").click()
    page.locator("#id_q").fill("")
    page.locator("#id_worksite").select_option(str(union["site_b"].pk))
    expect(page.locator("#directory-results tbody tr")).to_have_count(1)
    expect(page.locator("#directory-results tbody")).to_contain_text("Singh")
    assert_accessible(page, csp_errors=csp_errors)


def test_keyboard_user_can_skip_to_content_and_reach_the_nav(page, live_server, union, director):
    sign_in(page, live_server, director)
    page.goto(live_server.url + reverse("campaigns:campaign-list"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    current = page.locator("nav.site-nav a[aria-current=page]")
    expect(current).to_have_count(1)


def test_call_back_time_shows_only_for_a_call_back(page, live_server, union, director):
    sign_in(page, live_server, director)
    page.goto(live_server.url + reverse("campaigns:conversation-new", args=[union["alice"].pk]))
    when = page.locator("input[name=call_back_at]")
    expect(when).to_be_hidden()
    page.locator("select[name=outcome]").select_option("call_back")
    expect(when).to_be_visible()
    page.locator("select[name=outcome]").select_option("reached")
    expect(when).to_be_hidden()
