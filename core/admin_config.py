from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin whose default site asks for the second factor when STAFF_2FA_REQUIRED is
    on. Its own module: core.otp imports models, which INSTALLED_APPS cannot yet."""

    default_site = "core.otp.StaffAdminSite"
