"""``aimak pull_kobo --server URL --asset UID --token TOKEN [--since ISO] --secret SECRET``

Fetch a Kobo project's submissions newer than ``--since`` (all when omitted) and receive them as
the REST-service webhook would: what Kobo failed to deliver arrives, what arrived already
changes nothing. Run it from cron with the ``latest`` it prints as the next ``--since``.

``--token`` is the Kobo API token (Kobo > Account settings > Security). ``--secret`` is the
Aimak integration secret the submissions are received under (its role and territory decide
what may be reported); it may also come from the environment variable AIMAK_KOBO_SECRET, and
the token from KOBO_TOKEN, so that neither shows in the process list."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from aimak.accounts.tokens import integration_actor
from aimak.exchange.services import odk


class Command(BaseCommand):
    help = "Fetch a Kobo project's submissions (missed webhooks) and receive them once each."

    def add_arguments(self, parser):
        parser.add_argument("--server", required=True, help="Kobo server, e.g. https://kf.kobotoolbox.org")
        parser.add_argument("--asset", required=True, help="the project's asset uid")
        parser.add_argument("--token", default=os.environ.get("KOBO_TOKEN", ""), help="Kobo API token (or KOBO_TOKEN)")
        parser.add_argument("--since", default=None, help="only submissions after this ISO date-time")
        parser.add_argument("--secret", default=os.environ.get("AIMAK_KOBO_SECRET", ""), help="Aimak integration secret (or AIMAK_KOBO_SECRET)")
        parser.add_argument("--timeout", type=float, default=60)

    def handle(self, *args, server, asset, token, since, secret, timeout, **options):
        if not token:
            raise CommandError(_("Give the Kobo API token (--token or KOBO_TOKEN)."))
        if not secret:
            raise CommandError(_("Give the Aimak integration secret the submissions are received under (--secret or AIMAK_KOBO_SECRET)."))
        actor = integration_actor(secret)
        if actor is None:
            raise CommandError(_("The integration secret is wrong, revoked or expired."))
        try:
            summary = odk.pull(server, asset, token, since, actor=actor, timeout=timeout)
        except odk.PullError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("%(received)s received on %(pages)s pages: %(accepted)s accepted, %(rejected)s refused, "
              "%(replaced)s older versions kept, %(duplicates)s already there.")
            % {"received": summary.received, "pages": summary.pages, "accepted": summary.accepted, "rejected": summary.rejected,
               "replaced": summary.replaced, "duplicates": summary.duplicates}
        )
        self.stdout.write(f"latest: {summary.latest}")
