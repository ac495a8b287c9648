"""A payment keeps the month prices it was quoted at: a refund returns what was paid."""

import datetime as dt

from premiums import rules, services
from premiums.models import PremiumPayment
from tests.factories import PremiumRateFactory, SponsorshipFactory

D = dt.date


def test_the_quoted_prices_stay_while_the_months_and_amount_do():
    quoted = [8_400] * 3 + [16_800] * 9
    stored = (D(2026, 10, 1), 12, sum(quoted), quoted)
    today = [16_800] * 12
    assert rules.prices_kept(stored, D(2026, 10, 1), 12, sum(quoted), today) == quoted
    # Other months: priced afresh, from the table, when it adds up to the amount.
    assert rules.prices_kept(stored, D(2026, 11, 1), 12, 12 * 16_800, today) == today
    # An amount the table does not explain: no breakdown (the rate paid is used instead).
    assert rules.prices_kept(None, D(2026, 10, 1), 12, 150_000, today) == []


def test_the_rate_paid_is_the_amount_over_the_months_to_the_rupiah():
    assert rules.split_evenly(201_600, 12) == [16_800] * 12
    odd = rules.split_evenly(100_000, 12)
    assert sum(odd) == 100_000 and max(odd) - min(odd) == 1


def _as_sent(context) -> dict:
    """What the change page sends back untouched: the form and its inline formsets."""
    forms = [context["adminform"].form]
    data = {}
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update(
            {management[name].html_name: management[name].value() for name in management.fields}
        )
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None and value is not False:
                data[form[name].html_name] = value
    return data


def test_saving_a_pending_payment_in_the_admin_keeps_its_prices(admin_client, standard_rate):
    sponsorship = SponsorshipFactory(first_month=D(2027, 1, 1))
    payment = services.new_payment(sponsorship, D(2027, 1, 1), 12)
    quoted = list(payment.monthly_amounts)
    assert quoted == [16_800] * 12
    # The rate table changes afterwards (a reduction for the first half of 2027).
    PremiumRateFactory(first_month=D(2027, 1, 1), last_month=D(2027, 6, 1), jkk=5_000, jkm=3_400)

    # Staff record the day BCC paid BPJS: the routine edit of a pending PayPal payment.
    url = f"/admin/premiums/premiumpayment/{payment.pk}/change/"
    data = _as_sent(admin_client.get(url).context)
    data["bpjs_paid_on"] = "2026-12-20"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    payment = PremiumPayment.objects.get(pk=payment.pk)
    assert payment.bpjs_paid_on == D(2026, 12, 20)
    assert payment.monthly_amounts == quoted


# --- a quote that a rate change made stale --------------------------------------------------


def test_a_rate_change_shows_stale_quotes_and_staff_requote_them(admin_client, standard_rate):
    from django.core import mail

    from donations.mail import send_queued
    from donations.models import Message
    from tests.factories import PaymentEvidenceFactory

    quoted = services.new_payment(SponsorshipFactory(first_month=D(2027, 1, 1)), D(2027, 1, 1), 12)
    paid = services.new_payment(SponsorshipFactory(first_month=D(2027, 1, 1)), D(2027, 1, 1), 12)
    PaymentEvidenceFactory(payment=paid)  # the donor already paid the old amount: left alone
    assert services.stale_quotes() == []
    PremiumRateFactory(first_month=D(2027, 1, 1), last_month=D(2027, 6, 1), jkk=5_000, jkm=3_400)

    assert services.stale_quotes() == [quoted]
    groups = admin_client.get("/staff/").context["queue_groups"]
    queue = {q.key: q for _group, items in groups for q in items}["stale_quotes"]
    assert queue.count == 1 and queue.url.endswith("?quote_stale=yes")
    listed = admin_client.get("/admin/premiums/premiumpayment/?quote_stale=yes")
    assert [p.pk for p in listed.context["cl"].result_list] == [quoted.pk]

    response = admin_client.post(
        "/admin/premiums/premiumpayment/",
        {"action": "requote_selected", "_selected_action": [quoted.pk, paid.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [
        "1 payment re-quoted at today's rates; the donor will be told the new amount.",
        "1 was paid already or already at today's rates, and was left as it was.",
    ]
    quoted.refresh_from_db()
    assert quoted.amount == 6 * 8_400 + 6 * 16_800
    assert quoted.monthly_amounts == [8_400] * 6 + [16_800] * 6
    assert services.stale_quotes() == []
    mail.outbox.clear()
    send_queued()
    [email] = [m for m in mail.outbox if "New amount to pay" in m.subject]
    assert "Rp 151.200" in email.body and "Rp 201.600" in email.body
    assert Message.objects.filter(kind="quote_changed").count() == 1


# --- one rate per month -----------------------------------------------------------------------


def _add_rate(client, **fields):
    data = {"first_month": "2026-04-01", "jkk": "5000", "jkm": "3400", "sector": "", **fields}
    return client.post("/admin/premiums/premiumrate/add/", data)


def test_an_overlapping_rate_for_the_same_workers_is_refused(admin_client, standard_rate):
    from premiums.models import PremiumRate

    response = _add_rate(admin_client, last_month="2026-12-01")
    assert response.status_code == 200
    assert "These months overlap the rate Rp 16.800" in response.content.decode()
    assert PremiumRate.objects.count() == 1


def test_a_reduction_is_entered_between_two_rates(admin_client, standard_rate):
    from premiums.models import PremiumRate

    standard_rate.last_month = D(2026, 3, 1)
    standard_rate.save()
    assert _add_rate(admin_client, last_month="2026-12-01").status_code == 302
    after = {"first_month": "2027-01-01", "jkk": "10000", "jkm": "6800"}
    assert _add_rate(admin_client, **after).status_code == 302
    # Another sector may have its own rate for the same months.
    transport = {"sector": "transport", "last_month": "2027-03-01", "first_month": "2026-01-01"}
    assert _add_rate(admin_client, **transport).status_code == 302
    assert PremiumRate.objects.count() == 4
