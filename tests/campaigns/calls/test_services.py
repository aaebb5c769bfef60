from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns.calls.selectors import call_list_stats, member_call_context
from campaigns.calls.services import (
    call_list_create,
    call_list_refresh,
    call_list_split_turfs,
    call_next_claim,
    call_release,
    call_submit,
    follow_up_close,
    survey_question_add,
)
from campaigns.models import Assessment, CallListEntry, Conversation, FollowUp, Outcome
from members.models import Phone
from organizing.models import AuditEvent
from tests import factories as f

from .conftest import make_mobilizer

State = CallListEntry.State


def later(**delta):
    """Patch the clock forward."""
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(**delta))


def test_next_claims_members_in_order_and_never_twice(phone_list):
    a, b = make_mobilizer(1), make_mobilizer(2)
    call_list = phone_list(3, mobilizers=[a, b])
    first = call_next_claim(actor=a, call_list=call_list)
    second = call_next_claim(actor=b, call_list=call_list)
    assert first.pk != second.pk
    assert first.state == State.CLAIMED and first.claimed_by == a
    # Asking again keeps your own live claim rather than taking another member.
    assert call_next_claim(actor=a, call_list=call_list).pk == first.pk


def test_an_expired_claim_returns_to_the_queue(phone_list):
    a, b = make_mobilizer(1), make_mobilizer(2)
    call_list = phone_list(1, mobilizers=[a, b])
    entry = call_next_claim(actor=a, call_list=call_list)
    assert call_next_claim(actor=b, call_list=call_list) is None
    with later(minutes=16):
        again = call_next_claim(actor=b, call_list=call_list)
    assert again.pk == entry.pk and again.claimed_by == b
    # The first mobilizer's late submit is refused and changes nothing.
    with pytest.raises(ValidationError):
        call_submit(actor=a, entry=entry, outcome=Outcome.REACHED)
    assert not Conversation.objects.exists()


def test_call_back_returns_the_member_at_that_time_and_not_before(phone_list):
    a = make_mobilizer(1)
    call_list = phone_list(1, mobilizers=[a])
    entry = call_next_claim(actor=a, call_list=call_list)
    when = timezone.now() + timedelta(hours=3)
    call_submit(actor=a, entry=entry, outcome=Outcome.CALL_BACK, call_back_at=when)
    assert call_next_claim(actor=a, call_list=call_list) is None
    with later(hours=2, minutes=59):
        assert call_next_claim(actor=a, call_list=call_list) is None
    with later(hours=3, minutes=1):
        assert call_next_claim(actor=a, call_list=call_list).pk == entry.pk


def test_call_back_needs_a_time_in_the_future(phone_list):
    a = make_mobilizer(1)
    call_list = phone_list(1, mobilizers=[a])
    entry = call_next_claim(actor=a, call_list=call_list)
    with pytest.raises(ValidationError):
        call_submit(actor=a, entry=entry, outcome=Outcome.CALL_BACK, call_back_at=timezone.now())


def test_no_answer_returns_after_the_cool_down_up_to_max_attempts(phone_list):
    a = make_mobilizer(1)
    call_list = phone_list(1, mobilizers=[a], max_attempts=2, cooldown_hours=24)
    entry = call_next_claim(actor=a, call_list=call_list)
    call_submit(actor=a, entry=entry, outcome=Outcome.NO_ANSWER)
    assert call_next_claim(actor=a, call_list=call_list) is None
    with later(hours=25):
        entry = call_next_claim(actor=a, call_list=call_list)
        assert entry is not None
        call_submit(actor=a, entry=entry, outcome=Outcome.BUSY)
    entry.refresh_from_db()
    assert entry.state == State.DONE and entry.attempts == 2
    with later(days=5):
        assert call_next_claim(actor=a, call_list=call_list) is None


