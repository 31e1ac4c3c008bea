from django.conf import settings
from django.core.management.base import BaseCommand

from asndigital.records.services import mirror_legal_holds


class Command(BaseCommand):
    help = (
        "Set the object storage's legal holds (S3 Object Lock) again from the holds recorded in "
        "the database, for every dossier that ever had one. The schedule does it daily: it "
        "repairs a mirroring that failed while the storage was out of reach."
    )

    def handle(self, *args, **options):
        if not settings.ASN_S3_OBJECT_LOCK:
            self.stdout.write("nothing to do: ASN_S3_OBJECT_LOCK is off (no object legal holds)")
            return
        count = mirror_legal_holds()
        self.stdout.write(f"legal holds mirrored for {count} dossier(s)")
