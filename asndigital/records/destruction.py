"""Destruction, never automatic (domain.md §6): eligible records → a proposal (Daftar Arsip Usul
Musnah), frozen when submitted → an appraiser's opinion per item → a national admin's approval
(each a different person) → the national archive's letter when an item's inactive retention is
10 years or more → execution, with witnesses, which deletes every version, preview and data key
of the items to destroy, keeps a metadata tombstone, and produces the destruction record (berita
acara) as a PDF that is kept permanently and verifiable online.

Execution is idempotent and resumes after a crash: each item is done in its own transaction and
marked done in it; a rerun skips what is done and finishes the rest, and the record is written
once, at the end.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core import pdf
from asndigital.core.errors import DomainError
from asndigital.core.pdf import text_pdf
from asndigital.documents import storage
from asndigital.documents.inspection import inspect_file
from asndigital.documents.models import Document
from asndigital.documents.services import destroy_document, new_verification_code
from asndigital.personnel.models import Agency
from asndigital.records import lifecycle
from asndigital.records.models import (
    DestructionItem,
    DestructionProposal,
    LegalHold,
    RetentionSchedule,
)
from asndigital.records.signing import sign_record

log = logging.getLogger(__name__)
ANRI_THRESHOLD_YEARS = 10
OPEN = (
    DestructionProposal.Status.DRAFT,
    DestructionProposal.Status.SUBMITTED,
    DestructionProposal.Status.APPRAISED,
    DestructionProposal.Status.APPROVED,
)


def eligible_documents(
    agency, *, today: date | None = None
) -> list[tuple[Document, lifecycle.Phase]]:
    """The agency's documents whose retention has run out with the disposition Musnah, not
    under a hold, not destroyed, and not already in an open proposal: (document, phase)."""
    today = today or timezone.localdate()
    schedules = {s.series: s for s in RetentionSchedule.objects.all()}
    holds = LegalHold.objects.filter(employee__agency=agency, lifted_at=None)
    held_dossiers = set(holds.filter(document=None).values_list("employee_id", flat=True))
    held_documents = set(holds.exclude(document=None).values_list("document_id", flat=True))
    proposed = set(
        DestructionItem.objects.filter(proposal__status__in=OPEN).values_list(
            "document_id", flat=True
        )
    )
    found = []
    documents = (
        Document.objects.filter(employee__agency=agency)
        .exclude(status=Document.Status.DESTROYED)
        .select_related("employee", "doc_type", "current_version")
        .order_by("employee__nip", "doc_type__sort_order")
    )
    for document in documents.iterator(chunk_size=2000):
        if (
            document.pk in proposed
            or document.pk in held_documents
            or document.employee_id in held_dossiers
        ):
            continue
        phase = lifecycle.document_phase(
            document, today=today, schedules=schedules, check_holds=False
        )
        if phase.code == "eligible":
            found.append((document, phase))
    return found


def eligible_counts(*, today: date | None = None) -> dict[str, int]:
    """{agency code: records eligible for destruction} for every agency that has any."""
    counts = {}
    for agency in Agency.objects.order_by("code"):
        if found := eligible_documents(agency, today=today):
            counts[agency.code] = len(found)
    return counts


@transaction.atomic
def create_proposal(*, actor, agency, title: str) -> DestructionProposal:
    """A draft listing every eligible record of the agency."""
    policies.require(policies.can_propose_destruction(actor, agency))
    title = " ".join((title or "").split())[:200]
    if not title:
        raise DomainError(_("Give the proposal a title."), code="title")
    _require_printable([(_("the title"), title)])
    eligible = eligible_documents(agency)
    if not eligible:
        raise DomainError(_("No record of this agency is eligible for destruction now."))
    proposal = DestructionProposal.objects.create(agency=agency, title=title, created_by=actor)
    DestructionItem.objects.bulk_create(
        DestructionItem(
            proposal=proposal, document=document, inactive_years=phase.schedule.inactive_years
        )
        for document, phase in eligible
        if phase.schedule is not None  # always: only a schedule makes a record eligible
    )
    record(actor, "destruction.proposed", proposal, items=len(eligible), agency=agency.code)
    return proposal


def _locked(proposal) -> DestructionProposal:
    return DestructionProposal.objects.select_for_update().get(pk=proposal.pk)


def _expect(proposal, status: str) -> None:
    if proposal.status != status:
        raise DomainError(
            _("This step is not possible now: the proposal is %(status)s.")
            % {"status": proposal.get_status_display().lower()},
            code="state",
        )


@transaction.atomic
def remove_item(*, actor, proposal, item_id: int) -> None:
    """Take a record out of a draft."""
    proposal = _locked(proposal)
    policies.require(policies.can_propose_destruction(actor, proposal.agency))
    _expect(proposal, DestructionProposal.Status.DRAFT)
    deleted, _detail = proposal.items.filter(pk=item_id).delete()
    if deleted:
        record(actor, "destruction.item_removed", proposal, item=item_id)


@transaction.atomic
def submit(*, actor, proposal) -> DestructionProposal:
    """Freeze the list and send it for appraisal."""
    proposal = _locked(proposal)
    policies.require(policies.can_propose_destruction(actor, proposal.agency))
    _expect(proposal, DestructionProposal.Status.DRAFT)
    if not proposal.items.exists():
        raise DomainError(_("The proposal lists no records."))
    proposal.status = DestructionProposal.Status.SUBMITTED
    proposal.submitted_at = timezone.now()
    proposal.save(update_fields=["status", "submitted_at"])
    record(actor, "destruction.submitted", proposal, items=proposal.items.count())
    return proposal


@transaction.atomic
def appraise(*, actor, proposal, opinions: dict[int, tuple[str, str]]) -> DestructionProposal:
    """An opinion (destroy or keep, with a note) on every item, by someone other than the
    proposer."""
    proposal = _locked(proposal)
    policies.require(policies.can_view_destruction(actor, proposal))
    if not policies.can_appraise_destruction(actor, proposal):
        raise DomainError(
            _("The appraisal is given by a records officer or agency admin who did not build it.")
        )
    _expect(proposal, DestructionProposal.Status.SUBMITTED)
    items = {item.pk: item for item in proposal.items.select_for_update()}
    if set(opinions) != set(items):
        raise DomainError(_("Give an opinion on every item."), code="opinions")
    for item_id, (opinion, note) in opinions.items():
        if opinion not in (DestructionItem.Opinion.DESTROY, DestructionItem.Opinion.KEEP):
            raise DomainError(_("Each opinion is destroy or keep."), code="opinions")
        items[item_id].opinion = opinion
        items[item_id].opinion_note = " ".join((note or "").split())[:300]
    DestructionItem.objects.bulk_update(items.values(), ["opinion", "opinion_note"])
    proposal.status = DestructionProposal.Status.APPRAISED
    proposal.appraised_by = actor
    proposal.appraised_at = timezone.now()
    proposal.save(update_fields=["status", "appraised_by", "appraised_at"])
    destroy = sum(1 for i in items.values() if i.opinion == DestructionItem.Opinion.DESTROY)
    record(actor, "destruction.appraised", proposal, destroy=destroy, keep=len(items) - destroy)
    return proposal


@transaction.atomic
def approve(*, actor, proposal) -> DestructionProposal:
    proposal = _locked(proposal)
    if not policies.can_approve_destruction(actor, proposal):
        raise DomainError(
            _("A national admin approves, who neither built nor appraised the proposal.")
        )
    _expect(proposal, DestructionProposal.Status.APPRAISED)
    proposal.status = DestructionProposal.Status.APPROVED
    proposal.approved_by = actor
    proposal.approved_at = timezone.now()
    proposal.save(update_fields=["status", "approved_by", "approved_at"])
    record(actor, "destruction.approved", proposal)
    return proposal


def attach_anri_letter(*, actor, proposal, chunks, original_name: str, number: str):
    """The national archive's approval letter (PDF), kept with the proposal."""
    number = " ".join((number or "").split())[:100]
    if not number:
        raise DomainError(_("Give the letter's number."), code="number")
    received = storage.receive(chunks, max_size=10 * 1024 * 1024)
    try:
        inspect_file(received.path, original_name=original_name, allowed=["pdf"])
        with transaction.atomic():
            proposal = _locked(proposal)
            if not policies.can_execute_destruction(actor, proposal):
                raise DomainError(_("Only records officers and national admins attach it."))
            _expect(proposal, DestructionProposal.Status.APPROVED)
            key = f"destruction/{proposal.pk}/surat-anri-{received.sha256[:12]}.pdf"
            storage.commit(received, key)
            proposal.anri_letter_key = key
            proposal.anri_letter_sha256 = received.sha256
            proposal.anri_letter_number = number
            proposal.save(
                update_fields=["anri_letter_key", "anri_letter_sha256", "anri_letter_number"]
            )
            record(
                actor, "destruction.anri_letter", proposal, number=number, sha256=received.sha256
            )
    except BaseException:
        storage.discard(received)
        raise
    return proposal


