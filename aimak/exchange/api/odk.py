"""The Kobo REST-service webhook: ``POST /api/exchange/kobo/submissions``.

In Kobo (project > Settings > REST Services) register this address as a JSON endpoint and add
the custom header ``Authorization: Token <integration secret>`` (or HTTP Basic with the
secret as the password; ``?secret=`` in the address only when neither can be set, since
addresses end up in logs). Kobo retries failed deliveries, so the same submission may arrive
more than once: a repeat changes nothing and gets the first answer again.

A plain Django view, not DRF: DRF's token authentication would read the ``Token`` header as a
person's API token."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from aimak.accounts.tokens import integration_actor

from ..services import odk as services
from ..views.odk import http_status, too_large


def _refused(refusal: str) -> JsonResponse:
    text = _("The integration secret is wrong, revoked or expired.") if refusal == "wrong" else _("Give an integration secret: Authorization: Token <secret>.")
    response = JsonResponse({"status": "unauthorized", "detail": text}, status=401)
    response["WWW-Authenticate"] = "Token"
    return response


@method_decorator(csrf_exempt, name="dispatch")
class KoboSubmissionView(View):
    http_method_names = ["post", "options"]

    def post(self, request):
        key = services.secret_from_request(request)
        if key is None:
            return _refused("missing")
        actor = integration_actor(key)  # a refusal is logged there
        if actor is None:
            return _refused("wrong")
        if too_large(request) or len(request.body) > services.MAX_SUBMISSION_BYTES:
            return JsonResponse({"status": "too_large", "detail": _("The submission is larger than %(n)s MB.")
                                 % {"n": services.MAX_SUBMISSION_BYTES // (1024 * 1024)}}, status=413)
        outcome = services.receive_kobo(actor, request.body.decode("utf-8", errors="replace"))
        submission = outcome.submission
        body = {
            "status": submission.status,
            "duplicate": outcome.duplicate,
            "submission": submission.pk,
            "instance_id": submission.instance_id,
            "report": submission.report_id,
            "message": services.message(submission.result),
        }
        found = services.errors(submission.result)
        if found:
            body["errors"] = found
        return JsonResponse(body, status=http_status(outcome, repeat=200), json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("kobo/submissions", KoboSubmissionView.as_view(), name="exchange-api-kobo-submissions"),
]
