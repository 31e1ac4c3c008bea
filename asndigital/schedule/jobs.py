"""The periodic jobs: what each does (by calling its app's own service), when it applies, and
how its result reads for people. ``manage.py run_schedule`` runs them; each one's interval is
``settings.ASN_SCHEDULE_MINUTES[name]`` (``ASN_SCHEDULE_<NAME>_MINUTES``, 0 = off).

A job returns a small dict of counts (kept as the run's result) and raises ``JobFailed`` with
such a dict when it found something wrong (a fixity failure, a broken audit trail): the run is
then recorded as failed, with those counts, and logged. Any other exception is a failure too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks_db.models import DBTaskResult
from oauth2_provider.models import clear_expired

from asndigital.audit import chain, outside, partitions
from asndigital.audit.services import make_checkpoint
from asndigital.dashboards import figures
from asndigital.documents import pending, signature_checks
from asndigital.documents.services import remove_leftovers
from asndigital.records import fixity
from asndigital.records import services as records_services
from asndigital.records.destruction import eligible_counts


class JobFailed(Exception):
    """The job ran to its end and found a problem; ``result`` says what."""

    def __init__(self, result: dict):
        super().__init__(", ".join(f"{key}={value}" for key, value in result.items()))
        self.result = result


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Job:
    name: str
    label: str  # what it does, for people (lazy translation)
    run: Callable[[], dict]
    describe: Callable[[dict], str]  # a run's result in words, in the reader's language
    applies: Callable[[], bool] = _always  # False: nothing to do on this installation

    @property
    def minutes(self) -> int:
        """The configured interval in minutes (0: turned off)."""
        return settings.ASN_SCHEDULE_MINUTES.get(self.name, 0)

    @property
    def every(self) -> timedelta | None:
        """The interval, or None when it is turned off or does not apply here."""
        if not self.minutes or not self.applies():
            return None
        return timedelta(minutes=self.minutes)


# --- The work ----------------------------------------------------------------------------------


def refresh_dashboards() -> dict:
    return {"agencies": figures.refresh()}


def audit_checkpoint() -> dict:
    # First the sweep for events whose transaction committed after the sealer gave up on them.
    swept = chain.sweep()
    return {"position": make_checkpoint().position, "swept": swept}


def audit_partitions() -> dict:
    return {"created": len(partitions.ensure())}


def _partitioned() -> bool:
    return connection.vendor == "postgresql"


def verify_audit() -> dict:
    report = chain.verify(extra_checkpoints=outside.kept())
    result = {
        "events": report.events,
        "checkpoints": report.checkpoints,
        "problems": len(report.problems),
    }
    if not report.intact:
        raise JobFailed(result)
    return result


def _fixity(sample: int | None) -> dict:
    run = fixity.check(sample=sample).run
    result = {"checked": run.checked, "failed": run.failed}
    if run.failed:
        raise JobFailed(result)
    return result


def fixity_sample() -> dict:
    return _fixity(settings.ASN_FIXITY_SAMPLE_SIZE)


def fixity_full() -> dict:
    return _fixity(None)


def destruction_eligible() -> dict:
    counts = eligible_counts()
    return {"records": sum(counts.values()), "agencies": len(counts)}


def cleanup_uploads() -> dict:
    expired = pending.remove_expired()
    found = remove_leftovers(min_age_minutes=settings.ASN_CLEANUP_UPLOADS_MIN_AGE_MINUTES)
    return {"removed": len(found), "expired_held": expired}


def revalidate_signatures() -> dict:
    counts = signature_checks.revalidate()
    return {"checked": sum(counts.values()), **{f"state_{k}": v for k, v in counts.items()}}


def clear_expired_tokens() -> dict:
    """Single sign-on's expired and revoked tokens and used codes (django-oauth-toolkit's
    ``cleartokens``)."""
    clear_expired()
    return {}


def cleanup_expired() -> dict:
    """Expired sessions, and finished background tasks: an e-mail task's arguments hold the
    message's content (a reset code, for one), which has no business staying in the database."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    cutoff = timezone.now() - timedelta(days=settings.ASN_TASK_RESULTS_KEEP_DAYS)
    removed, _by_model = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff).delete()
    return {"task_results": removed}


def mirror_legal_holds() -> dict:
    return {"dossiers": records_services.mirror_legal_holds()}


