"""The schedule: a due job runs once (not twice across schedulers, not twice in one interval),
a failing job is recorded and does not stop the others, the intervals come from the settings,
and the real jobs run from `manage.py run_schedule --once`."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from asndigital.dashboards.models import AgencyFigures
from asndigital.schedule import jobs, runner, services
from asndigital.schedule.models import ScheduledJob

pytestmark = pytest.mark.django_db


class Counter:
    """A job's work that counts its runs (and can fail, or wait for a signal)."""

    def __init__(self, fail: Exception | None = None, wait: threading.Event | None = None):
        self.runs = 0
        self.fail = fail
        self.wait = wait
        self.started = threading.Event()

    def __call__(self) -> dict:
        self.runs += 1
        self.started.set()
        if self.wait is not None:
            self.wait.wait(10)
        if self.fail is not None:
            raise self.fail
        return {"n": self.runs}


@pytest.fixture
def fake_jobs(monkeypatch, settings):
    """fake_jobs(name=work, ...): the schedule holds these jobs only, every 10 minutes."""

    def install(**works):
        made = tuple(
            jobs.Job(name, name, work, lambda r: f"{r.get('n', 0)} runs")
            for name, work in works.items()
        )
        monkeypatch.setattr(jobs, "JOBS", made)
        monkeypatch.setattr(jobs, "BY_NAME", {job.name: job for job in made})
        settings.ASN_SCHEDULE_MINUTES = dict.fromkeys(works, 10)
        return made

    return install


def test_a_due_job_runs_once_however_many_schedulers_ask(fake_jobs):
    work = Counter()
    (job,) = fake_jobs(refresh=work)
    now = timezone.now()
    services.ensure_jobs(now=now)
    first = services.claim(job, now=now)
    second = services.claim(job, now=now)  # another scheduler, the same moment
    assert first and second is None
    assert services.finish(job.name, second or "not-mine", succeeded=True, result={}) is False
    assert runner.run_due(now=now) == []  # held by the first claim: nobody else runs it
    assert runner.run_claimed(job, first) is True
    assert work.runs == 1
    # Finished, but not due again within its interval, whoever asks.
    assert runner.run_due(now=now + timedelta(minutes=9)) == []
    assert runner.run_due(now=now + timedelta(minutes=10)) == [("refresh", True)]
    assert runner.run_due(now=now + timedelta(minutes=10)) == []
    assert work.runs == 2
    row = ScheduledJob.objects.get(name="refresh")
    assert row.last_outcome == "succeeded" and row.last_result == {"n": 2}
    assert row.claim == "" and row.running_since is None
    assert row.next_due_at == now + timedelta(minutes=20)


