from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from bcc_sponsor import views

admin.site.site_header = "BCC Sponsor"
admin.site.site_title = "BCC Sponsor"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Public pages answer at /recipients/ (English) and /id/recipients/ (Indonesian).
urlpatterns += i18n_patterns(
    path("", include("donations.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
