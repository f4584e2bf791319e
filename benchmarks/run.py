#!/usr/bin/env python3
"""The benchmark suite: measures a database built by ``benchmarks/dataset.py`` through the
same code the platform runs, prints a table, writes ``benchmarks/results/<date>-<database>-<size>.json``
and regenerates ``benchmarks/RESULTS.md`` from every JSON file there.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aimak_bench .venv/bin/python benchmarks/run.py [--full]
    DATABASE_URL= AIMAK_VAR=/tmp/aimak-bench .venv/bin/python benchmarks/run.py --skip-dataset --only dashboards --seconds 3

Without ``--skip-dataset`` the dataset is built first (``benchmarks/dataset.py --size quick``,
or ``--size full`` with ``--full``), in the database the environment names; like dataset.py,
the suite refuses the project's own database (``var/`` or a PostgreSQL name without "bench").

What is measured (each measurement records its error and the suite goes on):

- import: values per second through the DHIS2 ``dataValueSets`` JSON and CSV import and the
  XLSX template import (``import_data_values`` and ``import_template`` as a superuser), for
  the values of one period's counted reports of the main monthly form (exported by the
  platform's own exporters, the reports then deleted and imported again), and the same rows
  loaded by the database's bulk load (PostgreSQL ``COPY``, SQLite ``executemany`` in one
  transaction) into a scratch copy of the values table with its indexes; the ratio of the two.
  Each import runs inside a transaction that is rolled back: the database is left as it was
  (so the figures leave out the final commit).
- freshness: a counted report is returned, one value changed, and ``reporting.submit`` timed
  until the report's rayon, oblast and national aggregates and index are recomputed (the
  refresh of the report's own areas is synchronous; it is checked by their ``computed_at``);
  then the background step that compares every other territory of the period with the moved
  national reference (``analytics.reconcile_index``) is timed on its own; rolled back.
- dashboards: the platform as it runs in production (ADR 0010): gunicorn, 2 x cores + 1 worker
  processes of 4 threads, DEBUG off, in a child process on a free loopback port, signed in as
  a superuser (a session and a CSRF cookie, as a browser has); a load generator of 1 and 16
  clients (wrk when installed, ``apt-get install wrk``; else Python threads with http.client;
  each client on one kept-alive connection, gzip accepted), after 2 s of untimed warm-up per
  endpoint, for ``--seconds``
  per endpoint and concurrency: p50/p95/p99. Answers are kept per data version
  (aimak/core/answers.py), so under load most requests are answered from the cache, as on a
  real morning; what a request costs when the data has just changed is measured too: each
  endpoint once in-process with the cache off (median of 3), its SQL captured and re-run raw
  with a cursor: that computed answer against the raw SQL (the ≤ 2× target) and against the
  kept answer.
- export: rows per second and peak memory (tracemalloc peak, and the maximum resident size of
  a fresh process) of the full CSV and XLSX export, through ``write_export`` like
  ``benchmarks/export_memory.py``, each in its own child process.
- pages: the national dashboard in headless Chromium (Debian's, through Playwright): bytes
  transferred (as sent, gzip where the server compresses) and first-contentful-paint.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS_DIR = BENCH / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimak.settings")

SECTIONS = ("import", "freshness", "dashboards", "export", "pages")
CHROMIUM = "/usr/bin/chromium"

# targets (PostgreSQL, full size)
T_IMPORT_RATE = 100_000   # values/s
T_IMPORT_VS_COPY = 3.0    # at most 3x slower than the database's bulk load
T_FRESHNESS = 2.0         # s
T_P95_MS = 100.0          # ms, at 16 concurrent clients
T_VS_RAW = 2.0            # answer within 2x of its raw SQL
T_EXPORT_RATE = 200_000   # rows/s
T_EXPORT_MB = 300.0       # MB
T_PAGE_KB = 600.0         # KB compressed
T_FCP = 1.5               # s


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ results


class Results:
    def __init__(self):
        self.figures: list[dict] = []
        self.errors: list[dict] = []
        self.notes: list[str] = []
        self.details: dict = {}

    def add(self, section, name, value, unit, target=None, met=None, **extra):
        figure = {"section": section, "name": name, "value": value, "unit": unit, "target": target, "met": met}
        figure.update({k: v for k, v in extra.items() if v is not None})
        self.figures.append(figure)
        shown = _fmt(value)
        log(f"  {section:<10} {name:<48} {shown:>12} {unit:<8} {target or '':<22} {_met(met)}")
        return figure

    def error(self, section, name, exc: BaseException):
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        self.errors.append({"section": section, "name": name, "error": text, "traceback": traceback.format_exc()[-4000:]})
        log(f"  {section:<10} {name:<48} ERROR {text}")


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _met(met) -> str:
    return "" if met is None else ("met" if met else "MISSED")


@contextlib.contextmanager
def guarded(results: Results, section: str, name: str):
    try:
        yield
    except Exception as exc:  # noqa: BLE001 (a failing measurement must not stop the suite)
        results.error(section, name, exc)


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back():
    """A transaction that is always rolled back: the measured database is left as it was."""
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def superuser():
    from aimak.accounts.models import User

    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        user = User.objects.create_superuser("benchmark", "benchmark@localhost", None)
    return user


# ------------------------------------------------------------------ machine and dataset


def machine() -> dict:
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "cpu_count": os.cpu_count()}
    try:
        models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        info["cpu_model"] = models[0] if models else platform.processor()
    except OSError:
        info["cpu_model"] = platform.processor()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        info["os"] = release.get("PRETTY_NAME", "").strip('"')
    except OSError:
        info["os"] = platform.system()
    import django

    info["django"] = django.get_version()
    return info


def database_info() -> dict:
    from django.conf import settings
    from django.db import connection

    out = {"vendor": connection.vendor}
    name = str(settings.DATABASES["default"].get("NAME"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), pg_database_size(current_database())")
            version, size = cursor.fetchone()
            out.update(version=version.split(",")[0], name=name, size_mb=round(size / 2**20, 1))
        else:
            import sqlite3

            out.update(version=f"SQLite {sqlite3.sqlite_version}", name=name)
            with contextlib.suppress(OSError):
                out["size_mb"] = round(Path(name).stat().st_size / 2**20, 1)
    return out


COUNTED_MODELS = [
    "territories.Territory", "monitoring.Report", "monitoring.DataValue", "monitoring.AggregateValue",
    "monitoring.IndexValue", "monitoring.Alert", "monitoring.ResponsePlan", "incidents.Incident",
    "programs.Program", "programs.Measure", "audit.AuditEvent",
]


def dataset_counts() -> dict:
    from django.apps import apps
    from django.db.models import Max, Min

    from aimak.monitoring.models import Report

    counts = {}
    for label in COUNTED_MODELS:
        with contextlib.suppress(LookupError):
            model = apps.get_model(label)
            counts[label] = model.objects.count()
    span = Report.objects.aggregate(first=Min("period_start"), last=Max("period_start"))
    counts["periods"] = f"{span['first']} … {span['last']}" if span["first"] else ""
    counts["periods_with_reports"] = Report.objects.order_by().values("period_start").distinct().count()
    return counts


def check_target_database() -> None:
    """Refuse to build a dataset in the project's own database (dataset.py refuses too)."""
    url = os.environ.get("DATABASE_URL") or ""
    if url:
        if "bench" not in url.rsplit("/", 1)[-1]:
            sys.exit("DATABASE_URL must name a database whose name contains 'bench' to build a dataset (or use --skip-dataset).")
    else:
        var = os.environ.get("AIMAK_VAR")
        if not var or Path(var).resolve() == (ROOT / "var").resolve():
            sys.exit("Set AIMAK_VAR to a scratch folder (not var/) or DATABASE_URL to a *bench* database (or use --skip-dataset).")


