"""Sponsorships and payments as CSV: imports of BCC's existing records, and the payments for
the accounts.

An import goes through the same rules as the admin forms (a pledge of at least a year; payments
that follow each other without gaps or overlaps; PayPal details only on PayPal payments), then
`services.settle_imported` recomputes the coverage of every sponsorship it touched.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.importexport import (
    BaseResource,
    LookupWidget,
    PreloadedInstanceLoader,
    RupiahWidget,
    TextWidget,
    WholeNumberWidget,
    cell_text,
    ids_in_column,
)
from donations.models import Donor, Sponsorship
from donations.resources import MonthWidget, donor_widget, recipient_widget
from donations.rules import MINIMUM_MONTHS, RuleError
from premiums import rules, services
from premiums.models import PremiumPayment, PremiumRate
from recipients.models import Recipient


class SettlesSponsorships:
    """For resources whose rows change coverage: the sponsorships written to are settled
    (`services.settle_imported`) after the last row, in the import's transaction."""

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.touched = set()

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        # With a bad row nothing is kept anyway; its errors are the ones worth reading.
        if self.touched and not (result.has_errors() or result.has_validation_errors()):
            services.settle_imported(self.touched)


# --- sponsorships ----------------------------------------------------------------------------


class SponsorshipResource(SettlesSponsorships, BaseResource):
    """A sponsorship names its donor by id or email and its recipient by id or NIK."""

    donor = Field(attribute="donor", column_name="donor", widget=donor_widget())
    recipient = Field(attribute="recipient", column_name="recipient", widget=recipient_widget())
    first_month = Field(attribute="first_month", column_name="first_month", widget=MonthWidget())

    class Meta:
        model = Sponsorship
        name = _("Sponsorships")
        fields = ["id", "donor", "recipient", "first_month", "months_pledged", "route", "state"]

    def clean_instance(self, sponsorship):
        errors = {}
        months = sponsorship.months_pledged
        if months is not None and months < MINIMUM_MONTHS:
            errors["months_pledged"] = gettext("The minimum is %(months)d months (one year).") % {
                "months": MINIMUM_MONTHS
            }
        if sponsorship.donor_id and sponsorship.recipient_id and sponsorship.first_month:
            same = Sponsorship.objects.filter(
                donor_id=sponsorship.donor_id,
                recipient_id=sponsorship.recipient_id,
                first_month=sponsorship.first_month,
            ).exclude(pk=sponsorship.pk)
            if same.exists():
                errors[NON_FIELD_ERRORS] = gettext(
                    "This donor already sponsors this recipient from this month."
                )
        if (
            sponsorship.recipient_id
            and sponsorship.state in Sponsorship.HOLDING_STATES
            and sponsorship.recipient.status != Recipient.Status.ELIGIBLE
        ):
            errors["recipient"] = gettext(
                "This person is no longer eligible: only an ended sponsorship can be imported."
            )
        if errors:
            raise ValidationError(errors)

    def after_save_instance(self, instance, row, **kwargs):
        self.touched.add(instance.pk)


# --- payments --------------------------------------------------------------------------------


