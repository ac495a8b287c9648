"""The project's URLs plus the benchmark's floor: selected only by `ROOT_URLCONF=bench.urls`."""

from django.http import HttpResponse
from django.urls import path

from bcc_sponsor.urls import urlpatterns as project_urlpatterns


def floor(request):
    """Touches neither the database nor a template: what the framework costs by itself."""
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("bench/floor", floor), *project_urlpatterns]
