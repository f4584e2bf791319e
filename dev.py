#!/usr/bin/env python3
"""Aimak's two everyday commands, needing nothing but Python 3.11:

    python3 dev.py run    set everything up, load demo data, serve on http://127.0.0.1:8000
                          (with the background worker that runs exports next to the server)
    python3 dev.py test   set everything up, run the whole test suite (SQLite, PostgreSQL
                          when one answers on 127.0.0.1:5432, and the browser tests)

    python3 dev.py setup  only the shared part: .venv, packages, translations, database
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
STAMP = VENV / ".aimak-installed"
PG_HOST, PG_PORT = os.environ.get("AIMAK_TEST_PG_HOST", "127.0.0.1"), int(os.environ.get("AIMAK_TEST_PG_PORT", "5432"))
PG_URL = os.environ.get("AIMAK_TEST_PG_URL", f"postgres://postgres@{PG_HOST}:{PG_PORT}/aimak")
CHROMIUM = "/usr/bin/chromium"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*cmd, env=None, check=True) -> int:
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def aimak(*args, env=None, check=True) -> int:
    return run(PY, ROOT / "manage.py", *args, env=env, check=check)


def install() -> None:
    if sys.version_info[:2] != (3, 11):
        say(f"warning: Aimak is built for Python 3.11; this is {sys.version.split()[0]}")
    if not PY.exists():
        say("creating .venv")
        run(sys.executable, "-m", "venv", VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + (ROOT / "constraints.txt").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        say("installing Python packages (pinned in constraints.txt)")
        run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip")
        run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", "constraints.txt", "-e", ".[test]")
        STAMP.write_text(wanted)
    aimak("compile_translations")


def setup() -> None:
    install()
    say("preparing the database")
    aimak("migrate", "--no-input", "-v", "0")


def pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=2):
            return True
    except OSError:
        return False


def ensure_chromium() -> bool:
    if Path(CHROMIUM).exists():
        return True
    if shutil.which("apt-get") and os.geteuid() == 0:
        say("installing Chromium for the browser tests (apt-get install chromium)")
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=env, check=False)
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", env=env, check=False)
    return Path(CHROMIUM).exists()


def cmd_run(args) -> None:
    setup()
    aimak("setup_demo")
    port = str(args.port or os.environ.get("AIMAK_PORT", "8000"))
    env = {"DEBUG": os.environ.get("DEBUG", "1")}
    # The background worker (django-tasks, database backend: ADR 0001) runs queued tasks such as
    # large exports. Ctrl+C reaches it too (same process group) and it stops after its task.
    say("starting the background worker (aimak db_worker)")
    worker = subprocess.Popen([str(PY), str(ROOT / "manage.py"), "db_worker", "--no-reload", "-v", "1"], cwd=ROOT,
                              env={**os.environ, **env})
    say(f"Aimak is starting on http://127.0.0.1:{port}/  (Ctrl+C stops it)")
    try:
        aimak("runserver", f"127.0.0.1:{port}", "--insecure", env=env, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        stop_worker(worker)


def stop_worker(worker: subprocess.Popen) -> None:
    """Let the worker finish its task (10 s at most), then end it."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def cmd_test(args) -> None:
    install()
    pytest = [PY, "-m", "pytest", *args.pytest_args]
    failures = []
    say("unit and integration tests on SQLite")
    if run(*pytest, "-m", "not browser", env={"DATABASE_URL": ""}, check=False):
        failures.append("SQLite")
    if os.environ.get("AIMAK_SKIP_PG") == "1":
        say("AIMAK_SKIP_PG=1: skipping the PostgreSQL run")
    elif pg_reachable():
        say(f"unit and integration tests on PostgreSQL ({PG_HOST}:{PG_PORT})")
        if run(*pytest, "-m", "not browser", env={"DATABASE_URL": PG_URL}, check=False):
            failures.append("PostgreSQL")
    else:
        say(f"PostgreSQL does not answer on {PG_HOST}:{PG_PORT}; skipping the PostgreSQL run")
    if os.environ.get("AIMAK_SKIP_BROWSER") != "1":
        if ensure_chromium():
            say("browser tests (Playwright driving Chromium)")
            if run(*pytest, "-m", "browser", "-p", "no:xdist", env={"DATABASE_URL": ""}, check=False):
                failures.append("browser")
        else:
            say("Chromium is missing and cannot be installed here; browser tests not run")
            failures.append("browser (no Chromium)")
    if failures:
        say("FAILED: " + ", ".join(failures))
        sys.exit(1)
    say("all test runs passed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="set up and serve Aimak with demo data")
    p_run.add_argument("--port", type=int)
    p_test = sub.add_parser("test", help="set up and run the whole test suite")
    p_test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    sub.add_parser("setup", help="set up .venv, packages, translations and the database")
    args, extra = parser.parse_known_args()
    if args.command == "test":
        args.pytest_args = [*extra, *args.pytest_args]
    elif extra:
        parser.error("unrecognised arguments: " + " ".join(extra))
    {"run": cmd_run, "test": cmd_test, "setup": lambda a: setup()}[args.command](args)


if __name__ == "__main__":
    main()
