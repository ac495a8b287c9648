"""Country names in Indonesian (django-countries has no Indonesian catalogue: core/countries.py
takes them from pycountry), in the admin's forms and lists, and read back by the import."""

import pytest
from django.utils import translation
from django_countries import countries

from donations.models import Donor
from tests.factories import DonorFactory
from tests.helpers import admin_url
from tests.test_import_export import lines, upload

pytestmark = pytest.mark.django_db


def test_every_country_has_an_indonesian_name():
    with translation.override("en"):
        english = dict(countries)
    with translation.override("id"):
        indonesian = dict(countries)
    assert indonesian["DE"] == "Jerman"
    assert indonesian["US"] == "Amerika Serikat"
    assert indonesian["NL"] == "Belanda"
    changed = [code for code in english if english[code] != indonesian[code]]
    assert len(changed) > 100  # many read the same in both (Australia, Malaysia…)


def test_the_donor_form_lists_the_countries_in_indonesian(coordinator_client):
    donor = DonorFactory(country="DE")
    page = coordinator_client.get(
        admin_url(Donor, "change", donor.pk), HTTP_ACCEPT_LANGUAGE="id"
    ).content.decode()
    assert '<option value="DE" selected>Jerman</option>' in page
    assert ">Germany<" not in page


def test_the_import_reads_a_country_named_in_indonesian(coordinator_client):
    text = lines("full_name,email,country,language", "Anna,anna@example.org,Jerman,en")
    response = upload(coordinator_client, Donor, text)
    assert "confirm_form" in response.context
