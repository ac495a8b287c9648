"""The sponsorship stories: one sponsorship in each situation staff meet, dated from today.

Each scenario writes its rows through a `DemoProgram` (`demo`); `SCENARIOS` runs them in order.
"""

import datetime as dt

from django.utils import timezone

from claims.models import Claim
from donations.models import DonorRequest, Message, Sponsorship
from donations.reminders import lapse
from premiums import rules, services
from premiums.models import PremiumRate, Refund
from program.demo.builder import DemoProgram
from recipients.models import Recipient, SituationUpdate


def covered_after_renewal(demo: DemoProgram):
    """Putu sponsors Wayan: two years paid in two payments, covered for months to come."""
    s = demo.pledge("putu", "wayan", demo.month(-14), 24, demo.month(-15, 6))
    demo.paid(s, 12, demo.at(demo.month(-15, 20), 11, 15))
    demo.paid(s, 12, demo.at(demo.month(-3, 24), 19, 40))
    card = demo.card("wayan", "24071403791", demo.month(-13, 10))
    demo.hand_over(card, demo.month(-13, 24), "Banjar Tabola, Sidemen", photos=2)


def paypal_just_verified(demo: DemoProgram):
    """Joost (NL) pays by PayPal; BCC paid BPJS this week. The card is not issued yet."""
    s = demo.pledge("joost", "komang", demo.this_month, 24, demo.month(-1, 12))
    paid = demo.today - dt.timedelta(days=4)
    payment = demo.payment(s, 24, paypal=("EUR", "9XK42817LM5530412", paid))
    demo.verify(demo.evidence(payment, demo.days_ago(3, 14, 5)), after_days=1)


def paid_through_this_month(demo: DemoProgram):
    """Sarah (AU) sponsors Made by PayPal: paid through this month, coverage ends soon."""
    s = demo.pledge("sarah", "made", demo.month(-11), 12, demo.month(-12, 3))
    paypal = ("AUD", "5TT20961VB3348127", demo.month(-12, 17))
    demo.paid(s, 12, demo.at(demo.month(-12, 18), 9, 30), paypal=paypal, pdf=True)
    # BPJS took its time with this card; the handover photos have not gone to Sarah yet.
    card = demo.card("made", "24090207842", demo.month(-2, 3))
    demo.hand_over(card, demo.month(-1, 15), "Banjar Lebu, Sidemen", photos=1, documented=False)
    # Sarah's PayPal for the next year reached BCC five days ago; BCC has not paid BPJS with it
    # yet (the dashboard's "PayPal received, BPJS not paid yet").
    received = demo.today - dt.timedelta(days=5)
    demo.paypal_received(s, 12, "AUD", "2PW63508KD1187395", received)


def due(demo: DemoProgram):
    """Kadek W. sponsors Kadek: paid through last month, so this month's payment is due."""
    s = demo.pledge("kadek", "kadek", demo.month(-12), 12, demo.month(-13, 15))
    demo.paid(s, 12, demo.at(demo.month(-13, 27), 8, 10))
    card = demo.card("kadek", "24110319813", demo.month(-11, 12))
    demo.hand_over(card, demo.month(-11, 26), "Pasar Gianyar", photos=1)


def one_month_overdue(demo: DemoProgram):
    """Made Sutrisna sponsors Nyoman: paid through two months ago, one month overdue."""
    s = demo.pledge("sutrisna", "nyoman", demo.month(-13), 12, demo.month(-14, 8))
    demo.paid(s, 12, demo.at(demo.month(-14, 22), 20, 5))
    # Nyoman works away from home: the card still waits for him at the BCC office.
    demo.card("nyoman", "24081123904", demo.month(-12, 5))


def two_months_overdue(demo: DemoProgram):
    """Komang Sudiarta sponsors Ketut: the renewal receipt was unreadable and was rejected."""
    s = demo.pledge("sudiarta", "ketut", demo.month(-14), 24, demo.month(-15, 2))
    demo.paid(s, 12, demo.at(demo.month(-15, 21), 13, 0))
    renewal = demo.payment(s, 12)
    evidence = demo.evidence(renewal, demo.at(demo.month(-1, 6), 18, 22), blurred=True)
    demo.reject(
        evidence,
        "The photo is too blurred to read the amount and the participant's name. "
        "Please send a clearer photo or the PDF receipt from BPJS.",
    )
    card = demo.card("ketut", "24061305685", demo.month(-13, 11))
    demo.hand_over(card, demo.month(-13, 23), "Balai Banjar Gunung Sari, Jatiluwih", photos=1)


