"""Print the current TOTP code of a demo login, so a person trying the demo can sign in."""

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from organizing.models import User


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo user (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The demo user's email, e.g. director@demo.example")

    def handle(self, *args, email: str, **options):
        # Printing a second factor defeats it: only ever on a development machine.
        if not settings.DEBUG:
            raise CommandError("demo_totp runs only with DJANGO_DEBUG on.")
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the email {email}.")
        authenticator = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"{email} has no authenticator app enrolled.")
        secret = decrypt(authenticator.data["secret"])
        period = mfa_settings.TOTP_PERIOD
        now = int(time.time())
        code = format_hotp_value(hotp_value(secret, now // period))
        self.stdout.write(code)
        self.stderr.write(f"valid for about {period - now % period} more seconds")
