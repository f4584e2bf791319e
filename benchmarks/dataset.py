#!/usr/bin/env python3
"""A national-scale benchmark dataset: seeded, reproducible, sized by a parameter.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aimak_bench .venv/bin/python benchmarks/dataset.py --size full
    DATABASE_URL= AIMAK_VAR=/tmp/aimak-bench .venv/bin/python benchmarks/dataset.py --size quick --reset

What it builds (``--size full``): every current aiyl aimak, town and city of oblast significance of
the gazetteer (483 in the reference data), 120 monthly periods ending last month, 60 indicators
per municipality and month (the starting catalogue's monthly form and incident register, plus
``bench-...`` indicators with sex and sex-by-age parts in a benchmark form, enough to reach 60),
about 10 million values in approved reports, 50,000 incidents with their history and the
incident register counted from them, and one approved development program per municipality
with 30 measures (with funding lines), goals and a few indicators with yearly targets. Then the
aggregates, the tension index and the alerts are computed period by period by the platform's
own ``analytics.recompute_period`` (what ``recompute_monitoring`` runs). ``--size quick`` is
about 1% of that: 12 months of 48 municipalities spread over the country, ~500 incidents.

Where it may write: a SQLite file in ``AIMAK_VAR`` (which must be set, and not be the project's
``var/``) or a PostgreSQL database whose name contains "bench". ``--reset`` drops that database
(deletes the SQLite file) first; without it a database that already holds a benchmark dataset
is left alone. Reference data (territories, the indicator catalogue, incident types, program
editions) is loaded when missing, through the usual commands.

Configuration it changes in that database (through the catalogue import, so audited as usual):
the benchmark form and indicators are added; the catalogue's monthly form is assigned to the
whole country (aiyl aimaks, towns, cities) and its first period (and the incident register's)
moved back to the first generated month, as a national roll-out would.

How it writes: rows are built in Python from ``random.Random`` streams seeded per place (and per
place and month for incidents), walked in sorted order, and written a month at a time with
explicit ids: PostgreSQL ``COPY`` (psycopg 3), SQLite ``executemany``; one transaction per
month. No per-row audit records: one audit record names what the run wrote (as the monitoring
demo does). The incident register is not rebuilt by ``register.rebuild`` (it would hold a
million ``DataValue`` objects in memory at full size): its values are counted here from the
generated incidents by the same rules and written with the other values, and ``--verify``
compares them with ``register.grouped_counts`` over the stored incidents.

Reproducibility: the same seed, size and end month give the same rows; the summary prints a
checksum of every value (territory code, period, indicator code, category, value; an
order-independent sum of 64-bit hashes), computed while generating and, with ``--verify``
(default at quick size), read back from the database.

The summary (counts per table, seconds per phase, database size) is printed at the end;
``--json`` prints it as JSON on stdout instead (progress then goes to stderr)."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimak.settings")

INTEGRATION = "benchmark dataset"
FULL_MONTHS = 120
FULL_INCIDENTS = 50_000
QUICK_MONTHS = 12
QUICK_MUNICIPALITIES = 48
INDICATORS_PER_PLACE = 60
MEASURES_PER_PROGRAM = 30
MUNICIPAL_KINDS = ["aiyl_aimak", "town", "city"]
COUNTRY = "41700000000000"

OUT = sys.stdout


def say(text: str) -> None:
    print(text, file=OUT, flush=True)


# --------------------------------------------------------------------------------------------
# Where it may write


def target_database(args) -> dict:
    """Refuse the developer's database: a PostgreSQL name with "bench", or SQLite in AIMAK_VAR."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import dj_database_url

        cfg = dj_database_url.parse(url)
        if "postgres" not in cfg["ENGINE"]:
            sys.exit("benchmarks/dataset.py: only PostgreSQL URLs are supported in DATABASE_URL (or leave it empty for SQLite).")
        if "bench" not in (cfg.get("NAME") or ""):
            sys.exit(f"benchmarks/dataset.py: refusing to write to database “{cfg.get('NAME')}”: its name must contain “bench”.")
        return {"vendor": "postgresql", "name": cfg["NAME"], "cfg": cfg}
    var = os.environ.get("AIMAK_VAR", "")
    if not var:
        sys.exit("benchmarks/dataset.py: set AIMAK_VAR to a separate folder (SQLite) or DATABASE_URL to a PostgreSQL "
                 "database whose name contains “bench”; the developer's database is never used.")
    folder = Path(var).resolve()
    if folder == (ROOT / "var").resolve():
        sys.exit("benchmarks/dataset.py: AIMAK_VAR is the project's var/ folder (the developer's database); use another folder.")
    return {"vendor": "sqlite", "name": str(folder / "aimak.sqlite3"), "folder": folder}


def prepare_database(target: dict, reset: bool) -> None:
    """--reset: drop and create the PostgreSQL database / delete the SQLite file; create if missing."""
    if target["vendor"] == "sqlite":
        target["folder"].mkdir(parents=True, exist_ok=True)
        if reset:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(target["name"] + suffix).unlink(missing_ok=True)
        return
    import psycopg

    cfg = target["cfg"]
    params = {k: v for k, v in {"host": cfg.get("HOST") or None, "port": cfg.get("PORT") or None, "user": cfg.get("USER") or None,
                                "password": cfg.get("PASSWORD") or None}.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target["name"]]).fetchone()
        name = '"' + target["name"].replace('"', '""') + '"'
        if exists and reset:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
            exists = None
        if not exists:
            conn.execute(f"CREATE DATABASE {name}")


# --------------------------------------------------------------------------------------------
# Writing rows fast: COPY on PostgreSQL, executemany on SQLite, explicit ids


