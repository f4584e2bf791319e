"""Who is acting right now (a person, an integration, a background job) and in which request,
so that the audit trail can say it without every function passing it along."""

import contextvars
import uuid
from contextlib import contextmanager

_actor = contextvars.ContextVar("aimak_actor", default=None)
_integration = contextvars.ContextVar("aimak_integration", default="")
_request_id = contextvars.ContextVar("aimak_request_id", default="")
_request = contextvars.ContextVar("aimak_request", default=None)


def actor():
    user = _actor.get()
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def person(user):
    """The person behind an actor, for fields that point at a person: None for anonymous
    visitors and for machine senders (who are recorded by name as the integration)."""
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_integration", False):
        return None
    return user


def acting(user):
    """``acting_as`` for whoever acts: a person, or a machine sender under its integration name."""
    if getattr(user, "is_integration", False):
        return acting_as(integration=user.integration_name)
    return acting_as(user)


def integration() -> str:
    return _integration.get()


def request_id() -> str:
    return _request_id.get()


def current_request():
    return _request.get()


@contextmanager
def acting_as(user=None, *, integration: str = "", request=None, request_id: str | None = None):
    """Run a block on behalf of a user or a named integration (imports, background jobs)."""
    tokens = [
        _actor.set(user),
        _integration.set(integration),
        _request_id.set(request_id or uuid.uuid4().hex[:16]),
        _request.set(request),
    ]
    try:
        yield
    finally:
        for var, token in zip((_actor, _integration, _request_id, _request), tokens):
            var.reset(token)


class RequestContextMiddleware:
    """Every request gets an id (echoed in X-Request-ID) and its user as the acting person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-ID", "")[:40] or uuid.uuid4().hex[:16]
        request.request_id = rid
        with acting_as(getattr(request, "user", None), request=request, request_id=rid):
            response = self.get_response(request)
        response.headers["X-Request-ID"] = rid
        return response
