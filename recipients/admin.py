"""Staff pages for recipients, their BPJS cards, card handovers and situation updates.

This app imports neither donations nor premiums, yet their admin adds to three of the pages
defined here. Each of those is registered once, by the highest app that adds to it, from a
subclass of the class defined here; nothing is unregistered and registered again, so nothing
depends on the order of INSTALLED_APPS:

- `RecipientAdmin`: donations adds the sponsorships and the "needs a sponsor" filter,
  premiums the "BPJS card" filter (whose "awaiting" choice reads payments) and registers it;
- `CardHandoverAdmin`: donations adds sending the documentation to the donors, and registers it;
- `SituationUpdateAdmin`: premiums records an update through the workflow that tells the
  donors and works out refunds, and registers it.

Cards and handover photos are registered here. The helpers that the admin modules of all the
apps share are in `core.admin`.
"""

import dataclasses

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Count
from django.db.models.constants import LOOKUP_SEP
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import uploads
from core.admin import (
    EMPTY,
    PRIVATE_FILE_OVERRIDES,
    HistoryAdmin,
    PrivateFileWidget,
    PrivateImagesAdmin,
    ReadableChanges,
    YesNoFilter,
    private_image_preview,
    private_thumbnail,
    whatsapp_link,
)
from core.importexport import CsvImportExportMixin
from core.months import add_months, month_start
from recipients.models import BpjsCard, HandoverPhoto, Recipient
from recipients.resources import (
    RecipientImportResource,
    RecipientResource,
    RecipientWithoutPrivateDataResource,
)

# --- recipients ------------------------------------------------------------------------------


def mask_nik(nik: str) -> str:
    """The region and serial digits only: enough to tell people apart in a list."""
    if not nik:
        return EMPTY
    if len(nik) <= 8:
        return "•" * len(nik)
    return f"{nik[:4]}{'•' * (len(nik) - 8)}{nik[-4:]}"


class BpjsCardForm(forms.ModelForm):
    """The card as staff copy it from the paper: spaces, dots and dashes are ignored."""

    # Longer than the 11 digits, so that "2407 1403 791" reaches clean_participant_number.
    participant_number = forms.CharField(
        label=BpjsCard._meta.get_field("participant_number").verbose_name, max_length=20
    )

    class Meta:
        model = BpjsCard
        fields = ["recipient", "participant_number", "issued_on"]

    def clean_participant_number(self):
        number = self.cleaned_data["participant_number"]
        # The model's validator then says "11 digits" for anything else that is left.
        return "".join(number.split()).replace(".", "").replace("-", "")

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if issued_on and issued_on > timezone.localdate():
            raise forms.ValidationError(_("The issue date cannot be in the future."))
        return issued_on


class BpjsCardInline(admin.StackedInline):
    model = BpjsCard
    form = BpjsCardForm
    fields = ["participant_number", "issued_on", "recorded_by"]
    readonly_fields = ["recorded_by"]
    can_delete = False
    max_num = 1
    extra = 0
    show_change_link = True


def recipient_filters(*queues) -> list:
    """The filters of the recipient list, with the dashboard's work queues after the status.

    The queues ("needs a sponsor", "paid, awaiting a card") read sponsorships and payments,
    which only the apps above know: each adds its own, in its subclass of `RecipientAdmin`.
    """
    return ["status", *queues, "occupation", "regency", "photo_consent", "sex"]


def without_fields(fieldsets, hidden) -> list:
    """`fieldsets` without the fields named in `hidden`, and without the sets left empty."""
    kept_sets = []
    for name, options in fieldsets:
        fields = []
        for entry in options["fields"]:
            if isinstance(entry, list | tuple):
                kept = tuple(f for f in entry if f not in hidden)
                if kept:
                    fields.append(kept if len(kept) > 1 else kept[0])
            elif entry not in hidden:
                fields.append(entry)
        if fields:
            kept_sets.append((name, {**options, "fields": fields}))
    return kept_sets


class ChangesWithoutPrivateData(ReadableChanges):
    """The history's list of changes, without the old and new values of private fields."""

    def context_for_delta_changes(self, delta):
        public = [c for c in delta.changes if c.field not in Recipient.PRIVATE_FIELDS]
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=public))


