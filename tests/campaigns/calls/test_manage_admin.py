"""The call desk in the staff admin: readable, searchable, no N+1, written only through services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.calls.services import (
    call_next_claim,
    call_submit,
    survey_question_add,
    survey_question_remove,
)
from campaigns.models import CallList, CallListEntry, FollowUp, Outcome, Turf
from organizing.models import AuditEvent, Role
from tests import factories as f
from tests.conftest import enrol_totp

from .conftest import make_mobilizer

MODELS = ["calllist", "calllistentry", "call", "followup", "surveyquestion"]


@pytest.fixture
def superuser_client(client, db):
    user = f.UserFactory(email="root@example.org", role=Role.DIRECTOR, is_staff=True, is_superuser=True)
    enrol_totp(user)
    client.force_login(user)
    return client


@pytest.fixture
def worked_list(phone_list, director):
    """A list with calls, follow-ups, a turf, and a retired question."""

    def build(size: int):
        caller = make_mobilizer(size)
        call_list = phone_list(size, mobilizers=[caller])
        Turf.objects.create(call_list=call_list, name=f"Turf {size}")
        question = survey_question_add(actor=director, call_list=call_list, kind="yes_no", label_en=f"Q{size}")
        survey_question_add(actor=director, call_list=call_list, kind="text", label_en=f"Notes {size}")
        for _ in range(size):
            entry = call_next_claim(actor=caller, call_list=call_list)
            call_submit(
                actor=caller, entry=entry, outcome=Outcome.REACHED, answers={question.pk: "yes"},
                follow_up_note="Send the petition", organizer_action_needed=True,
            )
        survey_question_remove(actor=director, question=question)
        return call_list

    return build


def _changelist_queries(client, model: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"admin:campaigns_{model}_changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", MODELS)
def test_each_call_desk_model_has_a_changelist_without_n_plus_one(superuser_client, worked_list, model):
    worked_list(2)
    _changelist_queries(superuser_client, model)  # warm the per-process caches
    few = _changelist_queries(superuser_client, model)
    worked_list(6)
    assert _changelist_queries(superuser_client, model) == few


@pytest.mark.parametrize("model", MODELS)
def test_each_call_desk_model_is_searchable_and_its_rows_open_read_only(superuser_client, worked_list, model):
    call_list = worked_list(2)
    url = reverse(f"admin:campaigns_{model}_changelist")
    assert superuser_client.get(url, {"q": "M0000"}).status_code == 200
    obj = {
        "calllist": call_list, "calllistentry": call_list.entries.first(), "call": call_list.calls.first(),
        "followup": FollowUp.objects.first(), "surveyquestion": call_list.questions.first(),
    }[model]
    page = superuser_client.get(reverse(f"admin:campaigns_{model}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_lists_are_found_by_name_and_show_retired_questions(superuser_client, worked_list):
    call_list = worked_list(2)
    CallList.objects.create(campaign=call_list.campaign, name="Somewhere else")
    listing = superuser_client.get(reverse("admin:campaigns_calllist_changelist"), {"q": "Phone"})
    assert b"Phone bank" in listing.content and b"Somewhere else" not in listing.content
    page = superuser_client.get(reverse("admin:campaigns_calllist_change", args=[call_list.pk]))
    assert b"Q2" in page.content and b"Notes 2" in page.content  # retired and asked
    questions = superuser_client.get(reverse("admin:campaigns_surveyquestion_changelist"), {"q": "Q2"})
    assert b"Q2" in questions.content


def test_the_admin_cannot_edit_or_delete_call_desk_rows(superuser_client, worked_list):
    call_list = worked_list(1)
    entry = call_list.entries.first()
    change = superuser_client.post(
        reverse("admin:campaigns_calllistentry_change", args=[entry.pk]), {"state": "queued"}
    )
    delete = superuser_client.post(
        reverse("admin:campaigns_calllist_delete", args=[call_list.pk]), {"post": "yes"}
    )
    assert change.status_code == 403 and delete.status_code == 403
    assert CallList.objects.filter(pk=call_list.pk).exists()
    assert CallListEntry.objects.get(pk=entry.pk).state == entry.state


def test_closing_lists_from_the_admin_goes_through_the_service(superuser_client, phone_list):
    caller = make_mobilizer(1)
    call_list = phone_list(2, mobilizers=[caller])
    entry = call_next_claim(actor=caller, call_list=call_list)
    response = superuser_client.post(reverse("admin:campaigns_calllist_changelist"), {
        "action": "close_lists", "_selected_action": [call_list.pk],
    })
    assert response.status_code == 302
    call_list.refresh_from_db()
    entry.refresh_from_db()
    assert call_list.status == "closed" and entry.state == CallListEntry.State.QUEUED
    assert AuditEvent.objects.filter(verb="call_list.close", object_id=str(call_list.pk)).exists()
    superuser_client.post(reverse("admin:campaigns_calllist_changelist"), {
        "action": "reopen_lists", "_selected_action": [call_list.pk],
    })
    call_list.refresh_from_db()
    assert call_list.status == "open"


def test_a_director_who_is_not_a_superuser_cannot_see_call_lists_in_the_admin(director_client, phone_list):
    phone_list(1)
    response = director_client.get(reverse("admin:campaigns_calllist_changelist"))
    assert response.status_code in (302, 403)
    assert b"Phone bank" not in response.content
