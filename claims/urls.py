from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("help-provided/", views.help_provided, name="help_provided"),
    path("staff/claim-documents/<int:document_id>/", views.staff_scan, name="scan"),
]
