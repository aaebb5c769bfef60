"""Campaigns in the Django admin (superusers only: see organizing/admin.py).

Campaigns and the wording of the assessment scale can be edited here, and each edit
is audited. Assessments and conversations are history written by services, so the
admin only shows them: editing a row here would skip the rule that exactly one
assessment per member and campaign is current, and the audit log.
"""

from django.contrib import admin
from django.forms.models import model_to_dict

from organizing.audit import audit_record

from .models import Assessment, AssessmentLevel, Campaign, CampaignGoal, Conversation


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
