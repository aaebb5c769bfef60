import time
from datetime import UTC, datetime

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

INVITATION_SESSION_KEY = "invitation_token"


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: an account is created only through an invitation link."""

    def is_open_for_signup(self, request) -> bool:
        from .models import Invitation

        token = request.session.get(INVITATION_SESSION_KEY)
        if not token:
            return False
        invitation = Invitation.objects.filter(token=token).first()
        return bool(invitation and invitation.is_usable)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Enrolling a first authenticator just after signing in needs no second password prompt.

        Directors and organizers are sent to enrolment straight from the login form; asking
        for the password they typed seconds ago (then again to see the recovery codes) would
        only confuse them. Changing or removing an authenticator that existed before this
        sign-in still asks (allauth's default).
        """
        if app == "allauth.mfa" and _just_signed_in_without_mfa():
            return False
        return super().is_reauthentication_required(app=app, **kwargs)


def _just_signed_in_without_mfa() -> bool:
    from allauth.account import app_settings as account_settings
    from allauth.account.internal.flows.login import get_authentication_records
    from allauth.core import context
    from allauth.mfa.models import Authenticator

    request = context.request
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    if not records:
        return False
    signed_in_at = records[-1]["at"]
    if time.time() - signed_in_at >= account_settings.REAUTHENTICATION_TIMEOUT:
        return False
    since = datetime.fromtimestamp(signed_in_at, tz=UTC)
    return not Authenticator.objects.filter(user=user, created_at__lt=since).exists()


class MFAAdapter(DefaultMFAAdapter):
    """Those who must use MFA cannot remove their authenticator app."""

    def can_delete_authenticator(self, authenticator) -> bool:
        from allauth.mfa.models import Authenticator

        if authenticator.type == Authenticator.Type.TOTP and authenticator.user.must_use_mfa:
            return False
        return super().can_delete_authenticator(authenticator)
