"""A throw-away single-node Ceph cluster with the RADOS Gateway (S3), for tests.

Usage::

    with RadosGateway(tmp_path) as gw:
        make_bucket(gw, "docs", object_lock=True)
        s3 = gw.client()

One monitor, one OSD on the in-memory ``memstore`` object store and radosgw with the ``beast``
frontend, all bound to 127.0.0.1 with authentication ``none``. Every file (config, monitor and OSD
data, logs, sockets) lives under ``base_dir``; nothing is read from or written to /etc/ceph,
/var/lib/ceph or /var/log/ceph. The daemons run in the foreground (``-f``) as children of this
process, so their PIDs are known, they are reaped (no zombies) and they can be stopped one by one.

Needs the Debian packages ``radosgw ceph-mon ceph-osd`` (Ceph 16); see docs/OBJECT-STORAGE.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

BINARIES = (
    "ceph-mon",
    "ceph-osd",
    "radosgw",
    "radosgw-admin",
    "ceph",
    "ceph-authtool",
    "monmaptool",
)

# The pools radosgw creates lazily on the first bucket/object. Creating them ourselves while
# radosgw starts makes the first bucket take ~0.15 s instead of ~4 s.
RGW_DATA_POOLS = (
    "default.rgw.buckets.index",
    "default.rgw.buckets.data",
    "default.rgw.buckets.non-ec",
)


def available() -> bool:
    """True when every Ceph binary this module runs is installed."""
    return all(shutil.which(name) for name in BINARIES)


def make_bucket(gw: RadosGateway, name: str, object_lock: bool = False):
    """Create bucket ``name``; with ``object_lock`` S3 Object Lock is enabled (and, with it,
    versioning, exactly as on AWS). Returns the boto3 client used."""
    s3 = gw.client()
    kwargs = {"ObjectLockEnabledForBucket": True} if object_lock else {}
    s3.create_bucket(Bucket=name, **kwargs)
    return s3


def _free_port() -> int:
    """A loopback port that is free right now, picked at random below the ephemeral range.

    Not bind(0): the kernel hands those out of the ephemeral range, where every outgoing
    connection (boto3's to the gateway included) also takes its local port, so the port could be
    gone again by the time a daemon binds it seconds later. A random port below that range only
    collides with another test server picking the same one (and radosgw retries then).
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(100):
        port = random.randrange(20000, max(low, 20001))
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port found")


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: ask Linux to SIGKILL the daemon if the test process
    # dies without running __exit__ (killed, crashed), so no cluster outlives its test run.
    # Caveat: the signal fires when the *thread* that started the daemon exits.
    with contextlib.suppress(Exception):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"--- {path.name}: (no log)"
    return f"--- {path.name} (last {lines} lines):\n" + "\n".join(text.splitlines()[-lines:])


class _DaemonExited(RuntimeError):
    def __init__(self, message: str, returncode: int):
        super().__init__(message)
        self.returncode = returncode


class RadosGateway:
    """Context manager running mon → OSD → radosgw under ``base_dir``; see the module docstring.

    After ``__enter__``: ``endpoint_url``, ``access_key``, ``secret_key``, ``region``.
    """

    access_key = "TESTACCESSKEY0000000"
    secret_key = "testsecretkey0000000000000000000000000000"
    # radosgw's zonegroup is called "default"; SigV4 signs with whatever region the client names,
    # and no LocationConstraint is sent, so buckets land in that zonegroup.
    region = "default"
    user_id = "tester"

    def __init__(
        self,
        base_dir: str | os.PathLike,
        *,
        startup_timeout: float = 60.0,
        stop_timeout: float = 10.0,
    ):
        self.base_dir = Path(base_dir).resolve()
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.conf = self.base_dir / "ceph.conf"
        self.log_dir = self.base_dir / "log"
        self.fsid = str(uuid.uuid4())
        self.rgw_port = 0
        self.mon_port = 0
        self.endpoint_url = ""
        # Daemons in start order; stopped in reverse (radosgw → OSD → monitor).
        self._procs: list[tuple[str, subprocess.Popen]] = []
        self._deadline = 0.0

    # -- context manager --------------------------------------------------------------------

    def __enter__(self) -> RadosGateway:
        self._deadline = time.monotonic() + self.startup_timeout
        try:
            self._start()
        except BaseException:
            # Never leave a half-started cluster behind (this includes KeyboardInterrupt).
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def client(self, **kwargs):
        """A boto3 S3 client for this gateway (path-style addressing, no real AWS lookups)."""
        import boto3
        from botocore.config import Config

        config = Config(
            s3={"addressing_style": "path"},  # no DNS names for buckets on 127.0.0.1
            retries={"max_attempts": 2, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        )
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=kwargs.pop("config", config),
            **kwargs,
        )

    # -- startup ----------------------------------------------------------------------------

    def _start(self) -> None:
        for sub in ("mon/ceph-a", "osd/ceph-0", "rgw", "run", "crash", "log"):
            (self.base_dir / sub).mkdir(parents=True, exist_ok=True)
        self.mon_port = _free_port()
        self._write_conf()

        # Monitor: keyring → monmap → mkfs → run. With auth "none" the keyring is never checked,
        # but `ceph-mon --mkfs` still wants one to seed its key store.
        keyring = self.base_dir / "keyring"
        self._run(
            "ceph-authtool", "--create-keyring", keyring, "--gen-key", "-n", "mon.",
            "--cap", "mon", "allow *",
        )  # fmt: skip
        self._run(
            "ceph-authtool", keyring, "--gen-key", "-n", "client.admin",
            "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *",
        )  # fmt: skip
        monmap = self.base_dir / "monmap"
        self._run(
            "monmaptool", "--create", "--clobber", "--enable-all-features", "--fsid", self.fsid,
            "--addv", "a", f"[v2:127.0.0.1:{self.mon_port}]", monmap,
        )  # fmt: skip
        self._run("ceph-mon", "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", keyring)
        self._spawn("mon.a", "ceph-mon", "-i", "a")

        # One ceph CLI run (each costs ~0.3 s of Python start-up) that waits for the monitor to
        # answer, registers the OSD and pre-creates the bucket pools radosgw would otherwise
        # create lazily on the first bucket (which then takes ~4 s instead of ~0.15 s).
        osd_uuid = str(uuid.uuid4())
        commands = [f"osd new {osd_uuid}"]
        for pool in RGW_DATA_POOLS:
            commands += [f"osd pool create {pool} 8 8", f"osd pool application enable {pool} rgw"]
        osd_id = self._ceph_batch(commands).strip()
        if osd_id != "0":
            raise self._error(f"expected `ceph osd new` to allocate OSD id 0, got {osd_id!r}")

        # OSD: make its (in-memory) store, run it and wait until the monitor marks it up.
        self._run("ceph-osd", "-i", "0", "--mkfs", "--osd-uuid", osd_uuid)
        self._spawn("osd.0", "ceph-osd", "-i", "0")
        self._wait("the OSD to come up", self._osd_up)

        # The S3 user, made before radosgw runs: radosgw-admin then sets up the default
        # zonegroup/zone alone (no race with radosgw doing the same), and its metadata-cache
        # notifications have no watcher to wait for (after a radosgw retry, a dead instance's
        # watches would make it wait ~30 s for their timeout).
        self._run(
            "radosgw-admin", "user", "create", "--uid", self.user_id, "--display-name",
            self.user_id, "--access-key", self.access_key, "--secret-key", self.secret_key,
        )  # fmt: skip
        self._start_rgw()
        self._wait("S3 list_buckets to succeed", self._s3_answers)

    def _start_rgw(self) -> None:
        """Start radosgw on a free loopback port; retry on another if that one got taken.

        The port is picked right before the spawn (hence on the command line, not in the conf)
        to keep the window in which another process can grab it short; should that still happen
        radosgw exits with EADDRINUSE and we try a new port.
        """
        for attempt in range(3):
            self.rgw_port = _free_port()
            self.endpoint_url = f"http://127.0.0.1:{self.rgw_port}"
            frontends = f"beast endpoint=127.0.0.1:{self.rgw_port}"
            self._spawn("client.rgw.test", "radosgw", "-n", "client.rgw.test",
                        "--rgw-frontends", frontends)  # fmt: skip
            try:
                self._wait("radosgw to answer HTTP", self._http_answers)
                return
            except _DaemonExited as exc:
                if exc.returncode != errno.EADDRINUSE or attempt == 2:
                    raise
                self._procs.pop()  # already reaped by poll()

    def _write_conf(self) -> None:
        b = self.base_dir
        conf = f"""\
[global]
fsid = {self.fsid}
mon_host = v2:127.0.0.1:{self.mon_port}
# Loopback only, IPv4 only: nothing listens on a reachable interface.
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
ms_bind_msgr1 = false
# No cephx: a throw-away cluster on loopback.
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# Required with auth "none": radosgw's built-in default mon client mode "secure" needs cephx and
# it then hangs forever (the ceph CLI and radosgw-admin work without this, hiding the problem).
ms_mon_client_mode = crc
# Keep every file under the base directory (defaults point to /etc, /var/lib, /var/log, /run).
keyring = {b}/keyring
run_dir = {b}/run
admin_socket = {b}/run/$name.asok
crash_dir = {b}/crash
log_file = {b}/log/$name.log
mon_cluster_log_to_file = false
# Paxos proposes every 1 s by default; 0.1 s makes OSD boot and pool creation several times faster.
paxos_propose_interval = 0.1
# A single OSD: one replica, small PG counts, no autoscaler, no warnings about it.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_warn_on_pool_no_redundancy = false
# Small or busy disks must not make the monitor warn or shut down.
mon_data_avail_warn = 1
mon_data_avail_crit = 0

[mon]
mon_data = {b}/mon/$cluster-$id

[osd]
osd_data = {b}/osd/$cluster-$id
# In-memory object store: fast, nothing on disk; capped at 1 GiB of objects.
osd_objectstore = memstore
memstore_device_bytes = 1073741824

[client.rgw.test]
# rgw_frontends (beast on 127.0.0.1:<port>) is given on the command line: see _start_rgw().
rgw_data = {b}/rgw
# Fewer worker threads than the default 512: a test makes a handful of requests at a time.
rgw_thread_pool_size = 32
"""
        self.conf.write_text(conf)

    # -- helpers ----------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return {**os.environ, "CEPH_CONF": str(self.conf)}

    def _remaining(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self._error(f"startup took longer than {self.startup_timeout:.0f} s")
        return left

    def _run(self, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
        """Run a Ceph tool to completion, bounded by the startup deadline; fail on errors."""
        cmd = [str(a) for a in args]
        cmd[1:1] = ["--conf", str(self.conf)]
        try:
            done = subprocess.run(
                cmd,
                env=self._env(),
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self._remaining(),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise self._error(f"timed out: {' '.join(cmd)}") from exc
        if done.returncode != 0:
            raise self._error(
                f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout}{done.stderr}"
            )
        return done

    def _ceph(self, *args) -> str:
        # --connect-timeout bounds the wait for the monitor (the CLI retries until then).
        connect = max(1, int(self._remaining()))
        return self._run("ceph", "--connect-timeout", connect, *args).stdout

    def _ceph_batch(self, commands: list[str]) -> str:
        """Run several ceph commands in one CLI process (its interactive mode, fed on stdin).

        That mode's exit status only reflects the last command, so stderr is checked for the
        "Error <ERRNO>: ..." lines it prints for failed ones.
        """
        connect = max(1, int(self._remaining()))
        done = self._run("ceph", "--connect-timeout", connect, stdin="\n".join(commands) + "\n")
        if any(line.startswith("Error ") for line in done.stderr.splitlines()):
            raise self._error(f"ceph commands failed: {commands}\n{done.stderr}")
        return done.stdout

    def _spawn(self, name: str, binary: str, *args) -> None:
        """Start a daemon in the foreground (-f) as our child and record it."""
        out = open(self.log_dir / f"{name}.out", "ab")  # noqa: SIM115 - kept by the child
        try:
            proc = subprocess.Popen(
                [binary, "-f", "--conf", str(self.conf), *map(str, args)],
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        finally:
            out.close()
        self._procs.append((name, proc))

    def _wait(self, what: str, ready) -> None:
        """Poll ``ready()`` until true; fail early if a daemon died, or at the deadline."""
        while True:
            for name, proc in self._procs:
                if proc.poll() is not None:
                    message = f"{name} exited with {proc.returncode} waiting for {what}"
                    raise self._error(message, _DaemonExited, proc.returncode)
            if ready():
                return
            if time.monotonic() >= self._deadline:
                raise self._error(f"timed out waiting for {what}")
            time.sleep(0.1)

    def _osd_up(self) -> bool:
        dump = json.loads(self._ceph("osd", "dump", "--format", "json"))
        return any(osd["osd"] == 0 and osd["up"] for osd in dump["osds"])

    def _http_answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.endpoint_url, timeout=2):  # noqa: S310 - http to us
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer (even 403) means the frontend is serving
        except OSError:
            return False

    def _s3_answers(self) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client().list_buckets()
        except (BotoCoreError, ClientError):
            return False
        return True

    def _error(self, message: str, cls=RuntimeError, *args) -> RuntimeError:
        """The error to raise: ``message`` followed by the last lines of every daemon's log."""
        logs = sorted(self.log_dir.glob("*.log")) + sorted(self.log_dir.glob("*.out"))
        tails = "\n".join(_tail(p) for p in logs if p.stat().st_size)
        return cls(f"RADOS Gateway under {self.base_dir}: {message}\n{tails}", *args)

    # -- shutdown ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop radosgw, then the OSD, then the monitor; each SIGTERM, SIGKILL after a grace.

        Order matters: an OSD whose monitor is already gone waits ~5 s before exiting. Only the
        recorded child PIDs are signalled, and each is reaped (waited for), so none is left as a
        zombie either. Idempotent.
        """
        while self._procs:
            _name, proc = self._procs.pop()
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    proc.wait(timeout=self.stop_timeout)
