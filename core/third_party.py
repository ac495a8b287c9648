"""Indonesian for the admin pages of the libraries that write their labels in English only.

django-otp names its apps, models and fields without gettext, and axes names its app
without it: their admin pages would stay English in the Indonesian admin. At start-up
(`CoreConfig.ready`) their labels are replaced by lazy translations of the same English
words, looked up in the project's catalogue. Only what the admin shows changes: the
migrations read the fields' original arguments (`_verbose_name`, and a `help_text` equal in
English), so none is made.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

#: App label → its name in the admin (Django would show the label itself: "Otp_Static").
APP_NAMES = {
    "otp_static": "Backup codes",
    "otp_totp": "Authenticator apps",
    "axes": "Login lockouts",
}
#: The models whose field labels and help texts are English strings.
MODELS = [StaticDevice, StaticToken, TOTPDevice]


def translate_labels():
    for label, name in APP_NAMES.items():
        if label in apps.app_configs:
            apps.get_app_config(label).verbose_name = gettext_lazy(name)
    for model in MODELS:
        opts = model._meta
        opts.verbose_name = gettext_lazy(str(opts.verbose_name))
        opts.verbose_name_plural = gettext_lazy(str(opts.verbose_name_plural))
        for field in opts.get_fields():
            if not field.concrete:
                continue
            field.verbose_name = gettext_lazy(str(field.verbose_name))
            if field.help_text:
                field.help_text = gettext_lazy(str(field.help_text))
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            translate_admin(model_admin)


#: Django's admin shows a yes/no column as an icon whose alt text is Python's own word ("True",
#: "False", "None"), in English whatever the language; screen readers read it out.
BOOLEAN_ICONS = {True: ("yes", "Yes"), False: ("no", "No"), None: ("unknown", "Unknown")}


def boolean_icon(value):
    """Django's yes/no icon, its alt text in the page's language (Django's own "Yes"/"No")."""
    icon, word = BOOLEAN_ICONS[value]
    url = static(f"admin/img/icon-{icon}.svg")
    return format_html('<img src="{}" alt="{}">', url, gettext(word))


def translate_boolean_icons():
    # The admin imports `_boolean_icon` from this module when it renders a value (admin/utils.py,
    # admin/helpers.py, this module's own result list), so replacing it here reaches all three.
    admin_list._boolean_icon = boolean_icon


def translate_admin(model_admin):
    """The search help and the fieldsets' names of a library's admin page."""
    if model_admin.search_help_text:
        model_admin.search_help_text = gettext_lazy(str(model_admin.search_help_text))
    english_fieldsets = model_admin.get_fieldsets

    def get_fieldsets(request, obj=None):
        return [
            (gettext(name) if name else name, options)
            for name, options in english_fieldsets(request, obj)
        ]

    model_admin.get_fieldsets = get_fieldsets
