"""The Team page: users, invitations and scope (locals, worksites, campaigns).

Scope lives on Local.staff, Worksite.staff and Campaign.team; organizing stores an
invitation's scope as ids and announces acceptance with `invitation_accepted`,
which `invitation_scope_apply` below receives (connected in CampaignsConfig.ready).
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from members.models import Local, Worksite
from members.selectors import scope_for
from organizing.audit import audit_record
from organizing.models import Invitation, Role, User
from organizing.services import (
    invitation_can_manage,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    roles_grantable_by,
    user_update,
)
from organizing.signals import invitation_accepted

from .models import Campaign
from .selectors import campaigns_visible_to

# --- Selectors ---------------------------------------------------------------


@dataclass
class Grantable:
    """The locals, worksites and campaigns a user may hand on to someone they invite."""

    locals: QuerySet[Local]
    worksites: QuerySet[Worksite]
    campaigns: QuerySet[Campaign]


def team_grantable(user: User) -> Grantable:
    """Directors grant anything; organizers only the scope they themselves have."""
    if user.is_active and user.is_director:
        return Grantable(Local.objects.all(), Worksite.objects.all(), Campaign.objects.all())
    if user.is_active and user.is_organizer:
        scope = scope_for(user)
        return Grantable(
            Local.objects.filter(pk__in=sorted(scope.local_ids)),
            Worksite.objects.filter(pk__in=sorted(scope.worksite_ids)),
            campaigns_visible_to(user),
        )
    return Grantable(Local.objects.none(), Worksite.objects.none(), Campaign.objects.none())


def team_users_visible_to(user: User) -> QuerySet[User]:
    """Directors see every user; organizers the mobilizers they invited or who share their scope."""
    if user.is_director:
        users = User.objects.all()
    elif user.is_organizer:
        scope = scope_for(user)
        invited = Invitation.objects.filter(invited_by=user).exclude(accepted_user=None)
        shared = (
            Q(pk__in=invited.values("accepted_user"))
            | Q(campaigns__in=campaigns_visible_to(user).values("pk"))
            | Q(scope_locals__in=sorted(scope.local_ids))
            | Q(scope_worksites__in=sorted(scope.worksite_ids))
        )
        ids = User.objects.filter(shared, role=Role.MOBILIZER).values("pk")
        users = User.objects.filter(pk__in=ids)
    else:
        return User.objects.none()
    return users.prefetch_related("scope_locals", "scope_worksites", "campaigns").order_by(
        "full_name", "email"
    )


def team_invitations_visible_to(user: User) -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked: all for directors, their own for organizers."""
    invitations = Invitation.objects.filter(accepted_at=None, revoked_at=None).select_related(
        "invited_by"
    )
    if user.is_director:
        return invitations
    if user.is_organizer:
        return invitations.filter(invited_by=user)
    return Invitation.objects.none()


# --- Services ----------------------------------------------------------------


def _ids(values) -> set[int]:
    return {int(getattr(v, "pk", v)) for v in values}


def _check_grantable(grantable: Grantable, local_ids, worksite_ids, campaign_ids) -> None:
    for wanted, allowed in (
        (local_ids, grantable.locals),
        (worksite_ids, grantable.worksites),
        (campaign_ids, grantable.campaigns),
    ):
        if wanted and not wanted <= set(allowed.filter(pk__in=sorted(wanted)).values_list("pk", flat=True)):
            raise PermissionDenied(_("You may only grant access you have yourself."))


@transaction.atomic
def team_invitation_create(
    *, actor: User, email: str, role: str, full_name: str = "",
    locals=(), worksites=(), campaigns=(),
) -> Invitation:
    """Invite someone with a role and a scope that the inviter is allowed to grant."""
    local_ids, worksite_ids, campaign_ids = _ids(locals), _ids(worksites), _ids(campaigns)
    _check_grantable(team_grantable(actor), local_ids, worksite_ids, campaign_ids)
    return invitation_create(
        actor=actor, email=email, role=role, full_name=full_name,
        scope={
            "locals": sorted(local_ids), "worksites": sorted(worksite_ids),
            "campaigns": sorted(campaign_ids),
        },
    )


def _set_related(manager, wanted: set[int]) -> tuple[list[int], list[int]] | None:
    before = set(manager.values_list("pk", flat=True))
    if before == wanted:
        return None
    manager.set(sorted(wanted))
    return sorted(before), sorted(wanted)


@transaction.atomic
def user_scope_set(*, actor: User, user: User, locals=(), worksites=(), campaigns=()) -> User:
    """Set the locals, worksites and campaigns a user is assigned to (directors only)."""
    if not (actor.is_active and actor.is_director):
        raise PermissionDenied
    changes = {}
    for name, manager, wanted in (
        ("locals", user.scope_locals, _ids(locals)),
        ("worksites", user.scope_worksites, _ids(worksites)),
        ("campaigns", user.campaigns, _ids(campaigns)),
    ):
        diff = _set_related(manager, wanted)
        if diff:
            changes[name] = diff
    if changes:
        audit_record(actor=actor, verb="user.scope", obj=user, changes=changes)
    user._member_scope = None
    return user


