import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from donations.models import DonorRequest, Message
from premiums.models import PaymentEvidence, PremiumPayment
from premiums.services import verify_evidence
from tests.factories import (
    CardHandoverFactory,
    DonorFactory,
    HandoverPhotoFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    SponsorshipFactory,
    StaffFactory,
)
from tests.helpers import at, client_of, frozen_at, send_evidence, sign_in_donor

NOW = at(2026, 11, 22, 10, 0)
pytestmark = [pytest.mark.django_db, frozen_at(NOW)]


@pytest.fixture
def owner(standard_rate):
    donor = DonorFactory(full_name="Owner Person")
    sponsorship = SponsorshipFactory(
        donor=donor, recipient=RecipientFactory(nickname="Wayan"), first_month=dt.date(2026, 12, 1)
    )
    payment = PremiumPaymentFactory(sponsorship=sponsorship)
    return donor, donor.issue_link(days=90), sponsorship, payment


@pytest.fixture
def donor_client(client, owner):
    sign_in_donor(client, owner[1])
    return client


def other_donor_client():
    return client_of(DonorFactory(full_name="Someone Else"))


def test_it_exchanges_the_link_for_a_session_at_an_address_without_the_token(client, owner):
    donor, token, sponsorship, payment = owner
    client.get("/en/donor/link/")  # a session (and its key) before the link is opened
    key_before = client.session.session_key

    response = sign_in_donor(client, token)

    assert response["Location"] == "/en/donor/"
    assert token not in response["Location"]
    assert "no-store" in response["Cache-Control"]
    assert client.session.session_key != key_before  # cycled: no session fixation
    assert client.session["donor_session"]["donor"] == donor.pk
    body = client.get("/en/donor/").content.decode()
    assert "Owner Person" in body
    assert token not in body


def test_it_keeps_the_language_of_the_link(client, owner):
    assert sign_in_donor(client, owner[1], language="id")["Location"] == "/id/donor/"
    response = client.get("/id/donor/")
    assert response.status_code == 200
    assert '<html lang="id">' in response.content.decode()


def test_it_shows_the_donors_sponsorships_and_payments(donor_client, owner):
    donor, token, sponsorship, payment = owner
    response = donor_client.get("/en/donor/")
    body = response.content.decode()
    assert "Owner Person" in body
    assert "Wayan" in body
    assert "Rp 201.600" in body
    assert "Awaiting the first payment" in body
    assert f'id="payment-{payment.pk}"' in body
    assert "no-store" in response["Cache-Control"]


def test_it_sends_a_visitor_without_a_donor_session_to_the_link_form(client, owner):
    response = client.get("/en/donor/")
    assert response.status_code == 302
    assert response["Location"] == "/en/donor/link/"
    body = client.get(response["Location"]).content.decode()
    assert "enter your email address and we will send you a fresh one" in body


def test_staff_without_a_donor_session_are_sent_to_the_link_form_too(client, owner):
    client.force_login(StaffFactory())
    assert client.get("/en/donor/")["Location"] == "/en/donor/link/"


def test_it_answers_404_to_unknown_revoked_and_expired_links(client, owner):
    donor, token, sponsorship, payment = owner
    response = client.get("/en/donor/not-a-real-token/")
    assert response.status_code == 404
    body = response.content.decode()
    # A fresh link is one form away, on the same page.
    assert "This link no longer works" in body
    assert 'action="/en/donor/link/"' in body
    assert "donor_session" not in client.session

    donor.revoke_links()
    assert client.get(f"/en/donor/{token}/").status_code == 404
    fresh = donor.issue_link(days=90)
    assert sign_in_donor(client, fresh)["Location"] == "/en/donor/"


def test_it_answers_404_to_an_expired_link(client, owner):
    donor = owner[0]
    token = donor.issue_link(days=1)
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        assert client.get(f"/en/donor/{token}/").status_code == 404
        assert client.get("/en/donor/").status_code == 302


