"""A bounded load test of the application as it runs in production: gunicorn with production
settings on the loopback interface, virtual users who log in through the login form and read
their pages, and a ledger import running while readers read.

    bin/load                          # 20 users for 30 s twice, then 30 s of imports
    bin/load --think 2                # readers pause 1–3 s between pages (default 0.5–1.5 s)
    bin/load --seconds 10             # a short run
    bin/load --users 40 --workers 5   # more users, more gunicorn workers
    bin/load --reading-only           # only the first part
    bin/load --import-while-reading   # only the second part
    bin/load --pdf-downloads          # only the third part

Part 1 runs twice. First the users read as people do, pausing between pages (the think time,
uniform around --think seconds, as a locust user's wait_time): this is the goal, p95 under
200 ms and no errors. Then they read without any pause, which saturates the server: with
every user always waiting for an answer, the latency there is users ÷ throughput (Little's
law), so it shows the most the machine serves. Each prints requests, errors, p50/p95/p99 and
requests/s per page and overall with the verdict. A missed goal is a finding, not a crash
(exit 0); errors, a failed login and half-imported months are failures (exit 1).

Part 2 imports two ledger files for the same months in turn (B, A, B, ...) while readers
download the driftsammandrag of every month as CSV: each download must show the figures of
file A or of file B, never a mix.

Part 3 has one nämnd member download the report's PDF ten times in parallel, again and again,
while another user opens the start page every 0,2 s: the PDF is printed once and stored, so
the start page must stay fast (goal: p95 under GOAL_PDF_NEIGHBOUR_P95_MS) and every PDF
answer is the PDF (200) or, while one is being printed, "try again" (503).
"""

import argparse
import csv
import http.client
import itertools
import math
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/amn_load"
HOST = "127.0.0.1"
COMMITTEE = "AMN"
YEAR, MONTH = 2023, 8
# Set on the load-test users with the ORM; long enough for the password validators.
LOAD_PASSWORD = "load-test-password-not-secret-2023"
GOAL_P95_MS = 200
# Line counts of the two ledger files of part 2. The generator is deterministic, so B is A
# with more lines: every month of B differs from A.
LEDGER_LINES_A, LEDGER_LINES_B = 2_000, 3_000
SUM_LABEL = "Summa nettokostnader"  # budget.services.operating_summary.SUM_LABEL
TOTAL_LABEL = "Summa nettokostnader inkl. kommunal verksamhet"
SHOWN_ERRORS = 5
PDF_DOWNLOADERS = 10
# Before PDFs were stored, ten parallel downloads made another user's start page take 34 s.
GOAL_PDF_NEIGHBOUR_P95_MS = 1000


# --- the server ---------------------------------------------------------------------------


