import time

from django.core.management.base import BaseCommand, CommandError

from asndigital.records import fixity


class Command(BaseCommand):
    help = (
        "Re-hash stored document files (all, or --sample N at random) and compare them with the "
        "SHA-256 taken on upload. Every result is kept; changed or missing files are reported "
        "and recorded in the audit trail, and the exit code is then 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sample", type=int, help="check N versions chosen at random")
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument(
            "--deep",
            action="store_true",
            help="also decrypt each file and check the original's SHA-256 (slower)",
        )

    def handle(self, *args, sample=None, threads=2, deep=False, **options):
        if sample is not None and sample < 1:
            raise CommandError("--sample must be at least 1.")
        start = time.perf_counter()
        summary = fixity.check(sample=sample, threads=threads, deep=deep)
        run = summary.run
        seconds = time.perf_counter() - start
        for version, outcome, observed in summary.failures:
            self.stderr.write(
                f"FIXITY FAILURE: {outcome}: document {version.document_id} version "
                f"{version.pk} ({version.storage_key}) expected {version.sha256}"
                + (f", found {observed}" if observed else "")
            )
        mb = run.bytes_read / 1024 / 1024
        self.stdout.write(
            f"fixity: {run.checked} file(s) checked, {run.failed} failed, "
            f"{mb:.1f} MB in {seconds:.1f} s ({mb / seconds if seconds else 0:.0f} MB/s)"
        )
        if run.failed:
            raise CommandError(f"{run.failed} file(s) failed the fixity check", returncode=1)
