"""A staff member's own two-factor pages: set up the authenticator app, renew backup codes."""

from base64 import b32encode

import django_otp
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.qr import write_qrcode_image

from core import otp

# The secret being set up lives in the session until the app proves it holds it: nothing is
# stored for a setup that is never finished, and reloading the page keeps the same QR code.
SETUP_KEY = "staff_2fa_setup_key"


def _render(request, template, title, context):
    context = {**admin.site.each_context(request), "title": title, **context}
    return render(request, template, context)


# A password session is enough here: this is where it gets its second factor.
@staff_member_required
@require_http_methods(["GET", "POST"])
@never_cache
def setup(request):
    next_url = otp.safe_next(request, reverse("admin:index"))
    if otp.authenticator(request.user) is not None:
        # Replacing the app takes an administrator (or a verified session to see the backup
        # codes): a stolen password alone must not be enough to add the thief's phone.
        return redirect("staff_2fa_backup_codes")
    key = request.session.get(SETUP_KEY)
    if key is None:
        key = request.session[SETUP_KEY] = otp.new_setup_key()
    form = otp.SetupCodeForm(request.POST or None)
    if form.is_valid():
        try:
            device, codes = otp.add_authenticator(request.user, key, form.cleaned_data["code"])
        except otp.CodeRefused as refused:
            form.add_error("code", refused.message)
        else:
            del request.session[SETUP_KEY]
            request.session.cycle_key()
            django_otp.login(request, device)
            if not codes:  # the form was sent twice; the codes were shown the first time
                return redirect(next_url)
            return _render(
                request,
                "admin/two_factor/backup_codes.html",
                _("Your backup codes"),
                {"codes": codes, "next": next_url},
            )
    device = otp.unsaved_authenticator(request.user, key)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "otpauth_url": device.config_url,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": next_url,
    }
    return _render(request, "admin/two_factor/setup.html", _("Set up two-factor login"), context)


@staff_member_required
@require_GET
@never_cache
def setup_qr(request):
    """The QR code of the secret being set up, drawn here: no third-party service sees it."""
    key = request.session.get(SETUP_KEY)
    if key is None:
        raise Http404
    response = HttpResponse(content_type="image/svg+xml")
    write_qrcode_image(otp.unsaved_authenticator(request.user, key).config_url, response)
    return response


@otp.second_factor_required
@require_http_methods(["GET", "POST"])
@never_cache
def backup_codes(request):
    """How many backup codes are left; ten new ones on request, shown once."""
    codes = otp.new_backup_codes(request.user) if request.method == "POST" else None
    context = {
        "codes": codes,
        "left": otp.backup_codes_left(request.user),
        "next": reverse("admin:index"),
    }
    return _render(request, "admin/two_factor/backup_codes.html", _("Your backup codes"), context)