class Writer:
    """Writes tuples to a model's table with ids it hands out itself."""

    def __init__(self):
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.next_ids: dict[str, int] = {}
        self.written: dict[str, int] = defaultdict(int)
        self.tables: set = set()

    def columns(self, model, names: list[str]) -> tuple[str, list, list]:
        """The table, its columns for ``names`` (attnames) and per-column converters; checks
        that every column without a default is given."""
        fields = {f.attname: f for f in model._meta.concrete_fields}
        for f in fields.values():
            if f.attname not in names and not f.null and not f.has_default() and not getattr(f, "auto_now", False) \
                    and not getattr(f, "auto_now_add", False) and not f.primary_key:
                raise RuntimeError(f"{model.__name__}.{f.attname} has no default and is not written")
        from django.db import models as m

        ops = self.connection.ops
        converters = []
        for name in names:
            f = fields[name]
            conv = None
            if isinstance(f, m.JSONField):
                conv = lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
            elif self.vendor == "sqlite":
                if isinstance(f, m.DateTimeField):
                    conv = ops.adapt_datetimefield_value
                elif isinstance(f, m.DateField):
                    conv = lambda v: None if v is None else v.isoformat()
                elif isinstance(f, m.DecimalField):
                    conv = lambda v: None if v is None else str(v)
            converters.append(conv)
        return model._meta.db_table, [fields[n].column for n in names], converters

    def ids(self, model, n: int) -> range:
        table = model._meta.db_table
        if table not in self.next_ids:
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.connection.ops.quote_name(table)}")
                self.next_ids[table] = cursor.fetchone()[0] + 1
        start = self.next_ids[table]
        self.next_ids[table] = start + n
        return range(start, start + n)

    def write(self, model, names: list[str], rows: list[tuple]) -> int:
        from django.db import transaction

        if not rows:
            return 0
        table, columns, converters = self.columns(model, names)
        if any(converters):
            pairs = [(i, c) for i, c in enumerate(converters) if c]
            out = []
            for row in rows:
                row = list(row)
                for i, c in pairs:
                    row[i] = c(row[i])
                out.append(row)
            rows = out
        quoted = ", ".join(self.connection.ops.quote_name(c) for c in columns)
        with transaction.atomic():
            self._write(table, columns, quoted, rows)
        self.written[table] += len(rows)
        self.tables.add(table)
        return len(rows)

    def _write(self, table, columns, quoted, rows) -> None:
        self.connection.ensure_connection()
        raw = self.connection.connection
        if self.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {self.connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {self.connection.ops.quote_name(table)} ({quoted}) VALUES ({', '.join('?' * len(columns))})"
            cursor = raw.cursor()
            for start in range(0, len(rows), 20_000):
                cursor.executemany(sql, rows[start:start + 20_000])
            cursor.close()

    def write_objects(self, model, objs: list, names: list[str] | None = None) -> int:
        """Model instances (ids given here when missing) as rows."""
        if not objs:
            return 0
        names = names or [f.attname for f in model._meta.concrete_fields]
        missing = [o for o in objs if o.pk is None]
        for o, pk in zip(missing, self.ids(model, len(missing))):
            o.pk = pk
        return self.write(model, names, [tuple(getattr(o, n) for n in names) for o in objs])

    def fix_sequences(self) -> None:
        """PostgreSQL: identity sequences past the ids written here."""
        if self.vendor != "postgresql":
            return
        with self.connection.cursor() as cursor:
            for table in sorted(self.tables):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {self.connection.ops.quote_name(table)}))", [table])


# --------------------------------------------------------------------------------------------
# Checksum of values: order-independent, the same in Python and read back from the database


class Checksum:
    def __init__(self):
        self.total = 0
        self.count = 0

    def add(self, territory_code: str, period: date, indicator_code: str, category: str, value) -> None:
        line = f"{territory_code}|{period.isoformat()}|{indicator_code}|{category}|{Decimal(str(value)):.4f}"
        self.total = (self.total + int.from_bytes(hashlib.blake2b(line.encode(), digest_size=8).digest(), "big")) % (1 << 64)
        self.count += 1

    @property
    def hex(self) -> str:
        return f"{self.total:016x}"


# --------------------------------------------------------------------------------------------
# The benchmark indicators: sex and sex-by-age parts, defined as the catalogue defines its own

# (code, English name, Russian name, preset, mean per 1,000 people a month, women's share,
#  age shares (under 18, 18-29, 30-59, 60+), season months, polarity)
BENCH_SPECS = [
    ("bench-consultations", "Consultations at the aiyl okmotu", "Консультации в айыл окмоту", "sex_age", 12.0, 0.55, (0.06, 0.30, 0.49, 0.15), (), -1),
    ("bench-social-assistance", "Recipients of social assistance", "Получатели социальной помощи", "sex_age", 9.0, 0.6, (0.35, 0.10, 0.30, 0.25), (1, 2, 12), 1),
    ("bench-clinic-visits", "Visits to the village health post", "Посещения ФАП", "sex_age", 30.0, 0.58, (0.30, 0.15, 0.35, 0.20), (1, 2, 3, 11, 12), -1),
    ("bench-youth-activities", "Participants in youth activities", "Участники молодёжных мероприятий", "sex_age", 8.0, 0.45, (0.40, 0.45, 0.10, 0.05), (6, 7, 8), -1),
    ("bench-vocational-trainees", "People in vocational training", "Прошедшие профобучение", "sex_age", 4.0, 0.5, (0.15, 0.50, 0.30, 0.05), (), -1),
    ("bench-elderly-visits", "Home visits to elderly and disabled people living alone", "Визиты к одиноким пожилым людям и людям с инвалидностью", "sex_age", 5.0, 0.65, (0.08, 0.07, 0.20, 0.65), (), -1),
    ("bench-school-absentees", "People missing school or training", "Пропускающие занятия в школе и на курсах", "sex_age", 6.0, 0.45, (0.70, 0.20, 0.05, 0.05), (4, 5, 9, 10), 1),
    ("bench-outgoing-migrants", "Residents leaving for work abroad", "Выехавшие на заработки за рубеж", "sex_age", 5.0, 0.35, (0.06, 0.47, 0.42, 0.05), (3, 4, 5), 1),
    ("bench-meeting-attendance", "Attendance at community meetings", "Участники сходов граждан", "sex_age", 10.0, 0.42, (0.05, 0.25, 0.45, 0.25), (3, 4, 10), -1),
    ("bench-ashar-volunteers", "Volunteers in community work (ashar)", "Участники ашара", "sex_age", 6.0, 0.35, (0.15, 0.35, 0.40, 0.10), (4, 5, 6, 7, 8, 9), -1),
    ("bench-sport-participants", "Participants in sports events", "Участники спортивных мероприятий", "sex_age", 7.0, 0.3, (0.45, 0.35, 0.15, 0.05), (5, 6, 7, 8), -1),
    ("bench-legal-aid", "People given free legal aid", "Получившие бесплатную юридическую помощь", "sex", 2.0, 0.6, (), (), -1),
    ("bench-online-appeals", "Appeals sent online", "Обращения, поданные онлайн", "sex", 3.0, 0.5, (), (), 1),
    ("bench-job-seekers", "Registered job seekers", "Зарегистрированные ищущие работу", "sex", 4.0, 0.5, (), (1, 2, 3), 1),
    ("bench-library-visitors", "Library and culture house visitors", "Посетители библиотек и домов культуры", "sex", 8.0, 0.6, (), (1, 2, 11, 12), -1),
    ("bench-disability-services", "People with disabilities served", "Обслуженные люди с инвалидностью", "sex_age", 1.5, 0.5, (0.20, 0.20, 0.40, 0.20), (), -1),
    ("bench-veterinary-calls", "Veterinary service calls", "Вызовы ветеринарной службы", "sex", 6.0, 0.25, (), (3, 4, 5), -1),
    ("bench-water-committee", "Participants in water users' meetings", "Участники собраний водопользователей", "sex", 3.0, 0.3, (), (4, 5, 6), -1),
]


