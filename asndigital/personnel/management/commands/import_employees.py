import csv
import sys
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from asndigital.core.spreadsheet import spreadsheet_safe
from asndigital.personnel.importer import (
    ImportFileError,
    ImportInterrupted,
    import_employees,
    read_rows,
)


class Command(BaseCommand):
    help = (
        "Import employees from a SIASN export (CSV or XLSX): upsert by NIP, bad rows to the "
        "report. "
        "See docs/import.md for the columns."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8, comma or semicolon) or XLSX file")
        parser.add_argument(
            "--report", help="write rejected rows (row, nip, reason) to this CSV file"
        )
        parser.add_argument("--batch-size", type=int, default=None, help="rows per transaction")
        parser.add_argument(
            "--language", default="id", choices=["id", "en"], help="language of the reasons"
        )

    def handle(self, *args, file, report=None, batch_size=None, language="id", **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with ExitStack() as stack:
            stack.enter_context(translation.override(language))
            writer = None
            if report:
                handle = stack.enter_context(Path(report).open("w", encoding="utf-8", newline=""))
                writer = csv.writer(handle)
                writer.writerow(["row", "nip", "reason"])

            def on_problem(number: int, nip: str, reason: str) -> None:
                if writer is not None:
                    writer.writerow([number, spreadsheet_safe(nip), spreadsheet_safe(reason)])
                elif options.get("verbosity", 1) >= 2:
                    self.stderr.write(f"row {number} ({nip}): {reason}")

            try:
                result = import_employees(
                    actor=None,
                    rows=read_rows(path),
                    report=on_problem,
                    source="import",
                    batch_size=batch_size,
                )
            except ImportFileError as exc:
                raise CommandError(str(exc)) from None
            except ImportInterrupted as exc:
                self.stdout.write(exc.result.summary)
                raise CommandError(exc.message) from None
        self.stdout.write(result.summary)
        if result.rejected and not report:
            self.stderr.write("Some rows were rejected; run again with --report FILE to see why.")
        sys.stdout.flush()