def renewal_awaiting_verification(demo: DemoProgram):
    """Dewi sponsors Nengah: paid through last month; the renewal receipt came yesterday."""
    s = demo.pledge("dewi", "nengah", demo.month(-12), 24, demo.month(-13, 9))
    demo.paid(s, 12, demo.at(demo.month(-13, 23), 10, 45))
    demo.evidence(demo.payment(s, 12), demo.days_ago(1, 19, 45))
    card = demo.card("nengah", "24100227766", demo.month(-11, 14))
    demo.hand_over(card, demo.month(-11, 28), "Pura Dalem Dawan", photos=2)


def lapsed_and_recorded(demo: DemoProgram):
    """Putu's earlier sponsorship of Darma: three months without evidence, lapse recorded."""
    s = demo.pledge("putu", "darma", demo.month(-16), 12, demo.month(-17, 11))
    demo.paid(s, 12, demo.at(demo.month(-17, 25), 7, 50))
    card = demo.card("darma", "24051621437", demo.month(-15, 7))
    demo.hand_over(card, demo.month(-15, 19), "Desa Batur", photos=1)
    lapse(s, on=demo.today)
    darma = demo.recipients["darma"]
    darma.waiting_since = s.lapses_on
    darma.save(update_fields=["waiting_since"])


def lapsed_not_yet_recorded(demo: DemoProgram):
    """Thomas (DE) sponsored Gede: lapsed on the 1st by the calendar, not yet recorded."""
    s = demo.pledge("thomas", "gede", demo.month(-15), 12, demo.month(-16, 4))
    paypal = ("EUR", "1AB77340HN2219934", demo.month(-16, 14))
    demo.paid(s, 12, demo.at(demo.month(-16, 14), 16, 30), paypal=paypal, pdf=True)
    card = demo.card("gede", "24071211558", demo.month(-14, 9))
    demo.hand_over(card, demo.month(-14, 21), "Banjar Dinas Kawanan, Tejakula", photos=0)


def recipient_died(demo: DemoProgram):
    """Sarah's second sponsorship: Rentin died last month; BPJS owes the unused months."""
    s = demo.pledge("sarah", "rentin", demo.month(-10), 24, demo.month(-11, 2))
    paypal = ("AUD", "8GM51123RT4490276", demo.month(-11, 13))
    payment = demo.paid(s, 24, demo.at(demo.month(-11, 14), 10, 0), paypal=paypal)
    card = demo.card("rentin", "24040808361", demo.month(-9, 6))
    demo.hand_over(card, demo.month(-9, 16), "Dusun Tanah Bias, Nusa Penida", photos=1)
    died = demo.month(-1, 9)
    rentin = demo.recipients["rentin"]
    rentin.status, rentin.deceased_on = Recipient.Status.DECEASED, died
    rentin.save(update_fields=["status", "deceased_on"])
    SituationUpdate.objects.create(
        recipient=rentin,
        kind=SituationUpdate.Kind.DECEASED,
        happened_on=died,
        message=(
            "We are sorry to tell you that Rentin passed away after a short illness. "
            "His family received the JKM death benefit of Rp 42 million thanks to your "
            "sponsorship. BPJS will refund the months paid after his death: would you like "
            "the refund back, or to use it for another worker who is waiting?"
        ),
        notes="Heirs' claim filed at the BPJS office in Semarapura.",
        recorded_by=demo.staff,
    )
    s.state = Sponsorship.State.AWAITING_DECISION
    s.decision_requested_at = demo.at(died + dt.timedelta(days=4), 11)
    s.save(update_fields=["state", "decision_requested_at"])
    months, amount = rules.refund_amount(
        PremiumRate.objects.as_rules(), died, [payment.period], rentin.sector
    )
    Refund.objects.create(
        payment=payment,
        unused_months=months,
        amount=amount,
        state=Refund.State.CLAIMED,
        claimed_on=died + dt.timedelta(days=12),
        notes="Claimed together with the JKM death benefit.",
    )


