"""Situation updates (a recipient died, moved, left the program), registered here: recording one
tells the sponsoring donors and works out the refunds BPJS owes, which the recipients app that
defines the list and form (`recipients.admin.SituationUpdateAdmin`) may not know about.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import month_label
from core.templatetags.rupiah import format_rupiah
from premiums import rules, services
from recipients.admin import SituationUpdateAdmin
from recipients.models import SituationUpdate


class SituationUpdateForm(forms.ModelForm):
    class Meta:
        model = SituationUpdate
        fields = ["recipient", "kind", "happened_on", "message", "notes"]

    def clean(self):
        """What recording the update would refuse, said before anything is saved."""
        cleaned = super().clean()
        recipient, kind, day = (cleaned.get(f) for f in ("recipient", "kind", "happened_on"))
        if self.instance.pk is not None or kind != SituationUpdate.Kind.DECEASED:
            return cleaned
        if day and day > timezone.localdate():
            self.add_error("happened_on", _("The date of death cannot be in the future."))
        elif recipient and day:
            try:
                services.death_refunds(recipient, day)
            except rules.NoRateError as e:
                raise forms.ValidationError(
                    _(
                        "No premium rate covers %(month)s, so the refund cannot be worked out: "
                        "add one under Premium rates first."
                    ),
                    params={"month": month_label(e.month)},
                ) from None
        return cleaned


@admin.register(SituationUpdate)
class SituationUpdateWorkflowAdmin(SituationUpdateAdmin):
    """Staff fill in the form; saving a new update tells the donors and works out refunds."""

    form = SituationUpdateForm

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        # Acted on and told to the donors when it was recorded: only the notes change now.
        return [*readonly, "recipient", "kind", "happened_on", "message"]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change:
                return
            outcome = services.record_situation_update(obj, by=request.user)
        asked = len(outcome.asked)
        self.message_user(
            request,
            ngettext(
                "%(count)d donor was told and asked to decide.",
                "%(count)d donors were told and asked to decide.",
                asked,
            )
            % {"count": asked},
            messages.SUCCESS,
        )
        if outcome.refunds:
            refunds = len(outcome.refunds)
            self.message_user(
                request,
                ngettext(
                    "%(count)d refund of %(amount)s is owed by BPJS.",
                    "%(count)d refunds of %(amount)s in total are owed by BPJS.",
                    refunds,
                )
                % {"count": refunds, "amount": format_rupiah(outcome.refund_total)},
                messages.SUCCESS,
            )
