"""Donors as CSV (admin import and export), and what the sponsorship and payment files of
`premiums.resources` use to name a donor, a recipient or a month."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from core.importexport import BaseResource, DateWidget, LookupWidget, WholeNumberWidget
from core.months import month_start
from donations.models import Donor
from recipients.models import Recipient


class MonthWidget(DateWidget):
    """A month, stored as its first day: read as 2026-01, 01/2026 or any day of it; written
    as 2026-01."""

    FORMATS = ("%Y-%m", "%m/%Y", "%m-%Y", *DateWidget.FORMATS)
    ERROR = _("Enter a month such as 2026-01.")

    def clean(self, value, row=None, **kwargs):
        day = super().clean(value, row, **kwargs)
        return month_start(day) if day else None

    def render(self, value, obj=None, **kwargs):
        return f"{value:%Y-%m}" if value else ""


def donor_widget():
    """A donor by id, or by email (when no other donor has it)."""
    return LookupWidget(
        Donor,
        by="email__iexact",
        looks_like=lambda text: "@" in text,
        expected=_("the donor's id or email"),
    )


def recipient_widget():
    """A recipient by id, or by NIK (16 digits)."""
    return LookupWidget(
        Recipient,
        by="nik",
        looks_like=lambda text: len(text) == 16 and text.isdigit(),
        expected=_("the recipient's id or NIK"),
    )


DONOR_COLUMNS = [
    "id",
    "full_name",
    "display_name",
    "listed_publicly",
    "email",
    "phone",
    "country",
    "language",
    "notes",
]


class DonorResource(BaseResource):
    class Meta:
        model = Donor
        name = _("All donors (as the list is filtered)")
        fields = DONOR_COLUMNS
        export_order = DONOR_COLUMNS

    def clean_instance(self, donor):
        errors = {}
        if donor.pk is None and donor.email:
            # A file imported twice must not list the same people twice.
            other = Donor.objects.filter(email__iexact=donor.email).first()
            if other is not None:
                errors["email"] = gettext(
                    "Donor %(id)s already has this email: give their id to change them."
                ) % {"id": other.pk}
        erased = Donor.objects.filter(pk=donor.pk, erased_at__isnull=False)
        if donor.pk is not None and erased.exists():
            errors["id"] = gettext("This donor's personal data was erased; it is not brought back.")
        if errors:
            raise ValidationError(errors)


class ActiveDonorResource(BaseResource):
    """Donors with a sponsorship in force today (`Donor.objects.active_on`), for reports."""

    since = Field(attribute="started", column_name="since", widget=MonthWidget(), readonly=True)
    protecting = Field(
        attribute="protecting",
        column_name="people_protected",
        widget=WholeNumberWidget(),
        readonly=True,
    )

    class Meta:
        model = Donor
        name = _("Active donors today")
        fields = [*DONOR_COLUMNS[:-1], "since", "protecting"]
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        today = timezone.localdate()
        # Within the list as staff filtered or searched it.
        return (
            Donor.objects.active_on(today)
            .with_public_figures(today)
            .filter(pk__in=queryset.values("pk"))
            .order_by("full_name", "id")
        )
