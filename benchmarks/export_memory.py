#!/usr/bin/env python3
"""How much memory a full export takes: runs the exports of the whole history in the current
database for a superuser, through the same code as the background job
(``aimak.exchange.services.exports.write_export``), and prints rows, seconds and peak memory.

    AIMAK_VAR=/tmp/demo2 .venv/bin/python benchmarks/export_memory.py [--kinds values_csv,dhis2_csv] [--compare]

Peak memory is measured twice: tracemalloc's peak of Python allocations during the export
(what the export itself holds), and the process's maximum resident size (VmHWM) before
and after. ``--compare`` then loads the same rows into a list, as a non-streaming export
would, to show the difference. Files are written to a temporary folder and deleted."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimak.settings")


def rss_mb() -> float:
    """This process's peak resident size in MB: Linux's VmHWM, which starts afresh with the
    program (ru_maxrss keeps the peak of the process that started it across exec, so a child
    of a large benchmark run would report its parent's size)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", default="values_csv,dhis2_csv", help="comma-separated: values_csv, values_xlsx, dhis2_csv, dhis2_json")
    parser.add_argument("--untraced", action="store_true", help="time without tracemalloc (which slows Python down)")
    parser.add_argument("--compare", action="store_true", help="also load all value rows into a list, for comparison")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import translation

    from aimak.accounts.models import User
    from aimak.exchange.selectors import exports as selectors
    from aimak.exchange.services.exports import write_export

    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first() or User(username="benchmark", is_superuser=True)
    print(f"database: {connection.vendor} {settings.DATABASES['default'].get('NAME')}")
    print(f"as: {user.username} (superuser); Python {sys.version.split()[0]}; rows read in chunks of {selectors.CHUNK}")
    print(f"{'kind':<12} {'rows':>9} {'seconds':>8} {'file MB':>8} {'tracemalloc peak MB':>20} {'maxrss before MB':>17} {'maxrss after MB':>16}")
    filters = selectors.Filters()
    with tempfile.TemporaryDirectory() as folder, translation.override("ru"):
        for kind in [k.strip() for k in args.kinds.split(",") if k.strip()]:
            path = Path(folder) / f"{kind}.out"
            written = [0]
            before = rss_mb()
            if not args.untraced:
                tracemalloc.start()
            started = time.perf_counter()
            write_export(kind, user, filters, path, lambda n: written.__setitem__(0, n))
            seconds = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory() if not args.untraced else (0, float("nan"))
            tracemalloc.stop()
            print(f"{kind:<12} {written[0]:>9,} {seconds:>8.1f} {path.stat().st_size / 2**20:>8.1f} {peak / 2**20:>20.2f} {before:>17.1f} {rss_mb():>16.1f}")
        if args.compare:
            before = rss_mb()
            tracemalloc.start()
            rows = list(selectors.value_text_rows(user, filters))
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"{'list(rows)':<12} {len(rows):>9,} {'':>8} {'':>8} {peak / 2**20:>20.2f} {before:>17.1f} {rss_mb():>16.1f}"
                  "   <- the same rows held in memory, for comparison")


if __name__ == "__main__":
    main()
