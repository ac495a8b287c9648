from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app of the program uses: storage, uploads, months, caches, limits, login."""

    name = "core"
    verbose_name = _("Core")

    def ready(self):
        # The deploy checks, and who made a change without a user (signal receivers).
        from core import checks, history  # noqa: F401
        from core.third_party import translate_boolean_icons, translate_labels

        translate_labels()
        translate_boolean_icons()
