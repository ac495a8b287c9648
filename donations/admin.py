"""Staff pages for donors, their private links, requests and the message log.

The sponsorship admin itself lives in `premiums.admin`: its change form shows payments and the
price of the next payment, and this app must not import premiums. What this module offers the
sponsorship pages (the standing labels) premiums imports from here. Likewise the requests admin
defined here is registered there, with the actions that carry requests out (a change of
recipient opens a new sponsorship priced from the rate table).
"""

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.importexport import CsvImportExportMixin
from donations.models import (
    Donor,
    DonorAccessToken,
    DonorRequest,
    Message,
    Sponsorship,
    needing_sponsor,
)
from donations.resources import ActiveDonorResource, DonorResource
from donations.services import (
    DocumentationError,
    handover_sponsorships,
    send_handover_documentation,
)
from donations.standing import Standing
from recipients.admin import (
    EMPTY,
    CardHandoverAdmin,
    HistoryAdmin,
    NeedsSponsorFilter,
    RecipientAdmin,
    month_label,
    whatsapp_link,
)
from recipients.models import CardHandover, Recipient

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


# --- sponsorships shown on a donor and on a recipient ----------------------------------------


class SponsorshipSummaryInline(admin.TabularInline):
    """A donor's or recipient's sponsorships at a glance; each one is edited on its own page."""

    model = Sponsorship
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("donor", "recipient")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("first month"))
    def starts(self, obj):
        return month_label(obj.first_month)

    @admin.display(description=_("paid through"))
    def paid_through(self, obj):
        return month_label(obj.covered_through)

    @admin.display(description=_("standing today"))
    def standing(self, obj):
        return standing_label(obj)


class SponsorshipOnDonorInline(SponsorshipSummaryInline):
    fk_name = "donor"
    fields = ["recipient", "state", "starts", "months_pledged", "paid_through", "standing"]
    readonly_fields = fields


class SponsorshipOnRecipientInline(SponsorshipSummaryInline):
    fk_name = "recipient"
    fields = ["donor", "state", "starts", "months_pledged", "paid_through", "standing"]
    readonly_fields = fields


class WaitingFilter(NeedsSponsorFilter):
    needing_sponsor = staticmethod(needing_sponsor)


class RecipientWithSponsorshipsAdmin(RecipientAdmin):
    inlines = [*RecipientAdmin.inlines, SponsorshipOnRecipientInline]
    list_filter = [
        WaitingFilter if f is NeedsSponsorFilter else f for f in RecipientAdmin.list_filter
    ]


# The recipients app may not know about sponsorships; the inline is added from here.
admin.site.unregister(Recipient)
admin.site.register(Recipient, RecipientWithSponsorshipsAdmin)


# --- card handovers: the documentation for the donors ----------------------------------------


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
        sent, skipped = 0, 0
        for handover in handovers:
            try:
                if send_handover_documentation(handover, by=request.user):
                    sent += 1
                else:
                    skipped += 1
            except DocumentationError as e:
                self.message_user(request, f"{handover}: {e}", messages.ERROR)
        if sent:
            self.message_user(
                request,
                ngettext(
                    "The documentation of %(count)d handover is on its way to the donor.",
                    "The documentation of %(count)d handovers is on its way to the donors.",
                    sent,
                )
                % {"count": sent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d handover's documentation had already been sent; not sent again.",
                    "%(count)d handovers' documentation had already been sent; not sent again.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


admin.site.unregister(CardHandover)
admin.site.register(CardHandover, CardHandoverWithDocumentationAdmin)


# --- donors ----------------------------------------------------------------------------------


class AccessTokenInline(admin.TabularInline):
    """The donor's private links: when made, expiry, revocation. Never the secret itself."""

    model = DonorAccessToken
    fields = ["created_at", "expires_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Donor)
class DonorAdmin(CsvImportExportMixin, HistoryAdmin):
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
class DonorAccessTokenAdmin(admin.ModelAdmin):
    """Read-only: a link is made by the "send me my link" page, and only its hash is stored."""

    fields = ["donor", "created_at", "expires_at", "revoked_at"]
    list_display = ["donor", "created_at", "expires_at", "revoked_at", "is_valid"]
    list_select_related = ["donor"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["donor__full_name", "donor__email"]
    date_hierarchy = "created_at"
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
    """Requests are carried out or declined through the actions of the list (registered with
    them in `premiums.admin`, where the pricing of a new sponsorship lives); the status is
    never typed in."""

    list_display = [
        "created_at",
        "sponsorship",
        "kind",
        "new_recipient",
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
    list_filter = [RequestStatusFilter, "kind"]
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
        ("kind", "new_recipient"),
        "message",
        "status",
        ("handled_by", "handled_at"),
        "decline_reason",
        "created_at",
    ]
    HANDLED = ["status", "handled_by", "handled_at", "decline_reason", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != DonorRequest.Status.OPEN:
            # A handled request is a record of what was done.
            return ["sponsorship", "kind", "new_recipient", "message", *self.HANDLED]
        return self.HANDLED


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The log of emails to donors; written by the workflows, sent by `send_messages`."""

    list_display = ["created_at", "donor", "kind", "status", "attempts", "sent_at", "subject"]
    list_select_related = ["donor"]
    list_filter = ["status", "kind"]
    search_fields = ["donor__full_name", "donor__email", "subject"]
    date_hierarchy = "created_at"
    fields = [
        "donor",
        "sponsorship",
        "kind",
        "subject",
        "context",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
