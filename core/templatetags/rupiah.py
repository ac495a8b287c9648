"""The one place where Rupiah amounts become text: `Rp 201.600` in every language."""

from django import template

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
