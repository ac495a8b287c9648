import django_filters
from django.utils.translation import gettext_lazy as _

from recipients.models import Occupation, Recipient, Regency

#: Django's own words (translated by Django), without echoing what was typed into the page.
NOT_A_CHOICE = {
    "invalid_choice": _("Select a valid choice. That choice is not one of the available choices.")
}


class RecipientFilter(django_filters.FilterSet):
    occupation = django_filters.ChoiceFilter(
        choices=Occupation.choices,
        label=_("Occupation"),
        empty_label=_("All occupations"),
        error_messages=NOT_A_CHOICE,
    )
    regency = django_filters.ChoiceFilter(
        choices=Regency.choices,
        label=_("Regency"),
        empty_label=_("All regencies"),
        error_messages=NOT_A_CHOICE,
    )

    class Meta:
        model = Recipient
        fields = ["occupation", "regency"]
