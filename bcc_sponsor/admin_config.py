from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin whose default site asks for the second factor when STAFF_2FA_REQUIRED is
    on. Its own module: bcc_sponsor.otp imports models, which INSTALLED_APPS cannot yet."""

    default_site = "bcc_sponsor.otp.StaffAdminSite"
