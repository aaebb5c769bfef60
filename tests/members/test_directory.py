"""The member directory: search, every filter, sort, keyset pages, scope and query counts."""

import re
from datetime import date

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.directory import directory_page, member_directory
from members.forms import DirectoryFilterForm
from tests import factories as f

pytestmark = pytest.mark.django_db


def find(user, campaigns=None, **params) -> list:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = str(value)
    return list(member_directory(user=user, params=query, campaigns=campaigns))


@pytest.mark.parametrize("typed", ["(613) 555-0199", "613.555.0199", "+1 613 555 0199", "6135550199", "1-613-555-0199"])
def test_a_phone_typed_in_any_format_finds_the_same_member(director, world, typed):
    assert find(director, q=typed) == [world["alice"]]


def test_name_search_ignores_accents_and_case(director, world):
    helene = f.MemberFactory(first_name="Hélène", last_name="Côté", worksite=world["site_a"])
    assert find(director, q="helene") == [helene]
    assert find(director, q="CÔTÉ") == [helene]
    assert find(director, q="Helene Cote") == [helene]
    assert find(director, q="hél") == [helene]


def test_name_search_matches_preferred_name(director, world):
    bill = f.MemberFactory(first_name="William", preferred_name="Bill", last_name="Ng", worksite=world["site_a"])
    assert find(director, q="bill ng") == [bill]


def test_email_search_is_case_insensitive(director, world):
    assert find(director, q="ALICE@Example.NET") == [world["alice"]]
    assert find(director, q="nobody@example.net") == []


def test_employee_number_search(director, world):
    alice = world["alice"]
    assert find(director, q=alice.employee_number) == [alice]
    assert find(director, q=alice.employee_number.lower()) == [alice]


def test_search_respects_scope(organizer, world):
    f.PhoneFactory(member=world["bob"], number="+16135550111")
    assert find(organizer, q="613 555 0111") == []
    assert find(organizer, q="singh") == []
    assert find(organizer, q="tremblay") == [world["alice"]]


@pytest.fixture
def crowd(world):
    """Members of site A spread over departments, shifts, statuses, tags and leader flags."""
    site = world["site_a"]
    lab = f.DepartmentFactory(worksite=site, name="Lab")
    days = f.ShiftFactory(worksite=site, name="Days")
    union_tag = f.TagFactory(name="staffing")
    people = {
        "lab": f.MemberFactory(first_name="Lara", last_name="Lab", worksite=site, department=lab),
        "days": f.MemberFactory(first_name="Dan", last_name="Days", worksite=site, shift=days),
        "prospect": f.MemberFactory(first_name="Pia", last_name="Prospect", worksite=site,
                                    membership_status="prospect"),
        "organic": f.MemberFactory(first_name="Olu", last_name="Organic", worksite=site, is_organic_leader=True),
        "emerging": f.MemberFactory(first_name="Emi", last_name="Emerging", worksite=site,
                                    is_emerging_leader=True),
    }
    people["lab"].tags.add(union_tag)
    return {**world, **people, "lab_dept": lab, "days_shift": days, "tag": union_tag}


def test_each_filter(director, crowd):
    c = crowd
    assert find(director, worksite=c["site_b"].pk) == [c["bob"]]
    assert find(director, department=c["lab_dept"].pk) == [c["lab"]]
    assert find(director, shift=c["days_shift"].pk) == [c["days"]]
    assert find(director, status="prospect") == [c["prospect"]]
    assert find(director, tag=c["tag"].pk) == [c["lab"]]
    assert find(director, organic_leader="on") == [c["organic"]]
    assert find(director, emerging_leader="on") == [c["emerging"]]


def test_filters_combine(director, crowd):
    assert find(director, worksite=crowd["site_a"].pk, q="lab") == [crowd["lab"]]
    assert find(director, worksite=crowd["site_b"].pk, q="lab") == []


