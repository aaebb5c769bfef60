from django.urls import path

from .views import people as views

app_name = "campaigns"

urlpatterns = [
    path("members/", views.directory, name="directory"),
    path("members/<int:member_id>/", views.member_detail, name="member"),
    path("worksites/", views.worksite_list, name="worksite-list"),
    path("worksites/<int:worksite_id>/", views.worksite_detail, name="worksite"),
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign"),
]
