"""Staff pages for sponsorships, premium rates, payments, evidence, refunds and benefits.

Sponsorships are registered here rather than in `donations.admin` because their pages show the
payments and the price of the next payment, which live in this app (premiums builds on
donations, never the other way round).

Whatever changes coverage goes through `premiums.services` (evidence received, verified or
rejected), so that paid-through, the lapse day and the donor's messages stay consistent.
"""

import datetime as dt
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core import uploads
from core.importexport import CsvImportExportMixin, CsvImportMixin
from core.months import month_start
from core.paginators import EstimatedCountPaginator
from core.templatetags.rupiah import format_rupiah
from donations import standing
from donations.admin import (
    DonorAdmin,
    DonorRequestAdmin,
    RecipientWithSponsorshipsAdmin,
    standing_label,
)
from donations.models import Donor, DonorRequest, Sponsorship
from donations.rules import MINIMUM_MONTHS, RuleError, check_pledge_months
from donations.standing import COVERAGE_ENDING_DAYS
from premiums import privacy, rules, services
from premiums.models import (
    Benefit,
    PaymentEvidence,
    PremiumPayment,
    PremiumRate,
    Refund,
    awaiting_card,
)
from premiums.resources import PaymentExportResource, PaymentImportResource, SponsorshipResource
from recipients.admin import (
    EMPTY,
    PRIVATE_FILE_OVERRIDES,
    CardFilter,
    HistoryAdmin,
    SituationUpdateAdmin,
    month_label,
)
from recipients.models import Recipient, SituationUpdate


def period_label(first_month, last_month) -> str:
    return f"{month_label(first_month)} – {month_label(last_month)}"


def next_payment(sponsorship: Sponsorship) -> tuple:
    """(first month, months, Rupiah or None, the payment if already recorded) of what is due next.

    A payment recorded but not yet verified (the pledge creates the first one) is what is due.
    Otherwise the next one starts right after the last recorded payment; the first payment of a
    sponsorship covers at least a year and renewals are offered for a year too, the common
    case, though staff may record any number of months.
    """
    recorded = sponsorship.payments.exclude(status=PremiumPayment.Status.CANCELLED).order_by(
        "first_month"
    )
    periods = []
    for payment in recorded:
        if payment.status == PremiumPayment.Status.PENDING:
            return payment.first_month, payment.months, payment.amount, payment
        periods.append(payment.period)
    start = rules.next_period_start(sponsorship.first_month, periods)
    months = MINIMUM_MONTHS
    try:
        amount = services.price(sponsorship, start, months)
    except rules.NoRateError:
        amount = None
    return start, months, amount, None


class MonthField(forms.DateField):
    """A date field whose value is the first day of the chosen month (any day may be entered)."""

    def clean(self, value):
        day = super().clean(value)
        return month_start(day) if day else day


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), max_length=2000)

    def __init__(self, *args, label, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


def ask_for_reason(model_admin, request, queryset, *, action, title, intro, label, submit, **kw):
    """For an action that needs a reason: (reason, None) once staff sent the page that asks for
    it, or (None, that page) to show first. The page sends the same action again."""
    data = request.POST if request.POST.get("post") == "yes" else None
    form = ReasonForm(data, label=label, help_text=kw.get("help_text", ""))
    if data is not None and form.is_valid():
        return form.cleaned_data["reason"], None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "queryset": queryset,
        "opts": model_admin.model._meta,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "submit_label": submit,
    }
    return None, TemplateResponse(request, "admin/reason_form.html", context)


def report(model_admin, request, done, skipped, refused):
    """What an action did: done (success), left alone (warning), refused by the rules (error)."""
    if done:
        model_admin.message_user(request, done, messages.SUCCESS)
    if skipped:
        model_admin.message_user(request, skipped, messages.WARNING)
    for problem in refused:
        model_admin.message_user(request, problem, messages.ERROR)


# --- sponsorships ----------------------------------------------------------------------------