class SponsorshipWidget(LookupWidget):
    """A payment's sponsorship by its id or, left empty, the one sponsorship of the row's
    "donor" (id or email) and "recipient" (id or NIK)."""

    def __init__(self):
        super().__init__(
            Sponsorship,
            by="pk",
            looks_like=lambda text: False,
            expected=_("the sponsorship's id"),
        )
        self.donors_by_email, self.recipients_by_nik = {}, {}
        self.sponsorships_of, self.sponsorships_by_id = {}, {}

    def preload(self, dataset):
        """Read in a few queries the donors, recipients and sponsorships the file names by
        email, NIK or id, rather than a few queries a row; each email would otherwise be a
        scan of the donors table (nothing indexes UPPER(email)). Whatever is not found here
        (or is ambiguous, as an email two donors share) is looked up row by row, as before."""

        def column(name):
            if not dataset.headers or name not in dataset.headers:
                return set()
            return {cell_text(value) for value in dataset[name]}

        emails = {text.upper() for text in column("donor") if "@" in text and text.isascii()}
        found = {}
        for donor in Donor.objects.annotate(key=Upper("email")).filter(key__in=emails):
            found.setdefault(donor.key, []).append(donor)
        self.donors_by_email = {key: ds[0] for key, ds in found.items() if len(ds) == 1}
        niks = {text for text in column("recipient") if len(text) == 16 and text.isdigit()}
        found = {}
        for recipient in Recipient.objects.filter(nik__in=niks):
            found.setdefault(recipient.nik, []).append(recipient)
        self.recipients_by_nik = {nik: rs[0] for nik, rs in found.items() if len(rs) == 1}
        # The sponsorships of the donors read above, by recipient; and those named by id.
        with_names = Sponsorship.objects.select_related("donor", "recipient")
        self.sponsorships_of = {donor.pk: {} for donor in self.donors_by_email.values()}
        for sponsorship in with_names.filter(donor__in=self.sponsorships_of):
            by_recipient = self.sponsorships_of[sponsorship.donor_id]
            by_recipient.setdefault(sponsorship.recipient_id, []).append(sponsorship)
        ids = ids_in_column(dataset, "sponsorship")
        self.sponsorships_by_id = with_names.in_bulk(ids) if ids else {}

    def known_sponsorships(self):
        """Every sponsorship read by `preload`."""
        known = {s.pk: s for s in self.sponsorships_by_id.values()}
        for by_recipient in self.sponsorships_of.values():
            for sponsorships in by_recipient.values():
                known.update((s.pk, s) for s in sponsorships)
        return known

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text.isdigit() and int(text) in self.sponsorships_by_id:
            return self.sponsorships_by_id[int(text)]
        if text or row is None:
            return super().clean(value, row, **kwargs)
        donor_text = cell_text(row.get("donor"))
        donor = self.donors_by_email.get(donor_text.upper()) if donor_text.isascii() else None
        if donor is None:
            donor = donor_widget().clean(donor_text)
        recipient_text = cell_text(row.get("recipient"))
        recipient = self.recipients_by_nik.get(recipient_text)
        if recipient is None:
            recipient = recipient_widget().clean(recipient_text)
        if donor is None or recipient is None:
            raise ValueError(gettext("Give the sponsorship's id, or the donor and the recipient."))
        if donor.pk in self.sponsorships_of:
            matches = self.sponsorships_of[donor.pk].get(recipient.pk, [])
        else:
            # With its donor and recipient: the row's price and its name in the preview need them.
            matches = list(
                Sponsorship.objects.select_related("donor", "recipient").filter(
                    donor=donor, recipient=recipient
                )[:2]
            )
        if not matches:
            raise ValueError(gettext("This donor has no sponsorship of this recipient."))
        if len(matches) > 1:
            raise ValueError(
                gettext("This donor sponsored this recipient more than once: give the id.")
            )
        return matches[0]


PAYMENT_IMPORT_COLUMNS = [
    "id",
    "sponsorship",
    "first_month",
    "months",
    "amount",
    "channel",
    "status",
    "verified_at",
    "paypal_amount",
    "paypal_currency",
    "paypal_transaction_id",
    "rupiah_received",
    "bpjs_paid_on",
]


