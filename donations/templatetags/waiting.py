from django import template

from donations import standing

register = template.Library()


@register.filter
def waiting_from(recipient):
    """Since when `recipient` has waited for a sponsor: the end of their last coverage (with
    `paid_through` annotated, see donations.models.needing_sponsor), or since they were listed."""
    return standing.waiting_from(getattr(recipient, "paid_through", None), recipient.waiting_since)
