"""BCC's own details, kept as content that coordinators edit in the admin."""

from urllib.parse import quote

from django.core.cache import cache
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.versions import PUBLIC_PAGES, VersionedModel

#: BCC's published contact page: WhatsApp/Line 0813-3830-4000, email for evidence and questions.
DEFAULT_WHATSAPP = "+6281338304000"
#: BCC's published PayPal account for overseas donors.
DEFAULT_PAYPAL_ACCOUNT = "donate@balicaringcommunity.org"
CACHE_KEY = "contact-details"


class ContactDetails(VersionedModel):
    """How donors and visitors reach BCC: one row, shown in every page's footer, on the contact
    page, in the WhatsApp links and on the giving statements' letterhead; and the PayPal account
    overseas donors pay to (read everywhere as `ContactDetails.current().paypal_account`)."""

    # The footer of every public page shows it: a change must reach the page cache at once.
    shown_publicly = True

    organisation = models.CharField(
        _("organisation"), max_length=120, default="Bali Caring Community"
    )
    email = models.EmailField(_("email for questions"), default="kadek@balicaringcommunity.org")
    evidence_email = models.EmailField(
        _("email for evidence of payment"), default="asti@balicaringcommunity.org"
    )
    whatsapp = models.CharField(
        _("WhatsApp number"),
        max_length=20,
        default=DEFAULT_WHATSAPP,
        help_text=_("International form, e.g. +6281338304000."),
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 -]{7,18}$",
                _("A phone number: digits, spaces or dashes, e.g. +62 813 3830 4000."),
            )
        ],
    )
    line = models.CharField(_("Line number or ID"), max_length=40, default="0813-3830-4000")
    paypal_account = models.EmailField(
        _("PayPal account for overseas donors"),
        default=DEFAULT_PAYPAL_ACCOUNT,
        help_text=_(
            "Where overseas donors send their payments: shown on the pledge's thank-you page, "
            "the private pages and the emails from the next one on."
        ),
    )
    address = models.TextField(_("address"), default="Bali, Indonesia")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("BCC contact details")
        verbose_name_plural = _("BCC contact details")

    def __str__(self):
        return str(_("BCC contact details"))

    @property
    def whatsapp_digits(self) -> str:
        """The number as wa.me wants it: country code and number, digits only."""
        digits = "".join(ch for ch in self.whatsapp if ch.isdigit())
        # A local number typed as 0813…: Indonesia's country code instead of the 0.
        if digits.startswith("0"):
            digits = "62" + digits[1:]
        return digits

    @property
    def whatsapp_display(self) -> str:
        """The number as Indonesians write it: 0813-3830-4000."""
        digits = self.whatsapp_digits
        local = "0" + digits[2:] if digits.startswith("62") else digits
        if len(local) >= 11:
            return f"{local[:4]}-{local[4:8]}-{local[8:]}"
        return local

    def whatsapp_url(self, text: str = "") -> str:
        """A click-to-chat link; `text` is the message WhatsApp puts in the box, ready to send."""
        url = f"https://wa.me/{self.whatsapp_digits}"
        return f"{url}?text={quote(text, safe='')}" if text else url

    @classmethod
    def current(cls) -> "ContactDetails":
        """The one row (core's migration writes it with BCC's published details), kept in the
        cache under the public data's version: every page's footer reads it, mostly without a
        query. Without a row, the published details themselves."""
        # One round trip for the version and the details.
        found = cache.get_many([PUBLIC_PAGES.key, CACHE_KEY])
        version = found.get(PUBLIC_PAGES.key) or PUBLIC_PAGES.current()
        kept = found.get(CACHE_KEY)
        if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == version:
            return kept[1]
        contact = cls.objects.order_by("pk").first() or cls()
        cache.set(CACHE_KEY, (version, contact), 60 * 60)
        return contact
