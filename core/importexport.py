"""CSV import and export in the admin, built on django-import-export.

What the three apps' resources share:

- widgets that read what people type in spreadsheets (Rupiah with dots, dates day first,
  labels instead of codes, "ya"/"tidak") and write plain values, whatever the admin's language;
- a resource base that validates every row with the model's own validators and constraints and
  takes a file whole or not at all;
- the admin mixins: CSV only, the import and export permissions, and exports streamed to the
  browser as the rows are read, so that memory does not grow with the number of rows.
"""

import csv
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import (
    FieldDoesNotExist,
    MultipleObjectsReturned,
    PermissionDenied,
    ValidationError,
)
from django.db import models
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from import_export import resources, widgets
from import_export.admin import ExportMixin, ImportMixin
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import Result
from import_export.signals import post_export

# --- widgets: one column's text <-> one model value -----------------------------------------


def cell_text(value) -> str:
    return "" if value is None else str(value).strip()


class TextWidget(widgets.Widget):
    """Text, without the spaces around it; an empty cell is an empty string."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class DigitsWidget(TextWidget):
    """An identifier written with digits (NIK, KK): spaces, dots and dashes between the digits
    are dropped, and so is the quote a spreadsheet puts before digits it must keep as text."""

    def clean(self, value, row=None, **kwargs):
        return re.sub(r"[\s.\-]", "", cell_text(value)).lstrip("'")


class WholeNumberWidget(widgets.Widget):
    """A count or an id: digits only, written without any grouping."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = cell_text(value)
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(gettext("Enter a whole number, such as 12."))
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


_GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*")


class RupiahWidget(WholeNumberWidget):
    """Whole Rupiah, written plainly (201600) and read as people write them: "201600",
    "201.600", "Rp 201,600", "201600,00"."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = re.sub(r"^rp\.?", "", cell_text(value), flags=re.IGNORECASE).replace(" ", "")
        if not text:
            return None
        text = re.sub(r"[.,]00?$", "", text)  # zero cents
        if _GROUPED.fullmatch(text):
            text = re.sub(r"[.,]", "", text)
        if not text.isdigit():
            raise ValueError(gettext("Give the amount in whole Rupiah, such as 201600."))
        return int(text)


class PlainDecimalWidget(widgets.Widget):
    """An amount with cents in a foreign currency (PayPal): 25.50, also read as 25,50."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).replace(" ", "")
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(gettext("Enter an amount such as 25.50.")) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else format(value, "f")


class DateWidget(widgets.Widget):
    """A calendar date: 2026-03-05, or day first as written in Indonesia (05/03/2026)."""

    FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
    ERROR = _("Enter a date such as 2026-03-05 (or 05/03/2026, day first).")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        for date_format in self.FORMATS:
            try:
                return dt.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(str(self.ERROR))

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class DateTimeWidget(widgets.Widget):
    """A moment in Bali time (TIME_ZONE): 2026-03-05 14:30, seconds optional; a date alone is
    its midnight."""

    FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            moment = value
        else:
            text = cell_text(value)
            if not text:
                return None
            for moment_format in self.FORMATS:
                try:
                    moment = dt.datetime.strptime(text, moment_format)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(gettext("Enter a date and time such as 2026-03-05 14:30."))
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    def render(self, value, obj=None, **kwargs):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}" if value else ""


