"""The single sign-on applications page: national admins register the applications that use
BKN Login, replace their secrets, pre-approve trusted ones and disable them. A new secret is
shown once, on the response that made it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application

from asndigital.accounts import policies, throttle
from asndigital.core.errors import DomainError
from asndigital.sso import services
from asndigital.sso.scopes import SCOPES


def _require_admin(request) -> None:
    if not policies.can_manage_sso_clients(request.user):
        raise Http404


def _application(pk) -> Application:
    application = Application.objects.filter(pk=pk).select_related("asn_policy").first()
    if application is None or not hasattr(application, "asn_policy"):
        raise Http404
    return application


def _page(request, shown=None):
    """The list and the registration form; ``shown``: (application, secret) made just now. A
    refused registration keeps what was typed and ticked."""
    refused = request.method == "POST" and shown is None
    applications = Application.objects.filter(asn_policy__isnull=False)
    return render(
        request,
        "sso/clients.html",
        {
            "applications": applications.select_related("asn_policy").order_by("name"),
            "shown": shown,
            "scopes": SCOPES.items(),
            "typed": request.POST if refused else {},
            "chosen": request.POST.getlist("scopes") if refused else ["openid"],
        },
    )


@never_cache
@login_required
def clients_view(request):
    _require_admin(request)
    shown = None
    if request.method == "POST":
        try:
            application, secret = services.register_client(
                actor=request.user,
                name=request.POST.get("name", ""),
                redirect_uris=request.POST.get("redirect_uris", ""),
                post_logout_redirect_uris=request.POST.get("post_logout_redirect_uris", ""),
                back_channel_logout_uri=request.POST.get("back_channel_logout_uri", "").strip(),
                scopes=request.POST.getlist("scopes"),
                confidential=request.POST.get("client_type") != "public",
                pre_approved=bool(request.POST.get("pre_approved")),
                ip=throttle.client_ip(request),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            shown = (application, secret)
            messages.success(request, _("The application was registered."))
    return _page(request, shown)


@never_cache
@login_required
@require_POST
def rotate_secret_view(request, pk):
    _require_admin(request)
    application = _application(pk)
    try:
        secret = services.rotate_secret(
            actor=request.user, application=application, ip=throttle.client_ip(request)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sso:clients")
    return _page(request, (application, secret))


@login_required
@require_POST
def disable_view(request, pk):
    _require_admin(request)
    application = _application(pk)
    disabled = request.POST.get("disabled") != "0"
    services.set_disabled(
        actor=request.user,
        application=application,
        disabled=disabled,
        ip=throttle.client_ip(request),
    )
    if disabled:
        messages.success(request, _("The application was disabled and its tokens revoked."))
    else:
        messages.success(request, _("The application was enabled again."))
    return redirect("sso:clients")


@login_required
@require_POST
def change_view(request, pk):
    _require_admin(request)
    application = _application(pk)
    try:
        services.change_client(
            actor=request.user,
            application=application,
            scopes=request.POST.getlist("scopes"),
            pre_approved=bool(request.POST.get("pre_approved")),
            redirect_uris=request.POST.get("redirect_uris", ""),
            ip=throttle.client_ip(request),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The application was changed."))
    return redirect("sso:clients")
