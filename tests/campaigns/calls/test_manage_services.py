"""Managing a call list: settings, refresh plan, status, and the survey's questions."""

import pytest
from django.core.exceptions import ValidationError

from campaigns.calls.forms import CallForm
from campaigns.calls.selectors import (
    call_list_filter_members,
    call_list_questions,
    call_list_refresh_plan,
    call_lists_visible_to,
    survey_questions_managed,
)
from campaigns.calls.services import (
    call_list_refresh,
    call_list_status_set,
    call_next_claim,
    call_submit,
    survey_question_add,
    survey_question_move,
    survey_question_remove,
    survey_question_restore,
    survey_question_update,
)
from campaigns.models import CallList, CallListEntry, Outcome, SurveyAnswer, SurveyQuestion
from organizing.models import AuditEvent
from tests import factories as f

from .conftest import make_mobilizer

State = CallListEntry.State


def _answered(call_list, question, value, mobilizer):
    """Work one call on the list that answers `question` with `value`."""
    entry = call_next_claim(actor=mobilizer, call_list=call_list)
    call_submit(actor=mobilizer, entry=entry, outcome=Outcome.REACHED, answers={question.pk: value})


# --- Status ----------------------------------------------------------------------------------


def test_closing_a_list_releases_its_claims_hides_it_from_mobilizers_and_is_audited(phone_list, director):
    a, b = make_mobilizer(1), make_mobilizer(2)
    call_list = phone_list(3, mobilizers=[a, b])
    first = call_next_claim(actor=a, call_list=call_list)
    second = call_next_claim(actor=b, call_list=call_list)
    released = call_list_status_set(actor=director, call_list=call_list, status=CallList.Status.CLOSED)
    assert released == 2
    assert call_list.status == CallList.Status.CLOSED
    for entry in (first, second):
        entry.refresh_from_db()
        assert (entry.state, entry.claimed_by, entry.claim_expires_at) == (State.QUEUED, None, None)
    assert not call_lists_visible_to(a).filter(pk=call_list.pk).exists()
    # Organizers and directors still read it (oversight stays).
    assert call_lists_visible_to(director).filter(pk=call_list.pk).exists()
    event = AuditEvent.objects.get(verb="call_list.close", object_id=str(call_list.pk))
    assert event.changes["status"] == ["open", "closed"]
    assert sorted(event.changes["claims_released"]) == sorted([first.member_id, second.member_id])


def test_reopening_brings_the_list_back_and_closing_twice_changes_nothing(phone_list, director):
    a = make_mobilizer(1)
    call_list = phone_list(2, mobilizers=[a])
    call_list_status_set(actor=director, call_list=call_list, status="closed")
    assert call_list_status_set(actor=director, call_list=call_list, status="closed") == 0
    assert AuditEvent.objects.filter(verb="call_list.close").count() == 1
    call_list_status_set(actor=director, call_list=call_list, status="open")
    call_list.refresh_from_db()
    assert call_list.status == "open"
    assert call_lists_visible_to(a).filter(pk=call_list.pk).exists()
    assert call_next_claim(actor=a, call_list=call_list) is not None
    assert AuditEvent.objects.filter(verb="call_list.reopen", object_id=str(call_list.pk)).exists()


def test_pausing_keeps_the_claims_under_way(phone_list, director):
    a = make_mobilizer(1)
    call_list = phone_list(2, mobilizers=[a])
    entry = call_next_claim(actor=a, call_list=call_list)
    assert call_list_status_set(actor=director, call_list=call_list, status="paused") == 0
    entry.refresh_from_db()
    assert entry.state == State.CLAIMED and entry.claimed_by == a
    # The call under way can still be saved.
    call_submit(actor=a, entry=entry, outcome=Outcome.REACHED)


def test_an_unknown_status_is_refused_and_changes_nothing(phone_list, director):
    call_list = phone_list(1)
    with pytest.raises(ValidationError):
        call_list_status_set(actor=director, call_list=call_list, status="archived")
    call_list.refresh_from_db()
    assert call_list.status == "open" and not AuditEvent.objects.exists()


def test_a_closed_list_does_not_count_as_open_for_the_no_other_open_list_filter(world, director):
    alice = world["alice"]
    other = CallList.objects.create(campaign=world["campaign_a"], name="Other")
    CallListEntry.objects.create(call_list=other, member=alice)
    mine = CallList.objects.create(
        campaign=world["campaign_a"], name="Mine", filters={"not_on_open_list": True}
    )
    assert alice not in call_list_filter_members(call_list=mine, user=director)
    call_list_status_set(actor=director, call_list=other, status="closed")
    assert alice in call_list_filter_members(call_list=mine, user=director)


