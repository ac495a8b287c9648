from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.public_cache import cached_for_visitors
from core.storage import serve_private_file
from recipients.filters import RecipientFilter
from recipients.models import HandoverPhoto, Recipient

PAGE_SIZE = 12


@require_GET
@cached_for_visitors
def recipient_list(request):
    """People who need a sponsor, longest-waiting first; public fields only."""
    queryset = Recipient.objects.needing_sponsor().only(*Recipient.PUBLIC_FIELDS)
    filters = RecipientFilter(request.GET, queryset=queryset)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "recipients/list.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


@require_GET
@cached_for_visitors
def recipient_detail(request, pk):
    recipient = get_object_or_404(Recipient.objects.public().only(*Recipient.PUBLIC_FIELDS), pk=pk)
    needs_sponsor = Recipient.objects.needing_sponsor().filter(pk=pk).exists()
    return render(
        request,
        "recipients/detail.html",
        {"recipient": recipient, "needs_sponsor": needs_sponsor},
    )


@require_GET
def recipient_photo(request, pk):
    """A recipient's photo, only when they consented to it being shown publicly."""
    recipient = get_object_or_404(Recipient.objects.public(), pk=pk)
    if not recipient.public_photo:
        raise Http404
    return serve_private_file(recipient.photo, public=True)


@require_GET
def public_handover_photo(request, pk):
    """A handover photo that the people in it agreed to show on the public site."""
    photo = get_object_or_404(HandoverPhoto, pk=pk, public_consent=True)
    return serve_private_file(photo.image, public=True, filename=f"handover-{photo.pk}")
