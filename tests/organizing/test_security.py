"""Production settings pass `check --deploy`; responses carry the security headers; demo TOTP."""

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.core.management import call_command
from django.core.management.base import CommandError

from organizing.models import Role
from organizing.services import user_enrol_totp

from .. import factories as f
from ..conftest import enrol_totp
from .helpers import password_login, totp_code

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def _production_env(tmp_path, **extra) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update({
        "DJANGO_SETTINGS_MODULE": "organizing.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "organizing.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        # Only named: `check` does not connect to it.
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        **extra,
    })
    return env


def _check_deploy(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _check_deploy(_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_rate_limits_would_not_be_shared(tmp_path):
    env = _production_env(tmp_path)
    del env["REDIS_URL"]
    result = _check_deploy(env)
    assert "organizing.W001" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "organizing.settings", "DJANGO_DEBUG": "false"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_responses_carry_the_security_headers(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/accounts/login/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_signed_in_pages_carry_the_headers_too(director_client):
    response = director_client.get("/team/")
    assert "frame-ancestors" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_account_pages_have_no_inline_scripts_or_styles(client, director):
    pages = ["/accounts/login/", "/accounts/password/reset/"]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<style" not in html, url
        assert " style=" not in html, url
        assert "<script>" not in html, url


def test_password_reset_sends_a_link_for_a_known_email(client, mobilizer, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": mobilizer.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_logout_signs_out_and_asks_the_browser_to_forget_the_site(mobilizer_client):
    response = mobilizer_client.post("/accounts/logout/")
    assert "_auth_user_id" not in mobilizer_client.session
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_signed_in_pages_are_never_stored_by_the_browser(director_client, world):
    for url in ("/members/", f"/members/{world['alice'].pk}/", "/lists/export.csv"):
        response = director_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    assert "Clear-Site-Data" not in director_client.get("/members/")


def test_a_required_user_cannot_remove_their_authenticator(client, db):
    director = f.UserFactory(email="keep@example.org", role=Role.DIRECTOR)
    secret = enrol_totp(director)
    password_login(client, director.email)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    client.post("/accounts/reauthenticate/", {"password": "correct-horse-battery"})
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200  # the form comes back with the refusal
    assert Authenticator.objects.filter(user=director, type=Authenticator.Type.TOTP).exists()


# --- Demo support ------------------------------------------------------------------


def test_user_enrol_totp_enrols_with_the_given_secret_once(db):
    user = f.UserFactory(email="demo.director@example.org", role=Role.DIRECTOR)
    secret = generate_totp_secret()
    assert user_enrol_totp(user, secret) is True
    assert user_enrol_totp(user, secret) is False
    assert Authenticator.objects.filter(user=user).count() == 2  # TOTP and recovery codes
    other = generate_totp_secret()
    assert user_enrol_totp(user, other) is True
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).count() == 1


def test_demo_totp_prints_a_code_that_signs_in(client, settings, db):
    user = f.UserFactory(email="demo.director@example.org", role=Role.DIRECTOR)
    secret = generate_totp_secret()
    user_enrol_totp(user, secret)
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_totp", user.email, stdout=out, stderr=StringIO())
    code = out.getvalue().strip()
    assert code == totp_code(secret)
    password_login(client, user.email)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert "_auth_user_id" in client.session


def test_demo_totp_is_refused_unless_debug(settings, db):
    user = f.UserFactory(email="demo.director@example.org", role=Role.DIRECTOR)
    user_enrol_totp(user, generate_totp_secret())
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_totp", user.email, stdout=StringIO())


def test_users_cannot_change_the_invited_email_address(director_client):
    assert director_client.get("/accounts/email/").status_code == 404
    assert director_client.post("/accounts/email/", {"email": "x@example.org", "action_add": ""}).status_code == 404