def bench_specs(n: int) -> list[tuple]:
    specs = list(BENCH_SPECS[:n])
    i = 0
    while len(specs) < n:  # more than the list: numbered copies
        base = BENCH_SPECS[i % len(BENCH_SPECS)]
        specs.append((f"{base[0]}-{i // len(BENCH_SPECS) + 2}", *base[1:]))
        i += 1
    return specs


def bench_catalogue(specs: list[tuple], domains: list[str], first_month: date, starting: dict, country_assignment: dict) -> dict:
    """The benchmark indicators and form, and the catalogue's monthly form and register rolled
    out nationally, as a catalogue file ``import_catalogue`` reads."""
    indicators = []
    for n, (code, en, ru, preset, mean, _w, _ages, _season, polarity) in enumerate(specs):
        texts = {}
        for lang, name in (("ky", ru), ("ru", ru), ("en", en)):
            texts[f"name_{lang}"] = f"[benchmark] {name}"
            texts[f"definition_{lang}"] = ("Synthetic indicator of the benchmark dataset (benchmarks/dataset.py); "
                                           f"people counted in the month, about {mean:g} per 1,000 residents.")
            texts[f"unit_{lang}"] = "people"
            texts[f"source_{lang}"] = "benchmarks/dataset.py"
        indicators.append({
            "code": code, "domain": domains[n % len(domains)], **texts, "value_type": "count", "polarity": polarity,
            "disaggregation": preset, "period_type": "monthly", "collection_level": 3, "aggregation": "sum",
            "min_value": "0", "max_value": None, "thresholds": {}, "critical_value": None, "index_weight": "0.5",
            "numerator": None, "denominator": None, "factor": "1", "is_active": True, "value_origin": "entered",
        })
    forms = [{
        "code": "bench-monthly", "name_ky": "[benchmark] Айлык кошумча отчет", "name_ru": "[benchmark] Ежемесячный дополнительный отчёт",
        "name_en": "[benchmark] Monthly supplementary report",
        "description_ky": "benchmarks/dataset.py", "description_ru": "benchmarks/dataset.py",
        "description_en": "Synthetic form of the benchmark dataset (benchmarks/dataset.py), reported by every municipality.",
        "period_type": "monthly", "days_allowed": 10, "first_period": first_month.isoformat(), "is_active": True,
        "indicators": [s[0] for s in specs], "assignments": [country_assignment], "is_register": False,
    }]
    for form in starting["forms"]:
        if form["code"] not in ("monthly", "incident-register"):
            continue
        form = dict(form)
        if date.fromisoformat(form["first_period"]) > first_month:
            form["first_period"] = first_month.isoformat()
        if not form.get("is_register"):
            form["assignments"] = list(form.get("assignments") or []) + [country_assignment]
        forms.append(form)
    return {"format": starting["format"], "format_version": starting.get("format_version", 1), "indicators": indicators, "forms": forms}


def bench_value(rng: random.Random, spec: tuple, place, month: int) -> tuple[int, dict[str, int]]:
    """A total of people and its parts (women / men, or by sex and age band), non-zero parts only
    for sex-by-age, both for sex (as the monitoring demo writes them)."""
    _code, _en, _ru, preset, mean, women, ages, season, _pol = spec
    lam = mean * place.population / 1000 * place.temper * (1.35 if month in season else 1.0)
    total = max(0, round(rng.gauss(lam, math.sqrt(lam)))) if lam > 0 else 0
    if total <= 0:
        return 0, {}
    if preset == "sex":
        w = min(total, max(0, round(rng.gauss(total * women, math.sqrt(total * women * (1 - women)) or 0.0))))
        return total, {"f": w, "m": total - w}
    weights = [women * a for a in ages] + [(1 - women) * a for a in ages]
    codes = ["f_0_17", "f_18_29", "f_30_59", "f_60", "m_0_17", "m_18_29", "m_30_59", "m_60"]
    raw = [total * w * rng.uniform(0.85, 1.15) for w in weights]
    s = sum(raw) or 1.0
    parts = [int(r * total / s) for r in raw]
    parts[max(range(8), key=lambda j: raw[j])] += total - sum(parts)
    return total, {c: v for c, v in zip(codes, parts) if v}


# --------------------------------------------------------------------------------------------
# The run


class Phases:
    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.started = time.monotonic()

    def run(self, name: str, fn, *a, **kw):
        t = time.monotonic()
        say(f"[{name}] …")
        result = fn(*a, **kw)
        self.seconds[name] = round(time.monotonic() - t, 1)
        say(f"[{name}] done in {self.seconds[name]:.1f} s")
        return result


def aware(day: date, hour: int = 0, minute: int = 0):
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, dtime(hour, minute)))


def load_reference(stats: dict) -> None:
    import io

    from django.core.management import call_command

    from aimak.incidents.models import IncidentType
    from aimak.monitoring.models import Indicator
    from aimak.programs.models import Edition
    from aimak.territories.models import Territory

    quiet = io.StringIO()
    if not Territory.objects.exists():
        call_command("load_territories", verbosity=0, stdout=quiet, stderr=quiet)
        stats["loaded"].append("territories")
    if not Indicator.objects.exists():
        call_command("load_monitoring_catalogue", verbosity=0, stdout=quiet)
        stats["loaded"].append("monitoring catalogue")
    if not IncidentType.objects.exists():
        call_command("load_incident_types", verbosity=0, stdout=quiet)
        stats["loaded"].append("incident types")
    if not Edition.objects.exists():
        call_command("load_program_editions", verbosity=0, stdout=quiet)
        stats["loaded"].append("program editions")


def bench_user():
    from aimak.accounts.models import User
    from aimak.accounts.services import sync_builtin_roles

    sync_builtin_roles()
    user, created = User.objects.get_or_create(username="bench.admin", defaults={
        "first_name": "Benchmark", "last_name": "Administrator", "organisation": "benchmarks/dataset.py",
        "is_staff": True, "is_superuser": True})
    if created:
        user.set_unusable_password()
        user.save()
    return user


