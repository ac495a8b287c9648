"""create_staff: a staff login with the permissions of its role, and the steps to log in."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from recipients.models import Recipient
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


def create(*args, **options) -> str:
    out = io.StringIO()
    call_command("create_staff", *args, stdout=out, **options)
    return out.getvalue()


def password_in(output: str) -> str:
    return output.split("Password (shown once, give it in person): ")[1].split()[0]


@pytest.mark.parametrize(
    ("role", "sees_private_data", "manages_staff"),
    [("volunteer", False, False), ("coordinator", True, True)],
)
def test_it_creates_a_staff_member_of_the_role(
    staff_groups, role, sees_private_data, manages_staff
):
    output = create("wayan", "--role", role, "--email", "wayan@example.org")
    user = get_user_model().objects.get(username="wayan")
    assert user.is_staff and not user.is_superuser
    assert [g.name for g in user.groups.all()] == [role.capitalize()]
    assert user.check_password(password_in(output))
    assert user.has_perm("recipients.view_private_data") is sees_private_data
    assert user.has_perm("auth.add_user") is manages_staff
    assert "/staff/2fa/setup/" in output
    client = Client()
    client.force_login(user)
    assert client.get(admin_url(Recipient, "changelist")).status_code == 200


def test_it_prints_the_two_factor_setup_when_it_is_required(staff_groups, settings):
    settings.STAFF_2FA_REQUIRED = True
    output = create("made", "--role", "volunteer")
    assert "Leave the code empty on the first login" in output


def test_each_password_is_new(staff_groups):
    assert password_in(create("a1", "--role", "volunteer")) != password_in(
        create("a2", "--role", "volunteer")
    )


def test_it_refuses_an_existing_username(staff_groups):
    create("wayan", "--role", "volunteer")
    with pytest.raises(CommandError, match="already exists"):
        create("wayan", "--role", "coordinator")
    assert get_user_model().objects.get(username="wayan").groups.get().name == "Volunteer"


def test_it_refuses_an_unknown_role(staff_groups):
    with pytest.raises(CommandError):
        create("wayan", "--role", "admin")
    assert not get_user_model().objects.filter(username="wayan").exists()