def _object_lock() -> bool:
    return settings.ASN_S3_OBJECT_LOCK


# --- In words ------------------------------------------------------------------------------------
# Each result in the reader's language; ngettext is called literally so makemessages finds it.


def _describe_verify(r: dict) -> str:
    if r.get("problems"):
        return (
            ngettext(
                "NOT intact: %(problems)d problem found. Tell the system administrator at once.",
                "NOT intact: %(problems)d problems found. Tell the system administrator at once.",
                r["problems"],
            )
            % r
        )
    return _("Intact: %(events)d events, %(checkpoints)d signed checkpoints checked.") % r


def _describe_fixity(r: dict) -> str:
    if r.get("failed"):
        return (
            ngettext(
                "%(checked)d files checked; %(failed)d of them is changed or missing. Tell the "
                "system administrator.",
                "%(checked)d files checked; %(failed)d of them are changed or missing. Tell the "
                "system administrator.",
                r["failed"],
            )
            % r
        )
    return (
        ngettext(
            "%(checked)d file checked, intact.",
            "%(checked)d files checked, all intact.",
            r["checked"],
        )
        % r
    )


JOBS: tuple[Job, ...] = (
    Job(
        "refresh_dashboards",
        gettext_lazy("Refresh the dashboards' figures"),
        refresh_dashboards,
        lambda r: (
            ngettext(
                "%(agencies)d agency refreshed.", "%(agencies)d agencies refreshed.", r["agencies"]
            )
            % r
        ),
    ),
    Job(
        "audit_checkpoint",
        gettext_lazy("Sign the audit trail (checkpoint)"),
        audit_checkpoint,
        lambda r: _("Signed up to event %(position)d.") % r,
    ),
    Job(
        "audit_partitions",
        gettext_lazy("Prepare the audit trail's coming months"),
        audit_partitions,
        lambda r: (
            ngettext("%(created)d month prepared.", "%(created)d months prepared.", r["created"])
            % r
        ),
        applies=_partitioned,
    ),
    Job(
        "verify_audit",
        gettext_lazy("Check that the audit trail is intact"),
        verify_audit,
        _describe_verify,
    ),
    Job(
        "fixity_sample",
        gettext_lazy("Check a sample of stored files"),
        fixity_sample,
        _describe_fixity,
    ),
    Job(
        "fixity_full",
        gettext_lazy("Check every stored file"),
        fixity_full,
        _describe_fixity,
    ),
    Job(
        "destruction_eligible",
        gettext_lazy("Count the records that may be proposed for destruction"),
        destruction_eligible,
        lambda r: _("Records eligible: %(records)d; agencies with any: %(agencies)d.") % r,
    ),
    Job(
        "cleanup_uploads",
        gettext_lazy("Remove files left behind by interrupted uploads"),
        cleanup_uploads,
        lambda r: (
            ngettext("%(removed)d file removed.", "%(removed)d files removed.", r["removed"]) % r
        ),
    ),
    Job(
        "cleanup_expired",
        gettext_lazy("Remove expired sessions and finished background tasks"),
        cleanup_expired,
        lambda r: (
            ngettext(
                "Expired sessions and %(task_results)d finished background task removed.",
                "Expired sessions and %(task_results)d finished background tasks removed.",
                r["task_results"],
            )
            % r
        ),
    ),
    Job(
        "mirror_legal_holds",
        gettext_lazy("Set the legal holds on the object storage again"),
        mirror_legal_holds,
        lambda r: (
            ngettext(
                "Legal holds set for %(dossiers)d dossier.",
                "Legal holds set for %(dossiers)d dossiers.",
                r["dossiers"],
            )
            % r
        ),
        applies=_object_lock,
    ),
    Job(
        "clear_expired_tokens",
        gettext_lazy("Remove expired single sign-on tokens"),
        clear_expired_tokens,
        lambda r: _("Expired single sign-on tokens removed."),
    ),
    Job(
        "revalidate_signatures",
        gettext_lazy("Check electronic signatures again (certificates near their end)"),
        revalidate_signatures,
        lambda r: (
            ngettext(
                "%(checked)d document's signatures checked again.",
                "%(checked)d documents' signatures checked again.",
                r["checked"],
            )
            % r
        ),
    ),
)
BY_NAME = {job.name: job for job in JOBS}
