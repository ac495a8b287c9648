"""What the admin modules of the apps share: labels, the history admin, private file inputs,
read-only inlines, yes/no filters and the helper every bulk action goes through.

core is the bottom layer, so the admin of any app may import from here; nothing here knows
about recipients, donations or premiums. core registers no model.
"""

import dataclasses
import datetime as dt
from pathlib import PurePosixPath
from urllib.parse import quote

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from core.errors import RuleError
from core.months import month_start
from core.storage import serve_private_file
from core.templatetags.rupiah import format_rupiah

EMPTY = "—"


def month_label(month) -> str:
    """A month as people say it ("January 2026", "Januari 2026"), or a dash."""
    return date_format(month, "YEAR_MONTH_FORMAT") if month else EMPTY


def period_label(first_month, last_month) -> str:
    return f"{month_label(first_month)} – {month_label(last_month)}"


def month_column(field: str, description):
    """A column showing the month in `field`, sorted by it."""

    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return month_label(getattr(obj, field))

    return column


def rupiah_column(field: str, description):
    """A column showing the Rupiah in `field`, sorted by it."""

    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return format_rupiah(getattr(obj, field))

    return column


def whatsapp_link(phone, greeting: str) -> str:
    """A one-click WhatsApp chat with a pre-filled greeting, or a dash without a number."""
    if not phone:
        return EMPTY
    number = str(phone.as_e164 if hasattr(phone, "as_e164") else phone)
    url = f"https://wa.me/{number.lstrip('+')}?text={quote(greeting)}"
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, number)


class MonthField(forms.DateField):
    """A date field whose value is the first day of the chosen month (any day may be entered)."""

    widget = admin.widgets.AdminDateWidget

    def clean(self, value):
        day = super().clean(value)
        return month_start(day) if day else day


class PrivateFileWidget(forms.ClearableFileInput):
    """File input that names the stored file without linking to it.

    Private files (photos of people, receipts) have no public URL, so Django's usual "Currently:
    <link>" would point nowhere; the admins show the picture beside it, through a staff-only
    view (PrivateImagesAdmin).
    """

    def render(self, name, value, attrs=None, renderer=None):
        upload = super().render(name, None, attrs, renderer)
        if not getattr(value, "name", ""):
            return upload
        current = format_html(
            "{}: <code>{}</code> ({})",
            gettext("Currently"),
            PurePosixPath(value.name).name,
            gettext("private file"),
        )
        clear = ""
        if not self.is_required:
            checkbox_id = self.clear_checkbox_id(self.clear_checkbox_name(name))
            clear = format_html(
                ' <input type="checkbox" name="{}" id="{}"> <label for="{}">{}</label>',
                self.clear_checkbox_name(name),
                checkbox_id,
                checkbox_id,
                gettext("Clear"),
            )
        return format_html('<p class="file-upload">{}{}<br>{}</p>', current, clear, upload)


class PrivateImagesAdmin(admin.ModelAdmin):
    """Staff see the private images of a row (`private_images`, field names) through a view of
    the admin itself, `<id>/image/<field>/`: behind the admin's login and second factor, for
    staff allowed to view the row. Never a public media URL: the files have none."""

    private_images: tuple[str, ...] = ()

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/image/<str:field>/",
                self.admin_site.admin_view(self.private_image_view),
                name=f"{opts.app_label}_{opts.model_name}_image",
            ),
            *super().get_urls(),
        ]

    def private_image_view(self, request, object_id, field):
        if field not in self.private_images:
            raise Http404
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return serve_private_file(
            getattr(obj, field), filename=f"{self.model._meta.model_name}-{obj.pk}"
        )


def private_image_url(obj, field: str) -> str:
    """The staff-only address of `obj`'s image in `field` (see PrivateImagesAdmin)."""
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_image", args=[obj.pk, field])


def private_thumbnail(obj, field: str, *, full: str | None = None, width: int = 120) -> str:
    """A small picture of `obj`'s image in `field` that opens the full-size one (`full`, by
    default the same field) in a new tab; a dash without an image."""
    if not (obj.pk and getattr(obj, field)):
        return EMPTY
    full_url = private_image_url(obj, full or field)
    return format_html(
        # Width as an attribute, not a style one: the Content Security Policy blocks those.
        '<a href="{}" target="_blank" rel="noopener" class="private-thumbnail">'
        '<img src="{}" alt="{}" width="{}" loading="lazy"></a>',
        full_url,
        private_image_url(obj, field),
        gettext("Open full size"),
        width,
    )


def private_image_preview(obj, field: str, *, small: str | None = None) -> str:
    """The picture in a change form: a larger thumbnail, and a link to the full size."""
    if not (obj and obj.pk and getattr(obj, field)):
        return EMPTY
    return format_html(
        '{}<br><a href="{}" target="_blank" rel="noopener">{}</a>',
        private_thumbnail(
            obj, small if small and getattr(obj, small) else field, full=field, width=320
        ),
        private_image_url(obj, field),
        gettext("Open full size"),
    )


PRIVATE_FILE_OVERRIDES = {
    models.FileField: {"widget": PrivateFileWidget},
    models.ImageField: {"widget": PrivateFileWidget},
}


