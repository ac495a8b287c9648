import datetime as dt
from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from core.months import month_range
from donations.models import Donor, Language, Sponsorship
from donations.rules import earliest_first_month
from premiums.models import Refund

MAX_YEARS = 5


def month_choices(count=12, first=None):
    """The months a sponsorship may start in: from next month (protection starts the month
    after registration with BPJS), or from `first` (the month after those a worker already has
    paid), for the next `count` months."""
    first = first or earliest_first_month(timezone.localdate())
    return [
        (m.isoformat(), formats.date_format(m, "YEAR_MONTH_FORMAT"))
        for m in month_range(first, count)
    ]


class SponsorshipTermsForm(forms.Form):
    """When to start, for how long, and how to pay: what every pledge asks."""

    first_month = forms.TypedChoiceField(
        label=_("Start month"),
        coerce=dt.date.fromisoformat,
        help_text=_("Protection starts on the first day of this month."),
    )
    years = forms.TypedChoiceField(
        label=_("Duration"),
        coerce=int,
        help_text=_("The minimum is one year. Several years may be paid in advance."),
    )
    route = forms.ChoiceField(
        label=_("How you will pay"),
        choices=Sponsorship.Route.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Direct: you pay BPJS Ketenagakerjaan yourself (at an office, a bank or an agent in "
            "Indonesia) and upload the receipt. PayPal: for donors overseas; you pay BCC and BCC "
            "pays BPJS for you."
        ),
    )

    def __init__(self, *args, overseas=False, first_month=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_month"].choices = month_choices(first=first_month)
        self.fields["years"].choices = [
            (
                n,
                ngettext("%(n)s year (%(m)s months)", "%(n)s years (%(m)s months)", n)
                % {"n": n, "m": 12 * n},
            )
            for n in range(1, MAX_YEARS + 1)
        ]
        if overseas:
            # Overseas donors cannot pay BPJS directly: PayPal to BCC comes first.
            self.fields["route"].choices = list(reversed(Sponsorship.Route.choices))
            self.fields["route"].initial = Sponsorship.Route.PAYPAL
        else:
            self.fields["route"].initial = Sponsorship.Route.DIRECT
        self.overseas = overseas
        self.helper = FormHelper()
        # The page writes the <form> and its buttons: the amount to pay sits between the
        # fields and "Sponsor" (premiums/pledge.html).
        self.helper.form_tag = False

    def donor_overseas(self) -> bool:
        return self.overseas

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("route") == Sponsorship.Route.DIRECT and self.donor_overseas():
            self.add_error(
                "route",
                _(
                    "Paying BPJS directly is done in Indonesia (at a BPJS office, a bank or a "
                    "payment agent there). From abroad, choose PayPal: BCC pays BPJS for you. "
                    "If you live in Indonesia, choose Indonesia as your country."
                ),
            )
        return cleaned

    @property
    def months(self) -> int:
        return 12 * self.cleaned_data["years"]

    def offered_terms(self) -> tuple[list[dt.date], list[int]]:
        """The start months and the durations (in months) this form offers."""
        months = [value for value, _label in self.fields["first_month"].choices]
        years = [value for value, _label in self.fields["years"].choices]
        return [dt.date.fromisoformat(m) for m in months], [12 * int(y) for y in years]

    def chosen_terms(self) -> tuple[dt.date, int]:
        """The start month and months the donor has chosen so far (what the form sent or
        starts with); the first offered where nothing valid is chosen yet."""
        first_months, durations = self.offered_terms()
        source = self.data if self.is_bound else self.initial
        try:
            first = dt.date.fromisoformat(str(source.get("first_month", "")))
        except ValueError:
            first = None
        try:
            months = 12 * int(source.get("years", ""))
        except ValueError:
            months = None
        return (
            first if first in first_months else first_months[0],
            months if months in durations else durations[0],
        )


class PledgeForm(SponsorshipTermsForm, forms.ModelForm):
    """The public pledge form: who the donor is, and the terms."""

    phone = PhoneNumberField(
        label=_("WhatsApp/Line number"),
        region=settings.PHONENUMBER_DEFAULT_REGION,
        help_text=_("Indonesian numbers may start with 0, e.g. 0813 3800 1234."),
        required=False,
    )

    class Meta:
        model = Donor
        fields = [
            "full_name",
            "display_name",
            "listed_publicly",
            "email",
            "phone",
            "country",
            "language",
        ]
        help_texts = {
            "display_name": _("Your name or initials as they will appear on the list of donors."),
            "listed_publicly": _("Show my name or initials on the public list of active donors."),
        }

    field_order = [
        "full_name",
        "display_name",
        "listed_publicly",
        "email",
        "phone",
        "country",
        "language",
        "first_month",
        "years",
        "route",
    ]

    def __init__(self, *args, **kwargs):
        data = kwargs.get("data") if "data" in kwargs else (args[0] if args else None)
        overseas = bool(data) and data.get("country", "ID") not in ("", "ID")
        super().__init__(*args, overseas=overseas, **kwargs)
        self.fields["display_name"].required = False
        # Emails and their links in the language of the page the donor pledged on, unless
        # they choose another.
        page_language = (get_language() or "")[:2]
        if page_language in Language.values:
            self.initial.setdefault("language", page_language)

    def donor_overseas(self) -> bool:
        country = self.cleaned_data.get("country")
        return bool(country) and country != "ID"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("listed_publicly") and not cleaned.get("display_name"):
            self.add_error(
                "display_name", _("Give the name or initials to show, or untick the listing.")
            )
        return cleaned


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence of payment"),
        help_text=_("A photo or scan of the BPJS receipt: JPG, PNG or PDF, at most 6 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )

    def clean_file(self):
        from core.uploads import clean_evidence

        return clean_evidence(self.cleaned_data["file"])


class NextPaymentForm(forms.Form):
    months = forms.IntegerField(
        label=_("Months to pay"),
        min_value=1,
        max_value=60,
        initial=12,
        help_text=_("At least one month; twelve months is one year."),
    )


class PaypalPaidForm(forms.Form):
    """The donor's "I've paid" for a PayPal payment: what PayPal's receipt says."""

    transaction_id = forms.RegexField(
        label=_("PayPal transaction id"),
        regex=r"^[A-Za-z0-9]{8,30}$",
        max_length=30,
        help_text=_("On PayPal's receipt, e.g. 8AB12345CD678901E."),
        error_messages={
            "invalid": _(
                "A PayPal transaction id is 8 to 30 letters and digits, without spaces, "
                "as on PayPal's receipt."
            )
        },
    )
    amount = forms.DecimalField(
        label=_("Amount you sent"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        help_text=_("Three letters: EUR, USD, AUD…"),
        error_messages={"invalid": _("Give the currency as three letters, e.g. EUR or USD.")},
    )

    def clean_transaction_id(self):
        return self.cleaned_data["transaction_id"].upper()

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()


class RefundChoiceForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("What should BCC do with the refund?"),
        choices=Refund.Choice.choices,
        widget=forms.RadioSelect,
    )
