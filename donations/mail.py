"""Sending the donor messages: the outbox that `send_messages` empties.

A Message row is written in the same transaction as the change that causes it; this module
renders it in the donor's language and delivers it later, retrying with back-off, so that a mail
server that is down loses nothing. Each message is sent inside its own transaction with the row
locked, so two runs at the same moment send it at most once.

What the `month` in a message's context means, by kind:

- coverage_ending: the last covered month (protection ends when that month ends);
- overdue_1, overdue_2: the first month not yet paid (M+1 of the three-month rule);
- lapsed: the month from whose first day the sponsorship is lapsed (M+4).
"""

import datetime as dt
import logging
import mimetypes
import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.models import ContactDetails
from core.months import add_months
from donations import standing, statement
from donations.models import DonorRequest, Message
from recipients.models import CardHandover, HandoverPhoto, SituationUpdate

logger = logging.getLogger(__name__)

#: The longest wait between two attempts; the back-off doubles up to here, and a message is
#: tried every six hours for as long as it takes: none is ever given up because the mail server
#: was down (SPEC: none is lost). Staff see the ones still waiting after Message.STUCK_ATTEMPTS.
MAX_DELAY = dt.timedelta(hours=6)

#: Handover photos are attached up to this total size; all of them are on the private page.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

_DATE_KEYS = ("first_month", "paid_through", "month", "pledged_on", "received_on")


def link_days() -> int:
    return getattr(settings, "DONOR_LINK_DAYS", 90)


def _parse_date(value):
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _context_for(message: Message) -> dict:
    """The message's stored details, with dates parsed and what the templates need worked out."""
    ctx = dict(message.context or {})
    for key in _DATE_KEYS:
        if key in ctx:
            ctx[key] = _parse_date(ctx[key])
    # Older callers wrote the payment's id as `payment`.
    if "payment_id" not in ctx and "payment" in ctx:
        ctx["payment_id"] = ctx["payment"]

    kind, sponsorship = message.kind, message.sponsorship
    if kind == Message.Kind.PLEDGE_RECEIVED and isinstance(ctx.get("first_month"), dt.date):
        ctx["last_month"] = add_months(ctx["first_month"], int(ctx.get("months") or 1) - 1)
    if kind == Message.Kind.COVERAGE_ENDING and not ctx.get("month") and sponsorship:
        ctx["month"] = sponsorship.covered_through
    if kind in (Message.Kind.OVERDUE_1, Message.Kind.OVERDUE_2):
        if not ctx.get("month") and sponsorship:
            ctx["month"] = standing.first_unpaid_month(
                sponsorship.first_month, sponsorship.covered_through
            )
        if sponsorship:
            # The day as it stands now; None while evidence awaits review (then no warning).
            ctx["lapses_on"] = sponsorship.lapses_on
        elif isinstance(ctx.get("month"), dt.date):
            # Three months without evidence from the first unpaid month, then the lapse.
            ctx["lapses_on"] = standing.lapse_day_after(ctx["month"])
    if kind == Message.Kind.LAPSED and not ctx.get("month") and sponsorship:
        ctx["month"] = sponsorship.lapses_on
    if kind == Message.Kind.SITUATION_UPDATE and ctx.get("kind") in SituationUpdate.Kind.values:
        ctx["kind_label"] = SituationUpdate.Kind(ctx["kind"]).label
    if kind == Message.Kind.REQUEST_HANDLED and ctx.get("request_kind") in DonorRequest.Kind.values:
        ctx["request_label"] = DonorRequest.Kind(ctx["request_kind"]).label
    if kind == Message.Kind.CARD_HANDED_OVER and ctx.get("handover_id"):
        ctx["handover"] = (
            CardHandover.objects.filter(pk=ctx["handover_id"])
            .select_related("card")
            .prefetch_related("photos")
            .first()
        )
    return ctx


def _tidy_text(text: str) -> str:
    """Template tags leave blank lines and trailing spaces behind; a plain email has neither."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render_message(message: Message, link_url: str) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of a message, in the donor's language."""
    donor, sponsorship = message.donor, message.sponsorship
    context = {
        "message": message,
        "donor": donor,
        "sponsorship": sponsorship,
        "recipient": sponsorship.recipient if sponsorship else None,
        "ctx": _context_for(message),
        "link": link_url,
        "link_days": link_days(),
        "hold_days": settings.PLEDGE_HOLD_DAYS,
        "paypal_account": ContactDetails.current().paypal_account,
        "site_url": settings.SITE_URL,
    }
    base = f"donations/email/{message.kind}"
    with translation.override(donor.language):
        subject = render_to_string(f"{base}_subject.txt", context)
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    # A header cannot hold a line break.
    subject = " ".join(subject.split())
    return subject, _tidy_text(text), html


