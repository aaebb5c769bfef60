import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


def totp_code(secret: str) -> str:
    """The code an authenticator app would show right now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def password_login(client, email: str, password: str = "correct-horse-battery"):
    return client.post("/accounts/login/", {"login": email, "password": password})