def claim_at_once(job, start: threading.Barrier, tokens: list) -> None:
    from django.db import connection

    try:
        start.wait()
        tokens.append(runner._claim(job, None))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_claiming_at_the_same_moment_get_the_job_once(fake_jobs):
    """Two threads (two connections) send their claim at once: exactly one gets the job."""
    (job,) = fake_jobs(refresh=Counter())
    for _round in range(5):
        ScheduledJob.objects.all().delete()
        services.ensure_jobs()
        start = threading.Barrier(2)
        tokens = []
        threads = [threading.Thread(target=claim_at_once, args=(job, start, tokens)) for _ in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len([token for token in tokens if token]) == 1, tokens
        assert ScheduledJob.objects.get().claim in tokens


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(fake_jobs, caplog):
    broken = Counter(fail=RuntimeError("storage out of reach"))
    found = Counter(fail=jobs.JobFailed({"checked": 3, "failed": 1}))
    fine = Counter()
    fake_jobs(broken=broken, fixity=found, fine=fine)
    now = timezone.now()
    ran = runner.run_due(now=now)
    assert ran == [("broken", False), ("fixity", False), ("fine", True)]
    rows = {row.name: row for row in ScheduledJob.objects.all()}
    assert rows["broken"].last_outcome == "failed"
    assert rows["broken"].last_error == "RuntimeError: storage out of reach"
    assert rows["broken"].failures_in_a_row == 1 and rows["broken"].last_succeeded_at is None
    assert rows["fixity"].last_outcome == "failed" and rows["fixity"].last_error == ""
    assert rows["fixity"].last_result == {"checked": 3, "failed": 1}
    assert rows["fine"].last_outcome == "succeeded" and rows["fine"].last_succeeded_at
    assert all(row.claim == "" and row.running_since is None for row in rows.values())
    assert "scheduled job broken failed" in caplog.text
    assert "scheduled job fixity found a problem" in caplog.text
    # Retried at the next interval, not before; a success then clears the count.
    assert runner.run_due(now=now + timedelta(minutes=5)) == []
    broken.fail = None
    ran = runner.run_due(now=now + timedelta(minutes=10))
    assert ("broken", True) in ran and broken.runs == 2
    row = ScheduledJob.objects.get(name="broken")
    assert row.last_outcome == "succeeded" and row.failures_in_a_row == 0


def test_run_schedule_once_exits_1_when_a_job_failed(fake_jobs):
    fake_jobs(broken=Counter(fail=RuntimeError("no")), fine=Counter())
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("run_schedule", "--once", stdout=out)
    assert failed.value.returncode == 1
    assert "broken: FAILED" in out.getvalue() and "fine: succeeded" in out.getvalue()


def test_a_run_abandoned_by_a_dead_scheduler_is_taken_over(fake_jobs):
    (job,) = fake_jobs(refresh=Counter())
    now = timezone.now()
    services.ensure_jobs(now=now)
    dead = services.claim(job, now=now)
    later = now + timedelta(minutes=10)  # due again
    ScheduledJob.objects.update(heartbeat_at=later - timedelta(minutes=1))  # its last beat
    assert services.claim(job, now=later) is None  # still alive: nobody else runs it
    # Its scheduler died then: no heartbeat, no finish. Abandoned after STALE_AFTER.
    stale = later - timedelta(minutes=1) + services.STALE_AFTER
    assert services.claim(job, now=stale - timedelta(seconds=1)) is None
    taken = services.claim(job, now=stale + timedelta(seconds=1))
    assert taken and taken != dead
    assert services.finish(job.name, dead, succeeded=True, result={}) is False  # too late
    assert ScheduledJob.objects.get().claim == taken


def test_a_heartbeat_keeps_a_long_run_from_being_taken_over(fake_jobs):
    (job,) = fake_jobs(refresh=Counter())
    now = timezone.now()
    services.ensure_jobs(now=now)
    token = services.claim(job, now=now)
    ScheduledJob.objects.update(heartbeat_at=now + timedelta(hours=1))  # it is alive then
    assert services.claim(job, now=now + timedelta(hours=1, minutes=1)) is None
    assert services.beat(job.name, token) is True
    assert services.beat(job.name, "someone-else") is False


def test_intervals_come_from_the_settings_and_0_turns_a_job_off(fake_jobs, settings):
    fake_jobs(on=Counter(), off=Counter())
    settings.ASN_SCHEDULE_MINUTES = {"on": 60, "off": 0}
    now = timezone.now()
    assert [job.name for job in services.ensure_jobs(now=now)] == ["on"]
    assert runner.run_due(now=now) == [("on", True)]
    assert not ScheduledJob.objects.filter(name="off").exists()
    assert ScheduledJob.objects.get(name="on").next_due_at == now + timedelta(hours=1)
    # A shorter interval brings a next run that was set further off forward.
    settings.ASN_SCHEDULE_MINUTES = {"on": 5, "off": 0}
    services.ensure_jobs(now=now)
    assert ScheduledJob.objects.get(name="on").next_due_at == now + timedelta(minutes=5)


def test_every_scheduled_job_has_an_interval_setting_of_its_own():
    from django.conf import settings

    assert {job.name for job in jobs.JOBS} == set(settings.ASN_SCHEDULE_MINUTES)
    assert len(jobs.BY_NAME) == len(jobs.JOBS)


def test_run_schedule_once_runs_the_real_jobs(files_in_tmp, agency):
    out = StringIO()
    call_command("run_schedule", "--once", stdout=out)
    active = {job.name for job in services.active_jobs()}
    assert {"refresh_dashboards", "audit_checkpoint", "verify_audit", "fixity_sample"} <= active
    assert out.getvalue().splitlines() == [
        f"{name}: succeeded" for name in sorted(active, key=[job.name for job in jobs.JOBS].index)
    ]
    assert AgencyFigures.objects.filter(agency=agency).exists()
    rows = ScheduledJob.objects.filter(name__in=active)
    assert {row.last_outcome for row in rows} == {"succeeded"}
    out = StringIO()
    call_command("run_schedule", "--once", stdout=out)
    assert out.getvalue() == "nothing was due\n"
    call_command("run_schedule", "--list", stdout=out)
    assert "refresh_dashboards     every 10 min" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_loop_runs_due_jobs_in_threads_and_stopping_interrupts_a_long_one(fake_jobs):
    release = threading.Event()
    long = Counter(wait=release)
    quick = Counter()
    fake_jobs(long=long, quick=quick)
    scheduler = runner.Scheduler(tick=0.05, grace=0.1)
    scheduler.look()
    assert long.started.wait(10)
    scheduler.running["quick"][0].join(10)
    scheduler.look()  # still running here: not started a second time
    assert long.runs == 1 and quick.runs == 1
    scheduler.shut_down()
    row = ScheduledJob.objects.get(name="long")
    assert row.last_outcome == "failed" and row.last_error.startswith("Stopped before it finished")
    assert row.next_due_at <= timezone.now() and row.claim == ""
    assert ScheduledJob.objects.get(name="quick").last_outcome == "succeeded"
    release.set()
    scheduler.running["long"][0].join(10)
    assert ScheduledJob.objects.get(name="long").last_outcome == "failed"  # its finish came late


@pytest.mark.django_db(transaction=True)
def test_the_loop_survives_a_database_error_and_stops_on_request(fake_jobs, monkeypatch, caplog):
    fake_jobs(quick=Counter())
    scheduler = runner.Scheduler(tick=0.01)
    calls = []

    def broken(**kwargs):
        calls.append(1)
        if len(calls) >= 3:
            scheduler.stop.set()
        from django.db import OperationalError

        raise OperationalError("the database is restarting")

    monkeypatch.setattr(services, "ensure_jobs", broken)
    scheduler.run()  # returns once stopped: the errors did not end it
    assert len(calls) == 3
    assert "the scheduler could not look at its jobs" in caplog.text


def test_national_admins_see_how_each_job_last_went(client, make_staff, fake_jobs, settings):
    from asndigital.accounts.models import Role

    fake_jobs(broken=Counter(fail=RuntimeError("storage out of reach")), fine=Counter())
    settings.ASN_SCHEDULE_MINUTES = {"broken": 60, "fine": 24 * 60}
    runner.run_due()
    client.force_login(make_staff(Role.BKN_ADMIN))
    page = client.get("/admin/schedule/scheduledjob/").content.decode()
    assert "1 jam" in page and "1 hari" in page
    assert "gagal" in page and "RuntimeError: storage out of reach" in page
    assert "berhasil" in page and "1 runs" in page


def test_a_scheduler_with_every_job_off_says_so_once(fake_jobs, settings, caplog):
    fake_jobs(quick=Counter())
    settings.ASN_SCHEDULE_MINUTES = {"quick": 0}
    scheduler = runner.Scheduler()
    scheduler.look()
    scheduler.look()
    assert caplog.text.count("scheduler started: no jobs") == 1
    assert not ScheduledJob.objects.exists()


@pytest.mark.django_db
def test_the_single_sign_on_and_signature_jobs_run_on_an_empty_archive():
    """The two jobs added with single sign-on and signature checks run through the scheduler's
    own entry point: nothing to do, no failure."""
    from asndigital.schedule import jobs

    assert jobs.BY_NAME["clear_expired_tokens"].run() == {}
    assert jobs.BY_NAME["revalidate_signatures"].run()["checked"] == 0
