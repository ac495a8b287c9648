"""BCC's contact details as configured, for any template that shows them (the page that
includes a template need not remember to pass them)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def paypal_account() -> str:
    """Where overseas donors send PayPal payments (the BCC_PAYPAL_ACCOUNT setting)."""
    return settings.BCC_PAYPAL_ACCOUNT
