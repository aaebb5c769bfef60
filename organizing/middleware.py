"""Small middleware: security headers, the user's language, and required MFA."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation


def security_headers(get_response):
    """Add the Content-Security-Policy and Permissions-Policy to every response.

    Pages for a signed-in user are never stored by the browser (`no-store`), so Back after
    signing out on a shared computer shows no member; signing out also asks the browser to
    clear this site's cache and storage (set by forget_in_browser).
    """

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers.setdefault("Cache-Control", "private, no-store")
        if getattr(request, "clear_site_data", False):
            response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response

    return middleware


def forget_in_browser(sender, request, **kwargs) -> None:
    """On sign-out: the response tells the browser to clear what it kept of this site."""
    if request is not None:
        request.clear_site_data = True


def user_language(get_response):
    """A signed-in user's remembered language wins over the browser's (runs after auth)."""

    def middleware(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return get_response(request)

    return middleware


# Paths a user who must enrol in MFA can still reach.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")


def require_mfa(get_response):
    """Send directors and staff to TOTP enrolment before they can see any member data."""

    def middleware(request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_use_mfa
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not _has_authenticator(request, user)
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return get_response(request)

    return middleware


def _has_authenticator(request, user) -> bool:
    cached = getattr(request, "_has_authenticator", None)
    if cached is None:
        from allauth.mfa.models import Authenticator

        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        request._has_authenticator = cached
    return cached