class InForceFilter(admin.SimpleListFilter):
    """The three-month rule read from the calendar, so it is right before the lapse job runs.

    The staff dashboard's coverage queues link to "ending" and "overdue", which apply the
    conditions its counts use.
    """

    title = _("in force today")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Yes (pledged or active, not lapsed)")),
            (
                "ending",
                gettext("Coverage ending within %(days)d days") % {"days": COVERAGE_ENDING_DAYS},
            ),
            ("overdue", _("One or two months overdue (will lapse)")),
            ("lapsed", _("Lapsed by the calendar, not yet recorded")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.live_on()
        if self.value() == "ending":
            return queryset.coverage_ending_on()
        if self.value() == "overdue":
            return queryset.will_lapse_on()
        if self.value() == "lapsed":
            return queryset.lapsed_unrecorded_on()
        return queryset


class SponsorshipForm(forms.ModelForm):
    first_month = MonthField(label=_("first month"), widget=admin.widgets.AdminDateWidget)

    class Meta:
        model = Sponsorship
        fields = [
            "donor",
            "recipient",
            "route",
            "first_month",
            "months_pledged",
        ]

    def clean_months_pledged(self):
        months = self.cleaned_data["months_pledged"]
        try:
            check_pledge_months(months)
        except RuleError:
            raise forms.ValidationError(
                _("The minimum is %(months)d months (one year)."), params={"months": MINIMUM_MONTHS}
            ) from None
        return months


class PaymentOnSponsorshipInline(admin.TabularInline):
    """The sponsorship's payments; each is recorded and edited on its own page."""

    model = PremiumPayment
    fields = ["period", "months", "money", "channel", "status", "evidence_count", "verified_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_total=Count("evidence"))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("period"))
    def period(self, obj):
        return period_label(obj.first_month, obj.last_month)

    @admin.display(description=_("amount"))
    def money(self, obj):
        return format_rupiah(obj.amount)

    @admin.display(description=_("evidence"))
    def evidence_count(self, obj):
        return obj.evidence_total


@admin.register(Sponsorship)
class SponsorshipAdmin(CsvImportMixin, HistoryAdmin):
    form = SponsorshipForm
    import_resource_classes = [SponsorshipResource]
    list_display = [
        "donor",
        "recipient",
        "state",
        "route",
        "starts",
        "paid_through",
        "standing",
        "lapses_on",
    ]
    list_select_related = ["donor", "recipient"]
    list_filter = ["state", InForceFilter, "route", "recipient__regency"]
    search_fields = [
        "donor__full_name",
        "donor__display_name",
        "donor__email",
        "recipient__nickname",
        "recipient__full_name",
    ]
    date_hierarchy = "first_month"
    autocomplete_fields = ["donor", "recipient"]
    actions = ["stop_selected"]
    # The state and how a sponsorship ended change only through the workflows (verifying
    # evidence, the lapse command, situation updates, donor requests, the stop action), which
    # keep coverage, the recipient's place on the public list and the donor's messages right.
    readonly_fields = [
        "state",
        "ended_at",
        "end_reason",
        "replaced_by",
        "paid_through",
        "standing",
        "lapses_on",
        "next_payment_due",
        "evidence_table",
        "created_at",
        "activated_at",
        "decision_requested_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("donor", "recipient"),
                    "route",
                    ("first_month", "months_pledged"),
                    "state",
                ]
            },
        ),
        (
            _("Coverage"),
            {
                "fields": [
                    ("paid_through", "standing", "lapses_on"),
                    "next_payment_due",
                    "evidence_table",
                ]
            },
        ),
        (
            _("Steps"),
            {
                "fields": [
                    ("created_at", "activated_at", "decision_requested_at"),
                    ("ended_at", "end_reason"),
                    "replaced_by",
                ]
            },
        ),
    ]
    inlines = [PaymentOnSponsorshipInline]

    # Who, for whom, from when and for how long are fixed once pledged: the payments, the
    # coverage and the lapse day were computed from them. A change is a new sponsorship.
    FIXED_AFTER_PLEDGE = ["donor", "recipient", "first_month", "months_pledged", "route"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [f for f in self.FIXED_AFTER_PLEDGE if f not in fields]
        return fields

    def save_model(self, request, obj, form, change):
        # A sponsorship recorded by staff gets its lapse day like any pledge.
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            services.refresh_coverage(obj)

    @admin.action(description=_("Stop the selected sponsorships"), permissions=["change"])
    def stop_selected(self, request, queryset):
        """Stop sponsorships the donor asked BCC to stop (by phone, WhatsApp or email)."""
        if not queryset.filter(state__in=Sponsorship.HOLDING_STATES).exists():
            self.message_user(
                request, gettext("None of the selected sponsorships is running."), messages.WARNING
            )
            return None
        reason, page = ask_for_reason(
            self,
            request,
            queryset,
            action="stop_selected",
            title=gettext("Stop the selected sponsorships"),
            intro=gettext(
                "These sponsorships will stop and each donor will be told. A sponsorship that "
                "has already ended is left as it is."
            ),
            label=gettext("Reason for stopping"),
            help_text=gettext("Kept with the sponsorship, e.g. “the donor asked by WhatsApp”."),
            submit=gettext("Stop them"),
        )
        if page is not None:
            return page
        stopped, skipped, refused = 0, 0, []
        for sponsorship in queryset.select_related("donor", "recipient").order_by("pk"):
            try:
                if services.stop(sponsorship, by=request.user, reason=reason):
                    stopped += 1
                else:
                    skipped += 1
            except RuleError as e:
                refused.append(f"{sponsorship}: {e}")
        report(
            self,
            request,
            stopped
            and ngettext(
                "%(count)d sponsorship stopped; the donor will be told.",
                "%(count)d sponsorships stopped; the donors will be told.",
                stopped,
            )
            % {"count": stopped},
            skipped
            and ngettext(
                "%(count)d had already ended and was left as it was.",
                "%(count)d had already ended and were left as they were.",
                skipped,
            )
            % {"count": skipped},
            refused,
        )
        return None

    @admin.display(description=_("first month"), ordering="first_month")
    def starts(self, obj):
        return month_label(obj.first_month)

    @admin.display(description=_("paid through"), ordering="covered_through")
    def paid_through(self, obj):
        return month_label(obj.covered_through)

    @admin.display(description=_("standing today"))
    def standing(self, obj):
        if obj is None or obj.pk is None:
            return EMPTY
        return standing_label(obj)

    @admin.display(description=_("next payment"))
    def next_payment_due(self, obj):
        if obj is None or obj.pk is None:
            return EMPTY
        start, months, amount, recorded = next_payment(obj)
        if amount is None:
            return gettext(
                "No premium rate covers %(month)s: add one under Premium rates to price it."
            ) % {"month": month_label(start)}
        due = gettext("%(amount)s for %(months)d months from %(month)s.") % {
            "amount": format_rupiah(amount),
            "months": months,
            "month": month_label(start),
        }
        if recorded is not None:
            return format_html(
                '{} <a href="{}">{}</a>',
                due,
                reverse("admin:premiums_premiumpayment_change", args=[recorded.pk]),
                gettext("Recorded, awaiting evidence or verification"),
            )
        add_url = (
            reverse("admin:premiums_premiumpayment_add")
            + "?"
            + urlencode(
                {
                    "sponsorship": obj.pk,
                    "first_month": start.isoformat(),
                    "months": months,
                    "amount": amount,
                    "channel": obj.route,
                }
            )
        )
        return format_html('{} <a href="{}">{}</a>', due, add_url, gettext("Record this payment"))

    @admin.display(description=_("evidence"))
    def evidence_table(self, obj):
        if obj is None or obj.pk is None:
            return EMPTY
        rows = PaymentEvidence.objects.filter(payment__sponsorship=obj).select_related("payment")
        if not rows:
            return gettext("No evidence yet.")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            gettext("received"),
            gettext("payment"),
            gettext("status"),
            gettext("file"),
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        reverse("admin:premiums_paymentevidence_change", args=[e.pk]),
                        f"{e.received_at:%Y-%m-%d}",
                        period_label(e.payment.first_month, e.payment.last_month),
                        e.get_status_display(),
                        file_summary(e),
                    )
                    for e in rows
                ),
            ),
        )


