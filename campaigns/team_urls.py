from django.urls import path

from . import team

app_name = "team"
urlpatterns = [
    path("", team.index, name="index"),
    path("invite/", team.invite, name="invite"),
    path("invitations/<int:invitation_id>/resend/", team.invitation_resend_view, name="invitation-resend"),
    path("invitations/<int:invitation_id>/revoke/", team.invitation_revoke_view, name="invitation-revoke"),
    path("users/<int:user_id>/", team.user_edit, name="user"),
]
