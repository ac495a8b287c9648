from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramConfig(AppConfig):
    """The top layer: pages and commands that combine the apps (home, dashboard, demo data)."""

    name = "program"
    verbose_name = _("Program")
