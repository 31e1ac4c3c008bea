from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from asndigital.records.signing import make_development_key


class Command(BaseCommand):
    help = (
        "Create a self-signed key and certificate with which the archive signs its records in "
        "development, at ASN_RECORDS_SIGNING_KEY and ASN_RECORDS_SIGNING_CERT (default "
        "var/signing/); kept when already there. Refused in production, where the "
        "organisation's own key and certificate are configured."
    )

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError(
                "Refused in production: configure ASN_RECORDS_SIGNING_KEY and "
                "ASN_RECORDS_SIGNING_CERT with the organisation's key and certificate."
            )
        folder = Path(settings.VAR_DIR) / "signing"
        key = Path(settings.ASN_RECORDS_SIGNING_KEY or folder / "records-key.pem")
        cert = Path(settings.ASN_RECORDS_SIGNING_CERT or folder / "records-cert.pem")
        made = make_development_key(key, cert)
        state = "created" if made else "kept"
        self.stdout.write(f"records signing key {state}: {key} (certificate {cert})")