def configure(args, first_month: date, stats: dict) -> dict:
    """Benchmark indicators and form, national roll-out of the monthly form (catalogue import)."""
    from aimak.monitoring.models import Domain, FormIndicator, Indicator, ReportingForm
    from aimak.monitoring.services.catalogue import import_catalogue

    starting = json.loads((ROOT / "aimak" / "monitoring" / "catalogue" / "starting_catalogue.json").read_text())
    register = ReportingForm.objects.filter(is_register=True, is_active=True).first()
    monthly = ReportingForm.objects.filter(code="monthly").first()
    catalogue_items = 0
    for form in (monthly, register):
        if form is not None:
            catalogue_items += sum(1 for fi in form.items.select_related("indicator") if not fi.indicator.is_formula and fi.indicator.is_active)
    n_bench = max(0, args.indicators - catalogue_items)
    domains = [d for d in Domain.objects.order_by("order", "code").values_list("code", flat=True) if d != "incidents"] or \
        list(Domain.objects.values_list("code", flat=True))
    data = bench_catalogue(bench_specs(n_bench), domains, first_month, starting, {"area": COUNTRY, "kinds": MUNICIPAL_KINDS})
    report = import_catalogue(data)
    if not report.ok:
        raise SystemExit("The benchmark catalogue was rejected:\n" + report.as_text(limit=50))
    stats["indicators_per_municipality_month"] = catalogue_items + n_bench
    stats["bench_indicators"] = n_bench
    forms = {f.code: f for f in ReportingForm.objects.filter(code__in=["bench-monthly", "monthly"])}
    items = {}
    for code, form in forms.items():
        items[code] = [fi.indicator for fi in FormIndicator.objects.filter(form=form).select_related("indicator__domain")
                       .order_by("indicator__code") if fi.indicator.is_active and not fi.indicator.is_formula
                       and fi.indicator.value_origin == Indicator.ValueOrigin.ENTERED]
    return {"forms": forms, "items": items, "register": ReportingForm.objects.filter(is_register=True, is_active=True).first()}


def municipalities(args, n_total_out: list) -> list:
    from aimak.territories.models import Territory

    everyone = list(Territory.objects.current().filter(kind__in=MUNICIPAL_KINDS).order_by("code"))
    n_total_out.append(len(everyone))
    n = args.municipalities or len(everyone)
    if n >= len(everyone):
        return everyone
    step = len(everyone) / n  # evenly spread over the sorted codes: every oblast is represented
    return [everyone[int(i * step)] for i in range(n)]


def make_places(territories: list, seed: int) -> list:
    """Per place: its own random streams, temper and a (synthetic) population for the draws."""
    from aimak.monitoring.services.demo import Place

    places = []
    for t in territories:
        rng = random.Random(f"{seed}:place:{t.code}")
        size = {"aiyl_aimak": 8000, "town": 15000, "city": 45000}.get(t.kind, 8000)
        population = t.population or int(size * math.exp(rng.gauss(0, 0.45)))
        temper = math.exp(rng.gauss(0, 0.3))
        place = Place(t, random.Random(f"{seed}:monthly:{t.code}"), temper=temper, reliability=1.0, population=population)
        place.bench_rng = random.Random(f"{seed}:bench:{t.code}")
        place.event_rng = random.Random(f"{seed}:events:{t.code}")
        place.incident_temper = math.exp(rng.gauss(0, 0.8))
        places.append(place)
    return places


# ---------------------------------------------------------------- incidents


INCIDENT_WEIGHTS = {  # relative frequency by the indicator an incident type counts in
    "hate-speech-online": 5, "protests-peaceful": 3, "land-disputes-escalated": 3, "water-disputes-escalated": 3,
    "intergroup-fights": 2, "hate-speech-offline": 2, "road-blockades": 1, "property-attacks": 1, "border-incidents": 1,
    "protests-intervention": 1, "mob-violence": 0.5, "religious-incidents": 0.5,
}


def generate_incidents(args, places, months, anchor, admin, writer, stats) -> dict:
    """Exactly ``n`` incidents over the places and months (weighted by each place's temper, the
    season and Batken's border), told with the monitoring demo's stories; their history; and the
    register's values for every place and month, counted by the rules of ``register.grouped_counts``."""
    from aimak.incidents.models import Incident, IncidentEvent, IncidentType
    from aimak.monitoring.services import demo
    from aimak.territories.models import Territory

    n_total = stats["incidents_target"]
    types = list(IncidentType.objects.filter(is_active=True, subtypes__isnull=True).select_related("indicator").order_by("order", "code"))
    counted_types = [k for k in types if k.indicator_id]
    register = stats["_register"]
    register_codes = sorted(fi.indicator.code for fi in register.items.select_related("indicator")) if register else []

    cells, weights = [], []
    for m_i, p in enumerate(months):
        season = 1.3 if p.start.month in (6, 7, 8) else (1.1 if p.start.month in (3, 4, 5, 9, 10) else 0.85)
        for p_i, place in enumerate(places):
            border = 1.6 if place.territory.code.startswith("41705") else 1.0
            cells.append((m_i, p_i))
            weights.append(place.incident_temper * season * border)
    rng = random.Random(f"{args.seed}:incidents")
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    per_cell: dict = defaultdict(int)
    for cell in rng.choices(cells, cum_weights=cum, k=n_total):
        per_cell[cell] += 1

    villages: dict = defaultdict(list)
    for v in Territory.objects.current().filter(kind="village", parent_id__in=[p.territory.pk for p in places]).order_by("code"):
        villages[v.parent_id].append(v)
    last_index = len(months) - 1
    rows: list = []
    for (m_i, p_i) in sorted(per_cell, key=lambda c: (c[0], places[c[1]].territory.code)):
        place, p = places[p_i], months[m_i]
        t = place.territory
        cell_rng = random.Random(f"{args.seed}:incidents:{t.code}:{p.start.isoformat()}")
        cell = demo.IncidentMonth(t, p, last_index - m_i, {}, None, admin, None, None)
        vs = villages.get(t.pk, [])
        kinds_w = [INCIDENT_WEIGHTS.get(k.indicator.code, 1) * demo._type_weight(k, t) * demo.TYPE_WEIGHTS.get(k.code, 1)
                   * (5 if k.indicator.code == "border-incidents" and t.code.startswith("41705") else 1) for k in counted_types]
        for _i in range(per_cell[(m_i, p_i)]):
            kind = cell_rng.choices(counted_types, kinds_w)[0]
            incident = demo._new_incident(cell_rng, kind, cell, vs, p.end)
            incident.integration = INTEGRATION
            if demo._is_violent(kind):
                if cell_rng.random() < 0.25:
                    incident.injured = cell_rng.randint(1, 4)
                    incident.injured_women = sum(1 for _j in range(incident.injured) if cell_rng.random() < 0.2)
                if cell_rng.random() < 0.01:
                    incident.killed = 1
                    incident.killed_women = 1 if cell_rng.random() < 0.15 else 0
                if cell_rng.random() < 0.02:
                    incident.displaced_households = cell_rng.randint(1, 6)
            if cell_rng.random() < 0.04:
                incident.verification = Incident.Verification.FALSE
            history = demo._story_of(cell_rng, incident, cell, vs, anchor, admin)
            del incident.demo_village, incident.demo_day
            rows.append((incident, history))

    incidents = [i for i, _h in rows]
    for incident, history in rows:
        incident.created_at, incident.updated_at = history[0][3], history[-1][3]
    writer.write_objects(Incident, incidents)
    events = [IncidentEvent(incident_id=i.pk, action=a, user_id=getattr(u, "pk", None), integration=INTEGRATION, comment=c, created_at=w)
              for i, h in rows for a, u, c, w in h]
    writer.write_objects(IncidentEvent, events)
    stats["counts"]["incidents_written"] = len(incidents)
    stats["counts"]["incident_events_written"] = len(events)

    # the register's values per (territory id, month), as register.grouped_counts counts them
    by_code = {k.pk: k.indicator.code for k in types if k.indicator_id}
    register_values: dict = {}
    for i in incidents:
        if i.origin != Incident.Origin.AIMAK or i.verification == Incident.Verification.FALSE:
            continue
        key = (i.territory_id, date(i.date.year, i.date.month, 1))
        vals = register_values.get(key)
        if vals is None:
            vals = register_values[key] = {(c, ""): 0 for c in register_codes}
            for c in ("injuries", "fatalities"):
                if c in register_codes:
                    vals[(c, "f")] = vals[(c, "m")] = 0
        code = by_code.get(i.incident_type_id)
        if code in register_codes:
            vals[(code, "")] += 1
        for c, total, women in (("injuries", i.injured, i.injured_women), ("fatalities", i.killed, i.killed_women),
                                ("displaced-households", i.displaced_households, None)):
            if c not in register_codes:
                continue
            vals[(c, "")] += total
            if c != "displaced-households" and women is not None:
                vals[(c, "f")] += women
                vals[(c, "m")] += total - women
    return {"values": register_values, "codes": register_codes}