def test_reached_leaves_the_queue_with_assessment_and_answers_applied(phone_list, world):
    a = make_mobilizer(1)
    call_list = phone_list(1, mobilizers=[a])
    portal = survey_question_add(
        actor=a, call_list=call_list, kind="yes_no", label_en="Signed up to the portal?",
        maps_to="portal_signup",
    )
    email = survey_question_add(
        actor=a, call_list=call_list, kind="text", label_en="Best email?", maps_to="email"
    )
    entry = call_next_claim(actor=a, call_list=call_list)
    call_submit(
        actor=a, entry=entry, outcome=Outcome.REACHED, assessment_level=2,
        answers={portal.pk: "yes", email.pk: "New@Example.net"}, notes="Keen", issues=["Staffing"],
        follow_up_due=timezone.localdate(), follow_up_note="Send the petition",
        organizer_action_needed=True,
    )
    entry.refresh_from_db()
    member = entry.member
    member.refresh_from_db()
    assert entry.state == State.DONE
    assert Assessment.objects.get(member=member, is_current=True).level == 2
    assert member.portal_signup_date == timezone.localdate()
    assert member.emails.filter(address="new@example.net").exists()
    conversation = Conversation.objects.get(member=member)
    assert [t.name for t in conversation.issues.all()] == ["Staffing"]
    assert FollowUp.objects.get(member=member).organizer_action_needed
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"call.claim", "call.submit", "conversation.log", "assessment.record", "member.update",
            "email.add", "follow_up.create"} <= verbs
    assert call_next_claim(actor=a, call_list=call_list) is None


def test_a_bad_answer_rolls_back_the_whole_call(phone_list):
    a = make_mobilizer(1)
    call_list = phone_list(1, mobilizers=[a])
    email = survey_question_add(actor=a, call_list=call_list, kind="text", label_en="Email?", maps_to="email")
    entry = call_next_claim(actor=a, call_list=call_list)
    with pytest.raises(ValidationError):
        call_submit(actor=a, entry=entry, outcome=Outcome.REACHED, answers={email.pk: "not an email"})
    entry.refresh_from_db()
    assert entry.state == State.CLAIMED and entry.attempts == 0
    assert not Conversation.objects.exists()


def test_do_not_contact_disappears_from_every_list_at_once(phone_list, world):
    a, b = make_mobilizer(1), make_mobilizer(2)
    first = phone_list(1, mobilizers=[a])
    member = first.entries.get().member
    second = phone_list(0, mobilizers=[b])
    other = CallListEntry.objects.create(call_list=second, member=member)
    assert call_next_claim(actor=b, call_list=second).pk == other.pk
    entry = call_next_claim(actor=a, call_list=first)
    call_submit(actor=a, entry=entry, outcome=Outcome.DO_NOT_CONTACT)
    member.refresh_from_db()
    assert member.do_not_contact
    assert set(CallListEntry.objects.filter(member=member).values_list("state", flat=True)) == {State.REMOVED}
    with later(days=30):
        assert call_next_claim(actor=a, call_list=first) is None
        assert call_next_claim(actor=b, call_list=second) is None
    # The other mobilizer's claim is gone too: their submit is refused.
    with pytest.raises(ValidationError):
        call_submit(actor=b, entry=other, outcome=Outcome.REACHED)
    # A refresh never brings them back.
    call_list_refresh(actor=a, call_list=first)
    assert first.entries.get().state == State.REMOVED


def test_wrong_number_offers_the_next_number_then_never_shows_it_again(phone_list):
    a = make_mobilizer(1)
    call_list = phone_list(1, mobilizers=[a])
    entry = call_next_claim(actor=a, call_list=call_list)
    member = entry.member
    bad = member.phones.get()
    good = f.PhoneFactory(member=member, is_primary=False)
    call_submit(actor=a, entry=entry, outcome=Outcome.WRONG_NUMBER, phone=bad)
    bad.refresh_from_db()
    assert bad.status == Phone.Status.WRONG_NUMBER
    again = call_next_claim(actor=a, call_list=call_list)
    assert again.pk == entry.pk
    assert member_call_context(user=a, member=member, call_list=call_list)["phones"] == [good]
    call_submit(actor=a, entry=again, outcome=Outcome.WRONG_NUMBER, phone=good)
    again.refresh_from_db()
    assert again.state == State.DONE
    assert member_call_context(user=a, member=member, call_list=call_list)["phones"] == []


