from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def join_sponsorships(sponsorships) -> str:
    """ "Ketut (sponsorship no. 12), Made (sponsorship no. 14)": how a donor names their
    sponsorships to BCC, so staff find them at once."""
    return ", ".join(
        _("%(name)s (sponsorship no. %(number)s)") % {"name": s.recipient.nickname, "number": s.pk}
        for s in sponsorships
    )
