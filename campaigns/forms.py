"""Forms for the member profile: log a conversation, record an assessment."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Tag

from .models import Campaign, Channel, Outcome

# How far in the future a typed time may be (clock skew between a phone and the server).
FUTURE_SLACK = timezone.timedelta(minutes=5)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def level_choices(levels, *, with_none: bool = False) -> list[tuple[str, str]]:
    choices = [(str(level.value), f"{level.value} — {level.label}") for level in levels]
    if with_none:
        choices = [("", _("No assessment this time"))] + choices
    return choices


def _not_future(value):
    if value is not None and value > timezone.now() + FUTURE_SLACK:
        raise forms.ValidationError(_("This cannot be in the future."))
    return value


class ConversationForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False,
        empty_label=_("No campaign"),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *Outcome.choices])
    occurred_at = forms.DateTimeField(
        label=_("When"), required=False, widget=DateTimeLocalInput(),
        help_text=_("Leave empty for now. You may enter an earlier date, not a later one."),
    )
    call_back_at = forms.DateTimeField(label=_("Call back at"), required=False, widget=DateTimeLocalInput())
    assessment = forms.TypedChoiceField(
        label=_("Assessment"), required=False, coerce=int, empty_value=None,
    )
    issues = forms.ModelMultipleChoiceField(
        label=_("Issues raised"), queryset=Tag.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, campaigns, levels, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["assessment"].choices = level_choices(levels, with_none=True)

    def clean_occurred_at(self):
        return _not_future(self.cleaned_data.get("occurred_at"))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.CALL_BACK and not data.get("call_back_at"):
            self.add_error("call_back_at", _("Say when to call back."))
        if data.get("assessment") is not None and not data.get("campaign"):
            self.add_error("campaign", _("An assessment belongs to a campaign: choose one."))
        return data


class AssessmentForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    level = forms.TypedChoiceField(label=_("Assessment"), coerce=int, widget=forms.RadioSelect)
    assessed_at = forms.DateTimeField(
        label=_("When"), required=False, widget=DateTimeLocalInput(),
        help_text=_("Leave empty for now. You may enter an earlier date, not a later one."),
    )
    note = forms.CharField(label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, campaigns, levels, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        self.fields["level"].choices = [("0", _("0 — Not yet assessed"))] + level_choices(levels)

    def clean_assessed_at(self):
        return _not_future(self.cleaned_data.get("assessed_at"))
