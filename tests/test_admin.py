import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from donations.models import Donor, DonorAccessToken, DonorRequest, Message, Sponsorship
from premiums.models import Benefit, PaymentEvidence, PremiumPayment, PremiumRate, Refund
from recipients.models import BpjsCard, CardHandover, HandoverPhoto, Recipient, SituationUpdate
from tests.factories import (
    BpjsCardFactory,
    CardHandoverFactory,
    DonorAccessTokenFactory,
    DonorFactory,
    DonorRequestFactory,
    HandoverPhotoFactory,
    MessageFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    PremiumRateFactory,
    RecipientFactory,
    RefundFactory,
    SituationUpdateFactory,
    SponsorshipFactory,
)
from tests.helpers import add_evidence, admin_action, admin_url, at, receipt

FACTORIES = {
    Recipient: RecipientFactory,
    BpjsCard: BpjsCardFactory,
    CardHandover: CardHandoverFactory,
    HandoverPhoto: HandoverPhotoFactory,
    SituationUpdate: SituationUpdateFactory,
    Donor: DonorFactory,
    DonorAccessToken: DonorAccessTokenFactory,
    Sponsorship: SponsorshipFactory,
    DonorRequest: DonorRequestFactory,
    Message: MessageFactory,
    PremiumRate: PremiumRateFactory,
    PremiumPayment: PremiumPaymentFactory,
    PaymentEvidence: PaymentEvidenceFactory,
    Refund: RefundFactory,
    Benefit: lambda: Benefit.objects.create(
        title="Death benefit",
        title_id="Santunan kematian",
        text="Rp 42 million",
        text_id="Rp 42 juta",
    ),
}
# Written only by the workflows: staff look, never add or edit.
READ_ONLY = {DonorAccessToken, Message}
MODELS = pytest.mark.parametrize("model", FACTORIES, ids=lambda m: m.__name__)

# Mid-October 2026 in Bali: a sponsorship paid through August is one month overdue.
OCTOBER = at(2026, 10, 15, 10)


def overdue_sponsorship(**kwargs):
    return SponsorshipFactory(
        state=Sponsorship.State.ACTIVE,
        covered_through=dt.date(2026, 8, 1),
        lapses_on=dt.date(2026, 12, 1),
        **kwargs,
    )


# --- every page of every model ---------------------------------------------------------------


def test_it_registers_every_model():
    apps = {"recipients", "donations", "premiums"}
    assert {m for m in admin.site._registry if m._meta.app_label in apps} == set(FACTORIES)


@MODELS
def test_it_shows_the_changelist(admin_client, standard_rate, model):
    obj = standard_rate if model is PremiumRate else FACTORIES[model]()
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert admin_url(model, "change", obj.pk) in response.content.decode()


@MODELS
def test_it_shows_the_add_page(admin_client, model):
    response = admin_client.get(admin_url(model, "add"))
    assert response.status_code == (403 if model in READ_ONLY else 200)


@MODELS
def test_it_shows_the_change_page(admin_client, standard_rate, model):
    obj = standard_rate if model is PremiumRate else FACTORIES[model]()
    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    if model in READ_ONLY:
        assert b'name="_save"' not in response.content


@MODELS
def test_it_shows_the_history(admin_client, standard_rate, model):
    obj = standard_rate if model is PremiumRate else FACTORIES[model]()
    response = admin_client.get(admin_url(model, "history", obj.pk))
    assert response.status_code == 200


def test_it_never_reverts_history(admin_client):
    sponsorship = SponsorshipFactory()
    sponsorship.state = Sponsorship.State.STOPPED
    sponsorship.save()
    first = sponsorship.history.earliest()
    form_url = reverse(
        "admin:donations_sponsorship_simple_history", args=[sponsorship.pk, first.history_id]
    )
    assert admin_client.get(form_url).status_code == 200
    assert admin_client.post(form_url, {"state": "pledged"}).status_code == 403
    sponsorship.refresh_from_db()
    assert sponsorship.state == Sponsorship.State.STOPPED


# --- recipients ------------------------------------------------------------------------------