def production_environment() -> dict[str, str]:
    """The environment of a production server, for gunicorn and for this process's ORM."""
    environment = dict(os.environ)
    environment.pop("SECURE_COOKIES", None)  # cookies Secure, as in production
    environment.pop("SECURE_SSL_REDIRECT", None)
    environment.update(
        DJANGO_SETTINGS_MODULE="amn.settings",
        DATABASE_URL=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 random characters
        ALLOWED_HOSTS=HOST,
        LOG_LEVEL="WARNING",
    )
    return environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn serving amn.wsgi on the loopback interface, in a session of its own so that
    Ctrl-C reaches only this script, which then stops the server in order."""

    SHOWN_SETTINGS = (
        "config",
        "bind",
        "workers",
        "worker_class",
        "threads",
        "timeout",
        "keepalive",
        "backlog",
        "max_requests",
        "preload_app",
        "forwarded_allow_ips",
        "secure_scheme_headers",
    )

    def __init__(self, environment: dict[str, str], workers: int, folder: Path) -> None:
        self.environment = environment
        self.port = free_port()
        self.access_log = folder / "access.log"
        self.server_log = folder / "server.log"
        self.arguments = [
            str(Path(sys.executable).with_name("gunicorn")),
            "amn.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            # As in the Dockerfile: above every wait inside a request.
            "--timeout",
            "60",
            "--log-level",
            "warning",
            # The server's own time per request, in microseconds, to tell its work from
            # the time a request waits for a free worker.
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            "%(U)s %(s)s %(D)s",
            # Another gunicorn on this machine would share the default control socket.
            "--no-control-socket",
        ]
        self.process: subprocess.Popen | None = None

    def print_config(self) -> None:
        done = subprocess.run(
            [*self.arguments, "--print-config"],
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            check=False,
        )
        settings = dict(
            (name.strip(), value.strip())
            for name, _, value in (line.partition("=") for line in done.stdout.splitlines())
        )
        if done.returncode != 0 or "workers" not in settings:
            raise RuntimeError(f"gunicorn --print-config failed:\n{done.stdout}{done.stderr}")
        print("gunicorn:", " ".join(self.arguments[1:]))
        print("  " + ", ".join(f"{name}={settings.get(name)}" for name in self.SHOWN_SETTINGS))

    def start(self) -> None:
        with self.server_log.open("wb") as log:
            self.process = subprocess.Popen(
                self.arguments,
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_until_answering(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log()}")
            probe = Browser(self.port)
            try:
                if probe.request("GET", "/logga-in/").status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass  # not listening yet
            finally:
                probe.close()
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM: finish the requests in hand, then exit
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.server_log.read_text(errors="replace") if self.server_log.exists() else ""

    def worker_pids(self) -> list[int]:
        return [self.process.pid, *children_of(self.process.pid)]


# --- CPU accounting, to tell where the time goes --------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = read_stat(int(entry.name))
            if stat and int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def read_stat(pid: int) -> list[str] | None:
    """/proc/PID/stat from the state field on (the name may hold spaces), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds_of(pids: list[int]) -> float:
    return sum(cpu_seconds_by_pid(pids).values())


def cpu_seconds_by_pid(pids: list[int]) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        stat = read_stat(pid)
        if stat:
            seconds[pid] = (int(stat[11]) + int(stat[12])) / TICKS  # utime, stime
    return seconds


def spent_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the processes alive at the end spent since `before`: a PostgreSQL backend that
    ended in between is not counted (it would count negative), one that began counts whole."""
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy_seconds() -> float:
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICKS


@dataclass
class CpuSample:
    client: float
    server: float
    database: dict[int, float]
    machine: float

    @classmethod
    def take(cls, server: Gunicorn) -> "CpuSample":
        return cls(
            time.process_time(),
            cpu_seconds_of(server.worker_pids()),
            cpu_seconds_by_pid(postgres_pids()),
            machine_busy_seconds(),
        )


def print_cpu(before: CpuSample, after: CpuSample, seconds: float) -> None:
    cores = os.cpu_count() or 1
    available = cores * seconds
    spent = {
        "load client (this process)": after.client - before.client,
        "gunicorn": after.server - before.server,
        "PostgreSQL (all its processes)": spent_since(before.database, after.database),
    }
    # Whatever else runs on the machine takes cores from the server too.
    machine = after.machine - before.machine
    spent["other processes"] = max(machine - sum(spent.values()), 0)
    spent["whole machine"] = machine
    print(f"CPU over {seconds:.1f} s on {cores} cores ({available:.0f} core-seconds available):")
    for what, used in spent.items():
        print(f"  {what:32} {used:6.1f} s  {used / available * 100:5.1f} %")


# --- a virtual user -----------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    location: str | None
    content: bytes


class LoginFailed(Exception):
    pass


class Browser:
    """One user's keep-alive connection and cookies.

    Every request says it came through the TLS proxy (X-Forwarded-Proto: https), as the
    application expects in production. The session and CSRF cookies are then Secure, which
    a cookie jar would not send over this plain-HTTP loopback connection, so they are kept
    here by hand."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"https://{HOST}:{port}"
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.connections_opened = 0

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> Answer:
        sent = {
            "X-Forwarded-Proto": "https",
            "User-Agent": "amn-load-test",
            "Accept": "text/html,*/*",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        reused = self.connection.sock is not None
        try:
            response = self._send(method, path, body, sent)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # A kept-alive connection the server has just closed: a browser tries a GET
            # again on a new connection.
            self.connection.close()
            if not reused or method != "GET":
                raise
            response = self._send(method, path, body, sent)
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        return response

    def close(self) -> None:
        self.connection.close()

    def _send(self, method: str, path: str, body: str | None, headers: dict) -> Answer:
        if self.connection.sock is None:
            self.connections_opened += 1
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        self._keep_cookies(response.msg.get_all("Set-Cookie") or [])
        return Answer(response.status, response.getheader("Location"), content)

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            pair, *attributes = header.split(";")
            name, _, value = pair.strip().partition("=")
            removed = value in ("", '""') or any(
                attribute.strip().lower() == "max-age=0" for attribute in attributes
            )
            if removed:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def log_in(self, login_path: str, username: str, password: str) -> None:
        """Through the real login form, as a browser does: the form's CSRF token and cookie,
        then the POST with the Referer (and Origin) that Django checks on HTTPS."""
        form = self.request("GET", login_path)
        token = CSRF_FIELD.search(form.content)
        if form.status != 200 or token is None or "csrftoken" not in self.cookies:
            raise LoginFailed(f"{username}: the login form answered {form.status}")
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": password,
            }
        )
        answer = self.request(
            "POST",
            login_path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{self.origin}{login_path}",
                "Origin": self.origin,
            },
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise LoginFailed(f"{username}: logging in answered {answer.status}, no session")