def test_it_answers_404_to_the_link_of_an_erased_donor(client, owner):
    donor, token, *_ = owner
    donor.erased_at = NOW
    donor.save()
    assert client.get(f"/en/donor/{token}/").status_code == 404


def test_revoking_the_links_ends_an_open_session(donor_client, owner):
    donor, token, sponsorship, payment = owner
    assert donor_client.get("/en/donor/").status_code == 200

    donor.revoke_links()

    response = donor_client.get("/en/donor/")
    assert response["Location"] == "/en/donor/link/"
    response = send_evidence(donor_client, payment)
    assert response["Location"] == "/en/donor/link/"
    assert PaymentEvidence.objects.count() == 0


def test_the_link_expiring_ends_an_open_session(client, owner):
    donor = owner[0]
    sign_in_donor(client, donor.issue_link(days=1))
    assert client.get("/en/donor/").status_code == 200
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        assert client.get("/en/donor/")["Location"] == "/en/donor/link/"


def test_another_donors_link_opens_only_their_own_page(client, owner):
    sign_in_donor(client, owner[1])
    other = DonorFactory(full_name="Someone Else")
    sign_in_donor(client, other.issue_link(days=90))
    body = client.get("/en/donor/").content.decode()
    assert "Someone Else" in body
    assert "Owner Person" not in body


def test_the_donor_can_sign_out(donor_client):
    response = donor_client.post("/en/donor/leave/", follow=True)
    assert "You have signed out of your private page." in response.content.decode()
    assert donor_client.get("/en/donor/").status_code == 302


def test_the_token_is_stored_only_as_a_hash(owner):
    donor, token, *_ = owner
    assert len(token) >= 22  # 128 bits and more
    assert not donor.access_tokens.filter(token_hash=token).exists()


def test_it_accepts_evidence_and_shows_it_awaiting_verification(donor_client, owner, mailoutbox):
    donor, token, sponsorship, payment = owner
    response = send_evidence(donor_client, payment, follow=True)
    body = response.content.decode()
    assert "your evidence was received" in body
    evidence = PaymentEvidence.objects.get()
    assert evidence.status == "pending" and evidence.content_type == "image/png"
    assert "Awaiting verification" in body
    sponsorship.refresh_from_db()
    assert sponsorship.lapses_on is None  # evidence awaiting review holds off the lapse
    assert Message.objects.filter(kind="evidence_received", donor=donor).count() == 1


def test_it_refuses_a_bad_file_and_stores_nothing(donor_client, owner):
    donor, token, sponsorship, payment = owner
    response = send_evidence(
        donor_client, payment, b"MZ\x90\x00 not really an image", "photo.jpg", follow=True
    )
    assert "Only JPG, PNG or PDF" in response.content.decode()
    assert PaymentEvidence.objects.count() == 0
    assert Message.objects.filter(kind="evidence_received").count() == 0


def test_it_flags_the_same_file_given_for_another_payment(donor_client, owner):
    donor, token, sponsorship, payment = owner
    other_payment = PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(donor=donor, first_month=dt.date(2026, 12, 1))
    )
    send_evidence(donor_client, payment, follow=True)
    send_evidence(donor_client, other_payment, follow=True)
    first, second = PaymentEvidence.objects.order_by("pk")
    assert first.duplicate_of is None
    assert second.duplicate_of == first


def test_it_does_not_take_evidence_for_someone_elses_payment(owner):
    donor, token, sponsorship, payment = owner
    response = send_evidence(other_donor_client(), payment)
    assert response.status_code == 404
    assert PaymentEvidence.objects.count() == 0


def test_another_donor_cannot_start_a_payment_or_send_a_request(owner):
    donor, token, sponsorship, payment = owner
    other = other_donor_client()
    for action in ("next-payment", "request"):
        response = other.post(
            f"/en/donor/sponsorships/{sponsorship.pk}/{action}/", {"months": "3", "kind": "stop"}
        )
        assert response.status_code == 404
    assert PremiumPayment.objects.count() == 1
    assert DonorRequest.objects.count() == 0


