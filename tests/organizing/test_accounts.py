"""Login, invitation sign-up, MFA enrolment, recovery codes, admin and rate limits."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.utils import timezone

from campaigns.team import team_invitation_create
from organizing.models import AuditEvent, Invitation, Role, User

from .. import factories as f
from ..conftest import enrol_totp
from .helpers import password_login, totp_code

pytestmark = pytest.mark.django_db


def _is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_with_email_and_password_signs_a_mobilizer_in(client, mobilizer):
    response = password_login(client, "mobilizer@example.org")
    assert response.status_code == 302
    assert _is_signed_in(client)
    assert client.get("/members/").status_code == 200


def test_login_page_has_labelled_fields_and_a_language_switcher(client):
    html = client.get("/accounts/login/").content.decode()
    assert re.search(r'<label for="id_login"', html)
    assert re.search(r'<label for="id_password"', html)
    assert 'name="language"' in html
    assert "sign up" not in html.lower()


def test_a_wrong_password_does_not_sign_in(client, mobilizer):
    response = password_login(client, "mobilizer@example.org", "wrong-password-123")
    assert response.status_code == 200
    assert not _is_signed_in(client)


def test_enrolled_director_needs_the_authenticator_code_after_the_password(client, db):
    director = f.UserFactory(email="d2@example.org", role=Role.DIRECTOR)
    secret = enrol_totp(director)
    response = password_login(client, director.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert not _is_signed_in(client)
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert _is_signed_in(client)
    assert client.get("/members/").status_code == 200


def test_a_recovery_code_signs_in_instead_of_the_authenticator(client, db):
    director = f.UserFactory(email="d3@example.org", role=Role.DIRECTOR)
    enrol_totp(director)
    codes = RecoveryCodes.activate(director).get_unused_codes()
    password_login(client, director.email)
    response = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert response.status_code == 302
    assert _is_signed_in(client)
    assert client.get("/members/").status_code == 200
    # A recovery code works once.
    client.logout()
    password_login(client, director.email)
    client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert not _is_signed_in(client)


# --- Sign-up only by invitation ---------------------------------------------


def test_signup_without_an_invitation_is_refused(client, db):
    assert client.get("/accounts/signup/").status_code == 403
    response = client.post(
        "/accounts/signup/",
        {"email": "intruder@example.org", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="intruder@example.org").exists()


def _accept(client, token: str, password: str = "a-long-passphrase-9"):
    response = client.get(f"/accounts/invitation/{token}/")
    if response.status_code != 302:
        return response
    assert response["Location"] == "/accounts/signup/"
    return client.post(
        "/accounts/signup/",
        {"full_name": "Nadia New", "password1": password, "password2": password},
    )


def test_an_invitation_link_creates_exactly_that_user_with_that_role_and_scope_once(
    client, director, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = team_invitation_create(
            actor=director, email="New.Organizer@Example.org", role=Role.ORGANIZER,
            locals=[world["local_a"]], worksites=[world["site_b"]], campaigns=[world["campaign_a"]],
        )
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/invitation/(\S+)/", mail.outbox[0].body)
    assert link and link.group(1) == invitation.token
    users_before = User.objects.count()

    response = client.get(f"/accounts/invitation/{invitation.token}/")
    page = client.get(response["Location"])
    assert "new.organizer@example.org" in page.content.decode()
    response = client.post(
        "/accounts/signup/",
        {"full_name": "Nadia New", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9",
         "email": "someone.else@example.org"},
    )
    assert response.status_code == 302
    assert User.objects.count() == users_before + 1
    user = User.objects.get(email="new.organizer@example.org")
    assert user.role == Role.ORGANIZER
    assert user.full_name == "Nadia New"
    assert user.check_password("a-long-passphrase-9")
    assert list(user.scope_locals.all()) == [world["local_a"]]
    assert list(user.scope_worksites.all()) == [world["site_b"]]
    assert list(user.campaigns.all()) == [world["campaign_a"]]
    assert _is_signed_in(client)
    invitation.refresh_from_db()
    assert invitation.accepted_user == user
    assert AuditEvent.objects.filter(verb="invitation.accept", object_id=str(invitation.pk)).exists()
    assert AuditEvent.objects.filter(verb="user.scope", object_id=str(user.pk)).exists()

    # The same link a second time: refused, nobody new.
    client.logout()
    response = _accept(client, invitation.token, "another-passphrase-7")
    assert response.status_code == 410
    assert User.objects.count() == users_before + 1


def test_an_expired_invitation_is_refused_with_a_clear_page(client, director):
    invitation = team_invitation_create(
        actor=director, email="late@example.org", role=Role.MOBILIZER
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _accept(client, invitation.token)
    assert response.status_code == 410
    assert "cannot be used" in response.content.decode()
    assert not User.objects.filter(email="late@example.org").exists()


def test_an_invitation_that_expires_after_the_link_was_opened_is_still_refused(client, director):
    invitation = team_invitation_create(actor=director, email="slow@example.org", role=Role.MOBILIZER)
    client.get(f"/accounts/invitation/{invitation.token}/")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(
        "/accounts/signup/",
        {"password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="slow@example.org").exists()


def test_a_revoked_invitation_is_refused(client, director):
    invitation = team_invitation_create(actor=director, email="gone@example.org", role=Role.MOBILIZER)
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    assert _accept(client, invitation.token).status_code == 410
    assert not User.objects.filter(email="gone@example.org").exists()


def test_an_unknown_token_is_refused(client, db):
    assert client.get("/accounts/invitation/not-a-real-token/").status_code == 410


def test_a_weak_password_is_refused_and_the_invitation_stays_usable(client, director):
    invitation = team_invitation_create(actor=director, email="weak@example.org", role=Role.MOBILIZER)
    response = _accept(client, invitation.token, "password")
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.is_usable


# --- MFA is required for directors and organizers ------------------------------

GUARDED = ["/", "/members/", "/worksites/", "/campaigns/", "/lists/", "/calls/", "/team/", "/admin/"]


def test_a_director_who_has_not_enrolled_is_sent_to_enrolment_before_any_member_data(client, world):
    director = f.UserFactory(email="new.director@example.org", role=Role.DIRECTOR)
    password_login(client, director.email)
    assert _is_signed_in(client)
    for url in [*GUARDED, f"/members/{world['alice'].pk}/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/2fa/totp/activate"), url

    # Just signed in with the password: enrolment does not ask for it again.
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=director, type=Authenticator.Type.TOTP).exists()
    # Recovery codes are generated with the authenticator and shown next.
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    assert client.get(response["Location"]).status_code == 200

    response = client.get("/members/")
    assert response.status_code == 200
    assert client.get(f"/members/{world['alice'].pk}/").status_code == 200


def test_a_wrong_enrolment_code_does_not_enrol(client, db):
    director = f.UserFactory(email="d4@example.org", role=Role.DIRECTOR)
    password_login(client, director.email)
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert not Authenticator.objects.filter(user=director).exists()
    assert client.get("/members/").status_code == 302


def test_an_old_session_must_confirm_the_password_before_enrolling(client, db):
    director = f.UserFactory(email="d5@example.org", role=Role.DIRECTOR)
    client.force_login(director)  # no sign-in recorded in this session
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": "correct-horse-battery"})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_a_mobilizer_is_not_forced_to_enrol(mobilizer_client):
    assert mobilizer_client.get("/members/").status_code == 200


# --- The Django admin ----------------------------------------------------------


def test_admin_sends_anonymous_visitors_through_the_allauth_login(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")


def test_admin_is_refused_to_non_superusers(director_client):
    assert director_client.get("/admin/").status_code in (302, 403)
    assert director_client.get("/admin/login/").status_code == 403
    assert director_client.get("/admin/organizing/user/").status_code == 302


def test_admin_is_refused_to_staff_who_are_not_superusers(client, db):
    staff = f.UserFactory(email="staff@example.org", role=Role.ORGANIZER, is_staff=True)
    enrol_totp(staff)
    client.force_login(staff)
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/organizing/auditevent/").status_code == 302


def test_admin_opens_for_an_enrolled_superuser_after_allauth_login_and_mfa(client, db):
    superuser = User.objects.create_superuser("root@example.org", "correct-horse-battery")
    secret = enrol_totp(superuser)
    response = client.get("/admin/", follow=True)
    login_url = response.redirect_chain[-1][0]
    response = client.post(login_url, {"login": superuser.email, "password": "correct-horse-battery"})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    for model in ["user", "invitation", "auditevent"]:
        assert client.get(f"/admin/organizing/{model}/").status_code == 200, model
    assert client.get("/admin/organizing/user/add/").status_code == 200


def test_a_superuser_who_has_not_enrolled_cannot_reach_the_admin(client, db):
    superuser = User.objects.create_superuser("root2@example.org", "correct-horse-battery")
    client.force_login(superuser)
    response = client.get("/admin/")
    assert response["Location"].startswith("/accounts/2fa/totp/activate")


# --- Rate limits ---------------------------------------------------------------


def test_login_is_rate_limited_after_repeated_failures(client, mobilizer):
    for _ in range(5):
        password_login(client, mobilizer.email, "wrong-password-123")
    response = password_login(client, mobilizer.email)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not _is_signed_in(client)


def test_invitation_links_are_rate_limited(client, db):
    statuses = [client.get(f"/accounts/invitation/guess-{n}/").status_code for n in range(25)]
    assert statuses[0] == 410
    assert statuses[-1] == 429
