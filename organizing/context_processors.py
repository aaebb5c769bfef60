from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request):
    """The main navigation for the signed-in user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        (_("Members"), reverse("campaigns:directory")),
        (_("Worksites"), reverse("campaigns:worksite-list")),
        (_("Campaigns"), reverse("campaigns:campaign-list")),
        (_("Calls"), reverse("calls:index")),
    ]
    if user.can_export:
        items.append((_("Imports"), reverse("members:import-list")))
    if user.can_invite:
        items.append((_("Team"), reverse("team:index")))
    items.append((_("My account"), reverse("my-account")))
    current = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "active": current.startswith(url)} for label, url in items
        ]
    }
