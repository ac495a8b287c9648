"""BCC's contact details as coordinators edited them, for any template that shows them (the
page that includes a template need not remember to pass them)."""

from django import template

from core.models import ContactDetails

register = template.Library()


@register.simple_tag
def paypal_account() -> str:
    """Where overseas donors send PayPal payments (admin → BCC contact details)."""
    return ContactDetails.current().paypal_account
