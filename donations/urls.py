from django.urls import path

from donations import decision_views, statement_views, views

app_name = "donations"

# The donor's pages work from the donor session that a private link opens (donor/<token>/);
# none of their addresses carries the token. The token pattern comes last so that the
# one-segment pages before it (link/, statement/, leave/) are never taken for a token.
urlpatterns = [
    path("recipients/", views.recipient_list, name="recipient_list"),
    path("recipients/<int:pk>/", views.recipient_detail, name="recipient_detail"),
    path("donors/", views.donor_list, name="list"),
    path("donor/", views.private_page, name="page"),
    path("donor/link/", views.link_request, name="link"),
    path("donor/statement/", views.statement, name="statement"),
    path("donor/statement/pdf/", statement_views.statement_pdf, name="statement_pdf"),
    path("donor/leave/", views.leave, name="leave"),
    path(
        "donor/sponsorships/<int:sponsorship_id>/request/",
        views.donor_request,
        name="request",
    ),
    path(
        "donor/sponsorships/<int:sponsorship_id>/decision/",
        decision_views.answer_update,
        name="decision",
    ),
    path("donor/photos/<int:photo_id>/", views.handover_photo, name="photo"),
    path(
        "donor/photos/<int:photo_id>/thumbnail/",
        views.handover_photo,
        {"thumbnail": True},
        name="photo_thumbnail",
    ),
    # The private link in emails (Donor.private_url); named "private" since the first release.
    path("donor/<str:token>/", views.enter, name="private"),
]