# --- premium rates ---------------------------------------------------------------------------


class PremiumRateForm(forms.ModelForm):
    first_month = MonthField(label=_("first month"), widget=admin.widgets.AdminDateWidget)
    last_month = MonthField(
        label=_("last month"),
        required=False,
        widget=admin.widgets.AdminDateWidget,
        help_text=_("Leave empty while the rate is open-ended."),
    )

    class Meta:
        model = PremiumRate
        fields = ["first_month", "last_month", "jkk", "jkm", "sector", "note"]


@admin.register(PremiumRate)
class PremiumRateAdmin(HistoryAdmin):
    form = PremiumRateForm
    list_display = ["starts", "ends", "sector", "jkk_money", "jkm_money", "monthly_money", "note"]
    list_filter = ["sector"]
    search_fields = ["note"]
    date_hierarchy = "first_month"

    @admin.display(description=_("first month"), ordering="first_month")
    def starts(self, obj):
        return month_label(obj.first_month)

    @admin.display(description=_("last month"), ordering="last_month")
    def ends(self, obj):
        return month_label(obj.last_month) if obj.last_month else gettext("open-ended")

    @admin.display(description=_("JKK"), ordering="jkk")
    def jkk_money(self, obj):
        return format_rupiah(obj.jkk)

    @admin.display(description=_("JKM"), ordering="jkm")
    def jkm_money(self, obj):
        return format_rupiah(obj.jkm)

    @admin.display(description=_("per month"))
    def monthly_money(self, obj):
        return format_rupiah(obj.monthly)


# --- payments --------------------------------------------------------------------------------


class PremiumPaymentForm(forms.ModelForm):
    first_month = MonthField(label=_("first covered month"), widget=admin.widgets.AdminDateWidget)

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


