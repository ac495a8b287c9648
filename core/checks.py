"""System checks of the deployment that Django's own do not make."""

from django.conf import settings
from django.core import checks

#: Backends that never deliver: the console writes donors' private links into whatever log
#: catches the output (cron's, systemd's); the others keep or drop the mail.
UNDELIVERED = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


@checks.register(checks.Tags.security, deploy=True)
def check_email_backend(app_configs, **kwargs):
    if settings.DEBUG or settings.EMAIL_BACKEND not in UNDELIVERED:
        return []
    return [
        checks.Error(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND} with DEBUG off: donors' emails would "
            "not be delivered, and their private links would be written to the logs.",
            hint="Set EMAIL_URL to the mail server, e.g. smtp+tls://user:pass@host:587.",
            id="bcc.E001",
        )
    ]