@transaction.atomic
def team_user_update(
    *, actor: User, user: User, role: str, is_active: bool, locals=(), worksites=(), campaigns=(),
) -> User:
    """Change a user's role, active flag and scope in one step (directors only)."""
    user_update(actor=actor, user=user, role=role, is_active=is_active)
    return user_scope_set(
        actor=actor, user=user, locals=locals, worksites=worksites, campaigns=campaigns
    )


@receiver(invitation_accepted, dispatch_uid="campaigns.team.invitation_scope_apply")
def invitation_scope_apply(sender, *, invitation: Invitation, user: User, **kwargs) -> None:
    """Give a newly accepted user the scope of their invitation (still-existing rows only)."""
    scope = invitation.scope or {}
    added = {}
    for name, model, manager in (
        ("locals", Local, user.scope_locals),
        ("worksites", Worksite, user.scope_worksites),
        ("campaigns", Campaign, user.campaigns),
    ):
        ids = list(model.objects.filter(pk__in=scope.get(name, [])).values_list("pk", flat=True))
        if ids:
            manager.add(*ids)
            added[name] = sorted(ids)
    if added:
        audit_record(
            actor=invitation.invited_by, verb="user.scope", obj=user,
            changes={**added, "invitation": invitation.pk},
        )


# --- Forms -------------------------------------------------------------------


def _scope_fields(form: forms.Form, grantable: Grantable) -> None:
    form.fields["locals"].queryset = grantable.locals.order_by("number")
    form.fields["worksites"].queryset = grantable.worksites.order_by("name")
    form.fields["campaigns"].queryset = grantable.campaigns.order_by("name")


class ScopeForm(forms.Form):
    locals = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Locals"), queryset=Local.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Organizers see the members of their locals and worksites."),
    )
    worksites = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Worksites"), queryset=Worksite.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    campaigns = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Campaigns"), queryset=Campaign.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Mobilizers see the members of the campaigns they work on."),
    )


class InviteForm(ScopeForm):
    email = forms.EmailField(label=gettext_lazy("Email"))
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    field_order = ["email", "full_name", "role", "locals", "worksites", "campaigns"]

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        roles = roles_grantable_by(actor)
        self.fields["role"].choices = [(r, label) for r, label in Role.choices if r in roles]
        self.fields["role"].initial = Role.MOBILIZER
        _scope_fields(self, team_grantable(actor))


class UserEditForm(ScopeForm):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"), required=False,
        help_text=gettext_lazy("An inactive user cannot sign in."),
    )
    field_order = ["role", "is_active", "locals", "worksites", "campaigns"]

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        _scope_fields(self, team_grantable(actor))


# --- Views -------------------------------------------------------------------


def _require_inviter(user: User) -> None:
    # Mobilizers (and anyone else who cannot invite) do not learn this page exists.
    if not (user.is_active and user.can_invite):
        raise Http404


@login_required
def index(request):
    """Users, pending invitations, and the invite form."""
    _require_inviter(request.user)
    return render(request, "team/index.html", {
        "users": team_users_visible_to(request.user),
        "invitations": team_invitations_visible_to(request.user),
        "now": timezone.now(),
    })


@login_required
def invite(request):
    _require_inviter(request.user)
    form = InviteForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = team_invitation_create(
                actor=request.user, email=data["email"], role=data["role"],
                full_name=data["full_name"], locals=data["locals"],
                worksites=data["worksites"], campaigns=data["campaigns"],
            )
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You may not send this invitation."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("team:index")
    return render(request, "team/invite.html", {"form": form})


def _managed_invitation(request, invitation_id: int) -> Invitation:
    _require_inviter(request.user)
    invitation = get_object_or_404(team_invitations_visible_to(request.user), pk=invitation_id)
    if not invitation_can_manage(user=request.user, invitation=invitation):
        raise Http404
    return invitation


@login_required
@require_POST
def invitation_resend_view(request, invitation_id: int):
    invitation = _managed_invitation(request, invitation_id)
    invitation_resend(actor=request.user, invitation=invitation)
    messages.success(request, _("Invitation sent again to %(email)s.") % {"email": invitation.email})
    return redirect("team:index")


@login_required
@require_POST
def invitation_revoke_view(request, invitation_id: int):
    invitation = _managed_invitation(request, invitation_id)
    invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("Invitation to %(email)s revoked.") % {"email": invitation.email})
    return redirect("team:index")


@login_required
def user_edit(request, user_id: int):
    """Directors change a user's role, active flag and scope."""
    _require_inviter(request.user)
    if not request.user.is_director:
        raise Http404
    user = get_object_or_404(team_users_visible_to(request.user), pk=user_id)
    initial = {
        "role": user.role, "is_active": user.is_active, "locals": user.scope_locals.all(),
        "worksites": user.scope_worksites.all(), "campaigns": user.campaigns.all(),
    }
    form = UserEditForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team_user_update(
                actor=request.user, user=user, role=data["role"], is_active=data["is_active"],
                locals=data["locals"], worksites=data["worksites"], campaigns=data["campaigns"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(user)s was updated.") % {"user": user})
            return redirect("team:index")
    return render(request, "team/user_edit.html", {"form": form, "account": user})
