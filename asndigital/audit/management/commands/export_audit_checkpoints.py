import json

from django.core.management.base import BaseCommand

from asndigital.audit import outside, signing
from asndigital.audit.models import Checkpoint


class Command(BaseCommand):
    help = (
        "Write every signed checkpoint as JSON lines (with the public key) to a file, or to "
        "standard output. Keep copies outside the database: `verify_audit --checkpoints FILE` "
        "then proves the trail was not rewritten, even by someone who rewrote the whole table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, output=None, **options):
        lines = [
            json.dumps(
                {
                    "type": "key",
                    "public_key": signing.public_text(),
                    "key_id": signing.key_id(),
                    "algorithm": "Ed25519",
                }
            )
        ]
        for checkpoint in Checkpoint.objects.order_by("position", "id"):
            lines.append(json.dumps(outside.entry(checkpoint)))
        text = "\n".join(lines) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as target:
                target.write(text)
            self.stdout.write(f"{len(lines) - 1} checkpoint(s) written to {output}")
        else:
            self.stdout.write(text, ending="")
