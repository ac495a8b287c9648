import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import ExtractYear, Least, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from core.errors import RuleError
from core.months import month_name, month_range, month_start, months_between
from core.versions import VersionedModel, VersionedQuerySet, bump_for
from donations import rules, standing
from recipients.models import Recipient


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    INDONESIAN = "id", "Bahasa Indonesia"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class DonorQuerySet(VersionedQuerySet):
    def active_on(self, day=None):
        """Donors with at least one sponsorship in force on `day` (the three-month rule applied)."""
        # A pledge whose hold ended without evidence no longer makes its donor active, even
        # before the nightly command records its expiry.
        live = (
            Sponsorship.objects.live_on(day)
            .exclude(standing.hold_expired(day or timezone.localdate(), settings.PLEDGE_HOLD_DAYS))
            .filter(donor=OuterRef("pk"))
        )
        return self.filter(Exists(live))

    def seen_by_staff_active_on(self, day=None):
        """Active donors of whom staff verified at least one payment (listed or not)."""
        verified = Sponsorship.objects.filter(donor=OuterRef("pk"), payments__status="verified")
        return self.active_on(day).filter(erased_at__isnull=True).filter(Exists(verified))

    def for_public_display(self, day=None):
        """The public list of active donors: consented, in force, and seen by BCC staff.

        A donor appears only after staff verified at least one of their payments, so that a name
        typed into a public form never reaches the site before a person at BCC has seen it.
        """
        return self.seen_by_staff_active_on(day).filter(listed_publicly=True)

    def with_public_figures(self, day=None):
        """Adds when the donor started, how many people they protect on `day`, and how many
        they sponsor then (a new donor's first paid month may still be ahead: they sponsor
        someone, who is not protected yet).

        Started is the first month paid for, or the day of the first pledge if earlier: a donor
        who pledged in December for January has been with the program since December."""
        day = day or timezone.localdate()
        return self.annotate(
            started=Least(
                Min("sponsorships__first_month"), Min(TruncDate("sponsorships__created_at"))
            ),
            sponsoring=Count(
                "sponsorships__recipient",
                filter=standing.in_force(day, prefix="sponsorships__"),
                distinct=True,
            ),
            protecting=Count(
                "sponsorships__recipient",
                filter=standing.standing_is(
                    day or timezone.localdate(), standing.Standing.COVERED, prefix="sponsorships__"
                ),
                distinct=True,
            ),
        )

    def by_token(self, raw: str):
        """The donor a private-link token belongs to, or None (revoked and expired links too)."""
        if not raw:
            return None
        valid = DonorAccessToken.objects.valid().filter(token_hash=hash_token(raw))
        return self.filter(pk__in=valid.values("donor_id")).first()


class Donor(VersionedModel):
    """A person who pays the premium for one or more recipients."""

    shown_publicly = True

    full_name = models.CharField(_("full name"), max_length=150)
    display_name = models.CharField(
        _("name or initials shown on the website"), max_length=80, blank=True
    )
    listed_publicly = models.BooleanField(_("agrees to be listed publicly"), default=False)
    email = models.EmailField(_("email"), db_index=True)
    phone = PhoneNumberField(_("WhatsApp/Line number"), blank=True)
    country = CountryField(_("country"), default="ID")
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    notes = models.TextField(_("internal notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    history = HistoricalRecords()

    objects = DonorQuerySet.as_manager()

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        ordering = ["full_name", "id"]
        permissions = [
            ("import_donor", _("Can import donors from CSV")),
            ("export_donor", _("Can export donors to CSV")),
        ]
        indexes = [models.Index(fields=["listed_publicly", "display_name"])]

    def __str__(self):
        return self.full_name

    @property
    def is_overseas(self) -> bool:
        return self.country.code != "ID"

    @property
    def public_name(self) -> str:
        return self.display_name or initials(self.full_name)

    def issue_link(self, days: int | None = None) -> str:
        """A new secret for the donor's private page; only its hash is stored."""
        raw = secrets.token_urlsafe(24)  # 192 bits
        expires = timezone.now() + timezone.timedelta(days=days) if days else None
        self.access_tokens.create(token_hash=hash_token(raw), expires_at=expires)
        return raw

    def revoke_links(self) -> int:
        return self.access_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())

    def paid_by_year(self):
        """Verified payments summed per year (of verification, in Bali time) and recipient."""
        return list(
            self.sponsorships.filter(payments__status="verified")
            .values("recipient__nickname", "recipient_id")
            .annotate(
                year=ExtractYear("payments__verified_at"),
                amount=Sum("payments__amount"),
                months=Sum("payments__months"),
            )
            .order_by("year", "recipient__nickname")
        )

    def private_url(self, raw_token: str) -> str:
        from django.urls import reverse

        return settings.SITE_URL + reverse("donations:private", args=[raw_token])


def initials(name: str) -> str:
    return "".join(f"{part[0].upper()}." for part in name.split() if part[:1].isalpha())


class DonorAccessTokenQuerySet(VersionedQuerySet):
    def valid(self):
        """Links that open a donor's page: not revoked, not expired, donor not erased. The one
        rule the link, the donor session and `Donor.objects.by_token` all apply."""
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
            revoked_at__isnull=True,
            donor__erased_at__isnull=True,
        )


