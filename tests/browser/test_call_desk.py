"""A French-speaking mobilizer works five calls by keyboard; the organizer's oversight shows them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Call, CallList, CallListEntry, Conversation
from members.models import Phone
from organizing.models import Role

from ..factories import MemberFactory, PhoneFactory, UserFactory
from .helpers import assert_accessible, sign_in, watch_csp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A French browser: the login page is in French before the user's own setting applies.
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 375, "height": 812}}


def _focused_name(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name || ''")


def _swap(page, key: str) -> None:
    """Press a key that makes htmx replace the screen in place (no page load), and wait for it."""
    page.evaluate(
        "() => { window.__settled = false; document.body.addEventListener('htmx:afterSettle',"
        " () => { window.__settled = true; }, {once: true}); }"
    )
    page.keyboard.press(key)
    page.wait_for_function("() => window.__settled === true")


def _save_and_next(page) -> None:
    """One request: the answer is the next member's screen, and the address follows it."""
    _swap(page, "Control+Enter")
    _on_the_screen_of_the_current_claim(page)


def _on_the_screen_of_the_current_claim(page) -> None:
    entry = CallListEntry.objects.get(state="claimed")
    assert page.url.endswith(reverse("calls:call", args=[entry.call_list_id, entry.pk])), page.url
    assert page.locator("#call-desk").get_attribute("data-entry") == str(entry.pk)
    # Keyboard and screen-reader users land on the new member's name.
    assert page.evaluate("document.activeElement && document.activeElement.id") == "member-name"


def _member_on_screen(page) -> str:
    return page.locator("#member-name").inner_text()


def test_a_french_mobilizer_works_five_calls_by_keyboard_and_oversight_shows_them(
    page, live_server, world, organizer
):
    campaign = world["campaign_a"]
    campaign.owners.add(organizer)
    maya = UserFactory(
        email="maya@example.org", role=Role.MOBILIZER, full_name="Maya Mobilisatrice", language="fr",
        speaks_french=True,
    )
    call_list = CallList.objects.create(
        campaign=campaign, name="Appels de l'hôpital", script_en="Hello", script_fr="Bonjour, ici votre syndicat."
    )
    call_list.mobilizers.add(maya)
    people = []
    for i, name in enumerate(["Aubin", "Bélanger", "Côté", "Dubois"]):
        member = MemberFactory(
            first_name="Membre", last_name=name, worksite=world["site_a"], local=world["local_a"], language="fr"
        )
        PhoneFactory(member=member, number=f"+1613555020{i}")
        CallListEntry.objects.create(call_list=call_list, member=member)
        people.append(member)
    # The second member has a second number, offered after the first proves wrong.
    second_number = PhoneFactory(member=people[1], number="+16135550299", is_primary=False)
    csp_errors = watch_csp(page)

    # Sign in through the form, by keyboard, in French.
    page.goto(live_server.url + reverse("account_login"))
    assert page.locator("html").get_attribute("lang") == "fr"
    page.locator("input[name=login]").focus()
    page.keyboard.type(maya.email)
    page.keyboard.press("Tab")
    if _focused_name(page) != "password":
        page.locator("input[name=password]").focus()
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.goto(live_server.url + reverse("calls:index"))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_accessible(page, csp_errors=csp_errors)
    page.locator(f"a[href='{reverse('calls:desk', args=[call_list.pk])}']").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page, csp_errors=csp_errors)
    page.locator("[data-next-button]").focus()
    _swap(page, "Enter")
    _on_the_screen_of_the_current_claim(page)
    # The screen replaced the desk's content, and the call desk's stylesheet stayed: the outcomes
    # are laid out as a grid of keys, not run together as text.
    assert page.locator(".key-grid").first.evaluate("el => getComputedStyle(el).display") == "grid"

    # Call 1: reached, assessed 2, with a note.
    assert "Aubin" in _member_on_screen(page)
    assert "Bonjour, ici votre syndicat." in page.locator(".call-script-text").inner_text()
    assert_accessible(page, csp_errors=csp_errors)
    page.keyboard.press("r")
    page.keyboard.press("2")
    page.locator("textarea[name=notes]").focus()
    page.keyboard.type("Inquiète des heures supplémentaires")
    page.keyboard.press("Escape")
    page.keyboard.press("r")  # ignored while typing, works again after Escape
    _save_and_next(page)

    # Call 2: wrong number; the same member comes back with the other number only.
    assert "Bélanger" in _member_on_screen(page)
    first_number = people[1].phones.get(number="+16135550201")
    assert page.locator(f"a[href='tel:{first_number.number}']").count() == 1
    page.keyboard.press("w")
    _save_and_next(page)
    assert "Bélanger" in _member_on_screen(page)
    assert page.locator(".key-grid").first.evaluate("el => getComputedStyle(el).display") == "grid"
    assert page.locator(f"a[href='tel:{first_number.number}']").count() == 0
    assert page.locator(f"a[href='tel:{second_number.number}']").count() == 1
    assert_accessible(page, csp_errors=csp_errors)

    # Call 3: no answer on the second number.
    page.keyboard.press("n")
    _save_and_next(page)

    # Call 4: call back tomorrow at 15:30 (the call-back field takes focus).
    assert "Côté" in _member_on_screen(page)
    page.keyboard.press("c")
    assert _focused_name(page) == "call_back_at"
    tomorrow = timezone.localtime() + timedelta(days=1)
    # Chromium lays the field out in the system's locale (month/day/year here); the year
    # segment takes up to six digits, so move on to the time with the arrow key.
    page.keyboard.type(tomorrow.strftime("%m%d%Y"))
    page.keyboard.press("ArrowRight")
    page.keyboard.type("1530")
    typed = page.locator("input[name=call_back_at]").input_value()
    assert typed == tomorrow.strftime("%Y-%m-%dT15:30"), typed
    page.keyboard.press("Escape")
    _save_and_next(page)

    # Call 5: do not contact.
    assert "Dubois" in _member_on_screen(page)
    page.keyboard.press("d")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    # Nobody else is due: the desk says so, in French.
    assert page.url.endswith(reverse("calls:desk", args=[call_list.pk]))
    assert_accessible(page, csp_errors=csp_errors)

    calls = list(Call.objects.filter(mobilizer=maya).order_by("submitted_at").values_list("outcome", flat=True))
    assert calls == ["reached", "wrong_number", "no_answer", "call_back", "do_not_contact"]
    assert Conversation.objects.get(member=people[0]).notes == "Inquiète des heures supplémentaires"
    assert people[0].assessments.get(is_current=True).level == 2
    assert Phone.objects.get(pk=first_number.pk).status == Phone.Status.WRONG_NUMBER
    callback = CallListEntry.objects.get(member=people[2])
    assert callback.state == "queued"
    assert timezone.localtime(callback.next_call_at).strftime("%d %H:%M") == tomorrow.strftime("%d 15:30")
    people[3].refresh_from_db()
    assert people[3].do_not_contact
    assert CallListEntry.objects.get(member=people[3]).state == "removed"

    # The organizer's oversight page shows them.
    page.context.clear_cookies()
    sign_in(page, live_server, organizer)
    page.goto(live_server.url + reverse("calls:oversight", args=[call_list.pk]))
    assert_accessible(page, csp_errors=csp_errors)
    row = page.locator("table.oversight-mobilizers tbody tr", has_text="Maya Mobilisatrice")
    cells = row.locator("td").all_inner_texts()
    assert cells[:3] == ["5", "1", "20 %"], cells
    assert page.locator("[data-stat=reached]").inner_text() == "1"
    assert page.locator("[data-stat=attempted]").inner_text() == "4"
