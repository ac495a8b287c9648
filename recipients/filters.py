import django_filters
from django.utils.translation import gettext_lazy as _

from recipients.models import Occupation, Recipient, Regency


class RecipientFilter(django_filters.FilterSet):
    occupation = django_filters.ChoiceFilter(
        choices=Occupation.choices, label=_("Occupation"), empty_label=_("All occupations")
    )
    regency = django_filters.ChoiceFilter(
        choices=Regency.choices, label=_("Regency"), empty_label=_("All regencies")
    )

    class Meta:
        model = Recipient
        fields = ["occupation", "regency"]
