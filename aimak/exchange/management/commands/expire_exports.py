"""``aimak expire_exports``: the housekeeping of background exports, for cron (every few minutes
or hourly).

- Jobs that will never finish (their worker died, their task is gone, or no worker took them
  for a day) are marked failed with "The export stopped unexpectedly; ask for it again.", so
  that nobody's list waits for them for ever.
- Files of exports past their date are deleted (the job stays as a record, without file).
- Partial files no running job is writing are deleted."""

from django.core.management.base import BaseCommand

from aimak.exchange.services import exports


class Command(BaseCommand):
    help = "Mark exports whose worker died as failed and delete expired and partial export files."

    def handle(self, *args, **options):
        failed = exports.fail_stalled()
        expired = exports.purge_expired()
        partial = exports.purge_partials()
        for job in failed:
            self.stdout.write(f"failed: export #{job.pk} ({job.kind}, asked by {job.requested_by})")
        self.stdout.write(f"{len(failed)} stopped export(s) marked failed, {expired} expired file(s) and {partial} partial file(s) deleted.")
