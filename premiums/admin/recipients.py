"""The recipient pages, registered here with the "BPJS card" filter, whose "awaiting" choice (a
dashboard work queue) reads the payments. The rest is `recipients.admin.RecipientAdmin`, with
the sponsorships and the "needs a sponsor" filter that `donations.admin` adds.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from donations.admin import RecipientWithSponsorshipsAdmin
from premiums.models import awaiting_card
from recipients.admin import recipient_filters
from recipients.models import Recipient


class CardFilter(admin.SimpleListFilter):
    """Who has a BPJS card, and whose card BCC still has to obtain: sponsored and paid for (a
    payment verified), no card yet."""

    title = _("BPJS card")
    parameter_name = "card"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Has a card")),
            ("awaiting", _("Sponsored and paid (verified), no card yet")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(card__isnull=False)
        if self.value() == "awaiting":
            return queryset.filter(pk__in=awaiting_card().values("pk"))
        return queryset


@admin.register(Recipient)
class RecipientWithPaymentsAdmin(RecipientWithSponsorshipsAdmin):
    queue_filters = [*RecipientWithSponsorshipsAdmin.queue_filters, CardFilter]
    list_filter = recipient_filters(*queue_filters)
