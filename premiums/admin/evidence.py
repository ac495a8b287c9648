"""Evidence of payment: the receipts donors upload (or staff record), verified or rejected here.

Verifying, rejecting and reinstating go through `premiums.services`, which keep the coverage,
the lapse day and the donor's messages consistent.
"""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core import uploads
from core.admin import (
    PRIVATE_FILE_OVERRIDES,
    HistoryAdmin,
    ReadOnlyInline,
    ReasonPage,
    YesNoFilter,
    act_on_each,
    period_label,
)
from donations import standing
from donations.models import Sponsorship
from donations.rules import RuleError
from premiums import rules, services
from premiums.models import PaymentEvidence, PremiumPayment


def file_summary(evidence: PaymentEvidence) -> str:
    return f"{evidence.content_type}, {filesizeformat(evidence.size)}, {evidence.sha256[:12]}…"


def is_pending(evidence: PaymentEvidence) -> bool:
    return evidence.status == PaymentEvidence.Status.PENDING


# What the bulk actions say they did.
VERIFIED = ngettext_lazy(
    "%(count)d piece of evidence verified.",
    "%(count)d pieces of evidence verified.",
    "count",
)
REJECTED = ngettext_lazy(
    "%(count)d piece of evidence rejected; the donor will be told why.",
    "%(count)d pieces of evidence rejected; the donors will be told why.",
    "count",
)
REINSTATED = ngettext_lazy(
    "%(count)d sponsorship reinstated and its evidence verified.",
    "%(count)d sponsorships reinstated and their evidence verified.",
    "count",
)
ALREADY_REVIEWED = ngettext_lazy(
    "%(count)d was already reviewed and left as it was.",
    "%(count)d were already reviewed and left as they were.",
    "count",
)


class EvidenceOnPaymentInline(ReadOnlyInline):
    """The payment's evidence; each piece is verified or rejected on its own page."""

    model = PaymentEvidence
    fk_name = "payment"
    fields = ["received_at", "status", "file_info", "duplicate", "reviewed_at", "reviewed_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewed_by")

    @admin.display(description=_("file"))
    def file_info(self, obj):
        return file_summary(obj)

    @admin.display(description=_("duplicate"), boolean=True)
    def duplicate(self, obj):
        return obj.duplicate_of_id is not None


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


class DuplicateFilter(YesNoFilter):
    title = _("same file as other evidence")
    parameter_name = "duplicate"

    def condition(self):
        return Q(duplicate_of__isnull=False)


class LapsedSponsorshipFilter(YesNoFilter):
    """Evidence that came too late: its sponsorship lapsed, recorded or by the calendar.

    Staff decide whether to reinstate the sponsorship before verifying such evidence.
    """

    title = _("sponsorship lapsed")
    parameter_name = "sponsorship_lapsed"
    labels = (_("Yes (late evidence)"), _("No"))

    def condition(self):
        return standing.lapsed(timezone.localdate(), prefix="payment__sponsorship__")


@admin.register(PaymentEvidence)
class PaymentEvidenceAdmin(HistoryAdmin):
    form = EvidenceForm
    list_display = [
        "received_at",
        "thumbnail",
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

    # What a stored piece of evidence shows; only its status and the reason may change.
    RECEIVED = ["payment", "file_info", "duplicate_info", "received_at", "uploaded_by"]
    REVIEWED = ["reviewed_at", "reviewed_by"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["payment", "file"]
        return [*self.RECEIVED, "status", "rejection_reason", *self.REVIEWED]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The form writes the new status onto the object before it is saved; a form sent
            # back with errors must still show the fields of the stored status.
            obj.stored_status = obj.status
        return obj

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Staff who may review (others still get the admin's refusal).
        may_review = super().has_change_permission(request)
        if request.method == "POST" and object_id and may_review:
            stored = PaymentEvidence.objects.filter(pk=object_id).select_related("reviewed_by")
            stored = stored.first()
            if stored is not None and stored.status != PaymentEvidence.Status.PENDING:
                # The form was opened while pending and a colleague reviewed it since: tell,
                # rather than refuse with a bare "403 Forbidden".
                self._tell_already_reviewed(request, stored)
                return HttpResponseRedirect(request.path)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _tell_already_reviewed(self, request, evidence):
        self.message_user(
            request,
            gettext("Already reviewed as “%(status)s” by %(who)s; left as it was.")
            % {
                "status": evidence.get_status_display(),
                "who": evidence.reviewed_by or gettext("a colleague"),
            },
            messages.WARNING,
        )

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
        return [*self.RECEIVED, *self.REVIEWED]

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
    def thumbnail(self, obj):
        """A picture of an image receipt (a PDF is named), opening the file in a new tab."""
        url = reverse("premiums:staff_evidence_file", args=[obj.pk])
        if not obj.content_type.startswith("image/"):
            return format_html('<a href="{}" target="_blank" rel="noopener">PDF</a>', url)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener" class="private-thumbnail">'
            '<img src="{}" alt="{}" width="48" loading="lazy"></a>',
            url,
            url,
            gettext("Open the file"),
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
            reviewed = review(obj, **kwargs)
        except RuleError as e:
            # Someone changed the payments between the form check and now: nothing changed,
            # so neither a success message nor a log entry.
            obj.refresh_from_db()
            request._review_lost = True
            self.message_user(request, str(e), messages.ERROR)
            return
        if reviewed is False:
            # A colleague reviewed it first (the service locked the row and found it done):
            # say so, and neither claim a change nor log one.
            obj.refresh_from_db()
            request._review_lost = True
            self._tell_already_reviewed(request, obj)

    def log_change(self, request, obj, message):
        if getattr(request, "_review_lost", False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(request, "_review_lost", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.action(description=_("Verify the selected evidence"), permissions=["change"])
    def verify_selected(self, request, queryset):
        """Verify pending evidence, oldest period first so that renewals follow in order."""
        self._review_pending(request, queryset, services.verify_evidence, VERIFIED)

    @admin.action(
        description=_("Reject the selected evidence, with a reason"), permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        """Reject pending evidence with one reason, which each donor reads in their email."""
        queryset = queryset.select_related(
            "payment__sponsorship__donor", "payment__sponsorship__recipient"
        ).order_by("received_at", "pk")
        ask = ReasonPage(
            action="reject_selected",
            title=gettext("Reject the selected evidence"),
            intro=gettext(
                "This evidence will be rejected and each donor will be told why. Evidence already "
                "verified or rejected is left as it is."
            ),
            help_text=gettext("For example: “the receipt is unreadable” or “another person’s”."),
            submit=gettext("Reject"),
        )
        reject = partial(services.reject_evidence, by=request.user)
        return act_on_each(
            self, request, queryset, reject, ask=ask, done=REJECTED, skipped=ALREADY_REVIEWED
        )

    @admin.action(description=_("Reinstate the sponsorship and verify"), permissions=["change"])
    def reinstate_selected(self, request, queryset):
        """Evidence that came after the lapse: the sponsorship runs again, the payment counts.

        Declining is rejecting the evidence on its own page, with a reason the donor sees.
        """
        self._review_pending(request, queryset, services.reinstate, REINSTATED)

    def _review_pending(self, request, queryset, review, done):
        """`review` each pending piece, oldest period first so that renewals follow in order;
        evidence already reviewed is left as it was."""
        rows = queryset.select_related("payment__sponsorship").order_by(
            "payment__first_month", "received_at", "pk"
        )
        review = partial(review, by=request.user)
        act_on_each(
            self, request, rows, review, when=is_pending, done=done, skipped=ALREADY_REVIEWED
        )
