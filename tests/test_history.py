"""Every change made in the admin is kept (django-simple-history), with who made it."""

import re

from django.urls import reverse

from donations.models import Sponsorship
from recipients.models import Recipient
from tests.factories import RecipientFactory, SponsorshipFactory


def recipient_form(recipient, **changes):
    """The recipient's change form as the admin sends it back, with `changes`."""
    data = {
        "nickname": recipient.nickname,
        "occupation": recipient.occupation,
        "occupation_detail": "",
        "regency": recipient.regency,
        "story": recipient.story,
        "story_id": "",
        "waiting_since": recipient.waiting_since.isoformat(),
        "status": recipient.status,
        "deceased_on": "",
        "full_name": recipient.full_name,
        "nik": recipient.nik,
        "kk": recipient.kk,
        "date_of_birth": recipient.date_of_birth.isoformat(),
        "sex": recipient.sex,
        "village": recipient.village,
        "address": recipient.address,
        "phone": str(recipient.phone),
        "household_notes": "",
        # The card and sponsorship inlines, empty.
        "card-TOTAL_FORMS": "0",
        "card-INITIAL_FORMS": "0",
        "card-MIN_NUM_FORMS": "0",
        "card-MAX_NUM_FORMS": "1",
        "sponsorships-TOTAL_FORMS": "0",
        "sponsorships-INITIAL_FORMS": "0",
        "sponsorships-MIN_NUM_FORMS": "0",
        "sponsorships-MAX_NUM_FORMS": "1000",
    }
    return {**data, **changes}


def test_it_records_who_changed_a_nik(admin_client, admin_user):
    recipient = RecipientFactory(nik="5107015505800001")
    url = reverse("admin:recipients_recipient_change", args=[recipient.pk])

    response = admin_client.post(url, recipient_form(recipient, nik="5107015505800002"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = recipient.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user == admin_user
    assert latest.nik == "5107015505800002"
    assert latest.prev_record.nik == "5107015505800001"
    assert Recipient.objects.get(pk=recipient.pk).nik == "5107015505800002"


def test_it_lists_a_change_on_the_history_page_of_a_sponsorship(admin_client, admin_user):
    sponsorship = SponsorshipFactory(months_pledged=12)
    changed = Sponsorship.objects.get(pk=sponsorship.pk)
    changed._history_user = admin_user
    changed.months_pledged = 24
    changed.save()

    response = admin_client.get(
        reverse("admin:donations_sponsorship_history", args=[sponsorship.pk])
    )

    assert response.status_code == 200
    content = response.content.decode()
    # The change, who made it, and the old and new value.
    assert re.search(r"Months pledged:</strong>\s*12\s*&nbsp;&rarr;&nbsp;&nbsp;24", content)
    assert admin_user.username in content
    assert len(response.context["page_obj"].object_list) == 2


def test_history_shows_money_in_rupiah_and_choices_in_words(admin_client):
    from premiums.models import PremiumRate
    from tests.factories import PremiumRateFactory

    rate = PremiumRateFactory(jkk=10_000, jkm=6_800)
    rate.jkk = 5_000
    rate.save()
    page = admin_client.get(f"/admin/premiums/premiumrate/{rate.pk}/history/").content.decode()
    assert "Rp 10.000" in page and "Rp 5.000" in page
    assert "10000" not in page
    assert str(PremiumRate.objects.get()).startswith("Rp 11.800 (")

    recipient = RecipientFactory(occupation="construction_worker")
    recipient.occupation = "fisher"
    recipient.save()
    page = admin_client.get(f"/admin/recipients/recipient/{recipient.pk}/history/").content.decode()
    assert "Construction worker" in page and "Fisher" in page
    assert "construction_worker" not in page
