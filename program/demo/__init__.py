"""The demo program: a believable Bali program to click through, made without any files.

Everything is dated relative to today (Bali time), so that on whatever day it runs the demo holds
one sponsorship in each situation staff meet: a pledge awaiting its payment, evidence to verify,
well covered, ending this month, due, one and two months overdue, lapsed (recorded, and by the
calendar but not yet recorded), a recipient who died with a refund owed, a stopped sponsorship
and a PayPal one. Prices, evidence, coverage and lapse days go through the real services, so
what the pages show is what the code computes; only past timestamps are moved back afterwards.

`people` holds who they are, `pictures` draws their photos and receipts, `scenarios` tells the
sponsorship stories and `builder.DemoProgram` writes the rows. `seed()` is the entry point.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from donations.models import Message
from premiums.models import PremiumRate
from program.demo.builder import DemoProgram
from program.demo.people import MARKER_NIK, PEOPLE, SPONSORS
from program.demo.scenarios import SCENARIOS
from recipients.models import Recipient

DEMO_USERNAME = "coordinator"
DEMO_PASSWORD = "bcc-demo-2026"
#: A volunteer, to see what a volunteer sees: logs in the same way as the coordinator (the same
#: password; two-factor as STAFF_2FA_REQUIRED says, for both alike).
DEMO_VOLUNTEER = "volunteer"
VOLUNTEER_GROUP = "Volunteer"
RATE_NOTE = "PP 44/2015 BPU lowest bracket"


def seed() -> DemoProgram | None:
    """Write the demo program, or return None when it is there already.

    Running it again changes nothing: the first demo recipient's NIK marks the data as present.
    The demo staff logins (coordinator, volunteer) are made either way, unless a user of that
    name exists.
    """
    with transaction.atomic():
        staff = demo_staff()
        demo_volunteer()
        if Recipient.objects.filter(nik=MARKER_NIK).exists():
            return None
        # The standard rate, unless staff already entered it.
        PremiumRate.objects.get_or_create(
            first_month=dt.date(2015, 1, 1),
            last_month=None,
            sector="",
            defaults={"jkk": 10_000, "jkm": 6_800, "note": RATE_NOTE},
        )
        program = DemoProgram(staff, timezone.localdate())
        program.add_people(PEOPLE, SPONSORS)
        for scenario in SCENARIOS:
            scenario(program)
        program.issue_links("sarah", "putu")
        # The emails of the demo's past went out back then: the first send_messages of a new
        # developer sends none of them, and what they do themselves is what comes out.
        Message.objects.filter(status=Message.Status.QUEUED).update(
            status=Message.Status.SENT, sent_at=F("created_at"), attempts=1
        )
    return program


def demo_staff():
    """The demo coordinator, a superuser; an existing user of that name is left alone."""
    User = get_user_model()
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        user = User.objects.create_superuser(
            DEMO_USERNAME,
            "coordinator@example.org",
            DEMO_PASSWORD,
            first_name="Demo",
            last_name="Coordinator",
        )
    return user


def demo_volunteer():
    """The demo volunteer: staff in the Volunteer group, nothing more; an existing user of that
    name is left alone."""
    User = get_user_model()
    user = User.objects.filter(username=DEMO_VOLUNTEER).first()
    if user is None:
        user = User.objects.create_user(
            DEMO_VOLUNTEER,
            "volunteer@example.org",
            DEMO_PASSWORD,
            first_name="Demo",
            last_name="Volunteer",
            is_staff=True,
        )
        user.groups.add(Group.objects.get(name=VOLUNTEER_GROUP))
    return user
