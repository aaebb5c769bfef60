from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    # Before allauth's URLs: sign-up is by invitation only, on our own form.
    path("accounts/invitation/<str:token>/", views.invitation, name="invitation"),
    path("accounts/signup/", views.signup, name="invitation-signup"),
    path("accounts/me/", views.my_account, name="my-account"),
    path("accounts/email/", views.not_available),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # Team: users, invitations, scopes (issue 2).
    path("team/", include("campaigns.team_urls")),
    # List imports and exports (issue 3).
    path("lists/", include("members.urls")),
    # The call desk (issue 4).
    path("calls/", include("campaigns.call_urls")),
    # Directory, member profiles, worksites, campaigns.
    path("", include("campaigns.urls")),
]