def test_members_without_a_valid_phone_are_never_claimed(phone_list):
    a = make_mobilizer(1)
    call_list = phone_list(1, mobilizers=[a])
    Phone.objects.update(status=Phone.Status.WRONG_NUMBER)
    assert call_next_claim(actor=a, call_list=call_list) is None


def test_language_matching_gives_french_speakers_only_to_french_speaking_mobilizers(phone_list):
    english, french = make_mobilizer(1), make_mobilizer(2, speaks_french=True)
    call_list = phone_list(1, mobilizers=[english, french], match_language=True)
    member = call_list.entries.get().member
    member.language = "fr"
    member.save(update_fields=["language"])
    assert call_next_claim(actor=english, call_list=call_list) is None
    assert call_next_claim(actor=french, call_list=call_list) is not None


def test_release_puts_the_member_back(phone_list):
    a, b = make_mobilizer(1), make_mobilizer(2)
    call_list = phone_list(1, mobilizers=[a, b])
    entry = call_next_claim(actor=a, call_list=call_list)
    call_release(actor=a, entry=entry)
    assert call_next_claim(actor=b, call_list=call_list).pk == entry.pk


def test_refresh_shows_who_was_added_and_removed(world, organizer):
    call_list = call_list_create(
        actor=organizer, campaign=world["campaign_a"], name="Emergency",
        filters={"department": [world["dept_a"].pk]},
    )
    assert [e.member for e in call_list.entries.all()] == [world["alice"]]
    newcomer = f.MemberFactory(worksite=world["site_a"], local=world["local_a"], department=world["dept_a"])
    world["alice"].department = None
    world["alice"].save()
    result = call_list_refresh(actor=organizer, call_list=call_list)
    assert result.added == [newcomer] and result.removed == [world["alice"]]


def test_filters_for_assessment_language_and_other_open_lists(world, organizer):
    campaign = world["campaign_a"]
    second = f.MemberFactory(worksite=world["site_a"], local=world["local_a"], language="fr")
    f.AssessmentFactory(member=world["alice"], campaign=campaign, level=2)
    not_assessed = call_list_create(actor=organizer, campaign=campaign, name="A", filters={"assessment": [0]})
    assert [e.member for e in not_assessed.entries.all()] == [second]
    french = call_list_create(actor=organizer, campaign=campaign, name="B", filters={"language": "fr"})
    assert [e.member for e in french.entries.all()] == [second]
    fresh = call_list_create(actor=organizer, campaign=campaign, name="C", filters={"not_on_open_list": True})
    assert [e.member for e in fresh.entries.all()] == [world["alice"]]


def test_turfs_split_evenly_and_mobilizers_claim_only_in_theirs(phone_list):
    a = make_mobilizer(1)
    call_list = phone_list(4, mobilizers=[a])
    turfs = call_list_split_turfs(actor=a, call_list=call_list, by="even", parts=2)
    assert [t.entries.count() for t in turfs] == [2, 2]
    turfs[1].mobilizers.add(a)
    claimed = call_next_claim(actor=a, call_list=call_list)
    assert claimed.turf == turfs[1]


def test_stats_count_attempts_reaches_and_each_mobilizer(phone_list):
    a = make_mobilizer(1)
    call_list = phone_list(3, mobilizers=[a])
    call_submit(actor=a, entry=call_next_claim(actor=a, call_list=call_list), outcome=Outcome.REACHED,
                assessment_level=1)
    call_submit(actor=a, entry=call_next_claim(actor=a, call_list=call_list), outcome=Outcome.NO_ANSWER)
    stats = call_list_stats(call_list=call_list)
    assert (stats["total"], stats["attempted"], stats["reached"], stats["remaining"]) == (3, 2, 1, 2)
    assert stats["distribution"][1] == 1 and stats["distribution"][0] == 2
    assert stats["mobilizers"][0]["calls"] == 2 and stats["mobilizers"][0]["reach_rate"] == 50


