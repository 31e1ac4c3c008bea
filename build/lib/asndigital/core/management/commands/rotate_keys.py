from django.core.management.base import BaseCommand
from django.db import transaction

from asndigital.core import crypto


class Command(BaseCommand):
    help = (
        "Re-seal every secret kept under the master keyring (ASN_SECRETS_KEYS) with its current "
        "(first) key: authenticator secrets and the documents' data keys. Files are not "
        "re-encrypted. Run it after putting a new key first; remove the old key once it is done."
    )

    def handle(self, *args, **options):
        from asndigital.accounts.models import AuthenticatorDevice
        from asndigital.documents.models import DocumentVersion

        current = crypto.current_key_id()
        counts = {"authenticators": 0, "document keys": 0}
        jobs = [
            ("authenticators", AuthenticatorDevice, lambda pk: f"totp:{pk}"),
            ("document keys", DocumentVersion, lambda pk: f"document-data-key:{pk}"),
        ]
        for label, model, context in jobs:
            rows = model.objects.exclude(sealed_key=None).values_list("pk", "sealed_key")
            for pk, sealed in rows.iterator(chunk_size=1000):
                sealed = bytes(sealed)
                if sealed[0] == current:
                    continue
                plain = crypto.unseal(sealed, context=context(pk))
                with transaction.atomic():
                    model.objects.filter(pk=pk, sealed_key=sealed).update(
                        sealed_key=crypto.seal(plain, context=context(pk))
                    )
                counts[label] += 1
        self.stdout.write(
            f"re-sealed with key {current}: "
            + ", ".join(f"{n} {label}" for label, n in counts.items())
        )
