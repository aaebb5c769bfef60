"""docker-compose.yml, the Dockerfile and .env.example stay true to the project.

No Docker engine runs in CI, so these tests read the files and check that every
command they run exists here: the gunicorn module, the Celery app, the management
commands and the scripts, and that .env.example names every variable settings read.
"""

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = [name for name, service in SERVICES.items() if "build" in service]


def _command(service: dict) -> list[str]:
    command = service.get("command")
    assert command, "every service built from the project says what it runs"
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _option(argv: list[str], *names: str) -> str:
    for i, arg in enumerate(argv):
        if arg in names:
            return argv[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    raise AssertionError(f"{names[0]} missing from {argv}")


def test_compose_has_web_worker_beat_postgres_redis_and_a_migrate_step():
    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert set(APP_SERVICES) >= {"web", "worker", "beat", "migrate"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_each_app_service_command_exists_in_the_project(name):
    argv = _command(SERVICES[name])
    program = argv[0]
    if program == "gunicorn":
        module_path, _, attribute = argv[1].partition(":")
        module = importlib.import_module(module_path)
        assert callable(getattr(module, attribute or "application"))
    elif program == "celery":
        app_path = _option(argv, "-A", "--app")
        app = importlib.import_module(app_path).celery_app
        assert app.main == "organizing"
        assert argv[argv.index(app_path) + 1] in {"worker", "beat"}
    elif program == "python" and argv[1] == "manage.py":
        assert (ROOT / "manage.py").exists()
        assert argv[2] in get_commands(), f"no management command {argv[2]!r}"
    elif program.startswith(("scripts/", "./scripts/", "/app/scripts/")):
        assert (ROOT / program.removeprefix("/app/").removeprefix("./")).exists()
    else:
        raise AssertionError(f"{name}: unknown program {program!r}; teach this test about it")


def test_web_runs_gunicorn_on_the_wsgi_app_and_one_service_runs_beat():
    assert _command(SERVICES["web"])[:2] == ["gunicorn", "organizing.wsgi"]
    beats = [name for name in APP_SERVICES if "beat" in _command(SERVICES[name])]
    assert beats == ["beat"], "exactly one beat: two would send every scheduled task twice"


def test_app_services_share_one_database_and_one_redis():
    for name in APP_SERVICES:
        environment = SERVICES[name]["environment"]
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379")
        assert SERVICES[name]["env_file"] == ".env"


def test_long_running_services_wait_for_migrations():
    for name in ("web", "worker", "beat"):
        depends_on = SERVICES[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_dockerfile_builds_python_311_with_static_files_and_messages():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert "collectstatic" in dockerfile
    assert "python scripts/compile_messages.py" in dockerfile
    for script in re.findall(r"\bscripts/[\w./-]+", dockerfile):
        assert (ROOT / script).exists(), script
    assert "gunicorn" in dockerfile and "organizing.wsgi" in dockerfile


def _variables_read_by_settings() -> set[str]:
    source = (ROOT / "organizing" / "settings.py").read_text()
    names = set(re.findall(r"""(?:os\.environ\.get|os\.getenv|env_\w+)\(\s*["'](\w+)["']""", source))
    names |= set(re.findall(r"""os\.environ\[\s*["'](\w+)["']\s*\]""", source))
    if "dj_database_url.config(" in source:
        names.add("DATABASE_URL")
    return names


def test_env_example_lists_every_variable_settings_read():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.M))
    missing = _variables_read_by_settings() - listed
    assert not missing, f".env.example does not mention: {sorted(missing)}"
    # The compose file's own variable is there too.
    assert "POSTGRES_PASSWORD" in listed


def test_the_programs_compose_runs_and_the_drivers_it_needs_are_pinned_dependencies():
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pinned = {re.split(r"[\[=<>]", dep)[0].lower() for dep in pyproject["project"]["dependencies"]}
    programs = {_command(SERVICES[name])[0] for name in APP_SERVICES} - {"python"}
    # psycopg for DATABASE_URL=postgres://, redis for REDIS_URL.
    assert programs | {"psycopg", "redis"} <= pinned