class EvidenceOnPaymentInline(admin.TabularInline):
    """The payment's evidence; each piece is verified or rejected on its own page."""

    model = PaymentEvidence
    fk_name = "payment"
    fields = ["received_at", "status", "file_info", "duplicate", "reviewed_at", "reviewed_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewed_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def file_info(self, obj):
        return file_summary(obj)

    @admin.display(description=_("duplicate"), boolean=True)
    def duplicate(self, obj):
        return obj.duplicate_of_id is not None


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
class PremiumPaymentAdmin(CsvImportExportMixin, HistoryAdmin):
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
    list_filter = ["status", "channel", FirstMonthYearFilter]
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
                    "paypal_received_on",
                    "rupiah_received",
                    "bpjs_paid_on",
                ]
            },
        ),
        (_("Record"), {"fields": [("created_at", "verified_at", "verified_by")]}),
    ]

    def save_model(self, request, obj, form, change):
        # Keep the month-by-month prices when the amount is the table's price (refunds return
        # them), and recompute the coverage: a PayPal receipt counts as evidence of funds.
        with transaction.atomic():
            sponsorship = Sponsorship.objects.select_for_update().get(pk=obj.sponsorship_id)
            try:
                prices = services.monthly_prices(sponsorship, obj.first_month, obj.months)
            except rules.RuleError:
                prices = []
            obj.monthly_amounts = prices if sum(prices) == obj.amount else []
            super().save_model(request, obj, form, change)
            services.refresh_coverage(sponsorship)

    # Once verified, a payment is part of the coverage: its months and amount stay as they were.
    LOCKED_WHEN_VERIFIED = ["sponsorship", "first_month", "months", "amount", "channel"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["last_month", "status", "add_evidence", "created_at", "verified_at", "verified_by"]
        if obj is not None and obj.status == PremiumPayment.Status.VERIFIED:
            return self.LOCKED_WHEN_VERIFIED + fixed
        return fixed

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_total=evidence_count_subquery())

    @admin.display(description=_("period"), ordering="first_month")
    def period(self, obj):
        return period_label(obj.first_month, obj.last_month)

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, obj):
        return format_rupiah(obj.amount)

    @admin.display(description=_("evidence"), ordering="evidence_total")
    def evidence_count(self, obj):
        return obj.evidence_total

    @admin.display(description=_("evidence"))
    def add_evidence(self, obj):
        if obj is None or obj.pk is None:
            return EMPTY
        url = reverse("admin:premiums_paymentevidence_add") + "?" + urlencode({"payment": obj.pk})
        return format_html('<a href="{}">{}</a>', url, gettext("Add evidence for this payment"))


# --- evidence --------------------------------------------------------------------------------


def file_summary(evidence: PaymentEvidence) -> str:
    return f"{evidence.content_type}, {filesizeformat(evidence.size)}, {evidence.sha256[:12]}…"


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = PaymentEvidence
        fields = ["payment", "file", "received_at", "status", "rejection_reason"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):  # a new upload, not the file already stored
            # Judged by its content; images come back re-encoded, without their metadata.
            self.clean_upload = uploads.clean_evidence(upload)
        return upload

    def clean_payment(self):
        payment = self.cleaned_data["payment"]
        if payment.status == PremiumPayment.Status.CANCELLED:
            raise forms.ValidationError(_("This payment was cancelled."))
        return payment

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if self.instance.pk is None or "status" not in self.fields:
            return cleaned
        if status == PaymentEvidence.Status.REJECTED:
            if not (cleaned.get("rejection_reason") or "").strip():
                self.add_error("rejection_reason", _("Give the donor a reason for the rejection."))
        elif status == PaymentEvidence.Status.VERIFIED:
            self._check_verifiable()
        return cleaned

    def _check_verifiable(self):
        """What `services.verify_evidence` would refuse, said before anything is saved."""
        payment = self.instance.payment
        sponsorship = payment.sponsorship
        if sponsorship.state not in Sponsorship.LIVE_STATES:
            raise forms.ValidationError(
                _("This sponsorship is not running; reinstate it before verifying evidence.")
            )
        if payment.status == PremiumPayment.Status.VERIFIED:
            return
        verified = [
            p.period for p in sponsorship.payments.filter(status=PremiumPayment.Status.VERIFIED)
        ]
        try:
            rules.check_next_period(sponsorship.first_month, verified, payment.period)
        except RuleError as e:
            raise forms.ValidationError(str(e)) from None


class DuplicateFilter(admin.SimpleListFilter):
    title = _("same file as other evidence")
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(duplicate_of__isnull=False)
        if self.value() == "no":
            return queryset.filter(duplicate_of__isnull=True)
        return queryset


class LapsedSponsorshipFilter(admin.SimpleListFilter):
    """Evidence that came too late: its sponsorship lapsed, recorded or by the calendar.

    Staff decide whether to reinstate the sponsorship before verifying such evidence.
    """

    title = _("sponsorship lapsed")
    parameter_name = "sponsorship_lapsed"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes (late evidence)")), ("no", _("No"))]

    def queryset(self, request, queryset):
        lapsed = standing.lapsed(timezone.localdate(), prefix="payment__sponsorship__")
        if self.value() == "yes":
            return queryset.filter(lapsed)
        if self.value() == "no":
            return queryset.exclude(lapsed)
        return queryset


