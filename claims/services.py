"""What staff do with a claim: open it, tick its documents, take it step by step to BPJS's
decision, and tell the donors when the family is paid."""

import datetime as dt
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import Claim, ClaimDocument, checklist_for
from core.errors import RuleError
from core.history import history_by
from core.storage import random_name
from donations import standing
from donations.models import Message, Sponsorship
from premiums import services as premium_services
from recipients.models import Recipient, SituationUpdate

logger = logging.getLogger(__name__)


class ClaimError(RuleError):
    """A claim change the rules refuse; the message is shown to people."""


#: The steps in their order; a claim moves forward only (BPJS does not un-decide).
ORDER = {
    Claim.State.OPENED: 0,
    Claim.State.REPORTED: 1,
    Claim.State.DOCUMENTS_COMPLETE: 2,
    Claim.State.SUBMITTED: 3,
    Claim.State.APPROVED: 4,
    Claim.State.REFUSED: 5,
    Claim.State.PAID: 5,
}
#: The date each step records.
STEP_DATES = {
    Claim.State.REPORTED: "reported_at",
    Claim.State.DOCUMENTS_COMPLETE: "documents_complete_on",
    Claim.State.SUBMITTED: "submitted_on",
    Claim.State.APPROVED: "decided_on",
    Claim.State.REFUSED: "decided_on",
    Claim.State.PAID: "paid_on",
}


def open_claim(claim: Claim, *, by) -> Claim:
    """Record a new claim with the checklist of documents its kind needs.

    A death is recorded once: the claim links the recipient's "deceased" situation update,
    recording one (which tells the donors and makes the refund of unused months owed) if
    staff have not yet.
    """
    with transaction.atomic():
        recipient = Recipient.objects.select_for_update().get(pk=claim.recipient_id)
        if claim.kind == Claim.Kind.DEATH and claim.situation_update_id is None:
            update = (
                SituationUpdate.objects.filter(
                    recipient=recipient, kind=SituationUpdate.Kind.DECEASED
                )
                .order_by("pk")
                .first()
            )
            if update is None:
                update = SituationUpdate(
                    recipient=recipient,
                    kind=SituationUpdate.Kind.DECEASED,
                    happened_on=claim.happened_on,
                    recorded_by=by,
                )
                history_by(by, update)
                update.save()
                premium_services.record_situation_update(update, by=by)
            claim.situation_update = update
        claim.opened_by = claim.opened_by or by
        history_by(by, claim)
        claim.save()
        ClaimDocument.objects.bulk_create(
            ClaimDocument(claim=claim, kind=kind) for kind in checklist_for(claim)
        )
    return claim


def missing_documents(claim: Claim) -> list[ClaimDocument]:
    return [d for d in claim.documents.all() if not d.received]


def advance(claim: Claim, to: str, *, by, on=None, amount=None, reason: str = "") -> bool:
    """Take the claim to step `to` (later steps may be reached directly), recording the date.

    False if the claim is already there. From "documents complete" on, every document of the
    checklist must be ticked; paid needs the amount; refused needs the reason. When the family
    is paid and agreed to it, each donor who protected the worker hears it in their language.
    """
    to = Claim.State(to)
    if to == Claim.State.OPENED:
        raise ClaimError(_("A claim cannot go back to “opened”."))
    with transaction.atomic():
        row = Claim.objects.select_for_update().get(pk=claim.pk)
        if row.state == to:
            return False
        if ORDER[to] <= ORDER[row.state] or (
            to == Claim.State.PAID and row.state == Claim.State.REFUSED
        ):
            raise ClaimError(
                _("This claim is already “%(state)s”; it cannot be marked “%(to)s”.")
                % {"state": row.get_state_display(), "to": to.label}
            )
        if ORDER[to] >= ORDER[Claim.State.DOCUMENTS_COMPLETE]:
            missing = missing_documents(row)
            if missing:
                raise ClaimError(
                    _("These documents are not ticked yet: %(documents)s.")
                    % {"documents": ", ".join(str(d) for d in missing)}
                )
        if to == Claim.State.PAID and not (amount and amount > 0):
            raise ClaimError(_("Give the amount BPJS paid to the family, in Rupiah."))
        if to == Claim.State.REFUSED and not reason.strip():
            raise ClaimError(_("Give the reason BPJS gave for the refusal."))

        now = timezone.now()
        day = on or timezone.localdate()
        field = STEP_DATES[to]
        if field == "reported_at":
            # Reported today: this moment. On an earlier day (entered afterwards): its midday in
            # Bali, the time not being known.
            setattr(row, field, now if day == timezone.localdate() else _midday(day))
        else:
            setattr(row, field, day)
        if to == Claim.State.PAID:
            row.amount_paid = amount
            row.decided_on = row.decided_on or day
        if to == Claim.State.REFUSED:
            row.refusal_reason = reason.strip()
        row.state = to
        history_by(by, row)
        row.save()
        if to == Claim.State.PAID and row.family_consent:
            _tell_donors(row)
    claim.refresh_from_db()
    return True


