"""`manage.py create_staff <username> --role volunteer|coordinator`: a staff login in one of
the two staff groups, with a generated password shown once."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.history import recorded_as_command

#: The roles and the groups that give them their permissions (premiums migration 0006).
ROLES = {"volunteer": "Volunteer", "coordinator": "Coordinator"}


class Command(BaseCommand):
    help = (
        "Create a staff login for a volunteer (cards, handovers, photos, situation updates; "
        "no private data) or a coordinator (everything, staff accounts included). Prints a "
        "generated password once, and the steps of the first login."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    @recorded_as_command
    def handle(self, *args, username, role, email, first_name, last_name, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists: nothing changed.")
        group = Group.objects.filter(name=ROLES[role]).first()
        if group is None:
            raise CommandError(f"The {ROLES[role]} group is missing: run `manage.py migrate`.")
        password = secrets.token_urlsafe(12)
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            is_staff=True,
        )
        try:
            validate_password(password, user)
        except ValidationError as e:  # a username that the generated password resembles
            raise CommandError(" ".join(e.messages)) from None
        user.set_password(password)
        with transaction.atomic():
            user.save()
            user.groups.add(group)
        self.stdout.write(self.style.SUCCESS(f"Created {role} {username}."))
        self.stdout.write(f"Password (shown once, give it in person): {password}")
        self.stdout.write(
            f"1. Log in at {settings.SITE_URL}/admin/ with this username and password."
        )
        if settings.STAFF_2FA_REQUIRED:
            self.stdout.write(
                "2. Leave the code empty on the first login: the next page "
                f"({settings.SITE_URL}/staff/2fa/setup/) shows a QR code to scan with an "
                "authenticator app, then ten backup codes to keep."
            )
        else:
            self.stdout.write(
                "2. Two-factor login is off here (STAFF_2FA_REQUIRED); where it is on, the "
                "first login sets up the authenticator app at /staff/2fa/setup/."
            )
        self.stdout.write("3. Change the password: admin → top right → Change password.")
