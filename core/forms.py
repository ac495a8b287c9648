"""Forms every app's public pages read their query parameters through.

A query parameter is user input like any other: read through a form field, a NUL byte (which
PostgreSQL refuses in text) or an over-long value is refused with a message, never a 500.
"""

from django import forms
from django.utils.translation import gettext_lazy as _


class PageForm(forms.Form):
    """The `page` parameter of a paginated public list."""

    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def page_number(self) -> int:
        return (self.cleaned_data.get("page") or 1) if self.is_valid() else 1


class SearchForm(PageForm):
    """A short free-text search (`q`) and the page."""

    q = forms.CharField(required=False, max_length=80, label=_("Search by name"))

    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""
