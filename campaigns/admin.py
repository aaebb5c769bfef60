"""Campaigns in the Django admin (superusers only: see organizing/admin.py).

Campaigns and the wording of the assessment scale can be edited here, and each edit
is audited. Assessments and conversations are history written by services, so the
admin only shows them: editing a row here would skip the rule that exactly one
assessment per member and campaign is current, and the audit log.

The call desk is shown the same way: its rows are written by services that lock, audit
and keep the queue consistent, so the admin reads them, and its only writes (closing and
reopening lists) are actions that call those services.
"""

from django.contrib import admin, messages
from django.db.models import Count
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organizing.audit import audit_record

from .calls.services import call_list_status_set
from .models import (
    Assessment,
    AssessmentLevel,
    Call,
    CallList,
    CallListEntry,
    Campaign,
    CampaignGoal,
    Conversation,
    FollowUp,
    SurveyQuestion,
    Turf,
)


def _snapshot(obj, fields=None) -> dict:
    """Field values as JSON-friendly data: many-to-many fields become sorted lists of ids."""
    return {
        field: sorted(item.pk for item in value) if isinstance(value, list) else value
        for field, value in model_to_dict(obj, fields=fields).items()
    }


class AuditedAdmin(admin.ModelAdmin):
    """Write an audit row, with the changed fields, for every save and delete."""

    def save_model(self, request, obj, form, change):
        # Many-to-many fields are saved after the row (in save_related): snapshot now, audit then.
        obj._audit_before = _snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(obj, "_audit_before", {})
        after = _snapshot(obj, fields=form.changed_data)
        audit_record(
            actor=request.user,
            verb=f"{obj._meta.model_name}.{'change' if change else 'create'}.admin",
            obj=obj,
            changes={field: (before.get(field), value) for field, value in after.items()},
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, verb=f"{obj._meta.model_name}.delete.admin", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, verb=f"{obj._meta.model_name}.delete.admin", obj=obj)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CampaignGoalInline(admin.TabularInline):
    model = CampaignGoal
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    list_display = ["name", "kind", "status", "start_date", "end_date"]
    list_filter = ["kind", "status"]
    search_fields = ["name"]
    filter_horizontal = ["locals", "bargaining_units", "worksites", "owners", "team"]
    inlines = [CampaignGoalInline]


@admin.register(AssessmentLevel)
class AssessmentLevelAdmin(AuditedAdmin):
    list_display = ["value", "label_en", "label_fr", "color"]
    ordering = ["value"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["member", "campaign", "level", "is_current", "assessed_by", "assessed_at"]
    list_filter = ["campaign", "level", "is_current"]
    list_select_related = ["member", "campaign", "assessed_by"]
    raw_id_fields = ["member", "conversation"]
    date_hierarchy = "assessed_at"


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ["member", "campaign", "user", "channel", "outcome", "occurred_at"]
    list_filter = ["campaign", "channel", "outcome"]
    list_select_related = ["member", "campaign", "user"]
    raw_id_fields = ["member"]
    date_hierarchy = "occurred_at"


# --- The call desk ---------------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SurveyQuestionInline(ReadOnlyInline):
    model = SurveyQuestion
    fields = ["position", "label_en", "label_fr", "kind", "maps_to", "retired_at"]

    def get_queryset(self, request):
        # Retired questions too: their answers are kept and are part of the list's history.
        return SurveyQuestion.all_objects.order_by("position", "id")


class TurfInline(ReadOnlyInline):
    model = Turf
    fields = ["name", "worksite", "department"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("worksite", "department")


@admin.register(CallList)
class CallListAdmin(ReadOnlyAdmin):
    list_display = ["name", "campaign", "status", "created_by", "created_at", "refreshed_at"]
    list_filter = ["status", ("campaign", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["campaign", "created_by"]
    search_fields = ["name", "campaign__name"]
    date_hierarchy = "created_at"
    inlines = [SurveyQuestionInline, TurfInline]
    actions = ["close_lists", "reopen_lists"]

    def _set_status(self, request, queryset, status: str) -> int:
        changed = 0
        for call_list in queryset:
            if call_list.status != status:
                call_list_status_set(actor=request.user, call_list=call_list, status=status)
                changed += 1
        return changed

    @admin.action(description=_("Close the selected lists (their claims go back to the queue)"))
    def close_lists(self, request, queryset):
        n = self._set_status(request, queryset, CallList.Status.CLOSED)
        self.message_user(
            request, ngettext("%(n)s list closed.", "%(n)s lists closed.", n) % {"n": n}, messages.SUCCESS
        )

    @admin.action(description=_("Reopen the selected lists"))
    def reopen_lists(self, request, queryset):
        n = self._set_status(request, queryset, CallList.Status.OPEN)
        self.message_user(
            request, ngettext("%(n)s list reopened.", "%(n)s lists reopened.", n) % {"n": n}, messages.SUCCESS
        )


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(ReadOnlyAdmin):
    list_display = ["label_en", "call_list", "kind", "maps_to", "position", "answer_count", "retired_at"]
    list_filter = ["kind", "maps_to", ("retired_at", admin.EmptyFieldListFilter)]
    list_select_related = ["call_list"]
    search_fields = ["label_en", "label_fr", "call_list__name"]

    def get_queryset(self, request):
        return SurveyQuestion.all_objects.annotate(answer_count=Count("answers"))

    @admin.display(description=_("answers"), ordering="answer_count")
    def answer_count(self, obj) -> int:
        return obj.answer_count


@admin.register(CallListEntry)
class CallListEntryAdmin(ReadOnlyAdmin):
    list_display = ["member", "call_list", "state", "attempts", "next_call_at", "claimed_by", "last_outcome"]
    list_filter = ["state", "last_outcome", "call_list__status"]
    list_select_related = ["member", "call_list", "claimed_by"]
    search_fields = ["member__search_name", "member__employee_number", "call_list__name"]
    raw_id_fields = ["member", "call_list", "turf", "claimed_by"]
    # Lists reach hundreds of thousands of rows: skip the second, unfiltered count.
    show_full_result_count = False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["submitted_at", "member", "call_list", "mobilizer", "outcome"]
    list_filter = ["outcome", ("call_list", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["entry__member", "call_list", "mobilizer"]
    search_fields = ["entry__member__search_name", "call_list__name", "mobilizer__email", "mobilizer__full_name"]
    raw_id_fields = ["entry", "conversation", "mobilizer", "call_list"]
    date_hierarchy = "submitted_at"
    show_full_result_count = False

    @admin.display(description=_("member"), ordering="entry__member__last_name")
    def member(self, obj):
        return obj.entry.member


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = [
        "member", "campaign", "assignee", "due_date", "organizer_action_needed", "closed_at",
    ]
    list_filter = [
        "organizer_action_needed", ("closed_at", admin.EmptyFieldListFilter),
        ("campaign", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["member", "campaign", "assignee"]
    search_fields = ["member__search_name", "note"]
    raw_id_fields = ["member", "campaign", "call_list", "conversation", "assignee", "created_by", "closed_by"]
    date_hierarchy = "created_at"
