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
