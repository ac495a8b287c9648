"""The staff dashboard shows each role only the queues it can open: a queue is shown when the
admin list it links to would let this staff member in (the list's own permission check)."""

import re

import pytest

from tests.helpers import frozen_at
from tests.test_dashboard import NOW, build, queues

pytestmark = frozen_at(NOW)

#: What a volunteer may not open: evidence, donor requests, refunds, emails.
HIDDEN_FROM_VOLUNTEERS = {
    "evidence",
    "late_evidence",
    "open_requests",
    "decisions",
    "refunds",
    "messages_stuck",
}
ALL_QUEUES = {
    "evidence",
    "stale_quotes",
    "paypal_reported",
    "paypal_awaiting_bpjs",
    "bpjs_no_receipt",
    "late_evidence",
    "awaiting_card",
    "awaiting_handover",
    "undocumented",
    "awaiting_decision",
    "open_requests",
    "decisions",
    "refunds",
    "messages_stuck",
    "coverage_ending",
    "will_lapse",
    "waiting",
}


@pytest.fixture
def dataset(db, staff):
    return build(staff)


def links(response) -> list[str]:
    hrefs = re.findall(r'<a [^>]*href="(/[^"]*)"', response.content.decode())
    return sorted({href.replace("&amp;", "&") for href in hrefs})


def test_it_shows_a_volunteer_only_the_queues_they_can_open(volunteer_client, dataset):
    found = queues(volunteer_client.get("/staff/"))
    assert set(found) == ALL_QUEUES - HIDDEN_FROM_VOLUNTEERS
    # The PayPal legs are theirs to see: the payments list is open to them.
    assert found["paypal_awaiting_bpjs"].count == 1
    assert found["paypal_awaiting_bpjs"].detail == "longest: 12 days waiting"


def test_it_shows_a_coordinator_every_queue(coordinator_client, dataset):
    found = queues(coordinator_client.get("/staff/"))
    assert set(found) == ALL_QUEUES
    assert {key: found[key].count for key in ("decisions", "refunds", "bpjs_no_receipt")} == {
        "decisions": 1,
        "refunds": 3,
        "bpjs_no_receipt": 1,
    }


@pytest.mark.parametrize("client_fixture", ["volunteer_client", "coordinator_client"])
def test_it_shows_no_link_that_answers_403(request, client_fixture, dataset):
    client = request.getfixturevalue(client_fixture)
    dashboard = client.get("/staff/")
    followed = links(dashboard)
    assert len(followed) >= 11  # the queues at least
    refused = {}
    for href in followed:
        status = client.get(href).status_code
        if status not in (200, 302):
            refused[href] = status
    assert refused == {}


def test_it_shows_the_indonesian_labels_of_the_new_queues(coordinator_client, dataset):
    body = coordinator_client.get("/staff/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "PayPal diterima, BPJS belum dibayar" in body
    assert "terlama: 12 hari menunggu" in body


def test_its_queries_for_a_volunteer_stay_fixed(
    volunteer_client, staff, no_page_cache, django_assert_max_num_queries
):
    # The dashboard's nineteen (tests/test_dashboard.py), and the volunteer's permissions: those
    # of the user and those of their groups, loaded once for every queue.
    build(staff)
    with django_assert_max_num_queries(21):
        small = volunteer_client.get("/staff/")
    for _ in range(5):
        build(staff)
    with django_assert_max_num_queries(21):
        large = volunteer_client.get("/staff/")
    assert queues(large)["awaiting_decision"].count == 6 * queues(small)["awaiting_decision"].count
