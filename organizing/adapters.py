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


class MFAAdapter(DefaultMFAAdapter):
    """Those who must use MFA cannot remove their authenticator app."""

    def can_delete_authenticator(self, authenticator) -> bool:
        from allauth.mfa.models import Authenticator

        if authenticator.type == Authenticator.Type.TOTP and authenticator.user.must_use_mfa:
            return False
        return super().can_delete_authenticator(authenticator)