def test_filter_by_current_assessment_in_a_campaign(director, crowd):
    c = crowd
    campaign = c["campaign_a"]
    f.AssessmentFactory(member=c["lab"], campaign=campaign, level=4, is_current=False)
    f.AssessmentFactory(member=c["lab"], campaign=campaign, level=2)
    f.AssessmentFactory(member=c["days"], campaign=campaign, level=0)
    # An assessment in another campaign does not count for this one.
    f.AssessmentFactory(member=c["organic"], campaign=c["campaign_b"], level=2)
    campaigns = [campaign, c["campaign_b"]]
    assert find(director, campaigns, campaign=campaign.pk, assessment="2") == [c["lab"]]
    assert find(director, campaigns, campaign=campaign.pk, assessment="4") == []
    not_assessed = find(director, campaigns, campaign=campaign.pk, assessment="none")
    assert c["lab"] not in not_assessed
    assert c["days"] in not_assessed and c["organic"] in not_assessed
    # Bob is not in campaign A's scope at all.
    assert c["bob"] not in not_assessed


def test_raw_params_filter_by_assessment_in_visible_campaigns_only(organizer, crowd):
    """The export passes request.GET alone: the campaign filter still works for a campaign the
    user may see, and a campaign id they may not see is ignored, never trusted."""
    crowd["campaign_a"].locals.add(crowd["local_a"])
    f.AssessmentFactory(member=crowd["alice"], campaign=crowd["campaign_a"], level=2)
    assert find(organizer, campaign=crowd["campaign_a"].pk, assessment="2") == [crowd["alice"]]
    everyone = find(organizer)
    assert find(organizer, campaign=crowd["campaign_b"].pk, assessment="2") == everyone


def test_invalid_filter_values_are_ignored_not_fatal(director, world):
    everyone = find(director)
    assert find(director, worksite="nope", shift="999999", sort="sideways", after="garbage") == everyone


def test_sort_by_name_worksite_and_hire_date(director, world):
    site_c = f.WorksiteFactory(name="Alpha Plant")
    early = f.MemberFactory(last_name="Zed", worksite=site_c, hire_date=date(2001, 1, 1))
    assert find(director)[-1] == early
    assert find(director, sort="worksite")[0] == early
    assert find(director, sort="hire_date")[0] == early


@pytest.mark.parametrize("sort", ["name", "worksite", "hire_date"])
def test_keyset_pages_cover_every_member_once(director, world, sort):
    site_c = f.WorksiteFactory(name="Alpha Plant")
    for i in range(9):
        f.MemberFactory(
            last_name="Same" if i % 2 else f"Name{i}", first_name="Pat", worksite=site_c if i % 3 else None,
            employer=site_c.employer, hire_date=date(2010, 1, 1 + i % 2) if i % 4 else None,
        )
    expected = find(director, sort=sort)
    qs = member_directory(user=director, params={"sort": sort})
    seen, after = [], ""
    for _ in range(20):
        rows, after = directory_page(qs, sort=sort, after=after, size=2)
        seen += rows
        if not after:
            break
    assert seen == expected
    assert len(seen) == 11


def test_form_offers_only_visible_worksites(organizer, world):
    form = DirectoryFilterForm(user=organizer)
    assert list(form.fields["worksite"].queryset) == [world["site_a"]]
    assert list(form.fields["worksite"].widget.choices)[1:] == [(world["site_a"].pk, "General Hospital")]


def _select(body: str, name: str) -> str:
    """The <select> element named `name` in a page."""
    match = re.search(rf'<select[^>]* name="{name}"[^>]*>.*?</select>', body, re.S)
    assert match, f"no {name} select"
    return match.group(0)


def test_departments_and_shifts_wait_for_a_worksite(director_client, world):
    """Without a worksite the filter bar lists no department or shift (1,600 of them at scale)."""
    body = director_client.get(reverse("campaigns:directory")).content.decode()
    for name in ("department", "shift"):
        select = _select(body, name)
        assert " disabled" in select
        assert "Choose a worksite first" in select
        assert "Emergency" not in select and "Nights" not in select


