"""The benchmarks of the ledger issue, on PostgreSQL. Each prints its figures and whether
its goal is met; a missed goal is a finding, not a crash (exit 0).

    bin/bench                     # everything, 200 000 lines and 2 000 000 stored lines
    bin/bench --lines 20000       # a quick run
    bin/bench import              # one benchmark: import, page, goals, reports
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amn.settings")
django.setup()

import psycopg  # noqa: E402
from django.db import connection  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from benchmarks.generate_ledger import write_ledger  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def read_rows(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def floor_seconds(path: Path) -> float:
    """Only read the file with calamine and COPY its raw lines into PostgreSQL."""
    started = time.perf_counter()
    rows = read_rows(path)
    with psycopg.connect(**_psycopg_params()) as raw:
        raw.execute(
            "CREATE TEMP TABLE floor_lines (period text, account text, responsibility text, "
            "operation text, activity text, project text, amount text)"
        )
        with raw.cursor().copy("COPY floor_lines FROM STDIN") as copy:
            for row in rows[4:-1]:
                copy.write_row([str(cell) for cell in row])
    return time.perf_counter() - started


def _psycopg_params() -> dict:
    params = connection.get_connection_params()
    return {key: value for key, value in params.items() if key != "cursor_factory"}


def import_seconds(path: Path) -> tuple[float, object]:
    from amn.models import Committee
    from budget.services.ledger_import import import_ledger_file

    committee = Committee.objects.get(code="AMN")
    started = time.perf_counter()
    result = import_ledger_file(committee, path)
    return time.perf_counter() - started, result


def import_export_seconds(path: Path, sample: int) -> float:
    """django-import-export's ModelResource importing the same lines (a sample, timed)."""
    import tablib
    from import_export import resources

    from amn.models import Committee
    from budget.models import ImportStatus, LedgerImport, LedgerLine, SummaryRow

    class LedgerLineResource(resources.ModelResource):
        class Meta:
            model = LedgerLine
            fields = (
                "id",
                "ledger_import",
                "committee",
                "row",
                "year",
                "month",
                "measure",
                "account",
                "responsibility",
                "operation_code",
                "activity",
                "project",
                "amount",
                "source_row",
            )

    committee = Committee.objects.get(code="AMN")
    rows = dict(
        SummaryRow.objects.filter(
            committee=committee, year=2023, operation__isnull=False
        ).values_list("operation__code", "pk")
    )
    holder = LedgerImport.objects.create(
        committee=committee, file_name="import-export", checksum="-", status=ImportStatus.DISCARDED
    )
    dataset = tablib.Dataset(headers=list(LedgerLineResource.Meta.fields))
    for number, (
        period,
        account,
        responsibility,
        operation,
        activity,
        project,
        amount,
    ) in enumerate(read_rows(path)[4 : 4 + sample], start=5):
        dataset.append(
            [
                "",
                holder.pk,
                committee.pk,
                rows[str(int(operation))],
                int(period) // 100,
                int(period) % 100,
                "actual",
                str(int(account)),
                responsibility,
                str(int(operation)),
                activity,
                project,
                amount,
                number,
            ]
        )
    started = time.perf_counter()
    result = LedgerLineResource().import_data(dataset, dry_run=False, use_transactions=True)
    seconds = time.perf_counter() - started
    if result.has_errors():
        raise RuntimeError("django-import-export reported errors")
    holder.delete()
    return seconds


