"""Reviewing evidence in the admin: rejecting with a reason, the preview, the duplicate flag."""

import pytest
from django.test import Client
from django.urls import reverse

from donations.models import Message
from premiums.models import PaymentEvidence
from tests.factories import PaymentEvidenceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:premiums_paymentevidence_changelist")


def change_url(evidence):
    return reverse("admin:premiums_paymentevidence_change", args=[evidence.pk])


def reject(client, evidence, **data):
    return client.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": [e.pk for e in evidence], **data},
    )


# --- rejecting with a reason -----------------------------------------------------------------


def test_it_asks_for_the_reason_first(admin_client):
    evidence = PaymentEvidenceFactory.create_batch(2)
    response = reject(admin_client, evidence)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Reason (shown to the donor)" in content
    for piece in evidence:
        assert str(piece) in content
        assert f'name="_selected_action" value="{piece.pk}"' in content
    assert not PaymentEvidence.objects.exclude(status="pending").exists()


def test_it_rejects_several_with_one_reason(admin_client, admin_user):
    evidence = PaymentEvidenceFactory.create_batch(2)
    verified = PaymentEvidenceFactory(status=PaymentEvidence.Status.VERIFIED)
    response = reject(
        admin_client, [*evidence, verified], post="yes", reason=" The receipt is unreadable. "
    )
    assert response.status_code == 302
    content = admin_client.get(response.url).content.decode()
    assert "2 pieces of evidence rejected; the donors will be told why." in content
    assert "1 was already reviewed and left as it was." in content
    for piece in evidence:
        piece.refresh_from_db()
        assert piece.status == PaymentEvidence.Status.REJECTED
        assert piece.rejection_reason == "The receipt is unreadable."
        assert piece.reviewed_by == admin_user
        message = Message.objects.get(key=f"evidence_rejected:{piece.pk}")
        assert message.donor == piece.payment.sponsorship.donor
        assert message.context["reason"] == "The receipt is unreadable."
    verified.refresh_from_db()
    assert verified.status == PaymentEvidence.Status.VERIFIED


def test_it_rejects_a_single_piece(admin_client):
    evidence = PaymentEvidenceFactory()
    response = reject(admin_client, [evidence], post="yes", reason="Another person's receipt")
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == PaymentEvidence.Status.REJECTED
    assert Message.objects.filter(kind=Message.Kind.EVIDENCE_REJECTED).count() == 1


def test_it_needs_a_reason(admin_client):
    evidence = PaymentEvidenceFactory()
    response = reject(admin_client, [evidence], post="yes", reason="   ")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.status == PaymentEvidence.Status.PENDING
    assert not Message.objects.exists()


# --- the change page -------------------------------------------------------------------------


def test_it_previews_an_image_and_links_a_pdf(admin_client):
    image = PaymentEvidenceFactory()
    pdf = PaymentEvidenceFactory(content_type="application/pdf")
    image_url = reverse("premiums:staff_evidence_file", args=[image.pk])
    pdf_url = reverse("premiums:staff_evidence_file", args=[pdf.pk])

    content = admin_client.get(change_url(image)).content.decode()
    assert f'<img src="{image_url}"' in content

    content = admin_client.get(change_url(pdf)).content.decode()
    assert f'<a href="{pdf_url}"' in content
    assert f'<img src="{pdf_url}"' not in content


def test_only_staff_open_the_file(admin_client, client):
    evidence = PaymentEvidenceFactory()
    file_url = reverse("premiums:staff_evidence_file", args=[evidence.pk])
    assert admin_client.get(file_url).status_code == 200
    response = Client().get(file_url)
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_it_links_a_duplicate_to_the_original(admin_client):
    original = PaymentEvidenceFactory()
    copy = PaymentEvidenceFactory(sha256=original.sha256, duplicate_of=original)
    content = admin_client.get(change_url(copy)).content.decode()
    assert "The same file was given for another payment:" in content
    assert f'href="{change_url(original)}"' in content
    content = admin_client.get(change_url(original)).content.decode()
    assert "No other payment was given this file." in content
    response = admin_client.get(CHANGELIST, {"duplicate": "yes"})
    assert [e.pk for e in response.context["cl"].result_list] == [copy.pk]


# --- two colleagues at once ------------------------------------------------------------------


def _form_data(client, evidence):
    """What the change page's form would send back as it stands (files left out)."""
    form = client.get(change_url(evidence)).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or name == "file":
            continue
        data[name] = value
    return data


def test_a_colleague_who_lost_the_race_is_told_and_nothing_is_logged(admin_user):
    from django.contrib.admin.models import LogEntry

    from tests.factories import StaffFactory

    evidence = PaymentEvidenceFactory()
    first, second = Client(), Client()
    first.force_login(admin_user)
    colleague = StaffFactory(username="volunteer", is_superuser=True)
    second.force_login(colleague)
    # Both open the page while the evidence is pending.
    first_form, second_form = _form_data(first, evidence), _form_data(second, evidence)

    first.post(change_url(evidence), {**first_form, "status": "verified"})
    response = second.post(
        change_url(evidence),
        {**second_form, "status": "rejected", "rejection_reason": "Blurred"},
        follow=True,
    )

    evidence.refresh_from_db()
    assert evidence.status == PaymentEvidence.Status.VERIFIED
    assert response.status_code == 200, (response.status_code, response.redirect_chain)
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Already reviewed as “Verified” by ") for m in shown), shown
    assert not any("was changed successfully" in m for m in shown)
    assert LogEntry.objects.filter(user=colleague).count() == 0
    assert Message.objects.filter(kind=Message.Kind.EVIDENCE_REJECTED).count() == 0
