from django.conf import settings
from django.utils.functional import SimpleLazyObject

from core.models import ContactDetails


def contact(request):
    """BCC's contact details for the footer (read only by the pages that show them), and the
    site's own address for the absolute links of link previews."""
    return {
        "contact": SimpleLazyObject(ContactDetails.current),
        "site_url": settings.SITE_URL,
        # Development only: pages say where the emails they mention can be read.
        "development": settings.DEBUG,
    }