def test_a_chosen_worksite_offers_its_departments_and_shifts_only(director_client, world):
    f.DepartmentFactory(worksite=world["site_b"], name="Pharmacy")
    body = director_client.get(reverse("campaigns:directory"), {"worksite": world["site_a"].pk}).content.decode()
    department = _select(body, "department")
    assert "disabled" not in department
    assert f'value="{world["dept_a"].pk}">Emergency' in department
    assert "Pharmacy" not in department
    assert f'value="{world["shift_a"].pk}">Nights' in _select(body, "shift")
    # Choosing a worksite fetches its selects with htmx instead of refreshing the results at once.
    worksite = _select(body, "worksite")
    assert f'hx-get="{reverse("campaigns:directory-structure")}"' in worksite
    assert 'hx-trigger="change consume"' in worksite


def test_a_department_alone_brings_its_worksite(director_client, world):
    response = director_client.get(reverse("campaigns:directory"), {"department": world["dept_a"].pk})
    assert response.status_code == 200
    assert list(response.context["members"]) == [world["alice"]]
    body = response.content.decode()
    assert f'value="{world["site_a"].pk}" selected' in _select(body, "worksite")
    assert f'value="{world["dept_a"].pk}" selected' in _select(body, "department")


def test_a_department_of_another_worksite_is_left_out_with_a_message(director_client, world):
    response = director_client.get(
        reverse("campaigns:directory"), {"worksite": world["site_b"].pk, "department": world["dept_a"].pk,
                                         "shift": world["shift_a"].pk},
    )
    assert response.status_code == 200
    assert list(response.context["members"]) == [world["bob"]]
    body = response.content.decode()
    assert "This department is not at the chosen worksite" in body
    assert "This shift is not at the chosen worksite" in body
    assert "Emergency" not in _select(body, "department")


