"""Premium payments: what a sponsorship pays BPJS for which months, and its PayPal receipt.

Each payment's evidence is reviewed on the evidence pages; a payment is verified through them.
"""

import datetime as dt
from functools import partial

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin import (
    EMPTY,
    HistoryAdmin,
    MonthField,
    ReadOnlyInline,
    YesNoFilter,
    act_on_each,
    period_label,
    rupiah_column,
)
from core.importexport import CsvImportExportMixin
from core.paginators import EstimatedCountPaginator
from donations.models import Sponsorship
from donations.rules import RuleError
from premiums import donor_actions, rules, services
from premiums.admin.evidence import EvidenceOnPaymentInline
from premiums.admin.queue_filters import PaypalStepFilter
from premiums.models import PaymentEvidence, PremiumPayment
from premiums.resources import PaymentExportResource, PaymentImportResource


class StaleQuoteFilter(YesNoFilter):
    """Payments the donor still has to pay whose amount the rate table no longer gives (a
    dashboard queue): staff re-quote them and the donor is told."""

    title = _("quote out of date")
    parameter_name = "quote_stale"

    def yes(self, queryset):
        return queryset.filter(pk__in=[p.pk for p in services.stale_quotes()])

    def no(self, queryset):
        return queryset.exclude(pk__in=[p.pk for p in services.stale_quotes()])


REQUOTED = ngettext_lazy(
    "%(count)d payment re-quoted at today's rates; the donor will be told the new amount.",
    "%(count)d payments re-quoted at today's rates; the donors will be told the new amounts.",
    "count",
)
NOT_REQUOTED = ngettext_lazy(
    "%(count)d was paid already or already at today's rates, and was left as it was.",
    "%(count)d were paid already or already at today's rates, and were left as they were.",
    "count",
)


class PaymentColumns:
    """A payment's period, amount and evidence, as its own list and a sponsorship's page show
    them (the query annotates `evidence_total`)."""

    @admin.display(description=_("period"), ordering="first_month")
    def period(self, obj):
        return period_label(obj.first_month, obj.last_month)

    money = rupiah_column("amount", _("amount"))

    @admin.display(description=_("evidence"), ordering="evidence_total")
    def evidence_count(self, obj):
        return obj.evidence_total


