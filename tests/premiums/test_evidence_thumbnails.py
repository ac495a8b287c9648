"""The list of evidence shows each image receipt small, opening the staff-only file view."""

import pytest
from django.test import Client
from django.urls import reverse

from premiums.models import PaymentEvidence
from tests.factories import PaymentEvidenceFactory
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


def test_it_shows_image_receipts_small_and_names_pdfs(coordinator_client):
    image = PaymentEvidenceFactory()
    pdf = PaymentEvidenceFactory(content_type="application/pdf")
    page = coordinator_client.get(admin_url(PaymentEvidence, "changelist")).content.decode()
    image_url = reverse("premiums:staff_evidence_file", args=[image.pk])
    assert f'<img src="{image_url}" alt="Open the file" width="48"' in page
    pdf_url = reverse("premiums:staff_evidence_file", args=[pdf.pk])
    assert f'<a href="{pdf_url}" target="_blank" rel="noopener">PDF</a>' in page
    assert f'<img src="{pdf_url}"' not in page


def test_the_thumbnail_is_refused_to_others(coordinator_client):
    evidence = PaymentEvidenceFactory()
    url = reverse("premiums:staff_evidence_file", args=[evidence.pk])
    assert coordinator_client.get(url).status_code == 200
    assert Client().get(url).status_code == 302  # to the login
    assert not url.startswith("/media/")
