from django.core.management.base import BaseCommand

from asndigital.audit import chain, signing
from asndigital.audit.services import make_checkpoint


class Command(BaseCommand):
    help = (
        "Seal pending audit events (with a sweep of the last two days for any event whose "
        "transaction committed late) and write a signed checkpoint of the chain's head now (the "
        "schedule, run_schedule, does it hourly). --public-key prints the key verifiers need."
    )

    def add_arguments(self, parser):
        parser.add_argument("--public-key", action="store_true")

    def handle(self, *args, public_key=False, **options):
        if public_key:
            self.stdout.write(signing.public_text())
            return
        swept = chain.sweep()
        if swept:
            self.stdout.write(f"{swept} event(s) committed late were sealed by the sweep")
        checkpoint = make_checkpoint()
        self.stdout.write(
            f"checkpoint at position {checkpoint.position}: {checkpoint.hash} "
            f"(key {checkpoint.key_id})"
        )