def _attachments(message: Message) -> list[tuple[str, bytes, str]]:
    """The handover photos: the SPEC has BCC send the documentation of the handover. For a
    PayPal donor, BCC's receipt from BPJS: BCC "sends the evidence back to the donor". The
    year's giving statement as a PDF."""
    if message.kind == Message.Kind.YEAR_STATEMENT:
        return statement.attachments_for(message)
    paypal = message.context.get("channel") == "paypal" and message.context.get("evidence_id")
    if message.kind == Message.Kind.EVIDENCE_VERIFIED and paypal and message.sponsorship:
        return _receipt(message)
    if message.kind != Message.Kind.CARD_HANDED_OVER or not message.context.get("handover_id"):
        return []
    files, total = [], 0
    photos = HandoverPhoto.objects.filter(handover_id=message.context["handover_id"])
    for photo in photos.order_by("id"):
        if total + photo.image.size > MAX_ATTACHMENT_BYTES:
            break
        with photo.image.open("rb") as f:
            content = f.read()
        total += len(content)
        mimetype = mimetypes.guess_type(photo.image.name)[0] or "application/octet-stream"
        extension = mimetypes.guess_extension(mimetype) or ""
        files.append((f"handover-{photo.pk}{extension}", content, mimetype))
    return files


def _receipt(message: Message) -> list[tuple[str, bytes, str]]:
    """The receipt the message is about, reached through its own sponsorship's payments (so a
    message never carries another donor's file)."""
    payment = message.sponsorship.payments.filter(pk=message.context.get("payment_id")).first()
    evidence = payment.evidence.filter(pk=message.context.get("evidence_id")).first()
    if evidence is None or evidence.size > MAX_ATTACHMENT_BYTES:
        return []
    with evidence.file.open("rb") as f:
        content = f.read()
    extension = mimetypes.guess_extension(evidence.content_type) or ""
    return [(f"bpjs-receipt-{evidence.pk}{extension}", content, evidence.content_type)]


def send_queued(now=None, batch: int = 100) -> dict:
    """Send the queued messages that are due, oldest first; returns how many went which way.

    `sent`: delivered; `retried`: the mail server refused or did not answer, tried again later;
    `failed`: never to be sent (the donor's data was erased).
    """
    now = now or timezone.now()
    counts = {"sent": 0, "retried": 0, "failed": 0}
    due = (
        Message.objects.filter(status=Message.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in list(due):
        outcome = _send_one(pk, now)
        if outcome:
            counts[outcome] += 1
    return counts


def _send_one(pk: int, now) -> str | None:
    try:
        with transaction.atomic():
            # Another run holding this row is sending it now: leave it to that run.
            message = (
                Message.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("donor", "sponsorship__recipient")
                .filter(pk=pk)
                .first()
            )
            if (
                message is None
                or message.status != Message.Status.QUEUED
                or message.next_attempt_at > now
            ):
                return None
            donor = message.donor
            if donor.erased_at:
                message.status = Message.Status.FAILED
                message.last_error = Message.ERASED_DONOR
                message.save(update_fields=["status", "last_error"])
                return "failed"
            # A fresh link in every email; if the sending fails, the rollback takes it back.
            raw = donor.issue_link(days=link_days())
            with translation.override(donor.language):
                link_url = donor.private_url(raw)  # under /id/ for an Indonesian reader
            subject, text, html = render_message(message, link_url)
            email = EmailMultiAlternatives(
                subject, text, to=[donor.email], headers={"Message-ID": message.message_id()}
            )
            email.attach_alternative(html, "text/html")
            for attachment in _attachments(message):
                email.attach(*attachment)
            email.send()
            message.status = Message.Status.SENT
            message.sent_at = timezone.now()
            message.attempts += 1
            message.subject = subject[: Message._meta.get_field("subject").max_length]
            message.last_error = ""
            message.save(update_fields=["status", "sent_at", "attempts", "subject", "last_error"])
            return "sent"
    except Exception as exc:
        logger.warning("Message %s not sent: %s", pk, exc, exc_info=True)
        return _record_failure(pk, now, exc)


def _record_failure(pk: int, now, exc: Exception) -> str | None:
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=pk).first()
        if message is None or message.status != Message.Status.QUEUED:
            return None
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        # 2, 4, 8 … minutes, then every six hours (the exponent is capped: no huge numbers).
        delay = dt.timedelta(minutes=2 ** min(message.attempts, 9))
        message.next_attempt_at = now + min(delay, MAX_DELAY)
        message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    return "retried"
