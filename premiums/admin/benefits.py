"""What the insurance gives, as donors and visitors read it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from premiums.models import Benefit


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    """The benefits shown to donors and visitors, in both languages, in the order given."""

    list_display = ["title", "title_id", "order"]
    list_editable = ["order"]
    search_fields = ["title", "title_id", "text", "text_id"]
    fieldsets = [
        (_("English"), {"fields": ["title", "text"]}),
        (_("Bahasa Indonesia"), {"fields": ["title_id", "text_id"]}),
        (None, {"fields": ["order"]}),
    ]
