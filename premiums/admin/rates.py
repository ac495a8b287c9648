"""The premium rate table: what BPJS charges per month, from which month on."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import HistoryAdmin, MonthField, month_column, month_label, rupiah_column
from core.templatetags.rupiah import format_rupiah
from premiums.models import PremiumRate


class PremiumRateForm(forms.ModelForm):
    first_month = MonthField(label=_("first month"))
    last_month = MonthField(
        label=_("last month"),
        required=False,
        help_text=_("Leave empty while the rate is open-ended."),
    )

    class Meta:
        model = PremiumRate
        fields = ["first_month", "last_month", "jkk", "jkm", "sector", "note"]


@admin.register(PremiumRate)
class PremiumRateAdmin(HistoryAdmin):
    form = PremiumRateForm
    list_display = ["starts", "ends", "sector", "jkk_money", "jkm_money", "monthly_money", "note"]
    list_filter = ["sector"]
    search_fields = ["note"]
    date_hierarchy = "first_month"

    starts = month_column("first_month", _("first month"))

    @admin.display(description=_("last month"), ordering="last_month")
    def ends(self, obj):
        return month_label(obj.last_month) if obj.last_month else gettext("open-ended")

    jkk_money = rupiah_column("jkk", _("JKK"))
    jkm_money = rupiah_column("jkm", _("JKM"))

    @admin.display(description=_("per month"))
    def monthly_money(self, obj):
        return format_rupiah(obj.monthly)
