"""API tokens for service accounts: agency admins (their agency) and national admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from asndigital.accounts import policies, tokens
from asndigital.accounts.models import ApiToken
from asndigital.core.errors import DomainError, NotFound
from asndigital.personnel.models import Agency


def _agencies(user):
    return list(Agency.objects.visible_to(user, "manage_tokens").order_by("name"))


@never_cache
@login_required
def tokens_view(request):
    national = policies.can_manage_api_tokens(request.user, None)
    agencies = _agencies(request.user)
    if not national and not agencies:
        raise Http404
    shown = ApiToken.objects.visible_to(request.user, "manage").select_related(
        "agency", "created_by"
    )
    created = None
    if request.method == "POST":
        agency = next((a for a in agencies if str(a.pk) == request.POST.get("agency")), None)
        try:
            token, value = tokens.create_token(
                actor=request.user,
                name=request.POST.get("name", ""),
                agency=agency,
                scopes=request.POST.getlist("scopes"),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            created = (token, value)  # shown once, on this response only
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": shown,
            "agencies": agencies,
            "national": national,
            "created": created,
            "scopes": ApiToken.Scope.choices,
            # After a refusal the form keeps what was typed and chosen.
            "chosen": request.POST.getlist("scopes") if created is None else [],
            "typed_name": request.POST.get("name", "") if created is None else "",
            "chosen_agency": request.POST.get("agency", "") if created is None else "",
        },
    )


@login_required
@require_POST
def revoke_view(request, pk):
    token = ApiToken.objects.visible_to(request.user, "manage").filter(pk=pk).first()
    if token is None:
        raise Http404
    tokens.revoke_token(actor=request.user, token=token)
    messages.success(request, _("The token was revoked; it no longer works."))
    return redirect("accounts:api_tokens")
