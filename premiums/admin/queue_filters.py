"""The admin list filters behind the dashboard queues of the PayPal route and of refunds: each
applies the same condition as the queue's count (premiums.models), so both agree."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.admin import YesNoFilter
from premiums.models import (
    Refund,
    bpjs_paid_without_receipt,
    paypal_awaiting_bpjs,
    paypal_reported_not_received,
)


class PaypalStepFilter(admin.SimpleListFilter):
    """The PayPal payments waiting on BCC, by the step that is waiting."""

    title = _("PayPal step waiting")
    parameter_name = "paypal_step"
    STEPS = {
        "reported": (_("Donor says paid; receipt not recorded"), paypal_reported_not_received),
        "bpjs_unpaid": (_("Received by PayPal; BPJS not paid yet"), paypal_awaiting_bpjs),
        "no_receipt": (_("BPJS paid; no receipt uploaded"), bpjs_paid_without_receipt),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _condition) in self.STEPS.items()]

    def queryset(self, request, queryset):
        step = self.STEPS.get(self.value())
        return queryset.filter(step[1]()) if step else queryset


class DonorChoseFilter(YesNoFilter):
    """Outstanding refunds whose donor has chosen (return or use for another worker): the
    decision staff carry out."""

    title = _("donor's decision waiting")
    parameter_name = "decision_waiting"

    def condition(self):
        return Q(state__in=Refund.OUTSTANDING_STATES) & ~Q(donor_choice="")
