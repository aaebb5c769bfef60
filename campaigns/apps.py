from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Connects the receiver that applies an accepted invitation's scope.
        # The directory (members app) offers the assessment filter for the campaigns a user may
        # see; it cannot import campaigns, so it is told how to list them.
        from members.directory import register_campaign_source

        from . import team  # noqa: F401
        from .selectors import campaigns_visible_to

        register_campaign_source(campaigns_visible_to)