@admin.register(PaymentEvidence)
class PaymentEvidenceAdmin(HistoryAdmin):
    form = EvidenceForm
    list_display = [
        "received_at",
        "sponsorship",
        "payment_period",
        "status",
        "content_type",
        "file_size",
        "sha256_prefix",
        "duplicate",
        "uploaded_by_staff",
    ]
    list_select_related = ["payment__sponsorship__donor", "payment__sponsorship__recipient"]
    list_filter = ["status", DuplicateFilter, LapsedSponsorshipFilter, "content_type"]
    search_fields = [
        "payment__sponsorship__donor__full_name",
        "payment__sponsorship__donor__email",
        "payment__sponsorship__recipient__nickname",
        "=sha256",
    ]
    date_hierarchy = "received_at"
    autocomplete_fields = ["payment"]
    formfield_overrides = PRIVATE_FILE_OVERRIDES
    actions = ["verify_selected", "reject_selected", "reinstate_selected"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["payment", "file"]
        return [
            "payment",
            "file_info",
            "duplicate_info",
            "received_at",
            "uploaded_by",
            "status",
            "rejection_reason",
            "reviewed_at",
            "reviewed_by",
        ]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The form writes the new status onto the object before it is saved; a form sent
            # back with errors must still show the fields of the stored status.
            obj.stored_status = obj.status
        return obj

    def has_change_permission(self, request, obj=None):
        # Reviewed evidence is history: only pending evidence is verified or rejected here.
        if (
            obj is not None
            and getattr(obj, "stored_status", obj.status) != PaymentEvidence.Status.PENDING
        ):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Status and reason stay editable: this is where evidence is rejected, with a reason.
        return [
            "payment",
            "file_info",
            "duplicate_info",
            "received_at",
            "uploaded_by",
            "reviewed_at",
            "reviewed_by",
        ]

    @admin.display(description=_("sponsorship"))
    def sponsorship(self, obj):
        return str(obj.payment.sponsorship)

    @admin.display(description=_("period"), ordering="payment__first_month")
    def payment_period(self, obj):
        return period_label(obj.payment.first_month, obj.payment.last_month)

    @admin.display(description=_("size"), ordering="size")
    def file_size(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description=_("SHA-256"))
    def sha256_prefix(self, obj):
        return f"{obj.sha256[:12]}…"

    @admin.display(description=_("duplicate"), boolean=True)
    def duplicate(self, obj):
        return obj.duplicate_of_id is not None

    @admin.display(description=_("uploaded by staff"), boolean=True)
    def uploaded_by_staff(self, obj):
        return obj.uploaded_by_id is not None

    @admin.display(description=_("same file as"))
    def duplicate_info(self, obj):
        original = obj.duplicate_of
        if original is None:
            return gettext("No other payment was given this file.")
        return format_html(
            '<strong>{}</strong> <a href="{}">{}</a> ({}, {})',
            gettext("The same file was given for another payment:"),
            reverse("admin:premiums_paymentevidence_change", args=[original.pk]),
            original,
            original.get_status_display(),
            f"{original.received_at:%Y-%m-%d}",
        )

    @admin.display(description=_("file"))
    def file_info(self, obj):
        try:
            file_url = reverse("premiums:staff_evidence_file", args=[obj.pk])
        except NoReverseMatch:  # the staff file view is not installed
            return file_summary(obj)
        preview = ""
        if obj.content_type.startswith("image/"):
            preview = format_html(
                # A width attribute, not a style one: the Content Security Policy blocks those.
                '<br><img src="{}" alt="" width="320">',
                file_url,
            )
        return format_html(
            '{} <a href="{}" target="_blank" rel="noopener">{}</a>{}',
            file_summary(obj),
            file_url,
            gettext("Open the file"),
            preview,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            self._add(request, obj, form)
        elif obj.status == PaymentEvidence.Status.VERIFIED:
            self._review(request, obj, services.verify_evidence, by=request.user)
        elif obj.status == PaymentEvidence.Status.REJECTED:
            reason = obj.rejection_reason
            self._review(request, obj, services.reject_evidence, by=request.user, reason=reason)
        # A pending row has nothing else that may change.

    def _add(self, request, obj, form):
        """Staff record a receipt (a PayPal donor's, paid to BPJS by BCC) through the service
        donors use too: same checks, same duplicate flag, and the lapse day recomputed."""
        evidence = services.submit_evidence(obj.payment, form.clean_upload, by=request.user)
        # The admin goes on with `obj` (the log entry, the redirect): make it the stored row.
        for field in PaymentEvidence._meta.concrete_fields:
            setattr(obj, field.attname, getattr(evidence, field.attname))
        obj._state.adding = False

    def _review(self, request, obj, review, **kwargs):
        try:
            review(obj, **kwargs)
        except RuleError as e:
            # Someone changed the payments between the form check and now.
            obj.refresh_from_db()
            self.message_user(request, str(e), messages.ERROR)

    @admin.action(description=_("Verify the selected evidence"), permissions=["change"])
    def verify_selected(self, request, queryset):
        """Verify pending evidence, oldest period first so that renewals follow in order."""
        verified, skipped, refused = 0, 0, []
        for evidence in queryset.select_related("payment").order_by(
            "payment__first_month", "received_at", "pk"
        ):
            if evidence.status != PaymentEvidence.Status.PENDING:
                skipped += 1
                continue
            try:
                if services.verify_evidence(evidence, by=request.user):
                    verified += 1
                else:
                    skipped += 1
            except RuleError as e:
                refused.append(f"{evidence}: {e}")
        if verified:
            self.message_user(
                request,
                ngettext(
                    "%(count)d piece of evidence verified.",
                    "%(count)d pieces of evidence verified.",
                    verified,
                )
                % {"count": verified},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d was already reviewed and left as it was.",
                    "%(count)d were already reviewed and left as they were.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        for problem in refused:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(
        description=_("Reject the selected evidence, with a reason"), permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        """Reject pending evidence with one reason, which each donor reads in their email."""
        queryset = queryset.select_related(
            "payment__sponsorship__donor", "payment__sponsorship__recipient"
        ).order_by("received_at", "pk")
        reason, page = ask_for_reason(
            self,
            request,
            queryset,
            action="reject_selected",
            title=gettext("Reject the selected evidence"),
            intro=gettext(
                "This evidence will be rejected and each donor will be told why. Evidence already "
                "verified or rejected is left as it is."
            ),
            label=gettext("Reason (shown to the donor)"),
            help_text=gettext("For example: “the receipt is unreadable” or “another person’s”."),
            submit=gettext("Reject"),
        )
        if page is not None:
            return page
        rejected, skipped = 0, 0
        for evidence in queryset:
            if services.reject_evidence(evidence, by=request.user, reason=reason):
                rejected += 1
            else:
                skipped += 1
        report(
            self,
            request,
            rejected
            and ngettext(
                "%(count)d piece of evidence rejected; the donor will be told why.",
                "%(count)d pieces of evidence rejected; the donors will be told why.",
                rejected,
            )
            % {"count": rejected},
            skipped
            and ngettext(
                "%(count)d was already reviewed and left as it was.",
                "%(count)d were already reviewed and left as they were.",
                skipped,
            )
            % {"count": skipped},
            [],
        )

    @admin.action(description=_("Reinstate the sponsorship and verify"), permissions=["change"])
    def reinstate_selected(self, request, queryset):
        """Evidence that came after the lapse: the sponsorship runs again, the payment counts.

        Declining is rejecting the evidence on its own page, with a reason the donor sees.
        """
        reinstated, skipped, refused = 0, 0, []
        for evidence in queryset.select_related("payment__sponsorship").order_by(
            "payment__first_month", "received_at", "pk"
        ):
            if evidence.status != PaymentEvidence.Status.PENDING:
                skipped += 1
                continue
            try:
                if services.reinstate(evidence, by=request.user):
                    reinstated += 1
                else:
                    skipped += 1
            except RuleError as e:
                refused.append(f"{evidence}: {e}")
        report(
            self,
            request,
            reinstated
            and ngettext(
                "%(count)d sponsorship reinstated and its evidence verified.",
                "%(count)d sponsorships reinstated and their evidence verified.",
                reinstated,
            )
            % {"count": reinstated},
            skipped
            and ngettext(
                "%(count)d was already reviewed and left as it was.",
                "%(count)d were already reviewed and left as they were.",
                skipped,
            )
            % {"count": skipped},
            refused,
        )


# --- refunds ---------------------------------------------------------------------------------


class OutstandingRefundFilter(admin.SimpleListFilter):
    """Refunds still to be claimed from BPJS, received, or passed on to the donor."""

    title = _("outstanding")
    parameter_name = "outstanding"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes (owed, claimed or received)")), ("no", _("No (settled)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(state__in=Refund.OUTSTANDING_STATES)
        if self.value() == "no":
            return queryset.exclude(state__in=Refund.OUTSTANDING_STATES)
        return queryset


@admin.register(Refund)
class RefundAdmin(HistoryAdmin):
    list_display = [
        "sponsorship",
        "unused_months",
        "money",
        "state",
        "created_at",
        "claimed_on",
        "received_on",
        "settled_on",
    ]
    list_select_related = ["payment__sponsorship__donor", "payment__sponsorship__recipient"]
    list_filter = [OutstandingRefundFilter, "state"]
    search_fields = [
        "payment__sponsorship__donor__full_name",
        "payment__sponsorship__recipient__nickname",
        "payment__sponsorship__recipient__full_name",
    ]
    date_hierarchy = "created_at"
    autocomplete_fields = ["payment"]
    fields = [
        "payment",
        ("unused_months", "amount"),
        "state",
        ("claimed_on", "received_on", "settled_on"),
        "notes",
        "created_at",
    ]
    # Each step is taken with an action of the list, which records its date and refuses to go
    # back; the months and the payment were worked out when the death was recorded.
    STEPS = ["state", "claimed_on", "received_on", "settled_on", "created_at"]
    actions = ["mark_claimed", "mark_received", "mark_returned", "mark_reallocated"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.STEPS
        return ["payment", "unused_months", *self.STEPS]

    @admin.action(description=_("Mark claimed from BPJS"), permissions=["change"])
    def mark_claimed(self, request, queryset):
        self._advance(request, queryset, Refund.State.CLAIMED)

    @admin.action(description=_("Mark received"), permissions=["change"])
    def mark_received(self, request, queryset):
        self._advance(request, queryset, Refund.State.RECEIVED)

    @admin.action(description=_("Mark returned to the donor"), permissions=["change"])
    def mark_returned(self, request, queryset):
        self._advance(request, queryset, Refund.State.RETURNED)

    @admin.action(description=_("Mark reallocated (donor consented)"), permissions=["change"])
    def mark_reallocated(self, request, queryset):
        self._advance(request, queryset, Refund.State.REALLOCATED)

    def _advance(self, request, queryset, to):
        moved, skipped, refused = 0, 0, []
        rows = queryset.select_related(
            "payment__sponsorship__donor", "payment__sponsorship__recipient"
        )
        for refund in rows.order_by("pk"):
            try:
                if services.advance_refund(refund, to, by=request.user):
                    moved += 1
                else:
                    skipped += 1
            except RuleError as e:
                refused.append(f"{refund}: {e}")
        state = to.label
        report(
            self,
            request,
            moved
            and ngettext(
                "%(count)d refund marked “%(state)s”.",
                "%(count)d refunds marked “%(state)s”.",
                moved,
            )
            % {"count": moved, "state": state},
            skipped
            and ngettext(
                "%(count)d was already “%(state)s”.",
                "%(count)d were already “%(state)s”.",
                skipped,
            )
            % {"count": skipped, "state": state},
            refused,
        )

    @admin.display(description=_("sponsorship"))
    def sponsorship(self, obj):
        return str(obj.payment.sponsorship)

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, obj):
        return format_rupiah(obj.amount)


# --- situation updates ----------------------------------------------------------------------


class SituationUpdateForm(forms.ModelForm):
    class Meta:
        model = SituationUpdate
        fields = ["recipient", "kind", "happened_on", "message", "notes"]

    def clean(self):
        """What recording the update would refuse, said before anything is saved."""
        cleaned = super().clean()
        recipient, kind, day = (cleaned.get(f) for f in ("recipient", "kind", "happened_on"))
        if self.instance.pk is not None or kind != SituationUpdate.Kind.DECEASED:
            return cleaned
        if day and day > timezone.localdate():
            self.add_error("happened_on", _("The date of death cannot be in the future."))
        elif recipient and day:
            try:
                services.death_refunds(recipient, day)
            except rules.NoRateError as e:
                raise forms.ValidationError(
                    _(
                        "No premium rate covers %(month)s, so the refund cannot be worked out: "
                        "add one under Premium rates first."
                    ),
                    params={"month": month_label(e.month)},
                ) from None
        return cleaned


# Recorded here rather than in `recipients.admin`: recording an update changes sponsorships
# and refunds, which that app may not know about.
admin.site.unregister(SituationUpdate)


@admin.register(SituationUpdate)
class SituationUpdateWorkflowAdmin(SituationUpdateAdmin):
    """Staff fill in the form; saving a new update tells the donors and works out refunds."""

    form = SituationUpdateForm

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        # Acted on and told to the donors when it was recorded: only the notes change now.
        return [*readonly, "recipient", "kind", "happened_on", "message"]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change:
                return
            outcome = services.record_situation_update(obj, by=request.user)
        asked = len(outcome.asked)
        self.message_user(
            request,
            ngettext(
                "%(count)d donor was told and asked to decide.",
                "%(count)d donors were told and asked to decide.",
                asked,
            )
            % {"count": asked},
            messages.SUCCESS,
        )
        if outcome.refunds:
            refunds = len(outcome.refunds)
            self.message_user(
                request,
                ngettext(
                    "%(count)d refund of %(amount)s is owed by BPJS.",
                    "%(count)d refunds of %(amount)s in total are owed by BPJS.",
                    refunds,
                )
                % {"count": refunds, "amount": format_rupiah(outcome.refund_total)},
                messages.SUCCESS,
            )


# --- donor requests --------------------------------------------------------------------------


@admin.register(DonorRequest)
class DonorRequestWorkflowAdmin(DonorRequestAdmin):
    """The requests list with the actions that answer them, oldest open request first."""

    actions = ["carry_out_selected", "decline_selected"]

    @admin.action(description=_("Carry out the selected requests"), permissions=["change"])
    def carry_out_selected(self, request, queryset):
        done, skipped, refused = 0, 0, []
        rows = queryset.select_related(
            "sponsorship__donor", "sponsorship__recipient", "new_recipient"
        )
        for donor_request in rows.order_by("created_at", "pk"):
            if donor_request.status != DonorRequest.Status.OPEN:
                skipped += 1
                continue
            try:
                if services.carry_out_request(donor_request, by=request.user):
                    done += 1
                else:
                    skipped += 1
            except RuleError as e:
                refused.append(f"{donor_request}: {e}")
        report(
            self,
            request,
            done
            and ngettext(
                "%(count)d request carried out; the donor will be told.",
                "%(count)d requests carried out; the donors will be told.",
                done,
            )
            % {"count": done},
            skipped
            and ngettext(
                "%(count)d had already been handled and was left as it was.",
                "%(count)d had already been handled and were left as they were.",
                skipped,
            )
            % {"count": skipped},
            refused,
        )

    @admin.action(description=_("Decline the selected requests"), permissions=["change"])
    def decline_selected(self, request, queryset):
        if not queryset.filter(status=DonorRequest.Status.OPEN).exists():
            self.message_user(
                request, gettext("None of the selected requests is open."), messages.WARNING
            )
            return None
        reason, page = ask_for_reason(
            self,
            request,
            queryset,
            action="decline_selected",
            title=gettext("Decline the selected requests"),
            intro=gettext(
                "Each donor will be told that BCC cannot carry out their request, with the "
                "reason below. Requests already handled are left as they are."
            ),
            label=gettext("Reason (shown to the donor)"),
            submit=gettext("Decline them"),
        )
        if page is not None:
            return page
        declined, skipped = 0, 0
        for donor_request in queryset.order_by("created_at", "pk"):
            if services.decline_request(donor_request, by=request.user, reason=reason):
                declined += 1
            else:
                skipped += 1
        report(
            self,
            request,
            declined
            and ngettext(
                "%(count)d request declined; the donor will be told why.",
                "%(count)d requests declined; the donors will be told why.",
                declined,
            )
            % {"count": declined},
            skipped
            and ngettext(
                "%(count)d had already been handled and was left as it was.",
                "%(count)d had already been handled and were left as they were.",
                skipped,
            )
            % {"count": skipped},
            [],
        )
        return None


# --- what the insurance gives ----------------------------------------------------------------


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    """The benefits shown to donors and visitors, in both languages, in the order given."""

    list_display = ["title", "title_id", "order"]
    list_editable = ["order"]
    search_fields = ["title", "title_id", "text", "text_id"]
    fieldsets = [
        (_("English"), {"fields": ["title", "text"]}),
        (_("Bahasa Indonesia"), {"fields": ["title_id", "text_id"]}),
        (None, {"fields": ["order"]}),
    ]


# --- donors' personal data, and recipients paid for without a card ---------------------------
# Both need what only this app knows (payments, evidence files), so the donor and recipient
# admins of the lower apps get these from here.


class PaidNoCardFilter(CardFilter):
    awaiting_card = staticmethod(awaiting_card)


class RecipientWithPaymentsAdmin(RecipientWithSponsorshipsAdmin):
    list_filter = [
        PaidNoCardFilter if f is CardFilter else f
        for f in RecipientWithSponsorshipsAdmin.list_filter
    ]


admin.site.unregister(Recipient)
admin.site.register(Recipient, RecipientWithPaymentsAdmin)


class DonorWithPersonalDataAdmin(DonorAdmin):
    actions = ["export_personal_data", "erase_personal_data"]

    # --- personal data (premiums.privacy) ---

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
        confirmed = request.POST.get("post") == "yes"
        form = ErasureForm(request.POST if confirmed else None)
        if not (confirmed and form.is_valid()):
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Erase the donors' personal data"),
                "intro": gettext(
                    "The name, display name, email, phone and notes of these donors will be "
                    "replaced, they leave the public list, their private links are revoked, "
                    "their queued emails cancelled, the words of their requests removed and "
                    "their evidence files deleted. Sponsorships, payments and their amounts stay "
                    "for the accounts; a running sponsorship goes on until it lapses or is "
                    "stopped. This cannot be undone."
                ),
                "form": form,
                "queryset": queryset,
                "opts": self.model._meta,
                "action": "erase_personal_data",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "submit_label": gettext("Yes, erase their personal data"),
            }
            return TemplateResponse(request, "admin/reason_form.html", context)
        reason = form.cleaned_data["reason"]
        erased, skipped = 0, 0
        for donor in queryset.order_by("pk"):
            if privacy.erase_donor(donor, by=request.user, reason=reason):
                self.log_change(
                    request, donor, gettext("Personal data erased: %(reason)s") % {"reason": reason}
                )
                erased += 1
            else:
                skipped += 1
        if erased:
            self.message_user(
                request,
                ngettext(
                    "The personal data of %(count)d donor was erased.",
                    "The personal data of %(count)d donors was erased.",
                    erased,
                )
                % {"count": erased},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d donor had already been erased.",
                    "%(count)d donors had already been erased.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return None


class ErasureForm(forms.Form):
    """The reason for an erasure, asked on the confirmation page (admin/reason_form.html)."""

    reason = forms.CharField(
        label=_("The donor's request"),
        help_text=_(
            "When and how the donor asked, e.g. “email of 3 March 2026”. Kept in the history: "
            "do not write the donor's name here."
        ),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


admin.site.unregister(Donor)
admin.site.register(Donor, DonorWithPersonalDataAdmin)