class ReadableChanges(HistoricalRecordContextHelper):
    """The history's changes in words: a choice by its label, money in Rupiah (`Rp 16.800`,
    the fields a model names in MONEY_FIELDS), dates and times as the admin writes them (in
    WITA), yes or no, and "—" for nothing."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "—"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if change.field in getattr(self.model, "MONEY_FIELDS", ()):
            return format_rupiah(value)
        if isinstance(value, dt.datetime):
            return date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if isinstance(value, dt.date):
            return date_format(value, "DATE_FORMAT")
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """Every change is visible in the history, but history is read, never reverted.

    A revert writes an old copy of the whole row back, bypassing the workflows that keep
    coverage, lapse dates and donor messages consistent; staff make corrections through the
    normal change form instead.
    """

    def has_change_history_permission(self, request, obj=None):
        return False

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def action_checkbox(self, obj):
        """Each row's checkbox for the actions, the markup Django's own gives, written out:
        rendering a form widget through the template engine per row was a third of the time
        of a long list."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), obj),
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows that only the workflows write: staff look, never add, change or delete them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under the object they belong to, never added or changed there: each is
    recorded and edited on its own page, through its workflow."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class YesNoFilter(admin.SimpleListFilter):
    """A filter with two choices: "yes" keeps the rows that meet `condition()`, "no" the others.

    Subclasses give the title, the parameter name, the condition (a Q) and, where a plain "Yes"
    and "No" would not say enough, their own `labels`; or `yes` and `no` themselves.
    """

    labels = (_("Yes"), _("No"))

    def condition(self) -> models.Q:
        raise NotImplementedError

    def lookups(self, request, model_admin):
        yes, no = self.labels
        return [("yes", yes), ("no", no)]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return self.yes(queryset)
        if self.value() == "no":
            return self.no(queryset)
        return queryset

    def yes(self, queryset):
        return queryset.filter(self.condition())

    def no(self, queryset):
        return queryset.exclude(self.condition())


# --- bulk actions ----------------------------------------------------------------------------


class ReasonForm(forms.Form):
    """The reason a bulk action asks for before it acts (templates/admin/reason_form.html)."""

    def __init__(self, *args, label, help_text="", max_length=2000, rows=4, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(
            label=label,
            help_text=help_text,
            max_length=max_length,
            widget=forms.Textarea(attrs={"rows": rows, "cols": 60}),
        )


@dataclasses.dataclass(frozen=True)
class ReasonPage:
    """The page on which a bulk action asks for its reason; sending it runs the action again.

    Titled as the action unless given a `title`; the reason is one the donor reads unless a
    `label` says otherwise.
    """

    action: str  # the action's name, which the page sends back
    intro: str
    submit: str
    title: str = ""
    label: str = _("Reason (shown to the donor)")
    help_text: str = ""
    max_length: int = 2000
    rows: int = 4

    def reason(self, model_admin, request, queryset):
        """(the reason, None) once staff sent the page, or (None, the page) to show first."""
        data = request.POST if request.POST.get("post") == "yes" else None
        form = ReasonForm(
            data,
            label=self.label,
            help_text=self.help_text,
            max_length=self.max_length,
            rows=self.rows,
        )
        if data is not None and form.is_valid():
            return form.cleaned_data["reason"], None
        description = model_admin.get_action(self.action)[2]
        context = {
            **model_admin.admin_site.each_context(request),
            "title": self.title or description,
            "intro": self.intro,
            "form": form,
            "queryset": queryset,
            "opts": model_admin.model._meta,
            "action": self.action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "submit_label": self.submit,
        }
        return None, TemplateResponse(request, "admin/reason_form.html", context)


def act_on_each(
    model_admin,
    request,
    selected,
    act,
    *,
    done,
    skipped,
    rows=None,
    when=None,
    ask: ReasonPage | None = None,
    if_none=None,
    values=None,
):
    """A bulk action: ask for a reason first if `ask` says how, act on each row, say how many.

    - `rows`, the rows to act on in the order to act (by default `selected`, as selected);
    - `if_none`, (a query of the selected rows the action applies to, a warning): when that
      query finds none, the warning is all the action does;
    - `when(row)` false leaves the row as it is, without calling `act`;
    - `act(row)`, or `act(row, reason=…)` with `ask`, returns True when it acted and False when the
      row was left as it was (already done); a RuleError it raises is shown as an error naming
      the row, and the other rows go on;
    - `done` and `skipped` are `ngettext_lazy(singular, plural, "count")` messages, shown as a
      success and a warning when their count is not zero; `values` fills in their other
      placeholders.

    Returns the page asking for the reason, or None (back to the list).
    """
    if if_none is not None:
        applicable, warning = if_none
        if not applicable.exists():
            model_admin.message_user(request, warning, messages.WARNING)
            return None
    reason_kwargs = {}
    if ask is not None:
        reason, page = ask.reason(model_admin, request, selected)
        if page is not None:
            return page
        reason_kwargs = {"reason": reason}
    counts, refused = {True: 0, False: 0}, []
    for row in selected if rows is None else rows:
        try:
            counts[bool((when is None or when(row)) and act(row, **reason_kwargs))] += 1
        except RuleError as e:
            refused.append(f"{row}: {e}")
    for message, count, level in [
        (done, counts[True], messages.SUCCESS),
        (skipped, counts[False], messages.WARNING),
    ]:
        if count:
            model_admin.message_user(request, message % {"count": count, **(values or {})}, level)
    for problem in refused:
        model_admin.message_user(request, problem, messages.ERROR)
    return None
