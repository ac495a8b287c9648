from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from core import otp_views
from program import outbox, views

admin.site.site_header = "BCC Sponsor"
admin.site.site_title = "BCC Sponsor"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Staff pages follow the language cookie or the browser, like the admin.
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("staff/outbox/", outbox.outbox, name="staff_outbox"),
    path("staff/2fa/setup/", otp_views.setup, name="staff_2fa_setup"),
    path("staff/2fa/setup/qr.svg", otp_views.setup_qr, name="staff_2fa_setup_qr"),
    path("staff/2fa/backup-codes/", otp_views.backup_codes, name="staff_2fa_backup_codes"),
    path("admin/", admin.site.urls),
]

# Public pages live under /en/ and /id/; an address without the prefix (as printed on
# leaflets: /recipients/) redirects to the visitor's language. The admin, outside these
# patterns, follows the language cookie or the browser.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("contact/", views.contact, name="contact"),
    path("", include("recipients.urls")),
    path("", include("claims.urls")),
    path("", include("premiums.urls")),
    path("", include("donations.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
