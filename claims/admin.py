"""Claims in the admin: open one, tick its documents, take it step by step to BPJS's decision.

Volunteers record claims and tick documents; only coordinators (claims.view_claim_scans,
claims.mark_claim_paid) see the scans and mark a claim paid to the family. Every step goes
through `claims.services`, which keeps the order of the steps and tells the donors.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from claims import services
from claims.models import Claim, ClaimDocument, countdown
from core import uploads
from core.admin import PRIVATE_FILE_OVERRIDES, HistoryAdmin, YesNoFilter
from core.errors import RuleError
from core.templatetags.rupiah import format_rupiah


def may_see_scans(request) -> bool:
    return request.user.has_perm("claims.view_claim_scans")


class DocumentForm(forms.ModelForm):
    class Meta:
        model = ClaimDocument
        fields = ["kind", "note", "received", "received_on", "scan"]

    def clean_scan(self):
        upload = self.cleaned_data.get("scan")
        self.clean_upload, self.remove_scan = None, upload is False and bool(self.instance.scan)
        if isinstance(upload, UploadedFile):
            # Judged by its content like payment evidence; images re-encoded without metadata.
            self.clean_upload = uploads.clean_evidence(upload)
        # Stored or removed by the service (the file with the row), never as uploaded here.
        return self.instance.scan


class DocumentInline(admin.TabularInline):
    model = ClaimDocument
    form = DocumentForm
    extra = 0
    can_delete = False
    # A scan has no public address: the widget names it, the "stored scan" column links it.
    formfield_overrides = PRIVATE_FILE_OVERRIDES

    def get_fields(self, request, obj=None):
        fields = ["kind", "note", "received", "received_on"]
        if may_see_scans(request):
            fields += ["scan_link", "scan"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return ["scan_link"] if may_see_scans(request) else []

    @admin.display(description=_("stored scan"))
    def scan_link(self, obj):
        if not (obj and obj.pk and obj.scan):
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("claims:scan", args=[obj.pk]),
            gettext("Open the scan"),
        )


class ClaimForm(forms.ModelForm):
    """The claim, and the next step to record (with its date, amount or reason)."""

    step = forms.ChoiceField(label=_("record the next step"), required=False)
    step_on = forms.DateField(
        label=_("date of the step"),
        required=False,
        help_text=_("Today if left empty."),
        widget=admin.widgets.AdminDateWidget,
    )
    amount = forms.IntegerField(
        label=_("amount paid to the family (Rupiah)"), required=False, min_value=1
    )
    reason = forms.CharField(
        label=_("reason for the refusal"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Claim
        fields = [
            "recipient",
            "kind",
            "happened_on",
            "accident_at",
            "place",
            "what_happened",
            "clinic",
            "death_cause",
            "spouse_is_heir",
            "children",
            "family_consent",
            "notes",
        ]

    def __init__(self, *args, may_pay=False, **kwargs):
        super().__init__(*args, **kwargs)
        if "happened_on" in self.fields:
            self.fields["happened_on"].required = False
        state = self.instance.state if self.instance.pk else None
        choices = [("", "—")]
        if state is not None:
            choices += [
                (value, label)
                for value, label in Claim.State.choices
                if services.ORDER[value] > services.ORDER[state]
                and (may_pay or value != Claim.State.PAID)
                and state != Claim.State.REFUSED
            ]
        self.fields["step"].choices = choices
        if not may_pay:
            del self.fields["amount"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind") or self.instance.kind
        if kind == Claim.Kind.ACCIDENT:
            for name in ("accident_at", "place", "what_happened"):
                if name in self.fields and not cleaned.get(name):
                    self.add_error(name, _("A work accident needs this."))
            if cleaned.get("accident_at"):
                cleaned["happened_on"] = timezone.localdate(cleaned["accident_at"])
                self.instance.happened_on = cleaned["happened_on"]
        elif "happened_on" in self.fields and not cleaned.get("happened_on"):
            self.add_error("happened_on", _("Give the day of the event."))
        if kind == Claim.Kind.DEATH and not cleaned.get("death_cause"):
            self.add_error("death_cause", _("A death claim needs the cause."))
        if kind == Claim.Kind.SCHOLARSHIP and not cleaned.get("children"):
            self.add_error("children", _("How many children (one or two)?"))
        step = cleaned.get("step")
        if step == Claim.State.PAID and not cleaned.get("amount"):
            self.add_error("amount", _("Give the amount BPJS paid to the family, in Rupiah."))
        if step == Claim.State.REFUSED and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason BPJS gave for the refusal."))
        return cleaned


class StateFilter(admin.SimpleListFilter):
    title = _("open or closed")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("past_deadline", _("Past the report deadline"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.open()
        if self.value() == "past_deadline":
            return queryset.past_deadline()
        return queryset


class CoveredFilter(YesNoFilter):
    """Claims on a day the worker's paid months include, as the payments stand now."""

    title = _("covered that day")
    parameter_name = "covered"

    def condition(self):
        return Q(covered=True)


