import datetime as dt
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from phonenumber_field.formfields import PhoneNumberField

from core.months import month_range
from donations.models import Donor, Sponsorship
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
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Sponsor"), css_class="btn-success btn-lg"))

    @property
    def months(self) -> int:
        return 12 * self.cleaned_data["years"]


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