def _clean_witnesses(witnesses: list[str]) -> list[str]:
    names = [" ".join(w.split())[:120] for w in witnesses if w and w.strip()]
    if len(names) < 2:
        raise DomainError(_("Name at least two witnesses of the destruction."), code="witnesses")
    return names


def execute(*, actor, proposal, witnesses: list[str] | None = None) -> DestructionProposal:
    """Carry out an approved proposal: item by item, each in its own transaction; safe to run
    again after a crash (done items are skipped; the record is written once)."""
    with transaction.atomic():
        proposal = _locked(proposal)
        policies.require(policies.can_view_destruction(actor, proposal))
        if not policies.can_execute_destruction(actor, proposal):
            raise DomainError(_("Only records officers and national admins carry it out."))
        if proposal.status == DestructionProposal.Status.EXECUTED:
            return proposal
        _expect(proposal, DestructionProposal.Status.APPROVED)
        if proposal.needs_anri_letter and not proposal.anri_letter_key:
            raise DomainError(
                _(
                    "An item has 10 or more years of inactive retention: upload the national "
                    "archive's approval letter first."
                ),
                code="anri",
            )
        names = _clean_witnesses(proposal.witnesses if witnesses is None else witnesses)
        _require_printable(_record_texts(proposal, names, proposal.executed_by or actor))
        if witnesses is not None:
            proposal.witnesses = names
            proposal.save(update_fields=["witnesses"])
        if not proposal.executed_by_id:
            proposal.executed_by = actor
            proposal.save(update_fields=["executed_by"])
            record(actor, "destruction.started", proposal, witnesses=proposal.witnesses)
    for item_id in proposal.items.filter(outcome="").values_list("pk", flat=True):
        _execute_item(actor, item_id)
    return _finish(actor, proposal)


