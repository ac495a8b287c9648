"""Workflows of the donations app that span recipients' records and the donors' messages."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from donations.models import DonorRequest, Message, Sponsorship
from donations.rules import RuleError
from recipients.models import CardHandover, SituationUpdate


class DocumentationError(RuleError):
    """The handover documentation cannot be sent; the message is shown to staff."""


def handover_sponsorships(handover: CardHandover):
    """The sponsorships whose donor is told of a handover.

    Those still holding the recipient (pledged, active, or waiting for the donor's decision),
    and the most recent one: a donor who paid for the card and stopped since still gets the
    photos of what their money did.
    """
    recipient_id = handover.card.recipient_id
    # Pledged on or before the handover: a donor who came later was not part of it.
    sponsorships = Sponsorship.objects.filter(
        recipient_id=recipient_id, created_at__date__lte=handover.handed_over_on
    )
    latest = sponsorships.order_by("-created_at", "-id").values("pk")[:1]
    return (
        sponsorships.filter(Q(state__in=Sponsorship.HOLDING_STATES) | Q(pk__in=latest))
        .select_related("donor")
        .order_by("pk")
    )


def send_handover_documentation(handover: CardHandover, *, by) -> bool:
    """Tell the donors that the card was handed over, with the photos (attached when sent).

    Returns False when the documentation had already been sent (a second click, or a colleague
    at the same moment): each donor gets it once. Raises DocumentationError when nobody
    sponsors the recipient.
    """
    with transaction.atomic():
        locked = CardHandover.objects.select_for_update().get(pk=handover.pk)
        if locked.documentation_sent_at is not None:
            return False
        sponsorships = list(handover_sponsorships(locked))
        if not sponsorships:
            raise DocumentationError(
                _("Nobody sponsors this recipient: there is no donor to send the documentation to.")
            )
        for sponsorship in sponsorships:
            Message.queue(
                sponsorship.donor,
                Message.Kind.CARD_HANDED_OVER,
                sponsorship=sponsorship,
                key=f"card_handed_over:{locked.pk}:{sponsorship.pk}",
                handover_id=locked.pk,
            )
        locked.documentation_sent_at = timezone.now()
        # The history entry of this change names the staff member who sent it.
        locked._history_user = by
        locked.save(update_fields=["documentation_sent_at"])
    handover.refresh_from_db()
    return True


def ask(
    sponsorship: Sponsorship,
    kind: str,
    *,
    new_recipient=None,
    message: str = "",
    situation_update=None,
    answering_update: bool = False,
):
    """The donor asks BCC to stop the sponsorship or to move it; returns (request, created).

    One open request of a kind per sponsorship: the form sent twice (a double click, a page
    reloaded) finds the first under the sponsorship's lock and returns it, so staff see one
    request and the donor gets one answer.
    """
    with transaction.atomic():
        locked = Sponsorship.objects.select_for_update().filter(pk=sponsorship.pk).first()
        awaited = locked is not None and locked.state == Sponsorship.State.AWAITING_DECISION
        if awaited and not answering_update:
            # While BCC waits for the answer to a situation update, that answer is the only
            # request: a second, free-standing one would ask staff the same thing twice.
            raise RuleError(
                _(
                    "BCC is waiting for your decision about the news it sent you: please answer "
                    "it in the box at the top of your page."
                )
            )
        existing = sponsorship.requests.filter(kind=kind, status=DonorRequest.Status.OPEN).first()
        if existing is not None:
            return existing, False
        created = sponsorship.requests.create(
            kind=kind,
            new_recipient=new_recipient,
            message=message,
            situation_update=situation_update,
        )
    return created, True


def answer_update(sponsorship: Sponsorship, kind: str, *, new_recipient=None, message: str = ""):
    """The donor answers the situation update BCC sent them: stop, or move the sponsorship to
    one of the people waiting. Returns (request, created).

    One answer per sponsorship: sent twice, or changed in a second tab, the first answer stands
    until staff carry it out or decline it (then the donor may answer again). Staff carry it
    out with the rules of any change of recipient (premiums.services.carry_out_request).
    """
    with transaction.atomic():
        locked = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
        if locked.state != Sponsorship.State.AWAITING_DECISION:
            raise RuleError(_("BCC is not waiting for your decision on this sponsorship."))
        answered = locked.requests.filter(
            situation_update__isnull=False, status=DonorRequest.Status.OPEN
        ).first()
        if answered is not None:
            return answered, False
        update = (
            SituationUpdate.objects.filter(recipient_id=locked.recipient_id)
            .order_by("-happened_on", "-id")
            .first()
        )
        return ask(
            locked,
            kind,
            new_recipient=new_recipient,
            message=message,
            situation_update=update,
            answering_update=True,
        )