# --- Refresh plan ----------------------------------------------------------------------------


def test_the_refresh_plan_is_what_the_refresh_then_applies(world, director):
    site_a = world["site_a"]
    stays = f.MemberFactory(worksite=site_a, local=world["local_a"], last_name="Stays")
    call_list = CallList.objects.create(campaign=world["campaign_a"], name="Site A")
    call_list_refresh(actor=director, call_list=call_list)
    assert set(call_list.entries.values_list("member_id", flat=True)) == {world["alice"].pk, stays.pk}
    # Narrow the filter to alice's department: `stays` would be dropped, nobody added.
    call_list.filters = {"department": [world["dept_a"].pk]}
    call_list.save()
    plan = call_list_refresh_plan(call_list=call_list, user=director)
    assert (plan.added_ids, plan.drop_ids) == ([], [stays.pk])
    assert call_list.entries.get(member=stays).state == State.QUEUED  # nothing written yet
    result = call_list_refresh(actor=director, call_list=call_list)
    assert [m.pk for m in result.removed] == plan.drop_ids
    assert call_list.entries.get(member=stays).state == State.REMOVED
    # Widening it again brings them back.
    call_list.filters = {}
    call_list.save()
    assert call_list_refresh_plan(call_list=call_list, user=director).added_ids == [stays.pk]


# --- Survey questions ------------------------------------------------------------------------


@pytest.fixture
def survey(phone_list, director):
    """A list with three questions and a mobilizer on it."""
    caller = make_mobilizer(1)
    call_list = phone_list(4, mobilizers=[caller])
    petition = survey_question_add(actor=director, call_list=call_list, kind="yes_no", label_en="Petition?")
    shift = survey_question_add(
        actor=director, call_list=call_list, kind="choice", label_en="Best shift?",
        choices_en="Days\nNights", choices_fr="Jour\nNuit",
    )
    email = survey_question_add(
        actor=director, call_list=call_list, kind="text", label_en="Best email?", maps_to="email"
    )
    return {"list": call_list, "caller": caller, "petition": petition, "shift": shift, "email": email}


def _order(call_list) -> list[str]:
    return list(call_list.questions.values_list("label_en", flat=True))


def test_questions_move_up_and_down_and_stop_at_the_ends(survey, director):
    call_list = survey["list"]
    survey_question_move(actor=director, question=survey["email"], step=-1)
    assert _order(call_list) == ["Petition?", "Best email?", "Best shift?"]
    survey_question_move(actor=director, question=survey["petition"], step=1)
    assert _order(call_list) == ["Best email?", "Petition?", "Best shift?"]
    survey_question_move(actor=director, question=survey["email"], step=-1)  # already first
    assert _order(call_list) == ["Best email?", "Petition?", "Best shift?"]
    assert AuditEvent.objects.filter(verb="survey_question.move").count() == 2
    with pytest.raises(ValidationError):
        survey_question_move(actor=director, question=survey["email"], step=3)


def test_a_question_without_answers_is_deleted(survey, director):
    outcome = survey_question_remove(actor=director, question=survey["petition"])
    assert outcome == "deleted"
    assert not SurveyQuestion.all_objects.filter(pk=survey["petition"].pk).exists()
    assert AuditEvent.objects.filter(verb="survey_question.delete").exists()


def test_a_question_with_answers_is_retired_its_answers_kept_and_no_longer_asked(survey, director):
    call_list, caller, shift = survey["list"], survey["caller"], survey["shift"]
    _answered(call_list, shift, "Nights", caller)
    assert survey_question_remove(actor=director, question=shift) == "retired"
    shift.refresh_from_db()
    assert shift.retired_at is not None
    answer = SurveyAnswer.objects.get(question=shift)
    assert answer.value == "Nights" and answer.question == shift
    # The call screen no longer asks it, and a submit naming it stores nothing new.
    assert shift not in call_list_questions(call_list=call_list)
    assert list(call_list.questions.all()) == [survey["petition"], survey["email"]]
    entry = call_next_claim(actor=caller, call_list=call_list)
    form = CallForm(questions=call_list.questions.all(), assignees=[caller.pk])
    assert f"q{shift.pk}" not in form.fields
    call_submit(actor=caller, entry=entry, outcome=Outcome.REACHED, answers={shift.pk: "Days"})
    assert SurveyAnswer.objects.filter(question=shift).count() == 1
    # Its organizers still see it, with its tally.
    managed = survey_questions_managed(call_list=call_list)
    assert [q.pk for q in managed["retired"]] == [shift.pk]
    assert managed["retired"][0].tally == [("Days", 0), ("Nights", 1)]
    assert AuditEvent.objects.filter(verb="survey_question.retire").count() == 1
    # Removing it again keeps it retired.
    assert survey_question_remove(actor=director, question=shift) == "retired"
    assert AuditEvent.objects.filter(verb="survey_question.retire").count() == 1


