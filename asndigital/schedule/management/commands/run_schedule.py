import signal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from asndigital.schedule import jobs, runner, services
from asndigital.schedule.models import ScheduledJob


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (dashboards, audit checkpoints and checks, fixity, clean-ups; "
        "docs/deployment.md): a loop until SIGTERM or SIGINT, or with --once whatever is due, "
        "then exit (1 when a job failed). Safe to start twice: each job runs once per interval."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due, then exit")
        parser.add_argument(
            "--tick", type=float, default=15.0, help="seconds between looks (default 15)"
        )
        parser.add_argument(
            "--only",
            action="append",
            choices=[job.name for job in jobs.JOBS],
            help="only this job (repeat for more)",
        )
        parser.add_argument("--list", action="store_true", help="show the jobs, run nothing")

    def handle(self, *args, once=False, tick=15.0, only=None, list=False, **options):
        if tick <= 0:
            raise CommandError("--tick must be more than 0 seconds.")
        wanted = set(only) if only else None
        if list:
            self._list()
        elif once:
            ran = runner.run_due(only=wanted)
            for name, succeeded in ran:
                self.stdout.write(f"{name}: {'succeeded' if succeeded else 'FAILED'}")
            if not ran:
                self.stdout.write("nothing was due")
            if not all(succeeded for _name, succeeded in ran):
                raise CommandError("a scheduled job failed (see the log)", returncode=1)
        else:
            scheduler = runner.Scheduler(tick=tick, only=wanted)
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, lambda *_: scheduler.stop.set())
            scheduler.run()

    def _list(self):
        rows = {row.name: row for row in ScheduledJob.objects.all()}
        now = timezone.now()
        for job in jobs.JOBS:
            row = rows.get(job.name)
            if not job.minutes:
                every = "off"
            elif not job.applies():
                every = "not needed here"
            else:
                every = f"every {job.minutes} min"
            if row is None:
                state = "never ran"
            else:
                last = row.last_outcome or ("running" if row.running_since else "never ran")
                due = (
                    "now"
                    if row.next_due_at <= now
                    else f"{timezone.localtime(row.next_due_at):%Y-%m-%d %H:%M}"
                )
                state = f"last {last}, next {due}"
            self.stdout.write(f"{job.name:22} {every:24} {state}")
        active = {job.name for job in services.active_jobs()}
        self.stdout.write(f"{len(active)} of {len(jobs.JOBS)} jobs on")