def test_it_masks_the_nik_in_the_recipient_list(admin_client):
    RecipientFactory(nik="5107011505800001")
    content = admin_client.get(admin_url(Recipient, "changelist")).content.decode()
    assert "5107••••••••0001" in content
    assert "5107011505800001" not in content


def test_it_finds_a_recipient_by_full_nik(admin_client):
    RecipientFactory(nickname="Ketut", nik="5107011505800001")
    RecipientFactory(nickname="Made", nik="5107011505800002")
    # By POST (see test_roles): a GET search would put the NIK in the address.
    response = admin_client.post(
        "/admin/recipients/recipient/find/", {"number": "5107011505800001"}, follow=True
    )
    content = response.content.decode()
    assert "Ketut" in content
    assert "Made" not in content


def test_it_shows_the_nik_check_on_the_recipient_form(admin_client):
    recipient = RecipientFactory(nik="5107015505800001", date_of_birth=dt.date(1981, 5, 15))
    content = admin_client.get(admin_url(Recipient, "change", recipient.pk)).content.decode()
    assert "The date of birth in the NIK does not match the recorded one." in content
    assert "The sex encoded in the NIK does not match the recorded one." in content
    assert "Private: staff only" in content


def test_it_says_when_the_nik_matches(admin_client):
    recipient = RecipientFactory(nik="5107011505800001")
    content = admin_client.get(admin_url(Recipient, "change", recipient.pk)).content.decode()
    assert "The NIK matches the recorded date of birth and sex." in content


def test_it_never_links_to_a_private_photo(admin_client):
    photo = HandoverPhotoFactory()
    content = admin_client.get(
        admin_url(CardHandover, "change", photo.handover.pk)
    ).content.decode()
    assert photo.image.name.rsplit("/", 1)[-1] in content
    assert f'href="/media/{photo.image.name}"' not in content


@time_machine.travel(OCTOBER, tick=False)
def test_it_shows_sponsorships_on_the_recipient(admin_client):
    sponsorship = overdue_sponsorship(donor=DonorFactory(full_name="Ann Example"))
    response = admin_client.get(admin_url(Recipient, "change", sponsorship.recipient.pk))
    content = response.content.decode()
    assert "Ann Example" in content
    assert "One month overdue" in content
    assert admin_url(Sponsorship, "change", sponsorship.pk) in content


def test_it_records_who_recorded_a_card(admin_client, admin_user):
    recipient = RecipientFactory()
    response = admin_client.post(
        admin_url(BpjsCard, "add"),
        {"recipient": recipient.pk, "participant_number": "26000000123", "issued_on": "2026-03-01"},
    )
    assert response.status_code == 302
    assert BpjsCard.objects.get().recorded_by == admin_user


# --- donors ----------------------------------------------------------------------------------


@time_machine.travel(OCTOBER, tick=False)
def test_it_shows_sponsorships_and_links_on_the_donor(admin_client):
    sponsorship = overdue_sponsorship(recipient=RecipientFactory(nickname="Nyoman"))
    token = DonorAccessTokenFactory(donor=sponsorship.donor)
    MessageFactory(donor=sponsorship.donor)
    content = admin_client.get(admin_url(Donor, "change", sponsorship.donor.pk)).content.decode()
    assert "Nyoman" in content
    assert "One month overdue" in content
    assert "1 message" in content
    assert token.token_hash not in content


def test_it_never_shows_a_token(admin_client):
    token = DonorAccessTokenFactory()
    for page in (
        admin_url(DonorAccessToken, "changelist"),
        admin_url(DonorAccessToken, "change", token.pk),
    ):
        assert token.token_hash not in admin_client.get(page).content.decode()


def test_it_revokes_links(admin_client):
    token = DonorAccessTokenFactory()
    admin_action(admin_client, DonorAccessToken, "revoke", [token])
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- sponsorships ----------------------------------------------------------------------------


@time_machine.travel(OCTOBER, tick=False)
def test_it_lists_sponsorships_with_donor_and_standing(admin_client):
    overdue_sponsorship(donor=DonorFactory(full_name="Ann Example"))
    content = admin_client.get(admin_url(Sponsorship, "changelist")).content.decode()
    assert "Ann Example" in content
    assert "One month overdue" in content
    assert "August 2026" in content


