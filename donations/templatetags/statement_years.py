from django import template

from donations.statement import years_paid

register = template.Library()


@register.filter
def statement_years(sponsorships) -> list[int]:
    """The years that have a giving statement, from the page's prefetched payments."""
    return years_paid(sponsorships)
