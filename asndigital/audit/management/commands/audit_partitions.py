from django.core.management.base import BaseCommand
from django.db import connection

from asndigital.audit import partitions


class Command(BaseCommand):
    help = (
        "PostgreSQL: create the audit trail's monthly partitions that are missing, up to "
        f"{partitions.MONTHS_AHEAD} months ahead (the schedule does it daily), and list them. "
        "Events waiting in the default partition are moved into their month."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="only list, create nothing")

    def handle(self, *args, list=False, **options):
        if not partitions.is_partitioned():
            self.stdout.write(
                f"The audit trail is one table on {connection.vendor}: it is partitioned on "
                "PostgreSQL only."
            )
            return
        if not list:
            for name in partitions.ensure():
                self.stdout.write(f"created {name}")
        for partition in partitions.partitions():
            span = (
                f"{partition.start:%Y-%m}" if partition.start else "default (outside every month)"
            )
            self.stdout.write(
                f"{partition.name:32} {span:30} ~{partition.rows:>12,} events "
                f"{partition.size / 2**20:>10,.1f} MiB"
            )
        waiting = partitions.waiting_months()
        if waiting:
            self.stderr.write(
                "Events are waiting in the default partition for "
                + ", ".join(f"{month:%Y-%m}" for month in waiting)
                + ": run this command without --list to move them into their months."
            )
