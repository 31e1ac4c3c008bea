import json
import sys

from django.core.management.base import BaseCommand, CommandError

from asndigital.audit import chain, outside, signing


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain, check its head, its columns and its signed "
        "checkpoints (stored, and optionally an exported copy). Read-only: it never seals or "
        "changes anything (sealing is the writers' and the worker's job), so it runs on a read "
        "replica or with a read-only role. Exit 0 when intact; otherwise name the first broken "
        "link and exit 1."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            help="a file written by export_audit_checkpoints (JSON lines) to check against too",
        )
        parser.add_argument(
            "--public-key",
            help="the signing key's public half (base64); default: the configured key's",
        )

    def handle(self, *args, checkpoints=None, public_key=None, **options):
        extra = []
        if checkpoints:
            with open(checkpoints, encoding="utf-8") as source:
                for line in source:
                    entry = json.loads(line)
                    if entry.get("type") == "checkpoint":
                        extra.append(entry)
                        if public_key is None and entry.get("public_key"):
                            public_key = entry["public_key"]
        # The checkpoints kept outside the database are read by default (audit/outside.py).
        extra += outside.kept()
        key = signing.load_public(public_key) if public_key else None
        # Never seal here: sealing first would chain a hand-made INSERT and then call it intact.
        report = chain.verify(public_key=key, extra_checkpoints=extra)
        if report.intact:
            self.stdout.write(
                f"audit trail intact: {report.events} events, "
                f"{report.checkpoints} signed checkpoints verified"
            )
            return
        for problem in report.problems:
            self.stderr.write(f"AUDIT TRAIL BROKEN: {problem}")
        self.stderr.flush()
        sys.stdout.flush()
        raise CommandError(
            f"the audit trail is not intact ({len(report.problems)} problem(s))", returncode=1
        )