def test_an_out_of_scope_department_is_refused_and_nothing_leaks(organizer_client, world):
    secret = f.DepartmentFactory(worksite=world["site_b"], name="Secret Ward")
    bob_shift = f.ShiftFactory(worksite=world["site_b"], name="Swing")
    response = organizer_client.get(
        reverse("campaigns:directory"), {"department": secret.pk, "shift": bob_shift.pk}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Singh" not in body and "Secret Ward" not in body and "Civic Clinic" not in body
    assert "Swing" not in body
    assert list(response.context["members"]) == [world["alice"]]


def test_structure_partial_lists_the_departments_and_shifts_of_a_visible_worksite(director_client, world):
    response = director_client.get(reverse("campaigns:directory-structure"), {"worksite": world["site_a"].pk},
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="structure-fields"' in body
    assert f'value="{world["dept_a"].pk}">Emergency' in body
    assert f'value="{world["shift_a"].pk}">Nights' in body
    # The filter form refreshes the results once the new selects are in.
    assert response["HX-Trigger-After-Settle"] == "structure-loaded"


def test_structure_partial_without_a_worksite_offers_nothing(director_client, world):
    body = director_client.get(reverse("campaigns:directory-structure")).content.decode()
    assert "Choose a worksite first" in body and "Emergency" not in body


@pytest.mark.parametrize("worksite", ["SITE_B", "nope", "999999", "-1"])
def test_structure_partial_of_a_worksite_out_of_scope_is_a_404(organizer_client, world, worksite):
    f.DepartmentFactory(worksite=world["site_b"], name="Secret Ward")
    value = str(world["site_b"].pk) if worksite == "SITE_B" else worksite
    response = organizer_client.get(reverse("campaigns:directory-structure"), {"worksite": value})
    assert response.status_code == 404
    assert b"Secret Ward" not in response.content


def test_structure_partial_needs_a_login(client, world):
    response = client.get(reverse("campaigns:directory-structure"), {"worksite": world["site_a"].pk})
    assert response.status_code == 302


def test_name_search_is_sorted_off_the_name_index_with_the_same_order_and_pages(director, world):
    """With a search, the name order is an expression no index supplies (see directory_sort):
    same rows, same order, and keyset pages that cover every match once."""
    for i in range(7):
        f.MemberFactory(first_name=f"Pat{i % 3}", last_name="Gagné" if i % 2 else f"Gagnon{i}",
                        worksite=world["site_a"])
    qs = member_directory(user=director, params={"q": "gagn"})
    assert "ORDER BY (" in str(qs.query)
    expected = sorted(qs, key=lambda m: (m.last_name, m.first_name, m.pk))
    assert list(qs) == expected and len(expected) == 7
    seen, after = [], ""
    for _ in range(10):
        rows, after = directory_page(qs, sort="name", after=after, size=3)
        seen += rows
        if not after:
            break
    assert seen == expected


def test_directory_page_pages_through_with_next_link(director_client, world, settings):
    settings.DIRECTORY_PAGE_SIZE = 1
    response = director_client.get(reverse("campaigns:directory"))
    assert len(response.context["members"]) == 1
    next_url = response.context["next_url"]
    assert next_url
    second = director_client.get(reverse("campaigns:directory") + next_url)
    assert second.context["members"] != response.context["members"]
    assert second.context["first_url"]


def test_directory_shows_assessment_chips_for_a_chosen_campaign(director_client, world):
    f.AssessmentFactory(member=world["alice"], campaign=world["campaign_a"], level=1)
    response = director_client.get(reverse("campaigns:directory"), {"campaign": world["campaign_a"].pk})
    body = response.content.decode()
    assert "chip chip-1" in body


def _count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["director", "organizer", "mobilizer"])
@pytest.mark.parametrize("params", [
    {}, {"q": "tremblay"}, {"q": "(613) 555-0199"}, {"q": "alice@example.net"},
    {"worksite": "SITE", "sort": "worksite"}, {"campaign": "CAMPAIGN", "assessment": "none", "sort": "hire_date"},
])
def test_directory_query_count_does_not_grow_with_members(client, world, request, django_assert_num_queries,
                                                          persona, params):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    world["campaign_a"].locals.add(world["local_a"])
    ids = {"SITE": world["site_a"].pk, "CAMPAIGN": world["campaign_a"].pk}
    params = {k: ids.get(v, v) for k, v in params.items()}
    url = reverse("campaigns:directory")
    _count_queries(client, url, params)  # warm the session and caches
    baseline = _count_queries(client, url, params)
    tag = f.TagFactory(name="busy")
    for i in range(15):
        m = f.MemberFactory(worksite=world["site_a"], local=world["local_a"], department=world["dept_a"],
                            shift=world["shift_a"], last_name=f"Tremblay{i}")
        m.tags.add(tag)
        f.PhoneFactory(member=m)
        f.AssessmentFactory(member=m, campaign=world["campaign_a"], level=1 + i % 5)
        f.ConversationFactory(member=m, campaign=world["campaign_a"])
        world["call_list"].entries.create(member=m) if persona == "mobilizer" else None
    with django_assert_num_queries(baseline):
        client.get(url, params)


def test_profile_query_count_does_not_grow_with_history(director_client, world, django_assert_num_queries):
    alice = world["alice"]
    url = reverse("campaigns:member", args=[alice.pk])
    f.ConversationFactory(member=alice, campaign=world["campaign_a"])
    f.AssessmentFactory(member=alice, campaign=world["campaign_a"])
    director_client.get(url)
    baseline = _count_queries(director_client, url, {})
    for i in range(10):
        conversation = f.ConversationFactory(member=alice, campaign=world["campaign_b"])
        conversation.issues.add(f.TagFactory(name=f"issue{i}"))
        f.AssessmentFactory(member=alice, campaign=world["campaign_b"], level=2, is_current=False)
        f.PhoneFactory(member=alice)
        f.EmailFactory(member=alice)
        alice.tags.add(f.TagFactory(name=f"tag{i}"))
    director_client.post(reverse("campaigns:member-edit", args=[alice.pk]), {
        "first_name": "Alice", "last_name": "Tremblay", "pronouns": "she/her", "language": "en",
        "employment_status": "active", "membership_status": "member", "worksite": world["site_a"].pk,
        "employer": alice.employer_id, "employee_number": alice.employee_number,
        # Kept as they were: the profile reads the job class, unit and region by their own query
        # when the member has one (none is no query), so a cleared one would lower the count.
        **{name: getattr(alice, f"{name}_id") for name in ("local", "bargaining_unit", "job_class")
           if getattr(alice, f"{name}_id")},
        "department": alice.department_id or "", "shift": alice.shift_id or "",
    })
    with django_assert_num_queries(baseline):
        response = director_client.get(url)
    assert len(response.context["timeline"]) > 20
