from django.core.management.base import BaseCommand, CommandError

from asndigital.documents import signature_checks


class Command(BaseCommand):
    help = (
        "Check again the electronic signatures of stored PDFs that need it: a signer's "
        "certificate ends within --days (or has ended) since the last check, revocation data was "
        "missing and the trust store changed (or fetching is enabled), the last check could not "
        "finish, or the file was never checked. Each check adds a report; none is changed. "
        "Schedule it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="how close to its end a certificate counts as nearly expired "
            "(default: ASN_SIGNATURE_REVALIDATE_DAYS)",
        )
        parser.add_argument("--limit", type=int, default=None, help="check at most N versions")
        parser.add_argument(
            "--dry-run", action="store_true", help="only say how many versions are due"
        )

    def handle(self, *args, days=None, limit=None, dry_run=False, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        if dry_run:
            due = signature_checks.due_for_revalidation(days=days).count()
            self.stdout.write(f"signatures: {due} version(s) due for a new check")
            return
        counts = signature_checks.revalidate(days=days, limit=limit)
        total = sum(counts.values())
        found = ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "nothing due"
        self.stdout.write(f"signatures: {total} version(s) checked again ({found})")