# ---------------------------------------------------------------- monitoring history


NARRATIVES = ["Обстановка спокойная. Обращения рассмотрены в срок.", "Инцидентов нет; аксакальский суд рассмотрел два семейных спора.",
              "Спокойный месяц; проведено совместное мероприятие.", "Мелкие споры из-за полива урегулированы ассоциацией водопользователей."]


def generate_monitoring(args, places, months, anchor, admin, writer, config, register_data, checksum, stats) -> None:
    """Month by month: for every place an approved report of the monthly form and of the
    benchmark form with their values and history, and the incident register's report."""
    from django.db import transaction

    from aimak.incidents.services.register import _paths_as_of
    from aimak.monitoring import disaggregation
    from aimak.monitoring.models import DataValue, Report, ReportEvent
    from aimak.monitoring.services import demo

    forms = config["forms"]
    monthly, bench = forms.get("monthly"), forms["bench-monthly"]
    monthly_items, bench_items = config["items"].get("monthly", []), config["items"]["bench-monthly"]
    specs = {s[0]: s for s in bench_specs(len(BENCH_SPECS) * 3)}
    profiles = {ind.pk: demo.profile_of(ind) for ind in monthly_items}
    register = config["register"]
    reg_ids = {fi.indicator.code: fi.indicator.pk for fi in (register.items.select_related("indicator") if register else [])}
    reg_codes = register_data["codes"]
    report_cols = ["id", "form_id", "territory_id", "period_type", "period_start", "status", "narrative", "sources", "territory_path",
                   "revision", "created_by_id", "created_at", "updated_at", "submitted_at", "submitted_by_id", "is_synthetic"]
    value_cols = ["id", "report_id", "indicator_id", "category", "value", "territory_id", "period_start", "territory_path", "counted", "comment"]
    event_cols = ["id", "report_id", "action", "status_after", "user_id", "integration", "comment", "created_at"]
    uid = admin.pk
    counts = stats["counts"]
    started = time.monotonic()
    for m_i, p in enumerate(months):
        paths = _paths_as_of([(pl.territory.pk, p.start) for pl in places])
        reports, values, events = [], [], []
        for place in places:
            t = place.territory
            path = paths[(t.pk, p.start)]
            erng = place.event_rng
            created = min(aware(p.end + timedelta(days=erng.randint(1, 8)), erng.randint(9, 17), erng.randint(0, 59)), anchor - timedelta(hours=30))
            submitted = created + timedelta(hours=erng.randint(1, 20))
            approved = submitted + timedelta(days=erng.randint(1, 6), hours=erng.randint(0, 8))
            oblast = erng.random() < 0.1
            status = Report.Status.APPROVED_OBLAST if oblast else Report.Status.APPROVED_DISTRICT
            narrative = NARRATIVES[erng.randrange(len(NARRATIVES))]
            batches = []  # (form, [(indicator id, indicator code, category, value)], is the register)

            if monthly is not None and monthly_items:
                totals = {ind.code: demo.draw_total(place, ind, profiles[ind.pk], p.end.month, None, None) for ind in monthly_items}
                demo.relate(place, totals, 0.0)
                entries = []
                for ind in monthly_items:
                    entries.append((ind.pk, ind.code, disaggregation.TOTAL, totals[ind.code]))
                    for cat, part in demo.draw_parts(place, ind, profiles[ind.pk], totals[ind.code]).items():
                        entries.append((ind.pk, ind.code, cat, part))
                batches.append((monthly, entries, False))
            entries = []
            for ind in bench_items:
                total, parts = bench_value(place.bench_rng, specs[ind.code], place, p.start.month)
                entries.append((ind.pk, ind.code, "", Decimal(total)))
                entries.extend((ind.pk, ind.code, cat, Decimal(v)) for cat, v in parts.items())
            batches.append((bench, entries, False))
            if register is not None:
                vals = register_data["values"].get((t.pk, p.start)) or {(c, ""): 0 for c in reg_codes}
                batches.append((register, [(reg_ids[c], c, cat, Decimal(v)) for (c, cat), v in sorted(vals.items())], True))
            for form, entries, register_report in batches:
                rid = writer.ids(Report, 1)[0]
                if register_report:  # a system report, submitted, never reviewed (as register.rebuild writes it)
                    reports.append((rid, form.pk, t.pk, p.type, p.start, Report.Status.SUBMITTED, "", "", path, 0, None,
                                    submitted, submitted, submitted, None, True))
                else:
                    reports.append((rid, form.pk, t.pk, p.type, p.start, status, narrative, "Журнал приёмной айыл окмоту; участковый инспектор.",
                                    path, 1, uid, created, approved, submitted, uid, True))
                    eids = writer.ids(ReportEvent, 4 if oblast else 3)
                    events.append((eids[0], rid, "saved", "draft", uid, INTEGRATION, "", created))
                    events.append((eids[1], rid, "submitted", "submitted", uid, INTEGRATION, "", submitted))
                    events.append((eids[2], rid, "approved", "approved_district", uid, INTEGRATION, "", approved))
                    if oblast:
                        events.append((eids[3], rid, "approved", "approved_oblast", uid, INTEGRATION, "", approved + timedelta(days=5)))
                vids = writer.ids(DataValue, len(entries))
                for vid, (ind_id, ind_code, cat, value) in zip(vids, entries):
                    values.append((vid, rid, ind_id, cat, value, t.pk, p.start, path, True, ""))
                    checksum.add(t.code, p.start, ind_code, cat, value)
        with transaction.atomic():
            writer.write(Report, report_cols, reports)
            writer.write(DataValue, value_cols, values)
            writer.write(ReportEvent, event_cols, events)
        counts["reports_written"] = counts.get("reports_written", 0) + len(reports)
        counts["values_written"] = counts.get("values_written", 0) + len(values)
        counts["report_events_written"] = counts.get("report_events_written", 0) + len(events)
        if m_i == 0 or (m_i + 1) % 12 == 0 or m_i == len(months) - 1:
            say(f"  {p.code}: {counts['reports_written']:,} reports, {counts['values_written']:,} values "
                f"({time.monotonic() - started:.0f} s)")


