"""The giving statement of one calendar year as a PDF, for the donor signed in."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from donations import statement
from donations.views import donor_session_required, get_donor_from_session


@require_GET
@donor_session_required
def statement_pdf(request):
    """?year=2026: that year's statement. The donor is the one of the session (no address
    names a donor), so nobody reaches another donor's statement; a year without a verified
    payment, or no year at all, gets a page saying so."""
    donor = get_donor_from_session(request)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and len(raw) == 4 else None
    context = statement.statement_context(donor, year) if year else None
    if context is None:
        return render(
            request,
            "donations/statement_none.html",
            {"year": year},
            status=404,
        )
    response = HttpResponse(
        statement.render_pdf(context, get_language()), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{statement.filename(year)}"'
    return response