@time_machine.travel(at(2026, 12, 2), tick=False)
def test_it_filters_sponsorships_lapsed_by_the_calendar(admin_client):
    lapsed = overdue_sponsorship()
    covered = SponsorshipFactory(
        state=Sponsorship.State.ACTIVE,
        covered_through=dt.date(2027, 6, 1),
        lapses_on=dt.date(2027, 10, 1),
    )
    changelist = admin_url(Sponsorship, "changelist")
    response = admin_client.get(changelist, {"in_force": "lapsed"})
    assert [s.pk for s in response.context["cl"].result_list] == [lapsed.pk]
    response = admin_client.get(changelist, {"in_force": "yes"})
    assert [s.pk for s in response.context["cl"].result_list] == [covered.pk]
    assert "Lapsed (three months without evidence)" in admin_client.get(changelist).content.decode()


@time_machine.travel(OCTOBER, tick=False)
def test_it_shows_coverage_and_the_next_payment(admin_client, standard_rate):
    sponsorship = SponsorshipFactory(state=Sponsorship.State.ACTIVE)
    PremiumPaymentFactory(sponsorship=sponsorship, status=PremiumPayment.Status.VERIFIED)
    sponsorship.covered_through = dt.date(2026, 12, 1)
    sponsorship.lapses_on = dt.date(2027, 4, 1)
    sponsorship.save()
    content = admin_client.get(admin_url(Sponsorship, "change", sponsorship.pk)).content.decode()
    assert "December 2026" in content  # paid through
    assert "Covered" in content
    assert "Rp 201.600 for 12 months from January 2027." in content
    assert "first_month=2027-01-01" in content


def test_it_shows_a_recorded_payment_as_due(admin_client, standard_rate):
    payment = PremiumPaymentFactory(amount=201_600)
    content = admin_client.get(
        admin_url(Sponsorship, "change", payment.sponsorship.pk)
    ).content.decode()
    assert "Rp 201.600 for 12 months from January 2026." in content
    assert admin_url(PremiumPayment, "change", payment.pk) in content


def test_it_says_when_no_rate_prices_the_next_payment(admin_client):
    sponsorship = SponsorshipFactory()
    content = admin_client.get(admin_url(Sponsorship, "change", sponsorship.pk)).content.decode()
    assert "No premium rate covers January 2026" in content