class ChoiceWidget(widgets.Widget):
    """One of a field's choices, by its stored value ("coconut_climber", "ID") or by its label
    in either language ("Coconut tree climber", "Indonesia"); written as the stored value."""

    #: More choices than this (the countries) are too many to list in an error.
    LISTED = 30

    def __init__(self, choices, *, unknown=None, **kwargs):
        super().__init__(**kwargs)
        # Country names come as text in the language of the moment they are listed: a
        # callable lists them again in each language (model choices are lazy, listed once).
        self.listed = choices if callable(choices) else (lambda: choices)
        self.choices = list(self.listed())
        self.unknown = unknown or _("“%(value)s” is not one of the choices.")

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        for code, _label in self.choices:
            if text.casefold() == str(code).casefold():
                return code
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for code, label in self.listed():
                    if text.casefold() == str(label).casefold():
                        return code
        if len(self.choices) > self.LISTED:
            raise ValueError(self.unknown % {"value": text})
        codes = ", ".join(str(code) for code, _label in self.choices[:12])
        more = "…" if len(self.choices) > 12 else ""
        raise ValueError(
            gettext("“%(value)s” is not one of the choices: %(codes)s%(more)s.")
            % {"value": text, "codes": codes, "more": more}
        )

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(widgets.Widget):
    """Yes or no: "yes", "ya", "1", "true", "x" or "no", "tidak", "0", "false"."""

    YES = {"yes", "y", "ya", "1", "true", "x"}
    NO = {"no", "n", "tidak", "0", "false"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = cell_text(value).casefold()
        if not text:
            return None
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(gettext("Enter yes or no."))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else ("yes" if value else "no")


class LookupWidget(widgets.ForeignKeyWidget):
    """A related row named by its id, or by a field that tells rows apart when the text looks
    like one (a donor's email, a recipient's NIK)."""

    def __init__(self, model, *, by, looks_like, expected, **kwargs):
        super().__init__(model, field="pk", **kwargs)
        self.by = by
        self.looks_like = looks_like
        self.expected = expected  # what to write, said to people: "the donor's id or email"

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        if self.looks_like(text):
            lookup = {self.by: text}
        elif text.isdigit():
            lookup = {"pk": int(text)}
        else:
            raise ValueError(
                gettext("Give %(expected)s, not “%(value)s”.")
                % {"expected": self.expected, "value": text}
            )
        name = self.model._meta.verbose_name
        try:
            return self.model.objects.get(**lookup)
        except self.model.DoesNotExist:
            raise ValueError(
                gettext("No %(name)s has “%(value)s”.") % {"name": name, "value": text}
            ) from None
        except MultipleObjectsReturned:
            raise ValueError(
                gettext("Several of the %(names)s have “%(value)s”: give the id instead.")
                % {"names": self.model._meta.verbose_name_plural, "value": text}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value.pk)


def plain_widget(field: models.Field):
    """The widget for a model field's column, or None for the library's own."""
    if isinstance(field, CountryField):
        return ChoiceWidget(
            lambda: list(field.countries),
            unknown=_("“%(value)s” is not a country: give its two-letter code, such as ID or AU."),
        )
    if field.choices:
        return ChoiceWidget(field.choices)
    if isinstance(field, models.BooleanField):
        return YesNoWidget()
    if isinstance(field, models.DateTimeField):
        return DateTimeWidget()
    if isinstance(field, models.DateField):
        return DateWidget()
    if isinstance(field, models.DecimalField):
        return PlainDecimalWidget()
    if isinstance(field, models.IntegerField | models.AutoField):
        return WholeNumberWidget()
    if isinstance(field, models.CharField | models.TextField):
        return TextWidget()
    return None


#: The largest id a database column holds: a bigger number names no row.
LARGEST_ID = 2**63 - 1


def ids_in_column(dataset, column: str) -> set[int]:
    """The ids written in a column of an imported file, of those that can name a row; other
    cells are left to each row's reading, which says what is wrong with them."""
    if not dataset.headers or column not in dataset.headers:
        return set()
    texts = (cell_text(value) for value in dataset[column])
    return {int(text) for text in texts if text.isdigit() and int(text) <= LARGEST_ID}


class PreloadedInstanceLoader(ModelInstanceLoader):
    """The rows a file changes, read in one query rather than one a row. (The library's
    CachedInstanceLoader reads every id cell before the rows, so one cell such as "x1" would
    stop the whole file with a server error instead of a row error.)"""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        ids = ids_in_column(dataset, "id")
        self.instances = self.get_queryset().in_bulk(ids) if ids else {}

    def get_instance(self, row):
        text = cell_text(row.get("id"))
        if text.isdigit() and int(text) in self.instances:
            return self.instances[int(text)]
        return super().get_instance(row)


# --- resources: a model's rows as CSV columns -----------------------------------------------

#: A cell starting with one of these is a formula to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-]?\d[\d.,]*")


def safe_cell(value) -> str:
    """A cell that a spreadsheet shows as text and never runs as a formula (CSV injection:
    donors type their own names). A quote in front hides the formula; numbers such as
    "+6281338000001" stay as they are."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


class BaseResource(resources.ModelResource):
    """A model's rows as CSV columns. An import validates each row with the model's validators
    and constraints (`full_clean`) and the checks of `clean_instance`, and is written whole or
    not at all: one bad row, and nothing of the file is imported."""

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        widget = plain_widget(django_field)
        if widget is not None:
            field.widget = widget
        return field

    def import_data(self, dataset, *args, **kwargs):
        # The admin offers to confirm an import only after a dry run without errors; the rule
        # holds whoever calls: a row refused by validation rolls the whole file back.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    @classmethod
    def get_result_class(cls):
        return SpreadsheetLines

    def before_import_row(self, row, **kwargs):
        # The quote our export puts before what a spreadsheet would take for a formula.
        for key, value in row.items():
            if isinstance(value, str) and value[:1] == "'" and value[1:].startswith(FORMULA_START):
                row[key] = value[1:]

    def after_init_instance(self, instance, new, row, **kwargs):
        if new and cell_text(row.get("id")):
            raise ValidationError(
                {"id": gettext("Nothing has this id: leave the id empty to add a new row.")}
            )

    def clean_instance(self, instance) -> None:
        """Checks of the program's rules for one imported row; raise ValidationError."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = {
            key: ValidationError(error).error_list
            for key, error in (import_validation_errors or {}).items()
        }
        try:
            self.clean_instance(instance)
        except ValidationError as e:
            for key, messages in e.update_error_dict({}).items():
                # A cell that could not be read has already said what is wrong with it.
                errors.setdefault(key, messages)
        super().validate_instance(instance, errors, validate_unique)

    def export_rows(self, queryset, selected_fields=None):
        """The header, then each row's cells, reading the rows from the database in chunks."""
        queryset = self.filter_export(queryset)
        yield self.get_export_headers(selected_fields)
        for instance in self.iter_queryset(queryset):
            yield self.export_resource(instance, selected_fields)


