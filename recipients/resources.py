"""Recipients as CSV (admin import and export).

Staff who may see private data (recipients.view_private_data, coordinators) export and import
every column; others export the file without NIK, KK, date of birth, village, address and phone.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from core.importexport import BaseResource, DigitsWidget, TextWidget
from recipients.models import Recipient

COLUMNS = [
    "id",
    "nickname",
    "full_name",
    "sex",
    "occupation",
    "occupation_detail",
    "occupation_detail_id",
    "regency",
    "status",
    "deceased_on",
    "waiting_since",
    "photo_consent",
    "story",
    "story_id",
    "household_notes",
]


class RecipientWithoutPrivateDataResource(BaseResource):
    class Meta:
        model = Recipient
        name = _("Recipients, without private data")
        fields = COLUMNS
        export_order = COLUMNS

    def clean_instance(self, recipient):
        errors = {}
        if recipient.status == Recipient.Status.DECEASED and not recipient.deceased_on:
            errors["deceased_on"] = gettext("Give the date of death of a deceased recipient.")
        if recipient.nik:
            # A file imported twice must not list the same person twice.
            other = Recipient.objects.filter(nik=recipient.nik).exclude(pk=recipient.pk).first()
            if other is not None:
                errors["nik"] = gettext("Recipient %(id)s already has this NIK.") % {"id": other.pk}
        if errors:
            raise ValidationError(errors)


class RecipientResource(RecipientWithoutPrivateDataResource):
    """Every column: for coordinators, and for imports."""

    nik = Field(attribute="nik", column_name="nik", widget=DigitsWidget())
    kk = Field(attribute="kk", column_name="kk", widget=DigitsWidget())

    class Meta:
        model = Recipient
        name = _("Recipients, with private data")
        fields = [*COLUMNS, *Recipient.PRIVATE_FIELDS]
        export_order = fields


class NikCheckWidget(TextWidget):
    """What the NIK check says of a row (`Recipient.nik_check`), shown in the import's preview
    so that staff see the warnings before confirming, not after."""

    def clean(self, value, row=None, **kwargs):
        return None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if value.ok:
            return gettext("The NIK matches the recorded date of birth and sex.")
        return " ".join([*map(str, value.errors), *map(str, value.warnings)])


class RecipientImportResource(RecipientResource):
    """Every column, and the NIK check of each row in the preview (never read from the file)."""

    nik_check = Field(
        attribute="nik_check", column_name=_("NIK check"), widget=NikCheckWidget(), readonly=True
    )

    class Meta(BaseResource.Meta):  # the options are not inherited from a Meta of its own
        model = Recipient
        name = _("Recipients, with private data")
        fields = [*COLUMNS, *Recipient.PRIVATE_FIELDS, "nik_check"]
