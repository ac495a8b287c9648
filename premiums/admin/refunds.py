"""Refunds owed by BPJS for the months a recipient no longer needs (after a death), followed
step by step until they reach the donor or, with the donor's consent, another recipient."""

from functools import partial

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.admin import EMPTY, HistoryAdmin, YesNoFilter, act_on_each, rupiah_column
from premiums import donor_actions, services
from premiums.admin.queue_filters import DonorChoseFilter
from premiums.models import Refund

# What the steps say they did.
MOVED = ngettext_lazy(
    "%(count)d refund marked “%(state)s”.",
    "%(count)d refunds marked “%(state)s”.",
    "count",
)
ALREADY_THERE = ngettext_lazy(
    "%(count)d was already “%(state)s”.",
    "%(count)d were already “%(state)s”.",
    "count",
)


def advance_to(state: Refund.State, description):
    """The action that takes the selected refunds one step on, to `state`; the service records
    the step's date and refuses to go back."""

    @admin.action(description=description, permissions=["change"])
    def advance(model_admin, request, queryset):
        rows = queryset.select_related(
            "payment__sponsorship__donor", "payment__sponsorship__recipient"
        ).order_by("pk")
        step = partial(services.advance_refund, to=state, by=request.user)
        act_on_each(
            model_admin,
            request,
            rows,
            step,
            done=MOVED,
            skipped=ALREADY_THERE,
            values={"state": state.label},
        )

    return advance


RECORDED = ngettext_lazy(
    "%(count)d donor's choice “%(choice)s” recorded.",
    "%(count)d donors' choice “%(choice)s” recorded.",
    "count",
)
ALREADY_CHOSEN = ngettext_lazy(
    "%(count)d donor had already chosen; their choice stands.",
    "%(count)d donors had already chosen; their choices stand.",
    "count",
)


def record_choice(choice: Refund.Choice, description):
    """The action with which a coordinator records the choice a donor gave by phone or
    WhatsApp, in their name (the refund keeps who recorded it); a choice already made stands."""

    @admin.action(description=description, permissions=["change"])
    def record(model_admin, request, queryset):
        rows = queryset.select_related(
            "payment__sponsorship__donor", "payment__sponsorship__recipient"
        ).order_by("pk")
        act_on_each(
            model_admin,
            request,
            rows,
            partial(donor_actions.choose_refund, choice=choice, by=request.user),
            done=RECORDED,
            skipped=ALREADY_CHOSEN,
            values={"choice": choice.label},
        )

    return record


class OutstandingRefundFilter(YesNoFilter):
    """Refunds still to be claimed from BPJS, received, or passed on to the donor."""

    title = _("outstanding")
    parameter_name = "outstanding"
    labels = (_("Yes (owed, claimed or received)"), _("No (settled)"))

    def condition(self):
        return Q(state__in=Refund.OUTSTANDING_STATES)


@admin.register(Refund)
class RefundAdmin(HistoryAdmin):
    list_display = [
        "sponsorship",
        "unused_months",
        "money",
        "state",
        "donor_choice",
        "created_at",
        "claimed_on",
        "received_on",
        "settled_on",
    ]
    list_select_related = ["payment__sponsorship__donor", "payment__sponsorship__recipient"]
    list_filter = [OutstandingRefundFilter, DonorChoseFilter, "state"]
    search_fields = [
        "payment__sponsorship__donor__full_name",
        "payment__sponsorship__recipient__nickname",
        "payment__sponsorship__recipient__full_name",
    ]
    date_hierarchy = "created_at"
    autocomplete_fields = ["payment", "reallocated_to"]
    fields = [
        "payment",
        ("unused_months", "amount"),
        "state",
        ("donor_choice", "donor_chose_at", "choice_recorded_by"),
        ("claimed_on", "received_on", "settled_on"),
        "bpjs_refunded",
        ("reallocated_to", "paid_for"),
        "notes",
        "created_at",
    ]
    # Each step is taken with an action of the list, which records its date and refuses to go
    # back; the months and the payment were worked out when the death was recorded.
    STEPS = [
        "paid_for",
        "state",
        "donor_choice",
        "donor_chose_at",
        "choice_recorded_by",
        "claimed_on",
        "received_on",
        "settled_on",
        "created_at",
    ]
    actions = [
        "record_return",
        "record_reallocate",
        "mark_claimed",
        "mark_received",
        "mark_returned",
        "mark_reallocated",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.STEPS
        return ["payment", "unused_months", *self.STEPS]

    record_return = record_choice(
        Refund.Choice.RETURN, _("Record the donor's choice (phone, WhatsApp): return it")
    )
    record_reallocate = record_choice(
        Refund.Choice.REALLOCATE,
        _("Record the donor's choice (phone, WhatsApp): use it for another worker"),
    )
    mark_claimed = advance_to(Refund.State.CLAIMED, _("Mark claimed from BPJS"))
    mark_received = advance_to(Refund.State.RECEIVED, _("Mark received"))
    mark_returned = advance_to(Refund.State.RETURNED, _("Mark returned to the donor"))
    mark_reallocated = advance_to(Refund.State.REALLOCATED, _("Mark reallocated (donor consented)"))

    @admin.display(description=_("payment it paid for"))
    def paid_for(self, obj):
        """The payment a reallocated refund paid for, one click away."""
        if obj is None or obj.reallocated_to_id is None:
            return EMPTY
        url = reverse("admin:premiums_premiumpayment_change", args=[obj.reallocated_to_id])
        return format_html('<a href="{}">{}</a>', url, obj.reallocated_to)

    @admin.display(description=_("sponsorship"))
    def sponsorship(self, obj):
        return str(obj.payment.sponsorship)

    money = rupiah_column("amount", _("amount"))
