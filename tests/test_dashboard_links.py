"""Every link on the staff dashboard opens (200, not a redirect to an error or a 403) for a
volunteer and for a coordinator, the claims part included (an open claim, a worker with three
years paid); and the dashboard, claims included, takes the same queries whatever the data."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from recipients.models import Recipient
from tests.claims.test_claims_dashboard import open_accident, three_years_paid
from tests.factories import RecipientFactory
from tests.helpers import admin_url, frozen_at
from tests.test_dashboard import NOW, build
from tests.test_dashboard_roles import links

pytestmark = frozen_at(NOW)


def with_claims(staff, i=0):
    """The dashboard's dataset, an open accident claim (the worker not covered that day) and a
    worker with three years paid whose family has no scholarship claim yet."""
    build(staff)
    claim = open_accident(RecipientFactory(nickname=f"Hurt {i}"), NOW - dt.timedelta(hours=5))
    return claim, three_years_paid(staff, f"Veteran {i}").recipient


@pytest.mark.parametrize("client_fixture", ["volunteer_client", "coordinator_client"])
def test_every_link_opens_for_each_role_claims_included(request, client_fixture, staff):
    claim, veteran = with_claims(staff)
    client = request.getfixturevalue(client_fixture)
    dashboard = client.get("/staff/")
    body = dashboard.content.decode()
    assert "Hurt 0" in body and "Veteran 0" in body

    followed = links(dashboard)
    # The claims part links the open claim and the worker who reached three years.
    assert admin_url(Claim, "change", claim.pk) in followed
    assert admin_url(Recipient, "change", veteran.pk) in followed
    answers = {href: client.get(href).status_code for href in followed}
    assert {href: status for href, status in answers.items() if status != 200} == {}
    assert len(answers) >= 14
    # The outbox, where the dashboard links it, opens; a volunteer, who may not read the
    # emails (the outbox answers them 403), is never shown the link.
    if client_fixture == "volunteer_client":
        assert "/staff/outbox/" not in followed
    elif "/staff/outbox/" in followed:
        assert answers["/staff/outbox/"] == 200


@pytest.mark.parametrize("client_fixture", ["volunteer_client", "coordinator_client"])
def test_its_queries_stay_fixed_with_claims(request, client_fixture, staff, no_page_cache):
    client = request.getfixturevalue(client_fixture)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/staff/")
        assert response.status_code == 200
        return len(captured), response

    with_claims(staff)
    small, first = queries()
    for i in range(1, 6):
        with_claims(staff, i)
    large, second = queries()
    assert large == small
    assert second.context["claims"]["open_count"] == 6 * first.context["claims"]["open_count"]
    assert second.context["claims"]["milestone_count"] == 6
