"""The donor pages, registered here with exporting and erasing a donor's personal data: both
reach what only premiums holds (payments, evidence files). The list and form are
`donations.admin.DonorAdmin`.
"""

import json

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin import ReasonPage, act_on_each
from donations.admin import DonorAdmin
from donations.models import Donor
from premiums import privacy

# What the erasure says it did.
ERASED = ngettext_lazy(
    "The personal data of %(count)d donor was erased.",
    "The personal data of %(count)d donors was erased.",
    "count",
)
ALREADY_ERASED = ngettext_lazy(
    "%(count)d donor had already been erased.",
    "%(count)d donors had already been erased.",
    "count",
)


@admin.register(Donor)
class DonorWithPersonalDataAdmin(DonorAdmin):
    actions = ["export_personal_data", "erase_personal_data"]

    @admin.action(
        description=_("Export everything held about this donor (JSON)"), permissions=["change"]
    )
    def export_personal_data(self, request, queryset):
        donors = list(queryset.order_by("pk")[:2])
        if len(donors) != 1:
            self.message_user(
                request, gettext("Select exactly one donor to export."), messages.ERROR
            )
            return None
        donor = donors[0]
        data = privacy.export_donor(donor)
        # Who took a copy of a person's data, and when, is on record.
        self.log_change(request, donor, gettext("Exported the donor's personal data."))
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="donor-{donor.pk}.json"'
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description=_("Erase the selected donors' personal data"), permissions=["delete"])
    def erase_personal_data(self, request, queryset):
        """Asks for confirmation (and the donor's request) on a page of its own, then erases."""
        ask = ReasonPage(
            action="erase_personal_data",
            title=gettext("Erase the donors' personal data"),
            intro=gettext(
                "The name, display name, email, phone and notes of these donors will be "
                "replaced, they leave the public list, their private links are revoked, "
                "their queued emails cancelled, the words of their requests removed and "
                "their evidence files deleted. Sponsorships, payments and their amounts stay "
                "for the accounts; a running sponsorship goes on until it lapses or is "
                "stopped. This cannot be undone."
            ),
            label=gettext("The donor's request"),
            help_text=gettext(
                "When and how the donor asked, e.g. “email of 3 March 2026”. Kept in the history: "
                "do not write the donor's name here."
            ),
            submit=gettext("Yes, erase their personal data"),
            max_length=500,
            rows=3,
        )

        def erase(donor, reason):
            if not privacy.erase_donor(donor, by=request.user, reason=reason):
                return False
            entry = gettext("Personal data erased: %(reason)s") % {"reason": reason}
            self.log_change(request, donor, entry)
            return True

        return act_on_each(
            self,
            request,
            queryset,
            erase,
            rows=queryset.order_by("pk"),
            ask=ask,
            done=ERASED,
            skipped=ALREADY_ERASED,
        )