class FindByNumberForm(forms.Form):
    number = forms.RegexField(
        label=_("NIK or KK number"),
        regex=r"\A[0-9]{16}\Z",
        error_messages={"invalid": _("Enter exactly 16 digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class RecipientAdmin(PrivateImagesAdmin, CsvImportExportMixin, HistoryAdmin):
    """Staff without recipients.view_private_data (volunteers) never see the NIK, KK, date of
    birth, village, address or phone: not as fields, columns, search or filter, in the history
    or in an export. Nor what is derived from them: the masked NIK, the NIK check (it tells
    the date of birth) and the WhatsApp link (it holds the phone number)."""

    list_display = [
        "photo_thumbnail",
        "nickname",
        "full_name",
        "masked_nik",
        "nik_looks_right",
        "occupation",
        "regency",
        "status",
        "under_60",
        "waiting_since",
    ]
    # The name opens the row; the picture opens the photo itself.
    list_display_links = ["nickname"]
    list_filter = recipient_filters()
    # Not NIK or KK: the admin searches with GET, which would put the number in the address,
    # the browser history and the server's logs. "Find by NIK or KK" below posts it instead.
    search_fields = ["nickname", "full_name", "village"]
    change_list_template = "admin/recipients/recipient/change_list.html"
    date_hierarchy = "waiting_since"
    private_images = ("photo",)
    readonly_fields = [
        "photo_preview",
        "nik_check_result",
        "age_check",
        "whatsapp",
        "created_at",
        "updated_at",
    ]
    formfield_overrides = PRIVATE_FILE_OVERRIDES
    inlines = [BpjsCardInline]
    fieldsets = [
        (
            _("Public: shown on the website"),
            {
                "fields": [
                    "nickname",
                    ("photo", "photo_consent"),
                    "photo_preview",
                    ("occupation", "occupation_detail", "occupation_detail_id"),
                    "regency",
                    "story",
                    "story_id",
                    "waiting_since",
                    ("status", "deceased_on"),
                    "age_check",
                ]
            },
        ),
        (
            _("Private: staff only"),
            {
                "description": _("Never shown on the public site or to donors."),
                "fields": [
                    "full_name",
                    "nik",
                    "nik_check_result",
                    "kk",
                    ("date_of_birth", "sex"),
                    "village",
                    "address",
                    ("phone", "whatsapp"),
                    "household_notes",
                ],
            },
        ),
        (_("Record"), {"fields": [("created_at", "updated_at")]}),
    ]

    PRIVATE = {
        *Recipient.PRIVATE_FIELDS,
        "masked_nik",
        "nik_looks_right",
        "nik_check_result",
        "whatsapp",
    }
    import_resource_classes = [RecipientImportResource]

    def sees_private_data(self, request) -> bool:
        return Recipient.private_data_visible_to(request.user)

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if self.sees_private_data(request):
            return columns
        return [c for c in columns if c not in self.PRIVATE]

    def get_urls(self):
        find = self.admin_site.admin_view(self.find_by_number)
        return [
            path("find/", find, name="recipients_recipient_find"),
            *super().get_urls(),
        ]

    def find_by_number(self, request):
        """Open a recipient's page from their NIK or KK, sent by POST so that the number never
        appears in an address or a log."""
        if not self.sees_private_data(request):
            raise PermissionDenied
        form = FindByNumberForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            number = form.cleaned_data["number"]
            found = Recipient.objects.filter(models.Q(nik=number) | models.Q(kk=number)).first()
            if found is not None:
                return redirect("admin:recipients_recipient_change", found.pk)
            form.add_error("number", gettext("No recipient has this NIK or KK."))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": gettext("Find a recipient by NIK or KK"),
        }
        return TemplateResponse(request, "admin/recipients/recipient/find.html", context)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if self.sees_private_data(request):
            return fields
        # "=nik" too: a search that finds someone by NIK tells whose NIK it is.
        return [f for f in fields if f.lstrip("=^@").split(LOOKUP_SEP)[0] not in self.PRIVATE]

    def lookup_allowed(self, lookup, value, request):
        # Filters in the address (?nik__startswith=5107) would tell the NIK digit by digit.
        if lookup.split(LOOKUP_SEP)[0] in self.PRIVATE and not self.sees_private_data(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.sees_private_data(request):
            return fieldsets
        hidden = without_fields(fieldsets, self.PRIVATE)
        note = _("NIK, KK, date of birth, village, address and phone are shown to coordinators.")
        return [
            (name, {**options, "description": format_lazy("{} {}", options["description"], note)})
            if "description" in options
            else (name, options)
            for name, options in hidden
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if self.sees_private_data(request):
            return readonly
        return [f for f in readonly if f not in self.PRIVATE]

    def get_historical_record_context_helper(self, request, historical_record):
        if self.sees_private_data(request):
            return super().get_historical_record_context_helper(request, historical_record)
        return ChangesWithoutPrivateData(self.model, historical_record)

    def has_import_permission(self, request):
        # An import file is full of private data, and so is its preview.
        return super().has_import_permission(request) and self.sees_private_data(request)

    def get_export_resource_classes(self, request):
        if self.sees_private_data(request):
            return [RecipientResource]
        return [RecipientWithoutPrivateDataResource]

    @admin.display(description=_("photo"))
    def photo_thumbnail(self, obj):
        return private_thumbnail(obj, "photo", width=48)

    @admin.display(description=_("the photo as stored"))
    def photo_preview(self, obj):
        return private_image_preview(obj, "photo")

    @admin.display(description=_("NIK"), ordering="nik")
    def masked_nik(self, obj):
        return mask_nik(obj.nik)

    @admin.display(description=_("under 60 next month"), boolean=True)
    def under_60(self, obj):
        """BPJS registers a non-wage worker only before 60: a new sponsorship registers them
        on its first month, next month at the earliest. Unknown without a date of birth."""
        if obj.date_of_birth is None:
            return None
        return obj.under_age_limit_on(_next_month())

    @admin.display(description=_("age limit"))
    def age_check(self, obj):
        month = _next_month()
        if obj is None or obj.date_of_birth is None:
            return gettext("No date of birth recorded: check the E-KTP before registering.")
        if obj.under_age_limit_on(month):
            return gettext("Under 60 on %(day)s: BPJS can register them.") % {
                "day": date_format(month, "j F Y")
            }
        return gettext(
            "60 or older by %(day)s: BPJS does not register non-wage workers from 60, so this "
            "person is not listed publicly and cannot be pledged for."
        ) % {"day": date_format(month, "j F Y")}

    @admin.display(description=_("NIK check"), boolean=True)
    def nik_looks_right(self, obj):
        check = obj.nik_check()
        return None if check is None else check.ok

    @admin.display(description=_("NIK check"))
    def nik_check_result(self, obj):
        check = obj.nik_check() if obj else None
        if check is None:
            return gettext("No NIK recorded yet.")
        if check.ok:
            return gettext("The NIK matches the recorded date of birth and sex.")
        return format_html_join(
            "",
            "<p>{}: {}</p>",
            [(gettext("Error"), e) for e in check.errors]
            + [(gettext("Warning"), w) for w in check.warnings],
        )

    @admin.display(description=_("WhatsApp"))
    def whatsapp(self, obj):
        if not obj or not obj.phone:
            return EMPTY
        with translation.override("id"):
            greeting = gettext("Hello %(name)s, this is Bali Caring Community.") % {
                "name": obj.nickname
            }
        return whatsapp_link(obj.phone, greeting)

    def save_formset(self, request, form, formset, change):
        for card in formset.save(commit=False):
            if isinstance(card, BpjsCard) and not card.recorded_by_id:
                card.recorded_by = request.user
            card.save()
        formset.save_m2m()


# --- cards and handovers ---------------------------------------------------------------------


class HandedOverFilter(YesNoFilter):
    """Cards still in BCC's hands are a dashboard work queue: "cards awaiting handover"."""

    title = _("handed over")
    parameter_name = "handed_over"
    labels = (_("Yes"), _("No, awaiting handover"))

    def yes(self, queryset):
        return queryset.handed_over()

    def no(self, queryset):
        return queryset.awaiting_handover()


@admin.register(BpjsCard)
class BpjsCardAdmin(HistoryAdmin):
    form = BpjsCardForm
    list_display = ["participant_number", "recipient", "issued_on", "handover_count", "recorded_by"]
    list_select_related = ["recipient", "recorded_by"]
    search_fields = ["=participant_number", "recipient__nickname", "recipient__full_name"]
    list_filter = [HandedOverFilter, "recipient__regency"]
    date_hierarchy = "issued_on"
    autocomplete_fields = ["recipient"]
    readonly_fields = ["recorded_by", "created_at"]

    def get_queryset(self, request):
        # The recipient is in each card's name, also in the card search of the handover form.
        queryset = super().get_queryset(request).select_related("recipient")
        return queryset.annotate(handovers_count=Count("handovers"))

    @admin.display(description=_("handovers"), ordering="handovers_count")
    def handover_count(self, obj):
        return obj.handovers_count

    def save_model(self, request, obj, form, change):
        if not obj.recorded_by_id:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class HandoverPhotoForm(forms.ModelForm):
    """A photo straight from a phone, stored re-encoded: web size and thumbnail, no GPS."""

    class Meta:
        model = HandoverPhoto
        fields = ["handover", "image", "caption", "public_consent"]
        # A plain file field: clean_photo judges the file, with clearer messages than Django's.
        field_classes = {"image": forms.FileField}
        # Listing the types makes an iPhone convert its HEIC photos to JPEG before sending.
        widgets = {"image": PrivateFileWidget(attrs={"accept": "image/jpeg,image/png"})}

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not isinstance(upload, UploadedFile):  # the photo already stored, left as it is
            return upload
        web, thumbnail = uploads.clean_photo(upload)
        self.instance.set_image(web, thumbnail)
        # What is stored is the re-encoded photo, never the upload itself.
        return self.instance.image


@admin.display(description=_("the photo as stored"))
def handover_photo_preview(obj):
    return private_image_preview(obj, "image", small="thumbnail")


class HandoverPhotoInline(admin.StackedInline):
    """Stacked, not tabular: one photo per block stays readable on a phone."""

    model = HandoverPhoto
    form = HandoverPhotoForm
    fields = ["image", "preview", "caption", "public_consent"]
    readonly_fields = ["preview"]
    extra = 2

    preview = staticmethod(handover_photo_preview)


class CardHandoverAdmin(HistoryAdmin):
    list_display = [
        "recipient",
        "card",
        "handed_over_on",
        "place",
        "handed_over_by",
        "photo_count",
        "documentation_sent",
    ]
    list_select_related = ["card__recipient", "handed_over_by"]
    list_filter = [("documentation_sent_at", admin.EmptyFieldListFilter)]
    search_fields = [
        "=card__participant_number",
        "card__recipient__nickname",
        "card__recipient__full_name",
        "place",
    ]
    date_hierarchy = "handed_over_on"
    autocomplete_fields = ["card", "handed_over_by"]
    readonly_fields = ["documentation_sent_at", "created_at"]
    inlines = [HandoverPhotoInline]
    # Few fields, one column: the form is filled in on a phone at the handover itself.
    fields = ["card", "handed_over_on", "place", "handed_over_by", "notes"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields, "documentation_sent_at", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photos_count=Count("photos"))

    def get_autocomplete_fields(self, request):
        fields = super().get_autocomplete_fields(request)
        if request.user.has_perm("auth.view_user"):
            return fields
        # The search of staff members is the user admin's, which volunteers may not open:
        # they choose from a plain list of staff instead.
        return [f for f in fields if f != "handed_over_by"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "handed_over_by":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        return {
            "handed_over_on": timezone.localdate(),
            "handed_over_by": request.user.pk,
            **super().get_changeform_initial_data(request),
        }

    @admin.display(description=_("recipient"), ordering="card__recipient__nickname")
    def recipient(self, obj):
        return obj.card.recipient

    @admin.display(description=_("photos"), ordering="photos_count")
    def photo_count(self, obj):
        return obj.photos_count

    @admin.display(description=_("documentation sent"), boolean=True)
    def documentation_sent(self, obj):
        return obj.documentation_sent_at is not None


@admin.register(HandoverPhoto)
class HandoverPhotoAdmin(PrivateImagesAdmin):
    form = HandoverPhotoForm
    list_display = ["thumbnail_column", "__str__", "handover", "public_consent"]
    list_display_links = ["__str__"]
    list_select_related = ["handover__card__recipient"]
    list_filter = ["public_consent"]
    search_fields = ["caption", "handover__card__recipient__nickname"]
    autocomplete_fields = ["handover"]
    fields = ["handover", "image", "preview", "caption", "public_consent"]
    readonly_fields = ["preview"]
    private_images = ("image", "thumbnail")

    preview = staticmethod(handover_photo_preview)

    @admin.display(description=_("photo"))
    def thumbnail_column(self, obj):
        return private_thumbnail(obj, "thumbnail" if obj.thumbnail else "image", full="image")


# --- situation updates -----------------------------------------------------------------------


class SituationUpdateAdmin(HistoryAdmin):
    """The list and form of situation updates. `premiums.admin.situations` registers a subclass
    whose save tells the donors and works out refunds (this app knows nothing of sponsorships)."""

    list_display = ["recipient", "kind", "happened_on", "recorded_by", "created_at"]
    list_select_related = ["recipient", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["recipient__nickname", "recipient__full_name", "message", "notes"]
    date_hierarchy = "happened_on"
    autocomplete_fields = ["recipient"]
    readonly_fields = ["recorded_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not obj.recorded_by_id:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


def _next_month():
    """The first day of next month: the earliest first month of a new sponsorship."""
    return add_months(month_start(timezone.localdate()), 1)