class PaymentOnSponsorshipInline(PaymentColumns, ReadOnlyInline):
    """The sponsorship's payments; each is recorded and edited on its own page."""

    model = PremiumPayment
    fields = ["period", "months", "money", "channel", "status", "evidence_count", "verified_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_total=Count("evidence"))


class PremiumPaymentForm(forms.ModelForm):
    first_month = MonthField(label=_("first covered month"))

    class Meta:
        model = PremiumPayment
        fields = [
            "sponsorship",
            "first_month",
            "months",
            "amount",
            "channel",
            "paypal_amount",
            "paypal_currency",
            "paypal_transaction_id",
            "paypal_received_on",
            "rupiah_received",
            "bpjs_paid_on",
        ]
        help_texts = {
            "paypal_currency": _("Three letters, as on the PayPal receipt: EUR, USD, AUD…"),
            "paypal_transaction_id": _(
                "From the PayPal receipt; each transaction is recorded once."
            ),
            "rupiah_received": _("What reached BCC's account after PayPal's conversion and fees."),
            "bpjs_paid_on": _(
                "The day BCC paid BPJS; then add BCC's BPJS receipt as evidence and verify it."
            ),
        }
        error_messages = {
            "paypal_transaction_id": {
                "unique": _("This PayPal transaction is already recorded for another payment."),
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "amount" in self.fields:
            self.fields["amount"].required = False
            self.fields["amount"].help_text = _(
                "Leave empty to use the premium table: the sum of the rate in force each month."
            )

    def clean_paypal_currency(self):
        currency = (self.cleaned_data.get("paypal_currency") or "").strip().upper()
        if currency and not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
            raise forms.ValidationError(_("Give the three-letter currency code, such as EUR."))
        return currency

    def clean_paypal_transaction_id(self):
        # Copied from an email, an id often comes with spaces around it.
        return (self.cleaned_data.get("paypal_transaction_id") or "").strip() or None

    def _clean_paypal(self, cleaned):
        """The PayPal receipt belongs to a PayPal payment and names its currency."""
        paypal_fields = ["paypal_amount", "paypal_transaction_id", "rupiah_received"]
        channel = cleaned.get("channel") or self.instance.channel
        if channel != Sponsorship.Route.PAYPAL and any(cleaned.get(f) for f in paypal_fields):
            self.add_error(
                None,
                _("PayPal details belong to a payment made through PayPal (“paid to BPJS by”)."),
            )
        if cleaned.get("paypal_amount") and not cleaned.get("paypal_currency"):
            self.add_error("paypal_currency", _("Give the currency of the PayPal amount."))

    def clean(self):
        """Friendly messages for what the rules and the database would refuse anyway."""
        cleaned = super().clean()
        self._clean_paypal(cleaned)
        sponsorship = cleaned.get("sponsorship") or getattr(self.instance, "sponsorship", None)
        first, months = cleaned.get("first_month"), cleaned.get("months")
        if "first_month" not in self.fields or not (sponsorship and first and months):
            return cleaned
        new = rules.Period(first, months)
        others = sponsorship.payments.exclude(status=PremiumPayment.Status.CANCELLED).exclude(
            pk=self.instance.pk
        )
        for other in others:
            if other.first_month <= new.last_month and first <= other.last_month:
                raise forms.ValidationError(
                    _("These months overlap another payment of this sponsorship (%(period)s)."),
                    params={"period": period_label(other.first_month, other.last_month)},
                )
        if self.instance.pk is None:
            try:
                rules.check_next_period(sponsorship.first_month, [o.period for o in others], new)
            except RuleError as e:
                raise forms.ValidationError(str(e)) from None
        if "amount" in self.fields and not cleaned.get("amount"):
            try:
                cleaned["amount"] = services.price(sponsorship, first, months)
            except rules.NoRateError as e:
                self.add_error("amount", str(e))
        return cleaned


def evidence_count_subquery():
    """How many evidence files a payment has, as a subquery the database runs per row shown
    (a join + GROUP BY would aggregate the whole table before the page is cut)."""
    return Coalesce(
        Subquery(
            PaymentEvidence.objects.filter(payment=OuterRef("pk"))
            .order_by()
            .values("payment")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


class FirstMonthYearFilter(admin.SimpleListFilter):
    """The year of a payment's first month: what the date hierarchy offered, without its scan
    of the whole table for the years there are (the first and the last year come off the
    index the list is ordered by)."""

    title = _("first month covered")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        span = PremiumPayment.objects.aggregate(first=Min("first_month"), last=Max("first_month"))
        if span["first"] is None:
            return []
        years = range(span["last"].year, span["first"].year - 1, -1)
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        if not (value and value.isdigit() and 1900 < int(value) < 3000):
            return queryset
        year = int(value)
        return queryset.filter(
            first_month__gte=dt.date(year, 1, 1), first_month__lt=dt.date(year + 1, 1, 1)
        )


@admin.register(PremiumPayment)
class PremiumPaymentAdmin(PaymentColumns, CsvImportExportMixin, HistoryAdmin):
    # The exact total of a large payments table costs a full scan on every page; the admin
    # shows "Show all" instead, numbers the pages by PostgreSQL's estimate of the unfiltered
    # table, and computes the evidence count for the rows shown only.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    form = PremiumPaymentForm
    import_resource_classes = [PaymentImportResource]
    export_resource_classes = [PaymentExportResource]
    list_display = [
        "sponsorship",
        "period",
        "months",
        "money",
        "channel",
        "status",
        "evidence_count",
        "verified_at",
    ]
    list_select_related = ["sponsorship__donor", "sponsorship__recipient"]
    list_filter = ["status", "channel", FirstMonthYearFilter, StaleQuoteFilter, PaypalStepFilter]
    actions = ["requote_selected"]
    search_fields = [
        "sponsorship__donor__full_name",
        "sponsorship__donor__email",
        "sponsorship__recipient__nickname",
        "sponsorship__recipient__full_name",
        "=paypal_transaction_id",
    ]
    autocomplete_fields = ["sponsorship"]
    inlines = [EvidenceOnPaymentInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "sponsorship",
                    ("first_month", "months", "last_month"),
                    "amount",
                    "channel",
                    "status",
                    "add_evidence",
                ]
            },
        ),
        (
            _("PayPal (overseas donors)"),
            {
                "fields": [
                    ("paypal_amount", "paypal_currency"),
                    "paypal_transaction_id",
                    "paypal_reported_at",
                    "paypal_received_on",
                    "rupiah_received",
                    "bpjs_paid_on",
                ]
            },
        ),
        (_("Record"), {"fields": [("created_at", "verified_at", "verified_by")]}),
    ]

    @admin.action(
        description=_("Re-quote at today's rates and tell the donor"), permissions=["change"]
    )
    def requote_selected(self, request, queryset):
        return act_on_each(
            self,
            request,
            queryset,
            partial(services.requote, by=request.user),
            rows=queryset.select_related("sponsorship__donor").order_by("pk"),
            done=REQUOTED,
            skipped=NOT_REQUOTED,
        )

    def save_model(self, request, obj, form, change):
        # Keep the month-by-month prices it was quoted at (refunds return them), and recompute
        # the coverage: a PayPal receipt counts as evidence of funds.
        with transaction.atomic():
            sponsorship = Sponsorship.objects.select_for_update().get(pk=obj.sponsorship_id)
            services.keep_prices(obj, sponsorship)
            super().save_model(request, obj, form, change)
            services.refresh_coverage(sponsorship)
            # Recording the PayPal receipt tells the donor what arrived (once per payment).
            donor_actions.acknowledge_paypal(obj)

    # Once verified, a payment is part of the coverage: its months and amount stay as they were.
    LOCKED_WHEN_VERIFIED = ["sponsorship", "first_month", "months", "amount", "channel"]

    def get_readonly_fields(self, request, obj=None):
        fixed = [
            "last_month",
            "status",
            "add_evidence",
            "paypal_reported_at",
            "created_at",
            "verified_at",
            "verified_by",
        ]
        if obj is not None and obj.status == PremiumPayment.Status.VERIFIED:
            return self.LOCKED_WHEN_VERIFIED + fixed
        return fixed

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_total=evidence_count_subquery())

    @admin.display(description=_("evidence"))
    def add_evidence(self, obj):
        if obj is None or obj.pk is None:
            return EMPTY
        url = reverse("admin:premiums_paymentevidence_add") + "?" + urlencode({"payment": obj.pk})
        return format_html('<a href="{}">{}</a>', url, gettext("Add evidence for this payment"))