class SpreadsheetLines(Result):
    """The library counts the rows of data from 1; people look for the line the spreadsheet
    shows, where the header is line 1 and the first row of data line 2."""

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(number + 1, row, validation_error)

    def append_error_row(self, number, row, errors):
        super().append_error_row(number + 1, row, errors)

    def row_errors(self):
        return [(line + 1, errors) for line, errors in super().row_errors()]


class _Echo:
    """A file that hands back what is written to it, for csv.writer to stream through."""

    def write(self, value):
        return value


def stream_csv(rows):
    writer = csv.writer(_Echo())
    # A byte-order mark, so that Excel reads the file as UTF-8 (the import skips it).
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


# --- admin ----------------------------------------------------------------------------------


class CsvImportMixin(ImportMixin):
    """Import from CSV with a dry-run preview and per-row errors (django-import-export).

    Needs the model's "import" permission (IMPORT_EXPORT_IMPORT_PERMISSION_CODE) and, as an
    import adds and changes rows, the add and change permissions too.
    """

    formats = [base_formats.CSV]
    import_error_display = ("message", "row")
    import_resource_classes = ()

    def get_import_resource_classes(self, request):
        return list(self.import_resource_classes)

    def has_import_permission(self, request):
        return (
            super().has_import_permission(request)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )


class ExportForm(SelectableFieldsExportForm):
    """The export page's boxes labelled with each column's name in the admin's language and,
    in brackets, the column's code in the file (the library titles the code in English)."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        column = field.column_name if field else field_name
        try:
            name = resource._meta.model._meta.get_field(field.attribute or field_name).verbose_name
        except (AttributeError, FieldDoesNotExist):
            return column
        return f"{capfirst(name)} ({column})"


class CsvImportExportMixin(CsvImportMixin, ExportMixin):
    """Import as above, and export the list as it is filtered to CSV, streamed.

    Needs the model's "export" permission (IMPORT_EXPORT_EXPORT_PERMISSION_CODE).
    """

    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    export_form_class = ExportForm
    export_resource_classes = ()

    def get_export_resource_classes(self, request):
        return list(self.export_resource_classes)

    def get_export_filename(self, request, queryset, file_format):
        name = slugify(str(self.model._meta.verbose_name_plural))
        return f"{name}-{timezone.localdate():%Y-%m-%d}.csv"

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # The library builds the whole file in memory before sending it; this sends each row
        # as it is read (the rows come from the database in chunks of IMPORT_EXPORT_CHUNK_SIZE).
        if not self.has_export_permission(request):
            raise PermissionDenied
        resource_class = self.choose_export_resource_class(export_form, request)
        resource = resource_class(**self.get_export_resource_kwargs(request))
        fields = self.get_export_resource_fields_from_form(export_form)
        response = StreamingHttpResponse(
            stream_csv(resource.export_rows(queryset, fields)),
            content_type="text/csv; charset=utf-8",
        )
        filename = self.get_export_filename(request, queryset, file_format)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        post_export.send(sender=None, model=self.model)
        return response
