from django.urls import path

from premiums import donor_views, views

app_name = "premiums"

urlpatterns = [
    path("recipients/<int:pk>/sponsor/", views.pledge, name="pledge"),
    path("recipients/<int:pk>/sponsor/thanks/", views.pledge_thanks, name="pledge_thanks"),
    # A donor's own actions: they work from the donor session (see donations.views.enter).
    path("donor/sponsor/<int:pk>/", views.pledge_again, name="pledge_again"),
    path(
        "donor/payments/<int:payment_id>/evidence/",
        views.upload_evidence,
        name="upload_evidence",
    ),
    path(
        "donor/sponsorships/<int:sponsorship_id>/next-payment/",
        views.start_next_payment,
        name="next_payment",
    ),
    path(
        "donor/payments/<int:payment_id>/paypal-paid/",
        donor_views.paypal_paid,
        name="paypal_paid",
    ),
    path("donor/refunds/<int:refund_id>/choice/", donor_views.choose_refund, name="refund_choice"),
    path(
        "donor/evidence/<int:evidence_id>/",
        views.donor_evidence_file,
        name="donor_evidence_file",
    ),
    path(
        "staff/evidence/<int:evidence_id>/",
        views.staff_evidence_file,
        name="staff_evidence_file",
    ),
]
