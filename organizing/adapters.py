from allauth.account.adapter import DefaultAccountAdapter

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
