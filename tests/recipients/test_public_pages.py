import datetime as dt

import pytest

from recipients.models import Occupation, Recipient, Regency
from tests.factories import RecipientFactory, SponsorshipFactory
from tests.helpers import at, frozen_at
from tests.images import png_bytes

pytestmark = [pytest.mark.django_db, frozen_at(at(2026, 11, 22, 10, 0))]


def test_it_lists_only_people_needing_a_sponsor(client):
    waiting = RecipientFactory(nickname="Ketut Waiting")
    sponsored = RecipientFactory(nickname="Made Sponsored")
    SponsorshipFactory(recipient=sponsored, first_month=dt.date(2026, 12, 1))
    RecipientFactory(nickname="Nyoman Deceased", status="deceased", deceased_on=dt.date(2026, 5, 1))
    response = client.get("/en/recipients/")
    body = response.content.decode()
    assert waiting.nickname in body
    assert "Made Sponsored" not in body
    assert "Nyoman Deceased" not in body
    assert "1 person is waiting for a sponsor." in body


def test_it_lists_again_a_person_whose_sponsor_lapsed_by_the_calendar(client):
    recipient = RecipientFactory(nickname="Wayan Lapsed")
    # Never paid, first month June 2026: lapsed from 1 September 2026 without any command.
    SponsorshipFactory(
        recipient=recipient, first_month=dt.date(2026, 6, 1), lapses_on=dt.date(2026, 9, 1)
    )
    assert "Wayan Lapsed" in client.get("/en/recipients/").content.decode()


def test_it_filters_by_occupation_and_regency(client):
    RecipientFactory(
        nickname="Climber", occupation=Occupation.COCONUT_CLIMBER, regency=Regency.BANGLI
    )
    RecipientFactory(nickname="Fisher", occupation=Occupation.FISHER, regency=Regency.BANGLI)
    RecipientFactory(
        nickname="Builder", occupation=Occupation.CONSTRUCTION_WORKER, regency=Regency.BULELENG
    )
    body = client.get("/en/recipients/", {"occupation": "fisher"}).content.decode()
    assert "Fisher" in body and "Climber" not in body and "Builder" not in body
    body = client.get("/en/recipients/", {"regency": Regency.BANGLI}).content.decode()
    assert "Fisher" in body and "Climber" in body and "Builder" not in body


def test_it_paginates(client):
    RecipientFactory.create_batch(14)
    first = client.get("/en/recipients/").content.decode()
    second = client.get("/en/recipients/", {"page": 2}).content.decode()
    assert "Page 1 of 2" in first
    assert first.count('class="card h-100') == 12
    assert second.count('class="card h-100') == 2


def test_its_query_count_does_not_grow_with_the_list(
    client, no_page_cache, django_assert_max_num_queries
):
    RecipientFactory.create_batch(3)
    # Anonymous, no session: the count for the paginator, then one page of recipients; the
    # footer's contact details (one cache read).
    with django_assert_max_num_queries(3):
        client.get("/en/recipients/")
    RecipientFactory.create_batch(30)
    with django_assert_max_num_queries(3):
        client.get("/en/recipients/")


def test_it_never_shows_private_data(client):
    recipient = RecipientFactory(
        nik="5107015505800001",
        kk="5107010101000777",
        phone="+6281338111222",
        address="Jalan Rahasia 7",
        village="Banjar Tersembunyi",
        date_of_birth=dt.date(1980, 5, 15),
    )
    pages = [
        client.get("/en/recipients/").content.decode(),
        client.get(f"/en/recipients/{recipient.pk}/").content.decode(),
        client.get(f"/en/recipients/{recipient.pk}/sponsor/").content.decode(),
        client.get("/en/").content.decode(),
    ]
    for body in pages:
        assert recipient.nickname in body
        for secret in (
            "5107015505800001",
            "5107010101000777",
            "81338111222",
            "Jalan Rahasia",
            "Banjar Tersembunyi",
            "1980",
            recipient.full_name,
        ):
            assert secret not in body


def test_it_shows_a_photo_only_with_consent(client):
    from django.core.files.base import ContentFile

    shown = RecipientFactory(photo_consent=True)
    shown.photo.save("a.png", ContentFile(png_bytes()))
    hidden = RecipientFactory(photo_consent=False)
    hidden.photo.save("b.png", ContentFile(png_bytes()))
    assert client.get(f"/en/recipients/{shown.pk}/photo/").status_code == 200
    assert client.get(f"/en/recipients/{hidden.pk}/photo/").status_code == 404
    assert (
        f"/en/recipients/{hidden.pk}/photo/"
        not in client.get(f"/en/recipients/{hidden.pk}/").content.decode()
    )
    assert (
        f"/en/recipients/{shown.pk}/photo/"
        in client.get(f"/en/recipients/{shown.pk}/").content.decode()
    )


def test_its_detail_page_offers_sponsorship_only_when_needed(client):
    waiting = RecipientFactory()
    body = client.get(f"/en/recipients/{waiting.pk}/").content.decode()
    assert f"/en/recipients/{waiting.pk}/sponsor/" in body
    taken = RecipientFactory()
    SponsorshipFactory(recipient=taken, first_month=dt.date(2026, 12, 1))
    body = client.get(f"/en/recipients/{taken.pk}/").content.decode()
    assert f"/en/recipients/{taken.pk}/sponsor/" not in body
    assert "already has a sponsor" in body


def test_it_shows_the_indonesian_story_in_indonesian(client):
    recipient = RecipientFactory(story="Climbs trees.", story_id="Memanjat pohon kelapa.")
    assert "Climbs trees." in client.get(f"/en/recipients/{recipient.pk}/").content.decode()
    assert (
        "Memanjat pohon kelapa." in client.get(f"/id/recipients/{recipient.pk}/").content.decode()
    )


def test_it_answers_404_for_a_deceased_recipient(client):
    recipient = RecipientFactory(status=Recipient.Status.DECEASED, deceased_on=dt.date(2026, 1, 2))
    assert client.get(f"/en/recipients/{recipient.pk}/").status_code == 404