CSRF_FIELD = re.compile(rb'<input[^>]*name="csrfmiddlewaretoken"[^>]*value="([^"]+)"')


# --- users and pages ----------------------------------------------------------------------


def create_load_users(count: int) -> tuple[list[str], list[str]]:
    """Nämnd members (they read published reports) and staff (they read live figures) of
    AMN with LOAD_PASSWORD: half of `count` each."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from amn.models import Committee, CommitteeMembership, Role

    committee = Committee.objects.get(code=COMMITTEE)
    hashed = make_password(LOAD_PASSWORD)  # once: hashing is slow by design
    members = [f"load-member-{number:02d}" for number in range(1, count // 2 + 1)]
    staff = [f"load-staff-{number:02d}" for number in range(1, count - count // 2 + 1)]
    for names, role in ((members, Role.MEMBER), (staff, Role.STAFF)):
        for name in names:
            user, _ = get_user_model().objects.update_or_create(
                username=name, defaults={"password": hashed, "is_active": True}
            )
            # Exactly this one role, also when the database is reused.
            CommitteeMembership.objects.filter(user=user).exclude(
                committee=committee, role=role
            ).delete()
            CommitteeMembership.objects.get_or_create(user=user, committee=committee, role=role)
    return members, staff


@dataclass
class Pages:
    login: str
    report_latest: str
    report_marker: bytes
    summary: str
    summary_marker: bytes
    summary_csv: dict[int, str]
    report_pdf: str


def find_pages() -> Pages:
    from django.urls import reverse

    from amn.models import PeriodKind, PublishedReport, ReportingPeriod

    # <int:period> in the report URLs is the ReportingPeriod's primary key.
    period = ReportingPeriod.objects.exclude(kind=PeriodKind.BUDGET).get(
        committee__code=COMMITTEE, year=YEAR, month=MONTH
    )
    published = PublishedReport.objects.latest_for(period)
    if published is None:
        raise RuntimeError(f"{period} is not published: run manage.py load_demo --publish")
    report = {"code": COMMITTEE, "period": period.pk}
    return Pages(
        login=reverse("login"),
        report_latest=reverse("reports:latest", kwargs=report),
        report_marker=f"<strong>Version {published.version}</strong>".encode(),
        summary=reverse(
            "budget:operating-summary", kwargs={"code": COMMITTEE, "year": YEAR, "month": MONTH}
        ),
        summary_marker=TOTAL_LABEL.encode(),
        summary_csv={
            month: reverse(
                "budget:operating-summary-csv",
                kwargs={"code": COMMITTEE, "year": YEAR, "month": month},
            )
            + "?enhet=kr"
            for month in range(1, MONTH + 1)
        },
        report_pdf=reverse("reports:latest-pdf", kwargs=report),
    )


def log_in_all(port: int, pages: Pages, usernames: list[str]) -> list[Browser]:
    """The first user alone, so that a broken login flow fails once (a login throttle
    counts failures), then the others together."""

    def log_in(username: str) -> Browser:
        browser = Browser(port)
        browser.log_in(pages.login, username, LOAD_PASSWORD)
        return browser

    first = log_in(usernames[0])
    with ThreadPoolExecutor(max_workers=8) as pool:
        return [first, *pool.map(log_in, usernames[1:])]


# --- statistics ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What the threads of a run saw: milliseconds per page and the errors."""

    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, page: str, text: str) -> None:
        with self.lock:
            self.errors[page] += 1
            if len(self.examples) < SHOWN_ERRORS:
                self.examples.append(f"{page}: {text}")


