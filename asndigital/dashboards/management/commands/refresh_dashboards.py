import time

from django.core.management.base import BaseCommand

from asndigital.dashboards.figures import refresh


class Command(BaseCommand):
    help = (
        "Bring every agency's dashboard figures up to date now with the changes since the last "
        "refresh (the schedule, run_schedule, does it every 10 minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="count every employee's figures again instead of only the changed ones",
        )

    def handle(self, *args, **options):
        start = time.perf_counter()
        count = refresh(full=options["full"])
        self.stdout.write(f"{count} agencies refreshed in {time.perf_counter() - start:.1f} s")
