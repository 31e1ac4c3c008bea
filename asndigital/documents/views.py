from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import services
from asndigital.documents.forms import UploadForm
from asndigital.personnel import selectors


@login_required
def upload_view(request, pk):
    """Choose a document type, then upload the file with its metadata."""
    try:
        employee = selectors.get_employee(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    if not policies.can_upload_for(request.user, employee):
        raise Http404
    types = services.types_for(employee.employment_type)
    code = request.GET.get("type") or request.POST.get("type")
    doc_type = next((t for t in types if t.code == code), None)
    if doc_type is None:
        return render(request, "documents/choose_type.html", {"employee": employee, "types": types})
    form = UploadForm(request.POST or None, request.FILES or None, doc_type=doc_type)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.upload_document(
                actor=request.user,
                employee=employee,
                doc_type=doc_type,
                chunks=upload.chunks(),
                original_name=upload.name,
                metadata=form.metadata(),
                source=form.cleaned_data["source"],
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_error("file" if exc.code not in ("metadata",) else None, exc.message)
        else:
            messages.success(
                request,
                _("“%(type)s” was uploaded and waits for verification.") % {"type": doc_type.name},
            )
            target = reverse("personnel:employee_detail", args=[employee.pk])
            if request.headers.get("X-Upload-Progress"):
                # The progress script navigates itself (a followed redirect would use up the
                # message before the person sees it).
                return JsonResponse({"redirect": target})
            return redirect(target)
    return render(
        request, "documents/upload.html", {"employee": employee, "doc_type": doc_type, "form": form}
    )


def dossier(employee):
    """Documents of an employee, for a page that already checked who may see them."""
    from asndigital.documents.models import Document

    return (
        Document.objects.filter(employee=employee)
        .select_related("doc_type", "current_version")
        .order_by("doc_type__group", "doc_type__sort_order")
    )
