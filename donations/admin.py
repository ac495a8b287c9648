"""Staff pages for donors, their private links, sponsorships, requests and the message log.

Each model's admin is registered once, by the highest app that adds to it; nothing is
unregistered and registered again, so nothing depends on the order of INSTALLED_APPS. This app
may not import premiums, so four classes defined here are registered from `premiums.admin`,
in subclasses that add what only premiums knows:

- `SponsorshipAdmin` (`premiums.admin.sponsorships`): the payments, the price of the next
  payment, the evidence, the import, saving through the coverage workflow and the stop action;
- `DonorAdmin` (`premiums.admin.donors`): exporting and erasing a donor's personal data;
- `DonorRequestAdmin` (`premiums.admin.donor_requests`): the actions that carry out or
  decline the requests (a change of recipient opens a new sponsorship priced from the rate
  table);
- `RecipientWithSponsorshipsAdmin` (`premiums.admin.recipients`): the recipient pages of
  `recipients.admin` with the recipient's sponsorships and the "needs a sponsor" queue, to
  which premiums adds the "BPJS card" filter.

The card handovers (with sending their documentation to the donors), the private links and
the message log are registered here.
"""

import logging
from functools import partial

from django import forms
from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin import (
    EMPTY,
    HistoryAdmin,
    MonthField,
    ReadOnlyInline,
    ViewOnlyAdmin,
    YesNoFilter,
    act_on_each,
    month_column,
    whatsapp_link,
)
from core.importexport import CsvImportExportMixin
from core.months import month_name, month_start, months_between
from donations.mail import render_message
from donations.models import (
    DonorAccessToken,
    DonorRequest,
    Message,
    Sponsorship,
    needing_sponsor,
)
from donations.resources import ActiveDonorResource, DonorResource
from donations.rules import MINIMUM_MONTHS, RuleError, check_pledge_months
from donations.services import handover_sponsorships, send_handover_documentation
from donations.standing import COVERAGE_ENDING_DAYS, Standing
from recipients.admin import CardHandoverAdmin, RecipientAdmin, recipient_filters
from recipients.models import CardHandover

logger = logging.getLogger(__name__)

STANDING_LABELS = {
    Standing.NOT_STARTED: _("Not started yet"),
    Standing.COVERED: _("Covered"),
    Standing.AWAITING_VERIFICATION: _("Evidence awaiting verification"),
    Standing.DUE: _("Next payment due"),
    Standing.OVERDUE_1: _("One month overdue"),
    Standing.OVERDUE_2: _("Two months overdue"),
    Standing.LAPSED: _("Lapsed (three months without evidence)"),
}


def standing_label(sponsorship: Sponsorship, day=None) -> str:
    """Where a sponsorship stands today, in words; a dash once it has ended."""
    standing = sponsorship.standing_on(day)
    return STANDING_LABELS[standing] if standing else EMPTY


# --- sponsorships ----------------------------------------------------------------------------


class SponsorshipColumns:
    """Where a sponsorship stands, as its own list and the lists under a donor or recipient
    show it."""

    starts = month_column("first_month", _("first month"))
    paid_through = month_column("covered_through", _("paid through"))

    @admin.display(description=_("standing today"))
    def standing(self, obj):
        if obj is None or obj.pk is None:
            return EMPTY
        return standing_label(obj)


class SponsorshipSummaryInline(SponsorshipColumns, ReadOnlyInline):
    """A donor's or recipient's sponsorships at a glance; each one is edited on its own page."""

    model = Sponsorship

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("donor", "recipient")


class SponsorshipOnDonorInline(SponsorshipSummaryInline):
    fk_name = "donor"
    fields = ["recipient", "state", "starts", "months_pledged", "paid_through", "standing"]
    readonly_fields = fields


class SponsorshipOnRecipientInline(SponsorshipSummaryInline):
    fk_name = "recipient"
    fields = ["donor", "state", "starts", "months_pledged", "paid_through", "standing"]
    readonly_fields = fields


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
    first_month = MonthField(label=_("first month"))

    class Meta:
        model = Sponsorship
        fields = ["donor", "recipient", "route", "first_month", "months_pledged"]

    def clean_months_pledged(self):
        months = self.cleaned_data["months_pledged"]
        try:
            check_pledge_months(months)
        except RuleError:
            raise forms.ValidationError(
                _("The minimum is %(months)d months (one year)."), params={"months": MINIMUM_MONTHS}
            ) from None
        return months


