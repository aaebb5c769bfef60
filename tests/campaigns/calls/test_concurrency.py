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