def peak_rss_mb(code: str) -> float:
    """Peak resident memory (VmHWM) of a separate Python process that runs `code`."""
    report = (
        "\nprint([line.split()[1] for line in open('/proc/self/status') "
        "if line.startswith('VmHWM')][0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code + report],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.split()[-1]) / 1024


def bench_import(lines: int, sample: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "huvudbok.xlsx"
        started = time.perf_counter()
        total = write_ledger(path, lines)
        print(
            f"generated {lines:,} lines ({path.stat().st_size / 1e6:.1f} MB, summa {total} kr) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        floor_seconds(path)  # warm the file cache and the connection
        floor = floor_seconds(path)
        whole, result = import_seconds(path)
        if result.status != "active":
            raise RuntimeError(f"the import was not stored: {result.status} {result.errors[:3]}")
        ratio = whole / floor
        print(
            f"import {lines:,} lines (read, validate, map, store, confirm): {whole:.2f} s; "
            f"floor (calamine + COPY): {floor:.2f} s; ratio {ratio:.2f} "
            f"(goal ≤ 2.0): {verdict(ratio <= 2.0)}"
        )
        sample = min(sample, lines)
        sampled = import_export_seconds(path, sample)
        extrapolated = sampled * lines / sample
        print(
            f"django-import-export ModelResource: {sampled:.2f} s for {sample:,} lines, "
            f"extrapolated to {lines:,}: {extrapolated:.1f} s; "
            f"{extrapolated / whole:.0f}× our import (goal ≥ 10×): "
            f"{verdict(extrapolated / whole >= 10)}"
        )
        bench_memory(path, lines)


def bench_memory(path: Path, lines: int) -> None:
    setup = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'amn.settings'); "
        "django.setup(); "
    )
    calamine = peak_rss_mb(
        f"from python_calamine import CalamineWorkbook; "
        f"CalamineWorkbook.from_path({str(path)!r}).get_sheet_by_index(0).to_python()"
    )
    ours = peak_rss_mb(
        setup + "from pathlib import Path; from amn.models import Committee; "
        "from budget.services.ledger_import import import_ledger_file, undo_ledger_import; "
        "from budget.models import LedgerImport; "
        "[undo_ledger_import(i) for i in LedgerImport.objects.filter(status='active')]; "
        f"r = import_ledger_file(Committee.objects.get(code='AMN'), Path({str(path)!r})); "
        "assert r.status == 'active', r.errors[:3]"
    )
    # The file is read in a process of its own (amn.lib.sandbox): its peak counts apart.
    reading = peak_rss_mb(
        setup + "import tempfile; from pathlib import Path; "
        "from budget.services.ledger_import import read_ledger_file; "
        "folder = tempfile.TemporaryDirectory(); "
        f"read_ledger_file(Path({str(path)!r}), 'huvudbok.xlsx', 'xlsx', None, "
        "Path(folder.name) / 'records'); folder.cleanup()"
    )
    print(
        f"peak memory of the import process ({lines:,} lines): {ours:.0f} MB, of its reading "
        f"process: {reading:.0f} MB (goal < 400 MB each): {verdict(max(ours, reading) < 400)}; "
        f"reading with calamine alone: {calamine:.0f} MB"
    )


def time_page(client, url: str, requests: int) -> tuple[float, float, int]:
    """Median and p95 milliseconds of `requests` GETs after five warm-ups, and the SQL
    queries of one request."""
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(queries)


def bench_goals(goals: int, requests: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from benchmarks.stored_goals import store_goals

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    pages = (
        ("nämndindikatorer (goal table)", "indicators:goal-table"),
        ("målbedömning overview", "indicators:assessment-overview"),
        ("indicator value entry", "indicators:value-entry"),
        ("goal table Excel download", "indicators:goal-table-xlsx"),
    )

    def time_pages(code: str, what: str) -> None:
        for title, name in pages:
            url = reverse(name, args=[code, 2023, 8])
            median, p95, queries = time_page(client, url, requests)
            print(
                f"{what}, {title}: median {median:.1f} ms, p95 {p95:.1f} ms over {requests} "
                f"requests, {queries} SQL queries a request"
            )

    time_pages("AMN", "demo AMN (12 nämndmål, the seeds' indicators)")
    started = time.perf_counter()
    committee, counts = store_goals(goals)
    print(
        f"stored {counts['goals']} nämndmål, {counts['indicators']} indicators, "
        f"{counts['series']} series, {counts['values']:,} values for {committee.code} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    time_pages(committee.code, f"{committee.code} ({counts['series']} series)")


def bench_page(stored: int, requests: int) -> None:
    from benchmarks.stored_ledger import store_ledger_years

    started = time.perf_counter()
    committee, years, count = store_ledger_years(stored)
    print(
        f"stored {count:,} ledger lines over {years} years for {committee.code} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from budget.services.operating_summary import build_operating_summary

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    url = reverse("budget:operating-summary", args=[committee.code, 2023, 8])
    median, p95, queries = time_page(client, url, requests)
    print(
        f"driftsammandrag page with {count:,} stored lines: median {median:.1f} ms, "
        f"p95 {p95:.1f} ms over {requests} requests, {queries} SQL queries a request "
        f"(goal median ≤ 100 ms): {verdict(median <= 100)}"
    )
    started = time.perf_counter()
    for _ in range(20):
        build_operating_summary(committee, 2023, 8)
    print(f"build_operating_summary alone: {(time.perf_counter() - started) / 20 * 1000:.1f} ms")


def bench_reports(requests: int) -> None:
    """The 2023 delårsrapport of the demo nämnd: the draft (built from live figures with
    the checks before publishing), publishing (which prints and stores the PDF), the
    published page as members read it, and its downloads."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from amn.models import ReportingPeriod
    from reports.models import PublishedPdf
    from reports.services.pdf import PdfUnavailable, pdf_bytes, standalone_html
    from reports.services.publishing import publish_report

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    period = ReportingPeriod.objects.get(committee__code="AMN", year=2023, month=8)
    started = time.perf_counter()
    published = publish_report(period, user, None, "Benchmark.", reconcile=False)
    stored = PublishedPdf.objects.filter(report=published).exists()
    print(
        f"publishing the 2023 delårsrapport: {(time.perf_counter() - started) * 1000:.0f} ms "
        f"({'PDF printed and stored' if stored else 'no PDF stored: Chromium missing'})"
    )
    args = ["AMN", period.pk, published.version]
    goals = {"published report page", "stored PDF download"}
    pages = (
        ("draft report (live figures and checks)", reverse("reports:draft", args=args[:2])),
        ("published report page", reverse("reports:version", args=args)),
        ("whole-report Excel download", reverse("reports:version-xlsx", args=args)),
        ("open data JSON", reverse("reports:version-json", args=args)),
        ("stored PDF download", reverse("reports:version-pdf", args=args)),
    )
    for title, url in pages:
        median, p95, queries = time_page(client, url, requests)
        goal = f" (goal median ≤ 100 ms): {verdict(median <= 100)}" if title in goals else ""
        print(
            f"{title}: median {median:.1f} ms, p95 {p95:.1f} ms over {requests} requests, "
            f"{queries} SQL queries a request{goal}"
        )
    try:
        started = time.perf_counter()
        size = len(pdf_bytes(standalone_html(published.title, published.html, published)))
        print(
            f"printing the PDF in headless Chromium (once, at publishing): "
            f"{time.perf_counter() - started:.1f} s, {size:,} bytes"
        )
    except PdfUnavailable as error:
        print(f"PDF: not measured ({error})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=["import", "page", "goals", "reports"])
    parser.add_argument("--goals", type=int, default=100, help="extra nämndmål to store")
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--stored", type=int, default=2_000_000)
    parser.add_argument("--sample", type=int, default=5_000, help="lines for import-export")
    parser.add_argument("--requests", type=int, default=60)
    arguments = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL (bin/bench does).")
    if "import" in arguments.which:
        bench_import(arguments.lines, arguments.sample)
    if "page" in arguments.which:
        bench_page(arguments.stored, arguments.requests)
    if "goals" in arguments.which:
        bench_goals(arguments.goals, arguments.requests)
    if "reports" in arguments.which:
        bench_reports(arguments.requests)


if __name__ == "__main__":
    main()