# ---------------------------------------------------------------- development programs


def generate_programs(args, places, anchor, admin, writer, stats) -> None:
    """One approved program per municipality, being implemented: goals, ``--measures`` measures
    with funding lines by year and source, indicators with yearly targets, its steps."""
    from django.db import transaction

    from aimak.programs.models import (
        Edition,
        Funding,
        Goal,
        IndicatorTarget,
        Measure,
        Program,
        ProgramIndicator,
        ProgramStep,
        Stage,
    )
    from aimak.programs.services import demo as pdemo

    edition = Edition.objects.filter(code="2024").first() or Edition.objects.order_by("-valid_from").first()
    start_year = anchor.year - 1
    years = list(range(start_year, start_year + 5))
    approved_on = date(start_year - 1, 11, 20)
    programs, goals, measures, funding, indicators, targets, steps = [], [], [], [], [], [], []
    for place in places:
        t = place.territory
        rng = random.Random(f"{args.seed}:program:{t.code}")
        pid = writer.ids(Program, 1)[0]
        created = aware(date(start_year - 1, 3, 1) + timedelta(days=rng.randint(0, 60)), 10)
        name = t.name_ru or t.name
        programs.append(Program(
            id=pid, territory_id=t.pk, edition_id=edition.pk, language="ru", start_year=years[0], end_year=years[-1],
            title=f"Программа социально-экономического развития: {name}, {years[0]}–{years[-1]} годы", stage=Stage.IMPLEMENTATION,
            vision=pdemo.VISION[1].format(name=name), alignment=["nds_2040", "sdg", "gender_strategy"],
            working_group_order=f"{rng.randint(10, 60)}-б", working_group_order_date=created.date(),
            resolution_number=f"{rng.randint(5, 40)}-{rng.randint(1, 9)}", resolution_date=approved_on, created_by_id=admin.pk,
            created_at=created, updated_at=aware(approved_on, 15), is_synthetic=True))
        objectives = {}
        for p_i, ((_ky, ru), groups, themes) in enumerate(pdemo.PRIORITIES, start=1):
            g_ids = writer.ids(Goal, 3)
            goals.append(Goal(id=g_ids[0], program_id=pid, parent_id=None, level="priority", number=str(p_i), title=ru, groups=groups, order=p_i))
            goals.append(Goal(id=g_ids[1], program_id=pid, parent_id=g_ids[0], level="goal", number=f"{p_i}.1", title=ru, groups=groups, order=p_i * 10))
            goals.append(Goal(id=g_ids[2], program_id=pid, parent_id=g_ids[1], level="objective", number=f"{p_i}.1.1", title=ru, groups=[], order=p_i * 100))
            for theme in themes:
                objectives[theme] = g_ids[2]
        m_ids = writer.ids(Measure, args.measures)
        for n, mid in enumerate(m_ids):
            (_ky, ru), groups, sources, cost, theme = pdemo.MEASURES[n % len(pdemo.MEASURES)]
            round_ = n // len(pdemo.MEASURES)
            cost = Decimal(int(cost * rng.uniform(0.6, 1.4)))
            first = years[rng.randrange(3)]
            last = min(years[-1], first + rng.randrange(3))
            village = f" (этап {round_ + 1})" if round_ else ""
            measures.append(Measure(id=mid, program_id=pid, objective_id=objectives.get(theme), number=str(n + 1), title=ru + village,
                                    expected_result=ru, indicator="", start_year=first, end_year=last, responsible="Айыл окмоту",
                                    cost=cost, target_groups=groups, order=n + 1))
            span = list(range(first, last + 1))
            lines = [(y, s, share) for s, share in sources.items() for y in span]
            left = cost
            for i, (y, s, share) in enumerate(lines):
                amount = left if i == len(lines) - 1 else Decimal(str(round(float(cost) * share / len(span), 1)))
                amount = max(Decimal(0), amount)
                left -= amount
                funding.append(Funding(measure_id=mid, year=y, source=s, amount=amount))
        for order, ((_ky, ru), unit, people, baseline, target) in enumerate(pdemo.INDICATORS, start=1):
            iid = writer.ids(ProgramIndicator, 1)[0]
            indicators.append(ProgramIndicator(
                id=iid, program_id=pid, name=ru, unit=unit, counts_people=people, baseline=Decimal(baseline), baseline_year=years[0] - 1,
                baseline_women=Decimal(baseline) / 2 if people else None, baseline_men=Decimal(baseline) / 2 if people else None,
                data_source="Отчёт айыл окмоту", responsible="Айыл окмоту", order=order))
            for i, y in enumerate(years, start=1):
                value = Decimal(str(round(baseline + (target - baseline) * i / len(years), 1)))
                half = Decimal(str(round(float(value) / 2, 1)))
                targets.append(IndicatorTarget(indicator_id=iid, year=y, value=value, women=half if people else None, men=value - half if people else None))
        for step, stage, day in ((ProgramStep.Step.CREATED, Stage.WORKING_GROUP, created.date()),
                                 (ProgramStep.Step.APPROVED, Stage.APPROVED, approved_on),
                                 (ProgramStep.Step.STAGE, Stage.IMPLEMENTATION, date(years[0], 1, 1))):
            steps.append(ProgramStep(program_id=pid, step=step, stage=stage, date=day, note="", actor_id=admin.pk, recorded_at=aware(day, 12)))
    with transaction.atomic():
        for model, objs in ((Program, programs), (Goal, goals), (Measure, measures), (Funding, funding),
                            (ProgramIndicator, indicators), (IndicatorTarget, targets), (ProgramStep, steps)):
            writer.write_objects(model, objs)
            stats["counts"][f"{model._meta.model_name}_written"] = len(objs)