def _record_texts(proposal, witnesses: list[str], executor) -> list[tuple[str, str]]:
    """Every text of people's making that the berita acara will print, with what it is."""
    people = [proposal.created_by, proposal.appraised_by, proposal.approved_by, executor]
    types = proposal.items.values_list("document__doc_type__name", flat=True).distinct()
    return [
        (_("the witnesses"), " ".join(witnesses)),
        (_("the title"), proposal.title),
        (_("the agency's name"), proposal.agency.name),
        (_("the letter's number"), proposal.anri_letter_number),
        (_("a user's name"), " ".join(_person(user) for user in people)),
        (_("a document type's name"), " ".join(types)),
    ]


def _require_printable(texts: list[tuple[str, str]]) -> None:
    """Refuse, before anything is destroyed, what the berita acara could not print faithfully:
    characters its font has no glyph for, or a server without the font."""
    try:
        for what, text in texts:
            missing = pdf.unprintable(text)
            if missing:
                raise DomainError(
                    _(
                        "The destruction record cannot print %(characters)s in %(what)s. "
                        "Nothing was changed: write it with other characters."
                    )
                    % {"characters": pdf.describe(missing), "what": what},
                    code="unprintable",
                )
    except pdf.FontMissing as exc:
        log.error("%s", exc)
        raise DomainError(
            _(
                "The destruction record cannot be made on this server: its font is not "
                "installed. Nothing was changed; the system administrator finds the cause in "
                "the server log."
            ),
            code="font",
        ) from exc