@admin.register(Claim)
class ClaimAdmin(HistoryAdmin):
    form = ClaimForm
    inlines = [DocumentInline]
    list_display = [
        "recipient",
        "kind",
        "happened_on",
        "state",
        "covered_flag",
        "deadline",
        "paid",
    ]
    list_select_related = ["recipient"]
    list_filter = [StateFilter, "kind", "state", CoveredFilter]
    search_fields = ["recipient__nickname", "recipient__full_name", "place", "clinic"]
    date_hierarchy = "happened_on"
    autocomplete_fields = ["recipient"]

    def get_queryset(self, request):
        # The list and the claim's page show coverage as the payments stand now.
        return super().get_queryset(request).with_coverage()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        may_pay = request.user.has_perm("claims.mark_claim_paid")

        class WithRole(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, may_pay=may_pay, **kw)

        return WithRole

    def get_fieldsets(self, request, obj=None):
        what = ["recipient", "kind"] if obj is None else []
        by_kind = {
            Claim.Kind.ACCIDENT: (
                _("Work accident"),
                {"fields": ["accident_at", "place", "what_happened", "clinic"]},
            ),
            Claim.Kind.DEATH: (_("Death"), {"fields": ["death_cause", "spouse_is_heir"]}),
            Claim.Kind.SCHOLARSHIP: (_("Scholarship"), {"fields": ["children"]}),
        }
        # The day of an accident is the day of its date and time: asked once, not twice.
        day = [] if obj is not None and obj.kind == Claim.Kind.ACCIDENT else ["happened_on"]
        fieldsets = [(None, {"fields": [*what, *day, "family_consent", "notes"]})]
        # A new claim shows the questions of every kind; a recorded one, those of its own.
        fieldsets += [by_kind[obj.kind]] if obj is not None else list(by_kind.values())
        if obj is not None:
            fieldsets.insert(
                0,
                (
                    _("Where the claim stands"),
                    {
                        "fields": [
                            "recipient",
                            "kind",
                            "state",
                            "covered_info",
                            "deadline",
                            "steps",
                            "death_record",
                        ]
                    },
                ),
            )
            step_fields = ["step", "step_on", "reason"]
            if request.user.has_perm("claims.mark_claim_paid"):
                step_fields.insert(2, "amount")
            if obj.is_open:
                fieldsets.append((_("Next step"), {"fields": step_fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["recipient", "kind", "state", "covered_info", "deadline", "steps", "death_record"]

    @admin.display(description=_("covered that day"), boolean=True, ordering="covered")
    def covered_flag(self, obj):
        return obj.covered

    @admin.display(description=_("worker covered on that day"))
    def covered_info(self, obj):
        if obj.covered:
            return gettext("Yes: the worker's paid months include that day.")
        return format_html(
            '<strong class="errornote">{}</strong>',
            gettext(
                "No: no paid month covers that day. BPJS will refuse this claim; check the "
                "payments before going to BPJS."
            ),
        )

    @admin.display(description=_("report deadline"), ordering="deadline_at")
    def deadline(self, obj):
        text = countdown(obj)
        if obj.deadline_at is None:
            return text or "—"
        when = timezone.localtime(obj.deadline_at).strftime("%Y-%m-%d %H:%M")
        if obj.is_past_deadline() or obj.reported_late():
            return format_html('<strong class="errornote">{} WITA — {}</strong>', when, text)
        return f"{when} WITA" + (f" — {text}" if text else "")

    @admin.display(description=_("paid"))
    def paid(self, obj):
        return format_rupiah(obj.amount_paid) if obj.amount_paid else "—"

    @admin.display(description=_("steps"))
    def steps(self, obj):
        rows = []
        for state, field in services.STEP_DATES.items():
            value = getattr(obj, field)
            refused = obj.state == Claim.State.REFUSED
            if value is None or (state == Claim.State.REFUSED) != refused:
                continue
            if isinstance(value, dt.datetime):
                value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            rows.append(f"{state.label}: {value}")
        if obj.amount_paid:
            rows.append(f"{gettext('Amount paid')}: {format_rupiah(obj.amount_paid)}")
        if obj.refusal_reason:
            rows.append(f"{gettext('Reason')}: {obj.refusal_reason}")
        return format_html("<br>".join(["{}"] * len(rows)), *rows) if rows else "—"

    @admin.display(description=_("death and refund"))
    def death_record(self, obj):
        if obj.situation_update_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?q={}">{}</a>',
            reverse("admin:recipients_situationupdate_change", args=[obj.situation_update_id]),
            gettext("The situation update"),
            reverse("admin:premiums_refund_changelist"),
            obj.recipient.nickname,
            gettext("The refunds of unused months"),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            services.open_claim(obj, by=request.user)
            return
        super().save_model(request, obj, form, change)
        step = form.cleaned_data.get("step")
        if step:
            if step == Claim.State.PAID and not request.user.has_perm("claims.mark_claim_paid"):
                self.message_user(
                    request, gettext("Only a coordinator marks a claim paid."), messages.ERROR
                )
                return
            try:
                services.advance(
                    obj,
                    step,
                    by=request.user,
                    on=form.cleaned_data.get("step_on"),
                    amount=form.cleaned_data.get("amount"),
                    reason=form.cleaned_data.get("reason") or "",
                )
            except RuleError as e:
                self.message_user(request, str(e), messages.ERROR)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ClaimDocument:
            return super().save_formset(request, form, formset, change)
        for document in formset.save(commit=False):
            if document.received and not document.received_on:
                document.received_on = timezone.localdate()
            document.save()
        for subform in formset.forms:
            clean_upload = getattr(subform, "clean_upload", None)
            if clean_upload is not None and subform.instance.pk:
                services.attach_scan(subform.instance, clean_upload, by=request.user)
            elif getattr(subform, "remove_scan", False) and subform.instance.pk:
                services.remove_scan(subform.instance, by=request.user)
        formset.save_m2m()

    def delete_model(self, request, obj):
        services.delete_claim(obj)

    def delete_queryset(self, request, queryset):
        for claim in queryset:
            services.delete_claim(claim)
