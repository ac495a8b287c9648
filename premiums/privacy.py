"""A donor's personal data: everything held about them, and erasing it on request.

What is personal: the donor's name, display name, email, phone and the staff's notes on them,
the words of their requests, and the receipts they uploaded (a photo of a bank slip carries a
name and an account number). What is kept after an erasure, because BCC must account for the
money: the sponsorships, every payment with its amount and dates, the refunds, and a record of
each piece of evidence (its status, size and SHA-256, with the file itself deleted). The donor
row stays too, as "Erased donor #<id>", so that the totals still add up and the payments still
belong to someone.

It lives in the premiums app because a donor's data spans donations (the donor, requests,
messages) and premiums (payments, evidence, refunds), and premiums is the app that knows both.
"""

import datetime as dt
import logging
from decimal import Decimal

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from donations.models import Donor, DonorRequest, Message, Sponsorship
from premiums.models import PaymentEvidence

logger = logging.getLogger(__name__)

#: Why queued messages of an erased donor were not sent (the outbox uses the same words).
ERASED_ERROR = Message.ERASED_DONOR

DONOR_FIELDS = [
    "id",
    "full_name",
    "display_name",
    "listed_publicly",
    "email",
    "phone",
    "country",
    "language",
    "notes",
    "created_at",
    "erased_at",
]
SPONSORSHIP_FIELDS = [
    "id",
    "first_month",
    "months_pledged",
    "route",
    "state",
    "covered_through",
    "lapses_on",
    "replaced_by_id",
    "created_at",
    "activated_at",
    "decision_requested_at",
    "ended_at",
    "end_reason",
]
PAYMENT_FIELDS = [
    "id",
    "first_month",
    "months",
    "last_month",
    "amount",
    "channel",
    "status",
    "paypal_amount",
    "paypal_currency",
    "paypal_transaction_id",
    "rupiah_received",
    "bpjs_paid_on",
    "created_at",
    "verified_at",
]
EVIDENCE_FIELDS = [
    "id",
    "content_type",
    "size",
    "sha256",
    "status",
    "received_at",
    "reviewed_at",
    "rejection_reason",
]
REFUND_FIELDS = [
    "id",
    "unused_months",
    "amount",
    "state",
    "created_at",
    "claimed_on",
    "received_on",
    "settled_on",
    "notes",
]
REQUEST_FIELDS = [
    "id",
    "kind",
    "message",
    "status",
    "created_at",
    "handled_at",
    "decline_reason",
]
MESSAGE_FIELDS = [
    "id",
    "kind",
    "sponsorship_id",
    "status",
    "subject",
    "context",
    "attempts",
    "created_at",
    "sent_at",
    "last_error",
]
TOKEN_FIELDS = ["created_at", "expires_at", "revoked_at"]
HISTORY_FIELDS = [
    "history_date",
    "history_type",
    "full_name",
    "display_name",
    "listed_publicly",
    "email",
    "phone",
    "country",
    "language",
    "notes",
    "erased_at",
]


