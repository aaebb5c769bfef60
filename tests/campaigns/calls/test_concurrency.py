"""Twenty mobilizers press "Next" at the same moment, each in their own transaction."""

import threading
import time
from collections import Counter

import pytest
from django.db import OperationalError, connection, connections

from campaigns.calls.services import call_next_claim
from campaigns.models import CallListEntry

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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite serialises writers)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_a_list_waits_for_a_claim_under_way_and_gives_it_back(phone_list):
    """A claim committing while its list is being closed is released by the close, never left behind."""
    from django.db import transaction

    from campaigns.calls.services import call_list_status_set
    from campaigns.models import CallList

    caller = make_mobilizer(1)
    call_list = phone_list(3, mobilizers=[caller])
    claimed, close_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def claimer():
        try:
            with transaction.atomic():
                assert call_next_claim(actor=caller, call_list=call_list) is not None
                claimed.set()
                # The close must wait for this transaction rather than run past it.
                assert not close_done.wait(timeout=1.0)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def closer():
        try:
            claimed.wait(timeout=10)
            with transaction.atomic():
                call_list_status_set(actor=None, call_list=call_list, status=CallList.Status.CLOSED)
            close_done.set()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claimer), threading.Thread(target=closer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not errors, errors
    assert not CallListEntry.objects.filter(call_list=call_list, state=CallListEntry.State.CLAIMED).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite serialises writers)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_waiting_on_a_close_finds_the_list_closed(phone_list):
    from django.db import transaction

    from campaigns.calls.services import call_list_status_set
    from campaigns.models import CallList

    caller = make_mobilizer(1)
    call_list = phone_list(3, mobilizers=[caller])
    closing, results = threading.Event(), []
    errors: list[BaseException] = []

    def closer():
        try:
            with transaction.atomic():
                call_list_status_set(actor=None, call_list=call_list, status=CallList.Status.CLOSED)
                closing.set()
                time.sleep(0.5)  # the claim below starts meanwhile and must wait
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def claimer():
        try:
            closing.wait(timeout=10)
            results.append(call_next_claim(actor=caller, call_list=call_list))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=closer), threading.Thread(target=claimer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not errors, errors
    assert results == [None]
    assert not CallListEntry.objects.filter(call_list=call_list, state=CallListEntry.State.CLAIMED).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite serialises writers)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_a_list_while_a_call_is_being_saved_neither_waits_nor_deadlocks(phone_list):
    from django.db import transaction

    from campaigns.calls.services import call_list_status_set
    from campaigns.calls.services.desk import _call_next_claim, _call_submit
    from campaigns.models import CallList, Outcome

    caller = make_mobilizer(1)
    call_list = phone_list(3, mobilizers=[caller])
    entry = call_next_claim(actor=caller, call_list=call_list)
    saving, closed = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    after: list = []

    def saver():
        try:
            with transaction.atomic():
                _call_submit(actor=caller, entry=entry, outcome=Outcome.NO_ANSWER)
                saving.set()
                assert closed.wait(timeout=5), "the close waited for the call being saved"
                after.append(_call_next_claim(actor=caller, call_list=call_list))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def closer():
        try:
            saving.wait(timeout=10)
            with transaction.atomic():
                call_list_status_set(actor=None, call_list=call_list, status=CallList.Status.CLOSED)
            closed.set()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=saver), threading.Thread(target=closer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert after == [None]
    entry.refresh_from_db()
    assert entry.state == CallListEntry.State.QUEUED and entry.attempts == 1