def test_a_retired_question_can_be_asked_again_at_the_end(survey, director):
    call_list, caller, petition = survey["list"], survey["caller"], survey["petition"]
    _answered(call_list, petition, "yes", caller)
    survey_question_remove(actor=director, question=petition)
    survey_question_restore(actor=director, question=petition)
    assert _order(call_list) == ["Best shift?", "Best email?", "Petition?"]
    assert AuditEvent.objects.filter(verb="survey_question.restore").exists()


def test_editing_a_question_saves_only_what_changed_and_audits_it(survey, director):
    petition = survey["petition"]
    survey_question_update(
        actor=director, question=petition,
        data={"label_en": "Will you sign the petition?", "label_fr": "Signerez-vous la pétition?",
              "kind": "yes_no", "choices_en": "", "choices_fr": "", "maps_to": ""},
    )
    petition.refresh_from_db()
    assert petition.label_fr == "Signerez-vous la pétition?"
    event = AuditEvent.objects.get(verb="survey_question.update")
    assert set(event.changes) == {"question", "label_en", "label_fr"}
    survey_question_update(actor=director, question=petition, data={"label_en": "Will you sign the petition?"})
    assert AuditEvent.objects.filter(verb="survey_question.update").count() == 1


def test_an_answered_question_keeps_its_kind_and_the_choices_already_chosen(survey, director):
    call_list, caller, shift = survey["list"], survey["caller"], survey["shift"]
    _answered(call_list, shift, "Nights", caller)
    with pytest.raises(ValidationError) as kind_error:
        survey_question_update(actor=director, question=shift, data={"kind": "text"})
    assert "kind" in kind_error.value.error_dict
    with pytest.raises(ValidationError) as choice_error:
        survey_question_update(actor=director, question=shift, data={"choices_en": "Days\nEvenings", "choices_fr": ""})
    assert "Nights" in str(choice_error.value)
    shift.refresh_from_db()
    assert (shift.kind, shift.choices_en) == ("choice", "Days\nNights")
    # Adding a choice, or dropping one nobody chose, is fine.
    survey_question_update(
        actor=director, question=shift, data={"choices_en": "Nights\nEvenings", "choices_fr": "Nuit\nSoir"}
    )
    shift.refresh_from_db()
    assert shift.choice_values == ["Nights", "Evenings"]


@pytest.mark.parametrize("data, field", [
    ({"kind": "choice", "choices_en": ""}, "choices_en"),
    ({"kind": "choice", "choices_en": "A\nB", "choices_fr": "Un"}, "choices_fr"),
    ({"kind": "choice", "choices_en": "A\nA"}, "choices_en"),
    ({"kind": "choice", "choices_en": "A\nB", "maps_to": "portal_signup"}, "maps_to"),
    ({"kind": "yes_no", "maps_to": "email"}, "maps_to"),
    ({"kind": "text", "label_en": ""}, "label_en"),
])
def test_bad_questions_are_refused_and_nothing_is_written(survey, director, data, field):
    call_list = survey["list"]
    before = list(SurveyQuestion.all_objects.values_list("pk", "kind", "label_en", "choices_en", "maps_to"))
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        survey_question_update(actor=director, question=survey["email"], data=data)
    assert field in error.value.error_dict
    with pytest.raises(ValidationError):
        survey_question_add(
            actor=director, call_list=call_list,
            **{"kind": "text", "label_en": "New", **data},
        )
    assert list(SurveyQuestion.all_objects.values_list("pk", "kind", "label_en", "choices_en", "maps_to")) == before
    assert AuditEvent.objects.count() == events


def test_a_yes_no_question_drops_stray_choices(survey, director):
    question = survey_question_add(
        actor=director, call_list=survey["list"], kind="yes_no", label_en="Portal?",
        choices_en="left over", maps_to="portal_signup",
    )
    assert question.choices_en == "" and question.maps_to == "portal_signup"
