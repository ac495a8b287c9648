"""Staff pages for donors, their private links, requests and the message log.

The sponsorship admin itself lives in `premiums.admin`: its change form shows payments and the
price of the next payment, and this app must not import premiums. What this module offers the
sponsorship pages (the standing labels) premiums imports from here.
"""

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from donations.models import Donor, DonorAccessToken, DonorRequest, Message, Sponsorship
from donations.rules import Standing
from recipients.admin import EMPTY, HistoryAdmin, RecipientAdmin, month_label, whatsapp_link
from recipients.models import Recipient

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


class RecipientWithSponsorshipsAdmin(RecipientAdmin):
    inlines = [*RecipientAdmin.inlines, SponsorshipOnRecipientInline]


# The recipients app may not know about sponsorships; the inline is added from here.
admin.site.unregister(Recipient)
admin.site.register(Recipient, RecipientWithSponsorshipsAdmin)


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
class DonorAdmin(HistoryAdmin):
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


@admin.register(DonorRequest)
class DonorRequestAdmin(HistoryAdmin):
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
    list_filter = ["status", "kind"]
    search_fields = [
        "sponsorship__donor__full_name",
        "sponsorship__donor__email",
        "sponsorship__recipient__nickname",
        "message",
    ]
    date_hierarchy = "created_at"
    autocomplete_fields = ["sponsorship", "new_recipient"]
    readonly_fields = ["created_at", "handled_by", "handled_at"]

    def save_model(self, request, obj, form, change):
        # Whoever closes the request is recorded as having handled it.
        if obj.status != DonorRequest.Status.OPEN and not obj.handled_at:
            obj.handled_by, obj.handled_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)


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
