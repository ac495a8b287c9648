from django.urls import path

from donations import views

app_name = "donations"

urlpatterns = [
    path("donors/", views.donor_list, name="list"),
    path("donor/link/", views.link_request, name="link"),
    path("donor/<str:token>/", views.private_page, name="private"),
    path("donor/<str:token>/statement/", views.statement, name="statement"),
    path(
        "donor/<str:token>/sponsorships/<int:sponsorship_id>/request/",
        views.donor_request,
        name="request",
    ),
    path("donor/<str:token>/photos/<int:photo_id>/", views.handover_photo, name="photo"),
    path(
        "donor/<str:token>/photos/<int:photo_id>/thumbnail/",
        views.handover_photo,
        {"thumbnail": True},
        name="photo_thumbnail",
    ),
]
