"""Writes for logins: invitations, accounts, roles and TOTP enrolment.

Scope (locals, worksites, campaigns) belongs to the members and campaigns apps:
this module stores it as ids on the invitation and announces acceptance through
the `invitation_accepted` signal; campaigns.team applies it. Which scope an
inviter may grant is checked there too (campaigns.team.team_invitation_create).
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .audit import audit_record, model_diff
from .models import Invitation, Role, User
from .signals import invitation_accepted

SCOPE_KEYS = ("locals", "worksites", "campaigns")


class InvitationUnusable(Exception):
    """The invitation was accepted, revoked or has expired."""


def roles_grantable_by(user: User) -> list[str]:
    """Roles `user` may give: directors any, organizers only mobilizers, others none."""
    if not user.is_active:
        return []
    if user.is_director:
        return [Role.DIRECTOR, Role.ORGANIZER, Role.MOBILIZER]
    if user.is_organizer:
        return [Role.MOBILIZER]
    return []


def _clean_scope(scope: dict | None) -> dict[str, list[int]]:
    scope = scope or {}
    unknown = set(scope) - set(SCOPE_KEYS)
    if unknown:
        raise ValidationError({"scope": _("Unknown scope.")})
    return {key: sorted({int(i) for i in scope.get(key, [])}) for key in SCOPE_KEYS}


def _invitation_send(invitation: Invitation) -> None:
    """Email the invitation link, in the inviter's interface language."""
    link = settings.SITE_URL.rstrip("/") + reverse("invitation", args=[invitation.token])
    language = getattr(invitation.invited_by, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"invitation": invitation, "link": link, "days": settings.INVITATION_DAYS}
        subject = render_to_string("account/email/invitation_subject.txt", context).strip()
        body = render_to_string("account/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


@transaction.atomic
def invitation_create(
    *, actor: User, email: str, role: str, scope: dict | None = None, full_name: str = "",
) -> Invitation:
    """Invite someone by email with a role and a scope; the link is sent on commit."""
    if role not in roles_grantable_by(actor):
        raise PermissionDenied(_("You may not invite someone with this role."))
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Someone already has an account with this email.")})
    scope = _clean_scope(scope)
    # A new invitation replaces any still-open one for the same address.
    for replaced in Invitation.objects.select_for_update().filter(
        email__iexact=email, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ):
        replaced.revoked_at = timezone.now()
        replaced.save(update_fields=["revoked_at"])
        audit_record(actor=actor, verb="invitation.revoke", obj=replaced, changes={"replaced": True})
    invitation = Invitation(
        email=email, full_name=full_name, role=role, invited_by=actor, scope=scope,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        actor=actor, verb="invitation.create", obj=invitation,
        changes={"email": email, "role": role, "scope": scope},
    )
    transaction.on_commit(lambda: _invitation_send(invitation))
    return invitation


def invitation_can_manage(*, user: User, invitation: Invitation) -> bool:
    """Directors manage every invitation; organizers the ones they sent."""
    if user.is_director and user.is_active:
        return True
    return user.is_organizer and user.is_active and invitation.invited_by_id == user.pk


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation) -> Invitation:
    """Send a pending invitation again, with a fresh expiry."""
    if not invitation_can_manage(user=actor, invitation=invitation):
        raise PermissionDenied
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("This invitation can no longer be sent."))
    before = invitation.expires_at
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    invitation.save(update_fields=["expires_at"])
    audit_record(
        actor=actor, verb="invitation.resend", obj=invitation,
        changes={"expires_at": (before, invitation.expires_at)},
    )
    transaction.on_commit(lambda: _invitation_send(invitation))
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Revoke a pending invitation so its link no longer works."""
    if not invitation_can_manage(user=actor, invitation=invitation):
        raise PermissionDenied
    if invitation.accepted_at or invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, verb="invitation.revoke", obj=invitation)
    return invitation


def invitation_get_usable(token: str) -> Invitation:
    """The invitation for this token if it can still be accepted, else InvitationUnusable."""
    invitation = Invitation.objects.filter(token=token).first() if token else None
    if invitation is None or not invitation.is_usable:
        raise InvitationUnusable
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, full_name: str = "") -> User:
    """Create the invited user with the invited role and scope; a token works once."""
    # Lock the row so two submissions of the same link cannot both create a user.
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or not invitation.is_usable:
        raise InvitationUnusable
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationUnusable
    user = User(
        email=invitation.email, full_name=full_name or invitation.full_name, role=invitation.role,
        language=getattr(invitation.invited_by, "language", None) or settings.LANGUAGE_CODE,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    # The invitation proved the address: allauth may use it for password resets.
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(
        actor=user, verb="invitation.accept", obj=invitation,
        changes={"user": user.pk, "role": user.role},
    )
    invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, role: str, is_active: bool) -> User:
    """Change a user's role or active flag (directors only; never their own)."""
    if not (actor.is_active and actor.is_director):
        raise PermissionDenied
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if user.pk == actor.pk and (role != user.role or not is_active):
        raise ValidationError(_("You cannot change your own role or deactivate yourself."))
    diff = model_diff(user, {"role": role, "is_active": is_active})
    if diff:
        for field, (_before, after) in diff.items():
            setattr(user, field, after)
        user.save(update_fields=list(diff))
        audit_record(actor=actor, verb="user.update", obj=user, changes=diff)
    return user


@transaction.atomic
def user_enrol_totp(user: User, secret: str) -> bool:
    """Enrol the user in TOTP with a known secret (demo staff); True if anything changed."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        if decrypt(existing.data["secret"]) == secret:
            return False
        existing.delete()
    TOTP.activate(user, secret)
    if not Authenticator.objects.filter(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    ).exists():
        RecoveryCodes.activate(user)
    audit_record(actor=None, verb="user.enrol_totp", obj=user)
    return True