def _execute_item(actor, item_id: int) -> None:
    with transaction.atomic():
        item = DestructionItem.objects.select_for_update().get(pk=item_id)
        if item.outcome:
            return  # done by an earlier run
        document = Document.objects.select_for_update().get(pk=item.document_id)
        now = timezone.now()
        if item.opinion != DestructionItem.Opinion.DESTROY:
            item.outcome = DestructionItem.Outcome.KEPT
        elif lifecycle.is_held(document):
            item.outcome = DestructionItem.Outcome.HELD
        else:
            item.hashes = destroy_document(
                actor=actor, document=document, proposal_id=item.proposal_id, now=now
            )
            item.outcome = DestructionItem.Outcome.DESTROYED
        item.executed_at = now
        item.save(update_fields=["outcome", "hashes", "executed_at"])


def _finish(actor, proposal) -> DestructionProposal:
    with transaction.atomic():
        proposal = _locked(proposal)
        if proposal.status == DestructionProposal.Status.EXECUTED:
            return proposal
        proposal.executed_at = proposal.executed_at or timezone.now()
        # Signed last, after the PDF is made (records/signing.py): unsigned without a key.
        data = sign_record(destruction_record_pdf(proposal))
        key = f"destruction/{proposal.pk}/berita-acara.pdf"
        storage.write_bytes(key, data)
        proposal.record_key = key
        proposal.record_sha256 = hashlib.sha256(data).hexdigest()
        proposal.verification_code = new_verification_code()
        proposal.status = DestructionProposal.Status.EXECUTED
        proposal.save()
        counts = {
            outcome: proposal.items.filter(outcome=outcome).count()
            for outcome in DestructionItem.Outcome.values
            if outcome
        }
        record(actor, "destruction.executed", proposal, sha256=proposal.record_sha256, **counts)
    return proposal


def _person(user) -> str:
    return f"{user.get_full_name() or user.username} ({user.username})" if user else "-"


def destruction_record_pdf(proposal) -> bytes:
    """The berita acara (PDF/A-2b, asndigital.core.pdf): what was destroyed (with its hashes), by
    whose decisions, witnessed by whom. Deterministic for the same proposal."""
    local = timezone.localtime

    def by(done_at, user, when="%d-%m-%Y") -> dict:
        return {"when": f"{local(done_at):{when}}", "person": _person(user)}

    # An Indonesian legal record whoever makes it: the same words (and bytes) every time.
    with translation.override("id"):
        approval = (
            f"{proposal.anri_letter_number} (SHA-256 {proposal.anri_letter_sha256})"
            if proposal.anri_letter_key
            else _("not needed (inactive retention under 10 years)")
        )
        lines = [
            _("Agency: %(name)s (%(code)s)")
            % {"name": proposal.agency.name, "code": proposal.agency.code},
            _("Proposal: %(title)s (number %(number)s)")
            % {"title": proposal.title, "number": proposal.pk},
            _("Executed: %(when)s by %(person)s")
            % by(proposal.executed_at, proposal.executed_by, "%d-%m-%Y %H:%M"),
            _("Proposed: %(when)s by %(person)s") % by(proposal.created_at, proposal.created_by),
            _("Appraised: %(when)s by %(person)s")
            % by(proposal.appraised_at, proposal.appraised_by),
            _("Approved: %(when)s by %(person)s") % by(proposal.approved_at, proposal.approved_by),
            _("ANRI approval: %(approval)s") % {"approval": approval},
            _("Witnesses: %(names)s") % {"names": "; ".join(proposal.witnesses)},
            "",
            _("List of records:"),
        ]
        items = proposal.items.select_related("document__doc_type", "document__employee")
        for number, item in enumerate(items.order_by("pk"), start=1):
            document = item.document
            lines.append(
                f"{number}. {document.doc_type.name} - NIP {document.employee.nip} - "
                f"{item.get_outcome_display()}"
            )
            for entry in item.hashes:
                lines.append(
                    "     "
                    + _("version %(number)s: SHA-256 %(sha256)s")
                    % {"number": entry["version"], "sha256": entry["sha256"]}
                )
        title = _("RECORD OF THE DESTRUCTION OF ARCHIVES")
    return text_pdf(title, lines, created=local(proposal.executed_at))


def open_record(*, actor, proposal: DestructionProposal):
    """The berita acara PDF to stream, its download recorded."""
    record(actor, "destruction.record_downloaded", proposal)
    return storage.open_version(proposal.record_key)