def test_closing_a_follow_up_keeps_the_note(phone_list, organizer):
    a = make_mobilizer(1)
    call_list = phone_list(1, mobilizers=[a])
    call_submit(actor=a, entry=call_next_claim(actor=a, call_list=call_list), outcome=Outcome.REACHED,
                organizer_action_needed=True, follow_up_note="Wants a steward")
    follow_up = FollowUp.objects.get()
    follow_up_close(actor=organizer, follow_up=follow_up, note="Steward called her")
    follow_up.refresh_from_db()
    assert follow_up.closed_by == organizer and follow_up.closing_note == "Steward called her"


def test_members_due_again_come_before_fresh_ones(phone_list):
    a = make_mobilizer(1)
    call_list = phone_list(3, mobilizers=[a])
    last = call_list.entries.order_by("-id").first()
    call_list.entries.filter(pk=last.pk).update(next_call_at=timezone.now() - timedelta(minutes=1))
    cooling = call_list.entries.order_by("id").first()
    call_list.entries.filter(pk=cooling.pk).update(next_call_at=timezone.now() + timedelta(hours=1))
    assert call_next_claim(actor=a, call_list=call_list).pk == last.pk
    call_release(actor=a, entry=last)
    CallListEntry.objects.filter(pk=last.pk).update(state=State.DONE)
    fresh = call_next_claim(actor=a, call_list=call_list)
    assert fresh.pk not in (last.pk, cooling.pk)


def test_a_mobilizer_counts_their_own_calls_for_the_session_and_the_day(phone_list):
    from campaigns.calls.selectors import mobilizer_counts

    a, b = make_mobilizer(1), make_mobilizer(2)
    call_list = phone_list(3, mobilizers=[a, b])
    started = timezone.now() - timedelta(seconds=1)
    for actor, outcome in ((a, Outcome.REACHED), (a, Outcome.NO_ANSWER), (b, Outcome.REACHED)):
        call_submit(actor=actor, entry=call_next_claim(actor=actor, call_list=call_list), outcome=outcome)
    assert mobilizer_counts(user=a, session_started=started) == {
        "day_calls": 2, "day_reached": 1, "session_calls": 2, "session_reached": 1,
    }
    later_session = mobilizer_counts(user=a, session_started=timezone.now() + timedelta(seconds=1))
    assert (later_session["session_calls"], later_session["day_calls"]) == (0, 2)


def test_the_claims_body_refuses_to_run_outside_a_transaction(phone_list):
    from django.db import transaction

    from campaigns.calls.services.desk import _call_next_claim

    a = make_mobilizer(1)
    call_list = phone_list(1, mobilizers=[a])
    with mock.patch.object(transaction.get_connection(), "in_atomic_block", False):
        with pytest.raises(transaction.TransactionManagementError):
            _call_next_claim(actor=a, call_list=call_list)
    assert not CallListEntry.objects.filter(state=State.CLAIMED).exists()


def test_the_written_out_list_scope_matches_call_lists_visible_to(world, phone_list, director, organizer):
    from django.db import connection

    from campaigns.calls.selectors import _lists_visible_sql, call_lists_visible_to
    from campaigns.models import CallList

    a, b = make_mobilizer(1), make_mobilizer(2)
    open_list = phone_list(1, mobilizers=[a])
    phone_list(1, mobilizers=[a, b], status=CallList.Status.CLOSED)
    phone_list(1, mobilizers=[b], status=CallList.Status.PAUSED)
    phone_list(1)
    for user in (a, b, director, organizer):
        sql, params = _lists_visible_sql(user)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = {row[0] for row in cursor.fetchall()}
        assert ids == set(call_lists_visible_to(user).values_list("pk", flat=True)), user
    assert open_list.pk in set(call_lists_visible_to(a).values_list("pk", flat=True))


def test_the_written_out_campaign_scope_matches_campaigns_visible_to(world, mobilizer, organizer, director):
    from django.db import connection

    from campaigns.calls.selectors import _campaigns_visible_sql
    from campaigns.selectors import campaigns_visible_to

    other = make_mobilizer(2)
    world["campaign_b"].owners.add(other)
    f.CampaignFactory().team.add(other)
    for user in (mobilizer, other, make_mobilizer(3), organizer, director):
        sql, params = _campaigns_visible_sql(user)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = {row[0] for row in cursor.fetchall()}
        assert ids == set(campaigns_visible_to(user).values_list("pk", flat=True)), user