def build_dataset(full: bool) -> dict:
    script = BENCH / "dataset.py"
    if not script.exists():
        raise FileNotFoundError(f"{script} does not exist yet; run with --skip-dataset")
    check_target_database()
    command = [sys.executable, str(script), "--size", "full" if full else "quick", "--json"]
    log("building the dataset:", " ".join(command))
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    summary = {"seconds": round(time.perf_counter() - started, 1)}
    with contextlib.suppress(ValueError):
        summary["summary"] = json.loads(done.stdout)
    return summary


# ------------------------------------------------------------------ 1. import


def _import_subject(max_values: int, max_reports: int):
    """The main (non-register) monthly form, its latest period with counted reports, and the
    counted reports of that period (by territory code) up to the caps."""
    from django.db.models import Count

    from aimak.exchange.services import dhis2, spreadsheets
    from aimak.monitoring import periods
    from aimak.monitoring.models import DataValue, Report, ReportingForm

    forms = ReportingForm.objects.filter(is_register=False, period_type=periods.MONTHLY)
    best = (Report.objects.filter(form__in=forms, status__in=Report.COUNTED).values("form_id", "period_start")
            .annotate(n=Count("id")).order_by("-period_start", "-n").first())
    if best is None:
        raise RuntimeError("no counted report of a monthly form to import")
    form = ReportingForm.objects.get(pk=best["form_id"])
    span = periods.PeriodSpan(form.period_type, best["period_start"])
    reports = list(Report.objects.filter(form=form, period_start=span.start, status__in=Report.COUNTED)
                   .select_related("territory").order_by("territory__code"))
    chosen, total = [], 0
    limit = min(max_values, dhis2.MAX_VALUES)
    for report in reports[:min(max_reports, spreadsheets.MAX_ROWS)]:
        n = DataValue.objects.filter(report=report).count()
        if chosen and total + n > limit:
            break
        chosen.append(report)
        total += n
    return form, span, chosen, total


def _delete_reports(report_ids) -> None:
    from aimak.monitoring.models import Report

    Report.objects.filter(pk__in=report_ids).delete()


def _value_rows(report_ids) -> tuple[list[str], list[tuple]]:
    from aimak.monitoring.models import DataValue

    columns = [f.column for f in DataValue._meta.concrete_fields]
    attnames = [f.attname for f in DataValue._meta.concrete_fields]
    rows = list(DataValue.objects.filter(report_id__in=report_ids).order_by("pk").values_list(*attnames))
    return columns, rows


