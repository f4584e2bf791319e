"""Answers kept until the data changes: dashboard pages and their JSON, computed once per
version of the data and served from the cache until an audited change or a new index
computation makes a new version (ADR 0010).

Why: a national map or a ten-year trend is hundreds of rows aggregated from millions, and
the same few answers are asked for again and again (sixteen officials opening the morning
dashboard). Recomputing each time costs the database and Python far more than the answer
changes; keeping it per version costs one small query per request.

What makes a version (``data_version``): the newest audit record (every change to business
data writes one: reports, values, alerts, plans, territories, roles) and the newest index
computation (the background reconcile changes the index without an audited change). Time
enters too: an answer is kept at most ``AIMAK_ANSWER_CACHE_SECONDS`` (default 300 s; 0 turns
the cache off), which bounds what two transactions committing out of id order could leave
stale, and refreshes "overdue" counts.

What an answer is kept for: one person (their access shapes it), one language, one address
with its query string, one browser's CSRF cookie for pages (a page's forms carry a token that
cookie validates), and whether HTMX asked for a fragment. Answers that set cookies, show a
one-time message or are not 200 are never kept. Kept answers are stored gzip-compressed when
the browser accepts it, so a hit costs no compression either.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

CACHE_ALIAS = "answers"
MIN_COMPRESSED = 500


def seconds() -> int:
    return int(getattr(settings, "AIMAK_ANSWER_CACHE_SECONDS", 30))


_last_version: tuple[float, str] = (0.0, "")


def data_version() -> str:
    """The newest audit record and index computation, in one round trip; read again at most
    every ``AIMAK_ANSWER_VERSION_SECONDS`` (1 s) by each server process, so a burst of
    requests costs one query, and a change shows within a second."""
    global _last_version
    reuse = float(getattr(settings, "AIMAK_ANSWER_VERSION_SECONDS", 1))
    read_at, version = _last_version
    now = time.monotonic()
    if version and now - read_at < reuse:
        return version
    version = _read_version()
    _last_version = (now, version)
    return version


def _read_version() -> str:
    from aimak.audit.models import ChangeRecord
    from aimak.monitoring.models import IndexValue

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {ChangeRecord._meta.db_table}), "
            f"(SELECT MAX(computed_at) FROM {IndexValue._meta.db_table})"
        )
        audit_id, computed = cursor.fetchone()
    return f"{audit_id}|{computed}"


def _has_messages(request) -> bool:
    storage = getattr(request, "_messages", None)
    if storage is None:
        return False
    return bool(getattr(storage, "_queued_messages", None)) or bool(getattr(storage, "_loaded_data", None))


def _key(request, name: str, page: bool) -> str:
    user = request.user
    parts = [
        name, request.get_host(), request.get_full_path(), str(user.pk if user.is_authenticated else ""), get_language() or "",
        "hx" if request.headers.get("HX-Request") else "", "gz" if _accepts_gzip(request) else "",
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, "") if page else "", data_version(),
    ]
    return "answer:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _accepts_gzip(request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "")


def _rebuild(stored: tuple) -> HttpResponse:
    content, content_type, encoding = stored
    response = HttpResponse(content, content_type=content_type)
    if encoding:
        response["Content-Encoding"] = encoding
    patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
    response["X-Aimak-Answer"] = "kept"
    return response


def kept(page: bool):
    """Decorate a GET view (function or ``as_view()``) so that its answer is kept per data
    version. ``page``: an HTML page (keyed on the CSRF cookie, and only kept when there is one)."""

    def decorate(view):
        name = f"{view.__module__}.{getattr(view, '__qualname__', getattr(view, '__name__', 'view'))}"

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            ttl = seconds()
            if (ttl <= 0 or request.method != "GET" or not request.user.is_authenticated
                    or (page and settings.CSRF_COOKIE_NAME not in request.COOKIES) or request.GET.get("export")):
                return view(request, *args, **kwargs)
            cache = caches[CACHE_ALIAS]
            key = _key(request, name, page)
            stored = cache.get(key)
            if stored is not None:
                return _rebuild(stored)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            if (response.status_code != 200 or response.streaming or response.cookies or _has_messages(request)
                    or response.has_header("Content-Encoding")):
                return response
            content, encoding = response.content, ""
            if _accepts_gzip(request) and len(content) >= MIN_COMPRESSED:
                content, encoding = gzip.compress(content, compresslevel=6, mtime=0), "gzip"
            stored = (content, response["Content-Type"], encoding)
            cache.set(key, stored, ttl)
            fresh = _rebuild(stored)
            fresh["X-Aimak-Answer"] = "computed"
            return fresh

        return wrapper

    return decorate
