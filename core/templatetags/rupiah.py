"""The one place where Rupiah amounts become text: `Rp 201.600` in every language."""

from django import template
from django.utils.html import format_html

register = template.Library()


def format_rupiah(amount) -> str:
    if amount is None or amount == "":
        return ""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


@register.filter(name="rupiah")
def rupiah(amount):
    return format_rupiah(amount)


@register.filter(name="rupiah_nowrap")
def rupiah_nowrap(amount):
    """The amount for a web page: "Rp" never wraps onto another line than its figure."""
    text = format_rupiah(amount)
    return format_html('<span class="rupiah">{}</span>', text) if text else ""
