"""Twenty mobilizers press "Next" at the same moment, each in their own transaction."""

import threading
import time
from collections import Counter

import pytest
from django.db import OperationalError, connection, connections, transaction

from campaigns.calls.services import call_list_status_set, call_next_claim
from campaigns.calls.services.desk import _call_next_claim, _call_submit
from campaigns.models import CallList, CallListEntry, Outcome

from .conftest import make_mobilizer

CLAIMANTS = 20


def claim(user, call_list):
    """Claim; on SQLite's shared-cache in-memory test database, wait as a file database would.

    That database answers "table is locked" at once instead of honouring the busy timeout, so
    the test retries; the IMMEDIATE transaction still serialises the claimants.
    """
    while True:
        try:
            return call_next_claim(actor=user, call_list=call_list)
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            time.sleep(0.005)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_claimants_never_receive_the_same_member(phone_list):
    mobilizers = [make_mobilizer(n) for n in range(CLAIMANTS)]
    call_list = phone_list(50, mobilizers=mobilizers)
    start = threading.Barrier(CLAIMANTS)
    claimed: dict[int, list[int]] = {m.pk: [] for m in mobilizers}
    errors: list[BaseException] = []

    def work(user):
        try:
            start.wait()
            # Each round: claim, then release the claim by finishing it, so every thread keeps
            # competing for the head of the queue until the list is empty.
            while True:
                entry = claim(user, call_list)
                if entry is None:
                    break
                claimed[user.pk].append(entry.pk)
                done(entry)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def done(entry):
        while True:
            try:
                CallListEntry.objects.filter(pk=entry.pk).update(state=CallListEntry.State.DONE)
                return
            except OperationalError as exc:
                if connection.vendor != "sqlite" or "locked" not in str(exc):
                    raise
                time.sleep(0.005)

    threads = [threading.Thread(target=work, args=(m,)) for m in mobilizers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    counts = Counter(pk for pks in claimed.values() for pk in pks)
    assert [pk for pk, n in counts.items() if n > 1] == []
    assert len(counts) == 50
    assert sum(1 for pks in claimed.values() if pks) > 1


def side_by_side(*steps) -> None:
    """Run each step in its own thread and connection, wait for all, and raise what any raised."""
    errors: list[BaseException] = []

    def run(step):
        try:
            step()
        except BaseException as exc:  # noqa: BLE001 - raised below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors


postgres_locks = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite serialises writers)"
)


def close(call_list) -> None:
    with transaction.atomic():
        call_list_status_set(actor=None, call_list=call_list, status=CallList.Status.CLOSED)


def nobody_claimed(call_list) -> bool:
    return not CallListEntry.objects.filter(call_list=call_list, state=CallListEntry.State.CLAIMED).exists()


@postgres_locks
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_a_list_waits_for_a_claim_under_way_and_gives_it_back(phone_list):
    """A claim committing while its list is being closed is released by the close, never left behind."""
    caller = make_mobilizer(1)
    call_list = phone_list(3, mobilizers=[caller])
    claimed, closed = threading.Event(), threading.Event()

    def claimer():
        with transaction.atomic():
            assert call_next_claim(actor=caller, call_list=call_list) is not None
            claimed.set()
            assert not closed.wait(timeout=1.0), "the close ran past a claim under way"

    def closer():
        claimed.wait(timeout=10)
        close(call_list)
        closed.set()

    side_by_side(claimer, closer)
    assert nobody_claimed(call_list)


@postgres_locks
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_waiting_on_a_close_finds_the_list_closed(phone_list):
    caller = make_mobilizer(1)
    call_list = phone_list(3, mobilizers=[caller])
    closing, results = threading.Event(), []

    def closer():
        with transaction.atomic():
            call_list_status_set(actor=None, call_list=call_list, status=CallList.Status.CLOSED)
            closing.set()
            time.sleep(0.5)  # the claim below starts meanwhile and must wait

    def claimer():
        closing.wait(timeout=10)
        results.append(call_next_claim(actor=caller, call_list=call_list))

    side_by_side(closer, claimer)
    assert results == [None]
    assert nobody_claimed(call_list)


@postgres_locks
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_a_list_while_a_call_is_being_saved_neither_waits_nor_deadlocks(phone_list):
    caller = make_mobilizer(1)
    call_list = phone_list(3, mobilizers=[caller])
    entry = call_next_claim(actor=caller, call_list=call_list)
    saving, closed, after = threading.Event(), threading.Event(), []

    def saver():
        # What "Save and next" does in its one transaction, with the close in the middle.
        with transaction.atomic():
            _call_submit(actor=caller, entry=entry, outcome=Outcome.NO_ANSWER)
            saving.set()
            assert closed.wait(timeout=5), "the close waited for the call being saved"
            after.append(_call_next_claim(actor=caller, call_list=call_list))

    def closer():
        saving.wait(timeout=10)
        close(call_list)
        closed.set()

    side_by_side(saver, closer)
    assert after == [None]
    entry.refresh_from_db()
    assert entry.state == CallListEntry.State.QUEUED and entry.attempts == 1
