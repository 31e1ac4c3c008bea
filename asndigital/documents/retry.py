"""Upload forms that keep their file when they come back: the views' side of held files
(documents/pending.py). The upload page and the transfer page use it.

A form that comes back (a field to fix, a confirmation to give, a refusal the person can
correct) holds the file it brought, and the next attempt may come without a file: the held
one is used, through the same service. A newly chosen file always replaces the held one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.db.models import Max
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import pending
from asndigital.documents.models import DocumentType, PendingUpload
from asndigital.documents.uploads import ReceivingUploadHandler

HELD_FIELD = "pending"  # the form field that carries the held file's id


def receive_directly(request) -> ReceivingUploadHandler:
    """Stream this request's files straight into storage (written once, hashed on the way);
    the view calls ``discard_all()`` on the handler when it is done."""
    largest = DocumentType.objects.aggregate(m=Max("max_size_bytes"))["m"] or 1
    handler = ReceivingUploadHandler(request, max_size=largest)
    request.upload_handlers = [handler]
    return handler


def receives_uploads(view):
    """A view whose files stream straight into storage (``receive_directly``); whatever the
    services did not commit or hold is removed when the view is done. CSRF is checked once the
    handler is in place (before, reading the token would read the body: Django's documented
    pattern for views that change upload handlers)."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def receiving(request, *args, **kwargs):
        handler = receive_directly(request) if request.method == "POST" else None
        try:
            return protected(request, *args, **kwargs)
        finally:
            if handler is not None:
                handler.discard_all()

    return receiving


class Attempt:
    """One sending of an upload form (a ``HeldFileForm``) for ``employee`` and ``doc_type``:
    the person's own file held from the attempt before, when the form sent its id back."""

    def __init__(self, request, *, employee, doc_type) -> None:
        self.request, self.employee, self.doc_type = request, employee, doc_type
        self.token = request.POST.get(HELD_FIELD, "") if request.method == "POST" else ""
        self.held: PendingUpload | None = None
        if self.token:
            self.held = pending.find(
                actor=request.user, token=self.token, employee=employee, doc_type=doc_type
            )

    def cancelled(self) -> bool:
        """The person pressed "Batal" on a form that held a file: it is removed (True)."""
        request = self.request
        if request.method != "POST" or not request.POST.get("cancel"):
            return False
        pending.cancel(actor=request.user, token=request.POST["cancel"])
        return True

    def submit(
        self,
        form,
        *,
        store: Callable[..., object],
        show_refusal: Callable[[object, DomainError], None],
        retryable: frozenset[str],
    ) -> bool:
        """Validate the form and call ``store(received=, pending=, original_name=)`` (which
        calls the service, leaving a refused ``received`` file to us); when the form comes
        back, hold the file for the retry unless the file itself was refused or no retry can
        succeed (a refusal whose code is not in ``retryable``). Whether it was stored;
        ``self.held`` is then the file held for the next attempt, if any."""
        stored, self.held = self._submit(form, store, show_refusal, retryable)
        if self.held is not None:
            form.file_is_held()
        return stored

    def _submit(self, form, store, show_refusal, retryable):
        request, held, field = self.request, self.held, form.file_field
        upload = request.FILES.get(field)  # received into storage's tmp/ (receive_directly)
        valid = form.is_valid()
        if self.token and held is None and upload is None:
            # Expired, cancelled in another tab, or never this person's: the same answer.
            form.add_error(field, pending.gone().message)
            valid = False
        refusal = None
        if valid:
            try:
                store(
                    received=upload.received if upload is not None else None,
                    pending=held if upload is None else None,
                    original_name=upload.name if upload is not None else "",
                )
            except NotFound:
                raise Http404 from None
            except DomainError as exc:
                refusal = exc
                show_refusal(form, exc)
            else:
                if upload is not None and held is not None:
                    pending.cancel(actor=request.user, token=str(held.pk))  # a new file was used
                return True, None
        cannot_retry = refusal is not None and refusal.code not in retryable
        if upload is None:
            if held is not None and cannot_retry:
                pending.cancel(actor=request.user, token=str(held.pk))  # no retry can use it
                held = None
            return False, held
        if held is not None:  # a newly chosen file replaces the held one, whatever becomes of it
            pending.cancel(actor=request.user, token=str(held.pk))
        if field in form.errors or cannot_retry:
            return False, None
        try:
            return False, pending.hold(
                actor=request.user,
                employee=self.employee,
                doc_type=self.doc_type,
                received=upload.received,
                original_name=upload.name,
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_error(field, exc.message)
            return False, None
