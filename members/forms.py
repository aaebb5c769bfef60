"""Forms for members: the directory filters and the profile edit form."""

from html import escape

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import (
    BargainingUnit,
    ContactType,
    Department,
    Employer,
    JobClass,
    Local,
    Member,
    MembershipStatus,
    Shift,
    Tag,
    Worksite,
)
from .phones import normalize_phone
from .selectors import scope_for, worksite_ids_visible_to

NOT_ASSESSED = "none"
SORTS = {
    "name": _("Name"),
    "worksite": _("Worksite"),
    "hire_date": _("Hire date"),
}


class FastSelect(forms.Select):
    """A <select> built in Python: the default renders one template per <option>, which costs
    tens of milliseconds on a filter bar with a hundred departments."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = set(self.format_value(value))
        # Plain escaping per option: format_html per option costs more than the rest of the select.
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if v in chosen else ""}>{escape(label)}</option>'
            for v, label in ((str(v), str(label)) for v, label in self.choices)
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 -- escaped above


def _lazy_choices(empty_label, queryset, *fields):
    """Choices for a FastSelect read only when the select is rendered, as plain tuples: no model
    instances, and no server-side cursor (which a ModelChoiceField's own choices would open)."""
    cache = []

    def choices():
        if not cache:
            cache.extend([("", empty_label), *queryset.values_list("pk", *fields)])
        return cache

    return choices


class DirectoryFilterForm(forms.Form):
    """The directory's search, filters and sort, from the query string.

    `campaigns` are the campaigns the user may see (the campaigns app passes them in,
    since members must not import campaigns); without them the assessment filter is off.

    Departments and shifts are offered for one worksite at a time: listing those of every
    worksite made the filter bar the slowest part of the page (1,600 options at 200 worksites).
    Until a worksite is chosen their selects are disabled and say so; a department or shift
    given without a worksite (an old link) brings its worksite with it.
    """

    q = forms.CharField(
        label=_("Search"), required=False, max_length=200,
        help_text=_("Name, phone number, email or employee number"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "aria-describedby": "q-help"}),
    )
    worksite = forms.ModelChoiceField(
        label=_("Worksite"), queryset=Worksite.objects.none(), required=False, widget=FastSelect,
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, widget=FastSelect,
    )
    shift = forms.ModelChoiceField(
        label=_("Shift"), queryset=Shift.objects.none(), required=False, widget=FastSelect,
    )
    status = forms.ChoiceField(
        label=_("Membership status"), required=False,
        choices=[("", _("Any status")), *MembershipStatus.choices], widget=FastSelect,
    )
    campaign = forms.TypedChoiceField(
        label=_("Campaign"), required=False, coerce=int, empty_value=None, widget=FastSelect,
    )
    assessment = forms.ChoiceField(label=_("Current assessment"), required=False, widget=FastSelect)
    tag = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.all(), required=False, widget=FastSelect,
    )
    organic_leader = forms.BooleanField(label=_("Organic leaders only"), required=False)
    emerging_leader = forms.BooleanField(label=_("Emerging leaders only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=list(SORTS.items()), widget=FastSelect,
    )
    after = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    STRUCTURE_FIELDS = ("department", "shift")

    def __init__(self, *args, user, campaigns=(), levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The querysets below are only read to validate a submitted id (one row by primary key)
        # or to render the options; a scoped user's visible worksite ids are cached.
        if scope_for(user).everything:
            worksites, departments, shifts = Worksite.objects, Department.objects, Shift.objects
        else:
            site_ids = worksite_ids_visible_to(user)
            worksites = Worksite.objects.filter(pk__in=site_ids)
            departments = Department.objects.filter(worksite_id__in=site_ids)
            shifts = Shift.objects.filter(worksite_id__in=site_ids)
        worksites = worksites.order_by("name", "pk")
        self.fields["worksite"].queryset = worksites
        self.fields["worksite"].widget.choices = _lazy_choices(_("Any worksite"), worksites, "name")
        self.fields["department"].queryset = departments.all()
        self.fields["shift"].queryset = shifts.all()
        self.fields["tag"].widget.choices = _lazy_choices(
            _("Any tag"), Tag.objects.order_by("name", "pk"), "name"
        )
        self.fields["campaign"].choices = [("", _("No campaign"))] + [(c.pk, str(c)) for c in campaigns]
        level_choices = [(str(v), label) for v, label in levels] or [(str(v), str(v)) for v in range(1, 6)]
        self.fields["assessment"].choices = [
            ("", _("Any assessment")), *level_choices, (NOT_ASSESSED, _("Not assessed")),
        ]
        self.structure_worksite_id = None
        self._offer_structure_of(None)

    def _offer_structure_of(self, worksite_id: int | None) -> None:
        """Point the department and shift selects at one worksite's (or at none: disabled)."""
        self.structure_worksite_id = worksite_id
        for name, empty in (("department", _("Any department")), ("shift", _("Any shift"))):
            widget = self.fields[name].widget
            if worksite_id is None:
                widget.choices = [("", _("Choose a worksite first"))]
                widget.attrs["disabled"] = True
            else:
                model = self.fields[name].queryset.model
                ordering = ("position", "name", "pk") if name == "shift" else ("name", "pk")
                options = model.objects.filter(worksite_id=worksite_id).order_by(*ordering)
                widget.choices = _lazy_choices(empty, options, "name")
                widget.attrs.pop("disabled", None)

    def clean(self):
        data = super().clean()
        worksite = data.get("worksite")
        if worksite is None and "worksite" not in self.errors:
            # A department or shift alone means its worksite (validated as visible above).
            chosen = data.get("department") or data.get("shift")
            if chosen is not None:
                worksite = data["worksite"] = chosen.worksite
                self.data = self.data.copy()
                self.data["worksite"] = str(worksite.pk)
        for name, message in (
            ("department", _("This department is not at the chosen worksite: it was left out.")),
            ("shift", _("This shift is not at the chosen worksite: it was left out.")),
        ):
            value = data.get(name)
            if value is not None and (worksite is None or value.worksite_id != worksite.pk):
                self.add_error(name, message)
        self._offer_structure_of(worksite.pk if worksite is not None else None)
        return data

    @property
    def structure_fields(self):
        return [self[name] for name in self.STRUCTURE_FIELDS]

    @property
    def other_filter_fields(self):
        """The filter bar's fields after the worksite and its departments and shifts."""
        skip = {"q", "after", "worksite", *self.STRUCTURE_FIELDS}
        return [self[name] for name in self.fields if name not in skip]

    @property
    def filters(self) -> dict:
        """The valid filters only: a bad value in one field never blocks the others."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class MemberEditForm(forms.ModelForm):
    """Edit a member's details; optionally add one phone and one email."""

    new_phone = forms.CharField(label=_("Add a phone"), required=False, max_length=40)
    new_phone_kind = forms.ChoiceField(
        label=_("Phone type"), choices=ContactType.choices, initial=ContactType.MOBILE, required=False,
    )
    new_phone_primary = forms.BooleanField(label=_("Make it the primary phone"), required=False)
    new_email = forms.EmailField(label=_("Add an email"), required=False)
    new_email_kind = forms.ChoiceField(
        label=_("Email type"), choices=ContactType.choices, initial=ContactType.PERSONAL, required=False,
    )
    new_email_primary = forms.BooleanField(label=_("Make it the primary email"), required=False)

    class Meta:
        model = Member
        fields = [
            "first_name", "last_name", "preferred_name", "pronouns", "language", "employee_number",
            "employer", "worksite", "department", "shift", "job_class", "bargaining_unit", "local",
            "employment_type", "employment_status", "hire_date", "seniority_date", "is_supervisor",
            "membership_status", "portal_signup_date", "is_organic_leader", "is_emerging_leader",
            "do_not_phone", "do_not_text", "do_not_email", "do_not_visit", "tags",
        ]
        widgets = {
            "hire_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "seniority_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "portal_signup_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "tags": forms.CheckboxSelectMultiple,
            **{name: FastSelect for name in (
                "employer", "worksite", "department", "shift", "job_class", "bargaining_unit", "local",
            )},
        }

    CONTACT_FIELDS = (
        "new_phone", "new_phone_kind", "new_phone_primary", "new_email", "new_email_kind",
        "new_email_primary",
    )

    PERSON_FIELDS = (
        "first_name", "last_name", "preferred_name", "pronouns", "language", "membership_status",
        "portal_signup_date",
    )
    EMPLOYMENT_FIELDS = (
        "employee_number", "employer", "worksite", "department", "shift", "job_class",
        "bargaining_unit", "local", "employment_type", "employment_status", "hire_date",
        "seniority_date", "is_supervisor",
    )

    @property
    def person_fields(self):
        return [self[name] for name in self.PERSON_FIELDS]

    @property
    def employment_fields(self):
        return [self[name] for name in self.EMPLOYMENT_FIELDS]

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        member = self.instance
        scope = scope_for(user)
        site_ids = set(worksite_ids_visible_to(user))
        if member.worksite_id:
            site_ids.add(member.worksite_id)
        site_ids = sorted(site_ids)
        self.fields["worksite"].queryset = Worksite.objects.filter(pk__in=site_ids).order_by("name")
        if not scope.everything:
            # An organizer cannot move a member into a local they do not work with.
            local_ids = set(scope.local_ids) | ({member.local_id} if member.local_id else set())
            self.fields["local"].queryset = Local.objects.filter(pk__in=sorted(local_ids))
            unit_ids = set(scope.unit_ids) | ({member.bargaining_unit_id} if member.bargaining_unit_id else set())
            self.fields["bargaining_unit"].queryset = BargainingUnit.objects.filter(
                pk__in=sorted(unit_ids)
            ) | BargainingUnit.objects.filter(local_id__in=sorted(local_ids))
            employer_ids = Worksite.objects.filter(pk__in=site_ids).values("employer_id")
            self.fields["employer"].queryset = Employer.objects.filter(
                Q(pk__in=employer_ids) | Q(pk=member.employer_id)
            )
        self.fields["department"].queryset = Department.objects.filter(worksite_id__in=site_ids).select_related("worksite")
        self.fields["department"].label_from_instance = lambda d: f"{d.worksite.name} — {d.name}"
        self.fields["shift"].queryset = Shift.objects.filter(worksite_id__in=site_ids).select_related("worksite")
        self.fields["shift"].label_from_instance = lambda s: f"{s.worksite.name} — {s.name}"
        if member.employer_id:
            self.fields["job_class"].queryset = JobClass.objects.filter(employer_id=member.employer_id)

    def clean_new_phone(self):
        raw = self.cleaned_data.get("new_phone", "").strip()
        if not raw:
            return ""
        number = normalize_phone(raw)
        if number is None:
            raise forms.ValidationError(_("This is not a phone number we can dial."))
        return number

    def clean(self):
        data = super().clean()
        worksite = data.get("worksite")
        for name in ("department", "shift"):
            value = data.get(name)
            if value is not None and (worksite is None or value.worksite_id != worksite.pk):
                self.add_error(name, _("Choose one at the member's worksite."))
        job_class = data.get("job_class")
        employer = data.get("employer")
        if job_class is not None and employer is not None and job_class.employer_id != employer.pk:
            self.add_error("job_class", _("Choose a job classification of the member's employer."))
        number = data.get("employee_number")
        if number and employer is not None:
            clash = Member.objects.filter(employer=employer, employee_number=number).exclude(
                pk=self.instance.pk
            )
            if clash.exists():
                self.add_error("employee_number", _("Another member of this employer has this number."))
        return data

    def _post_clean(self):
        # Leave the instance untouched: member_update diffs it against the cleaned data and
        # runs the model validation itself.
        pass

    def member_data(self) -> dict:
        """The cleaned member fields, without tags and the contact additions."""
        skip = {"tags", *self.CONTACT_FIELDS}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip and k in self.Meta.fields}
