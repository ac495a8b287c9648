"""The outbox: the latest emails to donors as they read them, for staff (and for developers,
who otherwise look for them in the terminal of send_messages)."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.otp import verified_staff_member_required
from donations.mail import render_message
from donations.models import Message

OUTBOX_SIZE = 30


@verified_staff_member_required
@permission_required("donations.view_message", raise_exception=True)
@require_GET
@never_cache
def outbox(request):
    """The latest emails, queued or sent, each rendered in its donor's language. The private
    link is left out: rendering here issues none, and staff have no use for a donor's."""
    messages = list(
        Message.objects.select_related("donor", "sponsorship__recipient").order_by(
            "-created_at", "-id"
        )[:OUTBOX_SIZE]
    )
    link = "[" + _("private link") + "]"
    for message in messages:
        if message.donor.erased_at:
            message.rendered = None
            continue
        subject, text, _html = render_message(message, link)
        message.rendered = {"subject": subject, "text": text}
    return render(request, "staff/outbox.html", {"outbox": messages, "size": OUTBOX_SIZE})
