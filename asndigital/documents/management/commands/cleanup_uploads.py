from django.core.management.base import BaseCommand

from asndigital.documents import pending
from asndigital.documents.services import remove_leftovers


class Command(BaseCommand):
    help = (
        "Remove what a crash can leave behind: temporary upload files and stored files "
        "(or thumbnails) without a version row, older than --min-age minutes (default 60); "
        "and the files the upload page held for a retry whose time is up. The schedule "
        "(run_schedule) does this every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=float, default=60.0, help="minutes")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, min_age=60.0, dry_run=False, **options):
        expired = pending.remove_expired(dry_run=dry_run)
        found = remove_leftovers(min_age_minutes=min_age, dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} {len(found)} leftover file(s)")
        if expired:  # a line of its own, only when there were some (scripts read the first)
            self.stdout.write(f"{verb} {expired} expired held upload(s)")
