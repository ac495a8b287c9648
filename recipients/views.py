"""The recipients' own public files: a consented photo, a consented handover photo.

The list of people waiting for a sponsor is a page of the donations app, which knows who is
sponsored."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from core.storage import serve_private_file
from recipients.models import HandoverPhoto, Recipient


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