def percentile(ordered: list[float], share: float) -> float:
    """Nearest rank: the smallest timing that `share` of all timings do not exceed."""
    if not ordered:
        return float("nan")
    return ordered[max(math.ceil(len(ordered) * share / 100), 1) - 1]


def timed(browser: Browser, path: str) -> tuple[Answer | None, float, str | None]:
    started = time.perf_counter()
    try:
        answer = browser.request("GET", path)
    except (OSError, http.client.HTTPException) as error:
        return None, (time.perf_counter() - started) * 1000, f"{type(error).__name__}: {error}"
    return answer, (time.perf_counter() - started) * 1000, None


def describe(answer: Answer | None, failure: str | None) -> str:
    if answer is None:
        return failure or "no answer"
    return f"status {answer.status}" + (f" → {answer.location}" if answer.location else "")


def server_times(log: Path, offset: int) -> dict[str, list[float]]:
    """Milliseconds the workers spent per path, from the access log after `offset`."""
    times: dict[str, list[float]] = defaultdict(list)
    with log.open("rb") as handle:
        handle.seek(offset)
        for line in handle.read().decode(errors="replace").splitlines():
            path, _, micros = line.rpartition(" ")
            path = path.rpartition(" ")[0]
            if micros.isdigit():
                times[path].append(int(micros) / 1000)
    return times


# --- part 1: readers ----------------------------------------------------------------------

REPORT_PAGE = "published report page"
SUMMARY_PAGE = "driftsammandrag page"


def pause(think: float) -> None:
    """A reader's pause between two pages: uniform between half and one and a half times
    `think` seconds (none for 0)."""
    if think > 0:
        time.sleep(random.uniform(think / 2, think * 3 / 2))


@dataclass(frozen=True)
class Reading:
    """A page a group of users reads: its name in the figures, its path, and the text that
    shows it answered in full (named in the error when it is missing)."""

    name: str
    path: str
    marker: bytes
    marker_name: str


def readings_of(pages: Pages) -> tuple[Reading, Reading]:
    """The published report at the stable link members get, and the driftsammandrag."""
    return (
        Reading(REPORT_PAGE, pages.report_latest, pages.report_marker, "version marker"),
        Reading(SUMMARY_PAGE, pages.summary, pages.summary_marker, "total row"),
    )


def read_page(
    browser: Browser, reading: Reading, tally: Tally, until: float, timings, think: float
) -> None:
    while time.monotonic() < until:
        answer, ms, failure = timed(browser, reading.path)
        timings[reading.name].append(ms)
        if answer is None or answer.status != 200 or reading.marker not in answer.content:
            tally.error(reading.name, describe(answer, failure) + f", or no {reading.marker_name}")
        pause(think)


def warm_up(browser: Browser, path: str) -> None:
    """One unmeasured read per user, so that the run measures warm workers and the flow is
    known to work before the clock starts."""
    answer = browser.request("GET", path)
    if answer.status != 200:
        raise RuntimeError(f"warm-up read of {path} answered {answer.status}")


