"""BCC's contact details: one row, which coordinators edit (volunteers have no permission)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import HistoryAdmin
from core.models import ContactDetails


@admin.register(ContactDetails)
class ContactDetailsAdmin(HistoryAdmin):
    list_display = ["organisation", "email", "evidence_email", "whatsapp", "line"]
    fieldsets = [
        (None, {"fields": ["organisation", "address"]}),
        (_("Email"), {"fields": ["email", "evidence_email"]}),
        (_("Chat"), {"fields": ["whatsapp", "line"]}),
        (_("PayPal"), {"fields": ["paypal_account"]}),
    ]

    # One row, written by the migration: never a second, never none.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
