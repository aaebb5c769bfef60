"""Forms of the import pages: upload, and column mapping with the import's options."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Employer, ImportJob
from ..selectors import worksites_visible_to
from .mapping import DEFAULT_MATCH_ORDER, FIELDS, MATCH_KEYS


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Member list (.csv or .xlsx)"), allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
    )
    sheet_name = forms.CharField(
        label=_("Sheet (Excel files)"), required=False, max_length=100,
        help_text=_("Leave blank for the first sheet."),
    )
    header_row = forms.IntegerField(
        label=_("Header row"), min_value=1, max_value=50, initial=1,
        help_text=_("The row that holds the column names."),
    )


class MappingForm(forms.Form):
    employer = forms.ModelChoiceField(
        label=_("Employer of this list"), queryset=Employer.objects.all(), required=False,
        help_text=_("Used to match employee numbers and to find worksites when the file has no employer column."),
    )
    match_1 = forms.ChoiceField(label=_("Match members first by"))
    match_2 = forms.ChoiceField(label=_("then by"), required=False)
    match_3 = forms.ChoiceField(label=_("then by"), required=False)
    update_policy = forms.ChoiceField(
        label=_("When a member already exists"), choices=ImportJob.Policy.choices,
        initial=ImportJob.Policy.FILL_BLANKS, widget=forms.RadioSelect,
        help_text=_("An import never blanks a value and never clears a do-not-contact flag."),
    )
    sync = forms.ChoiceField(
        label=_("Full-list sync"), choices=ImportJob.Sync.choices, required=False,
        help_text=_("Members missing from a full list are flagged “not on the latest list”, never deleted."),
    )
    sync_worksite = forms.ModelChoiceField(label=_("Worksite of the full list"), queryset=None, required=False)
    create_structure = forms.BooleanField(
        label=_("Create unknown worksites, departments and shifts"), required=False,
    )
    date_order = forms.ChoiceField(
        label=_("Dates like 03/04/2024 are"), choices=ImportJob.DateOrder.choices,
        initial=ImportJob.DateOrder.DMY,
    )
    preset_name = forms.CharField(
        label=_("Save this mapping as"), required=False, max_length=150,
        help_text=_("For example “City of Ottawa — monthly dues list”. Files with the same columns get it automatically."),
    )

    def __init__(self, *args, job: ImportJob, user, samples: list[list[str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        keys = [("", _("(none)")), *MATCH_KEYS.items()]
        self.fields["match_1"].choices = list(MATCH_KEYS.items())
        self.fields["match_2"].choices = keys
        self.fields["match_3"].choices = keys
        order = job.match_order or DEFAULT_MATCH_ORDER
        for n, key in enumerate(order[:3], start=1):
            self.fields[f"match_{n}"].initial = key
        self.fields["sync_worksite"].queryset = worksites_visible_to(user).order_by("name")
        self.fields["employer"].initial = job.employer_id
        self.fields["update_policy"].initial = job.update_policy
        self.fields["sync"].initial = job.sync
        self.fields["sync_worksite"].initial = job.sync_worksite_id
        self.fields["create_structure"].initial = job.create_structure
        self.fields["date_order"].initial = job.date_order
        if job.preset:
            self.fields["preset_name"].initial = job.preset.name
        choices = [("", _("— do not import —")), *FIELDS.items()]
        self.column_fields = []
        for index, header in enumerate(job.headers):
            name = f"column_{index}"
            examples = ", ".join(row[index] for row in samples if index < len(row) and row[index])[:80]
            self.fields[name] = forms.ChoiceField(
                label=header, choices=choices, required=False,
                initial=job.mapping.get(str(index), ""),
                help_text=_("Examples: %(values)s") % {"values": examples} if examples else "",
            )
            self.column_fields.append(name)

    def clean(self):
        data = super().clean()
        used: dict[str, str] = {}
        for name in self.column_fields:
            target = data.get(name)
            if not target:
                continue
            if target in used:
                self.add_error(name, _("“%(field)s” is already chosen for column “%(other)s”.") % {
                    "field": FIELDS[target], "other": used[target],
                })
            used[target] = self.fields[name].label
        if not ({"last_name", "full_name"} & set(used) or {"email", "employee_number", "phone"} & set(used)):
            raise forms.ValidationError(
                _("Choose at least a name column, or a column to match members by.")
            )
        order = [data.get(f"match_{n}") for n in (1, 2, 3) if data.get(f"match_{n}")]
        if len(order) != len(set(order)):
            self.add_error("match_2", _("Each way of matching can be chosen once."))
        data["match_order"] = order
        if data.get("sync") == ImportJob.Sync.EMPLOYER and not data.get("employer"):
            self.add_error("employer", _("A full-list sync for an employer needs the employer."))
        if data.get("sync") == ImportJob.Sync.WORKSITE and not data.get("sync_worksite"):
            self.add_error("sync_worksite", _("Choose the worksite of the full list."))
        return data

    @property
    def columns(self) -> list:
        return [self[name] for name in self.column_fields]

    def options(self, *names: str) -> list:
        return [self[name] for name in names]

    @property
    def matching_fields(self) -> list:
        return self.options("employer", "match_1", "match_2", "match_3", "update_policy", "date_order")

    @property
    def sync_fields(self) -> list:
        return self.options("sync", "sync_worksite", "create_structure", "preset_name")

    @property
    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("column_"): self.cleaned_data[name]
            for name in self.column_fields if self.cleaned_data.get(name)
        }
