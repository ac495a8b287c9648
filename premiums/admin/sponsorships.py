"""The sponsorship pages, registered here with what only premiums knows: the payments, the
price of the next payment, the evidence, the import, saving through the coverage workflow and
the stop action.

The list, the filters, the form and the columns are `donations.admin.SponsorshipAdmin`, which
this module extends and registers (the one registration of Sponsorship), because donations may
not import premiums.
"""

from functools import partial

from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin import EMPTY, ReasonPage, act_on_each, month_label, period_label
from core.importexport import CsvImportMixin
from core.templatetags.rupiah import format_rupiah
from donations.admin import SponsorshipAdmin, sponsorship_fieldsets
from donations.models import Sponsorship
from donations.reminders import cancel_pledge
from premiums import services
from premiums.admin.evidence import file_summary
from premiums.admin.payments import PaymentOnSponsorshipInline
from premiums.models import PaymentEvidence
from premiums.resources import SponsorshipResource

CANCELLED = ngettext_lazy(
    "%(count)d unpaid pledge cancelled; the donor will be told.",
    "%(count)d unpaid pledges cancelled; the donors will be told.",
    "count",
)
NOT_UNPAID = ngettext_lazy(
    "%(count)d was paid or had already ended, and was left as it was.",
    "%(count)d were paid or had already ended, and were left as they were.",
    "count",
)

# What the stop action says it did.
STOPPED = ngettext_lazy(
    "%(count)d sponsorship stopped; the donor will be told.",
    "%(count)d sponsorships stopped; the donors will be told.",
    "count",
)
ALREADY_ENDED = ngettext_lazy(
    "%(count)d had already ended and was left as it was.",
    "%(count)d had already ended and were left as they were.",
    "count",
)


@admin.register(Sponsorship)
class SponsorshipWithPaymentsAdmin(CsvImportMixin, SponsorshipAdmin):
    import_resource_classes = [SponsorshipResource]
    actions = ["stop_selected", "cancel_unpaid_pledges"]
    readonly_fields = [*SponsorshipAdmin.readonly_fields, "next_payment_due", "evidence_table"]
    fieldsets = sponsorship_fieldsets(coverage=["next_payment_due", "evidence_table"])
    inlines = [PaymentOnSponsorshipInline]

    def save_model(self, request, obj, form, change):
        # A sponsorship recorded by staff gets its lapse day like any pledge.
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            services.refresh_coverage(obj)

    @admin.action(description=_("Stop the selected sponsorships"), permissions=["change"])
    def stop_selected(self, request, queryset):
        """Stop sponsorships the donor asked BCC to stop (by phone, WhatsApp or email)."""
        stop = partial(services.stop, by=request.user)
        running = queryset.filter(state__in=Sponsorship.HOLDING_STATES)
        ask = ReasonPage(
            action="stop_selected",
            intro=gettext(
                "These sponsorships will stop and each donor will be told. A sponsorship that "
                "has already ended is left as it is."
            ),
            label=gettext("Reason for stopping"),
            help_text=gettext("Kept with the sponsorship, e.g. “the donor asked by WhatsApp”."),
            submit=gettext("Stop them"),
        )
        return act_on_each(
            self,
            request,
            queryset,
            stop,
            rows=queryset.select_related("donor", "recipient").order_by("pk"),
            if_none=(running, gettext("None of the selected sponsorships is running.")),
            ask=ask,
            done=STOPPED,
            skipped=ALREADY_ENDED,
        )

    @admin.action(description=_("Cancel the selected unpaid pledges"), permissions=["change"])
    def cancel_unpaid_pledges(self, request, queryset):
        """In one step: a pledge nobody paid (a mistake, a test, a name typed in jest) ends,
        its donor is told, and the person is listed again."""
        return act_on_each(
            self,
            request,
            queryset,
            partial(cancel_pledge, by=request.user),
            rows=queryset.select_related("donor", "recipient").order_by("pk"),
            done=CANCELLED,
            skipped=NOT_UNPAID,
        )

    @admin.display(description=_("next payment"))
    def next_payment_due(self, obj):
        if obj is None or obj.pk is None:
            return EMPTY
        start, months, amount, recorded = services.next_payment(obj)
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