def _bulk_load(columns: list[str], rows: list[tuple]) -> float:
    """Seconds to load ``rows`` into a scratch copy of the values table (with its indexes) by
    the database's own bulk load; the table disappears with the rolled-back transaction."""
    from django.db import connection

    from aimak.monitoring.models import DataValue

    table = DataValue._meta.db_table
    scratch = "bench_copy_datavalue"
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    seconds = 0.0
    with rolled_back(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMP TABLE {scratch} (LIKE {table} INCLUDING ALL)")
            started = time.perf_counter()
            with cursor.cursor.copy(f"COPY {scratch} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            seconds = time.perf_counter() - started
        else:
            cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL", [table])
            ddl = cursor.fetchall()
            for kind, name, sql in sorted(ddl, key=lambda d: d[0] != "table"):
                sql = sql.replace(f'"{table}"', f'"{scratch}"')
                if kind == "index":
                    sql = sql.replace(f'"{name}"', f'"bench_{name}"')
                cursor.execute(sql)
            marks = ", ".join(["%s"] * len(columns))
            started = time.perf_counter()
            cursor.executemany(f'INSERT INTO "{scratch}" ({quoted}) VALUES ({marks})', rows)
            seconds = time.perf_counter() - started
    return seconds


def measure_import(results: Results, args) -> None:
    from django.utils import translation

    from aimak.exchange.selectors import dhis2 as dhis2_selectors
    from aimak.exchange.services import dhis2, spreadsheets

    user = superuser()
    form, span, reports, total = _import_subject(args.import_values, args.import_reports)
    ids = [r.pk for r in reports]
    territories = [r.territory for r in reports]
    codes = {t.code for t in territories}
    results.details["import"] = {"form": form.code, "period": span.code, "reports": len(reports), "values": total}
    log(f"import: form {form.code}, period {span.code}, {len(reports)} reports, {total} values")
    filters = dhis2_selectors.ExportFilters(forms=[form], territories=territories, spans=[span])
    with translation.override("ru"):
        payload_json = "".join(dhis2_selectors.export_json_chunks(user, filters, chunk=2000)).encode()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(dhis2.CSV_HEADER)
        writer.writerows(dhis2_selectors.export_csv_rows(user, filters))
        payload_csv = out.getvalue().encode()
        workbook = spreadsheets.build_template(user, form, span, filled=True)
    payload_xlsx = _only_rows(workbook, codes)
    columns, rows = _value_rows(ids)
    n = len(rows)
    platform_rates = {}

    def run_dhis2(fmt, payload):
        with rolled_back():
            _delete_reports(ids)
            started = time.perf_counter()
            summary = dhis2.import_data_values(user, payload, fmt=fmt, options=dhis2.ImportOptions())
            seconds = time.perf_counter() - started
        if summary.status != "SUCCESS" or summary.imported != n:
            raise RuntimeError(f"{fmt} import: {summary.status}, imported {summary.imported} of {n}; "
                               f"conflicts: {[c for c in summary.as_dict().get('conflicts', [])][:3]}")
        return seconds

    def run_xlsx():
        with rolled_back():
            _delete_reports(ids)
            started = time.perf_counter()
            result = spreadsheets.import_template(user, payload_xlsx, form, span)
            seconds = time.perf_counter() - started
        written = sum(len(r.values) for r in result.rows if r.outcome in ("created", "updated"))
        if not result.committed or written != n:
            raise RuntimeError(f"xlsx import: committed={result.committed}, created={result.created}, "
                               f"{written} of {n} values, rejected={result.rejected}")
        return seconds

    for name, run in (("DHIS2 JSON", lambda: run_dhis2("json", payload_json)),
                      ("DHIS2 CSV", lambda: run_dhis2("csv", payload_csv)),
                      ("XLSX template", run_xlsx)):
        with guarded(results, "import", name):
            seconds = run()
            rate = n / seconds
            platform_rates[name] = rate
            results.add("import", f"{name} import ({n:,} values, {len(reports)} reports)", rate, "values/s",
                        f"≥ {T_IMPORT_RATE:,}", rate >= T_IMPORT_RATE, seconds=round(seconds, 3), values=n)
    from django.db import connection

    bulk_name = "COPY" if connection.vendor == "postgresql" else "executemany"
    with guarded(results, "import", bulk_name):
        seconds = min(_bulk_load(columns, rows) for _ in range(3))
        copy_rate = n / seconds
        results.add("import", f"bulk load ({bulk_name}, same rows)", copy_rate, "values/s", None, None, seconds=round(seconds, 4))
        for name, rate in platform_rates.items():
            ratio = copy_rate / rate
            results.add("import", f"{name}: bulk load / import", ratio, "×", f"≤ {T_IMPORT_VS_COPY:g}×", ratio <= T_IMPORT_VS_COPY)


def _only_rows(workbook: bytes, codes: set[str]) -> bytes:
    """The filled template with only the rows of ``codes`` (the others blanked)."""
    from openpyxl import load_workbook

    from aimak.exchange.services import spreadsheets

    book = load_workbook(io.BytesIO(workbook))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=spreadsheets.FIRST_ROW):
        code = str(row[0].value or "").strip()
        if code and code not in codes:
            for cell in row:
                cell.value = None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------ 2. freshness


def measure_freshness(results: Results, args) -> None:
    from django.db.models import Q

    from aimak.monitoring.models import (
        AggregateValue,
        DataValue,
        IndexValue,
        Indicator,
        Report,
    )
    from aimak.monitoring.services import analytics, reporting
    from aimak.territories.models import Territory

    user = superuser()
    candidates = list(
        Report.objects.filter(form__is_register=False, status__in=Report.COUNTED)
        .filter(Q(territory__path__isnull=False)).select_related("territory", "form")
        .order_by("-period_start", "territory__code")[:200]
    )
    counted_types = (Indicator.ValueType.COUNT, Indicator.ValueType.NUMBER)
    samples, levels_seen = [], {}
    for report in candidates:
        if len(samples) >= args.freshness_samples:
            break
        value = (DataValue.objects.filter(report=report, category="", indicator__value_type__in=counted_types)
                 .select_related("indicator").order_by("indicator__code").first())
        if value is None:
            continue
        paths = analytics.area_paths(report.territory_path or report.territory.path)
        area_ids = [analytics.area_id(p) for p in paths]
        areas = {t.pk: t for t in Territory.objects.filter(pk__in=area_ids)}
        wanted = {lvl: pk for pk, t in areas.items() for lvl in (0, 1, 2) if t.level == lvl}
        with rolled_back():
            if report.is_locked:
                reporting.reopen(user, report, "benchmark")
            else:
                reporting.return_report(user, report, "benchmark")
            report.refresh_from_db()
            key = (value.indicator.code, value.category)
            reporting.save_draft(user, report, {key: str(int(value.value) + 7)})
            report.refresh_from_db()
            mark = datetime.now().astimezone() - timedelta(milliseconds=1)
            started = time.perf_counter()
            reporting.submit(user, report)
            seconds = time.perf_counter() - started
            fresh = {}
            for lvl, pk in wanted.items():
                agg = AggregateValue.objects.filter(territory_id=pk, period_start=report.period_start,
                                                    indicator=value.indicator, category="", computed_at__gte=mark).exists()
                idx = IndexValue.objects.filter(territory_id=pk, period_type=report.period_type, period_start=report.period_start,
                                                computed_at__gte=mark).exists()
                fresh[{0: "national", 1: "oblast", 2: "rayon"}[lvl]] = {"aggregate": agg, "index": idx}
            seconds_checked = time.perf_counter() - started
            began = time.perf_counter()
            analytics.reconcile_index(report.period_type, report.period_start)
            reconcile = time.perf_counter() - began
        ok = all(v["aggregate"] and v["index"] for v in fresh.values()) and len(fresh) == 3
        samples.append({"report": report.pk, "territory": report.territory.code, "period": str(report.period_start),
                        "seconds": round(seconds, 4), "seconds_with_check": round(seconds_checked, 4), "fresh": fresh, "ok": ok,
                        "reconcile_seconds": round(reconcile, 4)})
        levels_seen.update(fresh)
    if not samples:
        raise RuntimeError("no counted report with a numeric value to resubmit")
    results.details["freshness"] = samples
    times = [s["seconds_with_check"] for s in samples]
    all_fresh = all(s["ok"] for s in samples)
    results.add("freshness", f"submit → rayon/oblast/national aggregates, index, alerts (median of {len(times)})",
                statistics.median(times), "s", f"< {T_FRESHNESS:g} s", statistics.median(times) < T_FRESHNESS and all_fresh,
                max=round(max(times), 4), all_levels_fresh=all_fresh)
    results.add("freshness", "slowest submission", max(times), "s", f"< {T_FRESHNESS:g} s", max(times) < T_FRESHNESS and all_fresh)
    reconciles = [s["reconcile_seconds"] for s in samples]
    results.add("freshness", "then, in the background: every other territory's index of the period (median)",
                statistics.median(reconciles), "s", None, None, max=round(max(reconciles), 4))


# ------------------------------------------------------------------ 3. dashboards


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_processes() -> int:
    """Worker processes of the measured server: gunicorn's usual 2 x cores + 1."""
    return 2 * (os.cpu_count() or 1) + 1


@contextlib.contextmanager
def running_server(processes: int | None = None, threads: int = 4):
    """The platform as it runs in production (docs/decisions/0010): gunicorn with ``processes``
    worker processes of ``threads`` threads each, on a free loopback port."""
    port = free_port()
    processes = processes or server_processes()
    env = {**os.environ, "DEBUG": "0"}
    logfile = tempfile.NamedTemporaryFile("w+", prefix="aimak-bench-server-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "aimak.wsgi:application", "--bind", f"127.0.0.1:{port}",
                             "--workers", str(processes), "--threads", str(threads), "--worker-class", "gthread",
                             "--backlog", "256", "--timeout", "120", "--log-level", "warning"],
                            cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if proc.poll() is not None:
                logfile.seek(0)
                raise RuntimeError(f"the server stopped: {logfile.read()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start within 60 s")
        yield f"http://127.0.0.1:{port}", port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        logfile.close()
        with contextlib.suppress(OSError):
            os.unlink(logfile.name)


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def browser_cookies(session: str) -> str:
    """The Cookie header of a signed-in browser: its session and a CSRF cookie (pages are kept
    per CSRF cookie, see aimak/core/answers.py; a browser has one after its first page)."""
    from django.middleware.csrf import _get_new_csrf_string

    return f"sessionid={session}; csrftoken={_get_new_csrf_string()}"


def fetch(port: int, path: str, cookie: str, conn=None) -> tuple[int, int, float]:
    """One GET; on ``conn`` (kept alive, as a browser keeps its connection) or a new one."""
    import http.client

    started = time.perf_counter()
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip", "Host": "127.0.0.1"})
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body), time.perf_counter() - started
    finally:
        if own:
            conn.close()