class PaymentImportResource(SettlesSponsorships, BaseResource):
    """Payments already made. An empty amount is priced from the rate table; a verified
    payment counts for the coverage, as if its evidence had been verified in the admin (its
    verification time is the import's unless the file gives it)."""

    sponsorship = Field(
        attribute="sponsorship", column_name="sponsorship", widget=SponsorshipWidget()
    )
    first_month = Field(attribute="first_month", column_name="first_month", widget=MonthWidget())
    amount = Field(attribute="amount", column_name="amount", widget=RupiahWidget())
    rupiah_received = Field(
        attribute="rupiah_received", column_name="rupiah_received", widget=RupiahWidget()
    )

    # Once verified, a payment is part of the coverage: as in the admin, it stays as it was.
    LOCKED_WHEN_VERIFIED = [
        "sponsorship_id",
        "first_month",
        "months",
        "amount",
        "channel",
        "status",
    ]

    #: Written by the import besides its columns: derived in clean_instance and before saving.
    DERIVED_FIELDS = ["last_month", "monthly_amounts", "verified_by"]

    class Meta:
        model = PremiumPayment
        name = _("Payments")
        fields = PAYMENT_IMPORT_COLUMNS
        # Rows are checked one by one, then written 500 at a time with their history: a file
        # of 10,000 payments takes seconds, not minutes. The rows of a file are checked
        # against each other here (overlaps, PayPal ids), as the database cannot see them yet.
        use_bulk = True
        batch_size = 500
        instance_loader_class = PreloadedInstanceLoader

    def get_queryset(self):
        # The payments a file changes, with what the preview shows of them.
        return PremiumPayment.objects.select_related("sponsorship__donor", "sponsorship__recipient")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.user = kwargs.get("user")
        # What the rows need, read once for the whole file: the rate table; the donors,
        # recipients and sponsorships they name; the payments the file changes, as they are
        # stored; the payments of all those sponsorships; who holds the PayPal ids it gives.
        self.rates = PremiumRate.objects.as_rules()
        widget = self.fields["sponsorship"].widget
        widget.preload(dataset)
        ids = ids_in_column(dataset, "id")
        self.stored = PremiumPayment.objects.in_bulk(ids) if ids else {}
        self.changed = set()  # the stored payments a row has changed
        known = {*widget.known_sponsorships(), *(p.sponsorship_id for p in self.stored.values())}
        self.payments_of = {pk: {} for pk in known}
        payments = PremiumPayment.objects.filter(sponsorship__in=known).exclude(
            status=PremiumPayment.Status.CANCELLED
        )
        for payment in payments:
            self.payments_of[payment.sponsorship_id][payment.pk] = payment
        # A PayPal transaction id -> the payment that has it (its id), or the file's row that
        # gave it to a new payment (("row", number)); kept as the rows go.
        transaction_ids = set()
        if dataset.headers and "paypal_transaction_id" in dataset.headers:
            transaction_ids = set(map(cell_text, dataset["paypal_transaction_id"])) - {""}
        self.paypal_holders = dict(
            PremiumPayment.objects.filter(paypal_transaction_id__in=transaction_ids).values_list(
                "paypal_transaction_id", "pk"
            )
        )
        self.paypal_id_of = {pk: p.paypal_transaction_id for pk, p in self.stored.items()}
        # A file may name the sponsorship by its donor and recipient only.
        if dataset.headers and "sponsorship" not in dataset.headers:
            dataset.append_col([""] * dataset.height, header="sponsorship")

    def _payments_of(self, sponsorship_id) -> dict:
        """The sponsorship's payments that are not cancelled, with the file's rows so far."""
        if sponsorship_id not in self.payments_of:
            payments = PremiumPayment.objects.filter(sponsorship_id=sponsorship_id).exclude(
                status=PremiumPayment.Status.CANCELLED
            )
            self.payments_of[sponsorship_id] = {p.pk: p for p in payments}
        return self.payments_of[sponsorship_id]

    def clean_instance(self, payment):
        sponsorship = payment.sponsorship if payment.sponsorship_id else None
        if sponsorship is not None:
            payment.channel = payment.channel or sponsorship.route
        errors = self._paypal_errors(payment)
        period = None
        if payment.months is not None and payment.months < 1:
            errors["months"] = gettext("A payment covers at least one month.")
        elif payment.first_month and payment.months:
            period = rules.Period(payment.first_month, payment.months)
            # Derived on save; the model's checks, run before, compare it with the first month.
            payment.last_month = period.last_month
        if sponsorship is not None and period is not None:
            errors.update(self._price(payment, sponsorship, period))
        if payment.amount == 0:
            errors["amount"] = gettext("The amount must be more than Rp 0.")
        if payment.status == PremiumPayment.Status.VERIFIED and payment.verified_at is None:
            payment.verified_at = timezone.now()
        stored = self._stored(payment)
        if payment.pk in self.changed:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                gettext("An earlier row of this file changes this payment: one row a payment.")
            )
        elif stored is not None and stored.status == PremiumPayment.Status.VERIFIED:
            if any(getattr(stored, f) != getattr(payment, f) for f in self.LOCKED_WHEN_VERIFIED):
                errors.setdefault(NON_FIELD_ERRORS, []).append(
                    gettext(
                        "This payment is verified: its sponsorship, months, amount, channel and "
                        "status stay as they are."
                    )
                )
        elif sponsorship is not None and period is not None and "first_month" not in errors:
            errors.update(self._period_problem(payment, sponsorship, period, new=stored is None))
        holder = self.paypal_holders.get(payment.paypal_transaction_id)
        if payment.paypal_transaction_id and holder is not None and holder != payment.pk:
            if isinstance(holder, tuple):
                errors["paypal_transaction_id"] = gettext(
                    "Another row of this file has this PayPal transaction id."
                )
            else:
                errors["paypal_transaction_id"] = payment.unique_error_message(
                    PremiumPayment, ["paypal_transaction_id"]
                )
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The one unique field, the PayPal transaction id, is checked by clean_instance against
        # the stored payments and the file's rows: the database alone would not see a row
        # still to be written, and would see an id that an earlier row has taken off a payment.
        super().validate_instance(instance, import_validation_errors, validate_unique=False)

    def _stored(self, payment):
        """The payment as it is stored, or None for a new one."""
        if not payment.pk:
            return None
        if payment.pk not in self.stored:
            self.stored[payment.pk] = PremiumPayment.objects.filter(pk=payment.pk).first()
        return self.stored[payment.pk]

    def _price(self, payment, sponsorship, period) -> dict:
        """An empty amount is the rate table's price. As in the admin, the price of each month
        is kept when the amount is the table's, so that a refund returns what was paid."""
        try:
            prices = rules.monthly_prices(
                self.rates, period.first_month, period.months, sponsorship.recipient.sector
            )
        except rules.NoRateError as e:
            return {} if payment.amount is not None else {"amount": str(e)}
        if payment.amount is None:
            payment.amount = sum(prices)
        stored = self._stored(payment)
        payment.monthly_amounts = rules.prices_kept(
            (stored.first_month, stored.months, stored.amount, stored.monthly_amounts)
            if stored
            else None,
            period.first_month,
            period.months,
            payment.amount,
            prices,
        )
        return {}

    def _paypal_errors(self, payment) -> dict:
        """As the payment form: a PayPal receipt belongs to a PayPal payment, with a currency."""
        errors = {}
        payment.paypal_currency = cell_text(payment.paypal_currency).upper()
        payment.paypal_transaction_id = cell_text(payment.paypal_transaction_id) or None
        currency = payment.paypal_currency
        paypal = [payment.paypal_amount, payment.paypal_transaction_id, payment.rupiah_received]
        if payment.channel != Sponsorship.Route.PAYPAL and any(v is not None for v in paypal):
            errors[NON_FIELD_ERRORS] = [
                gettext(
                    "PayPal details belong to a payment made through PayPal (“paid to BPJS by”)."
                )
            ]
        if payment.paypal_amount is not None and not currency:
            errors["paypal_currency"] = gettext("Give the currency of the PayPal amount.")
        elif currency and not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
            errors["paypal_currency"] = gettext("Give the three-letter currency code, such as EUR.")
        return errors

    def _period_problem(self, payment, sponsorship, period, *, new) -> dict:
        """Why these months cannot be this payment's, under the column at fault: too few
        months under "months", a wrong start under "first_month"; or nothing."""
        if payment.status == PremiumPayment.Status.CANCELLED:
            return {}
        others = [
            other
            for other in self._payments_of(sponsorship.pk).values()
            if other is not payment and (payment.pk is None or other.pk != payment.pk)
        ]
        for other in others:
            if other.first_month <= period.last_month and period.first_month <= other.last_month:
                return {
                    "first_month": gettext(
                        "These months overlap another payment of this sponsorship (%(period)s)."
                    )
                    % {"period": f"{other.first_month:%Y-%m} – {other.last_month:%Y-%m}"}
                }
        verified = [o.period for o in others if o.status == PremiumPayment.Status.VERIFIED]
        is_verified = payment.status == PremiumPayment.Status.VERIFIED
        if (new and not others) or (is_verified and not verified):
            # The first payment of a sponsorship: its length is the pledge's rule.
            try:
                rules.check_pledge_months(period.months)
            except RuleError as e:
                return {"months": str(e)}
        try:
            if new:
                rules.check_next_period(sponsorship.first_month, [o.period for o in others], period)
            if is_verified:
                rules.check_next_period(sponsorship.first_month, verified, period)
        except RuleError as e:
            return {"first_month": str(e)}
        return {}

    def before_save_instance(self, instance, row, **kwargs):
        if instance.status == PremiumPayment.Status.VERIFIED:
            user = kwargs.get("user")
            if instance.verified_by_id is None and user is not None and user.is_authenticated:
                instance.verified_by = user

    def after_save_instance(self, instance, row, **kwargs):
        self.touched.add(instance.sponsorship_id)
        key = instance.pk or ("row", kwargs.get("row_number"))
        # The rows after this one see it among the sponsorship's payments...
        stored = self._stored(instance)
        if stored is not None:
            self.changed.add(stored.pk)
            if stored.sponsorship_id != instance.sponsorship_id:
                # ...and no longer among those of the sponsorship it has left, whose coverage
                # is recomputed too.
                self._payments_of(stored.sponsorship_id).pop(instance.pk, None)
                self.touched.add(stored.sponsorship_id)
        payments = self._payments_of(instance.sponsorship_id)
        if instance.status == PremiumPayment.Status.CANCELLED:
            payments.pop(key, None)
        else:
            payments[key] = instance
        # ...and which PayPal transaction id it has now.
        previous = self.paypal_id_of.get(instance.pk)
        if previous and self.paypal_holders.get(previous) == key:
            del self.paypal_holders[previous]
        if instance.paypal_transaction_id:
            self.paypal_holders[instance.paypal_transaction_id] = key
        if instance.pk:
            self.paypal_id_of[instance.pk] = instance.paypal_transaction_id

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        # As the library's, with a history entry for each payment (saved one by one, each
        # would have written its own), naming who imported them. The changes to stored
        # payments go first: one may free a PayPal transaction id that a new payment takes.
        self.bulk_update(using_transactions, dry_run, raise_errors, batch_size, result)
        self._write(
            self.create_instances,
            lambda payments: bulk_create_with_history(
                payments, PremiumPayment, batch_size=batch_size, default_user=self._history_user()
            ),
            using_transactions or not dry_run,
            raise_errors,
            result,
        )

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self._write(
            self.update_instances,
            lambda payments: bulk_update_with_history(
                payments,
                PremiumPayment,
                [*self.get_bulk_update_fields(), *self.DERIVED_FIELDS],
                batch_size=batch_size,
                default_user=self._history_user(),
            ),
            using_transactions or not dry_run,
            raise_errors,
            result,
        )

    def _write(self, payments, write, allowed, raise_errors, result):
        """Write a batch of payments as the library would (an error becomes the import's)."""
        if payments and allowed:
            try:
                write(payments)
            except Exception as e:
                self.handle_import_error(result, e, raise_errors)
            finally:
                payments.clear()

    def _history_user(self):
        user = self.user
        return user if user is not None and user.is_authenticated else None


