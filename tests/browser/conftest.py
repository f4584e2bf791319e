"""End-to-end tests in a real browser: Playwright driving Debian's Chromium against `manage.py runserver`.

The server runs in a subprocess on a fresh SQLite database in a temporary folder (AIMAK_VAR),
loaded with `setup_demo` (the reference territories and the demo user admin / aimak-demo-2026).
No browser is ever downloaded: Chromium comes from /usr/bin/chromium (apt-get install chromium).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"
DEFAULT_VIEWPORT = {"width": 1280, "height": 800}
DEFAULT_LOCALE = "en-US"
DEMO_USER, DEMO_PASSWORD = "admin", "aimak-demo-2026"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "viewport(width, height): browser viewport for the `page` fixture (default 1280x800)"
    )
    config.addinivalue_line("markers", "browser_locale(code): browser locale for the `page` fixture (default en-US)")


def _python() -> str:
    """The project's virtualenv interpreter (this one, if pytest already runs in it)."""
    venv = REPO / ".venv"
    if Path(sys.prefix).resolve() == venv.resolve():
        return sys.executable
    candidate = venv / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture(scope="session")
def aimak_server():
    """Base URL (no trailing slash) of a running Aimak with the demo data loaded.

    AIMAK_BROWSER_URL=http://127.0.0.1:8000 uses a server you already run (with `setup_demo`
    loaded) instead of starting one: quicker while writing a browser test."""
    if os.environ.get("AIMAK_BROWSER_URL"):
        yield os.environ["AIMAK_BROWSER_URL"].rstrip("/")
        return
    tmp = Path(tempfile.mkdtemp(prefix="aimak-browser-"))
    env = dict(os.environ)
    env.update(AIMAK_VAR=str(tmp), DATABASE_URL="", DEBUG="1", PYTHONUNBUFFERED="1")
    python, manage = _python(), str(REPO / "manage.py")
    log_path = tmp / "server.log"

    def manage_py(*args, timeout=300):
        result = subprocess.run(
            [python, manage, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            pytest.fail(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    # The .mo files are build products (gitignored); compile them if missing or stale, as dev.py does.
    manage_py("compile_translations")
    manage_py("migrate", "--no-input", "-v0")
    manage_py("setup_demo")

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = open(log_path, "w")
    server = subprocess.Popen(
        [python, manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"runserver exited with {server.returncode}:\n{_tail(log_path)}")
            try:
                with urllib.request.urlopen(f"{base_url}/health/", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"runserver did not answer /health/ within 60 s:\n{_tail(log_path)}")
            time.sleep(0.25)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Python package `playwright` is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_context(browser, aimak_server, request):
    """Factory of browser contexts (fresh cookies); every context is closed after the test.

    Each context knows the server's URL (`context.aimak_base_url`) and records the URL of every
    request it makes in `context.aimak_requests`.
    """
    contexts = []

    def make(*, locale=None, viewport=None):
        marker_viewport = request.node.get_closest_marker("viewport")
        marker_locale = request.node.get_closest_marker("browser_locale")
        if viewport is None:
            viewport = (
                {"width": marker_viewport.args[0], "height": marker_viewport.args[1]} if marker_viewport else DEFAULT_VIEWPORT
            )
        if locale is None:
            locale = marker_locale.args[0] if marker_locale else DEFAULT_LOCALE
        context = browser.new_context(base_url=aimak_server, locale=locale, viewport=viewport)
        context.set_default_timeout(15_000)
        context.aimak_base_url = aimak_server
        context.aimak_requests = []
        context.on("request", lambda req: context.aimak_requests.append(req.url))
        contexts.append(context)
        return context

    yield make

    failed = any(getattr(request.node, f"rep_{when}", None) and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                suffix = "" if (i, j) == (0, 0) else f"-{i}-{j}"
                try:
                    page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
                except Exception:  # a crashed page must not hide the real failure
                    pass
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context: locale en-US, viewport 1280x800 unless the test's markers say otherwise."""
    return new_context().new_page()
