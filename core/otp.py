"""Two-factor staff login.

With STAFF_2FA_REQUIRED on, the admin and the staff pages need a session that passed both the
password and a code: six digits from an authenticator app (TOTP), or one of ten single-use
backup codes. A staff member without an authenticator logs in with the password alone and is
sent to the setup page, which is the only staff page such a session opens. With the setting off
(the demo, development) the password is enough everywhere.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import user_passes_test
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

BACKUP_CODE_COUNT = 10
# At setup a code is accepted one step (30 s) either side of now, as django-otp does at login:
# for slow typists and phones whose clock is a little off.
TOTP_TOLERANCE = 1


class CodeRefused(Exception):
    """A code that does not let the staff member in; the message says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def required():
    return settings.STAFF_2FA_REQUIRED


def is_staff(user):
    return user.is_active and user.is_staff


def is_verified(user):
    """Two-factor off, or this session passed a code (OTPMiddleware gives users is_verified)."""
    if not required():
        return True
    return user.is_authenticated and user.is_verified()


def is_verified_staff(user):
    return is_staff(user) and is_verified(user)


def verified_staff_member_required(view):
    """The admin's staff_member_required, plus a verified session when two-factor is on."""
    return user_passes_test(is_verified_staff, login_url="admin:login")(view)


def second_factor_required(view):
    """Staff whose session passed a code, whatever the setting: for changing the second factor
    itself, which a password alone must never do."""
    return user_passes_test(lambda u: is_staff(u) and u.is_verified(), login_url="admin:login")(
        view
    )


def authenticator(user):
    """The staff member's confirmed authenticator app, or None before setup."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def needs_setup(user):
    """A staff member who must use two-factor and has no authenticator yet."""
    return (
        required()
        and user.is_authenticated
        and is_staff(user)
        and not user.is_verified()
        and authenticator(user) is None
    )


def _normalise(code):
    return "".join((code or "").split()).lower()


def verify_code(user, code):
    """The device that accepts the code; CodeRefused otherwise.

    Digits are the app's six, anything else one of the eight-character backup codes: trying
    the code on each device in turn would count a failure against the other one, and each
    failure makes the next try wait longer.
    """
    code = _normalise(code)
    if not code:
        raise CodeRefused(_("Enter the code from your authenticator app, or a backup code."))
    model = TOTPDevice if code.isdigit() and len(code) <= 6 else StaticDevice
    # The lock makes the app's code and each backup code good for one login only, even when
    # two logins race. The failure count of a wrong code must be kept, so the refusal is
    # raised after the transaction.
    with transaction.atomic():
        device = model.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        allowed = device is not None and device.verify_is_allowed()[0]
        accepted = allowed and device.verify_token(code)
    if device is not None and not allowed:
        raise CodeRefused(_("Too many wrong codes. Wait a minute, then try again."))
    if not accepted:
        raise CodeRefused(_("That code is not right. Codes from the app change every 30 seconds."))
    return device


def new_setup_key():
    """A fresh TOTP secret, as django-otp stores it (hex)."""
    return default_key()


def unsaved_authenticator(user, key):
    """The device the setup page describes: the otpauth:// address and the secret to type in."""
    return TOTPDevice(user=user, key=key, name=str(_("Authenticator app")))


def add_authenticator(user, key, code):
    """The app's first code proves it holds the secret: the device is saved as confirmed and ten
    backup codes replace any earlier ones. Returns (device, backup codes); the codes exist in
    clear only here, so the caller shows them once.

    A second confirmation (a form sent twice) changes nothing and returns no codes.
    """
    device = unsaved_authenticator(user, key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    code = _normalise(code)
    if not (code.isdigit() and totp.verify(int(code), TOTP_TOLERANCE)):
        raise CodeRefused(
            _("That code is not right. Check the time on your phone and type the newest code.")
        )
    with transaction.atomic():
        # The user's row is the lock: two confirmations at once make one device.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        existing = authenticator(user)
        if existing is not None:
            return existing, []
        # This code is spent: it cannot be used again to log in. The phone's clock offset is
        # remembered, as django-otp does after each accepted code.
        device.last_t = totp.t()
        device.drift = totp.drift
        device.confirmed = True
        device.save()
        codes = _replace_backup_codes(user)
    return device, codes


def new_backup_codes(user):
    """Ten fresh backup codes; the earlier ones stop working."""
    with transaction.atomic():
        return _replace_backup_codes(user)


def _replace_backup_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=str(_("Backup codes")), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def safe_next(request, default):
    """The `next` address of the request when it is one of ours, else the default."""
    next_url = request.POST.get("next") or request.GET.get("next")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return default


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class StaffLoginForm(AdminAuthenticationForm):
    """The admin login; with two-factor on it also asks for a code from the app."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app, or a backup code"),
        required=False,
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if not required():
            del self.fields["otp_token"]

    def get_invalid_login_error(self):
        if "otp_token" not in self.fields:
            return super().get_invalid_login_error()
        # One answer for any failure, of the password or of the code: a different message for
        # a wrong code would tell whoever is guessing that the password was right.
        return forms.ValidationError(
            _(
                "Please enter the correct username, password and code for a staff account. "
                "Note that the password is case-sensitive."
            ),
            code="invalid_login",
        )

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        # Without an authenticator the password alone logs in, but the session opens only the
        # setup page: the admin and the staff pages still refuse it (has_permission below).
        if "otp_token" in self.fields and user is not None and authenticator(user) is not None:
            try:
                # django-otp marks the session verified when the login goes through.
                user.otp_device = verify_code(user, cleaned_data.get("otp_token"))
            except CodeRefused:
                # A wrong code is a failed login: django-axes counts it toward the lockout.
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": cleaned_data.get("username")},
                    request=self.request,
                )
                self.user_cache = None
                raise self.get_invalid_login_error() from None
        return cleaned_data


class StaffAdminSite(admin.AdminSite):
    """The admin site, asking for the second factor when STAFF_2FA_REQUIRED is on.

    The setting is read at each request (not when the URLs load), so tests and a changed
    environment see the rule they set.
    """

    login_form = StaffLoginForm
    login_template = "admin/staff_login.html"

    def has_permission(self, request):
        return super().has_permission(request) and is_verified(request.user)

    def login(self, request, extra_context=None):
        if request.method == "GET" and needs_setup(request.user):
            url = reverse("staff_2fa_setup")
            next_url = request.GET.get("next")
            return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)
        extra_context = {**(extra_context or {}), "two_factor_required": required()}
        return super().login(request, extra_context)