def sponsorship_fieldsets(coverage=()) -> list:
    """The sections of a sponsorship's page; premiums adds the payments to "Coverage"."""
    return [
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
        (_("Coverage"), {"fields": [("paid_through", "standing", "lapses_on"), *coverage]}),
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


class SponsorshipAdmin(SponsorshipColumns, HistoryAdmin):
    """The sponsorship list and page. Registered by `premiums.admin.sponsorships`, which adds
    the payments, the next payment, the evidence, the import and the stop action."""

    form = SponsorshipForm
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
        "created_at",
        "activated_at",
        "decision_requested_at",
    ]
    fieldsets = sponsorship_fieldsets()

    # Who, for whom, from when and for how long are fixed once pledged: the payments, the
    # coverage and the lapse day were computed from them. A change is a new sponsorship.
    FIXED_AFTER_PLEDGE = ["donor", "recipient", "first_month", "months_pledged", "route"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [f for f in self.FIXED_AFTER_PLEDGE if f not in fields]
        return fields


# --- recipients: their sponsorships, and who is still waiting for one -----------------------


class NeedsSponsorFilter(YesNoFilter):
    """The people still waiting for a sponsor, as the public list shows them (a dashboard queue)."""

    title = _("needs a sponsor")
    parameter_name = "needs_sponsor"

    def condition(self):
        return Q(pk__in=needing_sponsor().values("pk"))


class RecipientWithSponsorshipsAdmin(RecipientAdmin):
    """The recipient pages with their sponsorships. Registered by `premiums.admin.recipients`,
    which adds the "BPJS card" filter."""

    inlines = [*RecipientAdmin.inlines, SponsorshipOnRecipientInline]
    queue_filters = [NeedsSponsorFilter]
    list_filter = recipient_filters(*queue_filters)


# --- card handovers: the documentation for the donors ----------------------------------------

# What sending the documentation says it did.
SENT = ngettext_lazy(
    "The documentation of %(count)d handover is on its way to the donor.",
    "The documentation of %(count)d handovers is on its way to the donors.",
    "count",
)
ALREADY_SENT = ngettext_lazy(
    "%(count)d handover's documentation had already been sent; not sent again.",
    "%(count)d handovers' documentation had already been sent; not sent again.",
    "count",
)


@admin.register(CardHandover)
class CardHandoverWithDocumentationAdmin(CardHandoverAdmin):
    """The handover pages, with "Send documentation to the donor" (which writes donor messages,
    so it is added here: the recipients app knows nothing of donors)."""

    actions = [*(CardHandoverAdmin.actions or ()), "send_documentation"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "documentation"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            return fields
        # "documentation" says when it was sent, or to whom it will go.
        return [*(f for f in fields if f != "documentation_sent_at"), "documentation"]

    @admin.display(description=_("documentation for the donor"))
    def documentation(self, obj):
        if obj is None or obj.pk is None:
            return EMPTY
        if obj.documentation_sent_at:
            return gettext("Sent on %(date)s") % {
                "date": date_format(
                    timezone.localtime(obj.documentation_sent_at), "DATETIME_FORMAT"
                )
            }
        names = ", ".join(s.donor.full_name for s in handover_sponsorships(obj))
        if not names:
            return gettext("Not sent: nobody sponsors this recipient.")
        return gettext(
            "Not sent yet. It goes by email, with the photos attached, to: %(names)s."
        ) % {"names": names}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Shown under the Save buttons (templates/admin/recipients/cardhandover/change_form.html).
        context["can_send_documentation"] = (
            obj is not None
            and obj.documentation_sent_at is None
            and self.has_change_permission(request, obj)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        # The button sits under the form: the photos just added are saved, then sent.
        if "_send_documentation" in request.POST:
            self._send(request, [obj])
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.action(description=_("Send documentation to the donor"), permissions=["change"])
    def send_documentation(self, request, queryset):
        self._send(request, queryset.select_related("card__recipient"))

    def _send(self, request, handovers):
        send = partial(send_handover_documentation, by=request.user)
        act_on_each(self, request, handovers, send, done=SENT, skipped=ALREADY_SENT)


# --- donors ----------------------------------------------------------------------------------


class AccessTokenInline(ReadOnlyInline):
    """The donor's private links: when made, expiry, revocation. Never the secret itself."""

    model = DonorAccessToken
    fields = ["created_at", "expires_at", "revoked_at"]
    readonly_fields = fields
    show_change_link = False


class DonorAdmin(CsvImportExportMixin, HistoryAdmin):
    """The donor list and page. Registered by `premiums.admin.donors`, which adds exporting and
    erasing a donor's personal data (their evidence files are premiums')."""

    list_display = [
        "full_name",
        "public_name",
        "email",
        "country",
        "language",
        "listed_publicly",
        "is_active",
        "sponsorship_count",
        "created_at",
    ]
    list_filter = [
        "listed_publicly",
        "language",
        "country",
        ("erased_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["full_name", "display_name", "email", "phone"]
    date_hierarchy = "created_at"
    readonly_fields = ["whatsapp", "message_history", "created_at", "erased_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "full_name",
                    ("display_name", "listed_publicly"),
                    "email",
                    ("phone", "whatsapp"),
                    ("country", "language"),
                    "notes",
                ]
            },
        ),
        (_("Record"), {"fields": ["message_history", ("created_at", "erased_at")]}),
    ]
    inlines = [SponsorshipOnDonorInline, AccessTokenInline]
    import_resource_classes = [DonorResource]
    # The active donors first: the list for reports; then the whole list, as filtered.
    export_resource_classes = [ActiveDonorResource, DonorResource]

    def get_queryset(self, request):
        live = Sponsorship.objects.live_on().filter(donor=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(is_live=Exists(live), sponsorships_count=Count("sponsorships"))
        )

    @admin.display(description=_("shown as"))
    def public_name(self, obj):
        return obj.public_name

    @admin.display(description=_("active today"), boolean=True, ordering="is_live")
    def is_active(self, obj):
        return obj.is_live

    @admin.display(description=_("sponsorships"), ordering="sponsorships_count")
    def sponsorship_count(self, obj):
        return obj.sponsorships_count

    @admin.display(description=_("WhatsApp"))
    def whatsapp(self, obj):
        if not obj or not obj.phone:
            return EMPTY
        with translation.override(obj.language):
            greeting = gettext("Hello %(name)s, this is Bali Caring Community.") % {
                "name": obj.full_name
            }
        return whatsapp_link(obj.phone, greeting)

    @admin.display(description=_("messages"))
    def message_history(self, obj):
        if not obj or not obj.pk:
            return EMPTY
        count = obj.messages.count()
        url = reverse("admin:donations_message_changelist") + f"?donor__id__exact={obj.pk}"
        label = ngettext("%(count)d message", "%(count)d messages", count) % {"count": count}
        return format_html('<a href="{}">{}</a>', url, label)


@admin.register(DonorAccessToken)
class DonorAccessTokenAdmin(ViewOnlyAdmin):
    """Read-only: a link is made by the "send me my link" page, and only its hash is stored."""

    fields = ["donor", "created_at", "expires_at", "revoked_at"]
    list_display = ["donor", "created_at", "expires_at", "revoked_at", "is_valid"]
    list_select_related = ["donor"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["donor__full_name", "donor__email"]
    date_hierarchy = "created_at"
    actions = ["revoke"]

    def has_revoke_permission(self, request):
        return request.user.has_perm("donations.change_donoraccesstoken")

    @admin.display(description=_("valid"), boolean=True)
    def is_valid(self, obj):
        return obj.revoked_at is None and (
            obj.expires_at is None or obj.expires_at > timezone.now()
        )

    @admin.action(description=_("Revoke the selected links"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d link revoked.", "%(count)d links revoked.", revoked)
            % {"count": revoked},
        )


# --- requests and messages -------------------------------------------------------------------


class AnswersUpdateFilter(YesNoFilter):
    """Requests that are the donor's decision after a situation update (made on their page)."""

    title = _("answers a situation update")
    parameter_name = "answers_update"

    def condition(self):
        return Q(situation_update__isnull=False)


class RequestStatusFilter(admin.SimpleListFilter):
    """Open requests are the work: the list shows them unless staff ask for the others."""

    title = _("status")
    # The name Django gives the plain status filter, so links made for that one still work.
    parameter_name = "status__exact"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*DonorRequest.Status.choices, (self.ALL, _("All"))]

    def value(self):
        return super().value() or DonorRequest.Status.OPEN

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


class DonorRequestAdmin(HistoryAdmin):
    """Requests are carried out or declined through the actions of the list, which
    `premiums.admin.donor_requests` adds when it registers them (a change of recipient opens a new
    sponsorship priced from the rate table); the status is never typed in."""

    list_display = [
        "created_at",
        "sponsorship",
        "kind",
        "new_recipient",
        "paid_months_left",
        "status",
        "handled_by",
        "handled_at",
    ]
    list_select_related = [
        "sponsorship__donor",
        "sponsorship__recipient",
        "new_recipient",
        "handled_by",
    ]
    list_filter = [RequestStatusFilter, AnswersUpdateFilter, "kind"]
    search_fields = [
        "sponsorship__donor__full_name",
        "sponsorship__donor__email",
        "sponsorship__recipient__nickname",
        "message",
    ]
    # Oldest first: the donor who has waited longest is answered first.
    ordering = ["created_at", "pk"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["sponsorship", "new_recipient"]
    fields = [
        "sponsorship",
        "paid_months_left",
        ("kind", "new_recipient"),
        "situation_update",
        "message",
        "status",
        ("handled_by", "handled_at"),
        "decline_reason",
        "created_at",
    ]
    HANDLED = [
        "situation_update",
        "paid_months_left",
        "status",
        "handled_by",
        "handled_at",
        "decline_reason",
        "created_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != DonorRequest.Status.OPEN:
            # A handled request is a record of what was done.
            return ["sponsorship", "kind", "new_recipient", "message", *self.HANDLED]
        return self.HANDLED

    @admin.display(description=_("paid months left"))
    def paid_months_left(self, obj):
        """What stopping or moving leaves the worker: the months already paid protect them to
        the end, and a new sponsorship of theirs starts after."""
        paid = obj.sponsorship.covered_through if obj and obj.sponsorship_id else None
        left = months_between(month_start(timezone.localdate()), paid) if paid else 0
        if left <= 0:
            return gettext("None after this month")
        return ngettext(
            "Paid through %(month)s: %(count)d more month protects the worker",
            "Paid through %(month)s: %(count)d more months protect the worker",
            left,
        ) % {"month": month_name(paid), "count": left}


SENT_AGAIN = ngettext_lazy(
    "%(count)d email will be sent at the next run.",
    "%(count)d emails will be sent at the next run.",
    "count",
)
ALREADY_DELIVERED = ngettext_lazy(
    "%(count)d email had already been delivered; left as it was.",
    "%(count)d emails had already been delivered; left as they were.",
    "count",
)


class StuckMessageFilter(YesNoFilter):
    """Emails the mail server has not taken after an hour of tries (a dashboard queue)."""

    title = _("not delivered yet")
    parameter_name = "stuck"

    def yes(self, queryset):
        return queryset.filter(pk__in=Message.objects.stuck().values("pk"))

    def no(self, queryset):
        return queryset.exclude(pk__in=Message.objects.stuck().values("pk"))


@admin.register(Message)
class MessageAdmin(ViewOnlyAdmin):
    """The log of emails to donors; written by the workflows, sent by `send_messages`."""

    list_display = ["created_at", "donor", "kind", "status", "attempts", "sent_at", "subject"]
    list_select_related = ["donor"]
    list_filter = [StuckMessageFilter, "status", "kind"]
    readonly_fields = ["rendered_email"]
    actions = ["send_again"]
    search_fields = ["donor__full_name", "donor__email", "subject"]
    date_hierarchy = "created_at"
    fields = [
        "donor",
        "sponsorship",
        "kind",
        "rendered_email",
        "context",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]

    @admin.display(description=_("the email"))
    def rendered_email(self, obj):
        """The email as the donor reads it, rendered by the code that sends it (in the donor's
        language), with a stand-in for the private link: a real one is made only to send."""
        with translation.override(obj.donor.language):
            link = gettext("[the donor's private link, made when the email is sent]")
        try:
            subject, text, _html = render_message(obj, link)
        except Exception:  # a message whose details no longer render: say so, show the rest
            logger.exception("Message %s does not render", obj.pk)
            return gettext("This email cannot be shown: its details no longer render.")
        return format_html(
            '<p><strong>{}</strong></p><pre class="rendered-email">{}</pre>', subject, text
        )

    @admin.action(description=_("Send again at the next run"), permissions=["view"])
    def send_again(self, request, queryset):
        act_on_each(
            self,
            request,
            queryset.select_related("donor"),
            lambda message: message.send_again(),
            done=SENT_AGAIN,
            skipped=ALREADY_DELIVERED,
        )
