"""The destruction workflow's pages: proposals, their steps, and the destruction record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asndigital.accounts import policies
from asndigital.core.errors import DomainError, NotFound
from asndigital.personnel.models import Agency
from asndigital.records import destruction
from asndigital.records.models import DestructionItem, DestructionProposal


def _visible(user):
    return DestructionProposal.objects.visible_to(user)


def _proposal(request, pk) -> DestructionProposal:
    proposal = _visible(request.user).select_related("agency").filter(pk=pk).first()
    if proposal is None:
        raise Http404
    return proposal


@login_required
def list_view(request):
    proposals = _visible(request.user).select_related("agency", "created_by")
    agencies = list(Agency.objects.visible_to(request.user, "propose_destruction"))
    if (
        not agencies
        and not proposals.exists()
        and not policies.can_view_destruction(request.user, DestructionProposal(agency_id=0))
    ):
        raise Http404
    eligible = [(a, len(destruction.eligible_documents(a))) for a in agencies[:20]]
    return render(
        request,
        "records/destruction_list.html",
        {"proposals": proposals[:100], "eligible": eligible},
    )


@login_required
@require_POST
def create_view(request):
    chosen = request.POST.get("agency") or ""
    agency = (
        Agency.objects.visible_to(request.user, "propose_destruction")
        .filter(pk=int(chosen) if chosen.isdigit() else 0)
        .first()
    )
    if agency is None:
        raise Http404
    try:
        proposal = destruction.create_proposal(
            actor=request.user, agency=agency, title=request.POST.get("title", "")
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("records:destruction_list")
    return redirect("records:destruction_detail", pk=proposal.pk)


@login_required
def detail_view(request, pk):
    proposal = _proposal(request, pk)
    items = proposal.items.select_related("document__doc_type", "document__employee").order_by("pk")
    user = request.user
    return render(
        request,
        "records/destruction_detail.html",
        {
            "proposal": proposal,
            "items": items,
            "can_propose": policies.can_propose_destruction(user, proposal.agency),
            "can_appraise": policies.can_appraise_destruction(user, proposal),
            "can_approve": policies.can_approve_destruction(user, proposal),
            "can_execute": policies.can_execute_destruction(user, proposal),
            "opinions": DestructionItem.Opinion,
        },
    )


@login_required
@require_POST
def step_view(request, pk, step):
    """One step of the workflow, by whoever may take it."""
    proposal = _proposal(request, pk)
    post = request.POST
    try:
        if step == "hapus":
            destruction.remove_item(
                actor=request.user, proposal=proposal, item_id=int(post.get("item") or 0)
            )
        elif step == "ajukan":
            destruction.submit(actor=request.user, proposal=proposal)
        elif step == "nilai":
            opinions = {
                item.pk: (post.get(f"opinion-{item.pk}", ""), post.get(f"note-{item.pk}", ""))
                for item in proposal.items.all()
            }
            destruction.appraise(actor=request.user, proposal=proposal, opinions=opinions)
        elif step == "setujui":
            destruction.approve(actor=request.user, proposal=proposal)
        elif step == "surat-anri":
            letter = request.FILES.get("letter")
            if letter is None:
                raise DomainError(_("Choose the letter (PDF)."))
            destruction.attach_anri_letter(
                actor=request.user,
                proposal=proposal,
                chunks=letter.chunks(),
                original_name=letter.name,
                number=post.get("number", ""),
            )
        elif step == "laksanakan":
            witnesses = [line for line in post.get("witnesses", "").splitlines()]
            destruction.execute(actor=request.user, proposal=proposal, witnesses=witnesses)
            messages.success(request, _("The destruction was carried out; its record is below."))
        else:
            raise Http404
    except (NotFound, ValueError):
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("records:destruction_detail", pk=proposal.pk)


@login_required
def record_view(request, pk):
    """The destruction record (berita acara) PDF, to download; recorded in the audit trail."""
    proposal = _proposal(request, pk)
    if not proposal.record_key:
        raise Http404
    response = FileResponse(
        destruction.open_record(actor=request.user, proposal=proposal),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"berita-acara-pemusnahan-{proposal.pk}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
