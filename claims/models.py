"""Claims: what the insurance gave a family when something happened.

A claim follows BPJS Ketenagakerjaan's published procedure (SPEC §3, "Claims"): a work accident
is reported within 2 × 24 hours; each kind of claim needs its documents; BPJS decides and pays
the family, or refuses. A claim only succeeds for a day the worker was covered, so each claim
says whether the worker's paid months include that day, as the payments stand when it is shown.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.storage import RandomPath, private_storage
from core.versions import VersionedModel, VersionedQuerySet
from donations import standing
from donations.models import Sponsorship
from recipients.models import Recipient, SituationUpdate

#: BPJS wants a work accident reported within 2 × 24 hours of it.
ACCIDENT_REPORT_WINDOW = dt.timedelta(hours=48)


class ClaimQuerySet(VersionedQuerySet):
    def open(self):
        """Claims still on their way: neither paid nor refused."""
        return self.exclude(state__in=Claim.CLOSED_STATES)

    def by_deadline(self):
        """Open claims, the most urgent first: a report deadline soonest, then the oldest."""
        return self.open().order_by(F("deadline_at").asc(nulls_last=True), "opened_at", "pk")

    def past_deadline(self, now=None):
        """Accidents not yet reported to BPJS whose 2 × 24 hours have run out."""
        now = now or timezone.now()
        return self.open().filter(reported_at__isnull=True, deadline_at__lt=now)

    def paid(self):
        return self.filter(state=Claim.State.PAID)

    def with_coverage(self):
        """Each claim with `covered`: whether the worker's paid months include the claim's day,
        worked out from the payments as they are now (the rule: donations.standing.covers), in
        the same query. Never stored: a payment verified or reversed after the claim was opened
        changes the answer at once."""
        paid = Sponsorship.objects.filter(
            standing.covers_month(OuterRef("happened_month")),
            recipient_id=OuterRef("recipient_id"),
        )
        return self.annotate(
            happened_month=TruncMonth("happened_on", output_field=models.DateField()),
            covered=Exists(paid),
        )


class Claim(VersionedModel):
    """One claim of a worker's family to BPJS Ketenagakerjaan, from the event to the payment."""

    # The paid benefits are on the public "help provided" page.
    shown_publicly = True
    MONEY_FIELDS = ("amount_paid",)

    class Kind(models.TextChoices):
        ACCIDENT = "accident", _("Work accident (JKK)")
        DEATH = "death", _("Death (JKM)")
        SCHOLARSHIP = "scholarship", _("Scholarship for the children")

    class DeathCause(models.TextChoices):
        WORK_ACCIDENT = "work_accident", _("Work accident")
        OTHER = "other", _("Other cause")

    class State(models.TextChoices):
        OPENED = "opened", _("Opened, not yet reported to BPJS")
        REPORTED = "reported", _("Reported to BPJS")
        DOCUMENTS_COMPLETE = "documents_complete", _("Documents complete")
        SUBMITTED = "submitted", _("Submitted to BPJS")
        APPROVED = "approved", _("Decided: approved")
        PAID = "paid", _("Paid to the family")
        REFUSED = "refused", _("Refused")

    CLOSED_STATES = (State.PAID, State.REFUSED)

    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="claims", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(
        _("step"), max_length=20, choices=State.choices, default=State.OPENED, editable=False
    )
    happened_on = models.DateField(
        _("day of the event"),
        help_text=_(
            "The day of the accident or of the death; for a scholarship, the day it was asked for."
        ),
    )
    # A work accident
    accident_at = models.DateTimeField(_("date and time of the accident"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    what_happened = models.TextField(_("what happened"), blank=True)
    clinic = models.CharField(_("clinic or hospital"), max_length=200, blank=True)
    # A death
    death_cause = models.CharField(
        _("cause of death"), max_length=15, choices=DeathCause.choices, blank=True
    )
    spouse_is_heir = models.BooleanField(
        _("the spouse is the heir"),
        default=False,
        help_text=_("Then BPJS also asks for the marriage certificate."),
    )
    situation_update = models.ForeignKey(
        SituationUpdate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("situation update"),
    )
    # A scholarship
    children = models.PositiveSmallIntegerField(
        _("children"), null=True, blank=True, help_text=_("Up to two children.")
    )
    deadline_at = models.DateTimeField(_("report deadline"), null=True, editable=False)
    family_consent = models.BooleanField(
        _("the family agrees that the donors are told and the name is shown"),
        default=False,
        help_text=_("Without it the donors get no message and the public page shows no name."),
    )
    notes = models.TextField(_("internal notes"), blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    reported_at = models.DateTimeField(_("reported to BPJS"), null=True, blank=True)
    documents_complete_on = models.DateField(_("documents complete"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted to BPJS"), null=True, blank=True)
    decided_on = models.DateField(_("decided by BPJS"), null=True, blank=True)
    paid_on = models.DateField(_("paid to the family"), null=True, blank=True)
    amount_paid = models.PositiveBigIntegerField(_("amount paid (Rupiah)"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for the refusal"), blank=True)
    history = HistoricalRecords()

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-opened_at", "-id"]
        permissions = [
            ("mark_claim_paid", _("Can mark a claim paid to the family")),
            ("view_claim_scans", _("Can see the scans of claim documents")),
        ]
        indexes = [models.Index(fields=["state", "deadline_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="accident") | Q(accident_at__isnull=False),
                name="claim_accident_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(amount_paid__gt=0, paid_on__isnull=False),
                name="claim_paid_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(children__isnull=True) | Q(children__gte=1, children__lte=2),
                name="claim_children_one_or_two",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.recipient} ({self.happened_on:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.kind == Claim.Kind.ACCIDENT and self.accident_at:
            # The day of an accident is its calendar day in Bali.
            self.happened_on = timezone.localdate(self.accident_at)
            self.deadline_at = self.accident_at + ACCIDENT_REPORT_WINDOW
        else:
            self.deadline_at = None
        # The day or the worker may have changed: `covered` is worked out again when asked.
        self.__dict__.pop("_covered", None)
        super().save(*args, **kwargs)

    @property
    def covered(self) -> bool:
        """Whether the worker's paid months include the claim's day, as the payments stand now.
        Read from the query when it was fetched with `with_coverage()` (lists, the dashboard:
        no query per claim), otherwise asked of the database once."""
        if "_covered" not in self.__dict__:
            self._covered = bool(
                self.recipient_id
                and self.happened_on
                and covered_on(self.recipient_id, self.happened_on)
            )
        return self._covered

    @covered.setter
    def covered(self, value):
        # Set by the `covered` annotation of with_coverage().
        self._covered = bool(value)

    @property
    def is_open(self) -> bool:
        return self.state not in self.CLOSED_STATES

    def time_left(self, now=None) -> dt.timedelta | None:
        """Until the report deadline; negative once past it; None when there is none to meet
        (not an accident, or already reported)."""
        if self.deadline_at is None or self.reported_at is not None:
            return None
        return self.deadline_at - (now or timezone.now())

    def is_past_deadline(self, now=None) -> bool:
        left = self.time_left(now)
        return left is not None and left <= dt.timedelta(0)

    def reported_late(self) -> bool:
        return bool(self.deadline_at and self.reported_at and self.reported_at > self.deadline_at)


def countdown(claim: Claim, now=None) -> str:
    """The report deadline in words: the time left, or how long ago it passed."""
    left = claim.time_left(now)
    if left is None:
        if claim.reported_late():
            return gettext("Reported late (after the 2 × 24 hours)")
        return ""
    minutes = int(abs(left.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    values = {"hours": hours, "minutes": minutes}
    if left <= dt.timedelta(0):
        return gettext("Past the deadline by %(hours)d h %(minutes)02d min") % values
    return gettext("%(hours)d h %(minutes)02d min left to report to BPJS") % values


def covered_on(recipient_id: int, day: dt.date) -> bool:
    """Whether the worker's paid months include `day`: a verified payment of any of their
    sponsorships covers its month, whatever became of the sponsorship since (SPEC: protection
    belongs to the worker). The rule is `donations.standing.covers`; a death does not undo it."""
    return Sponsorship.objects.filter(standing.covers(day), recipient_id=recipient_id).exists()


class ClaimDocument(VersionedModel):
    """One line of a claim's checklist: ticked when BCC has it, with an optional private scan."""

    class Kind(models.TextChoices):
        BPJS_CARD = "bpjs_card", _("BPJS Ketenagakerjaan membership card")
        KTP_WORKER = "ktp_worker", _("E-KTP copy of the worker")
        KTP_HEIR = "ktp_heir", _("E-KTP copy of the heir")
        ACCIDENT_REPORT = "accident_report", _("Work accident report (from the employer or BCC)")
        MEDICAL_REPORT = "medical_report", _("Medical report from the clinic or hospital")
        CHRONOLOGY = "chronology", _("Account of the accident signed by a witness")
        DEATH_CERTIFICATE = "death_certificate", _("Death certificate")
        FAMILY_CARD = "family_card", _("Family card (KK)")
        HEIR_CERTIFICATE = "heir_certificate", _("Legal-heir certificate")
        MARRIAGE_CERTIFICATE = "marriage_certificate", _("Marriage certificate")
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate of the child")
        SCHOOL_CERTIFICATE = "school_certificate", _("Certificate from the child's school")
        OTHER = "other", _("Other document asked for by BPJS")

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="documents", verbose_name=_("claim")
    )
    kind = models.CharField(_("document"), max_length=25, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    received = models.BooleanField(_("received"), default=False)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    scan = models.FileField(
        _("scan"), upload_to=RandomPath("claims"), storage=private_storage, blank=True
    )
    content_type = models.CharField(_("content type"), max_length=50, blank=True, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")
        ordering = ["claim", "id"]

    def __str__(self):
        return self.note or self.get_kind_display()


#: The documents BPJS asks for, by kind of claim (SPEC §3, "Claims").
CHECKLISTS = {
    Claim.Kind.ACCIDENT: [
        ClaimDocument.Kind.BPJS_CARD,
        ClaimDocument.Kind.KTP_WORKER,
        ClaimDocument.Kind.ACCIDENT_REPORT,
        ClaimDocument.Kind.MEDICAL_REPORT,
        ClaimDocument.Kind.CHRONOLOGY,
    ],
    Claim.Kind.DEATH: [
        ClaimDocument.Kind.BPJS_CARD,
        ClaimDocument.Kind.KTP_WORKER,
        ClaimDocument.Kind.KTP_HEIR,
        ClaimDocument.Kind.DEATH_CERTIFICATE,
        ClaimDocument.Kind.FAMILY_CARD,
        ClaimDocument.Kind.HEIR_CERTIFICATE,
    ],
    Claim.Kind.SCHOLARSHIP: [
        ClaimDocument.Kind.BPJS_CARD,
        ClaimDocument.Kind.KTP_WORKER,
        ClaimDocument.Kind.FAMILY_CARD,
        ClaimDocument.Kind.BIRTH_CERTIFICATE,
        ClaimDocument.Kind.SCHOOL_CERTIFICATE,
    ],
}


def checklist_for(claim: Claim) -> list[str]:
    kinds = list(CHECKLISTS[claim.kind])
    if claim.kind == Claim.Kind.DEATH and claim.spouse_is_heir:
        kinds.append(ClaimDocument.Kind.MARRIAGE_CERTIFICATE)
    return kinds