# ---------------------------------------------------------------- analysis, checks, summary


def recompute(args, months, stats) -> None:
    from django.db import transaction

    from aimak.core.context import acting_as
    from aimak.monitoring import periods
    from aimak.monitoring.models import Alert
    from aimak.monitoring.services import analytics

    per_period = []
    started = time.monotonic()
    with acting_as(integration=INTEGRATION):
        for i, p in enumerate(months):
            t = time.monotonic()
            with transaction.atomic():
                analytics.recompute_period(periods.MONTHLY, p.start, evaluate_alerts=not args.no_alerts)
            per_period.append(round(time.monotonic() - t, 2))
            if i == 0 or (i + 1) % 6 == 0 or i == len(months) - 1:
                done = time.monotonic() - started
                say(f"  {p.code}: {per_period[-1]:.1f} s (mean {done / (i + 1):.1f} s a period; {done:.0f} s so far, "
                    f"about {done / (i + 1) * (len(months) - i - 1):.0f} s to go)")
    Alert.objects.filter(is_synthetic=False).update(is_synthetic=True)  # a benchmark database: every alert is synthetic
    stats["recompute_seconds_per_period"] = {"mean": round(sum(per_period) / len(per_period), 2), "min": min(per_period),
                                             "max": max(per_period), "first": per_period[0], "last": per_period[-1]}


def verify(args, checksum: Checksum, stats) -> None:
    """Read every value back (checksum) and compare the incident register with register.grouped_counts."""
    from django.db import connection

    from aimak.incidents.services import register
    from aimak.monitoring.models import DataValue

    db = Checksum()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.code, v.period_start, i.code, v.category, v.value FROM monitoring_datavalue v "
            "JOIN territories_territory t ON t.id = v.territory_id JOIN monitoring_indicator i ON i.id = v.indicator_id "
            "JOIN monitoring_report r ON r.id = v.report_id WHERE r.is_synthetic")
        while True:
            chunk = cursor.fetchmany(50_000)
            if not chunk:
                break
            for code, period, ind, cat, value in chunk:
                if isinstance(period, str):
                    period = date.fromisoformat(period)
                db.add(code, period, ind, cat, value if not isinstance(value, float) else Decimal(repr(value)))
    stats["checksum_read_back"] = db.hex
    stats["checksum_read_back_matches"] = db.hex == checksum.hex and db.count == checksum.count
    form = register.register_form()
    if form is None:
        return
    expected = register.grouped_counts(register.counted_incidents(), form)
    stored: dict = defaultdict(dict)
    for t_id, month, code, cat, value in DataValue.objects.filter(report__form=form).values_list(
            "territory_id", "period_start", "indicator__code", "category", "value"):
        stored[(t_id, month)][(code, cat)] = Decimal(value)
    bad = 0
    for key, values in stored.items():
        want = expected.get(key)
        if want is None:
            ok = all(v == 0 for v in values.values())
        else:
            ok = {k: Decimal(v) for k, v in want.items()} == values
        bad += not ok
    missing = [k for k in expected if k not in stored]
    stats["register_cells_checked"] = len(stored)
    stats["register_consistent"] = bad == 0 and not missing
    if bad or missing:
        say(f"  incident register: {bad} cells differ from register.grouped_counts, {len(missing)} missing")


def summary(stats, writer) -> None:
    from django.db import connection
    from django.db.models import Sum

    from aimak.audit.models import ChangeRecord
    from aimak.incidents.models import Incident, IncidentEvent
    from aimak.monitoring.models import (
        AggregateValue,
        Alert,
        AlertEvent,
        DataValue,
        IndexValue,
        Indicator,
        Report,
        ReportEvent,
    )
    from aimak.programs.models import (
        Funding,
        Goal,
        IndicatorTarget,
        Measure,
        Program,
        ProgramIndicator,
        ProgramStep,
    )
    from aimak.territories.models import Territory

    models = [Territory, Indicator, Report, DataValue, ReportEvent, Incident, IncidentEvent, AggregateValue, IndexValue, Alert, AlertEvent,
              Program, Goal, Measure, Funding, ProgramIndicator, IndicatorTarget, ProgramStep, ChangeRecord]
    stats["tables"] = {m._meta.db_table: m.objects.count() for m in models}
    agg = AggregateValue.objects.aggregate(s=Sum("value"))["s"]
    idx = IndexValue.objects.aggregate(s=Sum("value"))["s"]
    stats["aggregate_value_sum"] = f"{Decimal(str(agg or 0)):.2f}"
    stats["index_value_sum"] = f"{Decimal(str(idx or 0)):.2f}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
            cursor.execute("SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 6")
            stats["largest_tables_mb"] = {name: round(b / 2**20, 1) for name, b in cursor.fetchall()}
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(connection.settings_dict["NAME"])
        size = sum(Path(str(path) + s).stat().st_size for s in ("", "-wal") if Path(str(path) + s).exists())
    stats["database_mb"] = round(size / 2**20, 1)


def audit_record(stats, admin) -> None:
    """One audit record naming what the run wrote (rows were written without per-row records)."""
    from aimak.audit.models import ChangeRecord
    from aimak.core import context

    written = {k: v for k, v in stats["counts"].items() if k.endswith("_written")}
    ChangeRecord.objects.create(
        user=admin, integration=INTEGRATION, request_id=context.request_id(), action=ChangeRecord.Action.CREATE,
        object_type="benchmarks.dataset", object_id=f"seed-{stats['seed']}",
        object_repr=f"benchmark dataset ({stats['size']}): {written.get('reports_written', 0)} reports, {written.get('values_written', 0)} values, "
                    f"{written.get('incidents_written', 0)} incidents, {written.get('program_written', 0)} programs",
        territory_path="", before=None, after={**written, "seed": stats["seed"], "months": stats["months"], "is_synthetic": True},
    )


