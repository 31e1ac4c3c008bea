import time

from django.core.management.base import BaseCommand

from asndigital.dashboards.figures import refresh


class Command(BaseCommand):
    help = (
        "Recompute every agency's dashboard figures now (the schedule, run_schedule, does it "
        "every 10 minutes)."
    )

    def handle(self, *args, **options):
        start = time.perf_counter()
        count = refresh()
        self.stdout.write(f"{count} agencies refreshed in {time.perf_counter() - start:.1f} s")