def run_readers(
    server: Gunicorn,
    pages: Pages,
    members: list[str],
    staff: list[str],
    seconds: float,
    thinks: list[float],
) -> bool:
    users = len(members) + len(staff)
    print(f"\n== Part 1: {users} users reading, {seconds:.0f} s for each think time ==")
    started = time.perf_counter()
    report_readers = log_in_all(server.port, pages, members) if members else []
    summary_readers = log_in_all(server.port, pages, staff)
    print(
        f"logged in {len(report_readers)} nämnd members and {len(summary_readers)} staff "
        f"through the login form in {time.perf_counter() - started:.1f} s"
    )
    report, summary = readings_of(pages)
    for browser in report_readers:
        warm_up(browser, report.path)
    for browser in summary_readers:
        warm_up(browser, summary.path)
    print(f"report: {pages.report_latest}")
    print(f"driftsammandrag: {pages.summary}")
    passed = True
    for think in thinks:
        passed &= read_for_a_while(server, pages, report_readers, summary_readers, seconds, think)
    return passed


def read_for_a_while(
    server: Gunicorn,
    pages: Pages,
    report_readers: list[Browser],
    summary_readers: list[Browser],
    seconds: float,
    think: float,
) -> bool:
    users = len(report_readers) + len(summary_readers)
    if think > 0:
        print(
            f"\n-- {users} users reading as people do: a pause of "
            f"{think / 2:g}–{think * 3 / 2:g} s after each page --"
        )
    else:
        print(f"\n-- {users} users reading without a pause: the server saturated --")
    tally = Tally()
    offset = server.access_log.stat().st_size
    per_thread: list[dict[str, list[float]]] = []
    threads = []
    until = time.monotonic() + seconds
    report, summary = readings_of(pages)
    for readers, reading in ((report_readers, report), (summary_readers, summary)):
        for browser in readers:
            timings: dict[str, list[float]] = defaultdict(list)
            per_thread.append(timings)
            threads.append(
                threading.Thread(
                    target=read_page,
                    args=(browser, reading, tally, until, timings, think),
                    daemon=True,
                )
            )
    opened_before = sum(b.connections_opened for b in report_readers + summary_readers)
    cpu_before = CpuSample.take(server)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_after = CpuSample.take(server)
    opened = sum(b.connections_opened for b in report_readers + summary_readers) - opened_before

    for timings in per_thread:
        for page, values in timings.items():
            tally.timings[page].extend(values)
    requests = sum(len(values) for values in tally.timings.values())
    print(
        f"\n{requests:,} requests in {elapsed:.1f} s over {opened:,} TCP connections "
        f"({requests / max(opened, 1):.1f} requests a connection)"
    )
    print_page_table(tally, elapsed)
    if think == 0:
        print_closed_loop_bound(len(threads), requests / elapsed)
    print_server_times(server, offset, pages)
    print_cpu(cpu_before, cpu_after, elapsed)
    if tally.examples:
        print("first errors:")
        for example in tally.examples:
            print(f"  {example}")
    return not tally.errors


def print_page_table(tally: Tally, elapsed: float) -> None:
    header = f"{'':28} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(header + f" {'req/s':>7}  goal: p95 < {GOAL_P95_MS} ms, no errors")
    rows = [(page, tally.timings[page], tally.errors[page]) for page in tally.timings]
    everything = [ms for _, values, _ in rows for ms in values]
    rows.append(("all requests", everything, sum(tally.errors.values())))
    for page, values, errors in rows:
        ordered = sorted(values)
        p95 = percentile(ordered, 95)
        met = errors == 0 and p95 < GOAL_P95_MS
        print(
            f"{page:28} {len(ordered):9,} {errors:7} {percentile(ordered, 50):8.1f} "
            f"{p95:8.1f} {percentile(ordered, 99):8.1f} {len(ordered) / elapsed:7.1f}  "
            f"{'met' if met else 'MISSED'}"
        )


def print_closed_loop_bound(users: int, throughput: float) -> None:
    """Each user always has one request in flight, so by Little's law the mean latency is
    users ÷ throughput whatever the server does: the goal is a throughput goal."""
    print(
        f"closed loop: {users} users ÷ {throughput:.1f} requests/s = "
        f"{users / throughput * 1000:.0f} ms mean latency; a mean under {GOAL_P95_MS} ms "
        f"needs more than {users / GOAL_P95_MS * 1000:.0f} requests/s"
    )


