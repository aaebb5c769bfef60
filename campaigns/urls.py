from django.urls import path

from .views import campaigns, people

app_name = "campaigns"

urlpatterns = [
    path("members/", people.directory, name="directory"),
    path("members/structure/", people.directory_structure, name="directory-structure"),
    path("members/<int:member_id>/", people.member_detail, name="member"),
    path("members/<int:member_id>/edit/", people.member_edit, name="member-edit"),
    path(
        "members/<int:member_id>/conversations/new/", people.conversation_new, name="conversation-new"
    ),
    path("members/<int:member_id>/assessments/new/", people.assessment_new, name="assessment-new"),
    path("worksites/", people.worksite_list, name="worksite-list"),
    path("worksites/<int:worksite_id>/", people.worksite_detail, name="worksite"),
    path("campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("campaigns/<int:campaign_id>/", campaigns.campaign_detail, name="campaign"),
]
