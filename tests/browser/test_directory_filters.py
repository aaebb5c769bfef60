"""The directory's filter bar in a browser: a worksite's departments and shifts come with htmx."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .helpers import assert_accessible, sign_in, watch_csp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_worksite_change_loads_its_departments_then_the_results(page, live_server, union, director):
    """Choosing a worksite fetches its selects first, then the results (so a department of the
    previous worksite is never sent with the new one), without reloading the page."""
    sign_in(page, live_server, director)
    csp_errors = watch_csp(page)
    page.goto(live_server.url + reverse("campaigns:directory"))
    page.evaluate("window.__notReloaded = true")
    page.locator("details.filters summary").click()
    expect(page.locator("#id_department")).to_be_disabled()
    page.locator("#id_worksite").select_option(str(union["site_a"].pk))
    expect(page.locator("#id_department")).to_be_enabled()
    expect(page.locator("#id_department option")).to_contain_text(["Any department", "Emergency"])
    expect(page).to_have_url(re.compile(rf"worksite={union['site_a'].pk}&department=&"))
    expect(page.locator("#directory-results tbody tr")).to_have_count(1)
    page.locator("#id_department").select_option(str(union["dept_a"].pk))
    expect(page).to_have_url(re.compile(rf"department={union['dept_a'].pk}&"))
    expect(page.locator("#directory-results tbody tr")).to_have_count(1)
    # Another worksite: its (empty) department list, the old department gone, its members shown.
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    page.locator("#id_worksite").select_option(str(union["site_b"].pk))
    expect(page).to_have_url(re.compile(rf"worksite={union['site_b'].pk}&department=&"))
    expect(page.locator("#directory-results tbody")).to_contain_text("Singh")
    expect(page.locator(".errorlist")).to_have_count(0)
    stale = f"department={union['dept_a'].pk}"
    assert not [url for url in sent if stale in url], f"the old department was sent: {sent}"
    assert page.evaluate("window.__notReloaded === true")
    assert_accessible(page, csp_errors=csp_errors)
    # htmx keeps no copy of these pages (member names) in the browser's storage: Back asks the
    # server again, which answers with the whole page for that address.
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None
    page.go_back()
    expect(page).to_have_url(re.compile(rf"department={union['dept_a'].pk}&"))
    expect(page.locator("#directory-results tbody tr")).to_have_count(1)
    expect(page.locator("#directory-results tbody")).not_to_contain_text("Singh")
