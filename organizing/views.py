from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import record_authentication
from allauth.decorators import rate_limit
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .adapters import INVITATION_SESSION_KEY
from .forms import InvitationAcceptForm
from .services import InvitationUnusable, invitation_accept, invitation_get_usable


@login_required
def home(request):
    return redirect("campaigns:directory")


def not_available(request, *args, **kwargs):
    """allauth pages we switch off: the invited email address is the account's identity."""
    raise Http404


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def set_language(request):
    """Switch the interface language and remember it on the user."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600,
            samesite="Lax", secure=request.is_secure(),
        )
    return response


def _invitation_unusable(request):
    request.session.pop(INVITATION_SESSION_KEY, None)
    return render(request, "account/invitation_unusable.html", status=410)


# The link is opened with GET, so GETs count too: guessing tokens is throttled per IP.
@rate_limit(action="signup", limit_get=True)
def invitation(request, token: str):
    """The emailed link: keep the token in the session, then show the set-password page.

    The token leaves the address bar at once, so it is not kept in history or sent on.
    """
    try:
        invitation_get_usable(token)
    except InvitationUnusable:
        return _invitation_unusable(request)
    if request.user.is_authenticated:
        get_adapter(request).logout(request)
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("account_signup")


@rate_limit(action="signup")
def signup(request):
    """Sign-up, open only to the holder of a usable invitation (see AccountAdapter)."""
    if not get_adapter(request).is_open_for_signup(request):
        if request.session.get(INVITATION_SESSION_KEY):
            return _invitation_unusable(request)
        return render(request, "account/signup_closed.html", status=403)
    token = request.session[INVITATION_SESSION_KEY]
    invitation = invitation_get_usable(token)
    form = InvitationAcceptForm(request.POST or None, initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token, password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
        except InvitationUnusable:
            return _invitation_unusable(request)
        except ValidationError as error:
            form.add_error(None if hasattr(error, "error_dict") else "password1", error)
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            get_adapter(request).login(request, user)
            # They have just typed their password: count it as the confirmation allauth asks
            # for before enrolling an authenticator, so directors go straight to enrolment.
            record_authentication(
                request, user, method="password", email=user.email, reauthenticated=True
            )
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "account/invitation_signup.html", {"form": form, "invitation": invitation})


@login_required
def my_account(request):
    """Links to the user's password and two-factor pages."""
    return render(request, "account/my_account.html")