def stopped_then_pledged_again(demo: DemoProgram):
    """Dewi sponsored Luh for a year and then stopped; Emily (US) has just pledged for her."""
    s = demo.pledge("dewi", "luh", demo.month(-26), 12, demo.month(-27, 5))
    demo.paid(s, 12, demo.at(demo.month(-27, 16), 12, 20), pdf=True)
    card = demo.card("luh", "24092404730", demo.month(-25, 4))
    demo.hand_over(card, demo.month(-25, 15), "Banjar Serangan, Mengwi", photos=1)
    asked, handled = demo.at(demo.month(-15, 20), 8, 40), demo.at(demo.month(-15, 22), 15)
    request = DonorRequest.objects.create(
        sponsorship=s,
        kind=DonorRequest.Kind.STOP,
        message="My warung closed this year and I cannot continue for now. Thank you, BCC!",
        status=DonorRequest.Status.DONE,
        handled_by=demo.staff,
        handled_at=handled,
    )
    DonorRequest.objects.filter(pk=request.pk).update(created_at=asked)
    s.state, s.ended_at = Sponsorship.State.STOPPED, handled
    s.end_reason = "The donor asked to stop: her business closed."
    s.save(update_fields=["state", "ended_at", "end_reason"])
    luh = demo.recipients["luh"]
    luh.waiting_since = timezone.localdate(handled)
    luh.save(update_fields=["waiting_since"])

    # Emily's pledge goes through the public form's own service; her PayPal is not in yet.
    services.create_pledge(
        recipient_id=luh.pk,
        donor=demo.donors["emily"],
        first_month=demo.month(1),
        months=12,
        route=Sponsorship.Route.PAYPAL,
    )
    pledged = demo.days_ago(2, 21, 10)
    emily = Sponsorship.objects.get(recipient=luh, state=Sponsorship.State.PLEDGED)
    Sponsorship.objects.filter(pk=emily.pk).update(created_at=pledged)
    demo.backdate_message(f"pledge_received:{emily.pk}", pledged)


def pledged_with_evidence(demo: DemoProgram):
    """Ayu pledged for Budi from this month and sent her receipt two days ago."""
    s = demo.pledge("ayu", "budi", demo.this_month, 12, demo.month(-1, 25))
    demo.evidence(demo.payment(s, 12), demo.days_ago(2, 14, 10))


def wayans_first_sponsor(demo: DemoProgram):
    """Before Putu, Dewi paid two years for Wayan and then stopped: with Putu's two years,
    Wayan has more than three years of contributions, and his children a scholarship."""
    s = demo.pledge("dewi", "wayan", demo.month(-38), 24, demo.month(-39, 4))
    demo.paid(s, 24, demo.at(demo.month(-39, 18), 9, 20))
    s.state, s.ended_at = Sponsorship.State.STOPPED, demo.at(demo.month(-15, 2), 10)
    s.end_reason = "Two years as promised; Putu took over."
    s.save(update_fields=["state", "ended_at", "end_reason"])


def claims(demo: DemoProgram):
    """What the insurance gave: Made's work accident yesterday (the 2 × 24 hours running),
    Rentin's death benefit paid to his heirs, and a scholarship for Wayan's two children."""
    accident_at = demo.now - dt.timedelta(hours=20)
    demo.claim(
        "made",
        Claim.Kind.ACCIDENT,
        ticked=2,
        accident_at=accident_at,
        place="Kebun kelapa, Banjar Lebu, Sidemen",
        what_happened="Fell about four metres from a coconut tree; a broken wrist.",
        clinic="RSUD Karangasem",
        family_consent=True,
    )
    rentin = demo.recipients["rentin"]
    paid_on = min(demo.today, rentin.deceased_on + dt.timedelta(days=24))
    death = demo.claim(
        "rentin",
        Claim.Kind.DEATH,
        happened_on=rentin.deceased_on,
        death_cause=Claim.DeathCause.OTHER,
        spouse_is_heir=True,
        family_consent=True,
        notes="Filed at the BPJS office in Semarapura with the heirs.",
        steps=[
            (Claim.State.REPORTED, rentin.deceased_on + dt.timedelta(days=3), {}),
            (Claim.State.SUBMITTED, rentin.deceased_on + dt.timedelta(days=12), {}),
            (Claim.State.PAID, paid_on, {"amount": 42_000_000}),
        ],
    )
    # Sarah heard it the day the heirs were paid.
    Message.objects.filter(key__startswith=f"claim_paid:{death.pk}:").update(
        created_at=demo.at(paid_on, 16)
    )
    demo.claim(
        "wayan",
        Claim.Kind.SCHOLARSHIP,
        happened_on=demo.today - dt.timedelta(days=6),
        children=2,
        family_consent=True,
        steps=[(Claim.State.SUBMITTED, demo.today - dt.timedelta(days=2), {})],
    )


# In this order: the rows, and so their ids, come out the same on every run.
SCENARIOS = (
    wayans_first_sponsor,
    covered_after_renewal,
    paypal_just_verified,
    paid_through_this_month,
    due,
    one_month_overdue,
    two_months_overdue,
    renewal_awaiting_verification,
    lapsed_and_recorded,
    lapsed_not_yet_recorded,
    recipient_died,
    stopped_then_pledged_again,
    pledged_with_evidence,
    claims,
)
