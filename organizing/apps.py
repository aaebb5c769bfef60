from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizingConfig(AppConfig):
    name = "organizing"
    verbose_name = _("Organizing")

    def ready(self) -> None:
        from . import checks  # noqa: F401
