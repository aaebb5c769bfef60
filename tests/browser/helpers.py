"""Helpers for the browser journeys: sign-in, TOTP codes, the accessibility check."""

import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client

BLOCKING_IMPACTS = {"serious", "critical"}
BASE32_SECRET = re.compile(r"\b[A-Z2-7]{32}\b")

_axe = Axe()


def sign_in(page, live_server, user) -> None:
    """Give the browser a session for `user` without the login form (the journey uses the form)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])


def totp_code(secret: str) -> str:
    """The code an authenticator app would show now for this secret."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def totp_secret_on(page) -> str:
    """Read the TOTP secret the activation page shows (in allauth's field, or anywhere)."""
    field = page.locator("#authenticator_secret")
    if field.count():
        value = field.first.input_value().strip()
        if value:
            return value
    for value in page.locator("input").evaluate_all("els => els.map(e => e.value)"):
        if BASE32_SECRET.fullmatch(value.strip()):
            return value.strip()
    match = BASE32_SECRET.search(page.inner_text("body"))
    assert match, "The TOTP activation page shows no secret to type into an authenticator app."
    return match.group(0)


def watch_csp(page) -> list[str]:
    """Collect the Content-Security-Policy violations the page reports to its console."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    return errors


def assert_accessible(page, *, csp_errors: list[str] | None = None) -> None:
    """Fail on any serious or critical axe-core violation (and any CSP violation seen)."""
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    lines = []
    for violation in blocking:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    report = "\n".join(lines)
    assert not blocking, f"axe-core found serious/critical violations on {page.url}:\n{report}"
    if csp_errors:
        raise AssertionError(f"Content-Security-Policy violations on {page.url}:\n" + "\n".join(csp_errors))
