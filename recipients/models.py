from django.conf import settings
from django.core.files.base import ContentFile
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from core.storage import RandomPath, private_storage
from core.versions import VersionedModel, VersionedQuerySet
from recipients import eligibility

sixteen_digits = RegexValidator(r"\A[0-9]{16}\Z", _("Enter exactly 16 digits."))
eleven_digits = RegexValidator(
    r"\A[0-9]{11}\Z", _("A BPJS participant number (KPJ) has 11 digits.")
)


class Sector(models.TextChoices):
    """Worker sectors a premium rate can be specific to (no sector: the rate applies to all)."""

    AGRICULTURE = "agriculture", _("Agriculture and plantations")
    CONSTRUCTION = "construction", _("Construction")
    FISHERY = "fishery", _("Fishery")
    TRANSPORT = "transport", _("Transport")
    GENERAL = "general", _("General informal work")


class Occupation(models.TextChoices):
    COCONUT_CLIMBER = "coconut_climber", _("Coconut tree climber")
    TUAK_MAKER = "tuak_maker", _("Tuak (palm wine) maker")
    CASUAL_WORKER = "casual_worker", _("Casual worker")
    CONSTRUCTION_WORKER = "construction_worker", _("Construction worker")
    FARMER = "farmer", _("Farmer")
    FISHER = "fisher", _("Fisher")
    TRANSPORT_WORKER = "transport_worker", _("Transport worker (ojek, driver)")
    OTHER = "other", _("Other")


OCCUPATION_SECTOR = {
    Occupation.COCONUT_CLIMBER: Sector.AGRICULTURE,
    Occupation.TUAK_MAKER: Sector.AGRICULTURE,
    Occupation.CASUAL_WORKER: Sector.GENERAL,
    Occupation.CONSTRUCTION_WORKER: Sector.CONSTRUCTION,
    Occupation.FARMER: Sector.AGRICULTURE,
    Occupation.FISHER: Sector.FISHERY,
    Occupation.TRANSPORT_WORKER: Sector.TRANSPORT,
    Occupation.OTHER: Sector.GENERAL,
}


class Regency(models.TextChoices):
    """Bali's eight regencies and the city of Denpasar (value = the NIK region code)."""

    JEMBRANA = "5101", "Jembrana"
    TABANAN = "5102", "Tabanan"
    BADUNG = "5103", "Badung"
    GIANYAR = "5104", "Gianyar"
    KLUNGKUNG = "5105", "Klungkung"
    BANGLI = "5106", "Bangli"
    KARANGASEM = "5107", "Karangasem"
    BULELENG = "5108", "Buleleng"
    DENPASAR = "5171", "Denpasar"


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class RecipientQuerySet(VersionedQuerySet):
    def public(self):
        """Recipients that may appear on the public site at all."""
        return self.filter(status=Recipient.Status.ELIGIBLE)

    def under_age_limit_on(self, day):
        """Recipients BPJS would still register on `day`: under 60 then (see eligibility)."""
        return self.filter(
            Q(date_of_birth__isnull=True)
            | Q(date_of_birth__gt=eligibility.latest_birth_date_over_limit(day))
        )