def test_evidence_files_open_only_for_the_owner_or_staff(donor_client, owner, staff_client):
    donor, token, sponsorship, payment = owner
    evidence = PaymentEvidenceFactory(payment=payment)
    own = donor_client.get(f"/en/donor/evidence/{evidence.pk}/")
    assert own.status_code == 200
    assert own["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in own["Cache-Control"]
    assert other_donor_client().get(f"/en/donor/evidence/{evidence.pk}/").status_code == 404
    assert Client().get(f"/en/donor/evidence/{evidence.pk}/").status_code == 302  # to the form
    assert Client().get(f"/en/staff/evidence/{evidence.pk}/").status_code == 302  # to login
    assert staff_client.get(f"/en/staff/evidence/{evidence.pk}/").status_code == 200


def test_it_starts_the_next_payment_right_after_the_last(donor_client, owner):
    donor, token, sponsorship, payment = owner
    evidence = PaymentEvidenceFactory(payment=payment)
    verify_evidence(evidence, by=StaffFactory())
    donor_client.post(f"/en/donor/sponsorships/{sponsorship.pk}/next-payment/", {"months": "3"})
    renewal = PremiumPayment.objects.exclude(pk=payment.pk).get()
    assert renewal.first_month == dt.date(2027, 12, 1)
    assert (renewal.months, renewal.amount, renewal.status) == (3, 50_400, "pending")


def test_it_refuses_a_second_pending_payment(donor_client, owner):
    donor, token, sponsorship, payment = owner
    response = donor_client.post(
        f"/en/donor/sponsorships/{sponsorship.pk}/next-payment/",
        {"months": "3"},
        follow=True,
    )
    assert "Send the evidence for the payment already started first." in response.content.decode()
    assert PremiumPayment.objects.count() == 1


@pytest.mark.parametrize("months", ["0", "-3", "abc", "61"])
def test_it_refuses_a_bad_number_of_months(donor_client, owner, months):
    donor, token, sponsorship, payment = owner
    PaymentEvidenceFactory(payment=payment)
    verify_evidence(PaymentEvidence.objects.get(), by=StaffFactory())
    donor_client.post(f"/en/donor/sponsorships/{sponsorship.pk}/next-payment/", {"months": months})
    assert PremiumPayment.objects.count() == 1


def test_it_sends_a_stop_or_change_request_to_staff(donor_client, owner):
    donor, token, sponsorship, payment = owner
    other = RecipientFactory(nickname="Nyoman")
    donor_client.post(f"/en/donor/sponsorships/{sponsorship.pk}/request/", {"kind": "stop"})
    donor_client.post(
        f"/en/donor/sponsorships/{sponsorship.pk}/request/",
        {"kind": "change_recipient", "new_recipient": other.pk, "message": "Please"},
    )
    donor_client.post(
        f"/en/donor/sponsorships/{sponsorship.pk}/request/", {"kind": "change_recipient"}
    )
    requests = list(DonorRequest.objects.order_by("pk"))
    assert [(r.kind, r.new_recipient) for r in requests] == [
        ("stop", None),
        ("change_recipient", other),
    ]


def test_a_request_sent_twice_is_stored_once(donor_client, owner):
    donor, token, sponsorship, payment = owner
    for _click in range(2):
        response = donor_client.post(
            f"/en/donor/sponsorships/{sponsorship.pk}/request/", {"kind": "stop"}, follow=True
        )
        assert "Your request was sent to BCC." in response.content.decode()
    assert DonorRequest.objects.filter(sponsorship=sponsorship, kind="stop").count() == 1


def test_each_request_form_has_its_own_ids(donor_client, owner):
    """Two sponsorships, two stop-or-change forms: a label checks its own form's radio button."""
    donor, token, sponsorship, payment = owner
    second = SponsorshipFactory(donor=donor, first_month=dt.date(2026, 12, 1))
    html = donor_client.get("/en/donor/").content.decode()
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    forms = re.findall(
        r'<form[^>]*action="/en/donor/sponsorships/(\d+)/request/".*?</form>', html, re.S
    )
    assert sorted(forms) == sorted([str(sponsorship.pk), str(second.pk)])
    for pk in forms:
        form_html = re.search(
            rf'action="/en/donor/sponsorships/{pk}/request/".*?</form>', html, re.S
        ).group()
        labels = set(re.findall(r'<label[^>]* for="([^"]+)"', form_html))
        inputs = set(re.findall(r' id="([^"]+)"', form_html))
        assert {f"request-{pk}-kind_0", f"request-{pk}-new_recipient"} <= labels
        assert labels <= inputs


def test_the_statement_sums_verified_payments_by_year_and_recipient(donor_client, owner):
    donor, token, sponsorship, payment = owner
    verify_evidence(PaymentEvidenceFactory(payment=payment), by=StaffFactory())
    PremiumPaymentFactory(
        sponsorship=SponsorshipFactory(donor=donor, first_month=dt.date(2026, 12, 1))
    )  # pending: not on the statement
    body = donor_client.get("/en/donor/statement/").content.decode()
    assert "2026" in body and "Wayan" in body
    assert body.count("Rp 201.600") == 2  # the row and the total


def test_handover_photos_are_shown_only_to_the_sponsor(donor_client, owner):
    donor, token, sponsorship, payment = owner
    photo = HandoverPhotoFactory(
        handover=CardHandoverFactory(card__recipient=sponsorship.recipient)
    )
    assert donor_client.get(f"/en/donor/photos/{photo.pk}/").status_code == 200
    assert f"/en/donor/photos/{photo.pk}/" in donor_client.get("/en/donor/").content.decode()
    other = other_donor_client()
    assert other.get(f"/en/donor/photos/{photo.pk}/").status_code == 404
    assert other.get(f"/en/donor/photos/{photo.pk}/thumbnail/").status_code == 404


def test_its_query_count_does_not_grow_with_payments(
    donor_client, owner, django_assert_max_num_queries, no_page_cache
):
    donor, token, sponsorship, payment = owner
    with django_assert_max_num_queries(12) as first:
        donor_client.get("/en/donor/")
    for _ in range(3):
        s = SponsorshipFactory(donor=donor, first_month=dt.date(2026, 12, 1))
        PaymentEvidenceFactory(payment=PremiumPaymentFactory(sponsorship=s))
    with django_assert_max_num_queries(len(first.captured_queries)):
        donor_client.get("/en/donor/")


# --- the page kept in the shared cache -------------------------------------------------------


def csrf_token_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_second_visit_is_served_from_the_cache(donor_client, django_assert_max_num_queries):
    donor_client.get("/en/donor/")  # sets the CSRF cookie
    built = donor_client.get("/en/donor/")  # built and kept
    # The session, the data version, the page with the link's verdict (the cache is a table).
    with django_assert_max_num_queries(3):
        again = donor_client.get("/en/donor/")
    assert again.status_code == 200
    assert again.content == built.content
    assert "Wayan" in again.content.decode()
    assert "no-store" in again["Cache-Control"]


def test_a_committed_change_shows_on_the_next_visit(
    donor_client, owner, django_capture_on_commit_callbacks
):
    payment = owner[3]
    evidence = PaymentEvidenceFactory(payment=payment)
    donor_client.get("/en/donor/")
    assert "Evidence sent" in donor_client.get("/en/donor/").content.decode()
    assert 'class="evidence evidence-pending"' in donor_client.get("/en/donor/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        verify_evidence(evidence, by=StaffFactory())
    html = donor_client.get("/en/donor/").content.decode()
    assert 'class="evidence evidence-verified"' in html
    assert "Paid through" in html


def test_a_revoked_link_ends_the_session_though_the_page_is_cached(
    donor_client, owner, django_capture_on_commit_callbacks
):
    donor_client.get("/en/donor/")
    assert donor_client.get("/en/donor/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        owner[0].revoke_links()
    response = donor_client.get("/en/donor/")
    assert response.status_code == 302 and response["Location"] == "/en/donor/link/"
    assert donor_client.get("/en/donor/").status_code == 302


def test_an_expired_link_ends_the_session_though_the_page_is_cached(client, owner):
    from donations.models import hash_token

    # A link that lasts three minutes, less than the cached copy; nothing is saved at expiry.
    owner[0].access_tokens.create(
        token_hash=hash_token("short-lived-link"), expires_at=NOW + dt.timedelta(minutes=3)
    )
    sign_in_donor(client, "short-lived-link")
    client.get("/en/donor/")
    assert client.get("/en/donor/").status_code == 200
    assert client.get("/en/donor/").status_code == 200  # from the cache
    with time_machine.travel(NOW + dt.timedelta(minutes=4), tick=False):
        response = client.get("/en/donor/")
    assert response.status_code == 302 and response["Location"] == "/en/donor/link/"


def test_a_cached_page_takes_no_query_for_the_link(donor_client, django_assert_max_num_queries):
    donor_client.get("/en/donor/")
    donor_client.get("/en/donor/")
    with django_assert_max_num_queries(3) as captured:  # session, version, page and link
        assert donor_client.get("/en/donor/").status_code == 200
    assert not any("donoraccesstoken" in q["sql"] for q in captured.captured_queries)


def test_each_browser_gets_a_page_whose_forms_it_can_send(owner):
    donor, _token, sponsorship, _payment = owner
    browsers = []
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True)
        sign_in_donor(browser, donor.issue_link(days=90))
        for _visit in range(3):
            html = browser.get("/en/donor/").content.decode()
        browsers.append((browser, csrf_token_of(html)))
    (first, first_token), (second, second_token) = browsers
    # The second browser is not served the copy kept for the first.
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    for browser, token in browsers:
        response = browser.post(
            f"/en/donor/sponsorships/{sponsorship.pk}/request/",
            {"kind": "stop", "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302  # not 403: each browser's CSRF token works
    # The same request from two browsers is still one open request.
    assert DonorRequest.objects.filter(sponsorship=sponsorship).count() == 1


def test_a_flash_message_is_shown_once_and_never_kept(donor_client, owner):
    sponsorship = owner[2]
    donor_client.get("/en/donor/")
    donor_client.get("/en/donor/")  # a copy is kept
    donor_client.post(f"/en/donor/sponsorships/{sponsorship.pk}/request/", {"kind": "stop"})
    assert "Your request was sent to BCC" in donor_client.get("/en/donor/").content.decode()
    assert "Your request was sent to BCC" not in donor_client.get("/en/donor/").content.decode()


def test_send_me_my_link_answers_the_same_for_known_and_unknown(client, owner):
    donor = owner[0]

    def answer(email):
        body = client.post("/en/donor/link/", {"email": email}).content.decode()
        # The CSRF token is masked afresh on every response; everything else must be equal.
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body).replace(email, "X")

    assert answer(donor.email) == answer("nobody@example.org")
    assert "a link to the private page is on its way" in answer(donor.email)
    assert Message.objects.filter(kind="link", donor=donor).count() == 1


def test_a_new_sponsor_never_sees_a_former_sponsors_handover_or_updates(client, standard_rate):
    from tests.factories import SituationUpdateFactory

    recipient = RecipientFactory(nickname="Ketut")
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC), tick=False):
        former = SponsorshipFactory(recipient=recipient, state="lapsed")
    old_photo = HandoverPhotoFactory(
        handover=CardHandoverFactory(card__recipient=recipient, handed_over_on=dt.date(2026, 4, 2))
    )
    SituationUpdateFactory(
        recipient=recipient,
        kind="other",
        happened_on=dt.date(2026, 5, 1),
        message="Note for the former sponsor only",
    )
    assert former.was_running_on(dt.date(2026, 4, 2))
    newcomer = DonorFactory()
    SponsorshipFactory(donor=newcomer, recipient=recipient, first_month=dt.date(2026, 12, 1))
    sign_in_donor(client, newcomer.issue_link())
    body = client.get("/en/donor/").content.decode()
    assert "Ketut" in body
    assert "Note for the former sponsor only" not in body
    assert f"/en/donor/photos/{old_photo.pk}/" not in body
    assert client.get(f"/en/donor/photos/{old_photo.pk}/").status_code == 404


def test_a_stopped_donor_never_sees_the_next_sponsors_handover(client, standard_rate):
    recipient = RecipientFactory(nickname="Made")
    with time_machine.travel(dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC), tick=False):
        stopped = SponsorshipFactory(recipient=recipient)
    their_photo = HandoverPhotoFactory(
        handover=CardHandoverFactory(card__recipient=recipient, handed_over_on=dt.date(2026, 2, 2))
    )
    stopped.state, stopped.ended_at = "stopped", dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    stopped.save()
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC), tick=False):
        SponsorshipFactory(recipient=recipient)
    # The next sponsor's card handover: after the stopped donor's sponsorship ended.
    next_photo = HandoverPhotoFactory(
        handover=CardHandoverFactory(
            card=their_photo.handover.card, handed_over_on=dt.date(2026, 5, 2)
        )
    )
    sign_in_donor(client, stopped.donor.issue_link())
    body = client.get("/en/donor/").content.decode()
    assert f"/en/donor/photos/{their_photo.pk}/" in body
    assert client.get(f"/en/donor/photos/{their_photo.pk}/").status_code == 200
    assert f"/en/donor/photos/{next_photo.pk}/" not in body
    assert client.get(f"/en/donor/photos/{next_photo.pk}/").status_code == 404
    assert client.get(f"/en/donor/photos/{next_photo.pk}/thumbnail/").status_code == 404


