from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_upload, name="import-upload"),
    path("imports/<int:job_id>/", views.import_detail, name="import-detail"),
    path("imports/<int:job_id>/mapping/", views.import_mapping, name="import-mapping"),
    path("imports/<int:job_id>/confirm/", views.import_confirm, name="import-confirm"),
    path("imports/<int:job_id>/recheck/", views.import_recheck, name="import-recheck"),
    path("imports/<int:job_id>/cancel/", views.import_cancel, name="import-cancel"),
    path("imports/<int:job_id>/rejected.csv", views.import_rejected_download, name="import-rejected"),
    path("export.csv", views.member_export, {"file_format": "csv"}, name="export-csv"),
    path("export.xlsx", views.member_export, {"file_format": "xlsx"}, name="export-xlsx"),
]