def _plain(value):
    """A value as JSON has it: dates as ISO 8601 (times in Bali time, with their offset),
    money of PayPal as a decimal string."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    # Phone numbers and countries: their text form (E.164, the ISO code).
    return str(getattr(value, "code", None) or value)


def _row(obj, fields) -> dict:
    return {name: _plain(getattr(obj, name)) for name in fields}


def export_donor(donor: Donor) -> dict:
    """Everything held about one donor, as data `json.dumps` takes as it is.

    The donor's record and its earlier versions, their sponsorships with each payment, the
    evidence sent for it (what was received and what staff decided, not the file itself),
    refunds and requests, the messages written to them, and when their private links were made,
    when they expire and whether they were revoked (never the secret or its hash).
    """
    donor = Donor.objects.get(pk=donor.pk)
    sponsorships = (
        donor.sponsorships.select_related("recipient")
        .prefetch_related(
            "payments__evidence",
            "payments__refunds",
            "requests__new_recipient",
        )
        .order_by("created_at", "pk")
    )
    return {
        "exported_at": _plain(timezone.now()),
        "donor": _row(donor, DONOR_FIELDS),
        "donor_history": [
            _row(version, HISTORY_FIELDS)
            for version in donor.history.order_by("history_date", "history_id")
        ],
        "sponsorships": [_sponsorship(s) for s in sponsorships],
        "messages": [
            _row(message, MESSAGE_FIELDS) for message in donor.messages.order_by("created_at", "pk")
        ],
        "private_links": [
            _row(token, TOKEN_FIELDS) for token in donor.access_tokens.order_by("created_at", "pk")
        ],
    }


def _sponsorship(sponsorship: Sponsorship) -> dict:
    recipient = sponsorship.recipient
    return {
        **_row(sponsorship, SPONSORSHIP_FIELDS),
        # Only what the donor sees of the person they sponsor: the public face.
        "recipient": {"id": recipient.pk, "nickname": recipient.nickname},
        "payments": [
            {
                **_row(payment, PAYMENT_FIELDS),
                "evidence": [
                    {
                        **_row(evidence, EVIDENCE_FIELDS),
                        "uploaded_by_staff": evidence.uploaded_by_id is not None,
                        "file_held": bool(evidence.file),
                    }
                    for evidence in sorted(payment.evidence.all(), key=lambda e: e.pk)
                ],
                "refunds": [
                    _row(refund, REFUND_FIELDS)
                    for refund in sorted(payment.refunds.all(), key=lambda r: r.pk)
                ],
            }
            for payment in sorted(sponsorship.payments.all(), key=lambda p: p.pk)
        ],
        "requests": [
            {
                **_row(request, REQUEST_FIELDS),
                "new_recipient": (
                    {"id": request.new_recipient.pk, "nickname": request.new_recipient.nickname}
                    if request.new_recipient
                    else None
                ),
            }
            for request in sorted(sponsorship.requests.all(), key=lambda r: r.pk)
        ],
    }


def erased_name(pk) -> str:
    return f"Erased donor #{pk}"


def erased_email(pk) -> str:
    # `.invalid` can never be delivered to (RFC 2606), and the address still passes Django's
    # email validation, so staff can save the erased donor's page like any other.
    return f"erased-{pk}@erased.invalid"


def erase_donor(donor: Donor, *, by, reason: str = "") -> bool:
    """Erase a donor's personal data at their request; the money stays accounted for.

    In one transaction: the donor's name, display name, email, phone and notes are replaced
    (in the record and in every earlier version of it in the history), they leave the public
    list, every private link is revoked, queued messages are cancelled, the words of their
    requests are removed, and their evidence rows lose their file. The files themselves are
    deleted once the transaction has committed, so a failure leaves every file in place.
    Sponsorships, payments with their amounts, refunds and the evidence records stay.

    Returns False when the donor had already been erased (nothing changes).
    """
    with transaction.atomic():
        # NO KEY: rows that refer to the donor (a message queued by a verification running at
        # the same moment) may still be written meanwhile, so the two cannot deadlock.
        locked = Donor.objects.select_for_update(no_key=True).get(pk=donor.pk)
        if locked.erased_at is not None:
            return False
        now = timezone.now()
        anonymous = {
            "full_name": erased_name(locked.pk),
            "display_name": "",
            "email": erased_email(locked.pk),
            "phone": "",
            "notes": "",
            "listed_publicly": False,
        }
        for name, value in anonymous.items():
            setattr(locked, name, value)
        locked.erased_at = now
        locked._history_user = by
        # simple-history keeps at most 100 characters of a reason.
        locked._change_reason = (reason or "")[:100] or None
        locked.save()
        # Earlier versions of the row held the name too; the erasure must reach them.
        locked.history.filter(id=locked.pk).update(**anonymous)

        locked.revoke_links()
        Message.objects.filter(donor=locked, status=Message.Status.QUEUED).update(
            status=Message.Status.FAILED, last_error=ERASED_ERROR
        )

        requests = DonorRequest.objects.filter(sponsorship__donor=locked)
        request_ids = list(requests.values_list("pk", flat=True))
        requests.exclude(message="").update(message="")
        DonorRequest.history.filter(id__in=request_ids).update(message="")

        files = _detach_evidence_files(locked, by=by)
        _rename_in_admin_log(locked)
        transaction.on_commit(lambda: _delete_files(files))
    donor.refresh_from_db()
    return True


def _detach_evidence_files(donor: Donor, *, by) -> list:
    """Empty the file of each of the donor's evidence rows; returns (storage, name) to delete.

    Each row is saved (not updated in bulk) so that its history says who removed the file.
    """
    storage = PaymentEvidence._meta.get_field("file").storage
    files = []
    rows = (
        PaymentEvidence.objects.select_for_update(of=("self",))
        .filter(payment__sponsorship__donor=donor)
        .exclude(file="")
        .order_by("pk")
    )
    for evidence in rows:
        files.append((storage, evidence.file.name))
        evidence.file = ""
        evidence._history_user = by
        evidence.save(update_fields=["file"])
    return files


def _delete_files(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            # The row no longer points to it: `check_files` reports it as an orphan.
            logger.exception("Could not delete the erased donor's file %s", name)


def _rename_in_admin_log(donor: Donor) -> None:
    """The admin's log names each object as it was called then: "Made Wirawan → Wayan".

    Rename the entries of the donor and of everything whose name includes the donor's.
    """
    sponsorships = list(donor.sponsorships.select_related("recipient", "donor"))
    objects = [donor, *sponsorships]
    for sponsorship in sponsorships:
        objects.extend(sponsorship.requests.all())
        for payment in sponsorship.payments.all():
            objects.append(payment)
            objects.extend(payment.evidence.all())
            objects.extend(payment.refunds.all())
    types = ContentType.objects.get_for_models(*{type(o) for o in objects})
    for obj in objects:
        LogEntry.objects.filter(content_type=types[type(obj)], object_id=str(obj.pk)).update(
            object_repr=str(obj)[:200]
        )
