"""Forms for the call desk: the call itself, and the list builder."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Department, Language, MembershipStatus, Shift, Tag
from members.selectors import worksites_visible_to
from organizing.models import Role, User

from ..models import CallList, Outcome, SurveyQuestion
from ..selectors import assessment_levels, campaigns_visible_to
from .selectors import assessment_levels_memoised, campaign_owners_memoised

# One key per outcome, shown on screen; the same keys in both languages so habits carry over.
OUTCOME_KEYS = {
    Outcome.REACHED: "r",
    Outcome.NO_ANSWER: "n",
    Outcome.LEFT_MESSAGE: "m",
    Outcome.BUSY: "b",
    Outcome.WRONG_NUMBER: "w",
    Outcome.CALL_BACK: "c",
    Outcome.REFUSED: "x",
    Outcome.DO_NOT_CONTACT: "d",
}


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    # Which of the member's numbers; the service checks it is theirs (and asks, for a wrong
    # number, when they have several), so the form needs no query to validate it.
    phone = forms.IntegerField(label=_("Number dialled"), required=False, min_value=1)
    call_back_at = forms.DateTimeField(
        label=_("Call back at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    assessment = forms.TypedChoiceField(
        label=_("Assessment"), coerce=int, required=False, empty_value=None, widget=forms.RadioSelect
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    issues = forms.CharField(
        label=_("Issues raised"), required=False, help_text=_("Separate issues with commas."),
        max_length=500, widget=forms.TextInput(attrs={"aria-describedby": "issues-help"}),
    )
    follow_up_due = forms.DateField(
        label=_("Follow-up date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    follow_up_assignee = forms.TypedChoiceField(
        label=_("Follow-up by"), coerce=int, required=False, empty_value=None
    )
    follow_up_note = forms.CharField(label=_("Follow-up note"), required=False, max_length=2000)
    organizer_action_needed = forms.BooleanField(label=_("Organizer action needed"), required=False)

    def __init__(self, *args, questions, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        # Validating needs only the values 1–5; the screen shows the scale's wording.
        self.fields["assessment"].choices = [(value, str(value)) for value in range(1, 6)]
        self.fields["follow_up_assignee"].choices = [(pk, str(pk)) for pk in assignees]
        self.questions = list(questions)
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == SurveyQuestion.Kind.YES_NO:
                field = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], required=False)
            elif question.kind == SurveyQuestion.Kind.CHOICE:
                field = forms.ChoiceField(choices=question.choice_pairs, required=False)
            elif question.maps_to == SurveyQuestion.MapsTo.EMAIL:
                field = forms.EmailField(required=False)
            else:
                field = forms.CharField(required=False, max_length=2000)
            field.label = question.label
            self.fields[name] = field

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == Outcome.CALL_BACK and not data.get("call_back_at"):
            self.add_error("call_back_at", _("Say when to call back."))
        elif outcome == Outcome.CALL_BACK and data["call_back_at"] <= timezone.now():
            self.add_error("call_back_at", _("Choose a time in the future."))
        return data

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") or "" for q in self.questions}


def call_form_display(form: CallForm | None, *, questions, user, campaign_id: int) -> dict:
    """What the call screen's hand-written inputs show: choices, the values typed, the errors.

    Django's widget rendering costs more than the rest of the screen together, so the template
    writes each input itself; the Form still does all the validating.
    """
    data = form.data if form is not None else {}
    errors = {name: list(errs) for name, errs in form.errors.items()} if form is not None else {}
    non_field_errors = errors.pop("__all__", [])
    outcome = data.get("outcome", "")
    level = data.get("assessment", "")
    labels = {lv.value: lv.label for lv in assessment_levels_memoised()}
    question_inputs = []
    for question in questions:
        name = f"q{question.pk}"
        if question.kind == SurveyQuestion.Kind.YES_NO:
            choices = [("yes", _("Yes")), ("no", _("No"))]
        elif question.kind == SurveyQuestion.Kind.CHOICE:
            choices = question.choice_pairs
        else:
            choices = None
        question_inputs.append({
            "name": name, "label": question.label, "choices": choices, "value": data.get(name, ""),
            "type": "email" if question.maps_to == SurveyQuestion.MapsTo.EMAIL else "text",
            "errors": errors.get(name, []),
        })
    chosen_assignee = str(data.get("follow_up_assignee", ""))
    assignees = [(user.pk, str(user))] + [
        (pk, name) for pk, name in campaign_owners_memoised(campaign_id) if pk != user.pk
    ]
    return {
        "values": data,
        "errors": errors,
        "non_field_errors": non_field_errors,
        "outcomes": [
            {"value": value, "label": label, "key": OUTCOME_KEYS[value], "checked": value == outcome}
            for value, label in Outcome.choices
        ],
        "levels": [
            {"value": str(value), "label": f"{value} {labels[value]}" if value in labels else str(value),
             "checked": str(value) == level}
            for value in range(1, 6)
        ],
        "assignees": [
            {"value": pk, "label": name, "selected": str(pk) == chosen_assignee} for pk, name in assignees
        ],
        "question_inputs": question_inputs,
        "chosen_phone": data.get("phone", ""),
    }


class CallListForm(forms.ModelForm):
    """A list's settings and its saved filter."""

    worksite = forms.ModelMultipleChoiceField(label=_("Worksites"), queryset=None, required=False)
    department = forms.ModelMultipleChoiceField(label=_("Departments"), queryset=None, required=False)
    shift = forms.ModelMultipleChoiceField(label=_("Shifts"), queryset=None, required=False)
    membership_status = forms.MultipleChoiceField(
        label=_("Membership status"), choices=MembershipStatus.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tag = forms.ModelMultipleChoiceField(
        label=_("Tags"), queryset=Tag.objects.all(), to_field_name="name", required=False
    )
    organic_leader = forms.BooleanField(label=_("Organic leaders only"), required=False)
    assessment = forms.TypedMultipleChoiceField(
        label=_("Current assessment in this campaign"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.MultipleChoiceField(
        label=_("Language"), choices=Language.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    not_reached_since = forms.DateField(
        label=_("Not reached since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    not_on_open_list = forms.BooleanField(label=_("On no other open list"), required=False)

    FILTER_FIELDS = (
        "worksite", "department", "shift", "membership_status", "tag", "organic_leader",
        "assessment", "language", "not_reached_since", "not_on_open_list",
    )

    class Meta:
        model = CallList
        # The status is changed by its own buttons (closing releases claims), not here.
        fields = [
            "campaign", "name", "script_en", "script_fr", "match_language", "claim_minutes",
            "cooldown_hours", "max_attempts",
        ]
        widgets = {
            "script_en": forms.Textarea(attrs={"rows": 4}), "script_fr": forms.Textarea(attrs={"rows": 4}),
        }

    # (lowest, highest): a claim of 0 minutes or 0 attempts would make a list nobody can call.
    LIMITS = {"claim_minutes": (1, 480), "cooldown_hours": (0, 24 * 30), "max_attempts": (1, 20)}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns_visible_to(user)
        worksites = worksites_visible_to(user)
        self.fields["worksite"].queryset = worksites
        self.fields["department"].queryset = Department.objects.filter(worksite__in=worksites).select_related("worksite")
        self.fields["shift"].queryset = Shift.objects.filter(worksite__in=worksites).select_related("worksite")
        self.fields["assessment"].choices = [(0, _("Not assessed"))] + [
            (lv.value, f"{lv.value} {lv.label}") for lv in assessment_levels() if lv.value
        ]
        for name, (lowest, highest) in self.LIMITS.items():
            field = self.fields[name]
            field.validators += [MinValueValidator(lowest), MaxValueValidator(highest)]
            field.widget.attrs.update(min=lowest, max=highest)
        if self.instance.pk:
            self.fields["campaign"].disabled = True
            saved = self.instance.filters or {}
            for name in self.FILTER_FIELDS:
                if name in saved:
                    self.initial[name] = saved[name]

    @property
    def settings_fields(self):
        return [self[name] for name in self._meta.fields]

    @property
    def filter_fields(self):
        return [self[name] for name in self.FILTER_FIELDS]

    def filters(self) -> dict:
        data = self.cleaned_data
        out = {}
        for name in ("worksite", "department", "shift"):
            if data.get(name):
                out[name] = sorted(obj.pk for obj in data[name])
        if data.get("tag"):
            out["tag"] = sorted(t.name for t in data["tag"])
        for name in ("membership_status", "assessment", "language"):
            if data.get(name):
                out[name] = list(data[name])
        for name in ("organic_leader", "not_on_open_list"):
            if data.get(name):
                out[name] = True
        if data.get("not_reached_since"):
            out["not_reached_since"] = data["not_reached_since"].isoformat()
        return out

    def settings_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name != "campaign"}


class QuestionForm(forms.ModelForm):
    """A survey question. Once it has answers its kind is fixed (the service checks it too)."""

    class Meta:
        model = SurveyQuestion
        fields = ["kind", "label_en", "label_fr", "choices_en", "choices_fr", "maps_to"]
        widgets = {"choices_en": forms.Textarea(attrs={"rows": 3}), "choices_fr": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "choices_en": _("One choice a line, for a one-choice question."),
            "choices_fr": _("The same choices in French, in the same order."),
        }

    def __init__(self, *args, answered: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if answered:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("This question has answers: its kind cannot change.")
            self.fields["choices_en"].help_text = _(
                "This question has answers: keep the choices already chosen; you may add new ones."
            )

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class QuestionMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])

    @property
    def step(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=CallList.Status.choices)


def team_choices(campaign):
    """Mobilizers and organizers who can be assigned to a campaign's list."""
    return User.objects.filter(is_active=True).filter(
        Q(role=Role.MOBILIZER) | Q(campaigns=campaign) | Q(owned_campaigns=campaign)
    ).distinct().order_by("full_name", "email")


class AssignForm(forms.Form):
    mobilizers = forms.ModelMultipleChoiceField(
        label=_("Mobilizers"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobilizers"].queryset = team_choices(campaign)


class TurfForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Split by"),
        choices=[("worksite", _("Worksite")), ("department", _("Department")), ("even", _("Evenly"))],
    )
    parts = forms.IntegerField(label=_("Number of turfs (evenly)"), min_value=1, max_value=50, initial=2)