def test_send_me_my_link_does_the_same_work_for_known_and_unknown(client, owner, mailoutbox):
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    donor = owner[0]

    def queries(email):
        cache.clear()  # the rate-limit counters start afresh for each, as for a new visitor
        with CaptureQueriesContext(connection) as captured:
            assert client.post("/en/donor/link/", {"email": email}).status_code == 200
        return [q["sql"].split()[0] for q in captured.captured_queries]

    known, unknown = queries(donor.email.upper()), queries("nobody@example.org")
    # The same statements, in the same order: one INSERT … SELECT whichever the email.
    assert known == unknown
    assert Message.objects.filter(kind="link", donor=donor).count() == 1
    assert Message.objects.filter(kind="link").count() == 1
    # Once per hour, however often the form is sent.
    queries(donor.email)
    assert Message.objects.filter(kind="link", donor=donor).count() == 1
    # And the queued row is a message like any other: it is sent with a working link.
    call_command("send_messages")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [donor.email]
    assert "/donor/" in mailoutbox[0].body


def _badge(client):
    html = client.get("/en/donor/").content.decode()
    return re.search(r'<span class="badge [^"]*">([^<]*)</span>', html).group(1)


def test_the_badge_says_the_truth_before_the_first_month(donor_client, owner):
    donor, token, sponsorship, payment = owner  # starts December 2026
    assert _badge(donor_client) == "Awaiting the first payment"
    send_evidence(donor_client, payment)
    assert _badge(donor_client) == "Evidence awaiting verification"
    verify_evidence(PaymentEvidence.objects.get(), by=StaffFactory())
    assert _badge(donor_client) == "Paid — protection starts December 2026"
