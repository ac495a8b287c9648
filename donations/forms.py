from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from donations.models import DonorRequest, needing_sponsor
from recipients.models import Recipient


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Send me my link"), css_class="btn-success"))


#: How many people a donor may choose from when asking to change recipient.
CHANGE_CHOICES = 50


class DonorRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to do?"),
        choices=DonorRequest.Kind.choices,
        widget=forms.RadioSelect,
    )
    new_recipient = forms.ModelChoiceField(
        label=_("New recipient"),
        queryset=Recipient.objects.none(),
        required=False,
        help_text=_("Only for a change: one of the people still waiting for a sponsor."),
    )
    message = forms.CharField(
        label=_("Message to BCC (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The people waiting longest: a page of choices, not the whole list (which may be
        # thousands and is rendered under every sponsorship of the donor's page).
        waiting = needing_sponsor()
        self.fields["new_recipient"].queryset = waiting.filter(
            pk__in=waiting.values("pk")[:CHANGE_CHOICES]
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Send to BCC"), css_class="btn-outline-danger"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == DonorRequest.Kind.CHANGE_RECIPIENT and not cleaned.get(
            "new_recipient"
        ):
            self.add_error("new_recipient", _("Choose the person you would like to sponsor."))
        return cleaned


class DecisionForm(DonorRequestForm):
    """The donor's answer to a situation update: stop, or move to one of the people waiting."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].label = _("Your decision")
        self.fields["kind"].choices = [
            (DonorRequest.Kind.STOP, _("Stop my sponsorship")),
            (DonorRequest.Kind.CHANGE_RECIPIENT, _("Move my sponsorship to another person")),
        ]
        self.fields["new_recipient"].label = _("Person waiting for a sponsor")
        # Rendered field by field (templates/donations/includes/decision_update.html).
        self.fields["kind"].widget.attrs["class"] = "form-check-input"
        self.fields["new_recipient"].widget.attrs["class"] = "form-select"
        self.fields["message"].widget.attrs["class"] = "form-control"
