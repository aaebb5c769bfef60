from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizingConfig(AppConfig):
    name = "organizing"
    verbose_name = _("Organizing")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from . import checks  # noqa: F401
        from .middleware import forget_in_browser

        user_logged_out.connect(forget_in_browser, dispatch_uid="organizing-forget-in-browser")
