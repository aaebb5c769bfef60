"""Browser journeys: Playwright (sync API) driving Debian's Chromium, with axe-core.

Playwright cannot download its own browsers here, so the session launches the system
Chromium. Without it the whole folder is skipped with a printed reason, unless
REQUIRE_BROWSER=1 (CI), where every browser test fails instead: CI must run them.
"""

import os
from pathlib import Path

import pytest
from django.db import connections
from django.db.backends.base.creation import BaseDatabaseCreation

# Playwright's sync API keeps an event loop running in the test thread; the ORM would
# otherwise refuse every query made by the test (and by the live server's fixtures).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# With that loop running, Django's connections live in a context variable, not in the
# thread: a browser test gets new connection objects, without the snapshot of the
# migrated data (assessment levels...) taken when the test database was created on the
# old ones. `serialized_rollback` would then silently restore nothing after a flush. Keep
# the snapshot and give it to every connection created afterwards.
_SNAPSHOTS: dict[str, str] = {}
_serialize_db_to_string = BaseDatabaseCreation.serialize_db_to_string
_create_connection = connections.create_connection


def _serialize_and_keep(creation) -> str:
    _SNAPSHOTS[creation.connection.alias] = data = _serialize_db_to_string(creation)
    return data


def _create_connection_with_snapshot(alias):
    connection = _create_connection(alias)
    if alias in _SNAPSHOTS:
        connection._test_serialized_contents = _SNAPSHOTS[alias]
    return connection


BaseDatabaseCreation.serialize_db_to_string = _serialize_and_keep
connections.create_connection = _create_connection_with_snapshot

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).parent
REQUIRED = os.environ.get("REQUIRE_BROWSER", "") == "1"
MISSING_REASON = (
    f"browser tests skipped: {CHROMIUM} not found (apt-get install -y chromium); "
    "set REQUIRE_BROWSER=1 to make this a failure"
)


def _is_browser_test(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).parents


def pytest_collection_modifyitems(config, items):
    # This hook sees every collected item, not only this folder's: filter by path.
    for item in items:
        if not _is_browser_test(item):
            continue
        item.add_marker(pytest.mark.browser)
        if not CHROMIUM.exists() and not REQUIRED:
            item.add_marker(pytest.mark.skip(reason=MISSING_REASON))


def pytest_terminal_summary(terminalreporter):
    if not CHROMIUM.exists():
        word = "FAILED (REQUIRE_BROWSER=1)" if REQUIRED else "SKIPPED"
        terminalreporter.write_line(f"Browser tests {word}: {CHROMIUM} not found.", yellow=True)


def _fail_without_chromium() -> None:
    # Only reached when REQUIRE_BROWSER=1: otherwise these tests were skipped at collection.
    if not CHROMIUM.exists():
        pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install -y chromium")


@pytest.fixture(autouse=True)
def _require_chromium():
    _fail_without_chromium()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    _fail_without_chromium()
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def union(world, director):
    """The shared world plus some history, so pages show timelines and counts."""
    from django.utils import timezone

    from campaigns.services import assessment_record, conversation_log

    from ..factories import TagFactory

    alice, campaign = world["alice"], world["campaign_a"]
    earlier = timezone.now() - timezone.timedelta(days=20)
    conversation_log(
        actor=director, member=alice, campaign=campaign, channel="worksite", outcome="reached",
        occurred_at=earlier, notes="Talked about short staffing on nights.",
        issues=[TagFactory(name="staffing")], assessment_level=3,
    )
    assessment_record(actor=director, member=alice, campaign=campaign, level=2, note="Signed petition.")
    return world


@pytest.fixture
def page(page):
    # Fail in seconds, not Playwright's default 30, when an element never appears.
    page.set_default_timeout(10_000)
    return page