def test_it_refuses_a_pledge_shorter_than_a_year(admin_client):
    donor, recipient = DonorFactory(), RecipientFactory()
    response = admin_client.post(
        admin_url(Sponsorship, "add"),
        {
            "donor": donor.pk,
            "recipient": recipient.pk,
            "route": "direct",
            "first_month": "2026-01-20",
            "months_pledged": 6,
            "state": "pledged",
            "payments-TOTAL_FORMS": 0,
            "payments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "The minimum is 12 months (one year)." in response.content.decode()
    assert not Sponsorship.objects.exists()


# --- payments --------------------------------------------------------------------------------


def payment_form(sponsorship, **data):
    return {
        "sponsorship": sponsorship.pk,
        "first_month": "2026-01-01",
        "months": 12,
        "amount": "",
        "channel": "direct",
        "evidence-TOTAL_FORMS": 0,
        "evidence-INITIAL_FORMS": 0,
        **data,
    }


def test_it_prices_a_payment_from_the_rate_table(admin_client, standard_rate):
    sponsorship = SponsorshipFactory()
    response = admin_client.post(admin_url(PremiumPayment, "add"), payment_form(sponsorship))
    assert response.status_code == 302
    payment = PremiumPayment.objects.get()
    assert payment.amount == 201_600
    assert payment.last_month == dt.date(2026, 12, 1)


def test_it_refuses_an_overlapping_payment(admin_client, standard_rate):
    payment = PremiumPaymentFactory()
    response = admin_client.post(
        admin_url(PremiumPayment, "add"),
        payment_form(payment.sponsorship, first_month="2026-06-01"),
    )
    assert response.status_code == 200
    assert "These months overlap another payment" in response.content.decode()
    assert PremiumPayment.objects.count() == 1


def test_it_refuses_a_first_payment_shorter_than_a_year(admin_client, standard_rate):
    sponsorship = SponsorshipFactory()
    response = admin_client.post(
        admin_url(PremiumPayment, "add"), payment_form(sponsorship, months=3)
    )
    assert response.status_code == 200
    assert "The minimum is 12 months" in response.content.decode()


def test_it_locks_a_verified_payment(admin_client):
    payment = PremiumPaymentFactory(status=PremiumPayment.Status.VERIFIED)
    content = admin_client.get(admin_url(PremiumPayment, "change", payment.pk)).content.decode()
    assert 'name="amount"' not in content
    assert 'name="paypal_transaction_id"' in content


# --- evidence --------------------------------------------------------------------------------


def test_it_verifies_selected_evidence(admin_client, admin_user):
    evidence = PaymentEvidenceFactory()
    reviewed = PaymentEvidenceFactory(status=PaymentEvidence.Status.REJECTED, rejection_reason="x")
    response = admin_action(
        admin_client, PaymentEvidence, "verify_selected", [evidence, reviewed], follow=True
    )
    content = response.content.decode()
    assert "1 piece of evidence verified." in content
    assert "1 was already reviewed" in content
    evidence.refresh_from_db()
    assert evidence.status == PaymentEvidence.Status.VERIFIED
    assert evidence.reviewed_by == admin_user
    sponsorship = evidence.payment.sponsorship
    sponsorship.refresh_from_db()
    assert sponsorship.state == "active"
    assert sponsorship.covered_through == dt.date(2026, 12, 1)
    reviewed.refresh_from_db()
    assert reviewed.status == PaymentEvidence.Status.REJECTED


def test_it_reports_evidence_the_rules_refuse(admin_client):
    evidence = PaymentEvidenceFactory(payment__months=6)
    response = admin_action(
        admin_client, PaymentEvidence, "verify_selected", [evidence], follow=True
    )
    assert "The minimum is 12 months" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.status == PaymentEvidence.Status.PENDING


def test_it_rejects_evidence_with_a_reason(admin_client):
    evidence = PaymentEvidenceFactory()
    change = admin_url(PaymentEvidence, "change", evidence.pk)
    response = admin_client.post(change, {"status": "rejected", "rejection_reason": " "})
    assert response.status_code == 200
    assert "Give the donor a reason for the rejection." in response.content.decode()

    response = admin_client.post(change, {"status": "rejected", "rejection_reason": "Blurry"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == PaymentEvidence.Status.REJECTED
    assert evidence.rejection_reason == "Blurry"
    assert Message.objects.filter(kind=Message.Kind.EVIDENCE_REJECTED).count() == 1


def test_it_verifies_evidence_on_its_page(admin_client):
    evidence = PaymentEvidenceFactory()
    response = admin_client.post(
        admin_url(PaymentEvidence, "change", evidence.pk),
        {"status": "verified", "rejection_reason": ""},
    )
    assert response.status_code == 302
    evidence.payment.sponsorship.refresh_from_db()
    assert evidence.payment.sponsorship.state == "active"


def test_it_only_shows_reviewed_evidence(admin_client):
    evidence = PaymentEvidenceFactory(status=PaymentEvidence.Status.VERIFIED)
    change = admin_url(PaymentEvidence, "change", evidence.pk)
    assert b'name="_save"' not in admin_client.get(change).content
    # A stale form sent anyway changes nothing, and says why.
    response = admin_client.post(change, {"status": "rejected"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Already reviewed as “Verified” by a colleague; left as it was."
    ]
    evidence.refresh_from_db()
    assert evidence.status == PaymentEvidence.Status.VERIFIED


def test_it_previews_the_evidence_file_for_staff(admin_client):
    evidence = PaymentEvidenceFactory()
    content = admin_client.get(admin_url(PaymentEvidence, "change", evidence.pk)).content.decode()
    file_url = reverse("premiums:staff_evidence_file", args=[evidence.pk])
    assert f'<img src="{file_url}"' in content
    assert admin_client.get(file_url).status_code == 200


def test_it_refuses_to_verify_evidence_of_a_stopped_sponsorship(admin_client):
    evidence = PaymentEvidenceFactory(payment__sponsorship__state=Sponsorship.State.STOPPED)
    response = admin_client.post(
        admin_url(PaymentEvidence, "change", evidence.pk),
        {"status": "verified", "rejection_reason": ""},
    )
    assert response.status_code == 200
    assert "reinstate it before verifying evidence" in response.content.decode()


@time_machine.travel(at(2026, 1, 5, 10), tick=False)
def test_it_records_evidence_uploaded_by_staff(admin_client, admin_user):
    payment = PremiumPaymentFactory()
    response = add_evidence(admin_client, payment)
    assert response.status_code == 302
    evidence = PaymentEvidence.objects.get()
    stored = receipt()
    assert (evidence.sha256, evidence.size) == (stored.sha256, stored.size)
    assert evidence.content_type == "image/png"
    assert evidence.file.read() == stored.content
    assert evidence.uploaded_by == admin_user
    assert evidence.duplicate_of is None
    payment.sponsorship.refresh_from_db()
    assert payment.sponsorship.lapses_on is None  # pending evidence holds off a lapse


def test_it_flags_the_same_file_for_another_payment(admin_client):
    first, second = PremiumPaymentFactory(), PremiumPaymentFactory()
    add_evidence(admin_client, first)
    add_evidence(admin_client, second)
    original = PaymentEvidence.objects.get(payment=first)
    assert PaymentEvidence.objects.get(payment=second).duplicate_of == original
    response = admin_client.get(admin_url(PaymentEvidence, "changelist"), {"duplicate": "yes"})
    assert response.context["cl"].result_count == 1


def test_it_refuses_evidence_for_a_cancelled_payment(admin_client):
    payment = PremiumPaymentFactory(status=PremiumPayment.Status.CANCELLED)
    response = add_evidence(admin_client, payment)
    assert response.status_code == 200
    assert "This payment was cancelled." in response.content.decode()


def test_it_refuses_a_file_that_is_not_a_receipt(admin_client):
    response = add_evidence(admin_client, PremiumPaymentFactory(), b"MZ\x90\x00", "receipt.png")
    assert response.status_code == 200
    assert "Only JPG, PNG or PDF files are accepted." in response.content.decode()
    assert not PaymentEvidence.objects.exists()


def test_it_shows_file_facts_and_the_duplicate_flag(admin_client):
    original = PaymentEvidenceFactory()
    PaymentEvidenceFactory(sha256=original.sha256, duplicate_of=original)
    content = admin_client.get(admin_url(PaymentEvidence, "changelist")).content.decode()
    assert "image/png" in content
    assert f"{original.sha256[:12]}…" in content
    assert 'alt="Yes"' in content


# --- query counts ----------------------------------------------------------------------------

# A changelist makes the same queries whatever the number of rows:
#  1. the session, 2. the user,
#  3. COUNT of the rows matching the filters, 4. COUNT of all rows (the "N total" link),
#  5. the page of rows, with what the columns show joined in (donor, recipient, payment),
#  6. MIN/MAX of the date hierarchy's field, 7. its distinct years, months or days,
#  and for evidence 8. the distinct content types for the "content type" filter.
CHANGELIST_QUERIES = {Sponsorship: 7, PremiumPayment: 6, PaymentEvidence: 8}


@pytest.mark.parametrize("rows", [3, 20])
@pytest.mark.parametrize("model", CHANGELIST_QUERIES, ids=lambda m: m.__name__)
def test_it_lists_in_bounded_queries(admin_client, django_assert_max_num_queries, model, rows):
    FACTORIES[model].create_batch(rows)
    with django_assert_max_num_queries(CHANGELIST_QUERIES[model]):
        response = admin_client.get(admin_url(model, "changelist"))
    assert response.context["cl"].result_count == rows


def test_it_fixes_who_and_when_once_a_sponsorship_is_pledged(admin_client, standard_rate):
    from tests.factories import SponsorshipFactory

    sponsorship = SponsorshipFactory()
    response = admin_client.get(f"/admin/donations/sponsorship/{sponsorship.pk}/change/")
    form = response.context["adminform"].form
    for field in ("donor", "recipient", "first_month", "months_pledged", "route"):
        assert field not in form.fields


def test_a_sponsorship_added_by_staff_gets_its_lapse_day(admin_client, standard_rate):
    import datetime as dt

    from donations.models import Sponsorship
    from tests.factories import DonorFactory, RecipientFactory

    response = admin_client.post(
        "/admin/donations/sponsorship/add/",
        {
            "donor": DonorFactory().pk,
            "recipient": RecipientFactory().pk,
            "first_month": "2027-01-01",
            "months_pledged": "12",
            "route": "direct",
            "payments-TOTAL_FORMS": "0",
            "payments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Sponsorship.objects.get().lapses_on == dt.date(2027, 4, 1)


# --- the payments list on a large table ------------------------------------------------------


def test_it_filters_payments_by_the_year_of_their_first_month(admin_client):
    old = PremiumPaymentFactory(sponsorship=SponsorshipFactory(first_month=dt.date(2024, 3, 1)))
    new = PremiumPaymentFactory(sponsorship=SponsorshipFactory(first_month=dt.date(2026, 1, 1)))
    response = admin_client.get(admin_url(PremiumPayment, "changelist"))
    years = [
        choice["display"]
        for choice in response.context["cl"].filter_specs[2].choices(response.context["cl"])
    ]
    assert years == ["All", "2026", "2025", "2024"]

    response = admin_client.get(admin_url(PremiumPayment, "changelist"), {"year": "2024"})
    assert [p.pk for p in response.context["cl"].result_list] == [old.pk]
    response = admin_client.get(admin_url(PremiumPayment, "changelist"), {"year": "2026"})
    assert [p.pk for p in response.context["cl"].result_list] == [new.pk]
    # Nonsense is ignored, not a 500.
    response = admin_client.get(admin_url(PremiumPayment, "changelist"), {"year": "20x6"})
    assert response.status_code in (200, 302)


def test_it_gives_each_listed_payment_a_checkbox_for_the_actions(admin_client):
    payments = PremiumPaymentFactory.create_batch(2)
    html = admin_client.get(admin_url(PremiumPayment, "changelist")).content.decode()
    for payment in payments:
        assert (
            f'<input type="checkbox" name="_selected_action" value="{payment.pk}" '
            f'class="action-select" aria-label="Select this object for an action - {payment}">'
        ) in html.replace("&gt;", ">")
    assert 'id="action-toggle"' in html  # "select all", from Django's own header


def test_the_payments_list_is_counted_exactly_when_small_or_filtered(admin_client):
    PremiumPaymentFactory.create_batch(3)
    PremiumPaymentFactory(status=PremiumPayment.Status.VERIFIED)
    response = admin_client.get(admin_url(PremiumPayment, "changelist"))
    assert response.context["cl"].result_count == 4
    paginator_html = response.content.decode().split('class="paginator"')[1]
    assert "4 premium payments" in paginator_html
    assert "about" not in paginator_html
    response = admin_client.get(
        admin_url(PremiumPayment, "changelist"), {"status__exact": "verified"}
    )
    assert response.context["cl"].result_count == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own estimate")
def test_a_large_unfiltered_payments_list_is_numbered_by_the_estimate(
    admin_client, monkeypatch, django_assert_max_num_queries
):
    from core import paginators

    PremiumPaymentFactory.create_batch(5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE premiums_premiumpayment")
    monkeypatch.setattr(paginators, "EXACT_BELOW", 1)  # "large" from one row on
    with django_assert_max_num_queries(7) as captured:
        response = admin_client.get(admin_url(PremiumPayment, "changelist"))
    sql = [q["sql"] for q in captured.captured_queries]
    assert any("reltuples" in q for q in sql)
    assert not any("COUNT(*)" in q and "premiums_premiumpayment" in q for q in sql)
    assert response.context["cl"].result_count == 5  # ANALYZE saw every row
    # An estimate is not passed off as an exact count.
    assert "about 5 premium payments" in response.content.decode()
    response = admin_client.get(admin_url(PremiumPayment, "changelist"), HTTP_ACCEPT_LANGUAGE="id")
    assert "sekitar 5 pembayaran iuran" in response.content.decode()
    # A filter is counted exactly, estimate or not.
    response = admin_client.get(
        admin_url(PremiumPayment, "changelist"), {"status__exact": "verified"}
    )
    assert response.context["cl"].result_count == 0
    assert "about" not in response.content.decode().split('class="paginator"')[1]
