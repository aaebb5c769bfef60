"""What the benchmarks share: printing, their own PostgreSQL database, and Django set-up."""

import os
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist (on the same server)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            say(f"Created database {name}.")


def setup_django(default_url: str, *, in_process_tasks: bool = False) -> None:
    """Point Django at the benchmark's PostgreSQL database (created if missing) and set it up."""
    url = os.environ.setdefault("DATABASE_URL", default_url)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"{Path(sys.argv[0]).name} needs PostgreSQL: set DATABASE_URL=postgres://…")
    ensure_database(url)
    if in_process_tasks:
        os.environ.pop("REDIS_URL", None)
    # The test settings: production's shape (DEBUG off, same middleware), fast hashing.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "organizing.settings_test")
    # The static files are not collected for a benchmark; whitenoise need not say so.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