def print_server_times(server: Gunicorn, offset: int, pages: Pages) -> None:
    """The workers' own time per request: the rest of what the client measured is waiting
    for a free worker (and the client itself)."""
    names = {reading.path: reading.name for reading in readings_of(pages)}
    times = server_times(server.access_log, offset)
    print("time inside the gunicorn workers (access log):")
    for path, values in times.items():
        ordered = sorted(values)
        print(
            f"  {names.get(path, path):26} {len(ordered):9,} requests, "
            f"p50 {percentile(ordered, 50):6.1f} ms, p95 {percentile(ordered, 95):6.1f} ms, "
            f"mean {sum(ordered) / len(ordered):6.1f} ms"
        )


# --- part 2: imports while reading ----------------------------------------------------------


def parse_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(content.decode("utf-8-sig").splitlines(), delimiter=";"))


def to_date_sum(content: bytes) -> Decimal | None:
    """The 'Summa nettokostnader' actual to date (kr) of a driftsammandrag CSV download."""
    for row in parse_csv(content):
        if row and row[0] == SUM_LABEL:
            return Decimal(row[2].replace(",", "."))  # Verksamhet; Kod; Redovisat ...
    return None


def kronor(amount: Decimal) -> Decimal:
    """As the CSV in kr shows it: rounded half up to whole kronor."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def download_all_months(browser: Browser, pages: Pages) -> dict[int, bytes]:
    downloads = {}
    for month, path in pages.summary_csv.items():
        answer = browser.request("GET", path)
        if answer.status != 200 or to_date_sum(answer.content) is None:
            raise RuntimeError(f"{path} answered {answer.status} without a total")
        downloads[month] = answer.content
    return downloads


def import_file(path: Path):
    from amn.models import Committee
    from budget.models import ImportStatus
    from budget.services.ledger_import import import_ledger_file

    result = import_ledger_file(Committee.objects.get(code=COMMITTEE), path)
    if result.status != ImportStatus.ACTIVE:
        raise RuntimeError(f"importing {path.name}: {result.status} {result.errors[:3]}")
    return result


def read_months(
    browser: Browser,
    pages: Pages,
    expected: dict[str, dict[int, bytes]],
    offset: int,
    stop: threading.Event,
    seen: Counter,
    tally: Tally,
    timings: list[float],
) -> None:
    """Download the months in turn and classify each download: exactly A, exactly B, or
    anything else (a month or row read half-imported)."""
    for month in itertools.islice(itertools.cycle(pages.summary_csv), offset, None):
        if stop.is_set():
            return
        answer, ms, failure = timed(browser, pages.summary_csv[month])
        timings.append(ms)
        if answer is None or answer.status != 200:
            tally.error("driftsammandrag CSV", describe(answer, failure))
            continue
        kind = next(
            (name for name, months in expected.items() if months[month] == answer.content),
            None,
        )
        if kind is None:
            total = to_date_sum(answer.content)
            tally.error("half-imported", f"month {month}: summa {total} kr is neither A nor B")
            kind = "neither"
        with tally.lock:
            seen[(month, kind)] += 1


def run_import_while_reading(
    server: Gunicorn, pages: Pages, staff: list[str], seconds: float, environment: dict
) -> bool:
    from benchmarks.generate_ledger import write_ledger

    print(f"\n== Part 2: ledger imports while {len(staff)} users read, {seconds:.0f} s ==")
    with tempfile.TemporaryDirectory(prefix="amn-load-") as folder:
        files = {"A": Path(folder) / "huvudbok-a.xlsx", "B": Path(folder) / "huvudbok-b.xlsx"}
        totals = {
            "A": write_ledger(files["A"], LEDGER_LINES_A),
            "B": write_ledger(files["B"], LEDGER_LINES_B),
        }
        for name, lines in (("A", LEDGER_LINES_A), ("B", LEDGER_LINES_B)):
            print(
                f"file {name}: {lines:,} lines, months 1–{MONTH} of {YEAR}, total {totals[name]} kr"
            )

        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "import_ledger",
                str(files["A"]),
                "--committee",
                COMMITTEE,
            ],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py import_ledger failed:\n{done.stdout}{done.stderr}")
        print(
            f"manage.py import_ledger A: {done.stdout.strip().splitlines()[0]} "
            f"({time.perf_counter() - started:.1f} s)"
        )

        readers = log_in_all(server.port, pages, staff)
        expected = {"A": download_all_months(readers[0], pages)}
        import_file(files["B"])
        expected["B"] = download_all_months(readers[0], pages)
        sound = check_expected(expected, totals)

        stop = threading.Event()
        seen: Counter = Counter()
        tally = Tally()
        timings: list[list[float]] = [[] for _ in readers]
        threads = [
            threading.Thread(
                target=read_months,
                args=(browser, pages, expected, number, stop, seen, tally, timings[number]),
                daemon=True,
            )
            for number, browser in enumerate(readers)
        ]
        durations = []
        order = itertools.cycle("AB")  # B is current: A, B, A, ...
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        try:
            while time.perf_counter() - started < seconds:
                began = time.perf_counter()
                import_file(files[next(order)])
                durations.append(time.perf_counter() - began)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        elapsed = time.perf_counter() - started

    reads = sorted(ms for values in timings for ms in values)
    durations.sort()
    print(
        f"imports done: {len(durations) + 2} (A with manage.py, B before the readers "
        f"started, then {len(durations)} while reading: A, B, A, ...), each "
        f"p50 {durations[len(durations) // 2]:.2f} s, max {durations[-1]:.2f} s"
    )
    print(
        f"reads done: {len(reads):,} CSV downloads in {elapsed:.1f} s, "
        f"p50 {percentile(reads, 50):.1f} ms, p95 {percentile(reads, 95):.1f} ms, "
        f"errors {tally.errors['driftsammandrag CSV']}"
    )
    print("observed 'Summa nettokostnader' to date by month, kr (times seen):")
    for month in pages.summary_csv:
        shown = ", ".join(
            f"{kind} {to_date_sum(expected[kind][month])} ({seen[(month, kind)]:,}×)"
            for kind in ("A", "B")
        )
        neither = seen[(month, "neither")]
        print(f"  month {month}: {shown}" + (f", NEITHER ({neither:,}×)" if neither else ""))
    half = tally.errors["half-imported"]
    print(f"half-imported months seen: {half}")
    if tally.examples:
        print("first errors:")
        for example in tally.examples:
            print(f"  {example}")
    return sound and not tally.errors


def check_expected(expected: dict[str, dict[int, bytes]], totals: dict[str, Decimal]) -> bool:
    """A and B must differ in every month, or the check proves nothing, and the sum to date
    of the last month must be the file's own total: the pages show what was imported."""
    sound = True
    for month, content in expected["A"].items():
        if content == expected["B"][month]:
            print(f"PROBLEM: month {month} is the same after A and after B")
            sound = False
    for name, downloads in expected.items():
        shown = to_date_sum(downloads[MONTH])
        matches = shown == kronor(totals[name])
        sound &= matches
        print(
            f"after importing {name}: summa to date {shown} kr, file total "
            f"{kronor(totals[name])} kr: {'the same' if matches else 'DIFFERENT'}"
        )
    return sound


