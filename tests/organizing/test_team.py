"""The Team page and the invitation rules: who may invite whom, with which scope."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from campaigns.team import team_invitation_create
from organizing.models import AuditEvent, Invitation, Role, User
from organizing.services import invitation_create

from .. import factories as f

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(Invitation.objects.values_list("pk", "revoked_at", "expires_at", "accepted_at")),
        list(User.objects.values_list("pk", "role", "is_active")),
        AuditEvent.objects.count(),
    )


# --- Invitation rules ------------------------------------------------------------


def test_an_organizer_cannot_invite_a_director_or_an_organizer(organizer):
    for role in (Role.DIRECTOR, Role.ORGANIZER):
        with pytest.raises(PermissionDenied):
            team_invitation_create(actor=organizer, email="boss@example.org", role=role)
        with pytest.raises(PermissionDenied):
            invitation_create(actor=organizer, email="boss@example.org", role=role)
    assert not Invitation.objects.exists()


def test_an_organizer_cannot_grant_scope_outside_their_own(organizer, world):
    for scope in (
        {"locals": [world["local_b"]]},
        {"worksites": [world["site_b"]]},
        {"campaigns": [world["campaign_b"]]},
    ):
        with pytest.raises(PermissionDenied):
            team_invitation_create(
                actor=organizer, email="m@example.org", role=Role.MOBILIZER, **scope
            )
    assert not Invitation.objects.exists()


def test_an_organizer_invites_a_mobilizer_within_their_scope(organizer, world):
    # A campaign of the organizer's local is within their scope.
    world["campaign_a"].locals.add(world["local_a"])
    invitation = team_invitation_create(
        actor=organizer, email="m@example.org", role=Role.MOBILIZER,
        locals=[world["local_a"]], campaigns=[world["campaign_a"]],
    )
    assert invitation.scope == {"locals": [world["local_a"].pk], "worksites": [], "campaigns": [world["campaign_a"].pk]}
    assert invitation.invited_by == organizer
    assert AuditEvent.objects.filter(verb="invitation.create", object_id=str(invitation.pk)).exists()


def test_a_mobilizer_cannot_invite_anyone(mobilizer):
    with pytest.raises(PermissionDenied):
        invitation_create(actor=mobilizer, email="x@example.org", role=Role.MOBILIZER)


def test_a_director_can_invite_any_role_with_any_scope(director, world):
    invitation = team_invitation_create(
        actor=director, email="d@example.org", role=Role.DIRECTOR, locals=[world["local_b"]]
    )
    assert invitation.role == Role.DIRECTOR


def test_inviting_an_existing_user_is_refused(director, mobilizer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        invitation_create(actor=director, email="MOBILIZER@example.org", role=Role.MOBILIZER)


def test_a_new_invitation_replaces_an_open_one_for_the_same_email(director):
    first = invitation_create(actor=director, email="x@example.org", role=Role.MOBILIZER)
    second = invitation_create(actor=director, email="x@example.org", role=Role.ORGANIZER)
    first.refresh_from_db()
    assert not first.is_usable
    assert second.is_usable


def test_an_invited_director_goes_from_setting_a_password_straight_to_enrolment(
    client, director, world
):
    invitation = invitation_create(actor=director, email="nd@example.org", role=Role.DIRECTOR)
    client.get(f"/accounts/invitation/{invitation.token}/")
    response = client.post(
        "/accounts/signup/", {"password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    )
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/2fa/totp/activate")
    assert response.status_code == 200
    assert client.get(f"/members/{world['alice'].pk}/").status_code == 302


# --- The Team page ------------------------------------------------------------------


def test_mobilizers_get_404_on_every_team_page_and_nothing_changes(mobilizer_client, director, world):
    invitation = invitation_create(actor=director, email="p@example.org", role=Role.MOBILIZER)
    before = _snapshot()
    for url in ["/team/", "/team/invite/", f"/team/users/{director.pk}/"]:
        assert mobilizer_client.get(url).status_code == 404, url
    for url in [
        "/team/invite/", f"/team/invitations/{invitation.pk}/resend/",
        f"/team/invitations/{invitation.pk}/revoke/", f"/team/users/{director.pk}/",
    ]:
        assert mobilizer_client.post(url, {"email": "z@example.org", "role": "director"}).status_code == 404, url
    assert _snapshot() == before


def test_a_director_sees_every_user_and_pending_invitation(director_client, organizer, mobilizer, outsider):
    invitation_create(actor=organizer, email="pending@example.org", role=Role.MOBILIZER)
    html = director_client.get("/team/").content.decode()
    for email in ["director@example.org", "organizer@example.org", "mobilizer@example.org", "outsider@example.org", "pending@example.org"]:
        assert email in html


def test_an_organizer_sees_only_mobilizers_sharing_their_scope(organizer_client, organizer, director, world):
    stranger = f.UserFactory(email="far@example.org", role=Role.MOBILIZER)
    world["campaign_b"].team.add(stranger)
    html = organizer_client.get("/team/").content.decode()
    assert "mobilizer@example.org" not in html  # fixture not requested: not created
    assert "far@example.org" not in html
    assert "director@example.org" not in html


def test_an_organizer_sees_their_campaign_mobilizer(client, organizer, mobilizer, director, world):
    world["campaign_a"].locals.add(world["local_a"])
    client.force_login(organizer)
    html = client.get("/team/").content.decode()
    assert "mobilizer@example.org" in html
    assert "director@example.org" not in html


def test_the_team_list_does_not_grow_queries_with_users(director_client, director, world, django_assert_max_num_queries):
    for n in range(15):
        user = f.UserFactory(email=f"many{n}@example.org", role=Role.MOBILIZER)
        world["campaign_a"].team.add(user)
        world["local_a"].staff.add(user)
    with django_assert_max_num_queries(14):
        assert director_client.get("/team/").status_code == 200


def test_the_invite_form_sends_an_invitation(director_client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = director_client.post("/team/invite/", {
            "email": "form@example.org", "role": Role.ORGANIZER, "locals": [world["local_a"].pk],
        })
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="form@example.org")
    assert invitation.scope["locals"] == [world["local_a"].pk]
    assert len(mail.outbox) == 1
    assert invitation.token in mail.outbox[0].body


def test_the_invite_form_refuses_a_director_role_or_foreign_scope_to_an_organizer(organizer_client, world):
    for data in (
        {"email": "a@example.org", "role": Role.DIRECTOR},
        {"email": "a@example.org", "role": Role.MOBILIZER, "locals": [world["local_b"].pk]},
        {"email": "a@example.org", "role": Role.MOBILIZER, "campaigns": [world["campaign_b"].pk]},
    ):
        response = organizer_client.post("/team/invite/", data)
        assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_the_invite_page_renders_with_labels(organizer_client):
    html = organizer_client.get("/team/invite/").content.decode()
    assert '<label for="id_email"' in html
    assert "<legend>" in html


def test_resend_and_revoke_are_audited(director_client, director, django_capture_on_commit_callbacks):
    invitation = invitation_create(actor=director, email="r@example.org", role=Role.MOBILIZER)
    with django_capture_on_commit_callbacks(execute=True):
        assert director_client.post(f"/team/invitations/{invitation.pk}/resend/").status_code == 302
    assert len(mail.outbox) == 1
    assert director_client.post(f"/team/invitations/{invitation.pk}/revoke/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and not invitation.is_usable
    verbs = set(AuditEvent.objects.filter(object_id=str(invitation.pk)).values_list("verb", flat=True))
    assert {"invitation.resend", "invitation.revoke"} <= verbs


def test_an_organizer_cannot_revoke_someone_elses_invitation(organizer_client, director):
    invitation = invitation_create(actor=director, email="r@example.org", role=Role.MOBILIZER)
    before = _snapshot()
    assert organizer_client.post(f"/team/invitations/{invitation.pk}/revoke/").status_code == 404
    assert organizer_client.post(f"/team/invitations/{invitation.pk}/resend/").status_code == 404
    assert _snapshot() == before


def test_an_organizer_revokes_their_own_invitation(organizer_client, organizer):
    invitation = invitation_create(actor=organizer, email="own@example.org", role=Role.MOBILIZER)
    assert organizer_client.post(f"/team/invitations/{invitation.pk}/revoke/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_a_director_edits_role_active_flag_and_scope_with_an_audit(director_client, mobilizer, world):
    response = director_client.post(f"/team/users/{mobilizer.pk}/", {
        "role": Role.ORGANIZER, "locals": [world["local_b"].pk],
        "worksites": [world["site_a"].pk], "campaigns": [world["campaign_b"].pk],
    })
    assert response.status_code == 302
    mobilizer.refresh_from_db()
    assert mobilizer.role == Role.ORGANIZER
    assert not mobilizer.is_active
    assert list(mobilizer.scope_locals.all()) == [world["local_b"]]
    assert list(mobilizer.scope_worksites.all()) == [world["site_a"]]
    assert list(mobilizer.campaigns.all()) == [world["campaign_b"]]
    events = AuditEvent.objects.filter(object_type="organizing.user", object_id=str(mobilizer.pk))
    update = events.get(verb="user.update")
    assert update.changes["role"] == [Role.MOBILIZER, Role.ORGANIZER]
    assert update.changes["is_active"] == [True, False]
    scope = events.get(verb="user.scope")
    assert scope.changes["campaigns"] == [[world["campaign_a"].pk], [world["campaign_b"].pk]]


def test_a_director_cannot_demote_or_deactivate_themselves(director_client, director):
    response = director_client.post(f"/team/users/{director.pk}/", {"role": Role.MOBILIZER})
    assert response.status_code == 200
    director.refresh_from_db()
    assert director.role == Role.DIRECTOR and director.is_active


def test_organizers_cannot_edit_users(organizer_client, organizer, mobilizer):
    before = _snapshot()
    assert organizer_client.get(f"/team/users/{mobilizer.pk}/").status_code == 404
    assert organizer_client.post(f"/team/users/{mobilizer.pk}/", {"role": Role.DIRECTOR, "is_active": "on"}).status_code == 404
    assert _snapshot() == before


def test_a_deactivated_user_cannot_sign_in(client, mobilizer):
    User.objects.filter(pk=mobilizer.pk).update(is_active=False)
    client.post("/accounts/login/", {"login": mobilizer.email, "password": "correct-horse-battery"})
    assert "_auth_user_id" not in client.session


def test_navigation_links_to_my_account_and_team(client, director, mobilizer):
    client.force_login(director)
    html = client.get("/accounts/me/").content.decode()
    assert 'href="/team/"' in html
    assert 'href="/accounts/2fa/"' in html
    assert 'href="/accounts/password/change/"' in html
    client.force_login(mobilizer)
    html = client.get("/accounts/me/").content.decode()
    assert 'href="/accounts/me/"' in html
    assert 'href="/team/"' not in html


def test_expired_invitations_show_as_expired(director_client, director):
    invitation = invitation_create(actor=director, email="old@example.org", role=Role.MOBILIZER)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert "Expired" in director_client.get("/team/").content.decode()