def _midday(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def donors_to_tell(claim: Claim):
    """The worker's donors now (a sponsorship holding them) and those whose payments covered
    the day of the event: the people whose premium made this benefit possible."""
    return (
        Sponsorship.objects.filter(recipient_id=claim.recipient_id)
        .filter(
            standing.covers(claim.happened_on)
            | standing.in_force(timezone.localdate())
            | Q(state=Sponsorship.State.AWAITING_DECISION)
        )
        .select_related("donor")
        .order_by("donor_id", "-pk")
    )


def _tell_donors(claim: Claim) -> None:
    told = set()
    for sponsorship in donors_to_tell(claim):
        if sponsorship.donor_id in told:
            continue
        told.add(sponsorship.donor_id)
        Message.queue(
            sponsorship.donor,
            Message.Kind.CLAIM_PAID,
            sponsorship=sponsorship,
            key=f"claim_paid:{claim.pk}:{sponsorship.donor_id}",
            claim_id=claim.pk,
            claim_kind=claim.kind,
            amount=claim.amount_paid,
        )


def tick(document: ClaimDocument, *, by, received: bool = True, on=None) -> None:
    with transaction.atomic():
        row = ClaimDocument.objects.select_for_update().get(pk=document.pk)
        row.received = received
        row.received_on = (on or timezone.localdate()) if received else None
        history_by(by, row)
        row.save(update_fields=["received", "received_on"])
    document.refresh_from_db()


def attach_scan(document: ClaimDocument, clean_file, *, by) -> ClaimDocument:
    """Store a scan of the document privately (like payment evidence) and tick it.

    The file is written first and removed again if the transaction fails: no row without its
    file, no file without its row. A scan it replaces is deleted once the change commits.
    """
    storage = ClaimDocument._meta.get_field("scan").storage
    name = random_name("claims", f"x{clean_file.extension}")
    try:
        name = storage.save(name, ContentFile(clean_file.content))
    except Exception as exc:
        logger.error("Claim scan not stored: %s", exc, exc_info=True)
        raise ClaimError(
            _(
                "The file could not be stored just now, and nothing was recorded. "
                "Please try again later."
            )
        ) from exc
    try:
        with transaction.atomic():
            row = ClaimDocument.objects.select_for_update().get(pk=document.pk)
            old = row.scan.name
            row.scan = name
            row.content_type = clean_file.content_type
            row.size = clean_file.size
            row.sha256 = clean_file.sha256
            if not row.received:
                row.received, row.received_on = True, timezone.localdate()
            history_by(by, row)
            row.save()
            if old:
                transaction.on_commit(lambda: storage.delete(old))
    except BaseException:
        storage.delete(name)
        raise
    document.refresh_from_db()
    return document


def remove_scan(document: ClaimDocument, *, by) -> None:
    """Take the scan off the document; its file goes once the change commits."""
    storage = ClaimDocument._meta.get_field("scan").storage
    with transaction.atomic():
        row = ClaimDocument.objects.select_for_update().get(pk=document.pk)
        old = row.scan.name
        if not old:
            return
        row.scan, row.content_type, row.size, row.sha256 = "", "", None, ""
        history_by(by, row)
        row.save()
        transaction.on_commit(lambda: storage.delete(old))
    document.refresh_from_db()


def delete_claim(claim: Claim) -> None:
    """Delete a claim opened by mistake, with its documents and, once that commits, their
    scans: no file is left behind without its row."""
    storage = ClaimDocument._meta.get_field("scan").storage
    with transaction.atomic():
        names = [n for n in claim.documents.values_list("scan", flat=True) if n]
        claim.delete()
        for name in names:
            transaction.on_commit(lambda name=name: storage.delete(name))
