from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from claims import impact as benefits
from claims import pictures
from claims.models import ClaimDocument
from core.forms import PageForm
from core.otp import verified_staff_member_required
from core.public_cache import cached_for_visitors
from core.storage import serve_private_file
from premiums import impact
from recipients.models import HandoverPhoto

HANDOVERS_PAGE_SIZE = 12


@require_GET
@verified_staff_member_required
def staff_scan(request, document_id):
    # Scans of death certificates and family cards: coordinators only, not every volunteer.
    if not request.user.has_perm("claims.view_claim_scans"):
        raise PermissionDenied
    document = get_object_or_404(ClaimDocument, pk=document_id)
    return serve_private_file(
        document.scan, filename=f"claim-document-{document.pk}", content_type=document.content_type
    )


@require_GET
@cached_for_visitors
def help_provided(request):
    """The help the program has given: figures, by year, benefits paid to families, the map of
    people protected, and the cards handed over."""
    handovers = Paginator(impact.public_handovers(), HANDOVERS_PAGE_SIZE).get_page(
        PageForm(request.GET).page_number()
    )
    photos = {
        photo.handover_id: photo
        for photo in HandoverPhoto.objects.filter(
            handover__in=[h.pk for h in handovers.object_list], public_consent=True
        ).only("id", "handover_id")
    }
    for handover in handovers.object_list:
        handover.public_photo = photos.get(handover.pk)
    figures = {**impact.figures(timezone.localdate()), **benefits.figures()}
    figures["share_returned"] = benefits.share_returned(
        figures["benefits_total"], figures["premiums_total"]
    )
    years = benefits.with_benefits(impact.by_year())
    return render(
        request,
        "premiums/help_provided.html",
        {
            "figures": figures,
            "years": years,
            "chart": pictures.year_chart(years),
            "map": pictures.bali_map(benefits.protected_by_regency()),
            "benefits": benefits.benefits_paid(),
            "page": handovers,
        },
    )
