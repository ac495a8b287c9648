"""Country names in Bahasa Indonesia.

django-countries names countries through Django's translations, and has no Indonesian
catalogue: on Indonesian pages a donor would choose "Netherlands" among English names.
pycountry ships the iso-codes project's translations of the ISO 3166 names; COUNTRIES_OVERRIDE
(bcc_sponsor/settings.py) gives django-countries a name for every code that is looked up in
the language of the page when it is shown.
"""

import gettext
from functools import cache

import pycountry
from django.utils.functional import lazy
from django.utils.translation import get_language
from django_countries import Countries
from django_countries.data import COUNTRIES

#: The languages whose country names come from pycountry rather than django-countries.
FROM_PYCOUNTRY = ("id",)


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def country_name(code: str, english) -> str:
    """The name of country `code` in the active language (`english`: django-countries' own)."""
    language = (get_language() or "")[:2]
    country = pycountry.countries.get(alpha_2=code)
    if language not in FROM_PYCOUNTRY or country is None:
        return str(english)
    catalogue = _catalogue(language)
    for msgid in (getattr(country, "common_name", None), country.name):
        if msgid and catalogue.gettext(msgid) != msgid:
            return catalogue.gettext(msgid)
    return str(english)


_lazy_name = lazy(country_name, str)


def names_in_every_language() -> dict:
    """COUNTRIES_OVERRIDE: each code's name, translated when it is shown."""
    # The short names django-countries shows by default ("Netherlands", "United States"), which
    # an override would otherwise replace by the ISO ones.
    english_names = COUNTRIES | Countries.COMMON_NAMES
    return {code: _lazy_name(code, english) for code, english in english_names.items()}
