"""The Django admin: superusers only, signed in through allauth (rate limits and MFA)."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Invitation, User


def _superuser_only(request) -> bool:
    return request.user.is_active and request.user.is_superuser


def _admin_login(login_view):
    """Send anonymous visitors to allauth's login; refuse signed-in non-superusers."""
    secured = secure_admin_login(login_view)

    def view(request, *args, **kwargs):
        if request.user.is_authenticated and not _superuser_only(request):
            raise PermissionDenied
        return secured(request, *args, **kwargs)

    return view


admin.site.has_permission = _superuser_only
# The admin's own login form would skip allauth's rate limits and the MFA step.
admin.site.login = _admin_login(admin.site.login)
admin.site.site_header = _("Union Organizing administration")


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "role"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active", "is_staff", "is_superuser"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "role", "language", "speaks_french"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "usable_password", "password1", "password2"]}),
    ]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    # Invitations are created on the Team page, which applies the role and scope rules.
    readonly_fields = ["invited_by", "created_at", "accepted_at", "accepted_user"]
    exclude = ["token"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "object_type", "object_id"]
    list_filter = ["verb", "object_type"]
    search_fields = ["object_id", "verb"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"

    # The audit log is append-only, even for superusers.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