class Recipient(VersionedModel):
    """A worker BCC proposes for sponsorship: a public face and a private file."""

    shown_publicly = True

    class Status(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        INACTIVE = "inactive", _("No longer suitable")
        DECEASED = "deceased", _("Deceased")

    # Public: what visitors see.
    nickname = models.CharField(_("first name or nickname"), max_length=60)
    photo = models.ImageField(
        _("photo"), upload_to=RandomPath("recipients"), storage=private_storage, blank=True
    )
    photo_consent = models.BooleanField(
        _("consents to the photo being shown publicly"), default=False
    )
    occupation = models.CharField(_("occupation"), max_length=30, choices=Occupation.choices)
    occupation_detail = models.CharField(_("occupation detail"), max_length=100, blank=True)
    occupation_detail_id = models.CharField(
        _("occupation detail (Bahasa Indonesia)"), max_length=100, blank=True
    )
    regency = models.CharField(_("regency"), max_length=4, choices=Regency.choices)
    story = models.TextField(_("story (English)"), blank=True)
    story_id = models.TextField(_("story (Bahasa Indonesia)"), blank=True)
    waiting_since = models.DateField(_("waiting for a sponsor since"), default=timezone.localdate)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ELIGIBLE
    )
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)

    # Private: staff only.
    full_name = models.CharField(_("full name"), max_length=150)
    nik = models.CharField(
        _("NIK"),
        max_length=16,
        blank=True,
        validators=[sixteen_digits],
        help_text=_("16-digit national ID number from the E-KTP."),
    )
    kk = models.CharField(
        _("family card number (KK)"), max_length=16, blank=True, validators=[sixteen_digits]
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    village = models.CharField(_("village (desa/banjar)"), max_length=100, blank=True)
    address = models.TextField(_("address"), blank=True)
    phone = PhoneNumberField(_("phone (WhatsApp/Line)"), blank=True)
    household_notes = models.TextField(_("household notes"), blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = RecipientQuerySet.as_manager()

    #: What only staff with the "view_private_data" permission see (coordinators, not
    #: volunteers): in the admin, in its search and in exports.
    PRIVATE_FIELDS = ("nik", "kk", "date_of_birth", "village", "address", "phone")
    PRIVATE_DATA_PERMISSION = "recipients.view_private_data"

    #: What public pages may load: never NIK, KK, date of birth, address or phone.
    PUBLIC_FIELDS = (
        "id",
        "nickname",
        "photo",
        "photo_consent",
        "occupation",
        "occupation_detail",
        "occupation_detail_id",
        "regency",
        "story",
        "story_id",
        "waiting_since",
        "status",
    )

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["waiting_since", "id"]
        permissions = [
            ("view_private_data", _("Can see NIK, KK, date of birth, address and phone")),
            ("import_recipient", _("Can import recipients from CSV")),
            ("export_recipient", _("Can export recipients to CSV")),
        ]
        indexes = [
            models.Index(fields=["status", "waiting_since"]),
            models.Index(fields=["occupation"]),
            models.Index(fields=["regency"]),
            models.Index(fields=["nik"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="deceased") | Q(deceased_on__isnull=False),
                name="recipient_deceased_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.nickname} ({self.get_regency_display()})"

    @property
    def sector(self) -> str:
        return OCCUPATION_SECTOR.get(self.occupation, Sector.GENERAL)

    def under_age_limit_on(self, day) -> bool:
        """Whether BPJS would register this worker on `day` (under 60 then)."""
        return eligibility.under_age_limit_on(self.date_of_birth, day)

    @property
    def public_photo(self):
        return self.photo if (self.photo and self.photo_consent) else None

    @classmethod
    def private_data_visible_to(cls, user) -> bool:
        return user.has_perm(cls.PRIVATE_DATA_PERMISSION)

    def story_for(self, language: str) -> str:
        return (self.story_id if language == "id" else self.story) or self.story or self.story_id

    def nik_check(self):
        from recipients.nik import check_nik

        if not self.nik:
            return None
        return check_nik(self.nik, self.date_of_birth, self.sex)


class BpjsCardQuerySet(VersionedQuerySet):
    def awaiting_handover(self):
        """Cards BCC has received but not yet handed to the recipient."""
        return self.exclude(Exists(CardHandover.objects.filter(card=OuterRef("pk"))))

    def handed_over(self):
        return self.filter(Exists(CardHandover.objects.filter(card=OuterRef("pk"))))


class BpjsCard(VersionedModel):
    """The BPJS Ketenagakerjaan membership card issued for a recipient."""

    recipient = models.OneToOneField(
        Recipient, on_delete=models.PROTECT, related_name="card", verbose_name=_("recipient")
    )
    participant_number = models.CharField(
        _("participant number (KPJ)"), max_length=11, unique=True, validators=[eleven_digits]
    )
    issued_on = models.DateField(_("issue date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    objects = BpjsCardQuerySet.as_manager()

    class Meta:
        verbose_name = _("BPJS card")
        verbose_name_plural = _("BPJS cards")

    def __str__(self):
        return f"KPJ {self.participant_number} ({self.recipient.nickname})"


class CardHandover(VersionedModel):
    """BCC hands the card to the recipient and explains the benefits; the donor gets the photos."""

    shown_publicly = True

    card = models.ForeignKey(
        BpjsCard, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("card")
    )
    handed_over_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=150)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    notes = models.TextField(_("notes"), blank=True)
    documentation_sent_at = models.DateTimeField(
        _("documentation sent to the donor"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("card handover")
        verbose_name_plural = _("card handovers")
        ordering = ["-handed_over_on", "-id"]
        indexes = [models.Index(fields=["documentation_sent_at"])]

    def __str__(self):
        return f"{self.card.recipient} — {self.handed_over_on}"


class HandoverPhoto(VersionedModel):
    """A photo of the handover, kept twice: web size for viewing, and a thumbnail for lists.

    Both are JPEGs re-encoded by `core.uploads.clean_photo`, so the phone's EXIF block
    (with the GPS position of the recipient's home) is never stored.
    """

    shown_publicly = True

    handover = models.ForeignKey(
        CardHandover, on_delete=models.CASCADE, related_name="photos", verbose_name=_("handover")
    )
    image = models.ImageField(
        _("photo"),
        upload_to=RandomPath("handovers"),
        storage=private_storage,
        help_text=_("JPG or PNG; kept at most 1600 pixels wide or high, without location data."),
    )
    # Empty for photos stored before thumbnails existed: pages then show `image` instead.
    thumbnail = models.ImageField(
        _("thumbnail"),
        upload_to=RandomPath("handovers"),
        storage=private_storage,
        blank=True,
        editable=False,
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    public_consent = models.BooleanField(_("may be shown on the public site"), default=False)

    class Meta:
        verbose_name = _("handover photo")
        verbose_name_plural = _("handover photos")

    def __str__(self):
        return self.caption or str(_("photo %(id)s")) % {"id": self.pk}

    def set_image(self, web, thumbnail) -> None:
        """Take the two cleaned JPEGs (`uploads.CleanFile`) to store on the next save."""
        self.image = ContentFile(web.content, name=f"photo{web.extension}")
        self.thumbnail = ContentFile(thumbnail.content, name=f"thumbnail{thumbnail.extension}")

    @property
    def small_image(self):
        return self.thumbnail or self.image


class SituationUpdate(VersionedModel):
    """Something changed for a recipient; the donor is told and decides what to do."""

    class Kind(models.TextChoices):
        DECEASED = "deceased", _("Deceased")
        FINANCES_IMPROVED = "finances_improved", _("Finances improved")
        MOVED = "moved", _("Moved or unreachable")
        DECLINED = "declined", _("Declined the sponsorship")
        OTHER = "other", _("Other")

    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        related_name="situation_updates",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind.choices)
    happened_on = models.DateField(_("date"), help_text=_("For a death, the date of death."))
    message = models.TextField(_("message to the donor"), blank=True)
    notes = models.TextField(_("internal notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("situation update")
        verbose_name_plural = _("situation updates")
        ordering = ["-happened_on", "-id"]

    def __str__(self):
        return f"{self.recipient}: {self.get_kind_display()}"
