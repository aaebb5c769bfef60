from django.urls import path

from .views import calls as views

app_name = "calls"

urlpatterns = [
    path("", views.index, name="index"),
    path("follow-ups/", views.follow_ups, name="follow-ups"),
    path("follow-ups/<int:follow_up_id>/close/", views.follow_up_close, name="follow-up-close"),
    path("lists/new/", views.list_new, name="list-new"),
    path("lists/<int:call_list_id>/", views.desk, name="desk"),
    path("lists/<int:call_list_id>/next/", views.next_member, name="next"),
    path("lists/<int:call_list_id>/calls/<int:entry_id>/", views.call, name="call"),
    path("lists/<int:call_list_id>/calls/<int:entry_id>/release/", views.release, name="release"),
    path("lists/<int:call_list_id>/oversight/", views.oversight, name="oversight"),
    path("lists/<int:call_list_id>/manage/", views.manage, name="manage"),
    path("lists/<int:call_list_id>/refresh/", views.refresh, name="refresh"),
    path("lists/<int:call_list_id>/status/", views.list_status, name="status"),
    path("lists/<int:call_list_id>/questions/", views.question_add, name="question-add"),
    path("lists/<int:call_list_id>/questions/<int:question_id>/", views.question_edit, name="question-edit"),
    path("lists/<int:call_list_id>/questions/<int:question_id>/move/", views.question_move, name="question-move"),
    path(
        "lists/<int:call_list_id>/questions/<int:question_id>/remove/", views.question_remove,
        name="question-remove",
    ),
    path(
        "lists/<int:call_list_id>/questions/<int:question_id>/restore/", views.question_restore,
        name="question-restore",
    ),
    path("lists/<int:call_list_id>/assign/", views.assign, name="assign"),
    path("lists/<int:call_list_id>/turfs/", views.turfs, name="turfs"),
    path("lists/<int:call_list_id>/turfs/<int:turf_id>/assign/", views.turf_assign, name="turf-assign"),
]
