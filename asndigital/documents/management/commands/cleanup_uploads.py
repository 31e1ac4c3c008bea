from django.core.management.base import BaseCommand

from asndigital.documents import pending, storage
from asndigital.documents.models import DocumentVersion


class Command(BaseCommand):
    help = (
        "Remove what a crash can leave behind: temporary upload files and stored files "
        "(or thumbnails) without a version row, older than --min-age minutes (default 60); "
        "and the files the upload page held for a retry whose time is up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=float, default=60.0, help="minutes")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, min_age=60.0, dry_run=False, **options):
        expired = pending.remove_expired(dry_run=dry_run)
        known = pending.known_keys()
        for key in DocumentVersion.objects.values_list("storage_key", flat=True).iterator():
            # documents/<employee>/<version> and its preview thumbnails/<employee>/<version>.png
            known.add(key)
            known.add(f"thumbnails/{key.removeprefix('documents/')}.png")
        found = storage.leftovers(known, min_age_seconds=min_age * 60)
        for name in found:
            if not dry_run:
                storage.remove_leftover(name)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} {len(found)} leftover file(s)")
        if expired:  # a line of its own, only when there were some (scripts read the first)
            self.stdout.write(f"{verb} {expired} expired held upload(s)")