# --- the run --------------------------------------------------------------------------------


# --- part 3: PDF downloads beside a reader ------------------------------------------------


def run_pdf_downloads_beside_a_reader(
    server: Gunicorn, pages: Pages, member: str, reader: str, seconds: float
) -> bool:
    print(
        f"\n== Part 3: {PDF_DOWNLOADERS} parallel PDF downloads by one nämnd member while "
        f"another user opens the start page, {seconds:.0f} s =="
    )
    downloaders = [Browser(server.port) for _ in range(PDF_DOWNLOADERS)]
    for browser in downloaders:
        browser.log_in(pages.login, member, LOAD_PASSWORD)
    neighbour = Browser(server.port)
    neighbour.log_in(pages.login, reader, LOAD_PASSWORD)
    alone = sorted(timed(neighbour, "/")[1] for _ in range(10))
    answers: Counter = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def download(browser: Browser) -> None:
        while not stop.is_set():
            answer, _, failure = timed(browser, pages.report_pdf)
            status = answer.status if answer else failure
            if status == 200 and not answer.content.startswith(b"%PDF"):
                status = "200 without a PDF"
            with lock:
                answers[status] += 1

    threads = [threading.Thread(target=download, args=(b,), daemon=True) for b in downloaders]
    for thread in threads:
        thread.start()
    beside: list[float] = []
    errors = 0
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        answer, milliseconds, _ = timed(neighbour, "/")
        beside.append(milliseconds)
        errors += answer is None or answer.status != 200
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(60)
    beside.sort()
    p95 = percentile(beside, 95)
    print(
        f"start page alone: p50 {percentile(alone, 50):.0f} ms, p95 {percentile(alone, 95):.0f} ms"
    )
    met = p95 < GOAL_PDF_NEIGHBOUR_P95_MS and not errors
    print(
        f"start page beside the downloads: {len(beside)} requests, {errors} errors, "
        f"p50 {percentile(beside, 50):.0f} ms, p95 {p95:.0f} ms, max {beside[-1]:.0f} ms  "
        f"goal: p95 < {GOAL_PDF_NEIGHBOUR_P95_MS} ms, no errors  {'met' if met else 'MISSED'}"
    )
    print("PDF answers: " + ", ".join(f"{status}: {count:,}" for status, count in answers.items()))
    unexpected = {status for status in answers if status not in (200, 503)}
    if unexpected:
        print(f"unexpected PDF answers: {sorted(map(str, unexpected))}")
    return not unexpected and not errors


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of each part")
    parser.add_argument("--users", type=int, default=20, help="virtual users (at least 2)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="a reader's mean pause between pages in seconds (0: only the saturated run)",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--reading-only", action="store_true", help="only part 1")
    which.add_argument(
        "--import-while-reading", action="store_true", help="only part 2 (imports while reading)"
    )
    which.add_argument(
        "--pdf-downloads", action="store_true", help="only part 3 (PDF downloads beside a reader)"
    )
    arguments = parser.parse_args()
    if arguments.users < 2 or arguments.workers < 1 or arguments.seconds <= 0:
        parser.error("--users needs at least 2, --workers at least 1, --seconds more than 0")
    return arguments


def stop_on_sigterm() -> None:
    """A SIGTERM ends the run like Ctrl-C does, through the finally that stops gunicorn."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main() -> int:
    arguments = parse_arguments()
    stop_on_sigterm()
    environment = production_environment()
    # This process uses the ORM on the same database, with the same settings.
    os.environ.update(environment)
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The load test runs on PostgreSQL: set DATABASE_URL (bin/load does).")
    started = time.perf_counter()
    members, staff = create_load_users(arguments.users)
    pages = find_pages()
    passed = True
    with tempfile.TemporaryDirectory(prefix="amn-load-server-") as folder:
        server = Gunicorn(environment, arguments.workers, Path(folder))
        server.print_config()
        try:
            server.start()
            server.wait_until_answering()
            print(f"gunicorn answers on http://{HOST}:{server.port}/ (pid {server.process.pid})")
            every = not (
                arguments.reading_only or arguments.import_while_reading or arguments.pdf_downloads
            )
            if every or arguments.reading_only:
                thinks = [arguments.think, 0.0] if arguments.think > 0 else [0.0]
                passed &= run_readers(server, pages, members, staff, arguments.seconds, thinks)
            if every or arguments.import_while_reading:
                passed &= run_import_while_reading(
                    server, pages, staff, arguments.seconds, environment
                )
            if every or arguments.pdf_downloads:
                passed &= run_pdf_downloads_beside_a_reader(
                    server, pages, members[0], staff[0], arguments.seconds
                )
        finally:
            server.stop()
            log = server.log().strip()
            if log:
                lines = log.splitlines()
                print(f"\nserver log ({len(lines)} lines), the first of them:")
                print("\n".join(f"  {line}" for line in lines[:10]))
    print(f"\n{'passed' if passed else 'FAILED'} in {time.perf_counter() - started:.0f} s")
    return 0 if passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: gunicorn stopped")