def load(port: int, path: str, cookie: str, clients: int, seconds: float) -> dict:
    import http.client

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop_at:
            try:
                status, size, elapsed = fetch(port, path, cookie, conn)
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(elapsed)
                    sizes.append(size)
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    out = {"clients": clients, "requests": len(latencies), "seconds": round(wall, 2), "statuses": statuses,
           "errors": len(errors), "throughput_rps": round(len(latencies) / wall, 1) if wall else None,
           "bytes": int(statistics.median(sizes)) if sizes else None}
    if errors:
        out["first_error"] = errors[0]
    if latencies:
        latencies.sort()
        out.update(p50_ms=_pct(latencies, 50) * 1000, p95_ms=_pct(latencies, 95) * 1000, p99_ms=_pct(latencies, 99) * 1000)
    return out


WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d}\\n', summary.requests, summary.duration, summary.bytes,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def load_generator() -> str:
    """wrk (C, from Debian's package) when installed: it leaves the two cores to the server under
    test, where a Python generator's own threads would take a share and queue on their GIL.
    Otherwise the threaded Python generator below."""
    return "wrk" if shutil.which("wrk") else "python"


def load_wrk(port: int, path: str, cookie: str, clients: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    try:
        done = subprocess.run(
            ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "--timeout", "60s",
             "-H", f"Cookie: {cookie}", "-H", "Accept-Encoding: gzip", "-s", script.name, f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, timeout=seconds + 120, check=True)
    finally:
        os.unlink(script.name)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    wall = figures["duration_us"] / 1e6
    ok = figures["requests"] - figures["status_errors"]
    out = {"clients": clients, "requests": ok, "seconds": round(wall, 2), "errors": figures["status_errors"] + figures["socket_errors"],
           "throughput_rps": round(ok / wall, 1) if wall else None,
           "bytes": int(figures["bytes"] / figures["requests"]) if figures["requests"] else None, "generator": "wrk"}
    if ok:
        out.update(p50_ms=figures["p50_us"] / 1000, p95_ms=figures["p95_us"] / 1000, p99_ms=figures["p99_us"] / 1000)
    return out


def _pct(sorted_values: list[float], p: float) -> float:
    if len(sorted_values) == 1:
        return sorted_values[0]
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def dashboard_endpoints(user) -> list[tuple[str, str]]:
    from django.db.models import Count
    from django.urls import reverse

    from aimak.monitoring import periods
    from aimak.monitoring.models import IndexValue
    from aimak.monitoring.selectors import dashboards as selectors

    latest = selectors.latest_period(user)
    period = periods.PeriodSpan(periods.MONTHLY, latest).code if latest else ""
    map_data = reverse("monitoring:map-data")
    # the rayon (level 2) with the longest index history: the territory page and its trend
    best = (IndexValue.objects.filter(period_type=periods.MONTHLY).values("territory_id", "territory__code", "territory__path")
            .annotate(n=Count("id")).order_by("-n", "territory__code"))
    from aimak.territories.models import Territory

    chosen = None
    for row in best[:200]:
        t = Territory.objects.get(pk=row["territory_id"])
        if t.level == 2:
            chosen = t
            break
    chosen = chosen or (Territory.objects.get(pk=best[0]["territory_id"]) if best else None)
    endpoints = [(f"map data level {lvl} ({name})", f"{map_data}?period={period}&level={lvl}")
                 for lvl, name in ((1, "oblasts"), (2, "rayons"), (3, "aiyl aimaks"))]
    if chosen is not None:
        start = (latest or date.today()).replace(day=1)
        ten_years = periods.PeriodSpan(periods.MONTHLY, start.replace(year=start.year - 10)).code
        endpoints.append((f"10-year trend + breakdown API ({chosen.code})",
                          f"/api/monitoring/index/?territory={chosen.code}&territory_level={chosen.level}&period_type=monthly"
                          f"&period_from={ten_years}&limit=120"))
        endpoints.append((f"territory page ({chosen.code})", reverse("monitoring:territory", args=[chosen.code])))
    endpoints.append(("alert inbox page", reverse("monitoring:alerts")))
    endpoints.append(("alerts API (open)", "/api/monitoring/alerts/?open=true"))
    endpoints.append(("national dashboard page", reverse("monitoring:overview")))
    return endpoints


def capture_sql(user, path: str) -> tuple[list[tuple[str, object]], float, int]:
    """The SELECTs one computed request of ``path`` issues (in-process, answer cache off), and
    the median time of three such requests."""
    from django.db import connection
    from django.test import Client, override_settings

    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(user)
    captured = []

    def wrapper(execute, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with override_settings(AIMAK_ANSWER_CACHE_SECONDS=0):
        client.get(path)  # warm
        times = []
        for i in range(3):
            started = time.perf_counter()
            if i == 0:
                with connection.execute_wrapper(wrapper):
                    response = client.get(path)
            else:
                response = client.get(path)
            times.append(time.perf_counter() - started)
    return captured, statistics.median(times), response.status_code


def time_raw(queries, repeat: int = 5) -> tuple[float, list[tuple[float, str]]]:
    """Median seconds to re-run every captured SELECT (fetching all rows), and each query's time."""
    from django.db import connection

    runs, per_query = [], {}
    for _ in range(repeat):
        total = 0.0
        with connection.cursor() as cursor:
            for i, (sql, params) in enumerate(queries):
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                spent = time.perf_counter() - started
                total += spent
                per_query.setdefault(i, []).append(spent)
        runs.append(total)
    each = sorted(((statistics.median(v), queries[i][0]) for i, v in per_query.items()), reverse=True)
    return statistics.median(runs), each


def measure_dashboards(results: Results, args) -> None:
    user = superuser()
    endpoints = dashboard_endpoints(user)
    cookie = browser_cookies(session_cookie(user))
    details = results.details.setdefault("dashboards", {})
    raw = {}
    for name, path in endpoints:
        with guarded(results, "dashboards", f"{name}: raw SQL"):
            queries, in_process, status = capture_sql(user, path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            raw_seconds, each = time_raw(queries)
            raw[name] = raw_seconds
            details.setdefault(name, {})["sql"] = {
                "path": path, "queries": len(queries), "raw_ms": round(raw_seconds * 1000, 2),
                "in_process_ms": round(in_process * 1000, 2),
                "slowest": [{"ms": round(s * 1000, 2), "sql": q[:4000]} for s, q in each[:3]],
            }
    with running_server(args.server_processes) as (_base, port):
        # Warm the server (untimed): every process and thread opens its database connection,
        # loads its templates and translations, and every answer is computed once.
        for _name, path in endpoints:
            (load_wrk if load_generator() == "wrk" else load)(port, path, cookie, max(args.clients), 2)
        for name, path in endpoints:
            with guarded(results, "dashboards", name):
                status, _size, _elapsed = fetch(port, path, cookie)  # warm-up
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                for clients in args.clients:
                    figures = (load_wrk if load_generator() == "wrk" else load)(port, path, cookie, clients, args.seconds)
                    details.setdefault(name, {})[f"c{clients}"] = figures
                    if not figures.get("requests"):
                        raise RuntimeError(f"no successful request at {clients} clients: {figures}")
                    met = figures["p95_ms"] < T_P95_MS if clients >= 16 else None
                    results.add("dashboards", f"{name} ×{clients}", figures["p95_ms"], "ms p95",
                                f"< {T_P95_MS:g} ms (16 clients)" if clients >= 16 else None, met,
                                p50_ms=round(figures["p50_ms"], 2), p99_ms=round(figures["p99_ms"], 2),
                                requests=figures["requests"], rps=figures["throughput_rps"], bytes=figures["bytes"],
                                errors=figures["errors"], path=path)
                    if clients == 1 and name in raw:
                        sql = details[name]["sql"]
                        computed = sql["in_process_ms"] / 1000
                        ratio = computed / raw[name] if raw[name] > 0 else None
                        results.add("dashboards", f"{name}: computed answer / raw SQL", ratio, "×", f"≤ {T_VS_RAW:g}×",
                                    ratio is not None and ratio <= T_VS_RAW, raw_ms=round(raw[name] * 1000, 2),
                                    computed_ms=round(computed * 1000, 2), queries=sql["queries"])
                        kept = figures["p50_ms"] / 1000
                        results.add("dashboards", f"{name}: kept answer p50 / raw SQL", kept / raw[name] if raw[name] > 0 else None,
                                    "×", None, None, kept_ms=round(figures["p50_ms"], 2))


# ------------------------------------------------------------------ 4. export


def export_child(kind: str, traced: bool) -> None:
    """One export in this (fresh) process; prints one JSON line."""
    import tracemalloc

    import django

    django.setup()
    from django.utils import translation
    from export_memory import rss_mb

    from aimak.exchange.selectors import exports as selectors
    from aimak.exchange.services.exports import write_export

    user = superuser()
    written = [0]
    with tempfile.TemporaryDirectory() as folder, translation.override("ru"):
        path = Path(folder) / f"{kind}.out"
        before = rss_mb()
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        write_export(kind, user, selectors.Filters(), path, lambda n: written.__setitem__(0, n))
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
        tracemalloc.stop()
        print(json.dumps({"kind": kind, "rows": written[0], "seconds": seconds, "file_mb": path.stat().st_size / 2**20,
                          "tracemalloc_peak_mb": peak, "maxrss_before_mb": before, "maxrss_mb": rss_mb()}))


def _run_export_child(kind: str, traced: bool) -> dict:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--_export-child", kind] + (["--_traced"] if traced else []),
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_export(results: Results, args) -> None:
    details = results.details.setdefault("export", {})
    for kind in args.export_kinds:
        with guarded(results, "export", kind):
            plain = _run_export_child(kind, traced=False)
            traced = _run_export_child(kind, traced=True)
            details[kind] = {"untraced": plain, "traced": traced}
            rate = plain["rows"] / plain["seconds"] if plain["seconds"] else None
            results.add("export", f"{kind}: full export ({plain['rows']:,} rows, {plain['file_mb']:.1f} MB)", rate, "rows/s",
                        f"≥ {T_EXPORT_RATE:,}", rate is not None and rate >= T_EXPORT_RATE, seconds=round(plain["seconds"], 2))
            results.add("export", f"{kind}: tracemalloc peak", traced["tracemalloc_peak_mb"], "MB", f"< {T_EXPORT_MB:g} MB",
                        traced["tracemalloc_peak_mb"] < T_EXPORT_MB)
            results.add("export", f"{kind}: process max RSS (before: {plain['maxrss_before_mb']:.0f} MB)", plain["maxrss_mb"], "MB",
                        f"< {T_EXPORT_MB:g} MB", plain["maxrss_mb"] < T_EXPORT_MB)


# ------------------------------------------------------------------ 5. pages


PERF_SCRIPT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const fp = performance.getEntriesByName('first-paint')[0];
  return {
    fcp_ms: fcp ? fcp.startTime : null,
    fp_ms: fp ? fp.startTime : null,
    dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
    load_ms: nav ? nav.loadEventEnd : null,
    transfer_bytes: (nav ? nav.transferSize : 0) + res.reduce((s, r) => s + (r.transferSize || 0), 0),
    decoded_bytes: (nav ? nav.decodedBodySize : 0) + res.reduce((s, r) => s + (r.decodedBodySize || 0), 0),
    document_transfer_bytes: nav ? nav.transferSize : null,
    resources: res.map(r => ({name: r.name.replace(location.origin, ''), transfer: r.transferSize, decoded: r.decodedBodySize,
                              type: r.initiatorType})),
  };
}"""


def measure_pages(results: Results, args) -> None:
    from django.urls import reverse
    from playwright.sync_api import sync_playwright

    user = superuser()
    cookie = session_cookie(user)
    path = reverse("monitoring:overview")
    runs = []
    with running_server() as (base, port), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            for i in range(args.page_loads + 1):  # the first load warms the server, not counted
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
                outside: list[str] = []

                def route(r, outside=outside):
                    if r.request.url.startswith(base):
                        return r.continue_()
                    outside.append(r.request.url)
                    return r.abort()

                context.route("**/*", route)
                sent = []
                page = context.new_page()
                page.on("requestfinished", lambda req, sent=sent: sent.append(req))
                response = page.goto(base + path, wait_until="load", timeout=60_000)
                if response is None or response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status if response else None}")
                with contextlib.suppress(Exception):
                    page.wait_for_load_state("networkidle", timeout=15_000)
                perf = page.evaluate(PERF_SCRIPT)
                wire = 0
                for req in sent:
                    with contextlib.suppress(Exception):
                        sizes = req.sizes()
                        wire += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                perf["playwright_wire_bytes"] = wire
                perf["requests"] = len(sent)
                perf["blocked_outside_requests"] = outside
                if i:
                    runs.append(perf)
                context.close()
        finally:
            browser.close()
    results.details["pages"] = {"path": path, "runs": runs}
    fcp = statistics.median(r["fcp_ms"] for r in runs if r["fcp_ms"] is not None) / 1000
    transfer = statistics.median(r["transfer_bytes"] for r in runs) / 1024
    wire = statistics.median(r["playwright_wire_bytes"] for r in runs) / 1024
    decoded = statistics.median(r["decoded_bytes"] for r in runs) / 1024
    results.add("pages", f"national dashboard: bytes transferred ({runs[0]['requests']} requests, cold cache)", transfer, "KB",
                f"< {T_PAGE_KB:g} KB", transfer < T_PAGE_KB, wire_kb=round(wire, 1), decoded_kb=round(decoded, 1))
    results.add("pages", "national dashboard: first contentful paint (median)", fcp, "s", f"< {T_FCP:g} s", fcp < T_FCP,
                loads=len(runs), load_event_s=round(statistics.median(r["load_ms"] for r in runs) / 1000, 3))


# ------------------------------------------------------------------ output


def write_outputs(record: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    name = f"{record['date']}-{record['database']['vendor']}-{record['size']}.json"
    path = RESULTS_DIR / name
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    regenerate_markdown()
    return path


def regenerate_markdown() -> None:
    lines = ["# Benchmark results", "",
             "Generated by `benchmarks/run.py` from the JSON files in `benchmarks/results/` (do not edit by hand).",
             "Targets are for PostgreSQL at full size; runs at other sizes show them for comparison only.", ""]
    for path in sorted(RESULTS_DIR.glob("*.json"), reverse=True):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        m, db = record.get("machine", {}), record.get("database", {})
        lines += [f"## {record.get('date')} · {db.get('vendor')} · {record.get('size')}", "",
                  f"- file: `results/{path.name}`; command: `{record.get('command', '')}`",
                  f"- machine: {m.get('cpu_model')} × {m.get('cpu_count')} CPUs, {m.get('memory_gb')} GB, {m.get('os')}; "
                  f"Python {m.get('python')}, Django {m.get('django')}",
                  f"- database: {db.get('version')} ({db.get('size_mb', '?')} MB)"
                  + (f"; server: {record['settings']['server']}" if record.get("settings", {}).get("server") else ""),
                  "- dataset: " + ", ".join(f"{k.split('.')[-1]} {_fmt(v)}" for k, v in record.get("dataset", {}).items()),
                  ""]
        if record.get("notes"):
            lines += [f"- note: {n}" for n in record["notes"]] + [""]
        lines += ["| section | measurement | value | unit | target | met | also |", "|---|---|---:|---|---|---|---|"]
        for f in record.get("figures", []):
            lines.append(f"| {f['section']} | {f['name']} | {_fmt(f['value'])} | {f['unit']} | {f.get('target') or ''} | {_met(f.get('met'))} | {_extras(f)} |")
        for e in record.get("errors", []):
            lines.append(f"| {e['section']} | {e['name']} | error | | | | {e['error'][:200].replace('|', '/')} |")
        lines.append("")
    (BENCH / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")


EXTRAS = {"p50_ms": "p50 {} ms", "p99_ms": "p99 {} ms", "rps": "{} req/s", "requests": "{} requests", "raw_ms": "raw SQL {} ms",
          "queries": "{} queries", "seconds": "{} s", "wire_kb": "{} KB on the wire", "decoded_kb": "{} KB decoded",
          "load_event_s": "load event {} s", "max": "max {} s", "computed_ms": "computed {} ms", "kept_ms": "kept {} ms"}


def _extras(figure: dict) -> str:
    return ", ".join(text.format(_fmt(figure[key])) for key, text in EXTRAS.items() if figure.get(key) is not None)


def print_table(record: dict) -> None:
    print()
    print(f"{'section':<10} {'measurement':<70} {'value':>12} {'unit':<8} {'target':<24} met")
    for f in record["figures"]:
        print(f"{f['section']:<10} {f['name'][:70]:<70} {_fmt(f['value']):>12} {f['unit']:<8} {f.get('target') or '':<24} {_met(f.get('met')):<7} {_extras(f)}")
    for e in record["errors"]:
        print(f"{e['section']:<10} {e['name'][:70]:<70} {'ERROR':>12} {e['error'][:120]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the full-size dataset (default: quick)")
    parser.add_argument("--skip-dataset", action="store_true", help="measure the database as it is")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated: " + ",".join(SECTIONS))
    parser.add_argument("--seconds", type=float, default=None, help="seconds per endpoint and concurrency (default 10 quick, 30 full)")
    parser.add_argument("--clients", default="1,16", help="concurrencies of the load generator (default 1,16)")
    parser.add_argument("--label", default=None, help="size label of the results file (default quick/full)")
    parser.add_argument("--import-values", type=int, default=None, help="values to import at most (default 20,000 quick, 100,000 full)")
    parser.add_argument("--import-reports", type=int, default=None, help="reports to import at most (default 100 quick, 500 full)")
    parser.add_argument("--freshness-samples", type=int, default=3)
    parser.add_argument("--export-kinds", default="values_csv,values_xlsx")
    parser.add_argument("--page-loads", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; write no results file")
    parser.add_argument("--server-processes", type=int, help="gunicorn worker processes (default 2 x cores + 1)")
    parser.add_argument("--_export-child", help=argparse.SUPPRESS)
    parser.add_argument("--_traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._export_child:
        return export_child(args._export_child, args._traced)

    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    size = "full" if args.full else "quick"
    args.seconds = args.seconds or (30.0 if args.full else 10.0)
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    args.import_values = args.import_values or (100_000 if args.full else 20_000)
    args.import_reports = args.import_reports or (500 if args.full else 100)
    args.export_kinds = [k.strip() for k in args.export_kinds.split(",") if k.strip()]

    results = Results()
    record = {"date": date.today().isoformat(), "size": args.label or size, "command": " ".join(["benchmarks/run.py", *sys.argv[1:]]),
              "started_at": datetime.now().astimezone().isoformat(timespec="seconds")}
    if not args.skip_dataset:
        try:
            record["dataset_build"] = build_dataset(args.full)
        except Exception as exc:  # noqa: BLE001
            results.error("dataset", "build", exc)
            log("the dataset could not be built; measuring the database as it is")

    import django

    django.setup()
    record["machine"] = machine()
    record["database"] = database_info()
    record["dataset"] = dataset_counts()
    log(f"database: {record['database']}")
    log(f"dataset: {record['dataset']}")
    measures = {"import": measure_import, "freshness": measure_freshness, "dashboards": measure_dashboards,
                "export": measure_export, "pages": measure_pages}
    for section in SECTIONS:
        if section not in only:
            continue
        log(f"--- {section}")
        started = time.perf_counter()
        with guarded(results, section, "(section)"):
            measures[section](results, args)
        log(f"    {section}: {time.perf_counter() - started:.1f} s")
    if "import" in only or "freshness" in only:
        results.notes.append("import and freshness run inside transactions that are rolled back: their times leave out the final commit.")
    record.update(finished_at=datetime.now().astimezone().isoformat(timespec="seconds"), figures=results.figures,
                  errors=results.errors, notes=results.notes, details=results.details,
                  settings={"seconds": args.seconds, "clients": args.clients, "import_values": args.import_values,
                            "import_reports": args.import_reports, "export_kinds": args.export_kinds,
                            "server": f"gunicorn, {args.server_processes or server_processes()} processes x 4 threads",
                            "load_generator": load_generator()})
    print_table(record)
    if not args.no_write:
        path = write_outputs(record)
        print(f"\nwritten: {path.relative_to(ROOT)} and benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
