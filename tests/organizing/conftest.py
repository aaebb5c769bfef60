import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Login rate limits live in the cache: start every test with none used."""
    cache.clear()
    yield
    cache.clear()
