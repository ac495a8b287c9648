from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from core import conditions
from core.months import last_month_of, month_start
from core.storage import RandomPath, private_storage
from core.templatetags.rupiah import format_rupiah
from core.versions import VersionedModel, VersionedQuerySet
from donations.models import Sponsorship
from premiums import rules
from recipients.models import Recipient, Sector


class PremiumRateQuerySet(VersionedQuerySet):
    def as_rules(self) -> list[rules.Rate]:
        """The whole table as plain values for the rules functions (a few rows: one query)."""
        return [
            rules.Rate(r.first_month, r.last_month, r.jkk, r.jkm, r.sector)
            for r in self.order_by("first_month")
        ]


class PremiumRate(VersionedModel):
    """One row of the effective-dated premium table, in whole Rupiah per month."""

    shown_publicly = True
    #: Shown as Rupiah (Rp 16.800) wherever the admin shows them, the history included.
    MONEY_FIELDS = ("jkk", "jkm")

    first_month = models.DateField(_("first month"))
    last_month = models.DateField(
        _("last month"),
        null=True,
        blank=True,
        help_text=_("Leave empty while the rate is open-ended."),
    )
    jkk = models.PositiveIntegerField(_("JKK (work accident) per month"))
    jkm = models.PositiveIntegerField(_("JKM (death) per month"))
    sector = models.CharField(
        _("worker sector"),
        max_length=20,
        choices=Sector.choices,
        blank=True,
        help_text=_("Leave empty for a rate that applies to every sector."),
    )
    note = models.CharField(_("legal basis or note"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = PremiumRateQuerySet.as_manager()

    class Meta:
        verbose_name = _("premium rate")
        verbose_name_plural = _("premium rates")
        ordering = ["-first_month", "sector"]
        constraints = [
            models.CheckConstraint(
                condition=Q(jkk__gt=0) | Q(jkm__gt=0), name="premiumrate_positive"
            ),
            models.CheckConstraint(
                condition=Q(last_month__isnull=True) | Q(last_month__gte=F("first_month")),
                name="premiumrate_last_after_first",
            ),
        ]

    def __str__(self):
        end = f"{self.last_month:%Y-%m}" if self.last_month else "…"
        return f"{format_rupiah(self.monthly)} ({self.first_month:%Y-%m} – {end})"

    @property
    def monthly(self) -> int:
        return self.jkk + self.jkm

    def clean(self):
        """Two rows for the same sector may not share a month: which one a payment pays would
        be a guess. A change of rate closes the row in force (its last month) and starts the
        next one the month after; a temporary rate is a row of its own between two others."""
        super().clean()
        if self.first_month is None:
            return
        first = month_start(self.first_month)
        others = PremiumRate.objects.filter(sector=self.sector).exclude(pk=self.pk)
        if self.last_month:
            others = others.filter(first_month__lte=self.last_month)
        overlapping = others.filter(Q(last_month__isnull=True) | Q(last_month__gte=first))
        clash = overlapping.order_by("first_month").first()
        if clash is not None:
            raise ValidationError(
                _(
                    "These months overlap the rate %(rate)s for the same workers. Set that "
                    "rate's last month to the month before this one starts (or this rate's "
                    "last month before it starts), so that every month has one rate."
                )
                % {"rate": clash}
            )


def paypal_awaiting_bpjs() -> Q:
    """BCC has the donor's PayPal money but has not paid BPJS with it yet: the premium is owed
    by BCC, and the worker is not insured until it is paid."""
    return (
        Q(channel=Sponsorship.Route.PAYPAL, paypal_received_on__isnull=False)
        & Q(bpjs_paid_on__isnull=True)
        & ~Q(status="cancelled")
    )


def bpjs_paid_without_receipt() -> Q:
    """BCC paid BPJS for a PayPal donor, but no receipt is uploaded (none, or only rejected
    ones): the donor cannot be sent the evidence, nor the payment verified."""
    receipts = PaymentEvidence.objects.filter(payment=OuterRef("pk")).exclude(status="rejected")
    return (
        Q(channel=Sponsorship.Route.PAYPAL, bpjs_paid_on__isnull=False)
        & ~Q(status="cancelled")
        & ~Exists(receipts)
    )


def paypal_reported_not_received() -> Q:
    """The donor said "I've paid" by PayPal; staff have not recorded the money arriving."""
    return (
        Q(channel=Sponsorship.Route.PAYPAL, paypal_reported_at__isnull=False)
        & Q(paypal_received_on__isnull=True)
        & ~Q(status="cancelled")
    )


class PremiumPaymentQuerySet(VersionedQuerySet):
    """The legs of a PayPal payment that can stall, one condition each (the dashboard counts
    them with the same conditions, the admin filters list them)."""

    def paypal_awaiting_bpjs(self):
        return self.filter(paypal_awaiting_bpjs())

    def bpjs_paid_without_receipt(self):
        return self.filter(bpjs_paid_without_receipt())

    def paypal_reported_not_received(self):
        return self.filter(paypal_reported_not_received())


class PremiumPayment(VersionedModel):
    """One payment of the premium to BPJS, covering whole consecutive months."""

    shown_publicly = True
    MONEY_FIELDS = ("amount", "rupiah_received")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting evidence or verification")
        VERIFIED = "verified", _("Verified")
        CANCELLED = "cancelled", _("Cancelled")

    sponsorship = models.ForeignKey(
        Sponsorship,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("sponsorship"),
    )
    first_month = models.DateField(_("first covered month"))
    months = models.PositiveSmallIntegerField(_("months covered"))
    # Derived from first_month and months on save; stored so that the database can refuse
    # overlapping periods and pages can ask for "paid through" without month arithmetic in SQL.
    last_month = models.DateField(_("last covered month"), editable=False)
    amount = models.PositiveBigIntegerField(_("amount (Rupiah)"))
    # The price of each covered month when the payment was priced: a refund returns exactly
    # what was paid for the unused months, whatever the rate table says later.
    monthly_amounts = models.JSONField(
        _("price of each month (Rupiah)"), default=list, blank=True, editable=False
    )
    channel = models.CharField(
        _("paid to BPJS by"), max_length=10, choices=Sponsorship.Route.choices
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Overseas donors pay BCC by PayPal; BCC then pays BPJS.
    paypal_amount = models.DecimalField(
        _("PayPal amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    paypal_currency = models.CharField(_("PayPal currency"), max_length=3, blank=True)
    paypal_transaction_id = models.CharField(
        _("PayPal transaction id"), max_length=40, null=True, blank=True, unique=True
    )
    rupiah_received = models.PositiveBigIntegerField(
        _("Rupiah received from PayPal"), null=True, blank=True
    )
    paypal_received_on = models.DateField(
        _("PayPal payment received on"),
        null=True,
        blank=True,
        help_text=_("Counts as the donor's evidence of funds for the three-month rule."),
    )
    bpjs_paid_on = models.DateField(_("paid to BPJS on"), null=True, blank=True)
    # The donor's "I've paid" from their private page: the PayPal fields above hold what they
    # gave until staff check the money arrived (paypal_received_on).
    paypal_reported_at = models.DateTimeField(
        _("donor reported the PayPal payment"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    history = HistoricalRecords()

    objects = PremiumPaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("premium payment")
        verbose_name_plural = _("premium payments")
        ordering = ["-first_month", "-id"]
        permissions = [
            ("import_premiumpayment", _("Can import payments from CSV")),
            ("export_premiumpayment", _("Can export payments to CSV")),
        ]
        indexes = [
            models.Index(fields=["status", "verified_at"]),
            models.Index(fields=["sponsorship", "status", "last_month"]),
            # The default order: the admin list reads its page off this index, not a sort of
            # the whole table.
            models.Index(fields=["-first_month", "-id"], name="payment_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(months__gte=1), name="payment_months_positive"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(last_month__gte=F("first_month")), name="payment_last_after_first"
            ),
            models.CheckConstraint(
                condition=Q(paypal_amount__isnull=True) | Q(paypal_amount__gt=0),
                name="payment_paypal_amount_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_at__isnull=False),
                name="payment_verified_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.sponsorship} {self.first_month:%Y-%m} +{self.months}"

    def save(self, *args, **kwargs):
        self.last_month = last_month_of(self.first_month, self.months)
        if self.paypal_transaction_id == "":
            self.paypal_transaction_id = None
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        # A sponsorship already read from the database (an import reads a file's sponsorships
        # at once) is not asked for again, row after row; the foreign key still guards the write.
        sponsorship = self._state.fields_cache.get("sponsorship")
        loaded = sponsorship is not None and not sponsorship._state.adding
        if loaded and sponsorship.pk == self.sponsorship_id:
            exclude = {*(exclude or ()), "sponsorship"}
        super().clean_fields(exclude)

    def validate_constraints(self, exclude=None):
        # Django asks the database about each check constraint in turn, each in a savepoint:
        # most of the time a CSV import of payments took. Checked whole (nothing excluded, as
        # in an import), the conditions are decided in Python when they all hold; otherwise
        # Django asks the database, one by one, to say which does not.
        checks = [c for c in self._meta.constraints if isinstance(c, models.CheckConstraint)]
        if not exclude and checks and len(checks) == len(self._meta.constraints):
            try:
                if all(conditions.holds(c.condition, self) for c in checks):
                    return
            except conditions.Undecided:
                pass
        super().validate_constraints(exclude)

    @property
    def period(self) -> rules.Period:
        return rules.Period(self.first_month, self.months)


class PaymentEvidence(VersionedModel):
    """A receipt proving a payment (the donor's BPJS receipt, or BCC's own for PayPal donors)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    payment = models.ForeignKey(
        PremiumPayment,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("payment"),
    )
    file = models.FileField(_("file"), upload_to=RandomPath("evidence"), storage=private_storage)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True, editable=False)
    content_type = models.CharField(_("content type"), max_length=50, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by staff"),
        help_text=_("Empty when the donor uploaded it."),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("same file as"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    rejection_reason = models.TextField(_("reason (shown to the donor)"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment evidence")
        verbose_name_plural = _("payment evidence")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="evidence_rejection_has_reason",
            ),
        ]

    def __str__(self):
        return str(_("Evidence %(id)s for %(payment)s")) % {"id": self.pk, "payment": self.payment}


class Refund(VersionedModel):
    """Premium BPJS returns for months paid after a recipient's death, and where it went."""

    MONEY_FIELDS = ("amount",)

    class State(models.TextChoices):
        OWED = "owed", _("Owed, not yet claimed")
        CLAIMED = "claimed", _("Claimed from BPJS")
        RECEIVED = "received", _("Received from BPJS")
        RETURNED = "returned", _("Returned to the donor")
        REALLOCATED = "reallocated", _("Used for another recipient (donor consented)")

    OUTSTANDING_STATES = (State.OWED, State.CLAIMED, State.RECEIVED)

    class Choice(models.TextChoices):
        RETURN = "return", _("Return it to me")
        REALLOCATE = "reallocate", _("Use it for another worker waiting for a sponsor")

    payment = models.ForeignKey(
        PremiumPayment,
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("payment"),
    )
    unused_months = models.PositiveSmallIntegerField(_("unused months"))
    amount = models.PositiveBigIntegerField(_("amount (Rupiah)"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OWED)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    claimed_on = models.DateField(_("claimed on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    settled_on = models.DateField(_("returned or reallocated on"), null=True, blank=True)
    bpjs_refunded = models.PositiveBigIntegerField(
        _("amount BPJS refunded (Rupiah)"),
        null=True,
        blank=True,
        help_text=_(
            "What BPJS actually paid back, from its statement; may differ from the amount owed."
        ),
    )
    donor_choice = models.CharField(
        _("donor's choice"), max_length=12, choices=Choice.choices, blank=True
    )
    donor_chose_at = models.DateTimeField(_("donor chose on"), null=True, blank=True)
    choice_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("choice recorded by"),
        help_text=_(
            "The coordinator who recorded the donor's answer given by phone or WhatsApp; empty "
            "when the donor chose on their private page."
        ),
    )
    reallocated_to = models.ForeignKey(
        PremiumPayment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paid_by_refunds",
        verbose_name=_("paid for the payment"),
        help_text=_("For a reallocated refund: the other worker's payment it paid for."),
    )
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(unused_months__gte=1), name="refund_months_positive"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return str(
            ngettext(
                "%(sponsorship)s: %(months)d unused month, %(amount)s",
                "%(sponsorship)s: %(months)d unused months, %(amount)s",
                self.unused_months,
            )
        ) % {
            "sponsorship": self.payment.sponsorship,
            "months": self.unused_months,
            "amount": format_rupiah(self.amount),
        }

    def clean(self):
        super().clean()
        errors = self.reallocation_errors()
        if not errors and self.state == self.State.REALLOCATED and self.reallocated_to_id is None:
            errors = [_("A reallocated refund keeps the payment it paid for.")]
        if errors:
            raise ValidationError({"reallocated_to": errors})

    def reallocation_errors(self) -> list[str]:
        """The payment a refund paid for is another worker's payment of the same donor: the
        donor consented to their own money going to another worker they sponsor."""
        if self.reallocated_to_id is None or self.payment_id is None:
            return []
        if self.reallocated_to_id == self.payment_id:
            return [_("A refund cannot pay for the payment it refunds.")]
        refunded, other = self.payment.sponsorship, self.reallocated_to.sponsorship
        if other.donor_id != refunded.donor_id:
            return [_("Choose a payment of the same donor: their consent covers only their money.")]
        if other.recipient_id == refunded.recipient_id:
            return [_("Choose a payment for another worker, not for the same recipient.")]
        return []

    def settlement_errors(self, state) -> list[str]:
        """Why this refund may not be settled as `state` yet: it is returned only when the donor
        chose “return it”, and reallocated only when they chose “use it for another worker” and
        the payment it paid for is linked. A donor who answered by phone or WhatsApp has their
        choice recorded by a coordinator first (premiums.donor_actions.choose_refund)."""
        if state == self.State.RETURNED and self.donor_choice != self.Choice.RETURN:
            return [
                _(
                    "The donor has not chosen “%(choice)s”: record their choice before marking "
                    "the refund returned."
                )
                % {"choice": self.Choice.RETURN.label}
            ]
        if state != self.State.REALLOCATED:
            return []
        if self.donor_choice != self.Choice.REALLOCATE:
            return [
                _(
                    "The donor has not chosen “%(choice)s”: record their choice before marking "
                    "the refund reallocated."
                )
                % {"choice": self.Choice.REALLOCATE.label}
            ]
        if self.reallocated_to_id is None:
            return [
                _(
                    "Link the other worker's payment this refund paid for (“paid for the "
                    "payment”) before marking it reallocated."
                )
            ]
        return self.reallocation_errors()


class Benefit(VersionedModel):
    """What the insurance gives, shown to donors and visitors; staff keep it up to date."""

    shown_publicly = True

    title = models.CharField(_("title (English)"), max_length=120)
    title_id = models.CharField(_("title (Bahasa Indonesia)"), max_length=120)
    text = models.TextField(_("text (English)"))
    text_id = models.TextField(_("text (Bahasa Indonesia)"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("insurance benefit")
        verbose_name_plural = _("insurance benefits")
        ordering = ["order", "id"]

    def __str__(self):
        return self.title

    def title_for(self, language: str) -> str:
        return self.title_id if language == "id" else self.title

    def text_for(self, language: str) -> str:
        return self.text_id if language == "id" else self.text


def awaiting_card():
    """Recipients whose BPJS card BCC is waiting for: a payment for them verified, no card."""
    paid = PremiumPayment.objects.filter(status=PremiumPayment.Status.VERIFIED)
    return Recipient.objects.filter(card__isnull=True, pk__in=paid.values("sponsorship__recipient"))