class PaymentExportResource(BaseResource):
    """Every payment of the list as filtered, for the accounts: amounts in whole Rupiah."""

    sponsorship = Field(
        attribute="sponsorship_id", column_name="sponsorship", widget=WholeNumberWidget()
    )
    donor = Field(
        attribute="sponsorship__donor__full_name", column_name="donor", widget=TextWidget()
    )
    recipient = Field(
        attribute="sponsorship__recipient__nickname", column_name="recipient", widget=TextWidget()
    )
    first_month = Field(attribute="first_month", column_name="first_month", widget=MonthWidget())
    last_month = Field(attribute="last_month", column_name="last_month", widget=MonthWidget())
    amount = Field(attribute="amount", column_name="amount", widget=RupiahWidget())
    rupiah_received = Field(
        attribute="rupiah_received", column_name="rupiah_received", widget=RupiahWidget()
    )

    class Meta:
        model = PremiumPayment
        name = _("Payments, for the accounts")
        fields = [
            "id",
            "sponsorship",
            "donor",
            "recipient",
            "first_month",
            "last_month",
            "months",
            "amount",
            "channel",
            "status",
            "verified_at",
            "paypal_amount",
            "paypal_currency",
            "paypal_transaction_id",
            "rupiah_received",
            "bpjs_paid_on",
        ]
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("sponsorship__donor", "sponsorship__recipient")