def main() -> None:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["quick", "full"], default="quick")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--months", type=int, help=f"monthly periods ending last month (quick {QUICK_MONTHS}, full {FULL_MONTHS})")
    parser.add_argument("--municipalities", type=int, help=f"how many municipalities, spread over the country (quick {QUICK_MUNICIPALITIES}, full: all)")
    parser.add_argument("--incidents", type=int, help=f"how many incidents (default: {FULL_INCIDENTS:,} at full size, scaled by places x months)")
    parser.add_argument("--measures", type=int, default=MEASURES_PER_PROGRAM, help="measures per program")
    parser.add_argument("--indicators", type=int, default=INDICATORS_PER_PLACE, help="indicators per municipality and month (benchmark ones fill up)")
    parser.add_argument("--end", help="the last month, YYYY-MM (default: last month)")
    parser.add_argument("--reset", action="store_true", help="drop the benchmark database (delete the SQLite file) first")
    parser.add_argument("--no-recompute", action="store_true", help="write raw data only (no aggregates, index, alerts)")
    parser.add_argument("--no-alerts", action="store_true", help="recompute aggregates and the index but do not evaluate alert rules")
    parser.add_argument("--verify", action=argparse.BooleanOptionalAction, default=None,
                        help="read values back for the checksum and check the incident register (default: at quick size)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON on stdout (progress on stderr)")
    args = parser.parse_args()
    if args.json:
        OUT = sys.stderr
    quick = args.size == "quick"
    args.months = args.months or (QUICK_MONTHS if quick else FULL_MONTHS)
    args.municipalities = args.municipalities or (QUICK_MUNICIPALITIES if quick else None)
    args.verify = quick if args.verify is None else args.verify

    target = target_database(args)
    phases = Phases()
    phases.run("prepare database", prepare_database, target, args.reset)

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone, translation

    from aimak.core.context import acting_as
    from aimak.monitoring import periods
    from aimak.monitoring.models import Report

    stats = {"size": args.size, "seed": args.seed, "database": f"{target['vendor']} {target['name']}", "loaded": [], "counts": {},
             "python": sys.version.split()[0]}
    say(f"benchmark dataset: {args.size}, seed {args.seed}, into {stats['database']}")
    phases.run("migrate", call_command, "migrate", verbosity=0, interactive=False)
    with translation.override("ru"), acting_as(integration=INTEGRATION):
        phases.run("reference data", load_reference, stats)
        if Report.objects.filter(is_synthetic=True).exists():
            sys.exit("This database already holds synthetic reports (a benchmark dataset or the demo); use --reset.")
        last = periods.parse(args.end) if args.end else periods.last_complete(periods.MONTHLY, timezone.localdate())
        months = [last.shift(-(args.months - 1) + i) for i in range(args.months)]
        anchor = aware(last.shift(1).start)  # "now" of the generated history: the day after the last period
        stats["months"] = args.months
        stats["periods"] = f"{months[0].code}..{months[-1].code}"
        admin = bench_user()
        config = phases.run("configure", configure, args, months[0].start, stats)
        stats["_register"] = config["register"]
        n_all: list = []
        territories = municipalities(args, n_all)
        places = make_places(territories, args.seed)
        stats["municipalities"] = len(places)
        stats["municipalities_in_gazetteer"] = n_all[0]
        stats["incidents_target"] = args.incidents if args.incidents is not None else \
            round(FULL_INCIDENTS * len(places) * args.months / (n_all[0] * FULL_MONTHS))
        say(f"{len(places)} municipalities x {args.months} months ({stats['periods']}), {stats['indicators_per_municipality_month']} indicators "
            f"({stats['bench_indicators']} benchmark), {stats['incidents_target']:,} incidents, {len(places)} programs x {args.measures} measures")
        writer = Writer()
        checksum = Checksum()
        register_data = phases.run("incidents", generate_incidents, args, places, months, anchor, admin, writer, stats)
        phases.run("monitoring values", generate_monitoring, args, places, months, anchor, admin, writer, config, register_data, checksum, stats)
        phases.run("programs", generate_programs, args, places, anchor, admin, writer, stats)
        writer.fix_sequences()
        audit_record(stats, admin)
        stats["checksum"] = checksum.hex
        stats["checksum_values"] = checksum.count
        if not args.no_recompute:
            phases.run("recompute (aggregates, index" + ("" if args.no_alerts else ", alerts") + ")", recompute, args, months, stats)
        if args.verify:
            phases.run("verify", verify, args, checksum, stats)
        phases.run("summary counts and size", summary, stats, writer)
    stats.pop("_register", None)
    stats["seconds"] = phases.seconds
    stats["seconds_total"] = round(time.monotonic() - phases.started, 1)
    if args.json:
        print(json.dumps(stats, indent=1, ensure_ascii=False, default=str))
        return
    say("")
    say(f"Benchmark dataset ({args.size}, seed {args.seed}) in {stats['database']}: {stats['periods']}, {stats['municipalities']} municipalities")
    say(f"{'table':<34} {'rows':>12}")
    for table, n in stats["tables"].items():
        say(f"{table:<34} {n:>12,}")
    say(f"{'phase':<34} {'seconds':>12}")
    for name, s in phases.seconds.items():
        say(f"{name:<34} {s:>12.1f}")
    say(f"{'total':<34} {stats['seconds_total']:>12.1f}")
    if "recompute_seconds_per_period" in stats:
        say(f"recompute per period: {stats['recompute_seconds_per_period']}")
    say(f"database size: {stats['database_mb']} MB" + (f"; largest tables (MB): {stats['largest_tables_mb']}" if "largest_tables_mb" in stats else ""))
    say(f"values checksum: {stats['checksum']} over {stats['checksum_values']:,} values"
        + (f"; read back: {stats['checksum_read_back']} ({'matches' if stats['checksum_read_back_matches'] else 'DIFFERS'})" if "checksum_read_back" in stats else ""))
    if "register_consistent" in stats:
        say(f"incident register: {'consistent with' if stats['register_consistent'] else 'DIFFERS from'} register.grouped_counts "
            f"({stats['register_cells_checked']:,} cells)")
    say(f"sums: aggregates {stats['aggregate_value_sum']}, index {stats['index_value_sum']}")


if __name__ == "__main__":
    main()