class DonorAccessToken(VersionedModel):
    """A secret link to a donor's private page. The token itself is never stored."""

    donor = models.ForeignKey(
        Donor, on_delete=models.CASCADE, related_name="access_tokens", verbose_name=_("donor")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = DonorAccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("private link")
        verbose_name_plural = _("private links")

    def __str__(self):
        return str(_("Link created %(created)s")) % {"created": f"{self.created_at:%Y-%m-%d}"}


def protecting(day, prefix: str = "") -> Q:
    """`standing.covers` for a living worker: the condition of "people protected now"."""
    return standing.covers(day, prefix) & ~Q(**{f"{prefix}recipient__status": "deceased"})


class SponsorshipQuerySet(VersionedQuerySet):
    """The standing rules of `donations.standing` as filters, for `day` (today by default)."""

    def live_on(self, day=None):
        """Sponsorships in force on `day`: the public list, the dashboard and the commands all
        use this one definition of "active"."""
        return self.filter(standing.in_force(day or timezone.localdate()))

    def with_standing(self, day=None):
        """Each sponsorship annotated with `standing_today`: its standing on `day` (None if not
        live)."""
        return self.annotate(
            standing_today=standing.standing_expression(day or timezone.localdate())
        )

    def standing_is(self, *standings, day=None):
        return self.filter(standing.standing_is(day or timezone.localdate(), *standings))

    def protecting_on(self, day=None):
        """Sponsorships whose paid months protect their (living) worker on `day`, whatever
        became of the sponsorship since: protection belongs to the worker."""
        return self.filter(protecting(day or timezone.localdate()))

    def will_lapse_on(self, day=None):
        """One or two months overdue on `day`: without evidence they lapse within two months."""
        return self.standing_is(standing.Standing.OVERDUE_1, standing.Standing.OVERDUE_2, day=day)

    def coverage_ending_on(self, day=None):
        """In force, with the last paid month ending within 30 days of `day` (not before): the
        window of the donor's "coverage ending" reminder."""
        return self.filter(standing.coverage_ending(day or timezone.localdate()))

    def lapsed_unrecorded_on(self, day=None):
        """Live by their stored state, but lapsed by the calendar: the lapse command's work."""
        return self.filter(standing.lapsed_unrecorded(day or timezone.localdate()))

    def lapsed_on(self, day=None):
        """Lapsed on `day`: recorded, or by the calendar and not recorded yet."""
        return self.filter(standing.lapsed(day or timezone.localdate()))

    def hold_expired_on(self, day=None):
        """Pledges without evidence past PLEDGE_HOLD_DAYS: no longer holding their worker."""
        day = day or timezone.localdate()
        return self.filter(standing.hold_expired(day, settings.PLEDGE_HOLD_DAYS))

    def holding_recipient_on(self, day=None):
        """Sponsorships that keep their recipient off the list of people waiting for a sponsor:
        in force or awaiting the donor's decision, except a pledge whose hold expired (decided
        at read time: the list is right before lapse_sponsorships records the expiry)."""
        day = day or timezone.localdate()
        holding = Q(state=Sponsorship.State.AWAITING_DECISION) | standing.in_force(day)
        return self.filter(holding).exclude(standing.hold_expired(day, settings.PLEDGE_HOLD_DAYS))


class Sponsorship(VersionedModel):
    """A donor's pledge to pay a recipient's premium.

    The state stores what people decided; where a live sponsorship stands on a given day
    (covered, due, overdue, lapsed) is derived from covered_through and lapses_on, which are
    recomputed from the payments and evidence each time those change.
    """

    shown_publicly = True

    class State(models.TextChoices):
        PLEDGED = "pledged", _("Pledged, awaiting the first payment")
        ACTIVE = "active", _("Active")
        AWAITING_DECISION = "awaiting_decision", _("Waiting for the donor's decision")
        STOPPED = "stopped", _("Stopped")
        LAPSED = "lapsed", _("Lapsed")

    class Route(models.TextChoices):
        DIRECT = "direct", _("Direct to BPJS")
        PAYPAL = "paypal", _("PayPal via BCC")

    #: Recorded as end_reason when the three-month rule ends a sponsorship.
    LAPSE_REASON = "three months without evidence"
    #: Recorded as end_reason when a pledge's hold ends without evidence of payment.
    EXPIRY_REASON = "pledge expired: no evidence of payment in time"
    #: Recorded as end_reason when staff cancel a pledge that was never paid.
    CANCEL_REASON = "unpaid pledge cancelled by BCC"
    #: The states in which the calendar decides the standing (pledged, active).
    LIVE_STATES = (State.PLEDGED, State.ACTIVE)  # standing.LIVE_STATES; a test checks
    HOLDING_STATES = (State.PLEDGED, State.ACTIVE, State.AWAITING_DECISION)

    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, related_name="sponsorships", verbose_name=_("donor")
    )
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        related_name="sponsorships",
        verbose_name=_("recipient"),
    )
    first_month = models.DateField(_("first month"))
    months_pledged = models.PositiveSmallIntegerField(_("months pledged"))
    route = models.CharField(_("payment route"), max_length=10, choices=Route.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PLEDGED
    )
    covered_through = models.DateField(_("paid through"), null=True, blank=True, editable=False)
    lapses_on = models.DateField(_("lapses on"), null=True, blank=True, editable=False)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("continued as"),
    )
    created_at = models.DateTimeField(_("pledged at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("first payment verified"), null=True, blank=True)
    decision_requested_at = models.DateTimeField(_("donor asked to decide"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    history = HistoricalRecords()

    objects = SponsorshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("sponsorship")
        verbose_name_plural = _("sponsorships")
        ordering = ["-created_at", "-id"]
        permissions = [("import_sponsorship", _("Can import sponsorships from CSV"))]
        indexes = [
            models.Index(fields=["state", "lapses_on"]),
            models.Index(fields=["state", "covered_through"]),
            models.Index(fields=["first_month"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(months_pledged__gte=rules.MINIMUM_MONTHS),
                name="sponsorship_pledge_at_least_a_year",
            ),
            models.UniqueConstraint(
                fields=["recipient"],
                condition=Q(state__in=["pledged", "active", "awaiting_decision"]),
                name="one_live_sponsorship_per_recipient",
                violation_error_message=_("This person already has a sponsor."),
            ),
        ]

    def __str__(self):
        return f"{self.donor} → {self.recipient.nickname}"

    def was_running_on(self, day) -> bool:
        """Whether `day` falls between this sponsorship's pledge and its end: what a donor may
        see of the recipient's card handovers and situation updates (not a former sponsor's)."""
        started = timezone.localdate(self.created_at)
        ended = timezone.localdate(self.ended_at) if self.ended_at else None
        return started <= day and (ended is None or day <= ended)

    def standing_on(self, day=None) -> standing.Standing | None:
        """Where the sponsorship stands on `day` by the calendar; None once it has ended."""
        return standing.standing_on(
            day or timezone.localdate(),
            self.state,
            self.first_month,
            self.covered_through,
            self.lapses_on,
        )

    def is_lapsed_on(self, day=None) -> bool:
        """Lapsed, recorded or only by the calendar (the lapse command has not run yet)."""
        return standing.is_lapsed(day or timezone.localdate(), self.state, self.lapses_on)

    @property
    def standing(self):
        return self.standing_on()

    def payments_awaiting_review(self) -> list:
        """Pending payments with evidence sent and not yet reviewed (uses prefetched rows)."""
        return [
            payment
            for payment in self.payments.all()
            if payment.status == "pending"
            and any(evidence.status == "pending" for evidence in payment.evidence.all())
        ]

    def has_evidence_awaiting_review(self) -> bool:
        return bool(self.payments_awaiting_review())

    def has_pending_payment(self) -> bool:
        """A payment started and not yet verified: the next one cannot start before it
        (premiums.services.start_next_payment refuses). Uses prefetched payments."""
        return any(payment.status == "pending" for payment in self.payments.all())

    @property
    def standing_badge(self) -> str:
        """What the donor's badge says today, true in every state: before the first month, a
        paid sponsorship says when protection starts, and evidence sent says it awaits review.
        """
        now = self.standing
        if now == standing.Standing.NOT_STARTED:
            if self.covered_through:
                return _("Paid — protection starts %(month)s") % {
                    "month": month_name(self.first_month)
                }
            if self.has_evidence_awaiting_review():
                return _("Evidence awaiting verification")
            return _("Awaiting the first payment")
        labels = {
            standing.Standing.COVERED: _("Covered"),
            standing.Standing.AWAITING_VERIFICATION: _("Evidence awaiting verification"),
            standing.Standing.DUE: _("Payment due"),
            standing.Standing.OVERDUE_1: _("One month overdue"),
            standing.Standing.OVERDUE_2: _("Two months overdue"),
            standing.Standing.LAPSED: _("Lapsed"),
        }
        return labels.get(now) or self.get_state_display()

    def month_strip(self, day=None, length=18):
        """Month-by-month view for the donor: (month, kind) with kind one of covered, pending
        (evidence awaiting verification), due, overdue, future. Uses prefetched payments."""
        day = day or timezone.localdate()
        today = month_start(day)
        pending = {
            month
            for p in self.payments_awaiting_review()
            for month in month_range(p.first_month, p.months)
        }
        last_paid = max(
            (p.last_month for p in self.payments.all() if p.status != "cancelled"),
            default=self.first_month,
        )
        end = max(last_paid, today if self.state in self.LIVE_STATES else self.first_month)
        strip = []
        for month in month_range(self.first_month, months_between(self.first_month, end) + 1):
            if self.covered_through and month <= self.covered_through:
                kind = "covered"
            elif month in pending:
                kind = "pending"
            elif month <= today and self.state in self.LIVE_STATES:
                behind = standing.months_behind(today, self.first_month, self.covered_through)
                kind = "due" if month == today and behind <= 1 else "overdue"
            else:
                kind = "future"
            strip.append((month, kind))
        return strip[-length:] if length else strip


class DonorRequest(VersionedModel):
    """A donor asks BCC to stop a sponsorship or to move it to another recipient."""

    class Kind(models.TextChoices):
        STOP = "stop", _("Stop the sponsorship")
        CHANGE_RECIPIENT = "change_recipient", _("Change to another recipient")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Carried out")
        DECLINED = "declined", _("Declined")

    sponsorship = models.ForeignKey(
        Sponsorship,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("sponsorship"),
    )
    kind = models.CharField(_("request"), max_length=20, choices=Kind.choices)
    new_recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new recipient"),
    )
    message = models.TextField(_("message from the donor"), blank=True)
    # Set when the request is the donor's answer to a situation update BCC sent them.
    situation_update = models.ForeignKey(
        "recipients.SituationUpdate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answers the situation update"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining (shown to the donor)"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("donor request")
        verbose_name_plural = _("donor requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="change_recipient")
                | Q(new_recipient__isnull=False)
                | ~Q(status="done"),
                name="donorrequest_change_names_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="donorrequest_decline_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.sponsorship}"


class MessageQuerySet(VersionedQuerySet):
    def stuck(self):
        """Emails staff should look at: still not delivered after STUCK_ATTEMPTS tries (the mail
        server has been refusing for an hour or more), or marked failed by an earlier version
        that gave up. Those of erased donors are not: they are never to be sent."""
        return self.filter(
            Q(status=Message.Status.QUEUED, attempts__gte=Message.STUCK_ATTEMPTS)
            | (Q(status=Message.Status.FAILED) & ~Q(last_error=Message.ERASED_DONOR))
        )


class Message(VersionedModel):
    """An email to a donor, written in the same transaction as its cause and sent later.

    `send_messages` delivers queued rows and retries failures with back-off, so a mail server
    that is down loses nothing. `key` makes a message at-most-once (e.g. one reminder per
    sponsorship and period).
    """

    class Kind(models.TextChoices):
        PLEDGE_RECEIVED = "pledge_received", _("Pledge received")
        EVIDENCE_RECEIVED = "evidence_received", _("Evidence received")
        EVIDENCE_VERIFIED = "evidence_verified", _("Evidence verified")
        EVIDENCE_REJECTED = "evidence_rejected", _("Evidence rejected")
        CARD_HANDED_OVER = "card_handed_over", _("Card handed over")
        SITUATION_UPDATE = "situation_update", _("Situation update")
        COVERAGE_ENDING = "coverage_ending", _("Coverage ending soon")
        OVERDUE_1 = "overdue_1", _("One month overdue")
        OVERDUE_2 = "overdue_2", _("Two months overdue")
        LAPSED = "lapsed", _("Lapsed")
        PLEDGE_EXPIRED = "pledge_expired", _("Pledge expired without evidence")
        QUOTE_CHANGED = "quote_changed", _("Amount to pay changed")
        REFUND = "refund", _("Refund")
        LINK = "link", _("Private link requested")
        REQUEST_HANDLED = "request_handled", _("Request handled")
        PAYPAL_RECEIVED = "paypal_received", _("PayPal payment received")
        CLAIM_PAID = "claim_paid", _("Benefit paid to the family")
        YEAR_STATEMENT = "year_statement", _("Giving statement of the year")

    #: Why a queued message of an erased donor is never sent.
    ERASED_DONOR = "donor erased"
    #: From this many failed attempts (about an hour of outage) staff see the message on the
    #: dashboard; send_messages goes on trying every six hours whatever the count.
    STUCK_ATTEMPTS = 5

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will not be retried")

    donor = models.ForeignKey(
        Donor, on_delete=models.CASCADE, related_name="messages", verbose_name=_("donor")
    )
    sponsorship = models.ForeignKey(
        Sponsorship,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("sponsorship"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    context = models.JSONField(_("details"), default=dict, blank=True)
    key = models.CharField(max_length=120, unique=True, null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.donor}"

    def send_again(self) -> bool:
        """Staff ask for this email to go out at the next run of send_messages; False if it was
        already sent. A message of an erased donor is never sent (RuleError)."""
        with transaction.atomic():
            locked = Message.objects.select_for_update().select_related("donor").get(pk=self.pk)
            if locked.donor.erased_at:
                raise RuleError(
                    _("The donor's personal data was erased: this email is never sent.")
                )
            if locked.status == Message.Status.SENT:
                return False
            locked.status = Message.Status.QUEUED
            locked.next_attempt_at = timezone.now()
            locked.save(update_fields=["status", "next_attempt_at"])
        self.refresh_from_db()
        return True

    def message_id(self) -> str:
        """The email's Message-ID, the same on every attempt: when a connection dies after the
        server took the mail, the retry is a copy that mail programs recognise and drop."""
        domain = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"<bcc-message-{self.pk}.{self.created_at:%Y%m%d%H%M%S}@{domain}>"

    @classmethod
    def queue(cls, donor, kind, /, *, sponsorship=None, key=None, **context):
        """Queue a message; with a key, a second call for the same key does nothing.

        `donor` and `kind` are positional so that the context may hold a "kind" of its own (the
        kind of news in a situation update).
        """
        fields = {"donor": donor, "kind": kind, "sponsorship": sponsorship, "context": context}
        if not key:
            return cls.objects.create(**fields)
        # The unique key decides, not a look-up first: two requests at once (a double click,
        # two workers) would both find nothing and both insert. The savepoint keeps the
        # caller's transaction usable when the key is taken.
        try:
            with transaction.atomic():
                return cls.objects.create(key=key, **fields)
        except IntegrityError:
            return None

    @classmethod
    def queue_links_for(cls, email: str, period: str) -> None:
        """Queue "here is your link" for every donor (not erased) with this email, at most once
        per donor and `period`, in one statement whether the email is known or not.

        "Send me my link" must not tell, not even by its timing, whether an email belongs to
        a donor: a look-up followed by an insert for the known ones would take one more
        round trip for them. INSERT … SELECT does the same work either way, and the unique
        key (ON CONFLICT DO NOTHING) keeps it once per period under any concurrency.
        """
        table, donors = cls._meta.db_table, Donor._meta.db_table
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table}
                    (donor_id, kind, context, key, status, attempts, next_attempt_at,
                     last_error, subject, created_at)
                SELECT id, %s, %s, %s || CAST(id AS TEXT) || %s, %s, 0, %s, '', '', %s
                FROM {donors}
                WHERE UPPER(email) = UPPER(%s) AND erased_at IS NULL
                ON CONFLICT (key) DO NOTHING
                """,
                [
                    cls.Kind.LINK,
                    "{}",
                    "link:",
                    f":{period}",
                    cls.Status.QUEUED,
                    now,
                    now,
                    email,
                ],
            )
        bump_for(cls)  # behind the ORM's back: the donor's page lists messages


def needing_sponsor(day=None):
    """Recipients shown publicly whom nobody holds on `day`: the people waiting for a sponsor.

    Not waiting: a worker with a sponsorship in force (or awaiting the donor's decision), and a
    worker whose paid months run on after their sponsorship ended, until those months end within
    WAITING_WINDOW_DAYS. Each comes with `paid_through` (their last paid month, or None), and
    they are ordered longest-waiting first: since the end of their last coverage, or since they
    were listed. A query of recipients that lives here, not in the recipients app, because it is
    the sponsorships that decide it (the recipients app knows nothing of them).
    """
    day = day or timezone.localdate()
    holding = Sponsorship.objects.holding_recipient_on(day).values("recipient")
    still_paid = Sponsorship.objects.filter(standing.covered_past_window(day)).values("recipient")
    # A new sponsorship registers the worker on its first month: next month at the earliest.
    registered_on = rules.earliest_first_month(day)
    return (
        with_paid_through(Recipient.objects.public().under_age_limit_on(registered_on))
        .exclude(pk__in=holding)
        .exclude(pk__in=still_paid)
        .order_by(standing.waiting_from_expression("paid_through", "waiting_since"), "pk")
    )


def with_paid_through(recipients):
    """`recipients` with `paid_through`: the last month any of their sponsorships paid for."""
    last = (
        Sponsorship.objects.filter(recipient=OuterRef("pk"), covered_through__isnull=False)
        .order_by("-covered_through")
        .values("covered_through")[:1]
    )
    return recipients.annotate(paid_through=Subquery(last))


def protected_on(day=None):
    """The workers protected on `day`: living, with the month paid by a verified payment of any
    of their sponsorships, whatever became of that sponsorship (stopped, changed, lapsed)."""
    day = day or timezone.localdate()
    return Recipient.objects.filter(
        pk__in=Sponsorship.objects.protecting_on(day).values("recipient")
    )


def paid_through_of(recipient_id):
    """The last month paid for this worker by any sponsorship, or None."""
    return (
        Sponsorship.objects.filter(recipient_id=recipient_id, covered_through__isnull=False)
        .order_by("-covered_through")
        .values_list("covered_through", flat=True)
        .first()
    )
