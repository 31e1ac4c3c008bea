from django.core.management.base import BaseCommand

from asndigital.accounts import mfa
from asndigital.core import crypto
from asndigital.documents import services as document_services


class Command(BaseCommand):
    help = (
        "Re-seal every secret kept under the master keyring (ASN_SECRETS_KEYS) with its current "
        "(first) key: authenticator secrets and the documents' data keys. Files are not "
        "re-encrypted. Run it after putting a new key first; remove the old key once it is done."
    )

    def handle(self, *args, **options):
        current = crypto.current_key_id()
        authenticators = mfa.reseal_secrets()
        keys = document_services.reseal_data_keys()
        self.stdout.write(
            f"re-sealed with key {current}: {authenticators} authenticators, {keys} document keys"
        )
