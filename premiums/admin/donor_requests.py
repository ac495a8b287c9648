"""Donor requests (stop, or move to another recipient), registered here with the actions that
carry them out or decline them: a change of recipient opens a new sponsorship priced from the
rate table. The list and form are `donations.admin.DonorRequestAdmin`.
"""

from functools import partial

from django.contrib import admin
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin import ReasonPage, act_on_each
from donations.admin import DonorRequestAdmin
from donations.models import DonorRequest
from premiums import services

# What the actions say they did.
CARRIED_OUT = ngettext_lazy(
    "%(count)d request carried out; the donor will be told.",
    "%(count)d requests carried out; the donors will be told.",
    "count",
)
DECLINED = ngettext_lazy(
    "%(count)d request declined; the donor will be told why.",
    "%(count)d requests declined; the donors will be told why.",
    "count",
)
ALREADY_HANDLED = ngettext_lazy(
    "%(count)d had already been handled and was left as it was.",
    "%(count)d had already been handled and were left as they were.",
    "count",
)


def is_open(donor_request: DonorRequest) -> bool:
    return donor_request.status == DonorRequest.Status.OPEN


@admin.register(DonorRequest)
class DonorRequestWorkflowAdmin(DonorRequestAdmin):
    """The requests list with the actions that answer them, oldest open request first."""

    actions = ["carry_out_selected", "decline_selected"]

    @admin.action(description=_("Carry out the selected requests"), permissions=["change"])
    def carry_out_selected(self, request, queryset):
        rows = queryset.select_related(
            "sponsorship__donor", "sponsorship__recipient", "new_recipient"
        ).order_by("created_at", "pk")
        carry_out = partial(services.carry_out_request, by=request.user)
        act_on_each(
            self, request, rows, carry_out, when=is_open, done=CARRIED_OUT, skipped=ALREADY_HANDLED
        )

    @admin.action(description=_("Decline the selected requests"), permissions=["change"])
    def decline_selected(self, request, queryset):
        decline = partial(services.decline_request, by=request.user)
        open_requests = queryset.filter(status=DonorRequest.Status.OPEN)
        ask = ReasonPage(
            action="decline_selected",
            intro=gettext(
                "Each donor will be told that BCC cannot carry out their request, with the "
                "reason below. Requests already handled are left as they are."
            ),
            submit=gettext("Decline them"),
        )
        return act_on_each(
            self,
            request,
            queryset,
            decline,
            rows=queryset.order_by("created_at", "pk"),
            if_none=(open_requests, gettext("None of the selected requests is open.")),
            ask=ask,
            done=DECLINED,
            skipped=ALREADY_HANDLED,
        )
